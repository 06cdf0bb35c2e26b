"""action.yml: a well-formed composite action whose scan step really scans.

GitHub publishes no schema for action metadata, so the structure GitHub requires is checked here:
name, description, `runs.using: composite`, every `run` step with a `shell`, every `uses` step
pinned to a full commit SHA with its version in a comment, every `${{ inputs.X }}` declared, outputs
wired to a step that exists. Inputs must reach scripts only through `env` (an input spliced into a
script is shell injection). The steps' scripts are then run with bash as the runner runs them, their
expressions filled in from the inputs' defaults and a GitHub context, with this checkout's riskscan
(a wrapper that records each call) and a fake `gh` (canned comments, the real `jq`) on PATH."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
ACTION = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def steps():
    return ACTION["runs"]["steps"]


def expressions(value) -> list[str]:
    if isinstance(value, dict):
        return [e for item in value.values() for e in expressions(item)]
    if isinstance(value, list):
        return [e for item in value for e in expressions(item)]
    return EXPRESSION.findall(value) if isinstance(value, str) else []


def test_the_metadata_github_requires():
    assert {"name", "description", "runs"} <= ACTION.keys()
    assert ACTION["runs"]["using"] == "composite"
    assert ACTION["branding"]["icon"] and ACTION["branding"]["color"]
    for name, spec in ACTION["inputs"].items():
        assert re.fullmatch(r"[a-z][a-z0-9-]*", name) and spec["description"], name
        assert isinstance(spec.get("default", ""), str), name  # YAML true would reach the runner as a boolean
    for name, spec in ACTION["outputs"].items():
        assert spec["description"] and EXPRESSION.fullmatch(spec["value"]), name


def test_every_step_is_runnable_by_a_composite_action():
    ids = [step["id"] for step in steps() if "id" in step]
    assert len(ids) == len(set(ids))
    for step in steps():
        assert ("run" in step) != ("uses" in step), step
        if "run" in step:
            assert step["shell"] == "bash", step["name"]
        else:
            action, _, ref = step["uses"].partition("@")
            assert ref, f"{action} is not pinned to a ref"
    [upload] = [step for step in steps() if step.get("uses", "").startswith("github/codeql-action/upload-sarif")]
    assert upload["with"]["sarif_file"] == "${{ inputs.sarif-file }}"



def test_every_reference_is_declared_and_inputs_never_reach_a_script_directly():
    inputs = set(ACTION["inputs"])
    step_ids = {step["id"] for step in steps() if "id" in step}
    for expression in expressions(ACTION):
        for name in re.findall(r"inputs\.([a-z0-9-]+)", expression):
            assert name in inputs, expression
        for step_id in re.findall(r"steps\.([a-z0-9-]+)\.outputs", expression):
            assert step_id in step_ids, expression
    for step in steps():
        assert not EXPRESSION.search(step.get("run", "")), f"{step['name']}: use env, not expressions, in scripts"


def test_third_party_actions_are_pinned_to_a_commit_with_the_version_in_a_comment():
    """A tag can be moved to other code, a commit cannot. Each SHA is one seen paired with its
    release tag in public workflows (setup-python v5.6.0, codeql-action v4.31.9)."""
    lines = [line for line in (REPO / "action.yml").read_text(encoding="utf-8").splitlines() if line.strip().startswith("uses:")]
    assert len(lines) == len([step for step in steps() if "uses" in step]) == 2
    for line in lines:
        assert re.fullmatch(r"\s*uses: [\w.-]+/[\w./-]+@[0-9a-f]{40}  # v\d+(\.\d+)*", line), line


def test_one_scan_writes_every_output_with_options_the_cli_has():
    from riskscan.cli import scan

    commands = [line.strip() for step in steps() for line in step.get("run", "").splitlines() if "riskscan scan" in line]
    assert len(commands) == 1, commands  # the comment step posts what the scan step wrote
    options = {name for param in scan.params for name in param.opts}
    [script] = [step["run"] for step in steps() if step.get("id") == "scan"]
    used = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", script))
    assert {"--sarif-output", "--markdown-output", "--sarif-category", "--link-base", "--diff", "--fail-on"} <= used
    assert used <= options, used - options


# --- the steps, run -------------------------------------------------------------------------------

EXAMPLE = REPO / "examples" / "support-desk"


def in_repository(folder: Path) -> str:
    """The folder's path in this checkout's repository, as a prefix ('' outside git)."""
    from riskscan.scan.repository import locate

    path = locate(str(folder.resolve())).path
    return path + "/" if path else ""


SHA = "0123456789abcdef0123456789abcdef01234567"
PULL_REQUEST = {  # a pull request from a branch of the repository itself
    "GITHUB_EVENT_NAME": "pull_request",
    "github.event.pull_request.number": "7",
    "github.event.pull_request.head.repo.full_name": "someone/project",
}

RISKSCAN_WRAPPER = """#!{python}
# this checkout's riskscan, each call recorded
import json, os, sys
with open(os.environ["RISKSCAN_CALLS"], "a") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
sys.path.insert(0, {repo!r})
sys.argv[0] = "riskscan"
from riskscan.cli import run
run()
"""

FAKE_GH = """#!{python}
# gh as the comment step calls it: `api --paginate URL --jq EXPR` answers FAKE_GH_COMMENTS (JSON)
# through the real jq, as gh does; `api --method M URL -F body=@FILE` records the body it sends.
import json, os, subprocess, sys
args = sys.argv[1:]
call = {{"args": args}}
for arg in args:
    if arg.startswith("body=@"):
        call["body"] = open(arg[len("body=@"):], encoding="utf-8").read()
with open(os.environ["FAKE_GH_LOG"], "a") as log:
    log.write(json.dumps(call) + "\\n")
if os.environ.get("FAKE_GH_FAIL") == "1":
    sys.exit("HTTP 403: Resource not accessible by integration")
if "--jq" in args:
    expression = args[args.index("--jq") + 1]
    comments = os.environ.get("FAKE_GH_COMMENTS", "[]")
    sys.stdout.write(subprocess.run(["jq", "-r", expression], input=comments, capture_output=True, text=True, check=True).stdout)
"""


class Run:
    """One step run: the process, its outputs, and what riskscan and gh were called with."""

    def __init__(self, completed: subprocess.CompletedProcess, outputs: dict, workspace: Path):
        self.completed, self.outputs, self.workspace = completed, outputs, workspace

    def calls(self, tool: str) -> list:
        log = self.workspace / f"{tool}-calls.log"
        return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def tools_folder(workspace: Path) -> Path:
    folder = workspace / "bin"
    if not folder.is_dir():
        folder.mkdir()
        for name, text in (("riskscan", RISKSCAN_WRAPPER), ("gh", FAKE_GH)):
            (folder / name).write_text(text.format(python=sys.executable, repo=str(REPO)))
            (folder / name).chmod((folder / name).stat().st_mode | stat.S_IEXEC)
        (folder / "python").symlink_to(sys.executable)
    return folder


def run_step(step_id: str, workspace: Path, overrides: dict[str, str], context: dict[str, str] | None = None,
             cwd: Path | None = None, extra_env: dict[str, str] | None = None) -> Run:
    """Run one `run` step like the runner would: its env with expressions filled in from the
    inputs' defaults (and `overrides`) and `context` (expressions such as `github.event...`, and
    the runner's GITHUB_* variables; what is not given is empty, as on GitHub), GITHUB_OUTPUT and
    GITHUB_STEP_SUMMARY files, `bash -e` in the workspace."""
    [step] = [s for s in steps() if s.get("id") == step_id]
    context = dict(context or {})
    values = {f"inputs.{name}": spec.get("default", "") for name, spec in ACTION["inputs"].items()}
    values.update({f"inputs.{name}": value for name, value in overrides.items()})
    values["github.action_path"] = str(REPO)
    values.update({key: value for key, value in context.items() if not key.startswith("GITHUB_")})
    env = {key: value for key, value in os.environ.items() if not key.startswith(("GITHUB_", "RUNNER_"))}
    env.update({"GITHUB_EVENT_NAME": "push", "GITHUB_REPOSITORY": "someone/project", "GITHUB_SERVER_URL": "https://github.com",
                "GITHUB_SHA": SHA, "RUNNER_TEMP": str(workspace)})
    env.update({key: value for key, value in context.items() if key.startswith("GITHUB_")})
    for name, value in step.get("env", {}).items():
        env[name] = EXPRESSION.sub(lambda match: values.get(match.group(1), ""), value)
    output = workspace / "github_output"
    output.write_text("")
    env.update({"GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(workspace / "step_summary.md"),
                "PATH": f"{tools_folder(workspace)}{os.pathsep}{env.get('PATH', '')}",
                "RISKSCAN_CALLS": str(workspace / "riskscan-calls.log"), "FAKE_GH_LOG": str(workspace / "gh-calls.log")})
    env.update(extra_env or {})
    completed = subprocess.run(
        ["bash", "-e", "-c", step["run"]], cwd=cwd or workspace, env=env, capture_output=True, text=True, timeout=300
    )
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())
    return Run(completed, outputs, workspace)


@pytest.mark.parametrize("folder, fail_on, expected", [
    ("examples/support-desk", "high", "1"),
    ("fixtures/cases/lowlevel-notes-server", "critical", "0"),  # its findings are high only
])
def test_the_scan_step_writes_sarif_and_reports_the_exit_code(tmp_path, folder, fail_on, expected):
    run = run_step("scan", tmp_path, {"path": str(REPO / folder), "fail-on": fail_on})
    assert run.completed.returncode == 0, run.completed.stderr  # findings do not stop the upload
    assert run.outputs == {"sarif-file": "riskscan.sarif", "exit-code": expected}
    sarif = json.loads((tmp_path / "riskscan.sarif").read_text())
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"]
    # the paths are the repository's (this checkout), not the scanned folder's
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
    assert all(uri.startswith(in_repository(REPO / folder)) for uri in uris), uris


def test_the_scan_step_is_clean_on_a_safe_project_and_fails_on_a_usage_error(tmp_path):
    assert run_step("scan", tmp_path, {"path": str(REPO / "fixtures" / "cases" / "safe-newsletter")}).outputs["exit-code"] == "0"
    run = run_step("scan", tmp_path, {"path": str(tmp_path / "missing")})
    assert run.completed.returncode == 2 and run.outputs["exit-code"] == "2"
    assert "::error::riskscan could not scan" in run.completed.stdout


def test_hostile_input_values_stay_arguments(tmp_path):
    """A path or args input carrying shell syntax is passed on as words, never run."""
    marker = tmp_path / "pwned"
    run = run_step("scan", tmp_path, {"path": f"$(touch {marker}); `touch {marker}`"})
    assert run.outputs["exit-code"] == "2" and not marker.exists()
    run = run_step("scan", tmp_path, {"path": str(EXAMPLE), "args": f"--exclude '$(touch {marker})' --exclude `id`"})
    assert run.outputs["exit-code"] == "1" and not marker.exists()
    assert run.calls("riskscan")[-1][-4:] == ["--exclude", f"$(touch {marker})", "--exclude", "`id`"]


def test_args_are_split_like_shell_words_but_never_globbed(tmp_path):
    """`--exclude support_desk/*` reached riskscan as the workspace's matching files ("unexpected
    extra arguments"); a quoted value with a space is one argument."""
    for name in ("a.py", "b.py"):  # what the glob would have expanded to in the workspace
        (tmp_path / "support_desk").mkdir(exist_ok=True)
        (tmp_path / "support_desk" / name).write_text("")
    run = run_step("scan", tmp_path, {"path": str(EXAMPLE), "args": '--exclude support_desk/* --exclude "my dir/*.py"'})
    assert run.completed.returncode == 0, run.completed.stderr
    assert run.calls("riskscan")[-1][-4:] == ["--exclude", "support_desk/*", "--exclude", "my dir/*.py"]
    sarif = json.loads((tmp_path / "riskscan.sarif").read_text())
    places = {loc["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"] for loc in r["locations"]}
    assert places == {"examples/support-desk/.mcp.json"}  # support_desk/tools.py was excluded, as asked


def test_args_that_are_not_shell_words_are_a_usage_error(tmp_path):
    run = run_step("scan", tmp_path, {"path": str(EXAMPLE), "args": '--exclude "unclosed'})
    assert run.completed.returncode == 2 and run.outputs == {"exit-code": "2"}
    assert "::error::riskscan: the args input is not valid shell quoting" in run.completed.stdout
    assert run.calls("riskscan") == []


@pytest.mark.parametrize("category, expected", [(None, "riskscan/"), ("riskscan/agents", "riskscan/agents/"), ("team-a/", "team-a/")])
def test_the_category_input_is_the_run_category(tmp_path, category, expected):
    run = run_step("scan", tmp_path, {"path": str(EXAMPLE)} | ({"category": category} if category else {}))
    assert run.outputs["exit-code"] == "1"
    [sarif_run] = json.loads((tmp_path / "riskscan.sarif").read_text())["runs"]
    assert sarif_run["automationDetails"] == {"id": expected}


def test_on_a_pull_request_one_scan_writes_the_sarif_and_the_comment_with_absolute_links(tmp_path):
    run = run_step("scan", tmp_path, {"path": str(EXAMPLE), "comment": "true"}, PULL_REQUEST)
    assert run.completed.returncode == 0, run.completed.stderr
    assert len(run.calls("riskscan")) == 1
    assert run.outputs["comment-file"] == str(tmp_path / "riskscan-comment.md")
    comment = (tmp_path / "riskscan-comment.md").read_text()
    assert f"](https://github.com/someone/project/blob/{SHA}/{in_repository(EXAMPLE)}support_desk/tools.py#L" in comment
    assert "](support_desk/" not in comment and "](examples/" not in comment  # no relative link left
    assert json.loads((tmp_path / "riskscan.sarif").read_text())["runs"][0]["results"]
    # no comment without the input, nor outside pull requests
    assert "comment-file" not in run_step("scan", tmp_path, {"path": str(EXAMPLE)}, PULL_REQUEST).outputs
    assert "comment-file" not in run_step("scan", tmp_path, {"path": str(EXAMPLE), "comment": "true"}).outputs


@pytest.mark.skipif(not (REPO / ".git").exists(), reason="needs this checkout to be a git work tree")
def test_a_pull_request_scan_reports_what_it_changes_when_the_base_commit_is_there(tmp_path):
    head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    sarif = str(tmp_path / "riskscan.sarif")
    run = run_step("scan", tmp_path, {"path": str(EXAMPLE), "sarif-file": sarif},
                   PULL_REQUEST | {"github.event.pull_request.base.sha": head}, cwd=REPO)
    assert run.completed.returncode == 0, run.completed.stderr
    assert ["--diff", head] == run.calls("riskscan")[-1][-2:]
    missing = "f" * 40
    run = run_step("scan", tmp_path, {"path": str(EXAMPLE), "sarif-file": sarif},
                   PULL_REQUEST | {"github.event.pull_request.base.sha": missing}, cwd=REPO)
    assert run.outputs["exit-code"] == "1" and "--diff" not in run.calls("riskscan")[-1]
    assert f"::warning::riskscan: the pull request's base commit {missing} is not checked out (use actions/checkout with fetch-depth: 0)" in run.completed.stdout


def comment_step(tmp_path, context=PULL_REQUEST, comments=(), fail=False) -> Run:
    (tmp_path / "riskscan-comment.md").write_text("## riskscan\n\n2 findings\n")
    return run_step("comment", tmp_path, {}, context | {"steps.scan.outputs.comment-file": str(tmp_path / "riskscan-comment.md")},
                    extra_env={"FAKE_GH_COMMENTS": json.dumps(list(comments)), "FAKE_GH_FAIL": "1" if fail else "0"})


MARKER = "<!-- riskscan-comment category=riskscan/ -->"


def test_the_comment_updates_its_own_earlier_comment_found_by_its_marker(tmp_path):
    comments = [
        {"id": 11, "body": "<!-- other-bot -->\n## riskscan\nsomeone else's report"},
        {"id": 12, "body": "<!-- riskscan-comment category=riskscan/agents/ -->\n## riskscan"},  # another category
        {"id": 13, "body": f"{MARKER}\n## riskscan\n\n5 findings\n"},
        {"id": 14, "body": f"a reply quoting it:\n{MARKER}"},
    ]
    run = comment_step(tmp_path, comments=comments)
    assert run.completed.returncode == 0, run.completed.stderr
    listing, update = run.calls("gh")
    assert listing["args"][:3] == ["api", "--paginate", "repos/someone/project/issues/7/comments"]
    assert update["args"][:4] == ["api", "--method", "PATCH", "repos/someone/project/issues/comments/13"]
    assert update["body"] == f"{MARKER}\n## riskscan\n\n2 findings\n"
    assert (tmp_path / "step_summary.md").read_text() == "## riskscan\n\n2 findings\n"


def test_the_first_comment_is_created(tmp_path):
    run = comment_step(tmp_path, comments=[{"id": 11, "body": "LGTM"}])
    _, create = run.calls("gh")
    assert create["args"][:4] == ["api", "--method", "POST", "repos/someone/project/issues/7/comments"]
    assert create["body"].startswith(MARKER + "\n## riskscan")


def test_no_comment_on_a_fork_pull_request_only_a_notice(tmp_path):
    run = comment_step(tmp_path, PULL_REQUEST | {"github.event.pull_request.head.repo.full_name": "stranger/project"})
    assert run.completed.returncode == 0
    assert "::notice::riskscan: no comment on a pull request from a fork" in run.completed.stdout
    assert run.calls("gh") == []
    assert "2 findings" in (tmp_path / "step_summary.md").read_text()  # the report is still in the job summary


def test_a_comment_that_cannot_be_posted_never_fails_the_job(tmp_path):
    run = comment_step(tmp_path, fail=True)
    assert run.completed.returncode == 0
    assert "::warning::riskscan: could not read the pull request's comments" in run.completed.stdout


@pytest.mark.skipif(shutil.which("jq") is None, reason="the fake gh answers through jq")
def test_the_fake_gh_really_applies_the_steps_jq_expression(tmp_path):
    """The check that the comment tests can fail: a body whose first line only starts like the
    marker is not ours."""
    run = comment_step(tmp_path, comments=[{"id": 9, "body": MARKER + " extra\nx"}])
    assert [call["args"][2] for call in run.calls("gh")] == ["repos/someone/project/issues/7/comments", "POST"]

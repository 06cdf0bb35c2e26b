"""The pre-commit hook for real: `pre-commit try-repo` on this checkout, in a temporary git repository
holding a vulnerable agent project. The hook must fail with the finding, and pass once the project
is fixed; and `pre-commit run` of a commit that stages only a config riskscan reads must run it.
pre-commit builds the hook's environment by installing riskscan from the checkout's HEAD, which
fetches riskscan's dependencies from PyPI: the test is skipped, saying so, only when that
environment cannot be made (no network); any other failure is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from riskscan import config, discover
from riskscan.mcp import lock
from riskscan.triage import suppressions

REPO = Path(__file__).resolve().parents[1]
VULNERABLE = REPO / "fixtures" / "cases" / "anthropic-webhook-bot" / "bot.py"
SCHEMA = Path(__file__).parent / "schemas" / "pre-commit-hooks.schemastore.json"
NO_NETWORK = ("Could not find a version", "No matching distribution", "Temporary failure in name resolution",
              "Failed to establish a new connection", "Network is unreachable", "ConnectionError")


def test_the_hook_file_is_valid_for_pre_commit():
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    jsonschema.validate(hooks, json.loads(SCHEMA.read_text()))
    [hook] = hooks
    assert hook["id"] == "riskscan" and hook["pass_filenames"] is False  # whole-program analysis


def test_the_schema_rejects_a_broken_hook():
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate([{"id": "riskscan", "name": "riskscan", "language": "python", "pass_filenames": "no"}],
                            json.loads(SCHEMA.read_text()))


def hook_types() -> set[str]:
    [hook] = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    return set(hook["types_or"])


# One file of each kind riskscan/discover/ reads, in the places it reads them.
READ_FILES = ("agent.py", ".mcp.json", ".vscode/mcp.json", "manifests/tools.json", "pyproject.toml", "riskscan.toml",
              ".codex/config.toml", ".continue/mcpServers/docs.yaml", ".continue/config.yml", "crew/config/agents.yaml",
              "crew/config/tasks.yml", "notebooks/prototype.ipynb")
# The files riskscan reads beside them: the other config name, the suppressions file, the lockfile,
# and .gitignore, which decides which files are read.
READ_BESIDE = (*config.FILE_NAMES, suppressions.DEFAULT_FILE, lock.LOCKFILE, ".gitignore")


def test_the_hook_runs_for_every_kind_of_file_riskscan_reads(tmp_path):
    identify = pytest.importorskip("identify.identify", reason="identify comes with pre-commit: pip install '.[test]'")
    types = hook_types()
    assert types <= identify.ALL_TAGS  # the schema accepts any string; pre-commit knows only identify's tags
    assert all(discover.kind_of(name) is not None for name in READ_FILES)
    for name in (*READ_FILES, *READ_BESIDE):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")
        assert identify.tags_from_path(str(path)) & types, name
    for unrelated in ("README.md", "server.ts", "styles.css"):  # commits of these stay fast
        (tmp_path / unrelated).write_text("")
        assert not identify.tags_from_path(str(tmp_path / unrelated)) & types, unrelated


def git(project: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false", *args],
                   cwd=project, check=True, capture_output=True, timeout=60)


def try_repo(project: Path, home: Path, revision: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "riskscan", "--ref", revision, "--all-files", "--color", "never"],
        cwd=project, env=env, capture_output=True, text=True, timeout=900,
    )


@pytest.fixture()
def head_revision() -> str:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    pytest.importorskip("pre_commit", reason="pre-commit is not installed: pip install '.[test]'")
    found = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True)
    if found.returncode != 0:
        pytest.skip("the checkout is not a git repository, so pre-commit cannot clone it")
    return found.stdout.strip()


def test_try_repo_fails_on_the_vulnerable_project_and_passes_once_fixed(tmp_path, head_revision):
    project = tmp_path / "project"
    project.mkdir()
    git(project, "init", "-q")
    vulnerable = VULNERABLE.read_text()
    (project / "bot.py").write_text(vulnerable)
    git(project, "add", "bot.py")
    git(project, "commit", "-q", "-m", "a bot that posts to a URL the model chooses")

    home = tmp_path / "pre-commit-home"
    failing = try_repo(project, home, head_revision)
    output = failing.stdout + failing.stderr
    if failing.returncode != 1 and any(sign in output for sign in NO_NETWORK):
        pytest.skip(f"pre-commit could not build the hook environment without network access: {output[-400:]}")
    assert failing.returncode == 1, output
    assert "riskscan" in output and "Failed" in output
    # the hook's --format concise: one `path:line:col: CODE [severity] message` line per finding
    assert any(line.startswith("bot.py:") and ": RS101 [critical] " in line for line in output.splitlines()), output

    # the fix: the bot no longer reads the deployment's secrets, so nothing private can leave
    fixed = vulnerable.replace(
        '    {"name": "read_config", "description": "Read deployment settings.", "input_schema": {"type": "object", "properties": {}}},\n', ""
    ).replace('    elif name == "read_config":\n        return read_config()\n', "")
    assert fixed != vulnerable
    (project / "bot.py").write_text(fixed)
    git(project, "commit", "-q", "-am", "the bot reads no secrets")
    passing = try_repo(project, home, head_revision)
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert "Passed" in passing.stdout and "RS101" not in passing.stdout


# Each a change a commit might stage alone, realistic and harmless: the hook must still scan the
# repository (whose bot.py has an RS101 path), where the old `types_or: [python, json]` skipped it.
STAGED_ALONE = {
    ".codex/config.toml": '[mcp_servers.docs]\ncommand = "npx"\nargs = ["-y", "@modelcontextprotocol/server-filesystem", "docs"]\n',
    "crew/config/agents.yaml": "researcher:\n  role: Researcher\n  goal: Summarise the docs\n  backstory: You read carefully.\n",
    "riskscan.toml": 'extend-select = ["RS1"]\n',  # a key the repository may set (fail-on is the operator's)
    suppressions.DEFAULT_FILE: '[[suppress]]\nrule = "RS201"\npath = ".mcp.json"\nreason = "a read-only token"\n',
    ".continue/mcpServers/docs.yaml": "mcpServers:\n  - name: docs\n    command: npx\n    args: [-y, '@modelcontextprotocol/server-filesystem', docs]\n",
}


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory):
    return tmp_path_factory.mktemp("pre-commit-home")  # one hook environment for every run below


def run_staged(tmp_path: Path, home: Path, revision: str, name: str, text: str) -> subprocess.CompletedProcess:
    project = tmp_path / "project"
    project.mkdir()
    git(project, "init", "-q")
    settings = {"repos": [{"repo": str(REPO), "rev": revision, "hooks": [{"id": "riskscan"}]}]}
    jsonschema.validate(settings, json.loads((SCHEMA.parent / "pre-commit-config.schemastore.json").read_text()))
    (project / ".pre-commit-config.yaml").write_text(yaml.safe_dump(settings))
    (project / "bot.py").write_text(VULNERABLE.read_text())
    git(project, "add", ".")
    git(project, "commit", "-q", "-m", "a bot that posts to a URL the model chooses")
    (project / name).parent.mkdir(parents=True, exist_ok=True)
    (project / name).write_text(text)
    git(project, "add", name)  # the only staged change
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    env.pop("PYTHONPATH", None)
    result = subprocess.run([sys.executable, "-m", "pre_commit", "run", "--color", "never"],
                            cwd=project, env=env, capture_output=True, text=True, timeout=900)
    output = result.stdout + result.stderr
    if result.returncode not in (0, 1) or (result.returncode == 1 and "Failed" not in output):
        if any(sign in output for sign in NO_NETWORK):
            pytest.skip(f"pre-commit could not build the hook environment without network access: {output[-400:]}")
    return result


@pytest.mark.parametrize("name", STAGED_ALONE)
def test_a_commit_staging_only_a_config_riskscan_reads_runs_the_hook(tmp_path, pre_commit_home, head_revision, name):
    result = run_staged(tmp_path, pre_commit_home, head_revision, name, STAGED_ALONE[name])
    output = result.stdout + result.stderr
    assert "Skipped" not in output, output
    assert result.returncode == 1 and "Failed" in output, output
    assert ": RS101 [critical]" in output and "bot.py:" in output  # the hook prints --format concise


def test_a_commit_staging_only_prose_skips_the_hook(tmp_path, pre_commit_home, head_revision):
    result = run_staged(tmp_path, pre_commit_home, head_revision, "NOTES.md", "# Notes\n\nNothing riskscan reads.\n")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "(no files to check)Skipped" in result.stdout

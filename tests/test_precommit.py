"""The pre-commit hook for real: `pre-commit try-repo` on this checkout, in a temporary git repository
holding a vulnerable agent project. The hook must fail with the finding, and pass once the project
is fixed. pre-commit builds the hook's environment by installing riskscan from the checkout's HEAD,
which fetches riskscan's dependencies from PyPI: the test is skipped, saying so, only when that
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

"""--diff, --statistics and NO_COLOR (the progress display: tests/cli/test_progress.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from pseudo_terminal import run_on_a_terminal

from riskscan.cli import main

REPO = Path(__file__).resolve().parents[2]
OPS = REPO / "fixtures" / "cases" / "fastmcp-ops-server"
SAFE = REPO / "fixtures" / "cases" / "safe-newsletter"


def git(folder: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True, text=True, env=env).stdout


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    shutil.copytree(OPS, tmp_path / "ops")
    shutil.copytree(SAFE, tmp_path / "newsletter")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "start")
    return tmp_path


def test_diff_keeps_findings_whose_paths_touch_changed_files(repository):
    runner = CliRunner()
    unchanged = runner.invoke(main, ["scan", str(repository), "--diff", "HEAD", "--statistics"])
    assert unchanged.exit_code == 0 and unchanged.output.endswith("0 findings\n")
    readme = repository / "newsletter" / "NOTES.md"
    readme.write_text("untracked and unrelated\n")
    assert runner.invoke(main, ["scan", str(repository), "--diff", "HEAD"]).exit_code == 0
    server = repository / "ops" / "server.py"
    server.write_text(server.read_text().replace("Fetch a URL", "Fetch one URL"))  # touches step 1 of RS102's path
    touched = runner.invoke(main, ["scan", str(repository), "--diff", "HEAD", "--statistics"])
    assert touched.exit_code == 1 and "RS102" in touched.output
    # scanning a sub-folder: paths are relative to it
    assert runner.invoke(main, ["scan", str(repository / "ops"), "--diff", "HEAD"]).exit_code == 1
    assert runner.invoke(main, ["scan", str(repository / "newsletter"), "--diff", "HEAD"]).exit_code == 0


def test_diff_errors_exit_2(repository, tmp_path_factory):
    result = CliRunner().invoke(main, ["scan", str(repository), "--diff", "no-such-rev"])
    assert result.exit_code == 2 and "unknown git revision 'no-such-rev'" in result.output
    outside = tmp_path_factory.mktemp("plain")
    shutil.copytree(OPS, outside / "ops")
    assert CliRunner().invoke(main, ["scan", str(outside / "ops"), "--diff", "HEAD"]).exit_code == 2


def test_statistics_counts_per_rule():
    result = CliRunner().invoke(main, ["scan", str(REPO / "examples" / "support-desk"), "--statistics"])
    lines = result.output.splitlines()
    assert result.exit_code == 1
    assert lines[0].split()[1:] == ["RS101", "injection-to-exfiltration", "critical"]
    assert lines[-1] == f"{sum(int(line.split()[0]) for line in lines[:-1])} findings"


def on_a_terminal(*args: str, env: dict) -> str:
    """Run riskscan with stdout and stderr on a pseudo-terminal; returns what the terminal got."""
    return run_on_a_terminal(*args, env=env)[0]


def test_colour_on_a_terminal_unless_no_color_and_quiet_hides_progress():
    base = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    coloured = on_a_terminal("scan", str(OPS), env=base)
    plain = on_a_terminal("scan", str(OPS), "-q", env={**base, "NO_COLOR": "1"})
    assert "\033[" in coloured
    assert "\033[" not in plain and "RS102" in plain


def test_no_progress_when_stderr_is_not_a_terminal():
    result = subprocess.run([sys.executable, "-m", "riskscan", "scan", str(OPS)], cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    assert "reading files" not in result.stderr and result.stderr == ""

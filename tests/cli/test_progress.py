"""The progress display: every stage reported from the first file on (the survey too, and as the
worker processes' results arrive), drawn by tqdm on stderr only when stderr is a terminal, never
in CI, never with --quiet. Nothing here is timed: the tests check which calls come, in which order."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pseudo_terminal
import pytest

from riskscan.cli.progress import progress_display
from riskscan.scan import scan
from riskscan.types import Config

REPO = Path(__file__).resolve().parents[2]
OPS = REPO / "fixtures" / "cases" / "fastmcp-ops-server"
FILLERS = 20  # above reading.POOL_THRESHOLD, so that two workers survey them


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A FastMCP server with a dangerous path, among helper modules that declare nothing: the
    survey looks at every one of them, and only the server is read in full."""
    folder = tmp_path / "project"
    folder.mkdir()
    for source in OPS.iterdir():
        (folder / source.name).write_bytes(source.read_bytes())
    for number in range(FILLERS):
        (folder / f"helpers_{number}.py").write_text(f"import os\n\n\ndef joined_{number}(name):\n    return os.path.join('data', name)\n")
    return folder


def python_files(folder: Path) -> int:
    return sum(1 for path in folder.iterdir() if path.suffix == ".py")


@pytest.mark.parametrize("workers", [1, 2])
def test_every_stage_reports_from_the_first_file(project, tmp_path, workers):
    calls: list[tuple[str, int, int]] = []
    scan(str(project), Config(workers=workers, cache=False), progress=lambda *call: calls.append(call))
    stages = [stage for number, (stage, _, _) in enumerate(calls) if number == 0 or calls[number - 1][0] != stage]
    assert stages == ["discovering", "surveying", "reading", "solving"]
    assert calls[0] == ("discovering", 0, 0)
    total = python_files(project)
    surveyed = [(done, of) for stage, done, of in calls if stage == "surveying"]
    assert surveyed == [(done, total) for done in range(total + 1)]  # 0 at the start, then one call per file
    read = [(done, of) for stage, done, of in calls if stage == "reading"]
    assert [done for done, _ in read] == list(range(1, len(read) + 1)) and read[-1][0] == read[-1][1]


def test_a_second_run_surveys_nothing_and_still_reports_its_stages(project, tmp_path):
    config = Config(workers=1, cache_dir=str(tmp_path / "cache"))
    scan(str(project), config)
    calls: list[tuple[str, int, int]] = []
    scan(str(project), config, progress=lambda *call: calls.append(call))
    assert calls[0] == ("discovering", 0, 0) and calls[-1] == ("solving", 0, 0)
    assert not [call for call in calls if call[0] == "surveying"]  # every survey came from the cache


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_display_draws_each_stage_with_its_count_and_wipes_itself(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    stream = FakeTerminal()
    show = progress_display(stream)
    show("discovering", 0, 0)
    show("surveying", 0, 3)
    show("surveying", 1, 3)
    show("reading", 1, 2)
    show("solving", 0, 0)
    show("done", 0, 0)
    drawn = stream.getvalue()
    order = [drawn.index(text) for text in ("riskscan: discovering files", "riskscan: surveying Python files",
                                            "riskscan: reading files", "riskscan: solving")]
    assert order == sorted(order)
    assert "0/3" in drawn and "1/2" in drawn
    assert drawn.endswith("\r") and drawn.rsplit("\r", 2)[-2].strip() == ""  # the last line is wiped


def test_no_display_off_a_terminal_or_in_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    assert progress_display(io.StringIO()) is None
    monkeypatch.setenv("CI", "true")
    assert progress_display(FakeTerminal()) is None


def run_on_a_terminal(*args: str, stderr_on_terminal: bool = True, **env: str) -> tuple[str, str]:
    """riskscan on a pseudo-terminal, outside CI and with colour allowed, `env` added."""
    environment = {key: value for key, value in os.environ.items() if key not in ("CI", "NO_COLOR")}
    environment.update(env, PYTHONPATH=str(REPO))
    return pseudo_terminal.run_on_a_terminal(*args, env=environment, stderr_on_terminal=stderr_on_terminal)


def test_a_terminal_sees_progress_from_the_first_stage_before_the_report(project):
    seen, _ = run_on_a_terminal("scan", str(project), "--no-cache", "--workers", "2", "--no-color")
    report = seen.index("riskscan 0.1.0:")
    first = seen.index("riskscan: ")
    assert seen[first:].startswith("riskscan: discovering files")
    survey = seen.index("riskscan: surveying Python files")
    assert first < survey < report
    assert f"0/{python_files(project)}" in seen[survey:report]  # a count of the files, before the scan ends
    assert "RS102" in seen[report:]


def test_no_progress_when_stderr_is_not_a_terminal_or_quiet(project):
    seen, piped = run_on_a_terminal("scan", str(project), "--no-cache", stderr_on_terminal=False)
    assert "RS102" in seen and "riskscan: " not in seen.replace("riskscan 0.1.0:", "")
    assert piped == ""
    quiet, _ = run_on_a_terminal("scan", str(project), "--no-cache", "--quiet")
    assert "RS102" in quiet and "surveying" not in quiet and "discovering" not in quiet
    in_ci, _ = run_on_a_terminal("scan", str(project), "--no-cache", CI="true")
    assert "RS102" in in_ci and "surveying" not in in_ci

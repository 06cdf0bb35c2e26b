"""`--format github`: workflow-command annotations, escaped as the Actions toolkit escapes them."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from report_samples import empty_report, sample_report

from riskscan.report import render
from riskscan.report.github import annotation, escape_data, escape_property

REPO = Path(__file__).resolve().parents[2]


def test_levels_follow_severity_and_each_finding_is_one_line(monkeypatch):
    monkeypatch.setenv("GITHUB_WORKSPACE", "/nowhere")
    lines = render(sample_report(), "github").splitlines()
    assert [line.split(" ", 1)[0].split("::")[1] for line in lines[:-1]] == ["error", "error", "warning", "error", "notice"]
    assert lines[0].startswith("::error file=app/tools.py,line=31,col=5,title=RS102 injection-to-code-execution (critical)::")
    assert "%0APath:%0A1. researcher calls fetch_page [untrusted_input]" in lines[0]
    # a whole-file place has no line; the undecided finding has no file
    assert lines[2].startswith("::warning file=configs/claude desktop.json,title=RS204 remote-server-over-http (medium)::")
    assert lines[4].startswith("::notice title=RS101")
    assert lines[-1] == "::debug::riskscan: 5 findings (1 critical, 2 high, 1 medium, 1 low)"


def test_escaping_follows_the_actions_toolkit():
    assert escape_data("50% done\r\nnext: a,b") == "50%25 done%0D%0Anext: a,b"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    finding = replace(sample_report().findings[1], message="line1\nline2 %", location=replace(sample_report().findings[1].location, path="we,ird:dir/x.json"))
    rendered = annotation(finding)
    assert rendered.startswith("::error file=we%2Cird%3Adir/x.json,line=9,col=25,")
    assert rendered.endswith("::line1%0Aline2 %25")
    assert "\n" not in rendered


def test_paths_are_relative_to_the_workspace_when_the_root_is_inside_it(monkeypatch, tmp_path):
    report = replace(sample_report(), root=str(tmp_path / "services" / "bot"))
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    assert render(report, "github").startswith("::error file=services/bot/app/tools.py,line=31")
    monkeypatch.setenv("GITHUB_WORKSPACE", "/elsewhere")
    assert render(report, "github").startswith("::error file=app/tools.py,line=31")


def test_an_empty_report_gives_only_the_summary():
    assert render(empty_report(), "github") == "::debug::riskscan: 0 findings\n"


def test_the_cli_writes_annotations_and_keeps_the_exit_code():
    example = REPO / "examples" / "support-desk"
    result = subprocess.run([sys.executable, "-m", "riskscan", "scan", str(example), "--format", "github"],
                            cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 1
    assert result.stdout.startswith("::error file=examples/support-desk/support_desk/tools.py,line=39,col=5,title=RS101")
    # the code-execution path behind an approval is medium: a warning, not an error
    assert "::warning file=examples/support-desk/support_desk/tools.py,line=46,col=5,title=RS102" in result.stdout

"""GitHub's SARIF ingestion rules, checked offline with Microsoft's SARIF multitool.

Install it outside the repository, e.g. `npm install -g @microsoft/sarif-multitool@5.7.0`, or
point SARIF_MULTITOOL at the executable. The test is skipped when neither is found.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from report_samples import empty_report, sample_report

from riskscan.report import render


def multitool_command() -> list[str] | None:
    configured = os.environ.get("SARIF_MULTITOOL")
    if configured:
        return [configured]
    on_path = shutil.which("sarif-multitool")
    return [on_path] if on_path else None


def quoted_for_npm_wrapper(command: list[str], value: str) -> str:
    """The npm package's `sarif-multitool` wrapper hands its arguments to a shell, which would split
    `Gh;Sarif` at the semicolon; the native executable takes the value as is."""
    return f'"{value}"' if Path(command[0]).name == "sarif-multitool" else value


def scanned_example():
    from riskscan.scan import scan

    return scan(str(Path(__file__).resolve().parents[2] / "examples" / "support-desk"))


def scanned_subfolder():
    """A scan of a folder below the repository root, with a remote and a commit known."""
    from dataclasses import replace

    from riskscan.types import Repository

    repository = Repository("/home/someone/project", "services/bot", "https://github.com/someone/project",
                            "3f786850e387550fdab836ed7e6dc881de23001b")
    return replace(sample_report(), root="/home/someone/project/services/bot", repository=repository)


def scanned_unreadable():
    """A broken .mcp.json beside a good agent: an error notification, executionSuccessful false."""
    from riskscan.scan import scan

    return scan(str(Path(__file__).resolve().parents[2] / "fixtures" / "silence" / "broken-config-beside-agent"))


def scanned_notebook():
    """A Jupyter notebook's findings: regions on the notebook file's lines, cells as properties."""
    from riskscan.scan import scan

    return scan(str(Path(__file__).resolve().parents[2] / "fixtures" / "cases" / "notebook-agent"))


@pytest.mark.parametrize("make_report", [sample_report, empty_report, scanned_example, scanned_subfolder, scanned_unreadable, scanned_notebook],
                         ids=["sample", "empty", "example", "subfolder", "unreadable", "notebook"])
def test_github_and_sarif_rules_find_no_error_or_warning(make_report, tmp_path):
    command = multitool_command()
    if command is None:
        if os.environ.get("RISKSCAN_REQUIRE_MULTITOOL") == "1":
            pytest.fail("RISKSCAN_REQUIRE_MULTITOOL=1 but the SARIF multitool is not installed")
        pytest.skip(
            "SARIF multitool not installed: `npm install -g @microsoft/sarif-multitool@5.7.0` or set SARIF_MULTITOOL"
        )
    log = tmp_path / "riskscan.sarif"
    findings = tmp_path / "multitool.sarif"
    log.write_text(render(make_report(), "sarif"), encoding="utf-8")
    completed = subprocess.run(
        [
            *command,
            "validate",
            "--rule-kind",
            quoted_for_npm_wrapper(command, "Gh;Sarif"),
            "--level",
            quoted_for_npm_wrapper(command, "Error;Warning"),
            "-o",
            str(findings),
            str(log),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    # The multitool exits 0 even when it finds problems: its findings are in the log it writes.
    assert findings.is_file(), f"the multitool wrote no log:\n{completed.stdout}\n{completed.stderr}"
    problems = [
        f"{r['ruleId']} {r.get('level', 'warning')}: {r['message'].get('arguments')}"
        for run in json.loads(findings.read_text(encoding="utf-8"))["runs"]
        for r in run.get("results", [])
        if r.get("level", "warning") in ("error", "warning")
    ]
    assert not problems, "\n".join(problems)

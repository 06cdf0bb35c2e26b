"""Golden snapshots of every format for the sample report. A change in the output is a failing
test until the snapshot is regenerated on purpose: `RISKSCAN_UPDATE_GOLDEN=1 python -m pytest
tests/report/test_report_golden.py`, then review the diff."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest
from report_samples import sample_report

from riskscan.report import FORMATS, render

GOLDEN_DIR = Path(__file__).parents[1] / "golden"
SUFFIXES = {"text": "txt", "concise": "concise.txt", "json": "json", "sarif": "sarif", "html": "html", "markdown": "md", "github": "github.txt"}


def golden_report():
    """The sample report with only the rules its findings cite, so that editing an unrelated rule
    in the rulesets does not churn the snapshots."""
    report = sample_report()
    cited = {finding.rule_id for finding in report.findings}
    return replace(report, rules=tuple(rule for rule in report.rules if rule.id in cited))


@pytest.mark.parametrize("fmt", FORMATS)
def test_output_matches_the_golden_snapshot(fmt):
    golden = GOLDEN_DIR / f"report.{SUFFIXES[fmt]}"
    rendered = render(golden_report(), fmt)
    if os.environ.get("RISKSCAN_UPDATE_GOLDEN") == "1":
        golden.write_text(rendered, encoding="utf-8", newline="\n")
    if not golden.is_file():
        pytest.fail(f"{golden} is missing: run with RISKSCAN_UPDATE_GOLDEN=1 to create it")
    assert rendered == golden.read_text(encoding="utf-8"), (
        f"{fmt} output differs from {golden.name}; if the change is intended, regenerate with RISKSCAN_UPDATE_GOLDEN=1"
    )

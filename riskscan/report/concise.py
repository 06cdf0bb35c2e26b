"""`--format concise`: one line per finding, as ruff and flake8 print them
(`path:line:col: RS101 [critical] message`), then the summary line of the text report and what to
run next. The pre-commit hook's format.

Lines are sorted by place (path, line, column, then rule code), not by rank: the findings of one
file come together and a terminal's or an editor's `path:line:col` links go file by file; the
rank of each is `riskscan scan`'s (the text report) and `riskscan explain`'s.
"""

from __future__ import annotations

from riskscan.report.escaping import terminal_safe
from riskscan.report.text import next_step, summary_line
from riskscan.report.wording import repository_config_phrase
from riskscan.types import Finding, Report


def render_concise(report: Report) -> str:
    report = terminal_safe(report)  # a name cannot write a line of its own (riskscan.report.escaping)
    ordered = sorted(report.findings, key=_place)
    lines = [finding_line(finding) for finding in ordered]
    lines.append(summary_line(report))
    if report.repository_config is not None:
        lines.append(repository_config_phrase(report.repository_config))
    if ordered:
        first = report.findings[0].rule_id  # the highest ranked
        lines.append(next_step(first, first) + "; `--format text` shows every path step by step")
    return "\n".join(lines) + "\n"


def finding_line(finding: Finding) -> str:
    """`app/tools.py:31:5: RS102 [critical] A web page ... of its choosing.` (the message on one line)."""
    return f"{finding.location}: {finding.rule_id} [{finding.severity}] {' '.join(finding.message.split())}"


def _place(finding: Finding):
    where = finding.location
    return (where.path, where.line or 0, where.column or 0, finding.rule_id, -finding.score, finding.fingerprint)

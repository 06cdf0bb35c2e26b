"""GitHub Actions workflow commands: one annotation per finding, shown on the pull request's diff.

`::error file=app/tools.py,line=39,col=5,title=RS101 injection-to-exfiltration::message` — critical
and high findings are errors, medium warnings, low and note notices. Values are escaped as the
Actions toolkit does (`%`, CR and LF in the message; also `:` and `,` in properties: @actions/core's
`escapeData` and `escapeProperty`), after every text from the scanned project is escaped for the
terminal (riskscan.report.escaping): the log shows escape sequences, and a CR or LF of a name
would otherwise end the command and start one of the name's own. File paths are
relative to the workspace (`GITHUB_WORKSPACE`, else the current folder) when the scan root is inside
it, because that is what GitHub matches against the diff; otherwise relative to the scan root.
"""

from __future__ import annotations

import os
from pathlib import Path

from riskscan.report.escaping import terminal_safe
from riskscan.report.wording import cell_words, coverage_phrases, plural, severity_counts, step_sentence
from riskscan.types import Finding, Report

LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "notice", "note": "notice"}


def render_github(report: Report) -> str:
    report = terminal_safe(report)
    prefix = workspace_prefix(report.root)
    lines = [annotation(finding, prefix) for finding in report.findings]
    counts = ", ".join(f"{n} {severity}" for severity, n in severity_counts(report.findings).items() if n)
    summary = f"riskscan: {plural(len(report.findings), 'finding')}" + (f" ({counts})" if counts else "")
    if report.suppressed:
        summary += f", {len(report.suppressed)} suppressed"
    summary = "; ".join([summary, *coverage_phrases(report.coverage)])
    lines.append(f"::debug::{escape_data(summary)}")  # shown with step debug logging; ends every output
    return "".join(line + "\n" for line in lines)


def annotation(finding: Finding, prefix: str = "") -> str:
    properties = [("file", prefix + finding.location.path)] if finding.location.path not in ("", ".") else []
    if properties and finding.location.cell:  # a notebook: annotated on the line of its JSON text (sarif.physical_location)
        if finding.location.file_line:
            properties.append(("line", str(finding.location.file_line)))
    elif properties and finding.location.line:
        properties.append(("line", str(finding.location.line)))
        if finding.location.column:
            properties.append(("col", str(finding.location.column)))
    properties.append(("title", f"{finding.rule_id} {finding.rule_name} ({finding.severity})"))
    message = finding.message + (f" At {cell_words(finding.location)}." if finding.location.cell else "")
    if finding.steps:
        message += "\nPath:" + "".join(
            f"\n{number}. {step_sentence(step)} ({prefix}{step.location})" for number, step in enumerate(finding.steps, start=1)
        )
    rendered = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::{LEVELS[finding.severity]} {rendered}::{escape_data(message)}"


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workspace_prefix(root: str) -> str:
    """`sub/dir/` when the scan root is `$GITHUB_WORKSPACE/sub/dir`, '' otherwise."""
    workspace = os.environ.get("GITHUB_WORKSPACE") or os.getcwd()
    try:
        relative = Path(root).resolve().relative_to(Path(workspace).resolve()).as_posix()
    except (ValueError, OSError):
        return ""
    return "" if relative == "." else relative + "/"

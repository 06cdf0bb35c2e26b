"""The report stage: a ranked `Report` in, text for people or machines out.

One module per format. Every format is deterministic: the same Report gives the same bytes, and
nothing machine-specific (absolute paths, times) is written, except the repository root's `file://`
address that SARIF gives `%SRCROOT%` (riskscan.report.sarif).
"""

from __future__ import annotations

from riskscan.types import Report

FORMATS = ("text", "concise", "json", "sarif", "html", "markdown", "github")


def render(report: Report, fmt: str, *, color: bool = False, automation_id: str | None = None, link_base: str = "") -> str:
    """Render `report` in `fmt` (one of FORMATS). `color` adds ANSI colours to text; the other
    formats ignore it. `automation_id` sets the SARIF run's category (default: `riskscan/`).
    `link_base` makes Markdown's file links absolute (`https://github.com/o/r/blob/SHA/`).
    Every text of the report is redacted first (riskscan.secrets.reports): no format prints a secret.
    The result can always be written as UTF-8: a lone surrogate (riskscan/files/surrogates.py) is escaped."""
    from riskscan.files.surrogates import writable

    return writable(_render(report, fmt, color=color, automation_id=automation_id, link_base=link_base))


def _render(report: Report, fmt: str, *, color: bool, automation_id: str | None, link_base: str) -> str:
    from riskscan.secrets.reports import scrubbed

    report = scrubbed(report)
    if fmt == "text":
        from riskscan.report.text import render_text

        return render_text(report, color=color)
    if fmt == "concise":
        from riskscan.report.concise import render_concise

        return render_concise(report)
    if fmt == "json":
        from riskscan.report.json_format import render_json

        return render_json(report)
    if fmt == "sarif":
        from riskscan.report.sarif import render_sarif

        return render_sarif(report) if automation_id is None else render_sarif(report, automation_id=automation_id)
    if fmt == "html":
        from riskscan.report.html import render_html

        return render_html(report)
    if fmt == "markdown":
        from riskscan.report.markdown import render_markdown

        return render_markdown(report, link_base=link_base)
    if fmt == "github":
        from riskscan.report.github import render_github

        return render_github(report)
    raise ValueError(f"unknown report format {fmt!r}: expected one of {', '.join(FORMATS)}")

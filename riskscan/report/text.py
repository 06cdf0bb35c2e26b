"""The terminal report: every finding with its path step by step, the evidence, the conditions,
the gates and the factors of its score; then the diagnostics and a summary line.

Findings are printed in the Report's order (ranked upstream, highest score first).
"""

from __future__ import annotations

from riskscan.report.wording import (
    coverage_phrases,
    format_number,
    plural,
    severity_counts,
    step_sentence,
)
from riskscan.types import Diagnostic, Evidence, Finding, Gate, Location, Report, Step

STEP_INDENT = "  "
DETAIL_INDENT = "       "

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_DIM = "\x1b[2m"
_SEVERITY_COLORS = {
    "critical": "\x1b[1;31m",
    "high": "\x1b[31m",
    "medium": "\x1b[33m",
    "low": "\x1b[34m",
    "note": "\x1b[2m",
}


class _Style:
    """ANSI styling that is a no-op unless colour was asked for."""

    def __init__(self, color: bool) -> None:
        self.color = color

    def severity(self, severity: str, text: str) -> str:
        return self._wrap(_SEVERITY_COLORS.get(severity, ""), text)

    def bold(self, text: str) -> str:
        return self._wrap(_BOLD, text)

    def dim(self, text: str) -> str:
        return self._wrap(_DIM, text)

    def _wrap(self, code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if self.color and code else text


def render_text(report: Report, *, color: bool = False) -> str:
    style = _Style(color)
    lines = [header_line(report)]
    for finding in report.findings:
        lines.append("")
        lines.extend(finding_lines(finding, style))
    if report.fixes:
        lines.append("")
        verb = "removes" if len(report.fixes) == 1 else "together remove"
        lines.append(f"smallest fix: {plural(len(report.fixes), 'change')} {verb} every path at or above the threshold")
        lines.extend(f"{STEP_INDENT}- {fix.describe()}  ({style.dim(str(fix.location))})" for fix in report.fixes)
    if report.diagnostics:
        lines.append("")
        lines.append("diagnostics:")
        lines.extend(diagnostic_line(d) for d in sorted(report.diagnostics))
    lines.append("")
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"


def header_line(report: Report) -> str:
    return (
        f"riskscan {report.version}: {plural(len(report.agents), 'agent')}, "
        f"{plural(len(report.tools), 'tool')}, {plural(len(report.rules), 'rule')}"
    )


def finding_lines(finding: Finding, style: _Style) -> list[str]:
    title = (
        f"{style.severity(finding.severity, finding.severity.upper())} {finding.rule_id} "
        f"{style.bold(finding.rule_name)}  score={format_number(finding.score)} confidence={finding.confidence}"
        + (f"  id={finding.fingerprint[:8]}" if finding.fingerprint else "")
    )
    lines = [title]
    lines.extend(f"{STEP_INDENT}{line}" for line in finding.message.splitlines())
    lines.append(f"{STEP_INDENT}at {style.dim(str(finding.location))}")
    for number, step in enumerate(finding.steps, start=1):
        lines.append(f"{STEP_INDENT}{number}. {step_sentence(step)}  ({style.dim(str(step.location))})")
        lines.extend(f"{DETAIL_INDENT}{evidence_phrase(e)}" for e in step.evidence)
    if finding.alternatives:
        lines.append(f"{STEP_INDENT}other paths to the same call:")
        lines.extend(f"{DETAIL_INDENT}{path_summary(steps)}" for steps in finding.alternatives)
    if finding.conditions:
        lines.append(f"{STEP_INDENT}only when {' and '.join(finding.conditions)}")
    lines.extend(f"{STEP_INDENT}gate: {gate_phrase(g)}" for g in finding.gates)
    lines.extend(f"{STEP_INDENT}{line}" for line in score_lines(finding))
    return lines


def path_summary(steps: tuple[Step, ...]) -> str:
    """A path on one line: `Reader: fetch -> Reader => Writer -> Writer: send`."""
    parts = [f"{s.agent}: {s.tool}" if s.kind == "call" else f"{s.agent} => {s.target}" for s in steps]
    return " -> ".join(parts)


def evidence_phrase(evidence: Evidence) -> str:
    return f"evidence {evidence.kind}: {evidence.detail}{_at(evidence.location)}"


def gate_phrase(gate: Gate) -> str:
    return f"{gate.kind} — {gate.detail}{_at(gate.location)}"


def score_lines(finding: Finding) -> list[str]:
    """`score 8.1 = severity 9.0 × confidence 0.9`, then each factor's reason."""
    if not finding.factors:
        return [f"score {format_number(finding.score)}"]
    product = " × ".join(f"{f.name} {format_number(f.value)}" for f in finding.factors)
    lines = [f"score {format_number(finding.score)} = {product}"]
    lines.extend(f"  {f.name}: {f.reason}" for f in finding.factors if f.reason)
    return lines


def diagnostic_line(diagnostic: Diagnostic) -> str:
    return f"{STEP_INDENT}{diagnostic.severity} {diagnostic.code} {diagnostic.location}: {diagnostic.message}"


def summary_line(report: Report) -> str:
    counts = [f"{n} {severity}" for severity, n in severity_counts(report.findings).items() if n]
    line = plural(len(report.findings), "finding")
    if counts:
        line += ": " + ", ".join(counts)
    if report.diagnostics:
        line += f"; {plural(len(report.diagnostics), 'diagnostic')}"
    return "; ".join([line, *coverage_phrases(report.coverage)])


def _at(location: Location | None) -> str:
    return f"  ({location})" if location is not None else ""


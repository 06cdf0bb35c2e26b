"""The terminal report: every finding with its path step by step, the evidence, the conditions,
the gates and its fix; then the smallest fix, the diagnostics, a summary line and what to run next.
How a score was reached is `riskscan explain`'s (riskscan/report/explain.py).

Findings are printed in the Report's order (ranked upstream, highest score first). Every text from
the scanned project is escaped for the terminal first (riskscan.report.escaping): a name cannot
colour, move or overwrite what is printed, nor start a line of its own.
"""

from __future__ import annotations

from riskscan.report.escaping import terminal_safe
from riskscan.report.wording import (
    coverage_phrases,
    format_number,
    hidden_counts,
    plural,
    repository_config_phrase,
    severity_counts,
    step_sentence,
)
from riskscan.types import Diagnostic, Evidence, Finding, Fix, Gate, Location, Report, Rule, Step

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
    report = terminal_safe(report)
    style = _Style(color)
    rules = {rule.id: rule for rule in report.rules}
    lines = [header_line(report)]
    for finding in report.findings:
        lines.append("")
        lines.extend(finding_lines(finding, style))
        lines.append(f"{STEP_INDENT}{fix_line(finding, report.fixes, rules.get(finding.rule_id))}")
    fixes = shown_fixes(report)
    if fixes:
        lines.append("")
        if len(fixes) < len(report.fixes):
            lines.append(f"smallest fix: {len(fixes)} of its {plural(len(report.fixes), 'change')} remove the paths shown")
        else:
            verb = "removes" if len(fixes) == 1 else "together remove"
            lines.append(f"smallest fix: {plural(len(fixes), 'change')} {verb} every path at or above the threshold")
        lines.extend(f"{STEP_INDENT}- {fix.describe()}{_at(fix.location, style)}" for fix in fixes)
    if report.diagnostics:
        lines.append("")
        lines.append("diagnostics:")
        lines.extend(diagnostic_line(d) for d in sorted(report.diagnostics))
    lines.append("")
    lines.append(summary_line(report))
    if report.repository_config is not None:
        lines.append(repository_config_phrase(report.repository_config))
    if report.findings:
        first = report.findings[0]
        lines.append(next_step(first.fingerprint[:8] or "1", first.rule_id))
    return "\n".join(lines) + "\n"


def header_line(report: Report) -> str:
    return (
        f"riskscan {report.version}: {plural(len(report.agents), 'agent')}, "
        f"{plural(len(report.tools), 'tool')}, {plural(len(report.rules), 'rule')}"
    )


ROUTES_SHOWN = 5  # other routes of a finding listed in the text report; `explain` lists them all


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
        lines.append(f"{STEP_INDENT}{number}. {step_sentence(step, words=True)}  ({style.dim(str(step.location))})")
        lines.extend(f"{DETAIL_INDENT}{evidence_phrase(e)}" for e in step.evidence)
    if len(finding.sinks) > 1:
        lines.append(f"{STEP_INDENT}sinks: {', '.join(finding.sinks)}")
    if finding.alternatives:
        lines.append(f"{STEP_INDENT}other routes to the same risk:")
        lines.extend(f"{DETAIL_INDENT}{path_summary(steps)}" for steps in finding.alternatives[:ROUTES_SHOWN])
        if len(finding.alternatives) > ROUTES_SHOWN:
            lines.append(f"{DETAIL_INDENT}and {len(finding.alternatives) - ROUTES_SHOWN} more"
                         f" (`riskscan explain {finding.fingerprint[:8]} PATH` lists them)")
    if finding.conditions:
        lines.append(f"{STEP_INDENT}only when {' and '.join(finding.conditions)}")
    lines.extend(f"{STEP_INDENT}gate: {gate_phrase(g)}" for g in finding.gates)
    return lines


def fix_line(finding: Finding, fixes: tuple[Fix, ...], rule: Rule | None) -> str:
    """`fix: ...`: the changes of the smallest fix that remove this finding (counted when there are
    more than two: `explain` lists them), else its rule's remediation."""
    if finding.kind == "unknown":  # the solver did not decide: nothing to fix yet
        return "fix: raise --timeout-ms until the solver decides, then fix the paths it finds"
    mine = [fix for fix in fixes if finding.fingerprint and finding.fingerprint in fix.removes]
    if len(mine) > 2:
        return (f"fix: {len(mine)} changes of the smallest fix below remove it"
                f" (`riskscan explain {finding.fingerprint[:8]} PATH` lists them)")
    if mine:
        return "fix: " + "; ".join(f"{fix.describe()}{_at(fix.location)}" for fix in mine)
    if rule is not None and rule.remediation:
        return f"fix: {' '.join(rule.remediation.split())}"
    return f"fix: see `riskscan rule {finding.rule_id}`"


def shown_fixes(report: Report) -> tuple[Fix, ...]:
    """The changes of the smallest fix that remove a finding shown: none when every path is hidden
    (baselined, suppressed, outside --diff)."""
    shown = {finding.fingerprint for finding in report.findings if finding.kind == "path"}
    if not shown:
        return ()
    return tuple(fix for fix in report.fixes if not fix.removes or shown & set(fix.removes))


def path_summary(steps: tuple[Step, ...]) -> str:
    """A path on one line: `Reader: fetch -> Reader => Writer -> Writer: send`."""
    parts = [f"{s.agent}: {s.tool}" if s.kind == "call" else f"{s.agent} => {s.target}" for s in steps]
    return " -> ".join(parts)


def evidence_phrase(evidence: Evidence) -> str:
    return f"evidence {evidence.kind}: {evidence.detail}{_at(evidence.location)}"


def gate_phrase(gate: Gate) -> str:
    return f"{gate.kind} — {gate.detail}{_at(gate.location)}"


def diagnostic_line(diagnostic: Diagnostic) -> str:
    return f"{STEP_INDENT}{diagnostic.severity} {diagnostic.code} {diagnostic.location}: {diagnostic.message}"


def summary_line(report: Report) -> str:
    counts = [f"{n} {severity}" for severity, n in severity_counts(report.findings).items() if n]
    line = plural(len(report.findings), "finding")
    if counts:
        line += ": " + ", ".join(counts)
    if report.diagnostics:
        line += f"; {plural(len(report.diagnostics), 'diagnostic')}"
        unfollowed = sum(1 for d in report.diagnostics if d.not_followed)
        line += f" ({unfollowed} not followed)" if unfollowed else ""
    hidden = hidden_counts(report)
    if hidden:
        line += f"; {sum(hidden.values())} hidden (" + ", ".join(f"{count} {why}" for why, count in hidden.items()) + ")"
    return "; ".join([line, *coverage_phrases(report.coverage)])


def next_step(finding: str, rule_id: str) -> str:
    """What to run next: one finding explained (by id, rank or rule code), its rule."""
    return (f"next: `riskscan explain {finding} PATH` shows how a finding was reached and scored, "
            f"`riskscan rule {rule_id}` what its rule means")


def _at(location: Location | None, style: _Style | None = None) -> str:
    if location is None:
        return ""
    return f"  ({style.dim(str(location)) if style else location})"


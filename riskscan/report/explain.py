"""One finding, explained step by step: what each step does to the agent's context and why each
label was given, the configuration the path needs, the gates and why each does or does not hold
(with the solver's witness), how the score was reached, and what removes it."""

from __future__ import annotations

from dataclasses import replace

from riskscan.report.escaping import terminal_safe
from riskscan.report.text import path_summary
from riskscan.report.wording import format_number, step_sentence
from riskscan.types import Finding, Report, Rule

INDENT = "  "


def select(report: Report, wanted: str) -> Finding | None:
    """A finding by its id (a prefix of the fingerprint), its rank (1 is the first), or its rule
    code (the highest-ranked finding of that rule)."""
    findings = report.findings
    if wanted.isdigit() and 1 <= int(wanted) <= len(findings):
        return findings[int(wanted) - 1]
    by_id = [f for f in findings if f.fingerprint.startswith(wanted.lower())]
    if len(by_id) == 1:
        return by_id[0]
    return next((f for f in findings if f.rule_id == wanted.upper()), None)


def render_explanation(report: Report, finding: Finding) -> str:
    """The explanation of `finding` (one of `report`'s), secrets redacted and the scanned project's
    texts escaped for the terminal (riskscan.report.escaping)."""
    from riskscan.secrets.reports import scrubbed

    report = replace(report, fixes=terminal_safe(scrubbed(report.fixes)))
    finding = terminal_safe(scrubbed(finding))
    rule = next((r for r in report.rules if r.id == finding.rule_id), None)
    lines = [
        f"{finding.rule_id} {finding.rule_name}: {rule.title if rule else finding.message}",
        f"id {finding.fingerprint[:12]}   severity {finding.severity}   confidence {finding.confidence}   score {format_number(finding.score)}",
        "",
        finding.message,
    ]
    if finding.steps:
        lines += ["", f"The path, step by step ({len(finding.steps)} steps):"]
        for number, step in enumerate(finding.steps, start=1):
            lines.append(f"{INDENT}{number}. {step_sentence(step, words=True)}  ({step.location})")
            for evidence in step.evidence:
                where = f" at {evidence.location}" if evidence.location else ""
                lines.append(f"{INDENT * 3}why: {evidence.kind} — {evidence.detail}{where}")
    else:
        lines += ["", f"Where: {finding.location}"]
    lines += ["", "Configuration: " + (" and ".join(finding.conditions) if finding.conditions else "the path exists in every configuration")]
    lines += ["", "Gates on the way:"] + (_gate_lines(finding) or [f"{INDENT}none: nothing stands between the model and the last call"])
    lines += ["", "How the score was reached:"]
    lines += [f"{INDENT}{factor.name} {format_number(factor.value)}: {factor.reason}" for factor in finding.factors]
    lines.append(f"{INDENT}= {' × '.join(format_number(f.value) for f in finding.factors)} = {format_number(finding.score)}")
    if finding.alternatives:
        if len(finding.sinks) > 1:
            lines += ["", f"Sinks: {', '.join(finding.sinks)}"]
        lines += ["", "Other routes to the same risk:"] + [f"{INDENT}{path_summary(steps)}" for steps in finding.alternatives]
    lines += ["", "How to fix it:"] + _fix_lines(report, finding, rule)
    return "\n".join(lines) + "\n"


def _gate_lines(finding: Finding) -> list[str]:
    lines = []
    for gate in finding.gates:
        if gate.kind == "argument-check" and gate.status == "bypassed":
            lines.append(f"{INDENT}argument check, does not hold: {gate.witness} passes every check and is still dangerous")
        elif gate.kind == "argument-check":
            lines.append(f"{INDENT}argument check, {gate.status}: {gate.detail}")
        else:
            lines.append(f"{INDENT}{gate.kind}, holds: {gate.detail} (lowers the score, the path stays)")
        if gate.location:
            lines[-1] += f"  ({gate.location})"
    return lines


def _fix_lines(report: Report, finding: Finding, rule: Rule | None) -> list[str]:
    lines = [f"{INDENT}{rule.remediation}"] if rule else []
    mine = [fix for fix in report.fixes if finding.fingerprint in fix.removes]
    if mine:
        lines.append(f"{INDENT}In the smallest fix of this scan, these changes remove it:")
        lines += [f"{INDENT * 2}- {fix.describe()}  ({fix.location})" for fix in mine]
    return lines

"""How every format words and counts the same things."""

from __future__ import annotations

from riskscan.types import SEVERITIES, Coverage, Finding, Step


def severity_counts(findings: tuple[Finding, ...]) -> dict[str, int]:
    """Findings per severity, every severity present, in SEVERITIES order (most severe first)."""
    counts = {severity: 0 for severity in SEVERITIES}
    for finding in findings:
        counts[finding.severity] = counts.get(finding.severity, 0) + 1
    return counts


def step_sentence(step: Step) -> str:
    """`researcher calls fetch_page [untrusted_input] — reads untrusted content`."""
    if step.kind == "handoff":
        sentence = f"{step.agent} hands off to {step.target}"
    else:
        sentence = f"{step.agent} calls {step.tool}"
    if step.labels:
        sentence += f" [{', '.join(step.labels)}]"
    if step.note:
        sentence += f" — {step.note}"
    return sentence


def format_number(value: float) -> str:
    """At most two decimals, at least one: 9.0, 8.1, 0.85."""
    text = f"{value:.2f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


NOTHING_RECOGNISED = "nothing recognised: no agents, tools or MCP configs found"


def coverage_phrases(coverage: Coverage | None) -> list[str]:
    """What a run did not read and did not recognise, for the summary of every format:
    `1 file could not be read or parsed`, `12 TypeScript files not read`, `nothing recognised: ...`.
    Empty when everything found was read and something was recognised (or nothing is known)."""
    if coverage is None:
        return []
    phrases = []
    if coverage.unreadable:
        phrases.append(f"{plural(len(coverage.unreadable), 'file')} could not be read or parsed")
    phrases.extend(f"{plural(count, language + ' file')} not read" for language, count in coverage.not_read)
    if not coverage.recognised:
        phrases.append(NOTHING_RECOGNISED)
    return phrases

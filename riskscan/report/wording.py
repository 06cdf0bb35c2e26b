"""How every format words and counts the same things."""

from __future__ import annotations

from riskscan.triage.select import BELOW_MIN_CONFIDENCE
from riskscan.types import SEVERITIES, Coverage, Finding, Location, Report, RepositoryConfig, Step


def severity_counts(findings: tuple[Finding, ...]) -> dict[str, int]:
    """Findings per severity, every severity present, in SEVERITIES order (most severe first)."""
    counts = {severity: 0 for severity in SEVERITIES}
    for finding in findings:
        counts[finding.severity] = counts.get(finding.severity, 0) + 1
    return counts


# capability labels in words, for the formats people read (JSON and SARIF keep the codes)
LABEL_WORDS = {"untrusted_input": "untrusted input", "private_data": "private data", "secret_read": "secrets",
               "external_send": "sending out", "code_exec": "code execution", "fs_write": "file writes",
               "fs_delete": "file deletion", "financial": "money movement", "credential_change": "credential changes",
               "db_write": "database writes", "spawn_agent": "agent spawning"}


def label_words(label: str) -> str:
    """`untrusted_input` -> `untrusted input`; a label of an extra ruleset loses its underscores."""
    return LABEL_WORDS.get(label, label.replace("_", " "))


def cell_words(location: Location) -> str:
    """Where in a notebook, in words (`notebook cell 4, line 12`), for the formats that show a
    notebook's place on the line of its JSON text (SARIF, GitHub annotations); '' elsewhere."""
    if not location.cell:
        return ""
    return f"notebook cell {location.cell}, line {location.line}" if location.line else f"notebook cell {location.cell}"


def step_sentence(step: Step, *, words: bool = False) -> str:
    """`researcher calls fetch_page [untrusted_input] — reads untrusted content`; with `words`,
    the labels in words: `[untrusted input]`."""
    if step.kind == "handoff":
        sentence = f"{step.agent} hands off to {step.target}"
    else:
        sentence = f"{step.agent} calls {step.tool}"
    if step.labels:
        sentence += f" [{', '.join(label_words(label) if words else label for label in step.labels)}]"
    if step.note:
        sentence += f" — {step.note}"
    return sentence


def format_number(value: float) -> str:
    """At most two decimals, at least one: 9.0, 8.1, 0.85."""
    text = f"{value:.2f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def hidden_counts(report: Report) -> dict[str, int]:
    """The findings a report found but does not show, by why: suppressed (a comment or the
    suppressions file), below --min-confidence, baselined (accepted in the --baseline; taken out by
    `baseline.new_only`)."""
    unsure = sum(1 for f in report.suppressed if f.suppression and f.suppression.reason.startswith(BELOW_MIN_CONFIDENCE))
    counts = {"suppressed": len(report.suppressed) - unsure, BELOW_MIN_CONFIDENCE: unsure, "baselined": len(report.baselined)}
    return {why: count for why, count in counts.items() if count}


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


def repository_config_phrase(settings: RepositoryConfig | None, code=lambda text: text) -> str:
    """What the scanned repository's own configuration file did, on one line for the summary of
    every format: `riskscan.toml of the repository: applied ignore = ["RS203"] (riskscan.toml:2);
    refused, see RS215: output, workers`. Empty when no such file was read. `code` quotes a key
    or value for the format (Markdown code spans)."""
    if settings is None:
        return ""
    parts = []
    if settings.applied:
        parts.append("applied " + ", ".join(f"{code(f'{s.key} = {s.value}')} ({s.location})" for s in settings.applied))
    if settings.refused:
        parts.append("refused, see RS215: " + ", ".join(code(s.key) for s in settings.refused))
    return f"{code(settings.path)} of the scanned repository: " + ("; ".join(parts) if parts else "nothing set")

"""`--statistics`: how many findings each rule has, most first, as ruff prints them, with the
severity of the rule's most severe finding."""

from __future__ import annotations

from collections import Counter

from riskscan.report.escaping import terminal_safe
from riskscan.severities import SEVERITIES
from riskscan.types import Report


def render_statistics(report: Report) -> str:
    report = terminal_safe(report)
    counts = Counter(f.rule_id for f in report.findings)
    names = {}  # per rule: its name and its most severe finding's severity (gates lower some)
    for finding in sorted(report.findings, key=lambda f: -SEVERITIES.index(f.severity) if f.severity in SEVERITIES else -len(SEVERITIES)):
        names[finding.rule_id] = (finding.rule_name, finding.severity)
    suppressed = Counter(f.rule_id for f in report.suppressed)
    rows = sorted(counts, key=lambda rule: (-counts[rule], rule))
    width = max((len(str(n)) for n in counts.values()), default=1)
    lines = [f"{counts[rule]:>{width}}  {rule}  {names[rule][0]}  {names[rule][1]}" for rule in rows]
    if suppressed:
        lines.append("suppressed: " + ", ".join(f"{rule} {suppressed[rule]}" for rule in sorted(suppressed)))
    lines.append(f"{len(report.findings)} findings")
    return "\n".join(lines) + "\n"

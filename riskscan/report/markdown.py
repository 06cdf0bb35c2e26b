"""A compact pull-request comment in GitHub-flavoured Markdown.

A summary table by severity; then each critical or high path finding with its path drawn as a
Mermaid flowchart (agents as rounded nodes, tools as boxes, one numbered edge per step, the sink
in red) and its steps listed, each linked to its file and line (links relative to the repository,
see `github.workspace_prefix`); then the other findings in one collapsed table. Text from the
scanned project is escaped for Markdown and for Mermaid labels.
"""

from __future__ import annotations

from urllib.parse import quote

from riskscan.report.github import workspace_prefix
from riskscan.report.wording import coverage_phrases, plural, severity_counts, step_sentence
from riskscan.types import SEVERITIES, Finding, Location, Report, Step

DRAWN = ("critical", "high")
MAX_DRAWN = 10  # a PR comment holds 65,536 characters: the rest go to the table


def render_markdown(report: Report) -> str:
    prefix = workspace_prefix(report.root)
    counts = severity_counts(report.findings)
    lines = ["## riskscan", ""]
    if not report.findings:
        lines += ["No dangerous paths or hygiene findings.", ""]
    lines += ["| severity | findings |", "| --- | ---: |"]
    lines += [f"| {severity} | {counts[severity]} |" for severity in SEVERITIES]
    lines += ["", _footnote(report), ""]
    drawn = [f for f in report.findings if f.severity in DRAWN and f.steps][:MAX_DRAWN]
    for number, finding in enumerate(drawn, start=1):
        lines += _drawn_finding(number, finding, prefix)
    rest = [f for f in report.findings if f not in drawn]
    if rest:
        lines += [f"<details><summary>{plural(len(rest), 'other finding')}</summary>", "",
                  "| rule | severity | where | message |", "| --- | --- | --- | --- |"]
        lines += [
            f"| `{f.rule_id}` {f.rule_name} | {f.severity} | {_link(f.location, prefix)} | {cell(f.message)} |" for f in rest
        ]
        lines += ["", "</details>", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _footnote(report: Report) -> str:
    parts = [f"{plural(len(report.findings), 'finding')}"]
    if report.suppressed:
        parts.append(f"{len(report.suppressed)} suppressed")
    if any(f.baseline_state for f in report.findings) or report.absent:
        new = sum(1 for f in report.findings if f.baseline_state == "new")
        parts.append(f"baseline: {new} new, {len(report.absent)} fixed")
    if report.diagnostics:
        parts.append(plural(len(report.diagnostics), "diagnostic"))
    parts.extend(coverage_phrases(report.coverage))
    return f"<sub>riskscan {cell(report.version)} · " + " · ".join(parts) + "</sub>"


def _drawn_finding(number: int, finding: Finding, prefix: str) -> list[str]:
    lines = [f"### {number}. `{finding.rule_id}` {finding.rule_name} · {finding.severity}", "", text(finding.message), ""]
    if finding.conditions:
        lines += ["Only when: " + ", ".join(f"`{cell(c)}`" for c in finding.conditions), ""]
    lines += ["```mermaid", *mermaid_flowchart(finding.steps), "```", ""]
    for index, step in enumerate(finding.steps, start=1):
        lines.append(f"{index}. {_link(step.location, prefix)} {text(step_sentence(step))}")
    if finding.alternatives:
        others = len(finding.alternatives)
        lines += ["", f"{plural(others, 'other path')} {'reaches' if others == 1 else 'reach'} the same call."]
    lines.append("")
    return lines


def mermaid_flowchart(steps: tuple[Step, ...]) -> list[str]:
    """The path as Mermaid flowchart lines: `a1(["agent"])`, `t1["tool"]`, numbered edges."""
    ids: dict[tuple[str, str], str] = {}
    nodes: list[str] = []

    def node(kind: str, name: str) -> str:
        if (kind, name) not in ids:
            ids[(kind, name)] = f"{kind}{len(ids) + 1}"
            shape = '(["{}"])' if kind == "a" else '["{}"]'
            nodes.append(f"  {ids[(kind, name)]}{shape.format(mermaid_text(name))}")
        return ids[(kind, name)]

    edges = []
    for index, step in enumerate(steps, start=1):
        agent = node("a", step.agent)
        if step.kind == "handoff":
            edges.append(f'  {agent} ==>|"{index}. hands off"| {node("a", step.target or "?")}')
        else:
            labels = ", ".join(step.labels) or "calls"
            edges.append(f'  {agent} -->|"{index}. {mermaid_text(labels)}"| {node("t", step.tool or "?")}')
    lines = ["flowchart LR", *nodes, *edges]
    if steps and steps[-1].kind == "call":
        lines += ["  classDef sink fill:#fde2e2,stroke:#c62828,color:#000", f"  class {ids[('t', steps[-1].tool or '?')]} sink"]
    return lines


def mermaid_text(value: str) -> str:
    """Text for a quoted Mermaid label: entity codes for what would end or change the label."""
    replacements = {"#": "#35;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "`": "#96;", "|": "#124;"}
    return "".join(replacements.get(char, char) for char in " ".join(value.split()))


def text(value: str) -> str:
    """Project text in Markdown prose: no raw HTML, one line."""
    return " ".join(value.replace("<", "&lt;").replace(">", "&gt;").split())


def cell(value: str) -> str:
    return text(value).replace("|", "\\|")


def _link(location: Location, prefix: str) -> str:
    if location.path in ("", "."):
        return "—"
    target = quote(prefix + location.path, safe="/")
    label = f"{prefix}{location.path}:{location.line}" if location.line else prefix + location.path
    anchor = f"#L{location.line}" if location.line else ""
    return f"[`{label}`]({target}{anchor})"

"""A compact pull-request comment in GitHub-flavoured Markdown.

A summary table by severity; then each critical or high path finding with its path drawn as a
Mermaid flowchart (agents as rounded nodes, tools as boxes, one numbered edge per step, the sink
in red) and its steps listed, each linked to its file and line; then the other findings in one
collapsed table. Text from the scanned project is escaped for Markdown and for Mermaid labels
(riskscan.report.escaping): names, paths and conditions in code spans nothing inside can end, the
rest of a message as prose with no HTML, link, image or mention.

Paths are relative to the repository root (the Report's `repository`; without one, to
`GITHUB_WORKSPACE`, see `github.workspace_prefix`). Links are relative unless `link_base` is given:
a comment has no base, so the Action passes `$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/blob/$GITHUB_SHA/`
and each link becomes `.../blob/SHA/services/bot/app.py#L12`.

GitHub refuses a comment over 65,536 characters: the output stays under `max_chars` and lists at
most `max_rows` findings in the table; what does not fit is counted in a last line (`N more
findings in code scanning`), the SARIF of the same scan having them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from riskscan.files.surrogates import path_bytes
from riskscan.report.escaping import for_terminal, markdown_code, markdown_message, markdown_text
from riskscan.report.github import workspace_prefix
from riskscan.report.wording import coverage_phrases, plural, repository_config_phrase, severity_counts
from riskscan.types import SEVERITIES, Finding, Location, Report, Step

DRAWN = ("critical", "high")
MAX_DRAWN = 10  # a PR comment holds 65,536 characters: the rest go to the table
MAX_CHARS = 60_000  # under GitHub's 65,536, with room for the Action's marker line
MAX_ROWS = 100  # findings in the table; past that a comment is no longer read
RESERVED = 400  # characters kept for the table's frame and the last line


def render_markdown(report: Report, *, link_base: str = "", max_chars: int = MAX_CHARS, max_rows: int = MAX_ROWS) -> str:
    links = Links(_prefix(report), _base(link_base))
    counts = severity_counts(report.findings)
    lines = ["## riskscan", ""]
    if not report.findings:
        lines += ["No dangerous paths or hygiene findings.", ""]
    lines += ["| severity | findings |", "| --- | ---: |"]
    lines += [f"| {severity} | {counts[severity]} |" for severity in SEVERITIES]
    lines += ["", _footnote(report), ""]
    if report.repository_config is not None:
        lines += [repository_config_phrase(report.repository_config, code=markdown_code), ""]
    budget = max_chars - _size(lines) - RESERVED
    candidates = [f for f in report.findings if f.severity in DRAWN and f.steps][:MAX_DRAWN]
    drawn = []
    for finding in candidates:
        section = _drawn_finding(len(drawn) + 1, finding, links)
        if _size(section) > budget:
            break
        lines += section
        budget -= _size(section)
        drawn.append(finding)
    rows = []
    for finding in (f for f in report.findings if f not in drawn):
        row = f"| `{finding.rule_id}` {finding.rule_name} | {finding.severity} | {links.to(finding.location)} | {markdown_message(finding.message, in_table=True)} |"
        if len(rows) >= max_rows or _size([row]) > budget:
            break
        rows.append(row)
        budget -= _size([row])
    if rows:
        lines += [f"<details><summary>{plural(len(rows), 'other finding')}</summary>", "",
                  "| rule | severity | where | message |", "| --- | --- | --- | --- |", *rows, "", "</details>", ""]
    left_out = len(report.findings) - len(drawn) - len(rows)
    if left_out:
        lines += [f"{plural(left_out, 'more finding')} in code scanning (not shown here: a comment holds"
                  f" {max_chars:,} characters and {max_rows} rows).", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _size(lines: list[str]) -> int:
    return sum(len(line) + 1 for line in lines)


def _prefix(report: Report) -> str:
    """The scan root's path in the repository, as a prefix of scan-relative paths."""
    if report.repository is None:
        return workspace_prefix(report.root)
    return report.repository.path + "/" if report.repository.path else ""


def _base(link_base: str) -> str:
    """An absolute link base, ending in `/`, with what would end a Markdown link target encoded."""
    if not link_base:
        return ""
    base = quote(link_base, safe=":/?#[]@!$&'*+,;=%~")
    return base if base.endswith("/") else base + "/"


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
    return f"<sub>riskscan {markdown_text(report.version)} · " + " · ".join(parts) + "</sub>"


def _drawn_finding(number: int, finding: Finding, links: Links) -> list[str]:
    lines = [f"### {number}. `{finding.rule_id}` {finding.rule_name} · {finding.severity}", "", markdown_message(finding.message), ""]
    if finding.conditions:
        lines += ["Only when: " + ", ".join(markdown_code(c) for c in finding.conditions), ""]
    lines += ["```mermaid", *mermaid_flowchart(finding.steps), "```", ""]
    for index, step in enumerate(finding.steps, start=1):
        lines.append(f"{index}. {links.to(step.location)} {step_markdown(step)}")
    if finding.alternatives:
        others = len(finding.alternatives)
        sinks = f" Sinks: {', '.join(markdown_code(name) for name in finding.sinks)}." if len(finding.sinks) > 1 else ""
        lines += ["", f"{plural(others, 'other route')} to the same risk.{sinks}"]
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
    """Text for a quoted Mermaid label: entity codes for what would end or change the label, the
    characters not shown as themselves escaped visibly (`\\n`, `\\u202e`)."""
    replacements = {"#": "#35;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "`": "#96;", "|": "#124;"}
    return "".join(replacements.get(char, char) for char in for_terminal(value))


def step_markdown(step: Step) -> str:
    """`wording.step_sentence` in Markdown: `` `researcher` calls `fetch_page` [untrusted_input] — reads ... ``,
    the names in code spans."""
    if step.kind == "handoff":
        sentence = f"{markdown_code(step.agent)} hands off to {markdown_code(step.target or '?')}"
    else:
        sentence = f"{markdown_code(step.agent)} calls {markdown_code(step.tool or '?')}"
    if step.labels:
        sentence += f" [{', '.join(step.labels)}]"  # riskscan's own words (the rulesets' labels)
    if step.note:
        sentence += f" — {markdown_message(step.note)}"
    return sentence


@dataclass(frozen=True)
class Links:
    """Links to places: `prefix` makes a scan-relative path repository-relative, `base` (empty or
    ending in `/`) makes the link absolute."""

    prefix: str
    base: str = ""

    def to(self, location: Location) -> str:
        if location.path in ("", "."):
            return "—"
        path = self.prefix + location.path
        label = location.spelled(path, column=False)
        line = location.file_line if location.cell else location.line
        # GitHub shows a notebook rendered, without line anchors; `?plain=1` shows its JSON text,
        # where `file_line` is
        anchor = ("?plain=1" if location.cell else "") + (f"#L{line}" if line else "")
        return f"[{markdown_code(label)}]({self.base}{quote(path_bytes(path), safe='/')}{anchor})"

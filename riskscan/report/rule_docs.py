"""`riskscan rules` and `riskscan rule CODE`: the rules as people read them, rendered from the
ruleset data in ruff's fixed shape: what it does, why it is bad, example, how to fix, references.

A rule's `help` is Markdown whose paragraphs start with a bold lead (`**What it finds.**`,
`**Why it matters.**`, `**Example.**`); each lead becomes a section, and text without a lead goes
to "What it does".

Each bundled rule has a stable address on the web: its section of docs/rules.md in the repository,
`RULES_PAGE#<code>-<name>` (`.../docs/rules.md#rs101-injection-to-exfiltration`), the anchor GitHub
gives the section's heading; SARIF rule descriptors carry it as `helpUri`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from riskscan.types import Rule

RULES_PAGE = "https://github.com/riskscan/riskscan/blob/main/docs/rules.md"
OWASP_LLM = "https://genai.owasp.org/llmrisk/"
OWASP_AGENTIC = "https://genai.owasp.org/resource/owasp-top-10-for-agentic-applications-for-2026/"
# OWASP Top 10 for LLM Applications (2025) and for Agentic Applications (2026): the tags rules use.
OWASP_NAMES = {
    "LLM01": "Prompt Injection", "LLM02": "Sensitive Information Disclosure", "LLM03": "Supply Chain",
    "LLM04": "Data and Model Poisoning", "LLM05": "Improper Output Handling", "LLM06": "Excessive Agency",
    "LLM07": "System Prompt Leakage", "LLM08": "Vector and Embedding Weaknesses", "LLM09": "Misinformation",
    "LLM10": "Unbounded Consumption",
    "ASI01": "Agent Goal Hijack", "ASI02": "Tool Misuse and Exploitation", "ASI03": "Identity and Privilege Abuse",
    "ASI04": "Agentic Supply Chain Vulnerabilities", "ASI05": "Unexpected Code Execution",
    "ASI06": "Memory and Context Poisoning", "ASI07": "Insecure Inter-Agent Communication",
    "ASI08": "Cascading Failures", "ASI09": "Human-Agent Trust Exploitation", "ASI10": "Rogue Agents",
}
SECTIONS = {"what it finds": "What it does", "what it does": "What it does", "why it matters": "Why is this bad?",
            "why is this bad": "Why is this bad?", "example": "Example"}
LEAD = re.compile(r"^\*\*(?P<lead>[^*]+?)[.:]?\*\*\s*")


def find(rules: Sequence[Rule], code: str) -> Rule | None:
    """A rule by code (RS101) or by name (injection-to-exfiltration), case-insensitively."""
    wanted = code.strip().lower()
    return next((r for r in rules if wanted in (r.id.lower(), r.name)), None)


def anchor(rule: Rule) -> str:
    """The id GitHub gives the heading `## RS101 injection-to-exfiltration` of docs/rules.md."""
    return f"{rule.id.lower()}-{rule.name}"


def doc_uri(rule: Rule) -> str:
    """The rule's section of the rules reference on the web."""
    return f"{RULES_PAGE}#{anchor(rule)}"


def listing(rules: Sequence[Rule], fmt: str = "text") -> str:
    """One line per rule: code, severity, kind, name, title; aligned, sorted by code. Or, with
    `fmt` json, the rules as the JSON report describes them."""
    if fmt == "json":
        import json

        from riskscan.report.json_format import rule_document

        return json.dumps([rule_document(rule) for rule in sorted(rules, key=lambda r: r.id)], indent=2, sort_keys=True) + "\n"
    rows = [(r.id, r.severity, r.kind, r.name, r.title) for r in sorted(rules, key=lambda r: r.id)]
    widths = [max((len(row[i]) for row in rows), default=0) for i in range(4)]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:4])) + "  " + row[4] for row in rows]
    return "\n".join(lines) + ("\n" if lines else "")


def sections(rule: Rule) -> list[tuple[str, str]]:
    """The rule's documentation as (heading, Markdown text) pairs, in a fixed order."""
    found: dict[str, list[str]] = {}
    for paragraph in re.split(r"\n\s*\n", rule.help.strip()):
        paragraph = " ".join(line.strip() for line in paragraph.splitlines()).strip()
        match = LEAD.match(paragraph)
        heading = SECTIONS.get(match.group("lead").strip().lower(), "What it does") if match else "What it does"
        body = paragraph[match.end():] if match else paragraph
        if body:
            found.setdefault(heading, []).append(body)
    if "What it does" not in found:
        found["What it does"] = [" ".join(rule.description.split())]
    found.setdefault("Why is this bad?", [" ".join(rule.description.split())])
    found["How to fix"] = [" ".join(rule.remediation.split())]
    order = ("What it does", "Why is this bad?", "Example", "How to fix")
    result = [(heading, "\n\n".join(found[heading])) for heading in order if heading in found]
    result.append(("References", "\n".join(f"- {line}" for line in references(rule))))
    return result


def references(rule: Rule) -> list[str]:
    lines = []
    for tag in rule.tags:
        name = OWASP_NAMES.get(tag, tag)
        if tag.startswith("LLM"):
            lines.append(f"OWASP Top 10 for LLM Applications {tag}: {name} — {OWASP_LLM}")
        else:
            lines.append(f"OWASP Top 10 for Agentic Applications {tag}: {name} — {OWASP_AGENTIC}")
    lines += [f"CWE-{cwe} — https://cwe.mitre.org/data/definitions/{cwe}.html" for cwe in rule.cwe]
    return lines or ["none"]


def explanation(rule: Rule) -> str:
    """`riskscan rule CODE`: Markdown, readable as plain text in a terminal."""
    parts = [f"# {rule.id} {rule.name}", "", f"{rule.title}.", "",
             f"Severity: {rule.severity}. Kind: {rule.kind} rule.", ""]
    for heading, text in sections(rule):
        parts += [f"## {heading}", "", text, ""]
    return "\n".join(parts).rstrip("\n") + "\n"


def reference(rules: Sequence[Rule]) -> str:
    """docs/rules.md: every rule's documentation, generated from the ruleset data."""
    ordered = sorted(rules, key=lambda r: r.id)
    lines = [
        "# Rules reference",
        "",
        "Generated from `rulesets/*.yaml` and `rulesets/trace/rules.yaml` by `python -m riskscan.report.rule_docs > docs/rules.md`; a test keeps it",
        "in sync. `riskscan rule CODE` prints the same text for one rule.",
        "",
        "| code | name | severity | kind |",
        "| --- | --- | --- | --- |",
    ]
    lines += [f"| [{r.id}](#{anchor(r)}) | {r.name} | {r.severity} | {r.kind} |" for r in ordered]
    for rule in ordered:
        # one heading level down: each rule is a section of this page
        lines += [""] + ["#" + line if line.startswith("#") else line for line in explanation(rule).splitlines()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    from riskscan import rulesets

    print(reference(rulesets.load_every_rule().rules), end="")

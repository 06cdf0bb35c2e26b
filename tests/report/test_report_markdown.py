"""`--format markdown`: a pull-request comment whose Mermaid diagrams really parse.

The parse uses the `mermaid` npm package under Node with jsdom (tests/mermaid_parse.mjs): install
both (`npm install --global mermaid jsdom`, as `.ci/run` does) or point RISKSCAN_NODE_MODULES at a
node_modules folder holding them. Skipped when missing, a failure when RISKSCAN_REQUIRE_MERMAID=1.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from report_samples import empty_report, sample_report

from riskscan.report import render
from riskscan.report.markdown import mermaid_flowchart
from riskscan.types import Location, Step

HERE = Path(__file__).parents[1]
EXAMPLE = HERE.parent / "examples" / "support-desk"


def mermaid_blocks(markdown: str) -> list[str]:
    return re.findall(r"^```mermaid\n(.*?)^```$", markdown, flags=re.DOTALL | re.MULTILINE)


def node_modules() -> Path | None:
    candidates = [os.environ.get("RISKSCAN_NODE_MODULES")]
    if shutil.which("npm") and not candidates[0]:
        found = subprocess.run(["npm", "root", "--global"], capture_output=True, text=True, timeout=60, check=False)
        candidates.append(found.stdout.strip())
    for candidate in filter(None, candidates):
        if (Path(candidate) / "mermaid" / "dist" / "mermaid.core.mjs").is_file() and (Path(candidate) / "jsdom").is_dir():
            return Path(candidate)
    return None


def parse_with_mermaid(diagrams: list[str]) -> list[str]:
    modules = node_modules() if shutil.which("node") else None
    if modules is None:
        reason = "the mermaid and jsdom npm packages are not installed: npm install --global mermaid jsdom"
        if os.environ.get("RISKSCAN_REQUIRE_MERMAID") == "1":
            pytest.fail(f"RISKSCAN_REQUIRE_MERMAID=1 but {reason}")
        pytest.skip(reason)
    completed = subprocess.run(["node", str(HERE / "mermaid_parse.mjs"), str(modules)], input=json.dumps(diagrams),
                               capture_output=True, text=True, timeout=120, check=False)
    assert completed.stderr == "" or completed.returncode in (0, 1), completed.stderr
    return completed.stdout.splitlines()


def hostile_report():
    """Names with every character that could end a Mermaid label or open Markdown HTML."""
    report = sample_report()
    first = report.findings[0]
    nasty = 'ev"il] <b>|`#x;(a)'
    steps = tuple(replace(s, agent=nasty, tool=(nasty if s.tool else None), target=(nasty if s.target else None)) for s in first.steps)
    return replace(report, findings=(replace(first, steps=steps, message=f"{nasty} | pipe"), *report.findings[1:]))


def test_summary_table_counts_each_severity_and_drawn_findings_are_critical_or_high():
    report = sample_report()
    markdown = render(report, "markdown")
    assert "| critical | 1 |\n| high | 2 |\n| medium | 1 |\n| low | 1 |\n| note | 0 |" in markdown
    drawn = [f for f in report.findings if f.severity in ("critical", "high") and f.steps]
    assert len(mermaid_blocks(markdown)) == len(drawn) == 2
    assert "### 1. `RS102` injection-to-code-execution · critical" in markdown
    # the others are in one collapsed table, not drawn
    assert "<details><summary>3 other findings</summary>" in markdown
    assert "| `RS204` remote-server-over-http | medium | [`configs/claude desktop.json`](configs/claude%20desktop.json) |" in markdown


def test_each_step_links_to_its_file_and_line():
    markdown = render(sample_report(), "markdown")
    assert "1. [`app/agents.py:13`](app/agents.py#L13) `researcher` calls `fetch_page` [untrusted_input]" in markdown
    assert "2. [`app/agents.py:14`](app/agents.py#L14) `researcher` hands off to `coder`" in markdown


def test_the_path_is_drawn_with_agents_tools_numbered_steps_and_the_sink_marked():
    steps = sample_report().findings[0].steps
    assert mermaid_flowchart(steps) == [
        "flowchart LR",
        '  a1(["researcher"])',
        '  t2["fetch_page"]',
        '  a3(["coder"])',
        '  t4["run_shell"]',
        '  a1 -->|"1. untrusted_input"| t2',
        '  a1 ==>|"2. hands off"| a3',
        '  a3 -->|"3. code_exec"| t4',
        "  classDef sink fill:#fde2e2,stroke:#c62828,color:#000",
        "  class t4 sink",
    ]


def test_project_text_is_escaped_for_markdown_and_mermaid():
    markdown = render(hostile_report(), "markdown")
    # names are code spans (where `<b>` is text), the message's prose has it escaped
    assert "calls ``ev\"il] <b>|`#x;(a)`` [untrusted_input]" in markdown and "&lt;b&gt;" in markdown
    assert "<b>" not in re.sub(r"``[^`]*`[^`]*``", "", markdown)
    [block, _] = mermaid_blocks(markdown)
    assert '(["ev#quot;il] #lt;b#gt;#124;#96;#35;x;(a)"])' in block


def test_an_empty_report_says_so():
    markdown = render(empty_report(), "markdown")
    assert "No dangerous paths or hygiene findings." in markdown and "```mermaid" not in markdown


def test_every_mermaid_block_parses_with_the_mermaid_package():
    from riskscan.scan import scan

    diagrams = [block for report in (sample_report(), hostile_report(), scan(str(EXAMPLE)))
                for block in mermaid_blocks(render(report, "markdown"))]
    assert len(diagrams) >= 6
    results = parse_with_mermaid(diagrams)
    assert results == ["ok"] * len(diagrams), "\n".join(f"{r}\n{d}" for r, d in zip(results, diagrams) if r != "ok")


def test_the_parser_check_can_fail():
    broken = 'flowchart LR\n  a1(["x " y"])'
    assert parse_with_mermaid([broken])[0].startswith("error: Parse error")


def test_a_whole_file_location_links_without_a_line():
    step = Step("call", "agent", Location("configs/x.json"), tool="t")
    report = sample_report()
    finding = replace(report.findings[0], steps=(step,))
    assert "1. [`configs/x.json`](configs/x.json) `agent` calls `t`" in render(replace(report, findings=(finding,)), "markdown")


def many_findings_report(count: int):
    """`count` findings, as a large repository's first scan gives: long messages in the table."""
    report = sample_report()
    hygiene = report.findings[1]
    findings = tuple(replace(hygiene, message=f"finding {n}: " + "a literal secret-shaped value " * 12,
                             location=Location(f"configs/server-{n:04d}.json", n + 1, 3), fingerprint=f"{n:016x}")
                     for n in range(count))
    return replace(report, findings=(*report.findings[:1], *findings))


def test_a_long_report_is_capped_under_githubs_comment_limit_with_what_is_left_counted():
    """~160 findings went past GitHub's 65,536 characters; the table stops at MAX_ROWS rows or
    MAX_CHARS characters and says how many findings are left out."""
    markdown = render(many_findings_report(400), "markdown")
    assert len(markdown) <= 60_000
    rows = [line for line in markdown.splitlines() if line.startswith("| `RS201`")]
    assert len(rows) == 100
    assert "<details><summary>100 other findings</summary>" in markdown
    assert markdown.rstrip().endswith("300 more findings in code scanning (not shown here: a comment holds 60,000 characters and 100 rows).")


def test_the_character_cap_holds_whatever_the_rows():
    from riskscan.report.markdown import render_markdown

    markdown = render_markdown(many_findings_report(400), max_chars=20_000, max_rows=1000)
    assert len(markdown) <= 20_000
    shown = sum(1 for line in markdown.splitlines() if line.startswith("| `RS201`"))
    assert 20 < shown < 400 and f"{400 - shown} more findings in code scanning" in markdown
    assert "more findings" not in render(sample_report(), "markdown")  # nothing left out: no such line


def test_links_are_absolute_and_repository_relative_with_a_link_base():
    from riskscan.types import Repository

    report = replace(sample_report(), repository=Repository("/home/someone/project", "services/bot"))
    markdown = render(report, "markdown", link_base="https://github.com/someone/project/blob/0123abc")
    assert ("1. [`services/bot/app/agents.py:13`](https://github.com/someone/project/blob/0123abc/services/bot/app/agents.py#L13)"
            " `researcher` calls `fetch_page`") in markdown
    assert "(https://github.com/someone/project/blob/0123abc/services/bot/configs/claude%20desktop.json)" in markdown
    assert re.findall(r"\]\((?!https://github\.com/someone/project/blob/0123abc/services/bot/)", markdown) == []
    # a link base carrying what would end a Markdown link is encoded
    assert "](https://example.com/a%20b%29/services/bot/app/agents.py#L13)" in render(report, "markdown", link_base="https://example.com/a b)")

"""`riskscan graph`: the capability graph as JSON, DOT and Mermaid; deterministic, escaped, valid."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from headless_chromium import chromium_session, mermaid_errors
from report_samples import sample_report

from riskscan.report.graph_export import (
    dot_quote,
    graph_document,
    mermaid_text,
    render_graph,
)
from riskscan.types import Agent, Capability, Holding, Location, Report, Tool

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "support-desk"
HOSTILE_NAME = 'fetch"]; evil --> x\n%%{init: {"securityLevel": "loose"}}%%|<b>#35;\\'


def riskscan(*args):
    return subprocess.run([sys.executable, "-m", "riskscan", *args], cwd=REPO, capture_output=True, text=True, timeout=300)


def hostile_report() -> Report:
    tool = Tool(f"tools.{HOSTILE_NAME}", HOSTILE_NAME, "test", Location("t.py", 1),
                description="</script>", capabilities=(Capability("untrusted_input", 0.9),))
    agent = Agent(f'agent "{HOSTILE_NAME}"', HOSTILE_NAME, "test", Location("a.py", 1), (Holding(tool.id, Location("a.py", 2)),))
    return Report("0", "/r", (), (agent,), (tool,), ())


def test_the_example_graph_holds_agents_tools_labels_and_the_dangerous_paths():
    from riskscan.scan import scan

    document = json.loads(render_graph(scan(str(EXAMPLE)), "json"))
    nodes = {node["id"]: node for node in document["nodes"]}
    assert nodes["agent:support_desk.agents.triage"]["name"] == "Triage"
    assert nodes["tool:support_desk.tools.run_diagnostics"]["labels"] == ["code_exec"]
    edges = {(e["source"], e["relation"], e["target"]): e for e in document["edges"]}
    handoff = edges[("agent:support_desk.agents.triage", "handoff", "agent:support_desk.agents.billing")]
    assert handoff["danger"] and handoff["conditions"] == ["always"]
    # the RS102 path: Triage calls web search, then run_diagnostics (the other is Claude Code's Bash)
    [rs102] = [path for path in document["paths"] if path["rule_id"] == "RS102" and "agent:support_desk.agents.triage" in path["nodes"]]
    assert "agent:support_desk.agents.triage" in rs102["nodes"]
    assert "tool:support_desk.tools.run_diagnostics" in rs102["nodes"] and "label:code_exec" in rs102["nodes"]
    assert "agent:support_desk.agents.billing" not in rs102["nodes"]
    walked = {(e["source"], e["target"]) for e in document["edges"] if e["id"] in rs102["edges"]}
    assert ("agent:support_desk.agents.triage", "tool:support_desk.tools.run_diagnostics") in walked
    # a tool no path walks is not marked
    assert not nodes["tool:mcp:.mcp.json#filesystem/list_directory"]["danger"]


def test_conditions_and_parallel_holdings_become_one_edge():
    tool = Tool("t", "shell", "test", Location("t.py", 1), capabilities=(Capability("code_exec", 0.9),))
    from riskscan.types import Atom

    holdings = (Holding("t", Location("a.py", 2), (Atom("env.B", "1"),)), Holding("t", Location("a.py", 3), (Atom("env.A"),)))
    report = Report("0", "/r", (), (Agent("a", "a", "test", Location("a.py", 1), holdings),), (tool,), ())
    [holds] = [e for e in graph_document(report)["edges"] if e["relation"] == "holds"]
    assert holds["conditions"] == ['env.A', 'env.B == "1"']
    assert 'holds when env.A or env.B == \\"1\\"' in render_graph(report, "dot")


@pytest.mark.parametrize("fmt", ["dot", "mermaid", "json"])
def test_same_input_same_bytes_through_the_command(fmt):
    first = riskscan("graph", str(EXAMPLE), "--format", fmt)
    second = riskscan("graph", str(EXAMPLE), "--format", fmt)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout and first.stdout
    assert str(REPO) not in first.stdout


DOT_STRING = r'"(?:[^"\\\n]|\\.)*"'
DOT_ATTRIBUTES = rf"\[(?:\w+=(?:{DOT_STRING}|[\w.]+)(?:, )?)*\];"


def test_dot_quotes_every_id_and_label_so_hostile_names_stay_inside_their_strings():
    dot = render_graph(hostile_report(), "dot")
    lines = dot.splitlines()
    assert lines[0] == "digraph riskscan {" and lines[-1] == "}"
    for line in lines[3:-1]:
        assert re.fullmatch(rf"  {DOT_STRING}(?: -> {DOT_STRING})? {DOT_ATTRIBUTES}", line), line
    assert dot_quote('a"b\\c\nd') == '"a\\"b\\\\c\\nd"'


def test_mermaid_ids_are_generated_and_labels_are_entity_coded():
    mermaid = render_graph(hostile_report(), "mermaid")
    assert mermaid.startswith("flowchart LR\n")
    assert "%%" not in mermaid and "<b>" not in mermaid and "\\" not in mermaid
    for line in mermaid.splitlines()[1:]:
        assert line.count('"') in (0, 2), line  # a label never ends early
    assert mermaid_text('a"b#c') == "a#34;b#35;c"


def test_mermaid_parses_with_mermaids_own_parser(tmp_path):
    from riskscan.scan import scan

    diagrams = [render_graph(scan(str(EXAMPLE)), "mermaid"), render_graph(hostile_report(), "mermaid"),
                render_graph(sample_report(), "mermaid")]
    driver = chromium_session(tmp_path)
    try:
        errors = mermaid_errors(driver, tmp_path, diagrams + ["flowchart LR\n  a[\"unclosed --> b"])
    finally:
        driver.quit()
    assert errors[:3] == ["", "", ""]
    assert errors[3]  # the parser really rejects a broken diagram


def test_graph_command_writes_a_file_and_rejects_unknown_formats(tmp_path):
    target = tmp_path / "graph.dot"
    assert riskscan("graph", str(EXAMPLE), "-o", str(target)).returncode == 0
    assert target.read_text().startswith("digraph riskscan {")
    assert riskscan("graph", str(EXAMPLE), "--format", "png").returncode == 2

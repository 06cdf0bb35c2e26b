"""Smallest fix sets: fewest changes, and the changed system really has no path left (solved
again here, independently of the fix search's own check)."""

from __future__ import annotations

from riskscan import graph
from riskscan.rulesets import load
from riskscan.scan import scan
from riskscan.solve import solve
from riskscan.solve.fixes import Change, apply, smallest_fix
from riskscan.types import (
    Agent,
    Capability,
    Handoff,
    Holding,
    Location,
    SystemModel,
    Tool,
)

RULES = {rule.id: rule for rule in load().rules}
PATH_RULES = [rule for rule in RULES.values() if rule.kind == "path"]


def tool(tool_id, *labels):
    return Tool(tool_id, tool_id, "test", Location("tools.py", 1), capabilities=tuple(Capability(label, 0.9) for label in labels))


def agent(agent_id, *tools, handoffs=()):
    return Agent(agent_id, agent_id, "test", Location("agents.py", 1),
                 tuple(Holding(t, Location("agents.py", 2)) for t in tools),
                 tuple(Handoff(target, "handoff", Location("agents.py", 3)) for target in handoffs))


def paths_of(system, max_paths=100, per_sink=3):
    return solve(graph.build(system), PATH_RULES, max_paths=max_paths, max_paths_per_sink=per_sink).paths


def fix(system, paths):
    return smallest_fix(system, PATH_RULES, paths, paths_of)


def test_one_approval_on_the_only_sink_beats_removing_every_source():
    system = SystemModel("/r", (agent("bot", "web", "mail", "notes", "files", "post"),), (
        tool("web", "untrusted_input"), tool("mail", "untrusted_input"), tool("notes", "private_data"),
        tool("files", "private_data"), tool("post", "external_send"),
    ))
    result = fix(system, paths_of(system))
    assert result.changes == (Change("require-approval", tool="post"),) and result.complete
    assert paths_of(apply(system, result.changes)) == ()


def test_one_source_shared_by_two_sinks_is_removed_once():
    system = SystemModel("/r", (agent("bot", "web", "shell", "python"),), (
        tool("web", "untrusted_input"), tool("shell", "code_exec"), tool("python", "code_exec"),
    ))
    result = fix(system, paths_of(system))
    assert result.changes == (Change("remove-tool", "bot", "web"),)
    assert paths_of(apply(system, result.changes)) == ()


def test_a_handoff_is_cut_when_that_is_the_one_change_every_path_shares():
    readers = [f"read{i}" for i in range(3)]
    system = SystemModel("/r", (
        agent("reader", *readers, handoffs=["runner"]),
        agent("runner", "shell", "python"),
    ), tuple(tool(r, "untrusted_input") for r in readers) + (tool("shell", "code_exec"), tool("python", "code_exec")))
    result = fix(system, paths_of(system))
    assert result.changes == (Change("cut-handoff", "reader", target="runner"),)
    assert paths_of(apply(system, result.changes)) == ()


def test_paths_missing_from_the_first_sample_are_found_and_fixed_too():
    sources = [f"src{i}" for i in range(4)]
    sinks = [f"run{i}" for i in range(3)]
    system = SystemModel("/r", (agent("bot", *sources, *sinks),), tuple(tool(s, "untrusted_input") for s in sources) + tuple(tool(s, "code_exec") for s in sinks))
    sample = paths_of(system, max_paths=1)
    assert len(sample) == 1
    result = fix(system, sample)
    assert result.complete and len(result.changes) == 3
    assert paths_of(apply(system, result.changes)) == ()


def test_the_scan_reports_the_fix_with_the_findings_it_removes():
    report = scan("fixtures/cases/research-assistant")
    [change] = report.fixes
    assert change.describe() == "remove `browse` from agent 'Reader'"
    assert set(change.removes) == {f.fingerprint for f in report.findings if f.kind == "path"}

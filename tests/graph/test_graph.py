"""The capability graph and the state machine behind the solver, on hand-made systems."""

from __future__ import annotations

from riskscan import graph
from riskscan.graph import (
    AGENT_AS_TOOL,
    AGENT_AS_TOOL_RESULT,
    StateLabels,
    agent_node,
    label_node,
    tool_node,
)
from riskscan.rulesets import load
from riskscan.types import (
    Agent,
    Atom,
    Capability,
    Handoff,
    Holding,
    Location,
    PathStep,
    SystemModel,
    Tool,
)

SHELL_ON = Atom("env.ENABLE_SHELL", "1")
BETA = Atom("setting.beta")


def make_tool(tool_id: str, *labels: str, fixed: tuple[str, ...] = (), invokes: str | None = None) -> Tool:
    capabilities = tuple(Capability(label, 0.9) for label in labels)
    capabilities += tuple(Capability(label, 0.6, model_controlled=False) for label in fixed)
    return Tool(tool_id, tool_id, "test", Location("tools.py", 10), capabilities=capabilities, invokes_agent=invokes)


def make_agent(agent_id: str, *tools: str | Holding, handoffs: tuple[Handoff, ...] = (), condition=()) -> Agent:
    holdings = tuple(t if isinstance(t, Holding) else Holding(t, Location("agents.py", 20)) for t in tools)
    return Agent(agent_id, agent_id, "test", Location("agents.py", 1), holdings, handoffs, condition)


def system(agents: list[Agent], tools: list[Tool]) -> graph.CapabilityGraph:
    return graph.build(SystemModel("/repo", tuple(agents), tuple(tools)), StateLabels())


def edges(g: graph.CapabilityGraph, relation: str) -> set[tuple]:
    return {(u, v) for u, v, data in g.edges(data=True) if data["relation"] == relation}


def test_nodes_and_edges_of_one_agent():
    g = system(
        [make_agent("bot", Holding("fetch", Location("agents.py", 5)), Holding("run", Location("agents.py", 6), (SHELL_ON,)))],
        [make_tool("fetch", "untrusted_input"), make_tool("run", "code_exec")],
    )
    assert set(g.nodes) == {
        agent_node("bot"),
        tool_node("fetch"),
        tool_node("run"),
        label_node("untrusted_input"),
        label_node("code_exec"),
    }
    holds = {(v, data["condition"], data["location"]) for u, v, data in g.edges(data=True) if data["relation"] == "holds"}
    assert holds == {
        (tool_node("fetch"), (), Location("agents.py", 5)),
        (tool_node("run"), (SHELL_ON,), Location("agents.py", 6)),
    }
    assert edges(g, "has") == {(tool_node("fetch"), label_node("untrusted_input")), (tool_node("run"), label_node("code_exec"))}
    assert g.nodes[agent_node("bot")]["agent"].id == "bot"
    assert g.nodes[tool_node("run")]["tool"].id == "run"


def test_has_edge_keeps_the_best_confidence_and_any_model_controlled_capability():
    tool = Tool(
        "post",
        "post",
        "test",
        Location("tools.py", 1),
        capabilities=(Capability("external_send", 0.4), Capability("external_send", 0.9, model_controlled=False)),
    )
    g = system([make_agent("bot", "post")], [tool])
    [(_, _, data)] = g.out_edges(tool_node("post"), data=True)
    assert (data["confidence"], data["model_controlled"]) == (0.9, True)


def test_handoff_edge_carries_kind_condition_and_location():
    handoff = Handoff("writer", "handoff", Location("agents.py", 30), (BETA,))
    g = system([make_agent("reader", handoffs=(handoff,)), make_agent("writer")], [])
    [(u, v, data)] = [e for e in g.edges(data=True) if e[2]["relation"] == "handoff"]
    assert (u, v) == (agent_node("reader"), agent_node("writer"))
    assert (data["kind"], data["condition"], data["location"], data["via"]) == (
        "handoff",
        (BETA,),
        Location("agents.py", 30),
        None,
    )


def test_agent_as_tool_is_held_and_makes_context_flow_both_ways():
    g = system(
        [make_agent("boss", "ask_helper"), make_agent("helper", "fetch")],
        [make_tool("ask_helper", invokes="helper"), make_tool("fetch", "untrusted_input")],
    )
    assert (agent_node("boss"), tool_node("ask_helper")) in edges(g, "holds")
    flows = {(u[1], v[1], data["kind"], data["via"]) for u, v, data in g.edges(data=True) if data["relation"] == "handoff"}
    assert flows == {("boss", "helper", AGENT_AS_TOOL, "ask_helper"), ("helper", "boss", AGENT_AS_TOOL_RESULT, "ask_helper")}


def test_declared_agent_as_tool_handoff_also_returns_the_result():
    handoff = Handoff("helper", AGENT_AS_TOOL, Location("agents.py", 7))
    g = system([make_agent("boss", handoffs=(handoff,)), make_agent("helper")], [])
    flows = {(u[1], v[1], data["kind"]) for u, v, data in g.edges(data=True) if data["relation"] == "handoff"}
    assert flows == {("boss", "helper", AGENT_AS_TOOL), ("helper", "boss", AGENT_AS_TOOL_RESULT)}


def test_unresolved_references_are_skipped():
    g = system([make_agent("bot", "missing", handoffs=(Handoff("ghost", "handoff", Location("a.py", 1)),))], [])
    assert set(g.nodes) == {agent_node("bot")}


def test_actions_say_what_each_step_does_and_needs():
    only_in_beta = make_agent("bot", "fetch", "inbox", "post", "beacon", condition=(BETA,))
    g = system(
        [only_in_beta],
        [
            make_tool("fetch", "untrusted_input"),
            make_tool("inbox", "secret_read"),
            make_tool("post", "external_send"),
            make_tool("beacon", fixed=("external_send",)),
        ],
    )
    by_id = {action.id: action for action in graph.actions(g)}
    assert list(by_id) == sorted(by_id)
    assert by_id["call:bot->fetch"].gives == ("untrusted",)
    assert by_id["call:bot->inbox"].gives == ("private",)
    assert by_id["call:bot->post"].sink_labels == ("external_send",)
    assert by_id["call:bot->beacon"].sink_labels == ()
    assert all(action.condition == (BETA,) for action in by_id.values())


def test_flow_actions_need_both_agents_and_the_edge():
    handoff = Handoff("writer", "handoff", Location("agents.py", 30), (SHELL_ON,))
    g = system([make_agent("reader", handoffs=(handoff,), condition=(BETA,)), make_agent("writer")], [])
    [flow] = graph.actions(g)
    assert flow.step == PathStep("handoff", "reader", target="writer")
    assert flow.condition == (SHELL_ON, BETA)  # sorted by variable
    assert flow.receiver == "writer"


def test_state_labels_decide_what_a_call_sets():
    g = graph.build(
        SystemModel("/repo", (make_agent("bot", "files"),), (make_tool("files", "fs_write"),)),
        StateLabels(untrusted=frozenset({"fs_write"})),
    )
    [call] = graph.actions(g)
    assert call.gives == ("untrusted",)


def test_state_machine_replays_a_witness():
    exfiltration = load().rule("RS101")
    to_writer = Handoff("writer", "handoff", Location("a.py", 1))
    g = system(
        [make_agent("reader", "fetch", handoffs=(to_writer,)), make_agent("writer", "inbox", "post")],
        [make_tool("fetch", "untrusted_input"), make_tool("inbox", "private_data"), make_tool("post", "external_send")],
    )
    fetch = PathStep("call", "reader", tool="fetch")
    handoff = PathStep("handoff", "reader", target="writer")
    inbox = PathStep("call", "writer", tool="inbox")
    post = PathStep("call", "writer", tool="post")
    assert graph.path_reaches_goal(g, [fetch, handoff, inbox, post], exfiltration)
    assert not graph.path_reaches_goal(g, [handoff, fetch, inbox, post], exfiltration)  # handed off too early
    assert not graph.path_reaches_goal(g, [fetch, handoff, post, inbox], exfiltration)  # sent before reading
    assert not graph.path_reaches_goal(g, [PathStep("call", "writer", tool="fetch"), inbox, post], exfiltration)

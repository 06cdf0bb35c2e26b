"""The solver against DESIGN.md, "The solver's model, precisely", on hand-made systems."""

from __future__ import annotations

import random
import time

import pytest

from riskscan import graph
from riskscan.graph import StateLabels
from riskscan.rulesets import load
from riskscan.solve import solve
from riskscan.solve.cone import prune
from riskscan.types import (
    Agent,
    Atom,
    Capability,
    Gate,
    Handoff,
    Holding,
    Location,
    Path,
    PathStep,
    SystemModel,
    Tool,
)

RULES = {rule.id: rule for rule in load().rules}
EXFILTRATION = RULES["RS101"]
EXECUTION = RULES["RS102"]
SHELL_ON = Atom("env.ENABLE_SHELL", "1")
SHELL_UNSET = Atom("env.ENABLE_SHELL", negated=True)


def make_tool(tool_id: str, *labels: str, fixed=(), invokes=None, gates=()) -> Tool:
    capabilities = tuple(Capability(label, 0.9) for label in labels)
    capabilities += tuple(Capability(label, 0.9, model_controlled=False) for label in fixed)
    return Tool(
        tool_id, tool_id, "test", Location("tools.py", 1), capabilities=capabilities, gates=gates, invokes_agent=invokes
    )


def make_agent(agent_id: str, *tools: str | Holding, handoffs=(), condition=()) -> Agent:
    holdings = tuple(t if isinstance(t, Holding) else Holding(t, Location("agents.py", 2)) for t in tools)
    hands = tuple(Handoff(target, "handoff", Location("agents.py", 3)) for target in handoffs)
    return Agent(agent_id, agent_id, "test", Location("agents.py", 1), holdings, hands, condition)


def build(agents, tools) -> graph.CapabilityGraph:
    return graph.build(SystemModel("/repo", tuple(agents), tuple(tools)), StateLabels())


def call(agent: str, tool: str) -> PathStep:
    return PathStep("call", agent, tool=tool)


def handoff(agent: str, target: str) -> PathStep:
    return PathStep("handoff", agent, target=target)


def paths_of(result, rule) -> list[Path]:
    return [path for path in result.paths if path.rule == rule.id]


def assert_valid_and_minimal(g, path: Path) -> None:
    rule = RULES[path.rule]
    assert graph.path_reaches_goal(g, path.steps, rule), path
    for index in range(len(path.steps)):
        shorter = path.steps[:index] + path.steps[index + 1 :]
        assert not graph.path_reaches_goal(g, shorter, rule), f"step {index} of {path} can be dropped"


TRIFECTA_TOOLS = [
    make_tool("fetch_page", "untrusted_input"),
    make_tool("read_inbox", "private_data"),
    make_tool("post_webhook", "external_send"),
]


def test_lethal_trifecta_in_one_agent():
    g = build([make_agent("bot", "fetch_page", "read_inbox", "post_webhook")], TRIFECTA_TOOLS)
    result = solve(g, [EXFILTRATION, EXECUTION])
    [path] = result.paths
    assert (path.rule, path.status, path.conditions) == ("RS101", "sat", ())
    assert set(path.steps) == {call("bot", "fetch_page"), call("bot", "read_inbox"), call("bot", "post_webhook")}
    assert len(path.steps) == 3 and path.steps[-1] == call("bot", "post_webhook")
    assert_valid_and_minimal(g, path)
    assert result.notes == ()


def test_trifecta_split_across_a_handoff():
    g = build(
        [make_agent("reader", "fetch_page", handoffs=["writer"]), make_agent("writer", "read_inbox", "post_webhook")],
        TRIFECTA_TOOLS,
    )
    [path] = solve(g, [EXFILTRATION]).paths
    fetch, carry, read, send = (
        call("reader", "fetch_page"),
        handoff("reader", "writer"),
        call("writer", "read_inbox"),
        call("writer", "post_webhook"),
    )
    assert set(path.steps) == {fetch, carry, read, send} and len(path.steps) == 4
    assert path.steps.index(fetch) < path.steps.index(carry) and path.steps[-1] == send
    assert_valid_and_minimal(g, path)


def test_agent_as_tool_carries_taint_back_to_the_caller():
    g = build(
        [make_agent("boss", "ask_browser", "read_inbox", "post_webhook"), make_agent("browser", "fetch_page")],
        TRIFECTA_TOOLS + [make_tool("ask_browser", invokes="browser")],
    )
    [path] = solve(g, [EXFILTRATION]).paths
    fetch, result_back, read, send = (
        call("browser", "fetch_page"),
        handoff("browser", "boss"),
        call("boss", "read_inbox"),
        call("boss", "post_webhook"),
    )
    assert set(path.steps) == {fetch, result_back, read, send} and len(path.steps) == 4
    assert path.steps.index(fetch) < path.steps.index(result_back) and path.steps[-1] == send
    assert_valid_and_minimal(g, path)


def test_agent_as_tool_carries_the_callers_context_into_the_called_agent():
    g = build(
        [make_agent("boss", "ask_mailer", "fetch_page", "read_inbox"), make_agent("mailer", "post_webhook")],
        TRIFECTA_TOOLS + [make_tool("ask_mailer", invokes="mailer")],
    )
    [path] = solve(g, [EXFILTRATION]).paths
    assert set(path.steps[:2]) == {call("boss", "fetch_page"), call("boss", "read_inbox")}
    assert path.steps[2:] == (handoff("boss", "mailer"), call("mailer", "post_webhook"))
    assert_valid_and_minimal(g, path)


def test_no_path_when_the_sender_is_never_tainted():
    g = build(
        [make_agent("reader", "fetch_page"), make_agent("writer", "read_inbox", "post_webhook", handoffs=["reader"])],
        TRIFECTA_TOOLS,
    )
    assert solve(g, [EXFILTRATION]).paths == ()


def test_no_path_is_decided_without_the_solver():
    g = build([make_agent("reader", "fetch_page"), make_agent("writer", "read_inbox", "post_webhook")], TRIFECTA_TOOLS)
    assert prune(graph.actions(g), EXFILTRATION, max_steps=6) is None


def test_sink_fixed_in_code_is_not_an_exfiltration():
    g = build(
        [make_agent("bot", "fetch_page", "read_inbox", "send_to_our_api")],
        TRIFECTA_TOOLS + [make_tool("send_to_our_api", fixed=("external_send",))],
    )
    assert solve(g, [EXFILTRATION]).paths == ()


def test_code_execution_needs_only_untrusted_input():
    g = build(
        [make_agent("bot", "fetch_page", "read_inbox", "run_shell")],
        TRIFECTA_TOOLS + [make_tool("run_shell", "code_exec")],
    )
    result = solve(g, [EXFILTRATION, EXECUTION])
    assert result.paths == (Path("RS102", (call("bot", "fetch_page"), call("bot", "run_shell"))),)


def test_conditional_tool_reports_its_condition():
    g = build(
        [make_agent("bot", "fetch_page", Holding("run_shell", Location("agents.py", 9), (SHELL_ON,)))],
        [make_tool("fetch_page", "untrusted_input"), make_tool("run_shell", "code_exec")],
    )
    assert solve(g, [EXECUTION]).paths == (
        Path("RS102", (call("bot", "fetch_page"), call("bot", "run_shell")), conditions=(SHELL_ON,)),
    )


def test_contradictory_conditions_give_no_path():
    shell_when_on = Holding("run_shell", Location("agents.py", 9), (SHELL_ON,))
    tools = [make_tool("fetch_page", "untrusted_input"), make_tool("run_shell", "code_exec")]
    in_one_agent = build([make_agent("bot", "fetch_page", shell_when_on, condition=(SHELL_UNSET,))], tools)
    across_agents = build(
        [
            make_agent("reader", "fetch_page", handoffs=["runner"], condition=(SHELL_UNSET,)),
            make_agent("runner", shell_when_on),
        ],
        tools,
    )
    assert solve(in_one_agent, [EXECUTION]).paths == ()
    assert solve(across_agents, [EXECUTION]).paths == ()
    # and the solver says it proved the sink impossible, not that it found nothing
    assert solve(in_one_agent, [EXECUTION]).notes == (
        "RS102: bot calling run_shell is impossible within 6 steps: every way to it needs configurations that contradict each other",
    )


def test_condition_of_the_configuration_is_shared_by_every_step():
    truthy_off = Atom("env.ENABLE_SHELL", "0")  # "0" is set but not truthy: no contradiction with SHELL_UNSET
    g = build(
        [make_agent("bot", Holding("fetch_page", Location("a.py", 1), (truthy_off,)), "run_shell", condition=(SHELL_UNSET,))],
        [make_tool("fetch_page", "untrusted_input"), make_tool("run_shell", "code_exec")],
    )
    [path] = solve(g, [EXECUTION]).paths
    assert path.conditions == (SHELL_UNSET, truthy_off)


def test_distinct_minimal_paths_not_permutations_or_unions():
    g = build(
        [make_agent("bot", "fetch_page", "read_issue", "read_inbox", "post_webhook")],
        TRIFECTA_TOOLS + [make_tool("read_issue", "untrusted_input")],
    )
    paths = solve(g, [EXFILTRATION]).paths
    assert {frozenset(path.steps) for path in paths} == {
        frozenset({call("bot", "fetch_page"), call("bot", "read_inbox"), call("bot", "post_webhook")}),
        frozenset({call("bot", "read_issue"), call("bot", "read_inbox"), call("bot", "post_webhook")}),
    }
    assert len(paths) == 2
    for path in paths:
        assert path.steps[-1] == call("bot", "post_webhook")
        assert_valid_and_minimal(g, path)


def test_a_path_is_not_hidden_by_a_shorter_one_with_a_different_sink():
    # The reader's own GET both reads the page and can carry data out in its URL; the lead gets
    # the reader's answer through agent-as-tool and shares it. Both are distinct minimal paths.
    g = build(
        [make_agent("reader", "browse", "read_notes"), make_agent("lead", "research", "share")],
        [
            make_tool("browse", "untrusted_input", "external_send"),
            make_tool("read_notes", "private_data"),
            make_tool("share", "external_send"),
            make_tool("research", invokes="reader"),
        ],
    )
    paths = solve(g, [EXFILTRATION]).paths
    assert [path.steps[-1] for path in paths] == [call("reader", "browse"), call("lead", "share")]
    assert set(paths[1].steps) == {call("reader", "browse"), call("reader", "read_notes"), handoff("reader", "lead"), call("lead", "share")}
    for path in paths:
        assert_valid_and_minimal(g, path)


def test_shortest_paths_come_first():
    g = build(
        [make_agent("bot", "run_shell", "fetch_page", handoffs=["helper"]), make_agent("helper", "read_issue", handoffs=["bot"])],
        [make_tool("fetch_page", "untrusted_input"), make_tool("read_issue", "untrusted_input"), make_tool("run_shell", "code_exec")],
    )
    assert solve(g, [EXECUTION]).paths == (
        Path("RS102", (call("bot", "fetch_page"), call("bot", "run_shell"))),
        Path("RS102", (call("helper", "read_issue"), handoff("helper", "bot"), call("bot", "run_shell"))),
    )


def chain(length: int) -> graph.CapabilityGraph:
    """fetch in agent 0, hand off along the chain, run the shell in the last agent."""
    names = [f"agent{i}" for i in range(length)]
    agents = [make_agent(names[0], "fetch_page", handoffs=[names[1]])]
    agents += [make_agent(name, handoffs=[after]) for name, after in zip(names[1:-1], names[2:])]
    agents += [make_agent(names[-1], "run_shell")]
    return build(agents, [make_tool("fetch_page", "untrusted_input"), make_tool("run_shell", "code_exec")])


def test_max_steps_bound_is_respected():
    g = chain(5)  # 1 call + 4 handoffs + 1 call
    assert solve(g, [EXECUTION], max_steps=5).paths == ()
    [path] = solve(g, [EXECUTION], max_steps=6).paths
    assert path.steps == (
        call("agent0", "fetch_page"),
        handoff("agent0", "agent1"),
        handoff("agent1", "agent2"),
        handoff("agent2", "agent3"),
        handoff("agent3", "agent4"),
        call("agent4", "run_shell"),
    )


def test_max_paths_bound_is_respected_and_noted():
    sources = [make_tool(f"source{i}", "untrusted_input") for i in range(5)]
    g = build([make_agent("bot", "run_shell", *(t.id for t in sources))], sources + [make_tool("run_shell", "code_exec")])
    result = solve(g, [EXECUTION], max_paths=3)
    every_path = {(call("bot", f"source{i}"), call("bot", "run_shell")) for i in range(5)}
    found = [path.steps for path in result.paths]
    assert len(found) == len(set(found)) == 3 and set(found) <= every_path
    assert result.notes == ("RS102: stopped at 3 paths (max_paths)",)


def test_every_reachable_sink_gets_a_path_before_more_ways_to_one_sink():
    sources = [make_tool(f"source{i}", "untrusted_input") for i in range(6)]
    sinks = [make_tool(f"shell{i}", "code_exec") for i in range(3)]
    g = build([make_agent("bot", *(t.id for t in sources + sinks))], sources + sinks)
    result = solve(g, [EXECUTION], max_paths=6, max_paths_per_sink=2)
    per_sink = {}
    for path in result.paths:
        per_sink.setdefault(path.steps[-1].tool, []).append(path.steps[0].tool)
    assert sorted(per_sink) == ["shell0", "shell1", "shell2"]
    assert all(len(set(found)) == 2 for found in per_sink.values())


def test_gates_do_not_block_paths():
    approval = Gate("approval", "asks the user")
    g = build(
        [make_agent("bot", "fetch_page", "run_shell")],
        [make_tool("fetch_page", "untrusted_input"), make_tool("run_shell", "code_exec", gates=(approval,))],
    )
    assert solve(g, [EXECUTION]).paths == (Path("RS102", (call("bot", "fetch_page"), call("bot", "run_shell"))),)


def dense_random_system(seed: int, agents: int = 40, tools: int = 120) -> graph.CapabilityGraph:
    rng = random.Random(seed)
    labels = ["untrusted_input", "private_data", "secret_read", "external_send", "code_exec", "fs_write"]
    all_tools = [make_tool(f"t{i}", *rng.sample(labels, rng.randint(0, 2))) for i in range(tools)]
    variables = [f"env.FLAG{i}" for i in range(6)]

    def maybe_condition():
        if rng.random() < 0.3:
            return (Atom(rng.choice(variables), rng.choice([None, "1", "2"]), rng.random() < 0.5),)
        return ()

    all_agents = []
    for i in range(agents):
        holdings = [Holding(t.id, Location("a.py", i), maybe_condition()) for t in rng.sample(all_tools, 12)]
        hands = tuple(
            Handoff(f"a{j}", "handoff", Location("a.py", i), maybe_condition()) for j in rng.sample(range(agents), 8) if j != i
        )
        all_agents.append(Agent(f"a{i}", f"a{i}", "test", Location("a.py", i), tuple(holdings), hands, maybe_condition()))
    return graph.build(SystemModel("/repo", tuple(all_agents), tuple(all_tools)), StateLabels())


def test_tiny_timeout_on_a_large_system_returns_unknown_or_finishes():
    g = dense_random_system(seed=7)
    started = time.monotonic()
    result = solve(g, [EXFILTRATION, EXECUTION], max_paths=5, timeout_ms=1)
    assert time.monotonic() - started < 30
    for path in result.paths:
        if path.status == "unknown":
            assert path.steps == ()
        else:
            assert path.status == "sat"
            assert_valid_and_minimal(g, path)
    unknown_rules = [path.rule for path in result.paths if path.status == "unknown"]
    assert [note.split(":")[0] for note in result.notes if "unknown" in note] == unknown_rules


@pytest.mark.parametrize("seed", [1, 2])
def test_paths_of_a_random_system_are_valid_minimal_distinct_and_shortest_first(seed):
    g = dense_random_system(seed, agents=12, tools=30)
    result = solve(g, [EXFILTRATION, EXECUTION], max_steps=4, max_paths=8)
    for rule in (EXFILTRATION, EXECUTION):
        paths = paths_of(result, rule)
        assert all(path.status == "sat" for path in paths)
        for path in paths:
            assert_valid_and_minimal(g, path)
        # distinct: no later path extends an earlier one to the same sink
        step_sets = [(frozenset(path.steps), path.steps[-1]) for path in paths]
        assert not any(a <= b and sink == other for i, (a, sink) in enumerate(step_sets) for b, other in step_sets[i + 1 :])
        assert [len(p.steps) for p in paths] == sorted(len(p.steps) for p in paths)


def test_deterministic():
    g = dense_random_system(seed=3, agents=12, tools=30)
    first = solve(g, [EXFILTRATION, EXECUTION], max_steps=4, max_paths=8)
    second = solve(dense_random_system(seed=3, agents=12, tools=30), [EXFILTRATION, EXECUTION], max_steps=4, max_paths=8)
    assert first == second
    assert first.paths  # the case is not trivially empty


def test_a_tool_that_is_both_source_and_sink_is_called_twice():
    g = build(
        [make_agent("bot", "browser", "read_inbox")],
        [make_tool("browser", "untrusted_input", "external_send"), make_tool("read_inbox", "private_data")],
    )
    [path] = solve(g, [EXFILTRATION]).paths
    assert sorted(path.steps) == [call("bot", "browser"), call("bot", "browser"), call("bot", "read_inbox")]
    assert path.steps[-1] == call("bot", "browser")
    assert_valid_and_minimal(g, path)


def test_a_sink_whose_short_route_is_contradictory_is_reached_by_a_longer_one():
    # The runner's own fetch exists only when ENABLE_SHELL is unset, but its shell only when it
    # is "1": the short route contradicts itself. A reader, unconditioned, hands its page over.
    shell_on = Holding("run_shell", Location("agents.py", 9), (SHELL_ON,))
    fetch_unset = Holding("fetch_page", Location("agents.py", 8), (SHELL_UNSET,))
    g = build(
        [
            make_agent("runner", fetch_unset, shell_on, "python"),
            make_agent("reader", "read_issue", handoffs=["runner"]),
        ],
        [make_tool("fetch_page", "untrusted_input"), make_tool("read_issue", "untrusted_input"),
         make_tool("run_shell", "code_exec"), make_tool("python", "code_exec")],
    )
    paths = solve(g, [EXECUTION]).paths
    by_sink = {path.steps[-1]: path for path in paths}
    assert by_sink[call("runner", "run_shell")].steps == (call("reader", "read_issue"), handoff("reader", "runner"), call("runner", "run_shell"))
    assert by_sink[call("runner", "run_shell")].conditions == (SHELL_ON,)
    assert call("runner", "python") in by_sink
    for path in paths:
        assert_valid_and_minimal(g, path)


def test_a_path_of_assumed_tools_alone_hides_no_path_that_includes_it():
    # `mcp-remote/*` is an unknown server's worst case: alone it completes RS102 (it "returns
    # untrusted input" and "runs code"). Told that it is assumed, the solver still gives the route
    # through the real web reader, which the assumed-only path would otherwise hide as a superset.
    destructive = RULES["RS103"]
    g = build([make_agent("bot", "mcp-remote/*", "web_fetch")],
              [make_tool("mcp-remote/*", "untrusted_input", "fs_delete"), make_tool("web_fetch", "untrusted_input")])
    hidden = {frozenset(p.steps) for p in solve(g, [destructive]).paths}
    assert hidden == {frozenset({call("bot", "mcp-remote/*")})}
    shown = {frozenset(p.steps) for p in solve(g, [destructive], assumed_tools=frozenset({"mcp-remote/*"})).paths}
    assert shown == {frozenset({call("bot", "mcp-remote/*")}), frozenset({call("bot", "web_fetch"), call("bot", "mcp-remote/*")})}

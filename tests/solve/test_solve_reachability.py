"""The fixpoint of configurations per agent (riskscan/solve/reachability.py): proofs that a sink is
impossible within the step bound, and shortest paths that the breadth-first candidates miss,
without the unrolling; checked against Z3 and against the unrolling itself."""

from __future__ import annotations

import itertools
import random
from unittest import mock

import pytest

from riskscan import graph
from riskscan.graph import StateLabels
from riskscan.rulesets import load
from riskscan.solve import reachability, solve
from riskscan.solve.cone import prune
from riskscan.solve.encoding import Configurations, Unrolling
from riskscan.solve.reachability import Reachability
from riskscan.types import Agent, Atom, Capability, Handoff, Holding, Location, PathStep, SystemModel, Tool

RULES = {rule.id: rule for rule in load().rules}
EXFILTRATION = RULES["RS101"]
EXECUTION = RULES["RS102"]
WEB = Atom("env.MODE", "web")
MAIL = Atom("env.MODE", "mail")


def make_tool(tool_id: str, *labels: str) -> Tool:
    return Tool(tool_id, tool_id, "test", Location("tools.py", 1), capabilities=tuple(Capability(label, 0.9) for label in labels))


def make_agent(agent_id: str, *tools: str, handoffs=(), condition=()) -> Agent:
    """`handoffs`: target names, or (target, condition) pairs."""
    holdings = tuple(Holding(tool, Location("agents.py", 2)) for tool in tools)
    pairs = [target if isinstance(target, tuple) else (target, ()) for target in handoffs]
    hands = tuple(Handoff(target, "handoff", Location("agents.py", 3), when) for target, when in pairs)
    return Agent(agent_id, agent_id, "test", Location("agents.py", 1), holdings, hands, condition)


def build(agents, tools) -> graph.CapabilityGraph:
    return graph.build(SystemModel("/repo", tuple(agents), tuple(tools)), StateLabels())


def call(agent: str, tool: str) -> PathStep:
    return PathStep("call", agent, tool=tool)


def handoff(agent: str, target: str) -> PathStep:
    return PathStep("handoff", agent, target=target)


@pytest.fixture
def no_unrolling(monkeypatch):
    """Fail the test if the solver falls back to the bounded unrolling."""

    class Forbidden:
        def __init__(self, *args, **kwargs):
            raise AssertionError("the unrolling was used")

    monkeypatch.setattr("riskscan.solve.encoding.Unrolling", Forbidden)


def assert_valid_and_minimal(g, path) -> None:
    rule = RULES[path.rule]
    assert graph.path_reaches_goal(g, path.steps, rule), path
    for index in range(len(path.steps)):
        assert not graph.path_reaches_goal(g, path.steps[:index] + path.steps[index + 1 :], rule), path


TRIFECTA_TOOLS = [make_tool("fetch_page", "untrusted_input"), make_tool("read_inbox", "private_data"), make_tool("post_webhook", "external_send")]


def test_a_sink_impossible_only_through_the_combination_of_its_routes_is_proved_without_unrolling(no_unrolling):
    # The sender can get untrusted content (only when MODE is "web", by two routes) and private
    # data (only when MODE is "mail", by two routes), each alone; never both in one configuration.
    g = build(
        [
            make_agent("reader", "fetch_page", handoffs=["sender", "relay"], condition=(WEB,)),
            make_agent("mailer", "read_inbox", handoffs=["sender", "relay"], condition=(MAIL,)),
            make_agent("relay", handoffs=["sender"]),
            make_agent("sender", "post_webhook"),
        ],
        TRIFECTA_TOOLS,
    )
    result = solve(g, [EXFILTRATION])
    assert result.paths == ()
    assert result.notes == (
        "RS101: sender calling post_webhook is impossible within 6 steps: every way to it needs configurations that contradict each other",
    )


def test_each_half_of_that_combination_is_reachable_alone():
    # The same system: the proof above is about the pair, not about either state.
    g = build(
        [
            make_agent("reader", "fetch_page", handoffs=["sender", "relay"], condition=(WEB,)),
            make_agent("relay", handoffs=["sender"]),
            make_agent("sender", "post_webhook", "run_shell"),
        ],
        TRIFECTA_TOOLS + [make_tool("run_shell", "code_exec")],
    )
    [path] = solve(g, [EXECUTION]).paths
    assert path.steps == (call("reader", "fetch_page"), handoff("reader", "sender"), call("sender", "run_shell"))


def long_way_system():
    # The shortest way from the page to the runner goes through `short`, which exists only in
    # "web" mode; the runner's shell only in "mail" mode. Only the long way exists with the shell.
    return build(
        [
            make_agent("src", "fetch_page", handoffs=["short", "l1"]),
            make_agent("short", handoffs=["runner"], condition=(WEB,)),
            make_agent("l1", handoffs=["l2"]),
            make_agent("l2", handoffs=["runner"]),
            make_agent("runner", "run_shell", condition=(MAIL,)),
        ],
        [make_tool("fetch_page", "untrusted_input"), make_tool("run_shell", "code_exec")],
    )


def test_a_sink_reached_only_by_a_long_route_gets_its_shortest_path_without_unrolling(no_unrolling):
    g = long_way_system()
    [path] = solve(g, [EXECUTION]).paths
    assert path.steps == (
        call("src", "fetch_page"),
        handoff("src", "l1"),
        handoff("l1", "l2"),
        handoff("l2", "runner"),
        call("runner", "run_shell"),
    )
    assert path.conditions == (MAIL,)
    assert_valid_and_minimal(g, path)


def test_the_step_bound_is_part_of_the_proof(no_unrolling):
    # Within 4 steps only the contradictory short way exists: impossible within 4, found within 5.
    g = long_way_system()
    result = solve(g, [EXECUTION], max_steps=4)
    assert result.paths == ()
    assert result.notes == (
        "RS102: runner calling run_shell is impossible within 4 steps: every way to it needs configurations that contradict each other",
    )
    assert len(solve(g, [EXECUTION], max_steps=5).paths) == 1


def test_two_states_meet_at_an_agent_and_travel_together(no_unrolling):
    # Straight to the sender, the page and the inbox contradict each other ("web" and "mail"
    # handoffs); through the hub they do not. The shortest path is the tree: two routes into the
    # hub, one handoff from it.
    g = build(
        [
            make_agent("reader", "fetch_page", handoffs=[("sender", (WEB,)), "hub"]),
            make_agent("mailer", "read_inbox", handoffs=[("sender", (MAIL,)), "hub"]),
            make_agent("hub", handoffs=["sender"]),
            make_agent("sender", "post_webhook"),
        ],
        TRIFECTA_TOOLS,
    )
    [path] = solve(g, [EXFILTRATION]).paths
    assert len(path.steps) == 6 and path.conditions == ()
    assert set(path.steps) == {
        call("reader", "fetch_page"),
        handoff("reader", "hub"),
        call("mailer", "read_inbox"),
        handoff("mailer", "hub"),
        handoff("hub", "sender"),
        call("sender", "post_webhook"),
    }
    assert_valid_and_minimal(g, path)
    assert solve(g, [EXFILTRATION], max_steps=5).paths == ()


def test_past_its_size_bound_the_fixpoint_proves_nothing_and_the_unrolling_decides(monkeypatch):
    monkeypatch.setattr(reachability, "MAX_CUBES", 0)
    g = long_way_system()
    made = []

    class Counting(Unrolling):
        def __init__(self, *args, **kwargs):
            made.append(1)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr("riskscan.solve.encoding.Unrolling", Counting)
    assert solve(g, [EXECUTION], max_steps=4).notes == (
        "RS102: runner calling run_shell is impossible within 4 steps: every way to it needs configurations that contradict each other",
    )
    [path] = solve(g, [EXECUTION], max_steps=5).paths
    assert len(path.steps) == 5 and path.conditions == (MAIL,)
    assert made == [1, 1]


def test_past_its_allowance_of_entries_the_fixpoint_proves_nothing():
    g = long_way_system()
    cone = prune(graph.actions(g), EXECUTION, 4)
    on_time = Reachability(cone.actions, EXECUTION.requires, 3, timeout_ms=60_000)
    [goal] = cone.goals
    assert on_time.complete and on_time.ways_to(goal) == []
    needed = on_time.entries_taken
    assert needed > 1
    # an allowance of one entry fewer than the fixpoint needs: a count, not a clock
    short = needed - 1
    with mock.patch("riskscan.solve.reachability.FIXPOINT_ENTRIES_PER_MS", short):
        late = Reachability(cone.actions, EXECUTION.requires, 3, timeout_ms=1)
        enough = mock.patch("riskscan.solve.reachability.FIXPOINT_ENTRIES_PER_MS", needed)
    assert not late.complete and late.entries_taken == short
    with enough:
        assert Reachability(cone.actions, EXECUTION.requires, 3, timeout_ms=1).complete


# --- the fixpoint against Z3 and against the unrolling -------------------------------------------


def test_consistency_of_atoms_agrees_with_z3():
    values = [None, "1", "0", "false", "", "yes"]
    atoms = [Atom("env.A", value, negated) for value in values for negated in (False, True)] + [Atom("env.B", "1")]
    z3_answers = Configurations(timeout_ms=5000)
    fixpoint = Reachability((), (), 0, timeout_ms=60_000)
    for size in (1, 2, 3):
        for cube in itertools.combinations(atoms, size):
            assert fixpoint.consistent(fixpoint.cube(cube)) == z3_answers.satisfiable(cube), cube


def random_conditional_system(seed: int, agents: int = 8, tools: int = 16) -> graph.CapabilityGraph:
    rng = random.Random(seed)
    labels = ["untrusted_input", "private_data", "external_send", "code_exec"]
    all_tools = [make_tool(f"t{i}", *rng.sample(labels, rng.randint(0, 2))) for i in range(tools)]

    def maybe_condition():
        if rng.random() < 0.4:
            return (Atom(rng.choice(["env.A", "env.B"]), rng.choice([None, "1", "2"]), rng.random() < 0.5),)
        return ()

    all_agents = []
    for i in range(agents):
        holdings = tuple(Holding(t.id, Location("a.py", i), maybe_condition()) for t in rng.sample(all_tools, 4))
        hands = tuple(Handoff(f"a{j}", "handoff", Location("a.py", i), maybe_condition()) for j in rng.sample(range(agents), 3) if j != i)
        all_agents.append(Agent(f"a{i}", f"a{i}", "test", Location("a.py", i), holdings, hands, maybe_condition()))
    return graph.build(SystemModel("/repo", tuple(all_agents), tuple(all_tools)), StateLabels())


def fewest_steps_by_unrolling(cone, rule, sink: PathStep, max_steps: int) -> int | None:
    """The fewest steps of a path ending in `sink`, by the bounded unrolling alone (None: none)."""
    only = prune(cone.actions, rule, max_steps, sinks={sink})
    if only is None:
        return None
    unrolling = Unrolling(only, rule.requires, 10_000)
    for depth in range(only.shortest, max_steps + 1):
        unrolling.deepen_to(depth)
        outcome = unrolling.find()
        assert outcome.status != "unknown"
        if outcome.status == "sat":
            return depth
    return None


@pytest.mark.parametrize("seed", [0, 1, 3, 4, 6, 7, 9, 10])
def test_the_fixpoint_decides_every_sink_as_the_unrolling_does(seed):
    g = random_conditional_system(seed)
    max_steps = 5
    checked = 0
    for rule in (EXFILTRATION, EXECUTION):
        cone = prune(graph.actions(g), rule, max_steps)
        if cone is None:
            continue
        fixpoint = Reachability(cone.actions, rule.requires, max_steps - 1, timeout_ms=60_000)
        assert fixpoint.complete
        for sink in sorted({goal.step for goal in cone.goals}):
            ways = [way for goal in cone.goals if goal.step == sink for way in fixpoint.ways_to(goal)]
            fewest = min((len(way.route) + 1 for way in ways), default=None)
            assert fewest == fewest_steps_by_unrolling(cone, rule, sink, max_steps), (rule.id, sink)
            checked += 1
    assert checked

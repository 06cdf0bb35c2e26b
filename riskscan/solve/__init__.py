"""The solve stage: the dangerous paths of a capability graph, per path rule, with their conditions.

For each rule, a breadth-first search over agents and states (conditions ignored) prunes the graph
to the rule's cone of influence and answers "no path" without Z3 when even that finds none. Then:

1. Candidates: for each sink, the shortest routes from the sources, combined shortest first
   (candidates.py); Z3 says whether each one's configuration exists. Up to `max_paths_per_sink`
   distinct minimal paths per sink.
2. The sinks no candidate reached: a fixpoint over the graph of the configurations under which
   each agent can hold the required states within the step bound (reachability.py) proves a sink
   impossible, or gives its shortest path (whose configuration Z3 checks).
3. What the fixpoint leaves undecided (past its allowance of entries or its size bound): the bounded unrolling
   (encoding.py) on those sinks' cone, deepening one step at a time.

Every path is shrunk to a minimal one (no step can be dropped, checked by re-simulation), and a
path whose steps include a found path's steps with the same sink is not reported (a superset
ending elsewhere can be a different minimal path: the same reads, then a handoff to another
agent's sink). A query Z3 cannot decide in time ends the rule with an "unknown" path and a note.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Sequence

from riskscan.graph import (
    Action,
    CapabilityGraph,
    actions,
    merge_conditions,
    reaches_goal,
)
from riskscan.solve.budget import allowance
from riskscan.solve.candidates import candidates
from riskscan.solve.cone import Cone, prune
from riskscan.solve.reachability import Reachability, Way
from riskscan.types import Path, PathStep, Rule

__all__ = ["SolveResult", "solve", "shrink"]

WAYS_TRIED = 16  # per sink: the fixpoint's ways (shortest routes first) shrunk into a path


@dataclass(frozen=True)
class SolveResult:
    paths: tuple[Path, ...]
    notes: tuple[str, ...] = ()  # human-readable: unknowns, bounds hit, rules skipped


def solve(
    graph: CapabilityGraph,
    rules: Sequence[Rule],
    max_steps: int = 6,
    max_paths: int = 100,
    timeout_ms: int = 2000,
    max_paths_per_sink: int = 3,
    assumed_tools: frozenset[str] = frozenset(),
) -> SolveResult:
    """Distinct minimal paths of every path rule, shortest first, at most `max_paths` per rule,
    `max_paths_per_sink` ending in the same sink step (so that every reachable sink is shown before
    a fourth way to reach one), and `max_steps` steps each; `timeout_ms` bounds each query. A path
    whose calls are all to `assumed_tools` (known only by an assumed worst case) neither hides the
    paths that include it nor counts against the sink's bound: the ranking does not report it."""
    all_actions = actions(graph)
    known_states = set(graph.state_labels.states)
    paths: list[Path] = []
    notes: list[str] = []
    for rule in rules:
        if rule.kind != "path":
            continue
        unknown_states = sorted(set(rule.requires) - known_states)
        if unknown_states:
            notes.append(f"{rule.id}: skipped, unknown state(s) {', '.join(unknown_states)}")
            continue
        rule_paths, rule_notes = _solve_rule(all_actions, rule, max_steps, max_paths, timeout_ms, max_paths_per_sink, assumed_tools)
        paths += rule_paths
        notes += rule_notes
    return SolveResult(tuple(paths), tuple(notes))


def _solve_rule(
    all_actions: Sequence[Action], rule: Rule, max_steps: int, max_paths: int, timeout_ms: int, max_paths_per_sink: int,
    assumed_tools: frozenset[str] = frozenset(),
) -> tuple[list[Path], list[str]]:
    cone = prune(all_actions, rule, max_steps)
    if cone is None:
        # nothing within the bound; say so when the graph reaches a sink by a longer route
        beyond = prune(all_actions, rule, len(all_actions) + 1)
        note = f"{rule.id}: no path within {max_steps} steps (max_steps), a longer one may exist; raise --max-steps to look"
        return [], [note] if beyond is not None else []
    from riskscan.solve.encoding import Configurations  # imports z3

    found = _Found(rule, max_paths, max_paths_per_sink, assumed_tools)
    configurations = Configurations(timeout_ms)
    # 1. Candidates from breadth-first routes; Z3 only says whether each one's configuration exists.
    for sequence in candidates(cone.actions, cone.goals, rule, max_steps):
        if found.full():
            return found.sorted(), [f"{rule.id}: stopped at {max_paths} paths (max_paths)"]
        if found.saturated(sequence[-1].step) or not reaches_goal(sequence, rule):
            continue
        minimal = shrink(sequence, rule)
        if found.extends_a_found_path(minimal):
            continue
        answer, path = _configured(configurations, rule, minimal)
        if answer is None:
            return found.sorted() + [Path(rule.id, (), status="unknown")], [_unknown_configuration(rule, timeout_ms)]
        if answer:
            found.add(path)
    # 2. The sinks no candidate reached: their short routes need contradicting configurations,
    # or a longer route is needed. The fixpoint of configurations proves each one impossible
    # within the step bound, or gives its shortest path.
    reached = found.sinks()
    remaining = [goal for goal in cone.goals if goal.step not in reached]
    if not remaining:
        return found.sorted(), []
    reachability = Reachability(cone.actions, rule.requires, max_steps - 1, timeout_ms)
    proved, witnesses, undecided = _by_fixpoint(reachability, remaining, rule, max_steps)
    for minimal in witnesses:
        if found.full():
            return found.sorted(), [f"{rule.id}: stopped at {max_paths} paths (max_paths)"]
        answer, path = _configured(configurations, rule, minimal)
        if answer is None:
            return found.sorted() + [Path(rule.id, (), status="unknown")], [_unknown_configuration(rule, timeout_ms)]
        if answer:
            found.add(path)
        else:  # the fixpoint and Z3 disagree on a configuration: let the unrolling decide
            undecided.add(minimal[-1].step)
    # 3. What the fixpoint left undecided (its allowance or size bound): the unrolling, on those
    # sinks' cone alone.
    if undecided:
        rest = prune(cone.actions, rule, max_steps, sinks=undecided)
        outcome = _by_unrolling(rest, rule, found, max_steps, timeout_ms) if rest is not None else None
        if outcome is not None:
            return found.sorted() + outcome[0], outcome[1]
        proved |= undecided - found.sinks()
    return found.sorted(), _impossible(rule, cone, proved, max_steps)


def _configured(configurations, rule: Rule, minimal: Sequence[Action]) -> tuple[bool | None, Path]:
    """The path of `minimal` with the configuration its actions need, and whether Z3 says that
    configuration exists (None: it could not tell in time)."""
    conditions = merge_conditions(*(action.condition for action in minimal))
    return configurations.satisfiable(conditions), Path(rule.id, tuple(action.step for action in minimal), conditions)


def _unknown_configuration(rule: Rule, timeout_ms: int) -> str:
    return f"{rule.id}: solver returned unknown within its allowance ({allowance(timeout_ms)}) on a path's configuration"


def _by_fixpoint(
    reachability: Reachability, goals: Sequence[Action], rule: Rule, max_steps: int
) -> tuple[set[PathStep], list[tuple[Action, ...]], set[PathStep]]:
    """For each sink: proved impossible within `max_steps` (no way to it in any configuration),
    or its shortest path from the fixpoint's routes, or undecided. Paths come shortest first."""
    ways_by_sink: dict[PathStep, list[tuple[Action, Way]]] = {}
    for goal in goals:
        ways_by_sink.setdefault(goal.step, []).extend((goal, way) for way in reachability.ways_to(goal))
    proved, undecided, witnesses = set(), set(), []
    for sink, ways in ways_by_sink.items():
        if not ways and reachability.complete:
            proved.add(sink)
            continue
        best = None
        for goal, way in sorted(ways, key=lambda pair: len(pair[1].route))[:WAYS_TRIED]:
            sequence = (*way.route, goal)
            if reaches_goal(sequence, rule):
                minimal = shrink(sequence, rule)
                if len(minimal) <= max_steps and (best is None or len(minimal) < len(best)):
                    best = minimal
        if best is None:
            undecided.add(sink)
        else:
            witnesses.append(best)
    return proved, sorted(witnesses, key=len), undecided


def _by_unrolling(cone: Cone, rule: Rule, found: _Found, max_steps: int, timeout_ms: int) -> tuple[list[Path], list[str]] | None:
    """One path for each sink of `cone` (the ones the fixpoint left undecided), deepening step by
    step, added to `found`. None when done; else what `_solve_rule` returns beyond `found`."""
    from riskscan.solve.encoding import Unrolling  # imports z3

    unrolling = Unrolling(cone, rule.requires, timeout_ms)
    for depth in range(cone.shortest, max_steps + 1):
        unrolling.deepen_to(depth)
        while not found.full():
            # one path for each of these harder sinks: whether it is reachable is what matters
            outcome = unrolling.find(frozenset(found.sinks()))
            if outcome.status == "unsat":
                break
            if outcome.status == "unknown":
                note = f"{rule.id}: solver returned unknown within its allowance ({allowance(timeout_ms)}) at depth {depth} ({outcome.reason})"
                return [Path(rule.id, (), status="unknown")], [note]
            minimal = shrink(outcome.sequence, rule)
            unrolling.block(frozenset(action.step for action in minimal), minimal[-1].step)
            # The witness itself, in case an earlier step of it already completed the rule.
            unrolling.block(frozenset(action.step for action in outcome.sequence), outcome.sequence[-1].step)
            path = _path_if_configurable(unrolling, rule, minimal)
            if path is not None:
                found.add(path)
        if found.full():
            return [], [f"{rule.id}: stopped at {found.max_paths} paths (max_paths)"]
    return None


class _Found:
    """The paths found for one rule so far, with the bounds on how many."""

    def __init__(self, rule: Rule, max_paths: int, max_paths_per_sink: int, assumed_tools: frozenset[str] = frozenset()):
        self.rule, self.max_paths, self.max_paths_per_sink = rule, max_paths, max_paths_per_sink
        self.assumed_tools = assumed_tools
        self.paths: list[Path] = []
        self._per_sink: Counter[PathStep] = Counter()
        self._step_sets: dict[PathStep, list[frozenset[PathStep]]] = {}

    def full(self) -> bool:
        return len(self.paths) >= self.max_paths

    def saturated(self, sink: PathStep) -> bool:
        return self._per_sink[sink] >= self.max_paths_per_sink

    def spent(self) -> set[PathStep]:
        return {sink for sink, count in self._per_sink.items() if count >= self.max_paths_per_sink}

    def sinks(self) -> set[PathStep]:
        return set(self._per_sink)

    def extends_a_found_path(self, sequence: Sequence[Action]) -> bool:
        steps = frozenset(action.step for action in sequence)
        return any(found <= steps for found in self._step_sets.get(sequence[-1].step, ()))

    def add(self, path: Path) -> None:
        if path in self.paths:  # an assumed-only path, found again by a later stage
            return
        self.paths.append(path)
        if all(step.tool in self.assumed_tools for step in path.steps if step.kind == "call"):
            return
        self._per_sink[path.steps[-1]] += 1
        self._step_sets.setdefault(path.steps[-1], []).append(frozenset(path.steps))

    def sorted(self) -> list[Path]:
        """Shortest first; among equals, in the order they were found (deterministic)."""
        return sorted(self.paths, key=lambda path: len(path.steps))


def _impossible(rule: Rule, cone: Cone, sinks: set[PathStep], max_steps: int) -> list[str]:
    """Sinks reachable when every condition is taken as true, but by no path in any one
    configuration: the fixpoint found no way to them, or the enumeration was complete, so the
    solver has proved them impossible."""
    return [
        f"{rule.id}: {goal.step.agent} calling {goal.step.tool} is impossible within {max_steps} steps: "
        "every way to it needs configurations that contradict each other"
        for goal in sorted({g.step: g for g in cone.goals}.values(), key=lambda g: g.sort_key())
        if goal.step in sinks
    ]


def shrink(sequence: Sequence[Action], rule: Rule) -> tuple[Action, ...]:
    """A minimal sub-sequence that still completes the rule: drop steps, first to last, while the
    rule stays completed, until no single step can be dropped. Ends at the goal step."""
    current = list(sequence)
    dropped = True
    while dropped:
        dropped = False
        for index in range(len(current)):
            candidate = current[:index] + current[index + 1 :]
            if reaches_goal(candidate, rule):
                current = candidate
                dropped = True
                break
    return tuple(current)


def _path_if_configurable(unrolling, rule: Rule, minimal: Sequence[Action]) -> Path | None:
    """The path with the configuration its actions need, or None if that configuration is
    contradictory (cannot happen for a witness's sub-sequence, checked because it is cheap)."""
    conditions = merge_conditions(*(action.condition for action in minimal))
    if unrolling.satisfiable(conditions) is False:
        return None
    return Path(rule.id, tuple(action.step for action in minimal), conditions)

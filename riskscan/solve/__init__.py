"""The solve stage: the dangerous paths of a capability graph, per path rule, with their conditions.

For each rule, a breadth-first search over agents and states (conditions ignored) prunes the graph
to the rule's cone of influence and answers "no path" without Z3 when even that finds none. Then
Z3 searches the unrolled steps, deepening one step at a time, so paths come shortest first. Each
path found is shrunk to a minimal one (no step can be dropped, checked by re-simulation) and its
set of steps is blocked with every superset that ends in the same sink, so no later path is a
permutation or an extension of it (a superset ending elsewhere can be a different minimal path:
the same reads, then a handoff to another agent's sink). A query Z3 cannot decide in time ends the rule with an "unknown" path and a note.
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
from riskscan.solve.cone import prune
from riskscan.types import Path, PathStep, Rule

__all__ = ["SolveResult", "solve", "shrink"]


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
) -> SolveResult:
    """Distinct minimal paths of every path rule, shortest first, at most `max_paths` per rule,
    `max_paths_per_sink` ending in the same sink step (so that every reachable sink is shown before
    a fourth way to reach one), and `max_steps` steps each; `timeout_ms` bounds each query."""
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
        rule_paths, rule_notes = _solve_rule(all_actions, rule, max_steps, max_paths, timeout_ms, max_paths_per_sink)
        paths += rule_paths
        notes += rule_notes
    return SolveResult(tuple(paths), tuple(notes))


def _solve_rule(
    all_actions: Sequence[Action], rule: Rule, max_steps: int, max_paths: int, timeout_ms: int, max_paths_per_sink: int
) -> tuple[list[Path], list[str]]:
    cone = prune(all_actions, rule, max_steps)
    if cone is None:
        return [], []
    from riskscan.solve.encoding import Unrolling  # imports z3

    unrolling = Unrolling(cone, rule.requires, timeout_ms)
    paths: list[Path] = []
    per_sink: Counter[PathStep] = Counter()
    for depth in range(cone.shortest, max_steps + 1):
        unrolling.deepen_to(depth)
        while len(paths) < max_paths:
            spent = frozenset(sink for sink, count in per_sink.items() if count >= max_paths_per_sink)
            outcome = unrolling.find(spent)
            if outcome.status == "unsat":
                break
            if outcome.status == "unknown":
                note = f"{rule.id}: solver returned unknown after {timeout_ms} ms at depth {depth} ({outcome.reason})"
                return paths + [Path(rule.id, (), status="unknown")], [note]
            minimal = shrink(outcome.sequence, rule)
            unrolling.block(frozenset(action.step for action in minimal), minimal[-1].step)
            # The witness itself, in case an earlier step of it already completed the rule.
            unrolling.block(frozenset(action.step for action in outcome.sequence), outcome.sequence[-1].step)
            path = _path_if_configurable(unrolling, rule, minimal)
            if path is not None:
                paths.append(path)
                per_sink[path.steps[-1]] += 1
        if len(paths) >= max_paths:
            return paths, [f"{rule.id}: stopped at {max_paths} paths (max_paths)"]
    return paths, _impossible(rule, cone, paths, max_steps)


def _impossible(rule: Rule, cone, paths: list[Path], max_steps: int) -> list[str]:
    """Sinks reachable when every condition is taken as true, but by no path in any one
    configuration: the enumeration was complete, so the solver has proved them impossible."""
    reached = {path.steps[-1] for path in paths}
    return [
        f"{rule.id}: {goal.step.agent} calling {goal.step.tool} is impossible within {max_steps} steps: "
        "every way to it needs configurations that contradict each other"
        for goal in sorted({g.step: g for g in cone.goals}.values(), key=lambda g: g.sort_key())
        if goal.step not in reached
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

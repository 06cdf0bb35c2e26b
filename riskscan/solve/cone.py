"""The cone of influence of one rule: the actions that can be part of a path within the step bound.

Conditions are ignored here (every action is assumed possible), so this over-approximates: when it
finds no path, there is none, and the solver is never asked. The state only grows, so the fewest
steps an agent needs to hold a state is a breadth-first search over agents and flows.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Collection, Iterable, Sequence

from riskscan.graph import Action, is_goal
from riskscan.types import PathStep, Rule

UNREACHABLE = 10**9


@dataclass(frozen=True)
class Cone:
    actions: tuple[Action, ...]  # sorted as the graph gives them
    goals: tuple[Action, ...]  # the sinks of the rule within reach
    shortest: int  # no path of the rule has fewer steps


def prune(actions: Sequence[Action], rule: Rule, max_steps: int, sinks: Collection[PathStep] | None = None) -> Cone | None:
    """The actions that can take part in a path of `rule` of at most `max_steps` steps, or None
    when no such path exists even with every condition true. With `sinks`, only paths that end
    in one of those steps count."""
    flows = [action for action in actions if action.is_flow]
    to_hold = {state: _steps_to_hold(state, actions, flows) for state in rule.requires}
    sink_actions = [a for a in actions if is_goal(a, rule) and (sinks is None or a.step in sinks)]
    to_sink = _flows_to_sink(sink_actions, flows)

    def steps_before_goal(agent: str) -> int:
        return max((to_hold[state].get(agent, UNREACHABLE) for state in rule.requires), default=0)

    goals = [a for a in sink_actions if steps_before_goal(a.step.agent) + 1 <= max_steps]
    if not goals:
        return None
    goal_set = set(goals)

    def useful(action: Action) -> bool:
        if action in goal_set:
            return True
        if action.is_flow:
            carried = [to_hold[state].get(action.step.agent, UNREACHABLE) for state in rule.requires]
            first = min(carried, default=UNREACHABLE)
            return first + 1 + to_sink.get(action.step.target, UNREACHABLE) + 1 <= max_steps
        gives_required = set(action.gives) & set(rule.requires)
        return bool(gives_required) and 1 + to_sink.get(action.step.agent, UNREACHABLE) + 1 <= max_steps

    return Cone(
        actions=tuple(a for a in actions if useful(a)),
        goals=tuple(goals),
        shortest=min(steps_before_goal(goal.step.agent) + 1 for goal in goals),
    )


def _steps_to_hold(state: str, actions: Iterable[Action], flows: Sequence[Action]) -> dict[str, int]:
    """For each agent, the fewest steps after which it can hold `state`."""
    sources = {a.step.agent for a in actions if not a.is_flow and state in a.gives}
    return _breadth_first(sources, start=1, edges=[(f.step.agent, f.step.target) for f in flows])


def _flows_to_sink(goals: Sequence[Action], flows: Sequence[Action]) -> dict[str, int]:
    """For each agent, the fewest flows that bring its context to an agent holding a sink."""
    sink_agents = {goal.step.agent for goal in goals}
    return _breadth_first(sink_agents, start=0, edges=[(f.step.target, f.step.agent) for f in flows])


def _breadth_first(starts: set[str], start: int, edges: Iterable[tuple[str, str]]) -> dict[str, int]:
    successors: dict[str, list[str]] = {}
    for source, target in edges:
        successors.setdefault(source, []).append(target)
    distance = {agent: start for agent in starts}
    queue = deque(sorted(starts))
    while queue:
        agent = queue.popleft()
        for successor in successors.get(agent, ()):
            if successor not in distance:
                distance[successor] = distance[agent] + 1
                queue.append(successor)
    return distance

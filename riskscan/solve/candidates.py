"""Candidate paths by breadth-first search, for the solver to check only their configuration.

The state only grows, so a minimal path to a sink call of agent A is: for each state the rule
requires, one call that gives it followed by the flows that carry it to A, then the sink call.
For every sink this builds the shortest such route from each source (one route per source), and
combines one route per required state, shortest combinations first. Conditions are ignored here;
the solver checks each candidate's configuration, and the full unrolling remains for the sinks
no candidate reaches.
"""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from typing import Iterator, Sequence

from riskscan.graph import Action
from riskscan.types import Rule

ROUTES_PER_STATE = 8  # the shortest routes kept per state and sink agent


def candidates(actions: Sequence[Action], goals: Sequence[Action], rule: Rule, max_steps: int) -> Iterator[tuple[Action, ...]]:
    """Action sequences ending in a goal, shortest first (ties in the actions' order)."""
    # The actions come sorted (by `Action.sort_key`); their positions order them the same way,
    # without building a key per comparison.
    rank = {id(action): position for position, action in enumerate(sorted(actions, key=Action.sort_key))}

    def order(sequence: Sequence[Action]) -> list[int]:
        return [rank[id(action)] for action in sequence]

    into: dict[str, list[Action]] = {}
    for flow in sorted((action for action in actions if action.is_flow), key=lambda a: rank[id(a)]):
        into.setdefault(flow.step.target, []).append(flow)
    sources = {
        state: sorted((a for a in actions if not a.is_flow and state in a.gives), key=lambda a: rank[id(a)])
        for state in rule.requires
    }
    routes_to: dict[str, dict[str, list[tuple[Action, ...]]]] = {}
    heap: list = []
    for goal_order, goal in enumerate(sorted(goals, key=Action.sort_key)):
        agent = goal.step.agent
        if agent not in routes_to:
            routes_to[agent] = _routes(agent, sources, into, max_steps, order)
        per_state = [routes_to[agent].get(state, []) for state in rule.requires]
        for combination in itertools.product(*per_state):
            sequence = _joined(combination, goal)
            if len(sequence) <= max_steps:
                heapq.heappush(heap, (len(sequence), goal_order, order(sequence), sequence))
    while heap:
        yield heapq.heappop(heap)[3]


def _routes(agent: str, sources: dict[str, list[Action]], into: dict[str, list[Action]], max_steps: int, order) -> dict[str, list[tuple[Action, ...]]]:
    """For each state: routes (a giving call, then flows) that bring it to `agent`, shortest first."""
    towards, distance = _next_hops(agent, into)
    found: dict[str, list[tuple[Action, ...]]] = {}
    for state, givers in sources.items():
        # Only the givers whose route can be among the ROUTES_PER_STATE shortest are walked.
        lengths = sorted(distance[g.step.agent] + 1 for g in givers if distance.get(g.step.agent, max_steps) < max_steps)
        if not lengths:
            found[state] = []
            continue
        longest = lengths[min(ROUTES_PER_STATE, len(lengths)) - 1]
        routes = []
        for giver in givers:
            if distance.get(giver.step.agent, max_steps) + 1 > longest:
                continue
            route = [giver]
            current = giver.step.agent
            while current != agent:
                hop = towards[current]
                route.append(hop)
                current = hop.step.target
            routes.append(tuple(route))
        routes.sort(key=lambda r: (len(r), order(r)))
        found[state] = routes[:ROUTES_PER_STATE]
    return found


def _next_hops(agent: str, into: dict[str, list[Action]]) -> tuple[dict[str, Action], dict[str, int]]:
    """For each agent that can reach `agent`, the first flow of a shortest way there, and the
    number of flows of that way."""
    hop: dict[str, Action] = {}
    distance = {agent: 0}
    queue = deque([agent])
    while queue:
        current = queue.popleft()
        for flow in into.get(current, ()):
            source = flow.step.agent
            if source not in distance:
                distance[source] = distance[current] + 1
                hop[source] = flow
                queue.append(source)
    return hop, distance


def _joined(routes: Sequence[tuple[Action, ...]], goal: Action) -> tuple[Action, ...]:
    sequence: list[Action] = []
    for route in routes:
        sequence += [action for action in route if action not in sequence]
    return (*sequence, goal)

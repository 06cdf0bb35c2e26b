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
    flows = [action for action in actions if action.is_flow]
    sources = {
        state: sorted((a for a in actions if not a.is_flow and state in a.gives), key=Action.sort_key)
        for state in rule.requires
    }
    routes_to: dict[str, dict[str, list[tuple[Action, ...]]]] = {}
    heap: list = []
    for order, goal in enumerate(sorted(goals, key=Action.sort_key)):
        agent = goal.step.agent
        if agent not in routes_to:
            routes_to[agent] = _routes(agent, sources, flows, max_steps)
        per_state = [routes_to[agent].get(state, []) for state in rule.requires]
        for combination in itertools.product(*per_state):
            sequence = _joined(combination, goal)
            if len(sequence) <= max_steps:
                heapq.heappush(heap, (len(sequence), order, [a.sort_key() for a in sequence], sequence))
    while heap:
        yield heapq.heappop(heap)[3]


def _routes(agent: str, sources: dict[str, list[Action]], flows: Sequence[Action], max_steps: int) -> dict[str, list[tuple[Action, ...]]]:
    """For each state: routes (a giving call, then flows) that bring it to `agent`, shortest first."""
    towards = _next_hops(agent, flows)
    found: dict[str, list[tuple[Action, ...]]] = {}
    for state, givers in sources.items():
        routes = []
        for giver in givers:
            route = [giver]
            current = giver.step.agent
            while current != agent and current in towards and len(route) < max_steps:
                hop = towards[current]
                route.append(hop)
                current = hop.step.target
            if current == agent:
                routes.append(tuple(route))
        routes.sort(key=lambda r: (len(r), [a.sort_key() for a in r]))
        found[state] = routes[:ROUTES_PER_STATE]
    return found


def _next_hops(agent: str, flows: Sequence[Action]) -> dict[str, Action]:
    """For each agent that can reach `agent`, the first flow of a shortest way there."""
    into: dict[str, list[Action]] = {}
    for flow in sorted(flows, key=Action.sort_key):
        into.setdefault(flow.step.target, []).append(flow)
    hop: dict[str, Action] = {}
    seen = {agent}
    queue = deque([agent])
    while queue:
        current = queue.popleft()
        for flow in into.get(current, ()):
            source = flow.step.agent
            if source not in seen:
                seen.add(source)
                hop[source] = flow
                queue.append(source)
    return hop


def _joined(routes: Sequence[tuple[Action, ...]], goal: Action) -> tuple[Action, ...]:
    sequence: list[Action] = []
    for route in routes:
        sequence += [action for action in route if action not in sequence]
    return (*sequence, goal)

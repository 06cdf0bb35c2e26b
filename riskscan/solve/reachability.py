"""Reachability under conditions and a step bound: for each agent and set of required states,
the configurations under which the agent can come to hold those states, and in how few steps.

In one configuration the actions that exist are fixed and the state only grows. A shortest path
to a sink call of agent a is a tree of routes towards a: for each required state a route (the call
that gives it, then the flows that carry it) and where two routes meet, at an agent m, one route
onward from m carries both (once two routes share a step, the shorter rest of either carries
everything, so a shortest path never splits again). So the fewest steps for a set of states S at
agent a, in configurations where a cube of atoms holds, is the least fixpoint of

    calls c of a that give every state of S:   (cond(c), 1)
    flows f from b to a, (cube, n) for S at b:  (cube AND cond(f), n + 1)
    S = S1 + S2, (c1, n1) for S1 and (c2, n2) for S2 at a:  (c1 AND c2, n1 + n2)

kept per (agent, S) as the cubes that can hold (`consistent`) and that no kept cube both weaker
and as short dominates, each with the route that gave it (walking the routes one after the other
is a path of that many steps: nothing is ever lost). Routes longer than `max_length` are dropped.
A sink call g of agent a is possible within k steps iff some (cube, n) for every required state
at a has n < k and cube AND cond(g) consistent; when none has, no path of k steps or fewer
reaches g in any configuration: a proof, with no unrolling.

Every way it gives is a real route. Its proofs hold only when `complete`: the fixpoint stops early
when it has taken its allowance of entries (`timeout_ms` x FIXPOINT_ENTRIES_PER_MS: a count, so the
same on a loaded machine; the wall clock only as a backstop), or when a node would keep more than
MAX_CUBES cubes; either way it then proves
nothing (the unrolling decides), and every route it gave is still real.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Iterable, Sequence

from riskscan.graph import Action
from riskscan.solve.budget import FIXPOINT_ENTRIES_PER_MS, WALL_BACKSTOP
from riskscan.types import Atom

MAX_CUBES = 64  # per agent and set of states; past it, the fixpoint stops and proves nothing
FALSY = ("", "0", "false")  # what an unset or switched-off variable reads as

Route = tuple[Action, ...]
Entry = tuple[int, Route]  # (steps, route)


@dataclass(frozen=True)
class Way:
    """One way to hold every required state at a sink's agent: the cube of atoms it needs (with
    the sink's own condition), and its route."""

    cube: int
    route: Route


class Reachability:
    def __init__(self, actions: Sequence[Action], requires: Sequence[str], max_length: int, timeout_ms: int):
        """Run the fixpoint over `actions` for routes of at most `max_length` steps, until done or
        until it has taken `timeout_ms` x FIXPOINT_ENTRIES_PER_MS entries."""
        self.requires = tuple(requires)
        self._exact = True  # no cube dropped
        self._max_length = max_length
        self._atoms: dict[Atom, int] = {}  # atom -> its bit in a cube
        self._consistent: dict[int, bool] = {0: True}
        self._everything = (1 << len(self.requires)) - 1  # sets of states as bit masks
        self._nodes: dict[tuple[str, int], dict[int, Entry]] = {}
        self._buckets: list[list] = [[] for _ in range(max_length + 1)]  # by steps: shortest first
        self._flows_from: dict[str, list[tuple[Action, int]]] = {}
        for action in actions:
            if action.is_flow:
                self._flows_from.setdefault(action.step.agent, []).append((action, self.cube(action.condition)))
        for action in actions:
            states = self._states(action.gives)
            if not action.is_flow and states:
                for subset in range(1, self._everything + 1):
                    if subset & states == subset:
                        self._add(action.step.agent, subset, self.cube(action.condition), (1, (action,)))
        self.entries_taken = 0
        allowance = max(0, timeout_ms) * FIXPOINT_ENTRIES_PER_MS
        self.complete = self._run(allowance, time.monotonic() + WALL_BACKSTOP * timeout_ms / 1000) and self._exact

    def cube(self, atoms: Iterable[Atom]) -> int:
        bits = 0
        for atom in atoms:
            bits |= 1 << self._atoms.setdefault(atom, len(self._atoms))
        return bits

    def ways_to(self, goal: Action) -> list[Way]:
        """The ways `goal`'s agent can hold every required state while `goal` exists, fewest steps
        first. Empty, when `complete`, means no path of `max_length` + 1 steps or fewer ends in `goal`."""
        own = self.cube(goal.condition)
        if not self.consistent(own):
            return []
        if not self.requires:
            return [Way(own, ())]
        node = self._nodes.get((goal.step.agent, self._everything), {})
        ways = [Way(own | bits, route) for bits, (_, route) in node.items() if self.consistent(own | bits)]
        return sorted(ways, key=lambda way: (len(way.route), way.cube))

    def consistent(self, bits: int) -> bool:
        """Whether the atoms of a cube can hold together. Each variable is one string, so the
        values worth trying are the ones the atoms name, the falsy ones, and one truthy string
        named by no atom (every other string reads the same to every atom)."""
        if bits not in self._consistent:
            by_variable: dict[str, list[Atom]] = {}
            for atom, bit in self._atoms.items():
                if bits >> bit & 1:
                    by_variable.setdefault(atom.variable, []).append(atom)
            self._consistent[bits] = all(_one_value_passes(atoms) for atoms in by_variable.values())
        return self._consistent[bits]

    # --- the fixpoint ---------------------------------------------------------------------------

    def _states(self, gives: Iterable[str]) -> int:
        return sum(1 << index for index, state in enumerate(self.requires) if state in gives)

    def _run(self, allowance: int, deadline: float) -> bool:
        """Every entry, fewest steps first (each rule below only adds longer ones). False when the
        allowance was taken, the backstop passed, or a cube was dropped (then nothing can be proved: stop)."""
        for bucket in self._buckets:
            while bucket:
                if not self._exact or self.entries_taken >= allowance or time.monotonic() > deadline:
                    return False
                self.entries_taken += 1
                agent, subset, bits, entry = bucket.pop()
                if self._nodes[(agent, subset)].get(bits) is not entry:
                    continue  # dominated since it was added
                steps, route = entry
                for flow, condition in self._flows_from.get(agent, ()):
                    self._add(flow.step.target, subset, bits | condition, (steps + 1, (*route, flow)))
                for other in range(1, self._everything + 1):
                    if other & subset or (agent, other) not in self._nodes:
                        continue
                    for other_bits, (other_steps, other_route) in list(self._nodes[(agent, other)].items()):
                        self._add(agent, subset | other, bits | other_bits, (steps + other_steps, route + other_route))
        return True

    def _add(self, agent: str, subset: int, bits: int, entry: Entry) -> None:
        steps = entry[0]
        if steps > self._max_length or not self.consistent(bits):
            return
        node = self._nodes.setdefault((agent, subset), {})
        for kept, (kept_steps, _) in node.items():
            if kept & bits == kept and kept_steps <= steps:
                return  # a kept cube as weak, as short: nothing new
        for kept in [kept for kept, (kept_steps, _) in node.items() if kept & bits == bits and kept_steps >= steps]:
            del node[kept]
        if len(node) >= MAX_CUBES:
            self._exact = False  # the routes kept are real, but nothing can be proved now
            return
        node[bits] = entry
        self._buckets[steps].append((agent, subset, bits, entry))


def _one_value_passes(atoms: Sequence[Atom]) -> bool:
    named = {atom.value for atom in atoms if atom.value is not None}
    fresh = "".join(sorted(named | set(FALSY))) + "~"  # longer than any named value: named by none
    return any(all(_holds(atom, value) for atom in atoms) for value in (*named, *FALSY, fresh))


def _holds(atom: Atom, value: str) -> bool:
    test = value not in FALSY if atom.value is None else value == atom.value
    return test != atom.negated

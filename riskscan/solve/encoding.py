"""The bounded unrolling of one rule's cone as Z3 constraints.

Variables: `chose[i][j]` — step i is action j (exactly one per step); `holds[i][(agent, state)]` —
after i steps the agent holds the state (all false at step 0); one Z3 String per configuration
variable, fixed for the whole path. A chosen action implies its condition. Steps are added once
and kept; what depends on the depth (the goal at the last step, the blocked step sets) lives in a
push/pop scope per query.

Atoms: `var == "v"` for a value; `None` means set and truthy: non-empty and neither "0" nor
"false". An unset variable is the empty string. `negated` negates the test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from riskscan.graph import Action
from riskscan.solve import backend
from riskscan.solve.budget import bound
from riskscan.solve.cone import Cone
from riskscan.types import Atom, PathStep


@dataclass(frozen=True)
class Outcome:
    status: str  # sat | unsat | unknown
    sequence: tuple[Action, ...] = ()  # the witness, when sat
    reason: str = ""  # Z3's reason, when unknown


class Unrolling:
    def __init__(self, cone: Cone, requires: Sequence[str], timeout_ms: int):
        z3 = backend.z3()

        self._z3 = z3
        self._ctx = z3.Context()  # a fresh context: results do not depend on what was solved before
        self._cone = cone
        self._requires = tuple(requires)
        self._agents = sorted({a.step.agent for a in cone.actions} | {a.receiver for a in cone.actions})
        self._solver = bound(z3.Solver(ctx=self._ctx), timeout_ms)
        self._agent_number = {agent: number for number, agent in enumerate(self._agents)}
        self._configurations = Configurations(timeout_ms, self._ctx)
        self._chose: list[list] = []
        self._holds: list[dict[tuple[str, str], object]] = [
            {(agent, state): z3.BoolVal(False, self._ctx) for agent in self._agents for state in self._requires}
        ]
        self._conditions = [self.condition(action.condition) for action in cone.actions]
        self._index_by_step: dict[PathStep, list[int]] = {}
        for index, action in enumerate(cone.actions):
            self._index_by_step.setdefault(action.step, []).append(index)
        index_of = {action: index for index, action in enumerate(cone.actions)}
        self._goal_indices = [index_of[goal] for goal in cone.goals]
        self._used: dict[PathStep, object] = {}  # step -> "some step of the path is this one"
        self._ends_at: dict[PathStep, object] = {}  # sink -> "the last step is this one"
        self._chosen_index: list = []  # per step: the index of its chosen action, as an expression

    @property
    def depth(self) -> int:
        return len(self._chose)

    def deepen_to(self, depth: int) -> None:
        while self.depth < depth:
            self._add_step()

    def find(self, spent_goals: frozenset[PathStep] = frozenset()) -> Outcome:
        """A path whose last step is a goal at the current depth (other than the spent ones) and
        that extends no blocked path."""
        z3 = self._z3
        self._solver.push()
        try:
            self._solver.add(self._goal_at_last_step(spent_goals))
            last = self._chose[-1]
            for sink, ends in self._ends_at.items():
                indices = self._index_by_step.get(sink, [])  # a sink outside this cone cannot end a path
                self._solver.add(ends == z3.Or([last[index] for index in indices]) if indices else z3.Not(ends))
            result = self._solver.check()
            if result == z3.sat:
                return Outcome("sat", self._witness(self._solver.model()))
            if result == z3.unsat:
                return Outcome("unsat")
            return Outcome("unknown", reason=self._solver.reason_unknown())
        finally:
            self._solver.pop()

    def block(self, steps: frozenset[PathStep], sink: PathStep) -> None:
        """From now on, no path may use every one of `steps` and end in `sink`. The clause is
        permanent: it speaks of one "used" flag per step, not of the steps at each depth."""
        z3 = self._z3
        ends = self._ends_at.setdefault(sink, z3.Bool(f"ends_at!{len(self._ends_at)}", self._ctx))
        self._solver.add(z3.Or([z3.Not(self._used_flag(step)) for step in sorted(steps)] + [z3.Not(ends)]))

    def _used_flag(self, step: PathStep):
        if step not in self._used:
            flag = self._z3.Bool(f"used!{len(self._used)}", self._ctx)
            self._used[step] = flag
            for chose in self._chose:
                for index in self._index_by_step.get(step, []):
                    self._solver.add(self._z3.Implies(chose[index], flag))
        return self._used[step]

    def satisfiable(self, atoms: Sequence[Atom]) -> bool | None:
        return self._configurations.satisfiable(atoms)

    def condition(self, atoms: Sequence[Atom]):
        return self._configurations.condition(atoms)

    # --- building ------------------------------------------------------------------------------

    def _add_step(self) -> None:
        z3 = self._z3
        step = self.depth
        chose = [z3.Bool(f"step{step}!action{index}", self._ctx) for index in range(len(self._cone.actions))]
        zero = z3.IntVal(0, self._ctx)
        self._chosen_index.append(z3.Sum([z3.If(choice, z3.IntVal(index, self._ctx), zero) for index, choice in enumerate(chose)]))
        self._solver.add(z3.Or(chose), z3.AtMost(*chose, 1))
        for used_step, flag in self._used.items():
            for index in self._index_by_step.get(used_step, []):
                self._solver.add(z3.Implies(chose[index], flag))
        for choice, condition in zip(chose, self._conditions):
            if not z3.is_true(condition):
                self._solver.add(z3.Implies(choice, condition))
        self._chose.append(chose)
        self._holds.append(self._next_holds(chose, self._holds[step], step + 1))

    def _next_holds(self, chose: list, before: dict, step: int) -> dict:
        z3 = self._z3
        grows: dict[tuple[str, str], list] = {key: [] for key in before}
        for choice, action in zip(chose, self._cone.actions):
            for state in self._requires:
                if action.is_flow:
                    grows[(action.receiver, state)].append(z3.And(choice, before[(action.step.agent, state)]))
                elif state in action.gives:
                    grows[(action.receiver, state)].append(choice)
        after = {}
        for (agent, state), causes in grows.items():
            after[(agent, state)] = z3.Bool(f"step{step}!agent{self._agent_number[agent]}!{state}", self._ctx)
            self._solver.add(after[(agent, state)] == z3.Or(before[(agent, state)], *causes))
        return after

    def _goal_at_last_step(self, spent_goals: frozenset[PathStep]):
        z3 = self._z3
        last = self.depth - 1
        options = []
        for index in self._goal_indices:
            if self._cone.actions[index].step in spent_goals:
                continue
            agent = self._cone.actions[index].step.agent
            needs = [self._holds[last][(agent, state)] for state in self._requires]
            options.append(z3.And(self._chose[last][index], *needs))
        return z3.Or(options) if options else z3.BoolVal(False, self._ctx)

    def _witness(self, model) -> tuple[Action, ...]:
        """The chosen action of every step: one integer per step, evaluated by Z3."""
        return tuple(self._cone.actions[model.eval(chosen, model_completion=True).as_long()] for chosen in self._chosen_index)


class Configurations:
    """Configuration variables as Z3 strings, and whether a set of atoms can hold at once. Each
    answer is kept: the same conditions come back for many paths. Each query is a fresh solver,
    so the context can be shared (by default, the backend's)."""

    def __init__(self, timeout_ms: int, ctx=None):
        z3 = backend.z3()
        self._z3 = z3
        self._ctx = ctx if ctx is not None else backend.shared_context()
        self._timeout_ms = timeout_ms
        self._variables: dict[str, object] = {}
        self._answers: dict[tuple, bool | None] = {}

    def satisfiable(self, atoms: Sequence[Atom]) -> bool | None:
        """Whether the atoms can hold together (None when Z3 cannot tell in time)."""
        key = tuple(sorted(set(atoms), key=lambda a: (a.variable, a.value is not None, a.value or "", a.negated)))
        if not key:
            return True
        if key not in self._answers:
            z3 = self._z3
            solver = bound(z3.Solver(ctx=self._ctx), self._timeout_ms)
            solver.add(self.condition(key))
            result = solver.check()
            self._answers[key] = None if result == z3.unknown else result == z3.sat
        return self._answers[key]

    def condition(self, atoms: Sequence[Atom]):
        tests = [self._atom(atom) for atom in atoms]
        return self._z3.And(tests) if tests else self._z3.BoolVal(True, self._ctx)

    def _atom(self, atom: Atom):
        z3 = self._z3
        variable = self._variables.setdefault(atom.variable, z3.String(atom.variable, self._ctx))
        if atom.value is None:
            falsy = [z3.StringVal(text, self._ctx) for text in ("", "0", "false")]
            test = z3.And([variable != text for text in falsy])
        else:
            test = variable == z3.StringVal(atom.value, self._ctx)
        return z3.Not(test) if atom.negated else test

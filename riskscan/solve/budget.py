"""What the solver may spend, deterministically, so that a verdict never flips between
"bypassed" and "unknown" with the machine's load: each query by Z3's resource limit (`rlimit`, a
count of solver steps: in z3 5.4 the count is the context's, cumulative, and `solver.set("rlimit",
n)` allows n more for each `check()`; each argument gets a fresh context), `timeout_ms` x
RLIMIT_PER_MS; the wall clock only as a backstop, at WALL_BACKSTOP x `timeout_ms`. The whole
argument analysis has a budget of ARGUMENT_BUDGET queries' worth of steps (a query that ends
undecided is charged its whole allowance). The path-solving queries (the unrolling, configurations,
the fix-set optimisation) are bounded the same way, one query at a time, by `bound`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from riskscan.types import GuardedArgument

# Calibrated with bench/solver_budget.py --calibrate on tests/solve/test_solve_arguments.py's queries
# (z3-solver 5.4.1, `rlimit count`): 10-1100 steps per ms of solving, median 80 on a loaded 2-core
# machine and 180 on an idle one. At 50 steps per ms of --timeout-ms, a query that counts steps
# at the median rate ends by its step limit before its time limit. Queries over big regex
# intersections count far fewer (2-5 per ms): MAX_CHECKS and the wall-clock backstop end those.
RLIMIT_PER_MS = 50
WALL_BACKSTOP = 3  # x timeout_ms: the wall clock ends a query only well after its step count would
# Queries' worth of steps for all the arguments of a scan: 2 million at the default 5000 ms, where
# a typical query counts 1-50 thousand. Its wall-clock backstop is the time that many queries
# take when each is ended by its own backstop (2 minutes by default), so it is never the tighter
# bound for queries that count at least a third as many steps per ms as calibrated.
ARGUMENT_BUDGET = 8
# The path-solving queries (bench/solver_budget.py --calibrate, 40 random conditional systems):
# 7-1643 steps per ms, median 554 on an idle 2-core machine; 100 leaves room for a loaded one.
PATH_RLIMIT_PER_MS = 100
# The fix-set optimisation (z3.Optimize) counts far more steps per ms: 5,000-32,000 on the bundled
# example's rounds, median 17,000 (bench/solver_budget.py --calibrate); its largest round takes 1.5 million.
OPTIMIZE_RLIMIT_PER_MS = 5000
# Entries the reachability fixpoint (pure Python) may take per ms of --timeout-ms; calibrated by
# bench/solver_budget.py --calibrate, as RLIMIT_PER_MS is.
FIXPOINT_ENTRIES_PER_MS = 20
MAX_CHECKS = 64  # on one argument; more are not solved (each query intersects them all), but charged


def steps_for(timeout_ms: int, per_ms: int | None = None) -> int:
    """The steps one path query may count: `timeout_ms` x `per_ms` (PATH_RLIMIT_PER_MS unless given)."""
    return max(1, timeout_ms * (PATH_RLIMIT_PER_MS if per_ms is None else per_ms))


def allowance(timeout_ms: int, per_ms: int | None = None) -> str:
    """A query's allowance, as notes state it."""
    return f"{steps_for(timeout_ms, per_ms):,} solver steps, --timeout-ms {timeout_ms}"


def bound(solver, timeout_ms: int, per_ms: int | None = None):
    """`solver` (a Solver or an Optimize of the path solving) with each `check()` limited to
    `timeout_ms` x `per_ms` steps (PATH_RLIMIT_PER_MS unless given), and to WALL_BACKSTOP x
    `timeout_ms` of wall clock as a backstop."""
    solver.set("rlimit", steps_for(timeout_ms, per_ms))
    solver.set("timeout", max(1, WALL_BACKSTOP * timeout_ms))
    return solver


@dataclass
class Budget:
    """What the argument analysis may still spend, in Z3 steps (deterministic), and the arguments
    it left undecided. A query ended undecided is charged its whole allowance: the wall clock may
    have ended it, and charging what it really counted would make the rest depend on the load."""

    timeout_ms: int
    left: int = -1
    spent_on: list[GuardedArgument] = field(default_factory=list)  # judged after the budget ran out
    too_many: list[GuardedArgument] = field(default_factory=list)  # more than MAX_CHECKS checks
    deadline: float = 0.0

    def __post_init__(self):
        if self.left < 0:
            self.left = ARGUMENT_BUDGET * self.per_query
        self.deadline = time.monotonic() + ARGUMENT_BUDGET * WALL_BACKSTOP * self.timeout_ms / 1000

    @property
    def per_query(self) -> int:
        return max(1, self.timeout_ms * RLIMIT_PER_MS)

    def allowance(self) -> int:
        if time.monotonic() > self.deadline:  # the backstop: queries that count few steps
            self.left = 0
        return min(self.per_query, self.left)

    def charge(self, steps: int) -> None:
        self.left = max(0, self.left - steps)

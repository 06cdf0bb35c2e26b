"""The argument analysis on its worst case: one tool, 1,000 checks on its URL (tests/test_hostile_budget.py's
attack_project), against the same tool with 25 checks; and the calibration of RLIMIT_PER_MS.

    python bench/solver_budget.py [--timeout-ms 5000] [--repeat 1] [--calibrate]

Prints the wall time of each scan, the ratio worst/benign, and what the budget left undecided
(before the budget, the worst case ran past 300 s). --calibrate prints, for every argument query
of tests/solve/test_solve_arguments.py's cases, its time, its Z3 step count (`rlimit count`) and the
steps per ms: RLIMIT_PER_MS in riskscan/solve/budget.py is set from these; then the same for the
path-solving queries (the unrolling, configurations and the fix-set optimisation) of the random
conditional systems of tests/solve/test_solve_reachability.py and the bundled example's fix-set rounds, and the reachability fixpoint's entries
per ms (FIXPOINT_ENTRIES_PER_MS). Not a test.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # this checkout, not an installed riskscan

from test_hostile_budget import ATTACK_CHECKS, CHECKS_PER_CALL, attack_project  # noqa: E402

from riskscan.scan import scan  # noqa: E402
from riskscan.types import Config  # noqa: E402


def timed_scan(checks: int, timeout_ms: int, repeat: int):
    best, report = float("inf"), None
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as folder:
            attack_project(Path(folder), checks)
            started = time.perf_counter()
            report = scan(folder, Config(timeout_ms=timeout_ms, cache=False, workers=1))
            best = min(best, time.perf_counter() - started)
    return best, report


def calibrate() -> None:
    from test_solve_arguments import CASES

    from riskscan.solve import arguments, backend, budget

    z3 = backend.z3()
    rates = []
    original = z3.Solver

    class Counted(original):
        def check(self, *assumptions):
            started = time.perf_counter()
            result = original.check(self, *assumptions)
            elapsed = (time.perf_counter() - started) * 1000
            rows.append((elapsed, arguments._step_count(self), str(result)))
            return result

    z3.Solver = Counted
    try:
        print(f"{'case':45} {'ms':>8} {'steps':>8} {'steps/ms':>9}")
        for name, argument, _ in CASES:
            rows, before = [], 0
            arguments.judge(argument, 5000)
            for elapsed, count, result in rows:  # the count is the context's, cumulative
                steps, before = count - before, count
                if elapsed >= 5:  # shorter ones are mostly Python's and Z3's fixed costs
                    rates.append(steps / elapsed)
                print(f"{name:45} {elapsed:8.1f} {steps:8} {steps / max(elapsed, 0.01):9.0f}  {result}")
    finally:
        z3.Solver = original
    print(f"median steps per ms over queries of 5 ms or more: {statistics.median(rates):.0f} "
          f"(range {min(rates):.0f}-{max(rates):.0f}); RLIMIT_PER_MS = {budget.RLIMIT_PER_MS}")


def calibrate_paths(seeds: int = 40) -> None:
    """Z3 steps per ms of the path-solving queries, and fixpoint entries per ms, on random systems."""
    from test_solve_reachability import random_conditional_system

    from riskscan import graph
    from riskscan.rulesets import load
    from riskscan.solve import arguments, backend, budget, reachability, solve
    from riskscan.solve.cone import prune

    z3 = backend.z3()
    counted_before: dict[int, int] = {}
    rates: dict[str, list[float]] = {"Solver": [], "Optimize": []}
    originals = {name: getattr(z3, name) for name in rates}

    def counting(name):
        original = originals[name]

        class Counted(original):
            def check(self, *assumptions):
                started = time.perf_counter()
                result = original.check(self, *assumptions)
                elapsed = (time.perf_counter() - started) * 1000
                context = id(self.ctx)
                count = arguments._step_count(self)
                steps, counted_before[context] = count - counted_before.get(context, 0), count
                if elapsed >= 1:
                    rates[name].append(steps / elapsed)
                return result
        return Counted

    entry_rates = []
    original_reachability = reachability.Reachability.__init__

    def timed_reachability(self, *args, **kwargs):
        started = time.perf_counter()
        original_reachability(self, *args, **kwargs)
        elapsed = (time.perf_counter() - started) * 1000
        if elapsed >= 1:
            entry_rates.append(self.entries_taken / elapsed)

    rules = [rule for rule in load().rules if rule.requires]
    for name in rates:
        setattr(z3, name, counting(name))
    reachability.Reachability.__init__ = timed_reachability
    try:
        for seed in range(seeds):
            capability_graph = random_conditional_system(seed, agents=10, tools=24)
            solve(capability_graph, rules, max_steps=6, timeout_ms=5000)
            for rule in rules:
                cone = prune(graph.actions(capability_graph), rule, 6)
                if cone is not None:  # the fixpoint on every cone, not only on what candidates leave
                    reachability.Reachability(cone.actions, rule.requires, 5, 5000)
        scan(str(ROOT / "examples" / "support-desk"), Config(cache=False, workers=1))  # the fix-set rounds
    finally:
        for name, original in originals.items():
            setattr(z3, name, original)
        reachability.Reachability.__init__ = original_reachability
    for name, found in rates.items():
        if found:
            print(f"path queries ({name}) of 1 ms or more: {len(found)}, median steps per ms "
                  f"{statistics.median(found):.0f} (range {min(found):.0f}-{max(found):.0f}); "
                  + (f"OPTIMIZE_RLIMIT_PER_MS = {budget.OPTIMIZE_RLIMIT_PER_MS}" if name == "Optimize"
                     else f"PATH_RLIMIT_PER_MS = {budget.PATH_RLIMIT_PER_MS}"))
    if entry_rates:
        print(f"fixpoint runs of 1 ms or more: {len(entry_rates)}, median entries per ms {statistics.median(entry_rates):.0f} "
              f"(range {min(entry_rates):.0f}-{max(entry_rates):.0f}); FIXPOINT_ENTRIES_PER_MS = {budget.FIXPOINT_ENTRIES_PER_MS}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout-ms", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--calibrate", action="store_true")
    args = parser.parse_args()
    if args.calibrate:
        calibrate()
        calibrate_paths()
        return
    benign, _ = timed_scan(CHECKS_PER_CALL, args.timeout_ms, args.repeat)
    worst, report = timed_scan(ATTACK_CHECKS, args.timeout_ms, args.repeat)
    print(f"benign ({CHECKS_PER_CALL} checks): {benign:.2f} s; worst ({ATTACK_CHECKS} checks): {worst:.2f} s; "
          f"ratio {worst / benign:.1f}x")
    for diagnostic in report.diagnostics:
        if diagnostic.code == "argument-budget":
            print(diagnostic.message)


if __name__ == "__main__":
    main()

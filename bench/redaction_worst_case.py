"""Secret redaction on its worst cases: time(1.9 MB) / time(40 KB) per shape (linear is about 47x).

    python bench/redaction_worst_case.py [--repeat 3]

The shapes are tests/test_hostile_budget.py's WORST_CASES (the texts that made Python's
backtracking quadratic: 76 s for 40 KB of letters before RE2). Not a test: prints a table. With
--repeat N, every time is the best of N runs (on a shared machine, the others' load only adds).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # this checkout, not an installed riskscan

from test_hostile_budget import SIZES, WORST_CASES  # noqa: E402

from riskscan.secrets.reports import scrubbed  # noqa: E402


def best_time(text: str, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        scrubbed(text)
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    small, large = SIZES["40 KB"], SIZES["1.9 MB"]
    scrubbed("warm up: load the rulesets and compile the patterns")
    print(f"{'shape':24} {'40 KB (s)':>10} {'1.9 MB (s)':>11} {'ratio':>7}   (linear: {large / small:.0f}x)")
    for name, make in WORST_CASES.items():
        short, long = best_time(make(small), args.repeat), best_time(make(large), args.repeat)
        print(f"{name:24} {short:10.4f} {long:11.3f} {long / max(short, 1e-9):7.1f}")


if __name__ == "__main__":
    main()

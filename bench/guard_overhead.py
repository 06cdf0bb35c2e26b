"""Guard overhead per tool call (a script, not a test): `python bench/guard_overhead.py`.

Times `Session.check` on the mail-assistant fixture model for a realistic mix of calls (sources,
an allowed send, an unknown tool, a denied sink), and the function wrapper around a no-op tool
against the bare tool. Target: <= 20 µs per call on the development machine.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from riskscan.guard import Guard  # noqa: E402
from riskscan.guard.wrap import guard_function  # noqa: E402

REPORT = Path(__file__).resolve().parents[1] / "fixtures" / "traces" / "mail-assistant.report.json"
ROUNDS = 20_000
MIX = [("Assistant", "lookup_order"), ("Assistant", "read_inbox"), ("Assistant", "send_email"),
       ("Assistant", "fetch_page"), ("Assistant", "send_email"), ("Assistant", "delete_account")]


def best_of(runs: int, function) -> float:
    return min(function() for _ in range(runs))


def check_cost(guard: Guard) -> float:
    session = guard.session()
    arguments = {"to": "me@example.com", "body": "hello"}
    start = time.perf_counter()
    for _ in range(ROUNDS):
        for agent, tool in MIX:
            session.check(agent, tool, arguments)
    return (time.perf_counter() - start) / (ROUNDS * len(MIX))


def wrapper_cost(guard: Guard) -> tuple[float, float]:
    def lookup_order(order_id: str) -> str:
        return order_id

    wrapped = guard_function(lookup_order, guard.session(), agent="Assistant")
    start = time.perf_counter()
    for _ in range(ROUNDS):
        lookup_order("1042")
    bare = (time.perf_counter() - start) / ROUNDS
    start = time.perf_counter()
    for _ in range(ROUNDS):
        wrapped("1042")
    return bare, (time.perf_counter() - start) / ROUNDS


def main() -> None:
    guard = Guard.from_path(str(REPORT))
    per_check = best_of(5, lambda: check_cost(guard))
    bare, wrapped = min((wrapper_cost(guard) for _ in range(5)), key=lambda pair: pair[1])
    print(f"Session.check: {per_check * 1e6:.2f} µs per call (mix of {len(MIX)} calls, {ROUNDS} rounds, best of 5)")
    print(f"guard_function: {(wrapped - bare) * 1e6:.2f} µs added per call (bare {bare * 1e6:.2f} µs, guarded {wrapped * 1e6:.2f} µs)")
    print("target: <= 20 µs per call:", "met" if max(per_check, wrapped - bare) <= 20e-6 else "NOT met")


if __name__ == "__main__":
    main()

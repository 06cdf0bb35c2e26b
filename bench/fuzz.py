"""The long fuzzing run (a script, not a test): `python bench/fuzz.py [--seconds S] [--reader NAME ...]`.

Runs every reader of tests/fuzz_readers.py (Python files, each MCP client config format, Claude
Code settings, tool manifests, the lockfile, CrewAI YAML, declared agents, traces, rulesets,
riskscan's own config, suppressions) for S seconds each (default 60), in batches of hypothesis
examples with a fresh seed per batch, checking the properties of tests/fuzz_checks.py. Prints how
many cases each reader tried, the slowest, and the first failure of each (shrunk by hypothesis).
Exit code 1 when any reader failed. tests/test_fuzz.py runs the same readers briefly in the suite.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import traceback
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(HERE), str(HERE / "tests")]
os.environ.setdefault("RISKSCAN_CACHE_DIR", tempfile.mkdtemp(prefix="riskscan-fuzz-cache-"))  # not the user's cache

from fuzz_checks import check_input  # noqa: E402
from fuzz_readers import READERS  # noqa: E402
from hypothesis import HealthCheck, given, seed, settings  # noqa: E402

BATCH = 50
warnings.filterwarnings("ignore", category=SyntaxWarning)  # hypothesmith compiles what it generates: `1()` warns


def fuzz(reader, seconds: float) -> tuple[int, float, str | None]:
    """Cases tried, the slowest case in seconds, and the first failure (or None)."""
    tried = 0
    slowest = 0.0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:

        @seed(random.getrandbits(64))
        @settings(max_examples=BATCH, deadline=None, database=None, derandomize=False,
                  suppress_health_check=list(HealthCheck), print_blob=True)
        @given(reader.files)
        def run(data):
            nonlocal tried, slowest
            tried += 1
            started = time.monotonic()
            check_input(reader, data)
            slowest = max(slowest, time.monotonic() - started)

        try:
            run()
        except Exception:  # noqa: BLE001 - the failure, shrunk: report it and go on with the next reader
            lines = traceback.format_exc(limit=-6).splitlines()
            return tried, slowest, "\n".join(line if len(line) < 400 else line[:400] + " ..." for line in lines[-40:])
    return tried, slowest, None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="time per reader")
    parser.add_argument("--reader", action="append", choices=sorted(READERS), help="only these readers (repeatable)")
    options = parser.parse_args()
    failed = False
    total = 0
    print(f"{'reader':<18} {'cases':>7} {'slowest':>8}  result")
    for name in options.reader or sorted(READERS):
        tried, slowest, failure = fuzz(READERS[name], options.seconds)
        total += tried
        print(f"{name:<18} {tried:>7} {slowest:>7.2f}s  {'FAILED' if failure else 'ok'}", flush=True)
        if failure:
            failed = True
            print("    " + failure.replace("\n", "\n    "), flush=True)
    print(f"{'total':<18} {total:>7}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

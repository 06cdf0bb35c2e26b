"""Run the Python extractor over every .py file below a folder and print what it found.

    python scripts/scan_real_sources.py /tmp/oa/agents /tmp/mcp/mcp

Prints counts of each kind of fact, the diagnostics by code, and every exception with its file
(an exception is a bug: the extractor must turn bad input into diagnostics).
"""

from __future__ import annotations

import sys
import time
import traceback
from collections import Counter
from pathlib import Path

from riskscan.extract.python import extract
from riskscan.rulesets import load
from riskscan.types import SourceFile


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def scan(folder: str) -> int:
    root = Path(folder).resolve()
    rulesets = load()
    counts: Counter[str] = Counter()
    diagnostics: Counter[str] = Counter()
    failures = 0
    started = time.perf_counter()
    for path in sorted(root.rglob("*.py")):
        source = SourceFile(path.relative_to(root.parent).as_posix(), "python", module_name(root, path))
        counts["files"] += 1
        try:
            facts = extract(path.read_bytes(), source, rulesets)
        except Exception:  # noqa: BLE001 - the point of this script is to find these
            failures += 1
            print(f"EXCEPTION in {source.path}:\n{traceback.format_exc()}")
            continue
        for kind in ("functions", "tools", "agents", "bindings", "dispatches", "diagnostics"):
            counts[kind] += len(getattr(facts, kind))
        counts["calls"] += sum(len(f.calls) for f in facts.functions)
        diagnostics.update(d.code for d in facts.diagnostics)
    elapsed = time.perf_counter() - started
    print(f"{root}: " + ", ".join(f"{key}={value}" for key, value in counts.items()) + f", exceptions={failures}, seconds={elapsed:.1f}")
    if diagnostics:
        print("  diagnostics: " + ", ".join(f"{code}={n}" for code, n in sorted(diagnostics.items())))
    return failures


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    return 1 if sum(scan(folder) for folder in argv) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

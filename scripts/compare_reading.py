"""Scan a folder reading by need and reading every file in full, and compare the reports: the
check, on real code, of what tests/scan/test_reading.py checks on the fixtures (the survey, partial
readings and rounds must not change a finding, a tool or a diagnostic).

    python scripts/compare_reading.py /path/to/sources [--include-tests]

Exit 1 when the reports differ; the difference is printed by section (tools, agents,
diagnostics, findings), with the first few items on each side.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from riskscan.report.json_format import render_json  # noqa: E402
from riskscan.scan import scan  # noqa: E402
from riskscan.types import Config  # noqa: E402


def keyed(items: list) -> dict[str, dict]:
    return {json.dumps(item, sort_keys=True): item for item in items}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder")
    parser.add_argument("--include-tests", action="store_true")
    args = parser.parse_args()
    config = Config(cache=False, include_tests=args.include_tests)
    reports = {}
    for name, chosen in (("by need", config), ("read all", replace(config, read_all=True))):
        started = time.perf_counter()
        reports[name] = json.loads(render_json(scan(args.folder, chosen)))
        print(f"{name}: {time.perf_counter() - started:.1f} s")
    by_need, everything = reports["by need"], reports["read all"]
    differing = 0
    for section in sorted(set(by_need) | set(everything)):
        old, new = everything.get(section), by_need.get(section)
        if old == new:
            continue
        differing += 1
        if isinstance(old, list) and isinstance(new, list):
            only_all, only_need = keyed(old).keys() - keyed(new).keys(), keyed(new).keys() - keyed(old).keys()
            print(f"{section}: {len(only_all)} only reading everything, {len(only_need)} only reading by need")
            for text in sorted(only_all)[:5]:
                print(f"  - {text[:300]}")
            for text in sorted(only_need)[:5]:
                print(f"  + {text[:300]}")
        else:
            print(f"{section}: {str(old)[:300]} -> {str(new)[:300]}")
    print("the same report" if not differing else f"{differing} sections differ")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())

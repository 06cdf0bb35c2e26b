"""Extract every file of a folder and save what was read, or compare it with a saved reading: the
check that a change to the extractor (a faster parser, a new resolver) reads the same facts.

    python scripts/compare_facts.py FOLDER --save before.jsonl     # on the old code
    python scripts/compare_facts.py FOLDER --against before.jsonl  # on the new code

Files are read in full (as `--read-all` would), in a pool of processes; the output names every
file whose facts differ, with the first fact that differs. Exit 1 when any file differs.
"""

from __future__ import annotations

import argparse
import json
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from riskscan import rulesets as rulesets_module  # noqa: E402
from riskscan.cache import encode  # noqa: E402
from riskscan.discover import discover  # noqa: E402
from riskscan.extract import extract_data  # noqa: E402

_RULESETS = []


def _read(item: tuple[str, object]) -> tuple[str, dict]:
    root, source = item
    if not _RULESETS:
        _RULESETS.append(rulesets_module.load())
    data = (Path(root) / source.path).read_bytes()
    return source.path, encode(extract_data(source, data, _RULESETS[0]))


def read_folder(folder: Path, workers: int) -> dict[str, dict]:
    found = discover(str(folder), include_tests=True)
    items = [(found.root, source) for source in found.files]
    items.sort(key=lambda item: -(Path(item[0]) / item[1].path).stat().st_size)  # long ones first
    with ProcessPoolExecutor(workers) as pool:
        return dict(pool.map(_read, items))


def first_difference(before, after, where: str = "") -> str:
    if type(before) is not type(after):
        return f"{where or '.'}: {before!r} -> {after!r}"
    if isinstance(before, dict):
        for key in sorted(set(before) | set(after), key=str):
            if before.get(key) != after.get(key):
                return first_difference(before.get(key), after.get(key), f"{where}.{key}")
    if isinstance(before, list):
        for index, (old, new) in enumerate(zip(before, after)):
            if old != new:
                return first_difference(old, new, f"{where}[{index}]")
        if len(before) != len(after):
            return f"{where}: {len(before)} items -> {len(after)} items"
    return f"{where or '.'}: {str(before)[:300]} -> {str(after)[:300]}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--save", type=Path, help="write the facts of every file here (JSON lines)")
    group.add_argument("--against", type=Path, help="compare with facts saved by --save")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    facts = read_folder(args.folder, args.workers)
    if args.save:
        with args.save.open("w") as out:
            for path in sorted(facts):
                out.write(json.dumps({"path": path, "facts": facts[path]}, sort_keys=True) + "\n")
        print(f"saved the facts of {len(facts)} files to {args.save}")
        return 0
    saved = {}
    with args.against.open() as lines:
        for line in lines:
            entry = json.loads(line)
            saved[entry["path"]] = entry["facts"]
    differing = 0
    for path in sorted(set(saved) | set(facts)):
        if path not in facts or path not in saved:
            print(f"{path}: {'no longer read' if path in saved else 'not read before'}")
            differing += 1
        elif saved[path] != json.loads(json.dumps(facts[path])):
            print(f"{path}: {first_difference(saved[path], json.loads(json.dumps(facts[path])))}")
            differing += 1
    print(f"{len(facts)} files read, {differing} differ")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())

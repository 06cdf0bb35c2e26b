"""How much of what real tools call the API catalog knows (issue #18).

    python scripts/catalog_coverage.py FOLDER [FOLDER ...] [--top 15] [--markdown]

For every tool riskscan finds below each folder whose body it can read, every call the body makes
(and the project helpers it calls make), classified as the labeller sees it: `catalogued` (an entry
of rulesets/apis.yaml), `harmless` (a module the catalog calls harmless), `standard` (the standard
library, whose dangerous calls the catalog names), `given` (a method of a value the model gave or of
a literal constant), or `unknown`. Prints, per folder and in total, the third-party calls (those
not of the standard library or the project) and the share the catalog resolves, the unresolved ones
by frequency, and the tools labelled from words alone. Reads the files; never runs them.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from riskscan import discover, rulesets  # noqa: E402
from riskscan.model import implementations  # noqa: E402
from riskscan.model.labels import STANDARD_LIBRARY, BodyAnalyser  # noqa: E402
from riskscan.model.references import Resolver, index  # noqa: E402
from riskscan.scan.reading import read  # noqa: E402
from riskscan.types import Config  # noqa: E402


@dataclass
class Coverage:
    name: str
    tools: int = 0
    read: int = 0  # tools whose body riskscan reads
    kinds: Counter = field(default_factory=Counter)
    unknown: Counter = field(default_factory=Counter)
    third_party: int = 0
    resolved: int = 0
    untyped: Counter = field(default_factory=Counter)  # methods of project values whose class riskscan could not tell
    word_only: list[str] = field(default_factory=list)

    def add(self, other: "Coverage") -> None:
        self.tools += other.tools
        self.read += other.read
        self.kinds.update(other.kinds)
        self.unknown.update(other.unknown)
        self.third_party += other.third_party
        self.resolved += other.resolved
        self.untyped.update(other.untyped)
        self.word_only += other.word_only

    @property
    def share(self) -> str:
        return f"{100 * self.resolved / self.third_party:.0f} %" if self.third_party else "—"


def measure(folder: Path) -> Coverage:
    catalog = rulesets.load()
    found = discover.discover(str(folder))
    reading = read(found, catalog, Config(cache=False, workers=1))
    project = index(reading.facts)
    analyser = BodyAnalyser(project.functions, catalog, project.bindings, project.modules, project.constants)
    resolver = Resolver(project)
    coverage = Coverage(f"{folder.parent.name}/{folder.name}")
    for tool in reading.system.tools:
        coverage.tools += 1
        kinds = {e.kind for c in tool.capabilities for e in c.evidence}
        if tool.capabilities and kinds <= {"lexicon"}:
            coverage.word_only.append(f"{tool.name} ({tool.location.path}:{tool.location.line})")
        fact = project.tools.get(tool.id)
        # its own function, or the branch of a dispatch (a low-level server's call_tool) for its name
        functions = (implementations(resolver, fact) or []) if fact is not None else []
        if not functions:
            continue
        coverage.read += 1
        for kind, callee in (found for function in functions for found in analyser.census(function)):
            coverage.kinds[kind] += 1
            if kind == "unknown" and _in_project(callee, project.modules):
                coverage.untyped[callee] += 1  # `client.search(...)` of a variable whose class is not known
                continue
            if kind in ("standard", "given") or _in_project(callee, project.modules):
                continue
            if kind == "catalogued" and callee.split(".", 1)[0] in STANDARD_LIBRARY:
                continue
            coverage.third_party += 1
            if kind == "unknown":
                coverage.unknown[callee] += 1
            else:
                coverage.resolved += 1
    return coverage


def _in_project(callee: str, modules: set[str]) -> bool:
    return any(callee == module or callee.startswith(module + ".") for module in modules)


def report(coverages: list[Coverage], top: int, markdown: bool) -> str:
    total = Coverage("total")
    for coverage in coverages:
        total.add(coverage)
    rows = [(c.name, c.tools, c.read, c.third_party, c.resolved, c.share, sum(c.untyped.values()), len(c.word_only))
            for c in (*coverages, total)]
    header = ("folder", "tools", "bodies read", "third-party calls", "resolved", "share", "untyped receivers", "word-only tools")
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
        lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in rows]
    else:
        widths = [max(len(str(row[i])) for row in (header, *rows)) for i in range(len(header))]
        lines = ["  ".join(str(v).ljust(w) for v, w in zip(row, widths)) for row in (header, *rows)]
    lines += ["", f"calls by kind: {', '.join(f'{k} {n}' for k, n in sorted(total.kinds.items()))}"]
    if total.unknown:
        lines += ["", f"unresolved third-party calls, most frequent first (top {top}):"]
        lines += [f"  {count:>4}  {callee}" for callee, count in total.unknown.most_common(top)]
    if total.untyped:
        lines += ["", f"methods of values whose class riskscan could not tell (a project's, a library's or text), top {top}:"]
        lines += [f"  {count:>4}  {callee}" for callee, count in total.untyped.most_common(top)]
    if total.word_only:
        lines += ["", "tools labelled from words alone:"] + [f"  {name}" for name in sorted(total.word_only)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--top", type=int, default=15, help="how many unresolved calls to list (default 15)")
    parser.add_argument("--markdown", action="store_true", help="the table as Markdown, for docs/benchmarks.md")
    args = parser.parse_args(argv)
    missing = [str(f) for f in args.folders if not f.is_dir()]
    if missing:
        parser.error(f"not a folder: {', '.join(missing)}")
    print(report([measure(folder) for folder in args.folders], args.top, args.markdown))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

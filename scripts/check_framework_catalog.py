"""Check the built-in tool catalog against the frameworks' own source.

Downloads the framework packages with pip into a temporary folder (nothing is committed or
installed), scans each package's whole source with riskscan's extractor and model (never running
it), and, for every catalogued built-in tool class whose catalog labels are dangerous (shell or
REPL: code_exec; file write: fs_write; HTTP post/put/patch: external_send), compares the labels
that body analysis of the class's own `_run` / `forward` finds with the catalog's.

    python scripts/check_framework_catalog.py [--keep DIR]

Prints one line per catalogued class (agree / partial / disagree / not found) and the totals;
every file that failed to parse is a diagnostic, and a crash of the scan is a failure (exit 1).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from riskscan import discover, model, rulesets  # noqa: E402
from riskscan.extract import extract_file  # noqa: E402

PACKAGES = {
    "langchain-community": "langchain_community",
    "langchain-experimental": "langchain_experimental",
    "langchain-core": "langchain_core",
    "crewai-tools": "crewai_tools",
    "smolagents": "smolagents",
    "autogen-ext": "autogen_ext",
}
DANGEROUS = {"code_exec", "fs_write", "external_send"}


def download(folder: Path) -> dict[str, Path]:
    roots = {}
    for package, top in PACKAGES.items():
        target = folder / package
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", package, "-d", str(target)], check=True)
        wheel = next(target.glob("*.whl"))
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(target / "src")
        roots[top] = target / "src"
    return roots


def scan_package(root: Path, top: str):
    loaded = rulesets.load()
    found = discover.discover(str(root), include_tests=True)
    files = [f for f in found.files if f.kind == "python" and f.path.startswith(top + "/")]
    facts = [extract_file(found.root, source, loaded) for source in files]
    return model.build(found.root, facts, loaded), len(files), loaded


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", help="download into this folder and keep it")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(options.keep or temporary)
        folder.mkdir(parents=True, exist_ok=True)
        roots = download(folder)
        totals = {"agree": 0, "partial": 0, "disagree": 0, "not found": 0}
        for top, root in roots.items():
            started = time.monotonic()
            try:
                system, count, loaded = scan_package(root, top)
            except Exception as error:  # the claim under test: scanning never crashes
                print(f"CRASH scanning {top}: {type(error).__name__}: {error}")
                return 1
            errors = [d for d in system.diagnostics if d.severity == "error"]
            print(f"\n{top}: {count} files in {time.monotonic() - started:.1f}s, {len(system.tools)} tools, "
                  f"{len(system.diagnostics)} diagnostics ({len(errors)} errors)")
            tools = {t.id: t for t in system.tools}
            for entry in loaded.builtin_tools:
                wanted = set(entry.labels) & DANGEROUS
                if not wanted:
                    continue
                classes = [n for n in entry.names if n.startswith(top + ".") and n in tools]
                if not any(n.startswith(top + ".") for n in entry.names):
                    continue
                if not classes:
                    totals["not found"] += 1
                    print(f"  not found  {entry.tool_name}: no tool class among {', '.join(n for n in entry.names if n.startswith(top + '.'))}")
                    continue
                found = {c.label for c in tools[classes[0]].capabilities if c.label in DANGEROUS}
                verdict = "agree" if found == wanted else "partial" if found & wanted else "disagree"
                totals[verdict] += 1
                print(f"  {verdict:9}  {entry.tool_name} ({classes[0]}): catalog {sorted(wanted)}, body {sorted(found)}")
        checked = sum(totals.values())
        print(f"\n{checked} dangerous catalogued classes: " + ", ".join(f"{v} {k}" for k, v in totals.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())

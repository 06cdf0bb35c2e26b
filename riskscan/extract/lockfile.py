"""The lockfile, `riskscan.lock.json`, as `scan` reads it: the pins of each tool of each manifest
(`riskscan lock` writes them: riskscan/mcp/lock.py), and the drift of the manifests read in the same
scan from those pins: every tool whose name, description, input schema or annotations changed
since (a rug pull), and every tool added or removed, naming what changed. Data, compared offline.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from typing import Sequence

from riskscan.files.surrogates import hashable
from riskscan.formats.json_input import Positions
from riskscan.types import Diagnostic, Facts, HygieneFact, SourceFile, ToolFact
from riskscan.types.facts import Pin

LOCKFILE = "riskscan.lock.json"
VERSION = 1
FIELDS = ("description", "input_schema", "annotations")


def fields_of(tool: ToolFact) -> dict[str, str]:
    """The hashed parts of a tool, each in a canonical text form."""
    return {
        "description": tool.description,
        "input_schema": tool.input_schema,
        "annotations": json.dumps(sorted(tool.annotations), separators=(",", ":")),
    }


def digest(text: str) -> str:
    return "sha256:" + hashlib.sha256(hashable(text)).hexdigest()


def tool_digest(tool: ToolFact) -> str:
    canonical = json.dumps({"name": tool.name, **fields_of(tool)}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return digest(canonical)


def extract(document: dict, positions: Positions, source: SourceFile) -> Facts:
    path = source.path
    base = path.rsplit("/", 1)[0] + "/" if "/" in path else ""
    pins: list[Pin] = []
    diagnostics: list[Diagnostic] = []
    if document.get("riskscan_lock") != VERSION or not isinstance(document.get("manifests"), dict):
        diagnostics.append(Diagnostic(positions.location(()), "invalid-lockfile",
                                      f"not a version {VERSION} riskscan lockfile with a `manifests` object; not read", "error"))
        return Facts(path=path, kind="lock", diagnostics=tuple(diagnostics))
    for manifest, entry in sorted(document["manifests"].items()):
        tools = entry.get("tools") if isinstance(entry, dict) else None
        if not isinstance(tools, dict):
            diagnostics.append(Diagnostic(positions.location(("manifests", manifest)), "invalid-lockfile",
                                          f"`{manifest}` has no `tools` object; not read"))
            continue
        for name, pinned in sorted(tools.items()):
            where = positions.location(("manifests", manifest, "tools", name))
            if not isinstance(pinned, dict) or not isinstance(pinned.get("sha256"), str):
                diagnostics.append(Diagnostic(where, "invalid-lockfile", f"tool `{name}` has no sha256; not read"))
                continue
            fields = tuple((f, pinned[f]) for f in FIELDS if isinstance(pinned.get(f), str))
            pins.append(Pin(base + manifest, name, pinned["sha256"], where, fields))
    return Facts(path=path, kind="lock", diagnostics=tuple(diagnostics), pins=tuple(pins))


def drift(facts: Sequence[Facts]) -> list[Facts]:
    """Every lockfile's facts with a hygiene fact per change since the lock."""
    manifests = {f.path: f for f in facts if f.kind == "manifest"}
    out = []
    for file_facts in facts:
        if file_facts.kind != "lock" or not file_facts.pins:
            out.append(file_facts)
            continue
        found = list(file_facts.hygiene)
        pinned: dict[str, dict[str, Pin]] = {}
        for pin in file_facts.pins:
            pinned.setdefault(pin.manifest, {})[pin.tool] = pin
        for manifest, pins in sorted(pinned.items()):
            found += _compare(manifest, pins, manifests.get(manifest), file_facts.path)
        out.append(replace(file_facts, hygiene=tuple(sorted(set(found)))))
    return out


def _compare(manifest: str, pins: dict[str, Pin], current: Facts | None, lockfile: str) -> list[HygieneFact]:
    if current is None:
        first = min(pins.values(), key=lambda p: p.location)
        return [HygieneFact("tool-set-changed", first.location, manifest,
                            f"manifest {manifest} is pinned in {lockfile} but was not found: its {len(pins)} tools were removed")]
    found = []
    tools = {t.name: t for t in current.tools}
    for name, tool in sorted(tools.items()):
        pin = pins.get(name)
        if pin is None:
            found.append(HygieneFact("tool-set-changed", tool.location, name,
                                     f"tool `{name}` was added to {manifest} since the lock ({lockfile})"))
        elif pin.digest != tool_digest(tool):
            now = {f: digest(v) for f, v in fields_of(tool).items()}
            changed = [f for f, value in pin.fields if now.get(f) != value] or ["name or metadata"]
            found.append(HygieneFact("tool-changed", tool.location, name,
                                     f"tool `{name}` changed since the lock ({pin.location}): {', '.join(c.replace('_', ' ') for c in changed)}"))
    for name, pin in sorted(pins.items()):
        if name not in tools:
            found.append(HygieneFact("tool-set-changed", pin.location, name,
                                     f"tool `{name}` was removed from {manifest} since the lock"))
    return found

"""Pinning tool metadata: `riskscan lock` writes `riskscan.lock.json` with a canonical hash of each
tool of each tool manifest under the scanned folder (MCP `tools/list` results, saved by `riskscan
probe` or checked in); `riskscan scan` reads the lockfile and reports every tool whose name,
description, input schema or annotations changed since (a rug pull), and every tool added or
removed, naming what changed. The lockfile is data, compared offline: nothing is started.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple, Sequence

from riskscan.extract.json_input import Positions
from riskscan.surrogates import hashable, writable
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


def render(facts: Sequence[Facts]) -> str:
    """The lockfile for the manifests among `facts`: deterministic bytes."""
    manifests = {}
    for file_facts in sorted(facts, key=lambda f: f.path):
        if file_facts.kind != "manifest" or not file_facts.tools:
            continue
        manifests[file_facts.path] = {
            "tools": {
                tool.name: {"sha256": tool_digest(tool), **{f: digest(v) for f, v in fields_of(tool).items()}}
                for tool in sorted(file_facts.tools, key=lambda t: t.name)
            }
        }
    document = {"riskscan_lock": VERSION, "manifests": manifests}
    return writable(json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def write(root: str, facts: Sequence[Facts]) -> tuple[Path, int, int]:
    """Write the lockfile at the root (a link of that name is replaced, not followed: riskscan.files);
    the path, and how many manifests and tools it pins."""
    from riskscan.files import write_new_or_replace

    text = render(facts)
    target = write_new_or_replace(Path(root) / LOCKFILE, text, inside=root)
    manifests = json.loads(text)["manifests"]
    return target, len(manifests), sum(len(m["tools"]) for m in manifests.values())


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


class Locked(NamedTuple):
    target: Path
    manifests: int
    tools: int
    # the MCP servers of client configs that no manifest lists the tools of: (config, servers)
    unpinned: tuple[tuple[str, tuple[str, ...]], ...] = ()


def unpinned_servers(facts: Sequence[Facts]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The servers of each client config that have no saved tool list (a `riskscan probe`
    manifest), so that the lockfile pins none of their tools: by config path, names sorted."""
    probed = {f.agents[0].id.removeprefix("probe:") for f in facts
              if f.kind == "manifest" and f.agents and f.agents[0].id.startswith("probe:")}
    found = []
    for file_facts in sorted(facts, key=lambda f: f.path):
        if file_facts.kind != "mcp-config":
            continue
        prefix = f"mcp:{file_facts.path}#"  # tool ids are mcp:CONFIG#[PROJECT#]SERVER/TOOL
        servers = {tool.id.removeprefix(prefix).rpartition("/")[0] for tool in file_facts.tools if tool.id.startswith(prefix)}
        missing = tuple(sorted(s for s in servers if s and f"{file_facts.path}#{s}" not in probed))
        if missing:
            found.append((file_facts.path, missing))
    return tuple(found)


def unpinned_note(root: str, unpinned: tuple[tuple[str, tuple[str, ...]], ...]) -> list[str]:
    """What `riskscan lock` says about the servers it could not pin, and how to pin them."""
    lines = []
    for config, servers in unpinned:
        where = Path(root, config).as_posix()
        lines.append(f"{config}: no saved tool list for {len(servers)} MCP server{'s' if len(servers) > 1 else ''}"
                     f" ({', '.join(servers)}), so none of their tools are pinned")
        if config.endswith(".json"):
            option = f" --root {Path(root).as_posix()}" if Path(root) != Path(".") else ""
            lines.append(f"save them with `riskscan probe {where}{option}` (it starts the config's stdio servers; "
                         "remote servers are not probed), then run `riskscan lock` again")
        else:
            lines.append("`riskscan probe` reads JSON client configs only: save each server's `tools/list` result as a"
                         " JSON tool manifest in the project, then run `riskscan lock` again")
    return lines


def run(root: str, config=None) -> Locked:
    """`riskscan lock ROOT`: read every file under the root as `scan` does, pin its manifests."""
    from riskscan import discover, rulesets
    from riskscan.extract import extract_file
    from riskscan.fact_redaction import redacted
    from riskscan.types import Config

    config = config or Config()
    loaded = rulesets.load(config.rulesets)
    found = discover.discover(root, config.max_file_bytes, include_tests=config.include_tests)
    # redacted as a scan's facts are, so that a tool whose texts hold a secret compares equal
    facts = [redacted(extract_file(found.root, source, loaded), loaded) for source in found.files]
    return Locked(*write(found.root, facts), unpinned_servers(facts))

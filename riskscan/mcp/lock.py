"""Pinning tool metadata: `riskscan lock` writes `riskscan.lock.json` with a canonical hash of each
tool of each tool manifest under the scanned folder (MCP `tools/list` results, saved by `riskscan
probe` or checked in); `riskscan scan` reads the lockfile (riskscan/extract/lockfile.py) and
reports every tool whose name, description, input schema or annotations changed since (a rug
pull), and every tool added or removed, naming what changed. The lockfile is data, compared
offline: nothing is started.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple, Sequence

from riskscan.extract.lockfile import LOCKFILE, VERSION, digest, fields_of, tool_digest
from riskscan.files.surrogates import writable
from riskscan.types import Facts


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
    from riskscan.secrets.facts import redacted
    from riskscan.types import Config

    config = config or Config()
    loaded = rulesets.load(config.rulesets)
    found = discover.discover(root, config.max_file_bytes, include_tests=config.include_tests)
    # redacted as a scan's facts are, so that a tool whose texts hold a secret compares equal
    facts = [redacted(extract_file(found.root, source, loaded), loaded) for source in found.files]
    return Locked(*write(found.root, facts), unpinned_servers(facts))

"""What client files say about each other, joined before the model is built: permission rules of
client settings applied to the configs they govern (permissions.py), each coding-agent client's own
tools on its agent under those settings (client_builtins.py), tools a probe listed for a
config's server put in that client's context, a lockfile compared with the manifests it pinned
(extract/lockfile.py), and tool names that collide across the servers of one context (metadata.py). Each
extractor reads one file; this pass is where files meet. Facts in, facts out."""

from __future__ import annotations

from dataclasses import replace
from typing import Sequence

from riskscan.catalog.commands import CodeRunners
from riskscan.extract import lockfile, metadata
from riskscan.model import client_builtins, permissions
from riskscan.types import Facts, HygieneFact, Items, Ref


def apply(facts: Sequence[Facts], runners: CodeRunners = CodeRunners()) -> list[Facts]:
    joined = client_builtins.apply(permissions.apply(facts), runners)
    joined = _probed_servers(joined)
    joined = lockfile.drift(joined)
    return [_with_collisions(f) for f in joined]


def _probed_servers(facts: list[Facts]) -> list[Facts]:
    """A probe manifest (`riskscan probe`) names the config and server it listed; for a server the
    catalog does not know, the client holds the listed tools instead of one opaque tool."""
    probed: dict[tuple[str, str], Facts] = {}
    for file_facts in facts:
        if file_facts.kind == "manifest" and file_facts.agents and file_facts.agents[0].id.startswith("probe:"):
            config, _, server = file_facts.agents[0].id.removeprefix("probe:").rpartition("#")
            probed[(config, server)] = file_facts
    if not probed:
        return facts
    used: set[str] = set()
    out = []
    for file_facts in facts:
        if file_facts.kind != "mcp-config":
            out.append(file_facts)
            continue
        replaced: dict[str, tuple[Ref, ...]] = {}
        for tool in file_facts.tools:
            server = tool.name[:-2] if tool.name.endswith("/*") else None
            manifest = probed.get((file_facts.path, server)) if server else None
            if manifest is not None:
                replaced[tool.id] = tuple(Ref(t.id, t.location) for t in manifest.tools)
                used.add(manifest.path)
        if not replaced:
            out.append(file_facts)
            continue
        agents = tuple(replace(a, tools=tuple(_swap(v, replaced) for v in a.tools)) for a in file_facts.agents)
        out.append(replace(file_facts, agents=agents, tools=tuple(t for t in file_facts.tools if t.id not in replaced)))
    # a probe manifest whose tools joined a client is no context of its own
    return [replace(f, agents=()) if f.path in used else f for f in out]


def _swap(value, replaced: dict[str, tuple[Ref, ...]]):
    if isinstance(value, Items):
        items = []
        for item in value.items:
            if isinstance(item, Ref) and item.qualname in replaced:
                items += replaced[item.qualname]
            else:
                items.append(_swap(item, replaced))
        return Items(tuple(items))
    return value


def _with_collisions(file_facts: Facts) -> Facts:
    if file_facts.kind != "mcp-config":
        return file_facts
    found: list[HygieneFact] = []
    by_id = {t.id: t for t in file_facts.tools}
    for agent in file_facts.agents:
        # a client's own tools are no server's: clients keep MCP tool names apart from theirs
        held = [by_id[r.qualname] for v in agent.tools if isinstance(v, Items) for r in v.items
                if isinstance(r, Ref) and r.qualname in by_id and by_id[r.qualname].builtin is None]
        found += metadata.collisions(held, agent.name)
    if not found:
        return file_facts
    return replace(file_facts, hygiene=tuple(sorted(set(file_facts.hygiene) | set(found))))

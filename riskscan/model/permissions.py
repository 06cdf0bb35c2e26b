"""Client permissions applied across files, before the model is built.

A Claude Code settings file (`.claude/settings.json`) says which MCP tools of the configs in its
folder tree an agent may call: a `deny` rule takes the tool away, an `ask` rule puts human
approval in front of it (unless the mode that counts bypasses every prompt), `disabledMcpjsonServers`
takes a project server away. Extractors read one file each, so this pass joins the settings to the
configs: facts in, facts out, nothing else changes.
"""

from __future__ import annotations

from dataclasses import replace
from fnmatch import fnmatchcase
from typing import Sequence

from riskscan.model.client_policies import strongest
from riskscan.types import Facts, Gate, Items, Ref, ToolFact
from riskscan.types.facts import PermissionRule

_CLAUDE_CODE_CONFIGS = (".mcp.json", ".claude.json")


def apply(facts: Sequence[Facts]) -> list[Facts]:
    rules = [rule for file_facts in facts for rule in file_facts.permissions]
    if not rules:
        return list(facts)
    return [_governed(file_facts, rules) for file_facts in facts]


def _governed(facts: Facts, rules: list[PermissionRule]) -> Facts:
    base = facts.path.rsplit("/", 1)[-1]
    if facts.kind != "mcp-config" or base not in _CLAUDE_CODE_CONFIGS:
        return facts
    mine = [rule for rule in rules if rule.client == "claude-code" and _within(facts.path, rule.scope)]
    if not mine:
        return facts
    mode = strongest(mine, "mode")  # the mode that counts, of whichever settings file sets it
    bypassed = mode is not None and mode.pattern == "bypassPermissions"
    kept: dict[str, ToolFact] = {}
    for tool in facts.tools:
        server, name = _server_and_name(tool)
        decision = _decide(mine, server, name, base)
        if decision is None:
            kept[tool.id] = tool
        elif decision.effect == "ask" and not bypassed:
            gate = Gate("approval", f"ask rule `{decision.pattern}` of {decision.location.path}", decision.location)
            kept[tool.id] = replace(tool, gates=tuple(sorted(set(tool.gates) | {gate})))
        elif decision.effect not in ("deny", "disable-server"):
            kept[tool.id] = tool
    agents = tuple(
        replace(agent, tools=tuple(_only(value, kept) for value in agent.tools)) for agent in facts.agents
    )
    return replace(facts, tools=tuple(kept.values()), agents=agents)


def _decide(rules: list[PermissionRule], server: str, name: str, base: str) -> PermissionRule | None:
    """The rule that decides a tool: deny before ask before allow, as Claude Code evaluates them."""
    for effect in ("disable-server", "deny", "ask", "allow"):
        for rule in rules:
            if rule.effect != effect:
                continue
            if effect == "disable-server":
                if base == ".mcp.json" and rule.pattern == server:
                    return rule
            elif _matches(rule.pattern, server, name):
                return rule
    return None


def _matches(pattern: str, server: str, name: str) -> bool:
    parts = pattern.split("__", 2)
    if len(parts) < 2 or parts[0] != "mcp" or parts[1] != server:
        return False
    if len(parts) == 2 or parts[2] in ("", "*"):
        return True
    if name == "*":  # an opaque server: a rule on one of its tools leaves the others
        return False
    return fnmatchcase(name, parts[2])


def _server_and_name(tool: ToolFact) -> tuple[str, str]:
    """`mcp:<path>#[<project>#]<server>/<tool>` -> (server, tool)."""
    fragment = tool.id.split("#", 1)[1] if "#" in tool.id else tool.id
    head, _, name = fragment.rpartition("/")
    return head.rsplit("#", 1)[-1], name


def _within(path: str, scope: str) -> bool:
    return not scope or path.startswith(scope + "/")


def _only(value, kept: dict[str, ToolFact]):
    if isinstance(value, Items):
        return Items(tuple(_only(item, kept) for item in value.items if not (isinstance(item, Ref) and item.qualname.startswith("mcp:") and item.qualname not in kept)))
    return value

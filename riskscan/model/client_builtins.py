"""A coding-agent client's own tools on its agent: Claude Code, Cursor, Gemini CLI, Codex, VS Code's
agent mode and Windsurf hold a shell, file edits and writes, reads and web tools next to the MCP
servers they are configured with, so a path may run from a server's untrusted output to the
client's own shell. Facts in, facts out, after the MCP permissions (permissions.py).

- The client agent of each config whose client its place names (`.mcp.json`, `.cursor/mcp.json`,
  `.gemini/settings.json`, `.codex/config.toml`, `.vscode/mcp.json`, a Windsurf
  `mcp_config.json`: extract/configs/clients.py) gets its client's built-ins, decided by the rules
  of that client's settings whose folder holds the config (client_policies.py): a tool is removed,
  gated (approval, allowlist, sandbox) or held as it is. Claude Desktop, Zed and Continue are not
  given any: Claude Desktop has no local tools of its own, and the others are not catalogued yet.
- A client settings file with no config of its client below its folder still says the project is
  used with that client: `.claude/settings.json` without `.mcp.json`, `.gemini/settings.json` or
  `.codex/config.toml` without servers, `.cursor/cli.json`, a `.vscode/settings.json` with agent
  settings. The settings file becomes the client's agent, holding the built-ins alone (one agent
  per client and folder: `settings.json` and `settings.local.json` are one).

A built-in is a tool fact naming its catalog entry (`builtin: claude_code.Bash`), declared where
the agent is; the model labels it from rulesets/builtin_tools_<client>.yaml. What is not held is an
info diagnostic naming why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from riskscan.catalog.commands import CodeRunners
from riskscan.extract.configs.clients import client_of_path
from riskscan.model import client_policies
from riskscan.types import (
    AgentFact,
    Diagnostic,
    Facts,
    Items,
    PermissionRule,
    Ref,
    ToolFact,
)

AGENT_FRAMEWORK = "mcp-config"  # as every client agent of a config


def apply(facts: Sequence[Facts], runners: CodeRunners = CodeRunners()) -> list[Facts]:
    rules = [rule for file_facts in facts for rule in file_facts.permissions]
    governing: set[tuple[str, str]] = set()  # (client, scope) of settings that govern a client agent
    out = []
    for file_facts in facts:
        client = _client(file_facts)
        if client is None or not file_facts.agents:
            out.append(file_facts)
            continue
        mine = [rule for rule in rules if rule.client == client and _within(file_facts.path, rule.scope)]
        governing |= {(rule.client, rule.scope) for rule in mine}
        out.append(_with_builtins(file_facts, client, mine, runners))
    return _settings_agents(out, rules, governing, runners)


def _client(facts: Facts) -> str | None:
    if facts.kind != "mcp-config":
        return None
    named = client_of_path(facts.path)
    return client_policies.CLIENTS[named][0] if named in client_policies.CLIENTS else None


def _with_builtins(facts: Facts, client: str, rules: list[PermissionRule], runners: CodeRunners) -> Facts:
    tools = list(facts.tools)
    agents = []
    diagnostics = list(facts.diagnostics)
    for agent in facts.agents:
        held, denied = _builtins(agent, client, rules, runners)
        tools += held
        diagnostics += _denials(agent, denied)
        agents.append(replace(agent, tools=agent.tools + (Items(tuple(Ref(t.id, t.location) for t in held)),)) if held else agent)
    return replace(facts, tools=tuple(tools), agents=tuple(agents), diagnostics=tuple(diagnostics))


def _builtins(agent: AgentFact, client: str, rules: list[PermissionRule],
              runners: CodeRunners) -> tuple[list[ToolFact], dict[str, list[str]]]:
    held, denied = client_policies.decide(client, rules, agent.location, runners)
    prefix = client_policies.PREFIXES[client]
    return [ToolFact(id=f"{agent.id}.<builtin {tool.name}>", name=tool.name, framework=client, location=agent.location,
                     builtin=prefix + tool.name, gates=tool.gates) for tool in held], denied


def _denials(agent: AgentFact, denied: dict[str, list[str]]) -> list[Diagnostic]:
    return [Diagnostic(agent.location, "permission-denied", f"{agent.name} does not hold {', '.join(names)}: {reason}", "info")
            for reason, names in denied.items()]


def _settings_agents(facts: list[Facts], rules: list[PermissionRule], governing: set[tuple[str, str]],
                     runners: CodeRunners) -> list[Facts]:
    """The settings files of a client and folder that govern no client agent: the first of each
    (by path) becomes the client's agent."""
    first: dict[tuple[str, str], PermissionRule] = {}
    for rule in sorted(rules, key=lambda r: r.location):
        if rule.effect == "settings" and (rule.client, rule.scope) not in governing and rule.client in client_policies.NAMES:
            first.setdefault((rule.client, rule.scope), rule)
    if not first:
        return facts
    by_path = {rule.location.path: rule for rule in first.values()}
    out = []
    for file_facts in facts:
        marker = by_path.get(file_facts.path)
        if marker is None:
            out.append(file_facts)
            continue
        client = marker.client
        agent = AgentFact(id=f"client:{file_facts.path}", name=f"{client_policies.NAMES[client]} ({file_facts.path})",
                          framework=AGENT_FRAMEWORK, location=marker.location)
        mine = [rule for rule in rules if rule.client == client and _within(file_facts.path, rule.scope)]
        held, denied = _builtins(agent, client, mine, runners)
        agent = replace(agent, tools=(Items(tuple(Ref(t.id, t.location) for t in held)),))
        out.append(replace(file_facts, tools=file_facts.tools + tuple(held), agents=file_facts.agents + (agent,),
                           diagnostics=file_facts.diagnostics + tuple(_denials(agent, denied))))
    return out


def _within(path: str, scope: str) -> bool:
    return not scope or path.startswith(scope + "/")

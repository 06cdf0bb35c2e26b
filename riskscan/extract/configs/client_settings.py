"""Client settings: the permission rules and switches that decide which tools a client agent really
holds, which ask first, and what runs without asking. Claude Code's (`.claude/settings.json`,
`.claude/settings.local.json`, and the same files under a user's home) are read here; Gemini CLI's
`.gemini/settings.json`, the Cursor CLI's `.cursor/cli.json` / `cli-config.json` and VS Code's
`.vscode/settings.json` are read by tool_settings.py, and Codex's by codex_config.py.

Every setting becomes a `PermissionRule` of its client, governing the client configs in the folder
that holds the settings' folder (`scope`); the model stage joins them to those configs
(riskscan/model/permissions.py for MCP tools, client_builtins.py for the client's own tools). For
Claude Code (client `claude-code`) the effects are:

- `allow` / `ask` / `deny`: every `permissions.*` rule as written, MCP tools (`mcp__server`,
  `mcp__server__tool`, `mcp__server__get_*`) and built-ins (`Bash(git status:*)`, `WebFetch`)
  alike: deny removes a tool, ask gates it, allow lets it run unasked;
- `disable-server`: each `disabledMcpjsonServers` entry removes a project server;
- `mode`: `permissions.defaultMode`; `sandbox`: `sandbox.enabled`, as `auto-allow` or `asks`
  (`autoAllowBashIfSandboxed`, default true);
- `settings`: the file itself, so that a project with Claude Code settings and no MCP config is
  still a Claude Code agent holding its built-in tools.

`defaultMode: bypassPermissions` skips every prompt; `enableAllProjectMcpServers` starts every
server a checkout's `.mcp.json` names, unreviewed; an allow rule for every shell command, for a
command prefix that lets any code run (`Bash(python -c:*)`), or for a whole server skips the
prompts it covers; hooks run shell commands on the user's machine. Each is a
hygiene fact. Nothing here is run.
"""

from __future__ import annotations

from dataclasses import replace

from riskscan.catalog.commands import CodeRunners, any_code_allowed
from riskscan.extract.configs import mcp_config, tool_settings
from riskscan.formats.json_input import Pointer, Positions
from riskscan.rulesets import Rulesets
from riskscan.secrets import find_secret, redact
from riskscan.types import Diagnostic, Facts, HygieneFact, SourceFile
from riskscan.types.facts import PermissionRule

CLIENT = "claude-code"
EFFECTS = ("deny", "ask", "allow")
_ANY_SHELL = {"Bash", "Bash(*)", "Bash(:*)", "Bash(**)"}
_HOOK_SHOWN = 80  # characters of a hook command quoted in a finding


def is_settings_path(path: str) -> bool:
    """Claude Code's settings, or another client's settings file (tool_settings.py)."""
    parts = path.split("/")
    return (len(parts) >= 2 and parts[-2] == ".claude" and parts[-1] in ("settings.json", "settings.local.json")) \
        or tool_settings.client_of(path) is not None


def scope_of(path: str) -> str:
    """The folder whose client configs a settings file governs: the one holding `.claude/`."""
    parts = path.split("/")
    return "/".join(parts[:-2])


def extract(document: object, positions: Positions, source: SourceFile, rulesets: Rulesets) -> Facts:
    client = tool_settings.client_of(source.path)
    if client is not None:
        return _other_client(client, document, positions, source, rulesets)
    path = source.path
    if not isinstance(document, dict):
        diagnostic = Diagnostic(positions.location(()), "invalid-settings", "Claude Code settings must be a JSON object; not read")
        return Facts(path=path, kind="client-settings", diagnostics=(diagnostic,))
    hygiene: list[HygieneFact] = []
    diagnostics: list[Diagnostic] = []
    permissions = document.get("permissions") if isinstance(document.get("permissions"), dict) else {}
    bypassed = permissions.get("defaultMode") == "bypassPermissions"
    if bypassed:
        hygiene.append(HygieneFact("approvals-disabled", positions.location(("permissions", "defaultMode")), "Claude Code",
                                   "`defaultMode: bypassPermissions` runs every tool call without asking, ask rules included"))
    scope = scope_of(path)
    rules = [PermissionRule(CLIENT, scope, "settings", "", positions.location(()))]
    mode = permissions.get("defaultMode")
    if isinstance(mode, str):
        rules.append(PermissionRule(CLIENT, scope, "mode", mode, positions.location(("permissions", "defaultMode")), bypassed))
    sandbox = document.get("sandbox") if isinstance(document.get("sandbox"), dict) else {}
    if sandbox.get("enabled") is True:
        asks = sandbox.get("autoAllowBashIfSandboxed") is False
        rules.append(PermissionRule(CLIENT, scope, "sandbox", "asks" if asks else "auto-allow",
                                    positions.location(("sandbox", "enabled")), bypassed))
    for effect in EFFECTS:
        entries = permissions.get(effect)
        if entries is None:
            continue
        if not isinstance(entries, list):
            diagnostics.append(Diagnostic(positions.location(("permissions", effect)), "invalid-settings",
                                          f"`permissions.{effect}` is not a list; ignored"))
            continue
        for index, rule in enumerate(entries):
            pointer: Pointer = ("permissions", effect, index)
            if not isinstance(rule, str):
                diagnostics.append(Diagnostic(positions.location(pointer), "invalid-settings", f"a `{effect}` rule is not a string; ignored"))
                continue
            rule = rule.strip()
            if rule:
                rules.append(PermissionRule(CLIENT, scope, effect, rule, positions.location(pointer), bypassed))
            if effect == "allow":
                hygiene += _broad_allow(rule, positions, pointer, rulesets.code_runners)
    for index, name in enumerate(_strings(document.get("disabledMcpjsonServers"))):
        rules.append(PermissionRule(CLIENT, scope, "disable-server", name,
                                    positions.location(("disabledMcpjsonServers", index)), bypassed))
    if document.get("enableAllProjectMcpServers") is True:
        hygiene.append(HygieneFact("broad-allow", positions.location(("enableAllProjectMcpServers",)), "Claude Code",
                                   "`enableAllProjectMcpServers: true` starts every server in the project's .mcp.json "
                                   "without review, including servers a later commit adds"))
    hygiene += _hooks(document.get("hooks"), positions, rulesets)
    return Facts(path=path, kind="client-settings", hygiene=tuple(hygiene), diagnostics=tuple(diagnostics),
                 permissions=tuple(rules))


def _other_client(client: str, document: object, positions: Positions, source: SourceFile, rulesets: Rulesets) -> Facts:
    """Gemini CLI, Cursor CLI or VS Code settings: their rules and hygiene, and, when the same file
    declares MCP servers (Gemini's `mcpServers`, VS Code's `mcp.servers`), the client config it also is."""
    path = source.path
    if not isinstance(document, dict):
        if client == "vscode":  # any JSON named so; not read
            return Facts(path=path, kind=source.kind)
        diagnostic = Diagnostic(positions.location(()), "invalid-settings", "client settings must be a JSON object; not read")
        return Facts(path=path, kind="client-settings", diagnostics=(diagnostic,))
    rules, hygiene = tool_settings.read(client, document, positions, scope_of(path), rulesets.code_runners)
    if mcp_config.has_servers(document):
        facts = mcp_config.extract(document, positions, source, rulesets)
    elif rules:
        facts = Facts(path=path, kind="client-settings")
    else:
        return Facts(path=path, kind=source.kind)  # a VS Code settings file with nothing of agents
    return replace(facts, hygiene=facts.hygiene + tuple(hygiene), permissions=facts.permissions + tuple(rules))


def _broad_allow(rule: str, positions: Positions, pointer: Pointer, runners: CodeRunners) -> list[HygieneFact]:
    shell, specifier = tool_settings.split(rule)
    any_code = any_code_allowed(specifier, runners, prefix=False) if shell in ("Bash", "PowerShell") and specifier else None
    if rule in _ANY_SHELL:
        what = "every shell command"
    elif any_code:
        return [HygieneFact("broad-allow", positions.location(pointer), "Claude Code",
                            f"allow rule `{rule}` runs any code without asking ({any_code})")]
    elif rule.startswith("mcp__") and (rule.count("__") == 1 or rule.endswith("__*")):
        what = f"every tool of MCP server `{rule.split('__')[1]}`"
    elif rule == "mcp__*" or rule == "*":
        what = "every tool"
    else:
        return []
    return [HygieneFact("broad-allow", positions.location(pointer), "Claude Code",
                        f"allow rule `{rule}` runs {what} without asking")]


def _hooks(hooks: object, positions: Positions, rulesets: Rulesets) -> list[HygieneFact]:
    """Every `"type": "command"` hook: a shell command the client runs on an event."""
    found = []
    if not isinstance(hooks, dict):
        return found
    for event, matchers in hooks.items():
        for m_index, matcher in enumerate(matchers if isinstance(matchers, list) else ()):
            if not isinstance(matcher, dict):
                continue
            for h_index, hook in enumerate(matcher.get("hooks") if isinstance(matcher.get("hooks"), list) else ()):
                if not isinstance(hook, dict) or hook.get("type", "command") != "command":
                    continue
                command = hook.get("command")
                if not isinstance(command, str) or not command.strip():
                    continue
                shown = redact(command) if find_secret(None, command, rulesets) else _shorten(command)
                on = f" on tools matching `{matcher['matcher']}`" if isinstance(matcher.get("matcher"), str) and matcher["matcher"] else ""
                pointer = ("hooks", event, m_index, "hooks", h_index, "command")
                found.append(HygieneFact("hook-command", positions.location(pointer), "Claude Code",
                                         f"a {event} hook{on} runs the shell command `{shown}`"))
    return found


def _shorten(command: str) -> str:
    command = " ".join(command.split())
    return command if len(command) <= _HOOK_SHOWN else command[:_HOOK_SHOWN - 1] + "…"


def _strings(value: object) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []

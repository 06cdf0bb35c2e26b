"""Which built-in tools a coding-agent client holds, and the gates in front of each, from the
permission rules that govern it (the `PermissionRule`s its settings files gave: extract/configs/
client_settings.py, tool_settings.py, codex_config.py). Pure: rules in, decisions out;
client_builtins.py puts them on the client's agent. The tools' labels are in the catalogs
(rulesets/builtin_tools_<client>.yaml); here is only what asks, what runs and what is removed.

Each client is taken interactive: a call that asks is asked to the person at the terminal or in
the editor, an approval gate, never a denial. With nothing configured each client has its real
default:

- Claude Code: Claude Code's permission system (extract/configs/claude_code_permissions.py) with
  the person at the terminal as approver: the shell, edits and web tools ask, reads do not; allow,
  ask and deny rules, `defaultMode` (acceptEdits lets edits run unasked, plan and dontAsk hold no
  tool that asks, bypassPermissions runs all), and the sandbox on Bash.
- Gemini CLI: the shell, file writes, edits and web fetches ask; reads and Google searches do
  not. `tools.core` keeps only the built-ins it names, `tools.exclude` removes, `tools.allowed`
  runs unasked, `tools.confirmationRequired` always asks, the sandbox gates the shell;
  `general.defaultApprovalMode` `auto_edit` runs edits and fetches unasked, `plan` holds none of
  the shell and writes (`yolo` is a command-line flag only, read if a settings file says it).
- Codex: `approval_policy` (default on-request) and `sandbox_mode` (default workspace-write, the
  "Auto" preset of a trusted project, which a project config implies): the shell runs in the OS
  sandbox unless danger-full-access, and asks first under `untrusted`; apply_patch runs unasked
  in the workspace, asks in a read-only sandbox (and cannot run there under `never`); web search
  only when enabled.
- Cursor: a terminal command asks; edits, deletions, reads and web searches do not. CLI
  `Shell(...)` allow rules run commands unasked, deny rules on a whole family (`Shell(*)`,
  `Write(**)`, `Read(**)`) remove its tools; deny rules win over allow rules.
- VS Code: a terminal command and a web fetch ask; edits in the workspace, reads and searches do
  not. `chat.tools.terminal.autoApprove` entries let commands run unasked (an allowlist, or all),
  the terminal sandbox runs them sandboxed and unasked, `chat.tools.urls.autoApprove` lets URLs be
  fetched unasked, `chat.tools.global.autoApprove` and a `chat.permissions.default` of
  `autoApprove` / `autopilot` every tool (`assisted`: a model judges each call), `chat.agent.enabled:
  false` takes agent mode away.
- Windsurf: terminal commands and deploys ask; writes, reads and web reads do not. Its settings
  live in the editor, not the project, so none are read.

For each client, a shell allow rule whose command prefix lets any code run (`Bash(python -c:*)`,
`Shell(npx)`, `run_shell_command(uv run)`, a VS Code entry `node`: riskscan/catalog/commands.py)
counts as allowing the whole shell, not as an allowlist.

A tool with no labels in its catalog (a task list, lint results) adds nothing to a path and is
not held.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from riskscan.catalog.commands import CodeRunners, any_code_allowed
from riskscan.extract.configs import claude_code_permissions as claude_code
from riskscan.extract.configs.tool_settings import (
    ANY_COMMANDS,
    VSCODE_UNASKED_LEVELS,
    is_regex_entry,
    split,
    terminal_entry_matches,
)
from riskscan.types import Gate, Location, PermissionRule

# client display name (extract/configs/clients.py) -> client id of its rules and catalog prefix
CLIENTS = {
    "Claude Code": ("claude-code", "claude_code."),
    "Cursor": ("cursor", "cursor."),
    "Gemini CLI": ("gemini-cli", "gemini_cli."),
    "Codex": ("codex", "codex."),
    "VS Code": ("vscode", "vscode."),
    "Windsurf": ("windsurf", "windsurf."),
}
NAMES = {client: name for name, (client, _) in CLIENTS.items()}
PREFIXES = dict(CLIENTS.values())

GEMINI_TOOLS = {  # tool name -> the other names tools.core / tools.exclude accept: class and earlier names
    "run_shell_command": ("ShellTool",), "write_file": ("WriteFileTool",), "replace": ("EditTool",),
    "read_file": ("ReadFileTool",), "read_many_files": ("ReadManyFilesTool",), "list_directory": ("LSTool",),
    "glob": ("GlobTool",), "grep_search": ("GrepTool", "search_file_content"), "web_fetch": ("WebFetchTool",),
    "google_web_search": ("WebSearchTool",),
}
# what asks in the default approval mode (policies/write.toml), what auto_edit lets run unasked,
# and what plan mode still asks for rather than denies (policies/plan.toml)
GEMINI_ASKING = frozenset({"run_shell_command", "write_file", "replace", "web_fetch"})
GEMINI_AUTO_EDIT = frozenset({"write_file", "replace", "web_fetch"})
GEMINI_PLAN_ASKING = frozenset({"web_fetch"})
CODEX_TOOLS = ("shell", "apply_patch", "view_image", "web_search")
CURSOR_FAMILIES = {  # the Cursor CLI rule family that governs each tool
    "run_terminal_cmd": "Shell", "edit_file": "Write", "search_replace": "Write", "delete_file": "Write",
    "read_file": "Read", "list_dir": "Read", "codebase_search": "Read", "grep_search": "Read", "file_search": "Read",
    "web_search": None,
}
CURSOR_ASKING = frozenset({"run_terminal_cmd"})
VSCODE_TOOLS = ("runInTerminal", "editFiles", "createFile", "readFile", "listDirectory", "codebase", "search", "fetch", "githubRepo")
VSCODE_ASKING = frozenset({"runInTerminal", "fetch"})
WINDSURF_TOOLS = ("run_command", "write_to_file", "edit_file", "view_file", "view_code_item", "list_dir", "find_by_name",
                  "grep_search", "codebase_search", "read_url_content", "view_web_document_content_chunk", "search_web",
                  "deploy_web_app")
WINDSURF_ASKING = frozenset({"run_command", "deploy_web_app"})


@dataclass(frozen=True)
class Held:
    name: str  # the tool's name in its client's catalog
    gates: tuple[Gate, ...] = ()


def decide(client: str, rules: Sequence[PermissionRule], at: Location,
           runners: CodeRunners = CodeRunners()) -> tuple[list[Held], dict[str, list[str]]]:
    """(the built-ins the client's agent holds with their gates, the others by why not). `at` is
    where the agent is declared: the place of a gate no setting wrote. `runners` tell a shell
    allow rule that lets any code run (`python -c`, `npx`) from one that fixes what runs."""
    deciders = {"claude-code": _claude_code, "gemini-cli": _gemini, "codex": _codex, "cursor": _cursor,
                "vscode": _vscode, "windsurf": _windsurf}
    held: list[Held] = []
    denied: dict[str, list[str]] = {}
    for name, decision in deciders[client](rules, at, runners):
        if decision.held:
            held.append(Held(name, tuple(sorted(set(decision.gates)))))
        else:
            denied.setdefault(decision.reason, []).append(name)
    return held, denied


def strongest(rules: Sequence[PermissionRule], effect: str) -> PermissionRule | None:
    """The setting that counts when several files set it: the most specific scope's, and in one
    scope a `.local` file's over the shared one's."""
    found = [rule for rule in rules if rule.effect == effect]
    return max(found, key=lambda r: (len(r.scope), ".local." in r.location.path, r.location), default=None)


def _of(rules: Sequence[PermissionRule], effect: str) -> list[PermissionRule]:
    return [rule for rule in rules if rule.effect == effect]


def _asks(client: str, at: Location, what: str = "each call") -> claude_code.Decision:
    return claude_code.Decision(True, (Gate("approval", f"{NAMES[client]} asks the user before {what}", at),))


def _runs(*gates: Gate) -> claude_code.Decision:
    return claude_code.Decision(True, tuple(gates))


# --- Claude Code ---------------------------------------------------------------------------------


def claude_code_policy(rules: Sequence[PermissionRule], at: Location, runners: CodeRunners = CodeRunners()) -> claude_code.Policy:
    mode_rule = strongest(rules, "mode")
    mode = mode_rule.pattern if mode_rule is not None and mode_rule.pattern in claude_code.MODES else "default"
    parsed = {effect: tuple(r for r in (claude_code.parse_rule(rule.pattern, rule.location) for rule in _of(rules, effect)) if r)
              for effect in ("allow", "ask", "deny")}
    sandbox_rule = strongest(rules, "sandbox")
    sandbox = Gate("sandbox", "`sandbox.enabled`: Bash commands run with Claude Code's filesystem and network isolation",
                   sandbox_rule.location) if sandbox_rule is not None else None
    place = mode_rule.location if mode_rule is not None else at
    return claude_code.Policy(
        mode=mode, allowed=parsed["allow"], denied=parsed["deny"], asked=parsed["ask"],
        approver=Gate("approval", f"Claude Code asks the person at the terminal before each call (permission mode {mode})", place),
        sandbox=sandbox, sandbox_allows=sandbox_rule is not None and sandbox_rule.pattern == "auto-allow",
        mode_location=place, deny_reason="removed by a deny rule", allow_name="allow rule", mode_name="defaultMode",
        code_runners=runners,
    )


def _claude_code(rules, at, runners):
    policy = claude_code_policy(rules, at, runners)
    for name in claude_code.DEFAULT_TOOLS:
        yield name, claude_code.decide(policy, name)


# --- Gemini CLI ----------------------------------------------------------------------------------


def _gemini(rules, at, runners):
    mode_rule = strongest(rules, "mode")
    mode = mode_rule.pattern.lower().replace("_", "") if mode_rule is not None else "default"  # auto_edit, autoEdit
    sandbox_rule = strongest(rules, "sandbox")
    core = _of(rules, "core")
    for name, aliases in GEMINI_TOOLS.items():
        def named(effect_rules, names=(name, *aliases)):
            return [(r, split(r.pattern)[1]) for r in effect_rules if split(r.pattern)[0] in names]
        listed = named(core)
        if core and not listed:
            yield name, claude_code.Decision(False, reason="not named in coreTools / tools.core")
            continue
        if any(spec is None for _, spec in named(_of(rules, "deny"))):
            yield name, claude_code.Decision(False, reason="removed by excludeTools / tools.exclude")
            continue
        gates = []
        if sandbox_rule is not None and name == "run_shell_command":
            gates.append(Gate("sandbox", f"sandbox `{sandbox_rule.pattern}`: Gemini CLI runs in a container or "
                              "Seatbelt profile that confines its commands", sandbox_rule.location))
        if listed and all(spec and not any_code_allowed(spec, runners) for _, spec in listed):
            gates.append(Gate("allowlist", f"tools.core {_spelled(r for r, _ in listed)}: only these commands run", listed[0][0].location))
        allowed = named(_of(rules, "allow"))
        forced = named(_of(rules, "ask"))  # tools.confirmationRequired: asks whatever allows it
        asks = bool(forced) or name in GEMINI_ASKING
        if mode == "yolo" or not asks or (not forced and (
                (mode == "autoedit" and name in GEMINI_AUTO_EDIT)
                or any(spec is None or any_code_allowed(spec, runners) for _, spec in allowed))):
            yield name, _runs(*gates)
        elif mode == "plan" and name not in GEMINI_PLAN_ASKING:
            yield name, claude_code.Decision(False, reason="plan mode runs no tool that asks")
        elif allowed and not forced:
            gate = Gate("allowlist", f"tools.allowed {_spelled(r for r, _ in allowed)}: only matching calls run unasked", allowed[0][0].location)
            yield name, _runs(*gates, gate)
        else:
            yield name, _runs(*gates, *_asks("gemini-cli", mode_rule.location if mode_rule else at).gates)


# --- Codex ---------------------------------------------------------------------------------------


def _codex(rules, at, _runners):
    approval_rule, sandbox_rule = strongest(rules, "mode"), strongest(rules, "sandbox")
    approval = approval_rule.pattern if approval_rule is not None else "on-request"
    sandbox = sandbox_rule.pattern if sandbox_rule is not None else "workspace-write"
    if sandbox not in ("read-only", "workspace-write", "danger-full-access"):
        sandbox = "workspace-write"
    network = sandbox == "workspace-write" and strongest(rules, "network") is not None
    asks = approval == "untrusted"
    ask_place = approval_rule.location if approval_rule is not None else at
    ask = Gate("approval", f"approval_policy {approval}: Codex asks before each command not on its list of known-safe ones", ask_place)
    for name in CODEX_TOOLS:
        if name == "shell":
            gates = [ask] if asks else []
            if sandbox != "danger-full-access":
                writes = "nowhere" if sandbox == "read-only" else "only in the workspace"
                gates.append(Gate("sandbox", f"sandbox_mode {sandbox}: commands run in Codex's OS sandbox (writes {writes}, "
                                  f"network {'on' if network else 'off'})", sandbox_rule.location if sandbox_rule else at))
            yield name, _runs(*gates)
        elif name == "apply_patch":
            if sandbox == "read-only" and approval == "never":
                yield name, claude_code.Decision(False, reason="a read-only sandbox with approval_policy never applies no patch")
            elif sandbox == "read-only":
                yield name, _runs(Gate("approval", "sandbox_mode read-only: Codex asks before each patch", sandbox_rule.location if sandbox_rule else at))
            else:
                yield name, _runs(*([ask] if asks else []))
        elif name == "web_search":  # off unless enabled: no tool of the default set to diagnose
            enabled = strongest(rules, "web-search")
            if enabled is not None and enabled.pattern == "on":
                yield name, _runs()
            elif enabled is not None:
                yield name, claude_code.Decision(False, reason="web search is turned off in config.toml")
        else:
            yield name, _runs()


# --- Cursor --------------------------------------------------------------------------------------


def _cursor(rules, at, runners):
    def family(effect: str, wanted: str) -> list[tuple[PermissionRule, str | None]]:
        return [(r, split(r.pattern)[1]) for r in _of(rules, effect) if split(r.pattern)[0] == wanted]

    for name, wanted in CURSOR_FAMILIES.items():
        if wanted is not None and _whole(family("deny", wanted)):
            yield name, claude_code.Decision(False, reason=f"removed by a `{wanted}(...)` deny rule")
            continue
        if name not in CURSOR_ASKING:
            yield name, _runs()
            continue
        allowed = family("allow", wanted) if name == "run_terminal_cmd" else []
        if _whole(allowed) or any(spec and any_code_allowed(spec, runners) for _, spec in allowed):
            yield name, _runs()
        elif allowed:
            yield name, _runs(Gate("allowlist", f"allow rules {_spelled(r for r, _ in allowed)}: only these commands run unasked",
                                   allowed[0][0].location))
        else:
            yield name, _asks("cursor", at, "each terminal command")


# --- VS Code -------------------------------------------------------------------------------------


def _vscode(rules, at, runners):
    disabled, everything, level = strongest(rules, "disabled"), strongest(rules, "auto-approve"), strongest(rules, "mode")
    if level is not None and level.pattern.lower() in VSCODE_UNASKED_LEVELS:
        everything = level
    judged = level is not None and level.pattern.lower() == "assisted"
    sandbox = strongest(rules, "sandbox")
    allowed = [] if strongest(rules, "no-auto-approve") is not None else _of(rules, "allow")
    urls = _of(rules, "fetch-allow")
    for name in VSCODE_TOOLS:
        if disabled is not None:
            yield name, claude_code.Decision(False, reason="chat.agent.enabled is false: no agent mode")
        elif name == "runInTerminal" and sandbox is not None:  # sandboxed commands run unasked
            yield name, _runs(Gate("sandbox", "chat.tools.terminal.sandbox.enabled: terminal commands run with file system "
                                   "writes limited to the workspace and no network", sandbox.location))
        elif everything is not None or name not in VSCODE_ASKING or (name == "runInTerminal" and any(
                all(terminal_entry_matches(r.pattern, c) for c in ANY_COMMANDS) or _runs_any_code(r.pattern, runners)
                for r in allowed)) \
                or (name == "fetch" and any(r.pattern in ("*", "**", "https://*", "https://**") for r in urls)):
            yield name, _runs()
        elif name == "runInTerminal" and allowed:
            yield name, _runs(Gate("allowlist", f"chat.tools.terminal.autoApprove {_spelled(allowed)}: only matching commands run unasked",
                                   allowed[0].location))
        elif name == "fetch" and urls:
            yield name, _runs(Gate("allowlist", f"chat.tools.urls.autoApprove {_spelled(urls)}: only these URLs are fetched unasked",
                                   urls[0].location))
        elif judged:
            yield name, _runs(Gate("guardrail", "chat.permissions.default assisted: a model judges each call", level.location))
        else:
            yield name, _asks("vscode", at, "each terminal command" if name == "runInTerminal" else "each URL it fetches")


# --- Windsurf ------------------------------------------------------------------------------------


def _windsurf(rules, at, _runners):
    for name in WINDSURF_TOOLS:
        yield name, _asks("windsurf", at, "each command" if name == "run_command" else "each deploy") \
            if name in WINDSURF_ASKING else _runs()


def _runs_any_code(entry: str, runners: CodeRunners) -> bool:
    """A VS Code terminal entry that is a command prefix (not a `/regex/`) letting any code run."""
    return not is_regex_entry(entry) and bool(any_code_allowed(entry, runners))


def _whole(found: list[tuple[PermissionRule, str | None]]) -> bool:
    return any((spec or "") in ("", "*", "**") for _, spec in found)


def _spelled(rules) -> str:
    return ", ".join(f"`{rule.pattern}`" for rule in rules)

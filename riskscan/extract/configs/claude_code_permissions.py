"""Claude Code's permission system, as data: which of its tools an agent really holds and what
stands in front of each, from the rules and modes that govern it. Pure: no syntax and no files
here. Two readers build the `Policy`: the Claude Agent SDK adapter from a program's options
(riskscan/extract/python/adapters/claude_agent_sdk_options.py), and the client join from the
Claude Code settings of a project (riskscan/model/client_builtins.py).

Who answers a call that asks is the difference between the two uses. An SDK program runs the
Claude Code CLI headless, with nobody at a terminal: such a call goes to `can_use_tool` (or the
MCP tool of `permission_prompt_tool_name`) when there is one, and without one it is denied (the
result message's `permission_denials`). The interactive CLI asks the person at the terminal: its
`Policy` has that person as `approver`, an approval gate. So, per tool, in the order Claude Code
decides:

- a deny rule naming the whole tool removes it;
- a tool that asks nobody (Read, Glob, Grep, Agent, ...) runs, and so does any tool under
  `bypassPermissions`;
- `plan` runs nothing that asks ("no execution of tools", whatever the allow rules say);
- an ask rule naming the whole tool makes it ask whatever allows it, and so a tool that does not
  ask by nature (an ask rule on Read);
- an allow rule for the whole tool (`Bash`, `Bash()`, `Bash(*)`, `mcp__server`,
  `mcp__server__*`) lets it run, and so does `acceptEdits` a file edit, and an enabled sandbox
  that auto-allows it (`autoAllowBashIfSandboxed`, default true) Bash;
- a shell rule whose command prefix leaves the code open (`Bash(python -c:*)`, `Bash(npx:*)`:
  riskscan/catalog/commands.py) lets any code run, as the whole tool would;
- an entry with a specifier (`Bash(git status:*)`) lets matching calls run unasked: an allowlist
  gate (the other calls ask, but the allowed ones are the weakest way through, so no approval gate);
- `auto`: a model classifier decides each call (a guardrail gate);
- `default` / `acceptEdits` with an approver (`can_use_tool`, a prompt tool, the person at the
  terminal): an approval gate naming it; `dontAsk` never consults it;
- a PreToolUse hook that can answer "allow" lets the call run: the hook's guardrail gate;
- otherwise the call is denied: the agent does not hold the tool.

A PreToolUse hook that can deny puts a guardrail gate on every tool its matcher matches, in every
mode (hooks run first). It is code checking each call, not a person, hence guardrail rather than
approval; `can_use_tool` is the SDK's replacement for the person at the prompt, hence approval.
The sandbox puts a sandbox gate on Bash.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from riskscan.catalog.commands import CodeRunners, any_code_allowed
from riskscan.types import Gate, Location

# Claude Code's tools that ask before they run in the default mode (with every MCP tool)
ASKING = frozenset({"Bash", "PowerShell", "Edit", "MultiEdit", "Write", "NotebookEdit", "WebFetch", "WebSearch",
                    "Skill", "SlashCommand", "ExitPlanMode"})
EDITS = frozenset({"Edit", "MultiEdit", "Write", "NotebookEdit"})  # what acceptEdits lets run unasked
SHELLS = frozenset({"Bash", "PowerShell"})
SUBAGENT_TOOLS = ("Agent", "Task")  # the tool that runs a subagent: its name, and its earlier one
# The built-ins an agent holds when `tools` is not set: the catalogued tools that read, write, run
# or send, and the subagent tool. Tools that do none of these (TodoWrite, AskUserQuestion,
# ExitPlanMode, KillShell, ...) add nothing to a path and are held only when named.
DEFAULT_TOOLS = ("Agent", "Bash", "Read", "Glob", "Grep", "Edit", "Write", "NotebookEdit", "WebFetch", "WebSearch")
# claude-code-sdk ran the CLI of its time, whose subagent tool was Task and which still had
# MultiEdit and LS
OLD_DEFAULT_TOOLS = ("Task", "Bash", "Read", "Glob", "Grep", "LS", "Edit", "MultiEdit", "Write", "NotebookEdit",
                     "WebFetch", "WebSearch")
MODES = frozenset({"default", "acceptEdits", "plan", "bypassPermissions", "dontAsk", "auto"})


@dataclass(frozen=True)
class Rule:
    """One permission rule (an `allowed_tools` / `disallowed_tools` entry, a `permissions.allow` /
    `ask` / `deny` entry of a settings file): the tool it names and its specifier ("" for the whole
    tool)."""

    text: str
    tool: str
    specifier: str
    location: Location

    @property
    def whole(self) -> bool:
        return self.specifier in ("", "*")


def parse_rule(text: str, location: Location) -> Rule | None:
    """`Read` / `Read()` / `Read(*)` (the whole tool) or `Bash(ls:*)`; None for what the CLI's
    parser matches nothing with (types.py `_whole_tool_allowed`)."""
    text = text.strip()
    if not text:
        return None
    opening = text.find("(")
    if opening == -1:
        return Rule(text, text, "", location)
    if opening == 0 or not text.endswith(")"):
        return None
    return Rule(text, text[:opening], text[opening + 1:-1].strip(), location)


def rule_matches(rule: Rule, name: str) -> bool:
    """Whether a rule's tool part names tool `name`: a built-in by its name (Task and Agent are
    one), an MCP tool `mcp__server__tool` by `mcp__server`, `mcp__server__*` or a pattern."""
    if rule.tool == name or {rule.tool, name} == set(SUBAGENT_TOOLS):
        return True
    if rule.tool in ("*", "mcp__*") and (rule.tool == "*" or name.startswith("mcp__")):
        return True
    if not (rule.tool.startswith("mcp__") and name.startswith("mcp__")):
        return False
    parts, named = rule.tool.split("__", 2), name.split("__", 2)
    if len(parts) < 2 or len(named) < 3 or parts[1] != named[1]:
        return False
    return len(parts) == 2 or parts[2] in ("", "*") or fnmatchcase(named[2], parts[2])


def matcher_matches(matcher: str | None, name: str) -> bool:
    """A hook matcher: none, "" or "*" is every tool; names joined by `|` are exact; anything
    else is a regular expression, matched against the whole name (the narrower reading)."""
    if matcher is None or matcher.strip() in ("", "*"):
        return True
    if re.fullmatch(r"[\w|]+", matcher):
        return name in matcher.split("|") or (name in SUBAGENT_TOOLS and bool(set(SUBAGENT_TOOLS) & set(matcher.split("|"))))
    try:
        return re.fullmatch(matcher, name) is not None
    except re.error:
        return False


@dataclass(frozen=True)
class Hook:
    """A PreToolUse hook: its matcher, whether its body can deny or allow a call, and its place."""

    matcher: str | None
    name: str
    can_deny: bool
    can_allow: bool
    location: Location


@dataclass(frozen=True)
class Policy:
    """What decides an agent's tool calls."""

    mode: str = "default"  # a PermissionMode, or "unknown" when not written as a literal
    allowed: tuple[Rule, ...] = ()
    denied: tuple[Rule, ...] = ()
    asked: tuple[Rule, ...] = ()  # ask rules: the whole tools they name ask, whatever allows them
    allow_all: bool = False  # `allowed_tools` not known statically: every tool taken as allowed
    approver: Gate | None = None  # can_use_tool / permission_prompt_tool_name / the person at the terminal
    tool_approvers: tuple[tuple[str, Gate | None], ...] = ()  # what the callback does for tools it names (None: lets them run)
    hooks: tuple[Hook, ...] = ()
    sandbox: Gate | None = None  # `sandbox.enabled`: on Bash
    sandbox_allows: bool = False  # `autoAllowBashIfSandboxed` (default true): sandboxed Bash runs unasked
    mode_location: Location | None = None
    deny_reason: str = "removed by disallowed_tools"  # as the reader names its rules
    allow_name: str = "allowed_tools"
    mode_name: str = "permission_mode"
    code_runners: CodeRunners = CodeRunners()  # to tell `Bash(python -c:*)`, any code, from `Bash(git status:*)`

    def spelled_mode(self) -> str:
        return f"{self.mode_name}={self.mode!r}" if self.mode_name == "permission_mode" else f"`{self.mode_name}: {self.mode}`"


@dataclass(frozen=True)
class Decision:
    held: bool
    gates: tuple[Gate, ...] = ()
    reason: str = ""  # why a tool is not held (or, held, what was assumed)


@dataclass
class Denials:
    """The tools an agent does not hold, by reason, for one diagnostic."""

    by_reason: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, reason: str) -> None:
        self.by_reason.setdefault(reason, [])
        if name not in self.by_reason[reason]:
            self.by_reason[reason].append(name)


def removed(policy: Policy, name: str) -> bool:
    return any(rule.whole and rule_matches(rule, name) for rule in policy.denied)


def decide(policy: Policy, name: str) -> Decision:
    """Whether an agent under `policy` holds tool `name` (a built-in's name or `mcp__s__t`), and
    the gates in front of it."""
    if removed(policy, name):
        return Decision(False, reason=policy.deny_reason)
    guards = tuple(
        Gate("guardrail", f"PreToolUse hook {hook.name} may deny each call", hook.location)
        for hook in policy.hooks if hook.can_deny and matcher_matches(hook.matcher, name)
    )
    sandboxed = (policy.sandbox,) if policy.sandbox is not None and name in SHELLS else ()
    forced = any(rule.whole and rule_matches(rule, name) for rule in policy.asked)
    asks = forced or name in ASKING or name.startswith("mcp__")
    mode = policy.mode
    if not asks or mode in ("bypassPermissions", "unknown"):
        return Decision(True, guards + sandboxed)
    if mode == "plan":
        return Decision(False, reason="plan mode runs no tool that asks")
    allowed = [] if forced else [rule for rule in policy.allowed if rule_matches(rule, name)]
    if not forced and (
        policy.allow_all or any(rule.whole or (name in SHELLS and runs_any_code(rule, policy)) for rule in allowed)
        or (mode == "acceptEdits" and name in EDITS)
        or (sandboxed and policy.sandbox_allows)
    ):
        return Decision(True, guards + sandboxed)
    if allowed:
        rules = ", ".join(f"`{rule.text}`" for rule in allowed)
        gate = Gate("allowlist", f"{policy.allow_name} {rules}: only matching calls run unasked", allowed[0].location)
        return Decision(True, guards + (gate,) + sandboxed)
    if mode == "auto":
        gate = Gate("guardrail", f"{policy.spelled_mode()}: a model classifier approves or denies each call", policy.mode_location)
        return Decision(True, guards + (gate,) + sandboxed)
    named = dict(policy.tool_approvers)  # "*": None when the callback allows everything
    if (policy.approver is not None or "*" in named) and mode != "dontAsk":
        gate = named.get(name, named.get("*", policy.approver))
        return Decision(True, guards + ((gate,) if gate is not None else ()) + sandboxed)
    allowing = [hook for hook in policy.hooks if hook.can_allow and matcher_matches(hook.matcher, name)]
    if allowing:  # what the hook does not allow asks, and is denied: the hook decides every call
        deciding = tuple(Gate("guardrail", f"PreToolUse hook {hook.name} decides each call", hook.location)
                         for hook in allowing if not hook.can_deny)
        return Decision(True, guards + deciding + sandboxed)
    if mode == "dontAsk":
        return Decision(False, reason=f"{policy.spelled_mode()} denies what no rule allows")
    return Decision(False, reason="it asks for permission, and nothing answers: no can_use_tool, prompt tool or allow rule")


def runs_any_code(rule: Rule, policy: Policy) -> str | None:
    """Why a shell rule's command prefix lets any code run (`Bash(python -c:*)`, `Bash(npx:*)`), or None."""
    return any_code_allowed(rule.specifier, policy.code_runners, prefix=False) if rule.specifier else None


def decide_server(policy: Policy, server: str) -> Decision:
    """The tools of MCP server `server` whose names are not known here (a server of another file,
    an unknown external one): as its whole-server rules decide them, and held when a rule allows
    one of its tools by name, since which one is not known."""
    decision = decide(policy, f"mcp__{server}__*")
    if decision.held or removed(policy, f"mcp__{server}__*"):
        return decision
    if policy.mode != "plan" and any(rule.tool.startswith(f"mcp__{server}__") for rule in policy.allowed):
        return Decision(True, reason="a rule allows some of its tools, and which they are is not known here: all are taken as held")
    return decision

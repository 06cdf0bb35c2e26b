"""Reading a `ClaudeAgentOptions(...)` / `ClaudeCodeOptions(...)` call (or an `AgentDefinition`'s
fields) into the permission `Policy` of Claude Code's permission system
(riskscan/extract/configs/claude_code_permissions.py): the permission mode, the allow and deny
rules, `can_use_tool` / `permission_prompt_tool_name`, PreToolUse hooks, the sandbox. Values written as literals, or bound once to a name of this file, are read; anything else
is a diagnostic and read the way that hides nothing (unknown allow rules allow everything).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from riskscan.extract.configs.claude_code_permissions import (
    MODES,
    Hook,
    Policy,
    Rule,
    parse_rule,
)
from riskscan.extract.python.adapters import claude_agent_sdk_callback as callbacks
from riskscan.extract.python.adapters.declarations import dict_entries, function_ref
from riskscan.extract.python.syntax import cst, find_nodes
from riskscan.extract.python.values import keyword, literal, positional, string_value
from riskscan.types import Gate

PACKAGES = ("claude_agent_sdk", "claude_code_sdk")
HOOK_MATCHERS = frozenset(f"{p}.{m}HookMatcher" for p in PACKAGES for m in ("", "types."))
DENY_RESULTS = frozenset(f"{p}.{m}PermissionResultDeny" for p in PACKAGES for m in ("", "types."))
ALLOW_RESULTS = frozenset(f"{p}.{m}PermissionResultAllow" for p in PACKAGES for m in ("", "types."))
DENY_WORDS = frozenset({"deny", "block"})  # a hook's `permissionDecision: "deny"`, legacy `decision: "block"`
ALLOW_WORDS = frozenset({"allow", "approve"})
_DEPTH = 8  # names followed to the value they are bound to
_COPIES = frozenset(f"builtins.{name}" for name in ("list", "tuple", "set", "frozenset", "sorted"))


def resolved(ctx, node: cst.BaseExpression | None) -> cst.BaseExpression | None:
    """The expression a name is bound to, when this file binds it once (`agents = {...}` then
    `agents=agents`); the node itself otherwise."""
    for _ in range(_DEPTH):
        if not isinstance(node, cst.Name):
            return node
        values = [ctx.declarations.assigned.get(id(a.node)) for a in ctx.assignments(node)]
        values = [v for v in values if v is not None]
        if len(values) != 1:
            return node
        node = values[0]
    return node


def is_none(node: cst.BaseExpression | None) -> bool:
    return node is None or (isinstance(node, cst.Name) and node.value == "None")


def code(ctx, node: cst.CSTNode, most: int = 80) -> str:
    """An expression's code on one line, shortened for a message."""
    text = " ".join(ctx.module.code_for_node(node).split())
    return text if len(text) <= most else text[:most - 1] + "…"


@dataclass
class Reading:
    """What reading options noticed beside the policy: what it could not read, for diagnostics."""

    notes: list[tuple[cst.CSTNode, str, str]] = field(default_factory=list)  # (node, code, message)

    def note(self, node, code_: str, message: str) -> None:
        self.notes.append((node, code_, message))


def strings(ctx, node: cst.BaseExpression | None) -> list[tuple[str, cst.CSTNode]] | None:
    """The literal strings of a list, tuple or set (through names bound once, `+`, `*spread` and
    `list(...)`), each with its node; None when some part is not known statically."""
    node = resolved(ctx, node)
    if node is None:
        return []
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        left, right = strings(ctx, node.left), strings(ctx, node.right)
        return None if left is None or right is None else left + right
    if isinstance(node, cst.Call) and len(node.args) == 1 and set(ctx.callee_names(node.func)) & _COPIES:
        return strings(ctx, node.args[0].value)  # list(NAMES), sorted({...})
    if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
        found: list[tuple[str, cst.CSTNode]] = []
        for element in node.elements:
            if isinstance(element, cst.StarredElement):
                inner = strings(ctx, element.value)
                if inner is None:
                    return None
                found += inner
                continue
            text = string_value(element.value)
            if text is None:
                return None
            found.append((text, element.value))
        return found
    text = string_value(node)
    return [(text, node)] if text is not None else None


def rules(ctx, node: cst.BaseExpression | None, reading: Reading, what: str) -> tuple[tuple[Rule, ...], bool]:
    """(the rules of an `allowed_tools` / `disallowed_tools` list, whether the list is known)."""
    found = strings(ctx, node)
    if found is None:
        reading.note(node, "unresolved-permissions", f"{what}={code(ctx, node)} is not a list of strings known statically")
        return (), False
    parsed = [(parse_rule(text, ctx.loc(element)), text, element) for text, element in found]
    for rule, text, element in parsed:
        if rule is None:
            reading.note(element, "unresolved-permissions", f"{what} entry {text!r} is no permission rule Claude Code reads; ignored")
    return tuple(rule for rule, _, _ in parsed if rule is not None), True


def permission_mode(ctx, node: cst.BaseExpression | None, reading: Reading) -> str:
    if is_none(node):
        return "default"
    value = string_value(resolved(ctx, node))
    if value in MODES:
        return value
    reading.note(node, "unresolved-permissions", f"permission_mode={code(ctx, node)} is not a mode known statically; "
                 "every tool is taken as running unasked")
    return "unknown"


def function_body(ctx, node: cst.BaseExpression) -> cst.CSTNode | None:
    """The def (or lambda) a callback expression names, when this file has it."""
    node = resolved(ctx, node)
    if isinstance(node, cst.Lambda):
        return node
    ref = function_ref(ctx, node)
    return ctx.function_nodes.get(ref.qualname) if ref is not None else None


def words_in(node: cst.CSTNode) -> set[str]:
    """The literal strings a body holds."""
    return {text for s in find_nodes(node, cst.SimpleString) if isinstance(text := s.evaluated_value, str)}


def approver(ctx, call: cst.Call, reading: Reading) -> tuple[Gate | None, tuple[tuple[str, Gate | None], ...]]:
    """`can_use_tool=fn` (when its body can deny) or `permission_prompt_tool_name="mcp__..."`, and
    what the callback does for the tools it names (claude_agent_sdk_callback.py)."""
    callback = keyword(call, "can_use_tool")
    if not is_none(callback):
        shown = code(ctx, callback)
        body = function_body(ctx, callback)
        if body is None:
            return Gate("approval", f"can_use_tool={shown} decides each call that asks (its body is not in this file)", ctx.loc(callback)), ()
        denies = any(set(ctx.callee_names(c.func)) & DENY_RESULTS for c in find_nodes(body, cst.Call)) or "deny" in words_in(body)
        if denies:
            per_tool = tuple(callbacks.per_tool(ctx, body, shown, ALLOW_RESULTS, DENY_RESULTS).items())
            return Gate("approval", f"can_use_tool={shown} decides each call that asks", ctx.loc(callback)), per_tool
        reading.note(callback, "partial-gate", f"can_use_tool={shown} never returns a denial: it allows every call that asks; no gate")
        return None, (("*", None),)  # every tool that asks runs unasked
    prompt_tool = keyword(call, "permission_prompt_tool_name")
    name = string_value(resolved(ctx, prompt_tool))
    if name:
        return Gate("approval", f"permission_prompt_tool_name={name!r} decides each call that asks", ctx.loc(prompt_tool)), ()
    return None, ()


def hooks(ctx, node: cst.BaseExpression | None, reading: Reading) -> tuple[Hook, ...]:
    """The PreToolUse hooks of `hooks={"PreToolUse": [HookMatcher(matcher=..., hooks=[fn])]}`."""
    node = resolved(ctx, node)
    if is_none(node):
        return ()
    if not isinstance(node, cst.Dict):
        reading.note(node, "unresolved-hook", f"hooks={code(ctx, node)} is not a dict known statically; no hook gate recorded")
        return ()
    found: list[Hook] = []
    for event, matchers in dict_entries(node).items():
        if event == "PermissionRequest":
            reading.note(matchers, "guardrail-not-modelled", "PermissionRequest hooks answer permission requests; not modelled")
        if event != "PreToolUse":
            continue
        matchers = resolved(ctx, matchers)
        elements = matchers.elements if isinstance(matchers, (cst.List, cst.Tuple)) else ()
        if not elements:
            reading.note(matchers, "unresolved-hook", f"PreToolUse matchers {code(ctx, matchers)} are not a list known statically")
        for element in elements:
            found += _matcher_hooks(ctx, resolved(ctx, element.value), reading)
    return tuple(found)


def _matcher_hooks(ctx, matcher: cst.BaseExpression, reading: Reading) -> list[Hook]:
    if isinstance(matcher, cst.Call) and set(ctx.callee_names(matcher.func)) & HOOK_MATCHERS:
        pattern_node, callbacks = keyword(matcher, "matcher") or positional(matcher, 0), keyword(matcher, "hooks") or positional(matcher, 1)
    elif isinstance(matcher, cst.Dict):
        entries = dict_entries(matcher)
        pattern_node, callbacks = entries.get("matcher"), entries.get("hooks")
    else:
        reading.note(matcher, "unresolved-hook", f"hook matcher {code(ctx, matcher)} is not known statically")
        return []
    pattern = None if is_none(pattern_node) else string_value(resolved(ctx, pattern_node))
    if pattern is None and not is_none(pattern_node):
        reading.note(pattern_node, "unresolved-hook", f"hook matcher {code(ctx, pattern_node)} is not a string known statically; taken as every tool")
    callbacks = resolved(ctx, callbacks)
    found = []
    for element in callbacks.elements if isinstance(callbacks, (cst.List, cst.Tuple)) else ():
        body = function_body(ctx, element.value)
        name = code(ctx, element.value)
        if body is None:
            reading.note(element.value, "unresolved-hook", f"PreToolUse hook {name} is not a function of this file; not read, no gate recorded")
            continue
        words = words_in(body)
        found.append(Hook(pattern, name, bool(words & DENY_WORDS), bool(words & ALLOW_WORDS), ctx.loc(element.value)))
    return found


def sandbox(ctx, node: cst.BaseExpression | None) -> tuple[Gate | None, bool]:
    """(`sandbox={"enabled": True, ...}`'s gate on Bash, whether sandboxed Bash runs unasked)."""
    node = resolved(ctx, node)
    if isinstance(node, cst.Call):  # SandboxSettings(enabled=True, ...)
        entries = {arg.keyword.value: arg.value for arg in node.args if arg.keyword is not None}
    elif isinstance(node, cst.Dict):
        entries = dict_entries(node)
    else:
        return None, False
    def flag(name: str, default: bool) -> bool:
        try:
            value = literal(entries[name]) if name in entries else default
        except ValueError:
            return default
        return value if isinstance(value, bool) else default
    if not flag("enabled", False):
        return None, False
    detail = "sandbox enabled: Bash commands run with Claude Code's filesystem and network isolation"
    excluded = entries.get("excludedCommands")
    if excluded is not None:
        detail += f" (except excludedCommands {code(ctx, excluded)})"
    return Gate("sandbox", detail, ctx.loc(node)), flag("autoAllowBashIfSandboxed", True)


def policy(ctx, call: cst.Call, reading: Reading, old: bool) -> Policy:
    """The permission policy a ClaudeAgentOptions / ClaudeCodeOptions call sets."""
    mode_node = keyword(call, "permission_mode")
    mode = permission_mode(ctx, mode_node, reading)
    allowed, allowed_known = rules(ctx, keyword(call, "allowed_tools"), reading, "allowed_tools")
    denied, _ = rules(ctx, keyword(call, "disallowed_tools"), reading, "disallowed_tools")
    if not old and string_value(resolved(ctx, keyword(call, "skills"))) == "all":
        allowed += (Rule("Skill", "Skill", "", ctx.loc(keyword(call, "skills"))),)  # what the transport adds
    gate, allows = sandbox(ctx, keyword(call, "sandbox")) if not old else (None, False)
    settings = keyword(call, "settings")
    if not is_none(settings):
        reading.note(settings, "unresolved-permissions", f"settings={code(ctx, settings)} may hold permission rules; not read")
    sources = keyword(call, "setting_sources")
    if {text for text, _ in strings(ctx, sources) or []} & {"user", "project", "local"}:
        reading.note(sources, "unresolved-permissions", f"setting_sources={code(ctx, sources)} loads Claude Code settings files "
                     "(their permission rules, hooks and .claude/agents subagents), which are not read for this agent")
    plugins = resolved(ctx, keyword(call, "plugins"))
    if not is_none(plugins) and not (isinstance(plugins, (cst.List, cst.Tuple)) and not plugins.elements):
        reading.note(plugins, "unresolved-plugin", f"plugins={code(ctx, plugins)} add commands, subagents, skills and hooks; not read")
    deciding, per_tool = approver(ctx, call, reading)
    return Policy(
        mode=mode, allowed=allowed, denied=denied, allow_all=not allowed_known, approver=deciding, tool_approvers=per_tool,
        hooks=hooks(ctx, keyword(call, "hooks"), reading), sandbox=gate, sandbox_allows=allows,
        mode_location=ctx.loc(mode_node) if mode_node is not None else None, code_runners=ctx.rulesets.code_runners,
    )

"""What stands before a Strands agent's tool calls: the confirmation prompt many strands_tools show
(unless the process sets BYPASS_TOOL_CONSENT=true), the `HumanInTheLoop` intervention
(`interventions=[HumanInTheLoop(allowed_tools=[...])]`), and a hook on `BeforeToolCallEvent` that
asks a human (`event.interrupt(...)`, or `input()`) before it lets the call run, or a hook that may
cancel the call by itself (`event.cancel_tool = ...`, a guardrail). Names are those of
strands-agents 1.62 and strands-agents-tools 0.8.10.
"""

from __future__ import annotations

from riskscan.extract.python.syntax import cst, find_nodes
from riskscan.extract.python.values import keyword, string_list, string_value
from riskscan.types import Gate

# strands_tools modules (the catalog entry's first name) that ask the user before they act, what
# they ask about, and whether STRANDS_NON_INTERACTIVE=true skips the prompt as well
CONSENT = {
    "strands_tools.shell": ("each command", True),
    "strands_tools.python_repl": ("each run", True),
    "strands_tools.load_tool": ("each load", True),
    "strands_tools.file_write": ("each write", False),
    "strands_tools.editor": ("each change (create, str_replace, pattern_replace, insert)", False),
    "strands_tools.cron": ("each crontab change", False),
    "strands_tools.use_computer": ("each action", False),
    "strands_tools.use_aws": ("each mutative or credential-returning operation", False),
    "strands_tools.environment": ("each set and delete", False),
    "strands_tools.memory": ("each store and delete", False),
    "strands_tools.mem0_memory": ("each store and delete", False),
}
BYPASS = "BYPASS_TOOL_CONSENT"
NON_INTERACTIVE = "STRANDS_NON_INTERACTIVE"
CONSENT_DETAIL = "asks the user to confirm"
ENVIRON = frozenset({"os.environ"})
ENV_SETTERS = frozenset({"os.environ.setdefault", "os.environ.update", "os.putenv"})

HITL = frozenset(
    {"strands.vended_interventions.HumanInTheLoop", "strands.vended_interventions.hitl.HumanInTheLoop",
     "strands.vended_interventions.hitl.hitl.HumanInTheLoop"}
)
BEFORE_TOOL_EVENTS = frozenset(
    {"strands.hooks.BeforeToolCallEvent", "strands.hooks.events.BeforeToolCallEvent",
     "strands.experimental.hooks.BeforeToolInvocationEvent", "strands.experimental.hooks.events.BeforeToolInvocationEvent"}
)
ASKS = frozenset({"builtins.input"})


def consent_gate(entry_name: str, location) -> tuple[Gate, ...]:
    """The approval gate of a strands_tools tool that asks the user before it acts."""
    if entry_name not in CONSENT:
        return ()
    what, _ = CONSENT[entry_name]
    return (Gate("approval", f"{entry_name} {CONSENT_DETAIL} {what} unless {BYPASS}=true", location),)


def consent_switches(ctx) -> dict[str, cst.CSTNode]:
    """The environment variables that turn the strands_tools prompts off and that this file sets
    (`os.environ["BYPASS_TOOL_CONSENT"] = "true"`, `os.environ.setdefault(...)`, `.update(...)`), to
    a value that is "true" or not known statically; by name, with the place."""
    found: dict[str, cst.CSTNode] = {}
    for assign in find_nodes(ctx.module, cst.Assign, enter_definitions=True):
        for target in assign.targets:
            node = target.target
            if isinstance(node, cst.Subscript) and set(ctx.names_of(node.value)) & ENVIRON and len(node.slice) == 1:
                index = node.slice[0].slice
                name = string_value(index.value) if isinstance(index, cst.Index) else None
                _note(found, name, assign.value, assign)
    for call in find_nodes(ctx.module, cst.Call, enter_definitions=True):
        if not set(ctx.callee_names(call.func)) & ENV_SETTERS:
            continue
        if len(call.args) >= 2 and call.args[0].keyword is None:
            _note(found, string_value(call.args[0].value), call.args[1].value, call)
        for arg in call.args:
            if arg.keyword is not None:
                _note(found, arg.keyword.value, arg.value, call)
            elif isinstance(arg.value, cst.Dict):
                for element in arg.value.elements:
                    if isinstance(element, cst.DictElement):
                        _note(found, string_value(element.key), element.value, call)
    return found


def _note(found: dict, name: str | None, value: cst.BaseExpression, place: cst.CSTNode) -> None:
    if name not in (BYPASS, NON_INTERACTIVE):
        return
    text = string_value(value)
    if text is None or text.lower() == "true":
        found.setdefault(name, place)


# --- interventions and hooks --------------------------------------------------------------------


def intervention_gates(ctx, node: cst.BaseExpression | None, tool_names: list[str] | None) -> list[tuple[str, Gate]]:
    """`interventions=[HumanInTheLoop(...)]`: approval on every tool `allowed_tools` does not let
    through (`"*"` lets all through but the `"!name"`s). `tool_names` are the agent's tools' names
    when known here (None when not), for an allow-list that names only some."""
    gates: list[tuple[str, Gate]] = []
    for element in node.elements if isinstance(node, (cst.List, cst.Tuple)) else ():
        call = element.value
        if not (isinstance(call, cst.Call) and set(ctx.callee_names(call.func)) & HITL):
            continue
        classifier = keyword(call, "classifier")
        if classifier is not None and not (isinstance(classifier, cst.Name) and classifier.value in ("None", "False")):
            ctx.diagnose(classifier, "gate-not-modelled", "HumanInTheLoop with a classifier lets a model approve the calls it judges low-risk; no approval gate recorded", "info")
            continue
        allowed_node = keyword(call, "allowed_tools")
        allowed = string_list(allowed_node, missing=[])
        where = ctx.loc(call)
        if allowed is None:
            ctx.diagnose(allowed_node, "unresolved-gate", "HumanInTheLoop allowed_tools is not a literal list; no approval gate recorded", "info")
            continue
        if "*" in allowed:
            gated = [name[1:] for name in allowed if name.startswith("!")]
        elif not allowed:
            gates.append(("*", Gate("approval", "HumanInTheLoop asks a human before every tool call", where)))
            continue
        elif tool_names is None:
            ctx.diagnose(call, "partial-gate", "HumanInTheLoop allowed_tools lets some tools through, and the agent's tools are not known here; no approval gate recorded", "info")
            continue
        else:
            gated = [name for name in tool_names if name not in allowed]
        gates += [(name, Gate("approval", f"HumanInTheLoop asks a human before each {name} call", where)) for name in gated]
    return gates


def hook_gates(ctx, node: cst.BaseExpression | None) -> list[tuple[str, Gate]]:
    """`hooks=[Provider(), callback]`: a `BeforeToolCallEvent` callback of this file that asks a
    human (`event.interrupt(...)` or `input()`) gates the tools it names in its comparisons with
    `event.tool_use["name"]` (every tool when it names none); one that only sets
    `event.cancel_tool` is a guardrail on them."""
    gates: list[tuple[str, Gate]] = []
    for element in node.elements if isinstance(node, (cst.List, cst.Tuple)) else ():
        for function in _callbacks(ctx, element.value):
            gates += _callback_gates(ctx, function)
    return gates


def _callbacks(ctx, value: cst.BaseExpression) -> list[cst.FunctionDef]:
    """The functions of this file a hook list element may call back with a BeforeToolCallEvent: a
    function named directly, or the methods of a hook provider class instantiated here."""
    target = value.func if isinstance(value, cst.Call) else value
    found = []
    for name in ctx.names_of(target):
        if name in ctx.function_nodes:
            found.append(ctx.function_nodes[name])
        elif isinstance(value, cst.Call):
            found += [f for q, f in ctx.function_nodes.items() if q.startswith(name + ".") and q.count(".") == name.count(".") + 1]
    return [f for f in found if _event_parameter(ctx, f) is not None]


def _event_parameter(ctx, function: cst.FunctionDef) -> str | None:
    for param in (*function.params.posonly_params, *function.params.params, *function.params.kwonly_params):
        if param.annotation is not None and set(ctx.names_of(param.annotation.annotation)) & BEFORE_TOOL_EVENTS:
            return param.name.value
    return None


def _callback_gates(ctx, function: cst.FunctionDef) -> list[tuple[str, Gate]]:
    event = _event_parameter(ctx, function)
    asks = [c for c in find_nodes(function.body, cst.Call) if _is_interrupt(c, event) or set(ctx.callee_names(c.func)) & ASKS]
    cancels = [a for a in find_nodes(function.body, cst.Assign) if any(_is_cancel(t.target, event) for t in a.targets)]
    if not asks and not cancels:
        return []
    names = _compared_tool_names(function, event) or ["*"]
    if asks:
        how = "event.interrupt()" if _is_interrupt(asks[0], event) else "input()"
        detail = f"hook {function.name.value} asks a human ({how}) before the call runs"
        return [(name, Gate("approval", detail, ctx.loc(asks[0]))) for name in names]
    detail = f"hook {function.name.value} may cancel the call (event.cancel_tool)"
    return [(name, Gate("guardrail", detail, ctx.loc(cancels[0]))) for name in names]


def _is_interrupt(call: cst.Call, event: str | None) -> bool:
    func = call.func
    return isinstance(func, cst.Attribute) and func.attr.value == "interrupt" and isinstance(func.value, cst.Name) and func.value.value == event


def _is_cancel(target: cst.BaseExpression, event: str | None) -> bool:
    return isinstance(target, cst.Attribute) and target.attr.value == "cancel_tool" and isinstance(target.value, cst.Name) and target.value.value == event


def _compared_tool_names(function: cst.FunctionDef, event: str | None) -> list[str]:
    """The literal tool names the callback compares `event.tool_use["name"]` (or a name bound
    to it) with: `==`, `!=`, `in`, `not in`."""
    aliases = {target.target.value for assign in find_nodes(function.body, cst.Assign) if _is_tool_name(assign.value, event, set())
               for target in assign.targets if isinstance(target.target, cst.Name)}
    names: list[str] = []
    for comparison in find_nodes(function.body, cst.Comparison):
        sides = [comparison.left, *(c.comparator for c in comparison.comparisons)]
        if not any(_is_tool_name(side, event, aliases) for side in sides):
            continue
        for side in sides:
            names += string_list(side) or []
    return sorted(set(names))


def _is_tool_name(node: cst.BaseExpression, event: str | None, aliases: set[str]) -> bool:
    """`event.tool_use["name"]`, `event.tool_use.get("name")` or a name bound to one of them."""
    if isinstance(node, cst.Name):
        return node.value in aliases
    if isinstance(node, cst.Subscript):
        return _is_tool_use(node.value, event)
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "get":
        return _is_tool_use(node.func.value, event)
    return False


def _is_tool_use(node: cst.BaseExpression, event: str | None) -> bool:
    return isinstance(node, cst.Attribute) and node.attr.value == "tool_use" and isinstance(node.value, cst.Name) and node.value.value == event

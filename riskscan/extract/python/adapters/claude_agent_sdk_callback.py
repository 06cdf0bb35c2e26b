"""What a `can_use_tool` callback of this file does for each tool it names: the SDK's stand-in for
the person at the prompt is an approval gate only where it asks someone or can refuse.

A branch on the tool name (`if tool_name == "Bash":`, `if tool_name in ["Write", "Edit"]:`) is read
for what it can return: it asks a person (`input(...)`: approval), it can allow without asking and
also deny (a check of the call's input: guardrail), it only allows (no gate: the tool runs
unasked), or it only denies (approval: nothing passes unasked). A tool no branch names gets what
the rest of the callback does (the caller's default gate).
"""

from __future__ import annotations

from riskscan.extract.python.syntax import cst, find_nodes
from riskscan.extract.python.values import string_list, string_value
from riskscan.types import Gate

ASKING = frozenset({"builtins.input"})


def per_tool(ctx, body: cst.CSTNode, shown: str, allow_results: frozenset[str], deny_results: frozenset[str]) -> dict[str, Gate | None]:
    """Tool name -> the gate the callback puts on it (None: it lets the tool run unasked)."""
    parameter = _first_parameter(body)
    if parameter is None:
        return {}
    decisions: dict[str, Gate | None] = {}
    for branch in find_nodes(body, cst.If, enter_definitions=False):
        names = _named_tools(branch.test, parameter)
        if not names:
            continue
        calls = find_nodes(branch.body, cst.Call)
        callees = [set(ctx.callee_names(call.func)) for call in calls]
        asks = any(names_ & ASKING for names_ in callees)
        allows = any(names_ & allow_results for names_ in callees)
        denies = any(names_ & deny_results for names_ in callees)
        where = ctx.loc(branch)
        listed = ", ".join(names)
        if asks:
            gate: Gate | None = Gate("approval", f"can_use_tool={shown} asks a person before {listed} calls", where)
        elif allows and denies:
            gate = Gate("guardrail", f"can_use_tool={shown} checks {listed} calls and lets the others run unasked", where)
        elif allows:
            gate = None
        elif denies:
            gate = Gate("approval", f"can_use_tool={shown} refuses {listed} calls", where)
        else:
            continue
        for name in names:
            decisions.setdefault(name, gate)  # the first branch that names a tool decides it
    return decisions


def _first_parameter(body: cst.CSTNode) -> str | None:
    params = body.params.params if isinstance(body, (cst.FunctionDef, cst.Lambda)) else ()
    return params[0].name.value if params else None


def _named_tools(test: cst.BaseExpression, parameter: str) -> list[str]:
    """`tool_name == "Bash"`, `"Bash" == tool_name`, `tool_name in ("Write", "Edit")`."""
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return []
    target = test.comparisons[0]
    left, right = test.left, target.comparator
    if isinstance(target.operator, cst.Equal):
        for side, other in ((left, right), (right, left)):
            if isinstance(side, cst.Name) and side.value == parameter and string_value(other) is not None:
                return [string_value(other)]
        return []
    if isinstance(target.operator, cst.In) and isinstance(left, cst.Name) and left.value == parameter:
        if isinstance(right, cst.Set):
            found = [string_value(e.value) for e in right.elements]
            return [] if None in found else found
        return string_list(right) or []
    return []

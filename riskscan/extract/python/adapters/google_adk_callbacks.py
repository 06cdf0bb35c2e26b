"""Google ADK's `before_tool_callback`: a callback (or a list, called in order until one returns
something) that runs before each tool call of the agent. When it returns a value, ADK skips the tool
and gives the model that value instead, so a callback of this file that returns one is a guardrail
gate naming the callback: on the tools whose `tool.name` its enclosing `if` tests name, on every
tool when no such test guards the return. A callback that only returns None cannot stop a call,
and one defined elsewhere is not read: both are noted, with no gate. Names are those of google-adk
2.13.0 (google/adk/agents/llm_agent.py, `before_tool_callback`).
"""

from __future__ import annotations

from riskscan.extract.python.adapters.frameworks import code
from riskscan.extract.python.syntax import cst
from riskscan.extract.python.values import keyword, string_list, string_value
from riskscan.types import Gate


def callback_gates(ctx, call: cst.Call) -> list[tuple[str, Gate]]:
    """The guardrail gates an agent's `before_tool_callback` puts on its tools, by tool name."""
    node = keyword(call, "before_tool_callback")
    if node is None or (isinstance(node, cst.Name) and node.value == "None"):
        return []
    elements = [e.value for e in node.elements] if isinstance(node, (cst.List, cst.Tuple)) else [node]
    gates: list[tuple[str, Gate]] = []
    for element in elements:
        shown = code(ctx, element)
        function = next((ctx.function_nodes[n] for n in ctx.names_of(element) if n in ctx.function_nodes), None)
        if function is None:
            ctx.diagnose(element, "unresolved-callback", f"before_tool_callback {shown} is not a function of this file: whether it can stop a tool call is not known; no gate recorded", "info")
            continue
        params = function.params.posonly_params + function.params.params
        tool_param = next((p.name.value for p in params if p.name.value == "tool"), params[0].name.value if params else "tool")
        names = _blocking_returns(function.body.body, tool_param, None)
        if not names:
            ctx.diagnose(element, "callback-not-a-gate", f"before_tool_callback {shown} never returns a result, so it cannot stop a tool call; no gate recorded", "info")
        for name in sorted(names):
            detail = f"before_tool_callback {shown} may answer instead of the tool" + ("" if name == "*" else f" when {name} is called")
            gates.append((name, Gate("guardrail", detail, ctx.loc(element))))
    return gates


def _blocking_returns(statements, tool_param: str, names: frozenset[str] | None) -> set[str]:
    """The tool names for which a callback body returns a value (ADK then skips the tool): those
    its enclosing `if tool.name == ...` tests name, "*" for a return no such test guards."""
    found: set[str] = set()
    for statement in statements:
        # a line of statements, or one statement of a suite on the line of its `if` / `def`
        smalls = statement.body if isinstance(statement, cst.SimpleStatementLine) else [statement]
        for small in smalls:
            if isinstance(small, cst.Return) and small.value is not None and not (isinstance(small.value, cst.Name) and small.value.value == "None"):
                found |= set(names) if names is not None else {"*"}
        if isinstance(statement, cst.SimpleStatementLine):
            continue
        if isinstance(statement, cst.If):
            tested = _tested_names(statement.test, tool_param)
            found |= _blocking_returns(statement.body.body, tool_param, tested if tested is not None else names)
            if statement.orelse is not None:
                found |= _blocking_returns([statement.orelse] if isinstance(statement.orelse, cst.If) else statement.orelse.body.body, tool_param, names)
        elif isinstance(statement, (cst.For, cst.While, cst.With, cst.Try, cst.TryStar)):
            blocks = [statement.body] + [h.body for h in getattr(statement, "handlers", ())]
            blocks += [part.body for part in (getattr(statement, "orelse", None), getattr(statement, "finalbody", None)) if part is not None]
            for block in blocks:
                found |= _blocking_returns(block.body, tool_param, names)
    return found


def _tested_names(test: cst.BaseExpression, tool_param: str) -> frozenset[str] | None:
    """`tool.name == "x"`, `tool.name in ("x", "y")` and their `or`: the names; None otherwise."""
    if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.Or):
        left, right = _tested_names(test.left, tool_param), _tested_names(test.right, tool_param)
        return left | right if left is not None and right is not None else None
    if not (isinstance(test, cst.Comparison) and len(test.comparisons) == 1):
        return None
    target = test.comparisons[0]
    sides = (test.left, target.comparator)
    attribute = next((s for s in sides if _is_tool_name(s, tool_param)), None)
    other = sides[1] if attribute is sides[0] else sides[0]
    if attribute is None:
        return None
    if isinstance(target.operator, cst.Equal):
        value = string_value(other)
        return frozenset({value}) if value is not None else None
    if isinstance(target.operator, cst.In) and attribute is sides[0]:
        values = string_list(other)
        return frozenset(values) if values is not None else None
    return None


def _is_tool_name(node: cst.BaseExpression, tool_param: str) -> bool:
    return isinstance(node, cst.Attribute) and node.attr.value == "name" and isinstance(node.value, cst.Name) and node.value.value == tool_param

"""What an MCP tool declaration says beyond literals.

Its annotations: `ToolAnnotations(readOnlyHint=True, ...)` (mcp 1.x) or
`ToolAnnotations(read_only_hint=True, ...)` (mcp 2.x, whose fields alias the wire names), a dict
literal of hints, a name bound to one of those (`annotations=READ_ONLY`), or a call of a helper of
the file that returns one, its parameters taking the call's arguments
(`annotations=writes(destructive=True)`). Hints are kept under their wire names (`readOnlyHint`).

Its name, when a loop over string literals builds it (`Tool(name=f"greet_{shape}") for shape in
("a", "b")`): the text of the loop variable in the pass being evaluated.
"""

from __future__ import annotations

from riskscan.extract.python.constants import constants_of
from riskscan.extract.python.syntax import cst, parent_of
from riskscan.extract.python.values import string_value
from riskscan.types import NameParts, Opaque

LoopTexts = tuple[tuple[str, str], ...]  # (loop variable, its text in this pass), sorted
COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.GeneratorExp)

HINTS = ("destructiveHint", "idempotentHint", "openWorldHint", "readOnlyHint")
WIRE_NAMES = {**{hint: hint for hint in HINTS}, "destructive_hint": "destructiveHint", "idempotent_hint": "idempotentHint",
              "open_world_hint": "openWorldHint", "read_only_hint": "readOnlyHint"}
MAX_DEPTH = 4


def tool_annotations(ctx, node: cst.BaseExpression | None) -> tuple[tuple[str, bool], ...]:
    found = _hints(ctx, node, {}, 0)
    return tuple(sorted(found.items()))


def _hints(ctx, node, arguments: dict[str, cst.BaseExpression], depth: int) -> dict[str, bool]:
    if node is None or depth > MAX_DEPTH:
        return {}
    if isinstance(node, cst.Name):
        if node.value in arguments:
            return _hints(ctx, arguments[node.value], {}, depth + 1)
        value = _bound_once(ctx, node)
        return _hints(ctx, value, {}, depth + 1) if value is not None else {}
    if isinstance(node, cst.Call):
        helper = _helper(ctx, node.func)
        if helper is not None:
            returned = _returned(helper)
            return _hints(ctx, returned, _bound_arguments(helper, node), depth + 1) if returned is not None else {}
        pairs = [(arg.keyword.value, arg.value) for arg in node.args if arg.keyword is not None]
    elif isinstance(node, cst.Dict):
        pairs = [(string_value(e.key), e.value) for e in node.elements if isinstance(e, cst.DictElement)]
    else:
        return {}
    found: dict[str, bool] = {}
    for key, value in pairs:
        hint = WIRE_NAMES.get(key or "")
        flag = _flag(value, arguments)
        if hint is not None and flag is not None:
            found[hint] = flag
    return found


def _flag(node: cst.BaseExpression, arguments: dict[str, cst.BaseExpression]) -> bool | None:
    if isinstance(node, cst.Name) and node.value in arguments:
        node = arguments[node.value]
    if isinstance(node, cst.Name) and node.value in ("True", "False"):
        return node.value == "True"
    return None


def _bound_once(ctx, node: cst.Name) -> cst.BaseExpression | None:
    assignments = ctx.assignments(node)
    if len(assignments) != 1:
        return None
    return ctx.declarations.assigned.get(id(assignments[0].node))


def _helper(ctx, func: cst.BaseExpression) -> cst.FunctionDef | None:
    """A function of this file the call runs (not the annotations class)."""
    if not isinstance(func, cst.Name):
        return None
    definitions = ctx.assignments_of_kind(func, cst.FunctionDef)
    return definitions[0] if len(definitions) == 1 else None


def _returned(helper: cst.FunctionDef) -> cst.BaseExpression | None:
    """What a helper whose body is a single `return ...` (after its docstring) returns."""
    statements = [s for s in helper.body.body if not _is_docstring(s)] if isinstance(helper.body, cst.IndentedBlock) else []
    if len(statements) == 1 and isinstance(statements[0], cst.SimpleStatementLine):
        small = statements[0].body[0]
        if isinstance(small, cst.Return):
            return small.value
    return None


def _is_docstring(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _bound_arguments(helper: cst.FunctionDef, call: cst.Call) -> dict[str, cst.BaseExpression]:
    """Parameter name -> the expression the call gives it, or its default."""
    params = helper.params
    positional = list(params.posonly_params) + list(params.params)
    bound = {p.name.value: p.default for p in [*positional, *params.kwonly_params] if p.default is not None}
    index = 0
    for arg in call.args:
        if arg.star:
            continue
        if arg.keyword is not None:
            bound[arg.keyword.value] = arg.value
        elif index < len(positional):
            bound[positional[index].name.value] = arg.value
            index += 1
    return bound


# --- names built in a loop -----------------------------------------------------------------------


def loop_texts(ctx, call: cst.Call, scope) -> LoopTexts:
    """The text each enclosing loop's variable has in this pass, for loops over a tuple or list of
    string literals written in the loop (what the evaluator iterates); () outside such loops."""
    found: dict[str, str] = {}
    node = parent_of(call)
    while node is not None:
        loop = node.for_in if isinstance(node, COMPREHENSIONS) else node if isinstance(node, cst.For) else None
        if loop is not None and isinstance(loop.target, cst.Name):
            value = scope.loop_values.get(loop.target.value)
            if isinstance(value, Opaque) and isinstance(loop.iter, (cst.Tuple, cst.List)):
                for element in loop.iter.elements:
                    text = string_value(element.value)
                    if text is not None and ctx.loc(element.value) == value.location:
                        found.setdefault(loop.target.value, text)
        node = parent_of(node)
    return tuple(sorted(found.items()))


def name_parts_in_loop(ctx, node: cst.BaseExpression, texts: dict[str, str]) -> NameParts | None:
    """The pieces of a tool's name (constants.py), the loop variables taking their texts."""
    if not texts:
        return constants_of(ctx).parts(node)
    if isinstance(node, cst.Name) and node.value in texts:
        return (("text", texts[node.value]),)
    if isinstance(node, cst.FormattedString) and "b" not in node.prefix.lower():
        found: list[tuple[str, str]] = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                if "\\" in part.value:
                    return None
                found.append(("text", part.value.replace("{{", "{").replace("}}", "}")))
                continue
            inner = name_parts_in_loop(ctx, part.expression, texts) if part.conversion is None and part.format_spec is None else None
            if inner is None:
                return None
            found += inner
        return tuple(found)
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        left, right = name_parts_in_loop(ctx, node.left, texts), name_parts_in_loop(ctx, node.right, texts)
        return left + right if left is not None and right is not None else None
    return constants_of(ctx).parts(node)

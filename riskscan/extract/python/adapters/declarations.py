"""What the adapters read the same way: decorators, a tool function's parameters, references to
functions, and tool declarations by id."""

from __future__ import annotations

import json

from riskscan.extract.python.context import FileContext
from riskscan.extract.python.functions import parameters
from riskscan.extract.python.syntax import cst
from riskscan.extract.python.values import literal
from riskscan.types import Ref


def decorator_parts(decorator: cst.BaseExpression) -> tuple[cst.BaseExpression, cst.Call | None]:
    """`@x` -> (x, None); `@x(...)` -> (x, the call)."""
    if isinstance(decorator, cst.Call):
        return decorator.func, decorator
    return decorator, None


def tool_parameters(ctx: FileContext, node: cst.FunctionDef, context_types: frozenset[str]) -> tuple[str, ...]:
    """The parameters the model fills: all but `self`/`cls` of a method and those annotated with
    the framework's context type."""
    params = node.params.posonly_params + node.params.params + node.params.kwonly_params
    skipped = set()
    if id(node) in ctx.declarations.method_class and params:
        skipped.add(params[0].name.value)
    for param in params:
        if param.annotation is not None and _annotation_names(ctx, param.annotation.annotation) & context_types:
            skipped.add(param.name.value)
    return tuple(name for name in parameters(node) if name not in skipped)


def _annotation_names(ctx: FileContext, annotation: cst.BaseExpression) -> set[str]:
    if isinstance(annotation, cst.Subscript):  # RunContextWrapper[Ctx]
        annotation = annotation.value
    return set(ctx.names_of(annotation))


def function_ref(ctx: FileContext, func: cst.BaseExpression) -> Ref | None:
    """A reference to the function an expression names: a def of this file, an imported name, a
    function of an imported module, or a method through `self`. None for builtins and objects."""
    if isinstance(func, cst.Name):
        if ctx.assignments_of_kind(func, cst.FunctionDef, cst.Import, cst.ImportFrom):
            names = ctx.names_of(func)
            return Ref(names[0], ctx.loc(func)) if names else None
        return None
    if isinstance(func, cst.Attribute):
        root = func
        while isinstance(root, cst.Attribute):
            root = root.value
        if isinstance(root, cst.Name) and (
            ctx.assignments_of_kind(root, cst.Import, cst.ImportFrom) or (func.value is root and ctx._self_class(root))
        ):
            names = ctx.callee_names(func)
            return Ref(names[0], ctx.loc(func)) if len(names) == 1 else None
    return None


def canonical_schema(node: cst.BaseExpression | None) -> tuple[str, tuple[str, ...]]:
    """(canonical JSON text, parameter names) of a JSON Schema literal; ("", ()) when it is not
    a literal."""
    if node is None:
        return "", ()
    try:
        schema = literal(node)
    except ValueError:
        return "", ()
    if not isinstance(schema, dict):
        return "", ()
    properties = schema.get("properties")
    names = tuple(str(key) for key in properties) if isinstance(properties, dict) else ()
    return json.dumps(schema, sort_keys=True, separators=(",", ":")), names


def dict_entries(node: cst.Dict) -> dict[str, cst.BaseExpression]:
    """The entries of a dict literal whose keys are literal strings."""
    entries = {}
    for element in node.elements:
        if isinstance(element, cst.DictElement) and isinstance(element.key, (cst.SimpleString, cst.ConcatenatedString)):
            key = element.key.evaluated_value
            if isinstance(key, str):
                entries[key] = element.value
    return entries

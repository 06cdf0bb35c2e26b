"""Static evaluation of expressions into `Value`s: what a tools list, a handoffs list or a return
value is known to hold, without running anything.

Module-level names evaluate to a `Ref` to their qualified name (their `Binding` holds the final
value, so a list appended to after use is still complete); names local to a function evaluate
to their current value. Framework calls (`Agent(...)`, `function_tool(f)`, a schema dict) are
handed to the adapters, which record the fact and return a `Ref` to its id.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from riskscan.extract.python.conditions import negate
from riskscan.extract.python.context import FileContext
from riskscan.extract.python.parameters import (
    call_arguments,
    is_bound_call,
    parameter_value,
    record_invocation,
    self_attribute,
)
from riskscan.extract.python.receivers import looks_like_class
from riskscan.extract.python.syntax import QualifiedNameSource, cst
from riskscan.types import Condition, Items, Opaque, Ref, Value, When

INSTANCE = ".<instance>"  # suffix of a reference to an instance of a class: `SearchTool()`


@dataclass
class Scope:
    """Where an expression is evaluated: the module, a class body or a function body."""

    kind: str  # module | class | function
    qualname: str  # the module name, or the class's / function's qualified name
    values: dict[str, Value] = field(default_factory=dict)  # local names -> current value
    loop_values: dict[str, Value] = field(default_factory=dict)  # loop / comprehension variables
    returns: list[Value] = field(default_factory=list)
    condition: Condition = ()  # the configuration under which the current statement runs
    in_branch: bool = False  # inside a branch that may not run

    def local_qualname(self, name: str) -> str:
        if self.kind == "function":
            return f"{self.qualname}.<locals>.{name}"
        return f"{self.qualname}.{name}"


class Adapter(Protocol):
    def claims(self, callee: tuple[str, ...]) -> bool: ...

    def evaluate_call(
        self, ev: "Evaluator", call: cst.Call, callee: tuple[str, ...], scope: Scope, target: str | None, tools: bool
    ) -> Value | None: ...

    def evaluate_dict(self, ev: "Evaluator", node: cst.Dict, scope: Scope) -> Value | None: ...


class Evaluator:
    def __init__(self, ctx: FileContext, adapters: list[Adapter]) -> None:
        self.ctx = ctx
        self.adapters = adapters
        self.seen: set[int] = set()  # nodes already evaluated (the sweep skips them)

    def evaluate(self, node: cst.BaseExpression, scope: Scope, target: str | None = None, tools: bool = False) -> Value:
        """The value of `node`. `target` is the qualified name it is being bound to, if any;
        `tools` says it is a tools list (so unknown classes in it are taken as built-in tools)."""
        self.seen.add(id(node))
        ctx = self.ctx
        location = ctx.loc(node)
        if isinstance(node, cst.Name):
            return self._name(node, scope)
        if isinstance(node, cst.Attribute):
            return self._attribute(node, scope)
        if isinstance(node, cst.Call):
            return self._call(node, scope, target, tools)
        if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
            return Items(tuple(self._elements(node.elements, scope, tools)))
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, (cst.Add, cst.BitOr)):
            left = self.evaluate(node.left, scope, tools=tools)
            right = self.evaluate(node.right, scope, tools=tools)
            return Items(_spread(left) + _spread(right))
        if isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp)):
            return self._comprehension(node, scope, tools)
        if isinstance(node, cst.IfExp):
            return self._if_expression(node, scope, target, tools)
        if isinstance(node, cst.BooleanOperation):
            return Items(
                (self.evaluate(node.left, scope, tools=tools), self.evaluate(node.right, scope, tools=tools))
            )
        if isinstance(node, cst.Await):
            return self.evaluate(node.expression, scope, target, tools)
        if isinstance(node, cst.NamedExpr):
            return self.evaluate(node.value, scope, target, tools)
        if isinstance(node, cst.Dict):
            for adapter in self.adapters:
                value = adapter.evaluate_dict(self, node, scope)
                if value is not None:
                    return value
            for element in node.elements:  # `{"messages": [model.bind_tools(tools).invoke(...)]}`
                self.evaluate(element.value, scope)
            return Opaque("dict literal", location)
        if isinstance(node, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
            return Opaque("string constant", location)
        if isinstance(node, (cst.Integer, cst.Float, cst.Imaginary)):
            return Opaque("number constant", location)
        if isinstance(node, cst.Lambda):
            return Opaque("lambda", location)
        if isinstance(node, cst.Subscript):
            return Opaque("subscript", location)
        return Opaque(f"expression {type(node).__name__}", location)

    # --- names ---------------------------------------------------------------------------------

    def _name(self, node: cst.Name, scope: Scope) -> Value:
        ctx = self.ctx
        location = ctx.loc(node)
        if node.value in scope.loop_values:
            return scope.loop_values[node.value]
        if scope.kind == "function" and ctx.is_local_name(node):
            if node.value in scope.values:
                return scope.values[node.value]
            if ctx.assignments_of_kind(node, cst.Param):
                return parameter_value(ctx, node, location)  # filled by the function's callers
            return Opaque(f"local variable {node.value}", location)
        if QualifiedNameSource.BUILTIN in ctx.sources_of(node):
            return Opaque(f"builtin {node.value}", location)
        names = ctx.names_of(node)
        if not names:
            return Opaque(f"unresolved name {node.value}", location)
        if len(names) == 1:
            return Ref(names[0], location)
        return Items(tuple(Ref(name, location) for name in names))

    def _attribute(self, node: cst.Attribute, scope: Scope) -> Value:
        """`module.name` is a reference, and so is `self.x` that the class's methods store; any
        other attribute of an object is not known statically."""
        ctx = self.ctx
        stored = self_attribute(ctx, node, literal) if scope.kind == "function" else None
        if stored is not None:
            return stored
        base = node.value
        while isinstance(base, cst.Attribute):
            base = base.value
        if isinstance(base, cst.Name) and ctx.assignments_of_kind(base, cst.Import, cst.ImportFrom):
            names = ctx.names_of(node)
            if len(names) == 1:
                return Ref(names[0], ctx.loc(node))
        return Opaque(f"dynamic attribute {ctx.module.code_for_node(node)}", ctx.loc(node))

    # --- calls ---------------------------------------------------------------------------------

    def _call(self, node: cst.Call, scope: Scope, target: str | None, tools: bool) -> Value:
        ctx = self.ctx
        callee = ctx.callee_names(node.func)
        for adapter in self.adapters:
            value = adapter.evaluate_call(self, node, callee, scope, target, tools)
            if value is not None:
                return value
        location = ctx.loc(node)
        if "builtins.list" in callee or "builtins.tuple" in callee:
            return self.evaluate(node.args[0].value, scope, tools=tools) if node.args else Items(())
        if isinstance(node.func, cst.Attribute) and isinstance(node.func.value, cst.Call):
            self.evaluate(node.func.value, scope)  # `OpsDesk([...]).build()`: the object is made here
        arguments = call_arguments(self, node, scope)
        # Whether a function belongs to the project is decided in the model stage, which sees
        # every file (a flat layout imports its sibling modules by absolute name).
        functions = [name for name in callee if not looks_like_class(name)] if self._names_a_function(node.func) else []
        if functions and len(functions) == len(callee):
            record_invocation(ctx, callee, node, arguments, scope, is_bound_call(ctx, node.func))
            project = [name for name in functions if ctx.is_project(name)]
            return Ref(f"{(project or functions)[0]}.<return>", location)
        if not callee:
            return Opaque("call to an unresolved callee", location)
        if all(looks_like_class(name) for name in callee):
            record_invocation(ctx, callee, node, arguments, scope, bound=True)  # its __init__ gets them
            # an instance: the model stage knows whether the class is a tool class of the project
            return Ref(f"{callee[0]}{INSTANCE}", location)
        return Opaque(f"call to external function {callee[0]}", location)

    def _names_a_function(self, func: cst.BaseExpression) -> bool:
        """A called expression that names a function (not a method of an object we cannot type)."""
        if isinstance(func, cst.Name):
            return bool(self.ctx.assignments_of_kind(func, cst.FunctionDef, cst.Import, cst.ImportFrom))
        root = func
        while isinstance(root, cst.Attribute):
            root = root.value
        if not isinstance(root, cst.Name):
            return False
        return bool(self.ctx.assignments_of_kind(root, cst.Import, cst.ImportFrom) or self.ctx.instance_types(root))

    def evaluate_arguments(self, node: cst.Call, scope: Scope) -> None:
        """Evaluate arguments only for the facts they declare (an `Agent(...)` passed along)."""
        for arg in node.args:
            self.evaluate(arg.value, scope)

    def _elements(self, elements, scope: Scope, tools: bool) -> Iterator[Value]:
        for element in elements:
            value = self.evaluate(element.value, scope, tools=tools)
            if isinstance(element, cst.StarredElement) and isinstance(value, Items):
                yield from value.items
            else:
                yield value

    def _comprehension(self, node, scope: Scope, tools: bool) -> Value:
        location = self.ctx.loc(node)
        loop = node.for_in
        if loop.inner_for_in is not None or not isinstance(loop.target, cst.Name):
            return Opaque("comprehension with several loops or an unpacking target", location)
        iterable = self.evaluate(loop.iter, scope)
        if not isinstance(iterable, Items):
            return Opaque("comprehension over an iterable not known statically", location)
        results = []
        saved = scope.loop_values.get(loop.target.value)
        for element, condition in flatten_items(iterable):
            scope.loop_values[loop.target.value] = element
            value = self.evaluate(node.elt, scope, tools=tools)
            results.append(When(value, condition) if condition else value)
        _restore(scope.loop_values, loop.target.value, saved)
        return Items(tuple(results))

    def _if_expression(self, node: cst.IfExp, scope: Scope, target: str | None, tools: bool) -> Value:
        from riskscan.extract.python.conditions import condition_of

        condition = condition_of(node.test, self.ctx.names_of, {})
        body = self.evaluate(node.body, scope, target, tools)
        orelse = self.evaluate(node.orelse, scope, target, tools)
        if condition is None:
            return Items((body, orelse))
        negated = negate(condition)
        return Items((When(body, condition), When(orelse, negated) if negated else orelse))


def flatten_items(value: Items, condition: Condition = ()) -> Iterator[tuple[Value, Condition]]:
    """The elements of a list value with the condition under which each is present."""
    for item in value.items:
        if isinstance(item, When):
            inner = item.value
            if isinstance(inner, Items):
                yield from flatten_items(inner, condition + item.condition)
            else:
                yield inner, condition + item.condition
        elif isinstance(item, Items):
            yield from flatten_items(item, condition)
        else:
            yield item, condition


def _spread(value: Value) -> tuple[Value, ...]:
    return value.items if isinstance(value, Items) else (value,)


def _restore(mapping: dict, key: str, saved: object) -> None:
    if saved is None:
        mapping.pop(key, None)
    else:
        mapping[key] = saved


def literal(node: cst.BaseExpression) -> object:
    """The Python value of a literal expression (dicts, lists, strings, numbers, booleans, None);
    raises ValueError when any part is not a literal."""
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        value = node.evaluated_value
        if value is None:
            raise ValueError("string with a placeholder")
        return value.decode("latin-1") if isinstance(value, bytes) else value
    if isinstance(node, cst.Integer):
        try:
            return node.evaluated_value
        except (SyntaxError, ValueError):  # more than sys.get_int_max_str_digits() digits (nesting.py reports it)
            raise ValueError("an integer too long to convert") from None
    if isinstance(node, cst.Float):
        return node.evaluated_value
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        return -literal(node.expression)  # type: ignore[operator]
    if isinstance(node, cst.Name) and node.value in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[node.value]
    if isinstance(node, (cst.List, cst.Tuple)):
        return [literal(e.value) for e in node.elements if not isinstance(e, cst.StarredElement) or _fail()]
    if isinstance(node, cst.Dict):
        result = {}
        for element in node.elements:
            if not isinstance(element, cst.DictElement):
                raise ValueError("dict unpacking")
            key = literal(element.key)
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                raise ValueError("unhashable key")
            result[key] = literal(element.value)
        return result
    raise ValueError(f"not a literal: {type(node).__name__}")


def _fail() -> bool:
    raise ValueError("starred element")


def string_value(node: cst.BaseExpression | None) -> str | None:
    """A literal string's value, or None."""
    if node is None:
        return None
    try:
        value = literal(node)
    except ValueError:
        return None
    return value if isinstance(value, str) else None


def launch_arguments(node: cst.BaseExpression | None, shown) -> list[str] | None:
    """The words of a literal list of a server's launch arguments, each element that is not a
    literal string kept as `<its code>` (`shown(node)`): `["-y", "@scope/server", folder]` still
    names its package, and the folder is shown as unknown. None when the list itself is not
    written out; [] when there is none."""
    if node is None:
        return []
    if isinstance(node, (cst.List, cst.Tuple)):
        words = []
        for element in node.elements:
            if isinstance(element, cst.StarredElement):
                return None
            text = string_value(element.value)
            words.append(text if text is not None else f"<{shown(element.value)}>")
        return words
    return string_list(node)


def string_list(node: cst.BaseExpression | None, *, missing: list[str] | None = None) -> list[str] | None:
    """The strings of a literal list or tuple (a lone literal string is a list of one); `missing`
    when there is no node; None when it is not such a literal."""
    if node is None:
        return missing
    try:
        value = literal(node)
    except ValueError:
        return None
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    return None


def keyword(call: cst.Call, name: str) -> cst.BaseExpression | None:
    """The value of keyword argument `name` of a call."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg.value
    return None


def positional(call: cst.Call, index: int) -> cst.BaseExpression | None:
    position = 0
    for arg in call.args:
        if arg.keyword is None and not arg.star:
            if position == index:
                return arg.value
            position += 1
    return None

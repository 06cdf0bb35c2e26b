"""Values that come from a function's callers: its parameters, what its class's methods store on
`self`, and the calls that pass them. This is how an agent assembled in a helper gets its tools:
`def make_agent(tools): return Agent(tools=tools)` called with `make_agent([search, send_mail])`,
`async def run(server): Agent(mcp_servers=[server])` called with `run(MCPServerStdio(...))`, a class
whose `__init__` stores `self.tools = tools` for the method that builds the agent.

In a function, a parameter evaluates to `Ref("<function>.<param>.<name>")` (not for `self`, `*args`,
`**kwargs` or a lambda's parameters, which stay `Opaque`); `self.x` in a method, when a method of
the same class assigns `self.x` a value that is not a literal, to `Ref("<class>.<self>.x")`, whose
binding holds every value so assigned (each under the condition of its assignment); a parameter's
default that is not a literal is bound to `<function>.<default>.<name>`. Every call of a function or
class that may be the project's, and that passes something other than constants (or is surely the
project's), is recorded as an `Invocation` with the value of each argument. The model stage
(riskscan/model/parameters.py) resolves a parameter by the arguments of the project's calls of its
function, one configuration per call when there are several.
"""

from __future__ import annotations

import sys

from riskscan.extract.python.syntax import cst
from riskscan.types import Argument, Invocation, Items, Opaque, Ref, Value, When

_STANDARD = frozenset(sys.stdlib_module_names) - {"__main__"}
PARAMETER = ".<param>."  # <function>.<param>.<name>: a parameter, as its callers fill it
SELF = ".<self>."  # <class>.<self>.<attribute>: what the class's methods store on self
DEFAULT = ".<default>."  # <function>.<default>.<name>: a parameter's default, when not a literal


def parameter_value(ctx, node: cst.Name, location) -> Value:
    """What a parameter read in its function holds: a reference its function's callers fill."""
    for assignment in ctx.assignments(node):
        param = assignment.node
        if not isinstance(param, cst.Param):
            continue
        function = getattr(assignment.scope, "node", None)
        if not isinstance(function, cst.FunctionDef) or id(function) not in ctx.declarations.qualnames:
            break  # a lambda's parameter
        params = function.params
        if param is params.star_arg or param is params.star_kwarg:
            return Opaque(f"parameter {'*' if param is params.star_arg else '**'}{node.value}", location)
        if ctx._self_class(node):  # the object a method is called on
            break
        return Ref(f"{ctx.declarations.qualnames[id(function)]}{PARAMETER}{node.value}", location)
    return Opaque(f"parameter {node.value}", location)


def self_attribute(ctx, node: cst.Attribute, literal) -> Ref | None:
    """`self.tools` in a method, when a method of the class stores on it a value that is not a
    literal (`literal(node)` raises ValueError for those)."""
    if not isinstance(node.value, cst.Name):
        return None
    owner = ctx._self_class(node.value)
    if not owner:
        return None
    if not any(not _is_literal(value, literal) for value in ctx.declarations.self_attributes.get((owner, node.attr.value), ())):
        return None
    return Ref(f"{owner}{SELF}{node.attr.value}", ctx.loc(node))


def store_on_self(ctx, target: cst.Attribute, value: Value, condition) -> None:
    """`self.x = value` in a method: one more value of `<class>.<self>.x`."""
    if not isinstance(target.value, cst.Name) or isinstance(value, Opaque):
        return
    owner = ctx._self_class(target.value)
    if not owner:
        return
    from riskscan.types import Binding

    name = f"{owner}{SELF}{target.attr.value}"
    value = When(value, condition) if condition else value
    old = ctx.bindings.get(name)
    ctx.bindings[name] = Binding(name, Items((old.value, value)) if old is not None else value)


def _is_literal(node: cst.BaseExpression, literal) -> bool:
    try:
        literal(node)
    except ValueError:
        return False
    return True


NOTHING = Items(())  # what a constant argument holds: no tool, no agent, no server
_CONSTANTS = (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString, cst.Integer, cst.Float, cst.Imaginary)


def call_arguments(ev, call: cst.Call, scope) -> tuple[Argument, ...]:
    """The value of each argument of a call, with the parameter it fills; a constant (a string,
    a number, True, False, None) is kept as holding nothing, which is all a helper needs of it."""
    found = []
    position = 0
    for arg in call.args:
        value = ev.evaluate(arg.value, scope)
        value = NOTHING if _is_constant(arg.value) else _compact(value)
        if arg.star:
            found.append(Argument(value, star=arg.star))
        elif arg.keyword is not None:
            found.append(Argument(value, keyword=arg.keyword.value))
        else:
            found.append(Argument(value, position=position))
            position += 1
    return tuple(found)


def _compact(value: Value) -> Value:
    """A value that refers to nothing, as one `Opaque` (its first reason): all a parameter
    needs of it is why it cannot be followed."""
    unknown = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, Ref):
            return value
        if isinstance(item, Items):
            stack.extend(reversed(item.items))
        elif isinstance(item, When):
            stack.append(item.value)
        elif isinstance(item, Opaque):
            unknown.append(item)
    return unknown[0] if unknown else NOTHING


def _is_constant(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.UnaryOperation):
        node = node.expression
    return isinstance(node, _CONSTANTS) or (isinstance(node, cst.Name) and node.value in ("True", "False", "None"))


def record_invocation(ctx, callee: tuple[str, ...], call: cst.Call, arguments: tuple[Argument, ...], scope, bound: bool) -> None:
    """Keep a call whose arguments a helper's parameters may need (what it passes, or that it
    leaves a parameter to its default), but not a builtin's; and unless the callee is surely the
    project's, not the standard library's, nor a method call (`client.get(...)`) that passes
    nothing riskscan can follow (then the model says no call it can follow fills the parameter)."""
    if not arguments or any(name.startswith("builtins.") for name in callee):
        return
    if not any(ctx.is_project(name) for name in callee):
        if all(name.split(".")[0] in _STANDARD for name in callee):
            return
        if not isinstance(call.func, cst.Name) and all(isinstance(a.value, Opaque) or a.value == NOTHING for a in arguments):
            return
    ctx.invocations.append(Invocation(tuple(sorted(callee)), ctx.loc(call), arguments, scope.condition, bound))


def is_bound_call(ctx, func: cst.BaseExpression) -> bool:
    """A method called on an object (`desk.build()`, `self.make()`), not a module's function or
    a class's attribute (`Desk.create(...)`)."""
    if not isinstance(func, cst.Attribute):
        return False
    root = func.value
    while isinstance(root, cst.Attribute):
        root = root.value
    return isinstance(root, cst.Name) and not ctx.assignments_of_kind(root, cst.Import, cst.ImportFrom, cst.ClassDef)


def named_function(value: Value | None) -> Ref | None:
    """The reference when `value` names a function statically; None for one its callers pass
    (a parameter, an attribute stored on self): a tool made from it is not one known function."""
    if isinstance(value, Ref) and PARAMETER not in value.qualname and SELF not in value.qualname:
        return value
    return None

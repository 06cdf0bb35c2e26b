"""Function facts: every call in a function's body, with the parameters that flow into each argument.

Flow is a name-level over-approximation inside one function: a local variable carries every
parameter that appears anywhere in what it was assigned (f-strings, `+`, `%`, `.format`, subscripts
such as `arguments["url"]`, `os.path.join(base, name)`, literals), computed to a fixpoint.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from riskscan.extract.python.context import FileContext
from riskscan.extract.python.flow import Flow
from riskscan.extract.python.guarded_calls import checks_at_calls
from riskscan.extract.python.guards import TermReader
from riskscan.extract.python.syntax import cst, find_nodes, parent_of, walk
from riskscan.extract.python.values import literal
from riskscan.types import ArgFlow, CallSite, FunctionFact

Flows = dict[str, frozenset[str]]


def parameters(node: cst.FunctionDef) -> tuple[str, ...]:
    params = node.params
    names = [p.name.value for p in params.posonly_params + params.params]
    if isinstance(params.star_arg, cst.Param):
        names.append(params.star_arg.name.value)
    names.extend(p.name.value for p in params.kwonly_params)
    if params.star_kwarg is not None:
        names.append(params.star_kwarg.name.value)
    return tuple(names)


def keyword_only(node: cst.FunctionDef) -> tuple[str, ...]:
    """The parameters no positional argument fills: keyword-only ones, `*args` and `**kwargs`."""
    params = node.params
    names = [p.name.value for p in params.kwonly_params]
    names += [p.name.value for p in (params.star_arg, params.star_kwarg) if isinstance(p, cst.Param)]
    return tuple(names)


NUMBER_TYPES = frozenset({"int", "float", "bool"})
# Methods that put their arguments into the object they are called on: containers, text buffers,
# messages being composed (email.message, MIME parts), requests being built (urllib's add_header)
MUTATORS = frozenset({"append", "extend", "insert", "update", "setdefault", "add", "appendleft", "extendleft",
                      "write", "writelines", "set_content", "add_alternative", "add_attachment", "attach",
                      "set_payload", "add_header", "add_related", "push", "put", "put_nowait"})


def number_parameters(node: cst.FunctionDef) -> tuple[str, ...]:
    params = node.params
    every = (*params.posonly_params, *params.params, *params.kwonly_params)
    return tuple(p.name.value for p in every
                 if p.annotation is not None and isinstance(p.annotation.annotation, cst.Name)
                 and p.annotation.annotation.value in NUMBER_TYPES)


def function_fact(ctx: FileContext, node: cst.FunctionDef, qualname: str) -> FunctionFact:
    params = parameters(node)
    # a nested function reads its enclosing functions' parameters (a closure): their flows count
    # too, so `def attempt(): return requests.get(url)` inside `fetch(url)` sends to fetch's url
    seen = params + tuple(p for p in _enclosing_parameters(node) if p not in params)
    flows = parameter_flows(node.body, seen)
    docstring = node.get_docstring(clean=True) or ""
    return FunctionFact(
        qualname=qualname,
        name=node.name.value,
        location=ctx.loc(node.name),
        params=params,
        docstring=docstring,
        calls=collect_calls(ctx, [node.body], seen, flows),
        numbers=number_parameters(node),
        keyword_only=keyword_only(node),
    )


def _enclosing_parameters(node: cst.FunctionDef) -> tuple[str, ...]:
    found: list[str] = []
    outer = parent_of(node)
    while outer is not None:
        if isinstance(outer, cst.ClassDef):
            break  # a method does not read the parameters of a function its class is defined in
        if isinstance(outer, cst.FunctionDef):
            found += [p for p in parameters(outer) if p not in found and p not in ("self", "cls")]
        outer = parent_of(outer)
    return tuple(found)


def collect_calls(
    ctx: FileContext, nodes: Sequence[cst.CSTNode], params: tuple[str, ...], flows: Flows
) -> tuple[CallSite, ...]:
    """Every call under `nodes`, not counting nested function or class bodies."""
    definitions = (cst.FunctionDef, cst.ClassDef)
    calls = [call for node in nodes if not isinstance(node, definitions) for call in find_nodes(node, cst.Call)]
    apis = ctx.rulesets.api_index()
    # a builtin outside the catalogue does nothing an agent's risk needs and is not kept; a call
    # riskscan cannot name at all (an undefined name, a method of an expression it cannot type)
    # is kept without a name, so that the body is not taken as understood (labels.py)
    kept = [(call, callee) for call in calls for callee in [ctx.callee_names(call.func)]
            if not callee or any(name in apis or not name.startswith("builtins.") for name in callee)]
    reader = TermReader(ctx, params, _flow(ctx, nodes[0], params) if nodes else None)
    checks: dict[int, tuple] = {}
    for node in nodes:
        if isinstance(node, (cst.IndentedBlock, cst.SimpleStatementSuite)):
            checks.update(checks_at_calls(reader, node, {id(call) for call, _ in kept}))
    sites = []
    arguments = {}
    for call, callee in kept:
        arguments[id(call)] = _arguments(call, params, flows, reader)
        sites.append(CallSite(
            callee=callee,
            location=ctx.loc(call),
            args=arguments[id(call)],
            checks=checks.get(id(call), ()),
            receiver=_receiver(call, flows, reader),
        ))
    sites += _handed_functions(ctx, kept, arguments)
    return tuple(sorted(sites, key=lambda site: (site.location.line, site.location.column)))


def _handed_functions(ctx: FileContext, kept, arguments: dict[int, tuple[ArgFlow, ...]]) -> list[CallSite]:
    """A function of this file handed to another call (`retry(operation)`, `run_in_executor(None,
    fetch)`, `asyncio.to_thread(read, path)`, `asyncio.to_thread(self._run, code)`) is taken as
    called there: callbacks are what such calls are for, and what they do is what the caller does.
    The positional arguments after it, and the keywords, are its own: what `asyncio.to_thread`,
    `run_in_executor`, `Executor.submit` and `functools.partial` pass on."""
    sites = []
    for call, _ in kept:
        position = -1
        for argument in call.args:
            position += argument.keyword is None and argument.star != "**"  # as _arguments counts
            value = argument.value
            if isinstance(value, cst.Name) and ctx.assignments_of_kind(value, cst.FunctionDef):
                names = tuple(n for n in ctx.names_of(value) if ctx.is_project(n))
            elif isinstance(value, cst.Attribute) and isinstance(value.value, cst.Name) and ctx._self_class(value.value):
                names = tuple(n for n in ctx.callee_names(value) if ctx.is_project(n))  # a method: `self._run`
            else:
                continue
            if names:
                passed = _passed_on(arguments[id(call)], position) if argument.keyword is None and not argument.star else ()
                sites.append(CallSite(callee=names, location=ctx.loc(value), args=passed))
    return sites


def _passed_on(args: tuple[ArgFlow, ...], function_position: int) -> tuple[ArgFlow, ...]:
    """The arguments of a forwarding call that the function at `function_position` receives."""
    after = [replace(a, position=a.position - function_position - 1) for a in args
             if a.position is not None and a.position > function_position]
    return tuple(after + [a for a in args if a.position is None and a.keyword != "**"])


def _flow(ctx: FileContext, node: cst.CSTNode, params: tuple[str, ...]) -> Flow | None:
    """The control flow of the function `node` lies in, built once per function."""
    while node is not None and not isinstance(node, cst.FunctionDef):
        node = parent_of(node)
    if node is None:
        return None
    if id(node) not in ctx.flows:
        ctx.flows[id(node)] = Flow(node, params)
    return ctx.flows[id(node)]


def parameter_flows(body: cst.CSTNode, params: tuple[str, ...]) -> Flows:
    """Local name -> the parameters its value may contain."""
    collector = _AssignmentFinder()
    for node in find_nodes(body, *_AssignmentFinder.KINDS):
        collector.visit(node)
    flows: Flows = {name: frozenset({name}) for name in params}
    changed = True
    while changed:
        changed = False
        for targets, value in collector.assignments:
            carried = flow_of(value, flows)
            for target in targets:
                before = flows.get(target, frozenset())
                after = before | carried
                if after != before:
                    flows[target] = after
                    changed = True
    return flows


def flow_of(node: cst.CSTNode, flows: Flows) -> frozenset[str]:
    carried: set[str] = set()
    for name in names_read(node):
        carried |= flows.get(name, frozenset())
    return frozenset(carried)


def names_read(node: cst.CSTNode) -> list[str]:
    """Names an expression reads: not attribute names (`x.name`), not keywords (`f(name=...)`)."""
    found = walk(node)
    not_read = {id(n.attr) for n in found if isinstance(n, cst.Attribute)}
    not_read |= {id(n.keyword) for n in found if isinstance(n, cst.Arg) and n.keyword is not None}
    return [n.value for n in found if isinstance(n, cst.Name) and id(n) not in not_read]


def _arguments(call: cst.Call, params: tuple[str, ...], flows: Flows, reader: TermReader) -> tuple[ArgFlow, ...]:
    result = []
    position = 0
    for arg in call.args:
        carried = tuple(sorted(flow_of(arg.value, flows)))
        constant = _constant(arg.value)
        if constant is None and not carried and isinstance(arg.value, cst.Name):
            fixed = reader.term(arg.value)  # a module constant: the project's own target
            constant = fixed.value if fixed.op == "lit" else None
        term = reader.term(arg.value) if (carried or _string_list(arg.value)) and not arg.star else None
        if arg.keyword is not None:
            result.append(ArgFlow(None, arg.keyword.value, carried, constant, term))
        elif arg.star == "**":
            result.append(ArgFlow(None, "**", carried, None))
        else:
            result.append(ArgFlow(position, None, carried, constant if not arg.star else None, term))
            position += 1
    return tuple(result)


def _string_list(node: cst.BaseExpression) -> bool:
    """`["git", "status"]`, `[GIT, "status"]`: an argv written out, whose program the term names."""
    return isinstance(node, (cst.List, cst.Tuple)) and bool(node.elements) and all(
        isinstance(e, cst.Element) and isinstance(e.value, (cst.SimpleString, cst.Name)) for e in node.elements)


def _receiver(call: cst.Call, flows: Flows, reader: TermReader) -> ArgFlow | None:
    """The object of a method call whose catalog entry targets it (`path` in path.unlink()),
    when parameters flow into it."""
    if not isinstance(call.func, cst.Attribute):
        return None
    apis = reader.ctx.rulesets.api_index()
    if not any(apis[name].target_receiver for name in reader.ctx.callee_names(call.func) if name in apis):
        return None
    carried = tuple(sorted(flow_of(call.func.value, flows)))
    return ArgFlow(None, "self", carried, None, reader.term(call.func.value)) if carried else None


def _constant(node: cst.BaseExpression) -> str | None:
    try:
        value = literal(node)
    except ValueError:
        return None
    if isinstance(value, (str, int, float, bool)) or value is None:
        return str(value) if not isinstance(value, str) else value
    return None


class _AssignmentFinder:
    """(target names, value) for every binding in a body, nested definitions excluded."""

    KINDS = (cst.Assign, cst.AnnAssign, cst.AugAssign, cst.NamedExpr, cst.For, cst.CompFor, cst.WithItem, cst.Call)

    def __init__(self) -> None:
        self.assignments: list[tuple[tuple[str, ...], cst.CSTNode]] = []

    def visit(self, node: cst.CSTNode) -> None:
        getattr(self, f"visit_{type(node).__name__}")(node)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._add(target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._add(node.target, node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._add(node.target, node.value)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._add(node.target, node.value)

    def visit_For(self, node: cst.For) -> None:
        self._add(node.target, node.iter)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._add(node.target, node.iter)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._add(node.asname.name, node.item)

    def visit_Call(self, node: cst.Call) -> None:
        # `parts.append(x)` / `parts.extend(xs)` / `d.update(...)`: the receiver carries x. Any other
        # method's arguments stay the call's own: `archive.upload_blob(name, text)` on a fixed
        # container does not make the container the model's choice
        if isinstance(node.func, cst.Attribute) and isinstance(node.func.value, cst.Name) and node.args \
                and node.func.attr.value in MUTATORS:
            for arg in node.args:
                self._add(node.func.value, arg.value)

    def _add(self, target: cst.BaseExpression, value: cst.CSTNode) -> None:
        self.assignments.append((tuple(_target_names(target)), value))


def _target_names(target: cst.BaseExpression) -> Iterable[str]:
    if isinstance(target, cst.Name):
        yield target.value
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            yield from _target_names(element.value)
    elif isinstance(target, cst.StarredElement):
        yield from _target_names(target.value)
    elif isinstance(target, (cst.Attribute, cst.Subscript)):
        # `cfg.url = x` / `payload["to"] = x`: the object now carries x
        base = target.value
        while isinstance(base, (cst.Attribute, cst.Subscript)):
            base = base.value
        if isinstance(base, cst.Name):
            yield base.value

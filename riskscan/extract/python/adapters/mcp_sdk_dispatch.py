"""How a low-level MCP server's call_tool handler maps a tool's name to the code that runs it.

The tool's name is the handler's first parameter (mcp 1.x `@server.call_tool()` calls
`handler(name, arguments)`), the `.name` of its request parameters (mcp 2.x `on_call_tool=handler`
calls `handler(ctx, params)`, which reads `params.name`), or a local bound to either. The handler maps it:
- by branches, `if name == "x":` / `case "x":` (function_calling.literal_branches): the branch body;
- by a guard, `if name != "x": raise ...` or `assert name == "x" [and ...]`: what follows it;
- by a table, `{"x": handler}[name]`, `HANDLERS[name]`, `HANDLERS.get(name)` of a dict literal with
  literal or constant keys: the function of the entry;
- not at all, when the handler never tests, indexes or hands on the name: every tool of the
  server runs the whole handler (a server of one tool, or tools that differ only in their schema);
- in a function of this file it hands the name to (`await self._execute_tool(name, arguments)`),
  read the same way with the parameter that receives the name.
Names may be constants (extract/python/constants.py). Each dispatch is a `Dispatch` fact: a branch
or a guard becomes a function `<handler>#x` holding the calls of its code.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from riskscan.extract.python.adapters.declarations import function_ref
from riskscan.extract.python.constants import constants_of, named
from riskscan.extract.python.functions import collect_calls, parameter_flows, parameters
from riskscan.extract.python.syntax import cst, find_nodes
from riskscan.extract.python.values import positional
from riskscan.types import (
    Dispatch,
    FunctionFact,
    Items,
    NameParts,
    Ref,
    ToolFact,
    Value,
    When,
)

PARTIAL = frozenset({"functools.partial"})


MAX_HAND_ON = 3  # functions deep the name is followed when handed on


def dispatch(ctx, handler: cst.FunctionDef, form: str, tools: Sequence[Value], name_param: cst.Param | None = None,
             depth: int = 0) -> None:
    """The dispatches of one call_tool handler of a server holding `tools`; `form` is mcp1 (the
    name is the first parameter), mcp2 (the `.name` of the request's parameters) or handed-on (the
    name is `name_param`, in a function the handler passes it to)."""
    from riskscan.extract.python.adapters.function_calling import branches_with_subjects

    qualname = ctx.declarations.qualnames[id(handler)]
    ctx.dispatch_handlers.add(qualname)
    params = parameters(handler)
    flows = parameter_flows(handler.body, params)
    reading = _NameReading(ctx, handler, form, name_param)

    def branch(tool_name: str, name_parts: NameParts, body: Sequence[cst.CSTNode], test: cst.CSTNode) -> None:
        branch_qualname = f"{qualname}#{tool_name}"
        location = ctx.loc(test)
        ctx.functions[branch_qualname] = FunctionFact(
            branch_qualname, f"{handler.name.value}#{tool_name}", location, params, calls=collect_calls(ctx, body, params, flows)
        )
        ctx.dispatches.append(Dispatch(tool_name, Ref(branch_qualname, location), location, name_parts))

    for tool_name, name_parts, body, test, subject in branches_with_subjects(ctx, handler.body):
        if form != "handed-on" or reading.is_name(subject):
            branch(tool_name, name_parts, [body], test)
    for tool_name, name_parts, body, test in reading.guards():
        branch(tool_name, name_parts, body, test)
    for tool_name, name_parts, target, element in reading.tables():
        ctx.dispatches.append(Dispatch(tool_name, target, ctx.loc(element), name_parts))
    if depth < MAX_HAND_ON:
        for callee, param in reading.handed_on():
            dispatch(ctx, callee, "handed-on", tools, param, depth + 1)
    if form != "handed-on" and not reading.reads_name():
        whole = Ref(qualname, ctx.loc(handler.name))
        for fact in _tool_facts(ctx, tools):
            ctx.dispatches.append(Dispatch(fact.name, whole, ctx.loc(handler.name), fact.name_parts))


class _NameReading:
    """Where a handler reads the tool's name."""

    def __init__(self, ctx, handler: cst.FunctionDef, form: str, name_param: cst.Param | None = None) -> None:
        self.ctx = ctx
        self.handler = handler
        params = handler.params.posonly_params + handler.params.params
        self.first = params[0] if params and form == "mcp1" else name_param  # `name` of (name, arguments)
        self.holders = {id(param) for param in params[1:]} if form == "mcp2" else set()  # `params` of (ctx, params)
        self.aliases: set[int] = set()  # id(target Name) of `tool = params.name` in the handler
        assigns = find_nodes(handler.body, cst.Assign)
        for _ in range(3):  # `n = params.name; tool = n`
            for assign in assigns:
                if len(assign.targets) == 1 and isinstance(assign.targets[0].target, cst.Name) and self.is_name(assign.value):
                    self.aliases.add(id(assign.targets[0].target))

    def is_name(self, node: cst.CSTNode) -> bool:
        ctx = self.ctx
        if isinstance(node, cst.Name):
            return any(a.node is self.first or id(a.node) in self.aliases for a in ctx.assignments(node))
        if isinstance(node, cst.Attribute) and node.attr.value == "name" and isinstance(node.value, cst.Name):
            return any(id(a.node) in self.holders for a in ctx.assignments(node.value))
        return False

    def _compared(self, test: cst.BaseExpression, operators: tuple[type, ...]) -> list[cst.BaseExpression]:
        """The names `test` compares the tool's name with by one of `operators` (`==`, `in (...)`)."""
        if not (isinstance(test, cst.Comparison) and len(test.comparisons) == 1):
            return []
        comparison = test.comparisons[0]
        if not isinstance(comparison.operator, operators):
            return []
        left, right = test.left, comparison.comparator
        if isinstance(comparison.operator, (cst.In, cst.NotIn)):
            if self.is_name(left) and isinstance(right, (cst.Tuple, cst.List, cst.Set)):
                return [element.value for element in right.elements]
            return []
        if self.is_name(left):
            return [right]
        return [left] if self.is_name(right) else []

    def guards(self) -> Iterator[tuple[str, NameParts, list[cst.CSTNode], cst.CSTNode]]:
        """(name, pieces, the code that runs for it, the guard) of `if name != "x": raise` and
        `assert name == "x"`: the rest of the guard's block; the whole body when no test of the
        name comes before the guard (what comes before runs for that tool too)."""
        parts_of = constants_of(self.ctx).parts
        tests = [node for node in find_nodes(self.handler.body, cst.Comparison, cst.Match) if self._tests(node)]
        for block in find_nodes(self.handler.body, cst.IndentedBlock):
            statements = list(block.body)
            for index, statement in enumerate(statements):
                names, guard = self._guarded(statement)
                if not names:
                    continue
                earlier = any(self.ctx.loc(test) < self.ctx.loc(guard) for test in tests if test is not guard)
                body = statements[index + 1 :] if earlier else [self.handler.body]
                for value in names:
                    parts = parts_of(value)
                    if parts is not None:
                        yield *named(parts, self.ctx.module.code_for_node(value)), body, guard
                break  # the rest of the block is that tool's

    def _guarded(self, statement: cst.BaseStatement) -> tuple[list[cst.BaseExpression], cst.CSTNode]:
        """The names a statement lets past: `if name != "x":` / `if name not in (...)` whose body
        leaves, `assert name == "x"` (or a conjunction holding it)."""
        if isinstance(statement, cst.If) and statement.orelse is None and _leaves(statement.body):
            return self._compared(statement.test, (cst.NotEqual, cst.NotIn)), statement.test
        if isinstance(statement, cst.SimpleStatementLine) and isinstance(statement.body[0], cst.Assert):
            test = statement.body[0].test
            for conjunct in _conjuncts(test):
                names = self._compared(conjunct, (cst.Equal, cst.In))
                if names:
                    return names, conjunct
        return [], statement

    def _tests(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.Match):
            return self.is_name(node.subject)
        return bool(self._compared(node, (cst.Equal, cst.NotEqual, cst.In, cst.NotIn)))

    def tables(self) -> Iterator[tuple[str, NameParts, Ref, cst.CSTNode]]:
        """(name, pieces, function, entry) of each entry of a dict indexed by the name."""
        parts_of = constants_of(self.ctx).parts
        for table in self._indexed():
            for element in table.elements:
                if not isinstance(element, cst.DictElement):
                    continue
                parts, target = parts_of(element.key), self._function(element.value)
                if parts is not None and target is not None:
                    yield *named(parts, self.ctx.module.code_for_node(element.key)), target, element

    def _indexed(self) -> Iterator[cst.Dict]:
        """The dict literals the handler looks the name up in: `table[name]`, `table.get(name)`,
        inline or bound to a name of the handler or the module."""
        for node in find_nodes(self.handler.body, cst.Subscript, cst.Call):
            if isinstance(node, cst.Subscript):
                indexed = len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index) and self.is_name(node.slice[0].slice.value)
                table = node.value
            else:
                func = node.func
                indexed = isinstance(func, cst.Attribute) and func.attr.value == "get" and self.is_name(positional(node, 0))
                table = func.value if isinstance(func, cst.Attribute) else func
            if not indexed:
                continue
            if isinstance(table, cst.Dict):
                yield table
            elif isinstance(table, cst.Name):
                for assignment in self.ctx.assignments(table):
                    value = self.ctx.declarations.assigned.get(id(assignment.node))
                    if isinstance(value, cst.Dict):
                        yield value

    def _function(self, node: cst.BaseExpression) -> Ref | None:
        """The function an entry runs: named, called in a lambda, or wrapped by functools.partial."""
        if isinstance(node, cst.Lambda) and isinstance(node.body, cst.Call):
            node = node.body.func
        elif isinstance(node, cst.Call) and set(self.ctx.callee_names(node.func)) & PARTIAL and positional(node, 0) is not None:
            node = positional(node, 0)
        return function_ref(self.ctx, node)

    def reads_name(self) -> bool:
        """Whether the handler tells tools apart: it tests the name, looks it up, or hands it on."""
        for node in find_nodes(self.handler.body, cst.Comparison, cst.Match, cst.Subscript, cst.Call):
            if isinstance(node, cst.Match) and self.is_name(node.subject):
                return True
            if isinstance(node, cst.Comparison) and any(self.is_name(n) for n in [node.left, *(c.comparator for c in node.comparisons)]):
                return True
            if isinstance(node, cst.Subscript) and any(isinstance(e.slice, cst.Index) and self.is_name(e.slice.value) for e in node.slice):
                return True
            if isinstance(node, cst.Call) and any(self.is_name(arg.value) for arg in node.args) and self._hands_on(node):
                return True
        return False

    def handed_on(self) -> Iterator[tuple[cst.FunctionDef, cst.Param]]:
        """(function, the parameter that receives the name) of each function of this file the
        handler passes the name to, by position or keyword (a method through `self`)."""
        definitions = None  # the file's functions by qualname, looked up only once a call passes the name
        for call in find_nodes(self.handler.body, cst.Call):
            if not any(self.is_name(arg.value) for arg in call.args):
                continue
            if definitions is None:
                definitions = {self.ctx.declarations.qualnames.get(id(f)): f
                               for f in find_nodes(self.ctx.module, cst.FunctionDef, enter_definitions=True)}
            target = function_ref(self.ctx, call.func)
            callee = definitions.get(target.qualname) if target is not None else None
            if callee is None or callee is self.handler:
                continue
            params = list(callee.params.posonly_params + callee.params.params)
            if params and isinstance(call.func, cst.Attribute) and params[0].name.value in ("self", "cls"):
                params = params[1:]  # a method called through self
            by_name = {p.name.value: p for p in params + list(callee.params.kwonly_params)}
            for index, arg in enumerate(call.args):
                if not self.is_name(arg.value) or arg.star:
                    continue
                param = by_name.get(arg.keyword.value) if arg.keyword is not None else (params[index] if index < len(params) else None)
                if param is not None:
                    yield callee, param

    def _hands_on(self, call: cst.Call) -> bool:
        """A call that may tell tools apart by the name it is given: a function of the project or
        one riskscan cannot name, not a logger's or an exception's."""
        callee = self.ctx.callee_names(call.func)
        return not callee or any(self.ctx.is_project(name) for name in callee)


def _leaves(body: cst.BaseSuite) -> bool:
    """The block ends by raising or returning."""
    last = body.body[-1] if isinstance(body, cst.IndentedBlock) and body.body else body
    if isinstance(last, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
        return isinstance(last.body[-1], (cst.Raise, cst.Return))
    return False


def _conjuncts(test: cst.BaseExpression) -> Iterator[cst.BaseExpression]:
    if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.And):
        yield from _conjuncts(test.left)
        yield from _conjuncts(test.right)
    else:
        yield test


def _tool_facts(ctx, values: Sequence[Value], depth: int = 0) -> list[ToolFact]:
    """The tools of this file a server's list holds, through the module names they are bound to."""
    found: list[ToolFact] = []
    for value in values:
        if isinstance(value, When):
            found += _tool_facts(ctx, [value.value], depth)
        elif isinstance(value, Items):
            found += _tool_facts(ctx, value.items, depth)
        elif isinstance(value, Ref) and value.qualname in ctx.tools:
            found.append(ctx.tools[value.qualname])
        elif isinstance(value, Ref) and value.qualname in ctx.bindings and depth < 4:
            found += _tool_facts(ctx, [ctx.bindings[value.qualname].value], depth + 1)
    return found

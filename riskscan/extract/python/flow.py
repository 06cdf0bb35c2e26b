"""Reaching definitions over one function body, for argument checks.

A check protects a call only when the value it examined is the value the call receives: no write
of a name the check reads may lie on a path from the check to the call, and a name read at the call
means the one definition that reaches it on every path. The control flow is built from the
statements of the body (if / elif / else, for and while with else, break, continue, try / except /
else / finally, with, match, return, raise); a write is any binding of the name (assignment,
augmented assignment, walrus, for / with / except / import / case targets, del, a nested def or
class) or a change of the object it holds (`x.a = ...`, `x[k] = ...`, `x.update(...)`). Nested
functions write a name only through `nonlocal`; a `global` / `nonlocal` name of the function itself
may change at any call, so nothing about it is known. Where the walk meets a statement it does not
model, nothing is known for the whole function. Edges are over-approximated (every statement of a
`try` may jump to each handler and to `finally`, every statement of a `with` may end it), which
can only add definitions and writes, never hide one.
"""

from __future__ import annotations

from riskscan.extract.python.syntax import cst, find_nodes, walk

# methods that change the object they are called on (dicts and lists: `arguments.update(...)`)
MUTATORS = frozenset({"update", "pop", "popitem", "setdefault", "clear", "append", "extend", "insert", "remove", "__setitem__", "__delitem__"})
_SIMPLE = (cst.SimpleStatementLine, cst.SimpleStatementSuite)
_PLAIN = (cst.Expr, cst.Pass, cst.Assert, cst.Return, cst.Raise, cst.Break, cst.Continue, cst.Global, cst.Nonlocal,
          cst.Assign, cst.AnnAssign, cst.AugAssign, cst.Del, cst.Import, cst.ImportFrom, cst.TypeAlias)
ENTRY = 0  # the node that defines the parameters


class _Node:
    __slots__ = ("after", "inner", "succ", "pred", "statement")

    def __init__(self, after: frozenset[str], inner: frozenset[str], statement) -> None:
        self.after, self.inner = after, inner  # written once the node ran / somewhere inside it
        self.succ: set[int] = set()
        self.pred: set[int] = set()
        self.statement = statement

    @property
    def writes(self) -> frozenset[str]:
        return self.after | self.inner


class Flow:
    """The control flow of one function: `rebound` and `binding` answer the checks' questions."""

    def __init__(self, function: cst.FunctionDef, params: tuple[str, ...]) -> None:
        self.params = frozenset(params)
        self.nodes: list[_Node] = [_Node(self.params, frozenset(), None)]
        self.of: dict[int, int] = {}  # id(expression node) -> its flow node
        self.understood = True
        self.loops: list[tuple[int, list[int]]] = []  # (header, break nodes)
        self._dirty_at: dict[tuple[int, frozenset[str]], set[int]] = {}
        self._bindings: dict[tuple[int, str], object] = {}
        self.body = body = function.body
        self.volatile = {n.name.value for g in find_nodes(body, cst.Global, cst.Nonlocal) for n in g.names}
        # a nested function's `nonlocal x` may change our x at any call
        self.volatile |= {n.name.value for g in find_nodes(body, cst.Nonlocal, enter_definitions=True) for n in g.names}
        statements = list(body.body) if isinstance(body, cst.IndentedBlock) else [body]
        self._block(statements, [ENTRY])
        self.written = frozenset().union(*(node.writes for node in self.nodes[1:])) if len(self.nodes) > 1 else frozenset()
        self.locals = self.params | self.written | self.volatile

    # --- questions -------------------------------------------------------------------------------

    def rebound(self, origin: cst.CSTNode, call: cst.CSTNode, names: set[str]) -> tuple[str, cst.CSTNode | None] | None:
        """(name, the statement writing it) when one of `names`, read by the check at `origin`, may
        be written on a path from the check to `call`; ("", None) when riskscan cannot tell; None
        when the check examined the value the call receives."""
        names = set(names) & self.locals
        if not names:
            return None
        if not self.understood:
            return "", None
        if names & self.volatile:
            return sorted(names & self.volatile)[0], None
        if not names & self.written:
            return None
        start, end = self.of.get(id(origin)), self.of.get(id(call))
        if start is None or end is None:
            return "", None
        if self.nodes[start].writes & names:
            return self._named(start, names)
        if self.nodes[end].inner & names:
            return self._named(end, names)
        if start not in self._dirty(end, frozenset(names)):
            return None  # no path from the check reaches a write that reaches the call
        seen: set[tuple[int, bool]] = set()
        stack: list[tuple[int, int | None]] = [(n, None) for n in self.nodes[start].succ]
        while stack:
            at, writer = stack.pop()
            if at == start or (at, writer is not None) in seen:
                continue  # back at the check: it examines the value again
            seen.add((at, writer is not None))
            if at == end and writer is not None:
                return self._named(writer, names)
            node = self.nodes[at]
            if writer is None and node.writes & names:
                writer = at
            stack.extend((n, writer) for n in node.succ)
        return None

    def binding(self, name: cst.Name):
        """What `name` holds where it is read: "param" (the parameter as passed), the expression of
        the one `name = value` that reaches it on every path, None when neither; NOT_MINE for a
        name this function does not bind (a module constant, a builtin)."""
        at = self.of.get(id(name))
        if at is None or name.value not in self.locals:
            return NOT_MINE
        if not self.understood or name.value in self.volatile or name.value in self.nodes[at].inner:
            return None
        if (at, name.value) not in self._bindings:
            self._bindings[at, name.value] = self._binding(at, name.value)
        return self._bindings[at, name.value]

    def _binding(self, at: int, name: str):
        found: set[int] = set()
        seen: set[int] = set()
        stack = list(self.nodes[at].pred)
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            if name in self.nodes[current].writes or current == ENTRY:
                found.add(current)
                if len(found) > 1:
                    return None
                continue
            stack.extend(self.nodes[current].pred)
        if found != {ENTRY} and len(found) == 1:
            return _assigned_value(self.nodes[found.pop()], name)
        return "param" if found == {ENTRY} and name in self.params else None

    def _dirty(self, end: int, names: frozenset[str]) -> set[int]:
        """The nodes with a path to a write of `names` that has a path on to `end`, once per call:
        the check at any other node examined the value the call receives."""
        key = (end, names)
        if key not in self._dirty_at:
            writers = {n for n in self._before({end}) if self.nodes[n].writes & names}
            self._dirty_at[key] = self._before(writers)
        return self._dirty_at[key]

    def _before(self, targets: set[int]) -> set[int]:
        """The nodes from which a path of at least one step reaches one of `targets`."""
        found: set[int] = set()
        stack = [pred for target in targets for pred in self.nodes[target].pred]
        while stack:
            current = stack.pop()
            if current not in found:
                found.add(current)
                stack.extend(self.nodes[current].pred)
        return found

    def _named(self, at: int, names: set[str]) -> tuple[str, cst.CSTNode | None]:
        return sorted(self.nodes[at].writes & names)[0], self.nodes[at].statement

    # --- building ----------------------------------------------------------------------------------

    def _new(self, parts: list, after: set[str], preds: list[int], statement) -> int:
        inner: set[str] = set()
        for part in parts:
            if part is None:
                continue
            inner |= _inner_writes(part)
            for node in walk(part):
                self.of[id(node)] = len(self.nodes)
        self.nodes.append(_Node(frozenset(after), frozenset(inner), statement))
        index = len(self.nodes) - 1
        self._link(preds, index)
        return index

    def _link(self, preds, index: int) -> None:
        for pred in preds:
            self.nodes[pred].succ.add(index)
            self.nodes[index].pred.add(pred)

    def _block(self, statements, preds: list[int]) -> list[int]:
        for statement in statements:
            preds = self._statement(statement, preds)
        return preds

    def _suite(self, suite, preds: list[int]) -> list[int]:
        if isinstance(suite, cst.IndentedBlock):
            return self._block(suite.body, preds)
        return self._block([suite], preds)

    def _statement(self, statement, preds: list[int]) -> list[int]:
        if isinstance(statement, _SIMPLE):
            for small in statement.body:
                preds = self._small(small, preds, statement)
            return preds
        if isinstance(statement, cst.If):
            header = self._new([statement.test], set(), preds, statement)
            exits = self._suite(statement.body, [header])
            if isinstance(statement.orelse, cst.If):
                return exits + self._statement(statement.orelse, [header])
            if isinstance(statement.orelse, cst.Else):
                return exits + self._suite(statement.orelse.body, [header])
            return exits + [header]
        if isinstance(statement, (cst.For, cst.While)):
            if isinstance(statement, cst.For):
                header = self._new([statement.target, statement.iter], _targets(statement.target), preds, statement)
            else:
                header = self._new([statement.test], set(), preds, statement)
            self.loops.append((header, []))
            self._link(self._suite(statement.body, [header]), header)
            _, breaks = self.loops.pop()
            done = self._suite(statement.orelse.body, [header]) if statement.orelse else [header]
            return done + breaks
        if isinstance(statement, cst.With):
            after = set().union(*(_targets(item.asname.name) for item in statement.items if item.asname is not None))
            header = self._new(list(statement.items), after, preds, statement)
            start = len(self.nodes)
            exits = self._suite(statement.body, [header])
            return exits + [header] + list(range(start, len(self.nodes)))  # a context manager may swallow an error
        if isinstance(statement, (cst.Try, cst.TryStar)):
            return self._try(statement, preds)
        if isinstance(statement, cst.Match):
            header = self._new([statement.subject], set(), preds, statement)
            exits, previous = [], [header]
            for case in statement.cases:
                captured = {n.name.value for n in find_nodes(case.pattern, cst.MatchAs, cst.MatchStar) if isinstance(n.name, cst.Name)}
                captured |= {n.rest.value for n in find_nodes(case.pattern, cst.MatchMapping) if isinstance(n.rest, cst.Name)}
                test = self._new([case.pattern, case.guard], captured, previous, case)
                exits += self._suite(case.body, [test])
                previous = [test]
            return exits + previous
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            return [self._new([], {statement.name.value}, preds, statement)]
        self.understood = False
        return [self._new([], set(), preds, statement)]

    def _try(self, statement, preds: list[int]) -> list[int]:
        start = len(self.nodes)
        exits = self._suite(statement.body, preds)
        raising = list(preds) + list(range(start, len(self.nodes)))
        done: list[int] = []
        for handler in statement.handlers:
            name = {handler.name.name.value} if handler.name is not None and isinstance(handler.name.name, cst.Name) else set()
            entry = self._new([handler.type], name, raising, handler)
            done += self._suite(handler.body, [entry])
        done += self._suite(statement.orelse.body, exits) if statement.orelse else exits
        if statement.finalbody is None:
            return done
        everything = list(preds) + list(range(start, len(self.nodes))) + done
        ends = self._suite(statement.finalbody.body, everything)
        for header, breaks in self.loops:  # a finally ending a return / break / continue
            self._link(ends, header)
            breaks.extend(ends)
        return ends

    def _small(self, small, preds: list[int], statement) -> list[int]:
        if not isinstance(small, _PLAIN):
            self.understood = False
        index = self._new([small], _small_writes(small, self), preds, statement)
        if isinstance(small, (cst.Return, cst.Raise)):
            return []
        if isinstance(small, (cst.Break, cst.Continue)):
            if not self.loops:
                self.understood = False
                return []
            header, breaks = self.loops[-1]
            if isinstance(small, cst.Break):
                breaks.append(index)
            else:
                self._link([index], header)
            return []
        return [index]


class _NotMine:
    def __repr__(self) -> str:
        return "NOT_MINE"


NOT_MINE = _NotMine()


def _assigned_value(node: _Node, name: str):
    """The value of a plain `name = value` (or `a = name = value`, `name: T = value`) node."""
    statement = node.statement
    if name in node.inner or not isinstance(statement, _SIMPLE):
        return None
    for small in statement.body:
        if isinstance(small, cst.Assign) and all(isinstance(t.target, cst.Name) for t in small.targets):
            if any(t.target.value == name for t in small.targets):
                return small.value if _only_writer(statement, small, name) else None
        if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name) and small.target.value == name:
            return small.value if small.value is not None and _only_writer(statement, small, name) else None
    return None


def _only_writer(statement, small, name: str) -> bool:
    """`name` is written by no other small statement of the line than `small`."""
    return not any(other is not small and name in _small_writes(other, None) for other in statement.body)


def _small_writes(small, flow: Flow | None) -> set[str]:
    if isinstance(small, cst.Assign):
        return set().union(*(_targets(t.target) for t in small.targets))
    if isinstance(small, (cst.AugAssign, cst.AnnAssign)):
        return _targets(small.target) if not isinstance(small, cst.AnnAssign) or small.value is not None else set()
    if isinstance(small, cst.Del):
        return _targets(small.target)
    if isinstance(small, cst.TypeAlias):
        return {small.name.value}
    if isinstance(small, (cst.Import, cst.ImportFrom)):
        if isinstance(small.names, cst.ImportStar):
            if flow is not None:
                flow.understood = False
            return set()
        bound = set()
        for alias in small.names:
            if alias.asname is not None:
                bound |= _targets(alias.asname.name)
            else:
                bound.add((cst.Module([]).code_for_node(alias.name)).split(".")[0])
        return bound
    return set()


def _targets(target) -> set[str]:
    """Names a target binds or changes: `x`, `x, *y`, and the base of `x.a` / `x[k]`."""
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, (cst.Tuple, cst.List)):
        return set().union(*(_targets(e.value) for e in target.elements)) if target.elements else set()
    if isinstance(target, cst.StarredElement):
        return _targets(target.value)
    if isinstance(target, (cst.Attribute, cst.Subscript)):
        return _base(target.value)
    return set()


def _base(node) -> set[str]:
    """The name an attribute / subscript / method chain starts from: `x` of `x.a[k].b`."""
    while isinstance(node, (cst.Attribute, cst.Subscript, cst.Call)):
        node = node.func if isinstance(node, cst.Call) else node.value
    return {node.value} if isinstance(node, cst.Name) else set()


def _inner_writes(part: cst.CSTNode) -> set[str]:
    """Names written while an expression is evaluated: walrus targets, objects changed in place."""
    found = {n.target.value for n in find_nodes(part, cst.NamedExpr) if isinstance(n.target, cst.Name)}
    for call in find_nodes(part, cst.Call):
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value in MUTATORS:
            found |= _base(func.value)
    return found

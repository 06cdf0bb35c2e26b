"""Which argument checks stand before each call of a function body: the tests of the `if`s a call
sits in (negated in `else`), the negation of a test whose branch always leaves the function
(`if not ok(url): raise`), and `assert`s; each read as a check by `guards.TermReader`. A check
stands before a call only if no name it reads is written between the two
(riskscan.extract.python.flow), else it is an `unknown` check saying so, never one that holds.
"""

from __future__ import annotations

from riskscan.extract.python.guards import TermReader
from riskscan.extract.python.syntax import cst, find_nodes
from riskscan.types import Check, Term


def checks_at_calls(reader: TermReader, body: cst.BaseSuite, calls: set[int] | None = None) -> dict[int, tuple[Check, ...]]:
    """id(Call) -> the checks that hold whenever the call is reached, on the value the call
    receives: a check a name of which is written between it and the call is `unknown`. `calls`:
    only these (by id), when given."""
    found: dict[int, tuple[cst.Call, tuple]] = {}
    _walk(reader, _statements(body), (), found)
    names: dict[int, set[str]] = {}  # id(origin) -> the names its test reads
    return {
        key: tuple(_still_holds(reader, check, origin, call, names) for check, origin in active)
        for key, (call, active) in found.items()
        if calls is None or key in calls
    }


def _still_holds(reader: TermReader, check: Check, origin: cst.CSTNode, call: cst.Call, names: dict) -> Check:
    flow = reader.flow
    if flow is None:
        return check
    if id(origin) not in names:
        names[id(origin)] = {n.value for n in find_nodes(origin, cst.Name, enter_definitions=True)}
    rebound = flow.rebound(origin, call, names[id(origin)])
    if rebound is None:
        return check
    name, where = rebound
    if not name:
        why = "riskscan cannot follow the function's control flow between the check and the call"
    elif where is None:
        why = f"`{name}` is global or nonlocal: it may change between the check and the call"
    else:
        why = f"`{name}` is rebound at line {reader.ctx.loc(where).line} before the call, so the check does not examine the value the call receives"
    term = Term("param", value=sorted(check.term.params())[0]) if check.term is not None and check.term.params() else None
    return Check("unknown", term, source=f"{check.source} ({why})")


def _walk(reader: TermReader, statements, active: tuple, found: dict) -> None:
    for statement in statements:
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            continue
        if isinstance(statement, cst.If):
            active = _walk_if(reader, statement, active, found)
            continue
        for call in _own_calls(statement):
            found.setdefault(id(call), (call, active))
        for suite in _suites(statement):
            _walk(reader, _statements(suite), active, found)
        simple = isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite))
        asserted = [s for s in statement.body if isinstance(s, cst.Assert)] if simple else []
        for assertion in asserted:
            check = reader.check(assertion.test)
            if check is not None:
                active = active + ((check, assertion),)


def _walk_if(reader: TermReader, node: cst.If, active: tuple, found: dict) -> tuple:
    for call in find_nodes(node.test, cst.Call):
        found.setdefault(id(call), (call, active))
    test = reader.check(node.test)
    positive = active + (((test, node.test),) if test else ())
    negative = active + (((Check("not", args=(test,), source=test.source), node.test),) if test else ())
    _walk(reader, _statements(node.body), positive, found)
    if isinstance(node.orelse, cst.If):
        _walk_if(reader, node.orelse, negative, found)
    elif isinstance(node.orelse, cst.Else):
        _walk(reader, _statements(node.orelse.body), negative, found)
    body_exits, else_exits = _exits(node.body), node.orelse is not None and _exits(node.orelse)
    if body_exits and not else_exits:
        return negative
    if else_exits and not body_exits:
        return positive
    return active


def _exits(node) -> bool:
    """Whether a suite (or an else / elif) always leaves the enclosing function or loop turn."""
    if isinstance(node, cst.If):
        return _exits(node.body) and node.orelse is not None and _exits(node.orelse)
    if isinstance(node, cst.Else):
        return _exits(node.body)
    statements = _statements(node)
    if not statements:
        return False
    last = statements[-1]
    if isinstance(last, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
        return any(isinstance(s, (cst.Return, cst.Raise, cst.Continue, cst.Break)) for s in last.body)
    if isinstance(last, cst.If):
        return _exits(last)
    return False


def _statements(suite) -> list:
    if isinstance(suite, cst.IndentedBlock):
        return list(suite.body)
    if isinstance(suite, cst.SimpleStatementSuite):  # `if x: return` on one line
        return [suite]
    return []


def _suites(statement) -> list:
    if isinstance(statement, (cst.For, cst.While, cst.With)):
        return [statement.body] + ([statement.orelse.body] if getattr(statement, "orelse", None) else [])
    if isinstance(statement, cst.Try):
        suites = [statement.body] + [h.body for h in statement.handlers]
        suites += [s.body for s in (statement.orelse, statement.finalbody) if s is not None]
        return suites
    if isinstance(statement, cst.Match):
        return [case.body for case in statement.cases]
    return []


def _own_calls(statement) -> list[cst.Call]:
    """Calls of a statement outside its nested blocks (the header of a compound statement)."""
    if isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
        return find_nodes(statement, cst.Call)
    headers = []
    if isinstance(statement, (cst.For,)):
        headers = [statement.iter]
    elif isinstance(statement, cst.While):
        headers = [statement.test]
    elif isinstance(statement, cst.With):
        headers = [item.item for item in statement.items]
    elif isinstance(statement, cst.Match):
        headers = [statement.subject]
    return [call for header in headers for call in find_nodes(header, cst.Call)]

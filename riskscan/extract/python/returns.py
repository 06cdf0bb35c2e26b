"""A call of a function of the same file whose one `return` builds a string, read as that string
with the caller's arguments put in (`build_url(query)` returning f"{API}?q={query}" is the fixed
host API followed by the query), so a URL, path or command a helper builds from a constant keeps
its fixed parts for the argument checks (riskscan/solve/arguments.py)."""

from __future__ import annotations

from riskscan.extract.python.flow import Flow
from riskscan.extract.python.syntax import cst, find_nodes
from riskscan.types import Term

MAX_DEPTH = 3  # helpers that return what other helpers build, followed this deep


def returned_term(reader, node: cst.Call) -> Term | None:
    """The term `node` returns, or None when the callee is not such a function."""
    if not isinstance(node.func, cst.Name) or getattr(reader, "depth", 0) >= MAX_DEPTH:
        return None
    definitions = reader.ctx.assignments_of_kind(node.func, cst.FunctionDef)
    if len(definitions) != 1:
        return None
    function = definitions[0]
    returns = [r for r in find_nodes(function.body, cst.Return) if r.value is not None]
    if len(returns) != 1 or any(a.star for a in node.args):
        return None
    params = _parameters(function)
    helper = type(reader)(reader.ctx, params, Flow(function, params))
    helper.depth = getattr(reader, "depth", 0) + 1
    returned = helper.term(returns[0].value)
    bound: dict[str, Term] = {}
    positional = [a for a in node.args if a.keyword is None]
    for name, argument in zip(params, positional):
        bound[name] = reader.term(argument.value)
    for argument in node.args:
        if argument.keyword is not None:
            bound[argument.keyword.value] = reader.term(argument.value)
    return _substitute(returned, bound)


def _parameters(function: cst.FunctionDef) -> tuple[str, ...]:
    params = function.params
    return tuple(p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params))


def _substitute(term: Term, bound: dict[str, Term]) -> Term:
    if term.op == "param":
        return bound.get(term.value, Term("unknown", value=term.value))
    if not term.args:
        return term
    return Term(term.op, tuple(_substitute(arg, bound) for arg in term.args), term.value)

"""Configuration conditions: the `if` tests on environment variables that decide what exists.

`os.environ.get("X")`, `os.getenv("X")`, `os.environ["X"]`, `"X" in os.environ`, compared with
`==`/`!=` to a string (or used as a truth value, or under `not`), give `Atom("env.X", ...)`; `and`
conjoins. Anything else is not a configuration condition (None): the branch may or may not run.
"""

from __future__ import annotations

from collections.abc import Callable

from riskscan.extract.python.syntax import cst
from riskscan.types import Atom, Condition

ENV_READERS = {"os.environ.get", "os.getenv", "os.environ.setdefault"}
ENV_MAPPINGS = {"os.environ"}
# Calls that keep the variable's value recognisable: os.getenv("X", "").lower() == "true"
TRANSPARENT_METHODS = {"lower", "upper", "strip", "casefold"}

NameResolver = Callable[[cst.CSTNode], tuple[str, ...]]


def negate(condition: Condition) -> Condition | None:
    """The negation of a conjunction, when it is itself a conjunction (one atom)."""
    if len(condition) != 1:
        return None
    atom = condition[0]
    return (Atom(atom.variable, atom.value, not atom.negated),)


def condition_of(test: cst.BaseExpression, names: NameResolver, known: dict[str, Condition]) -> Condition | None:
    """The condition an `if` test expresses, or None when it is not about configuration.
    `known` maps module names already bound to a condition (`SHELL = os.getenv("S") == "1"`)."""
    test = _strip_parens(test)
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        inner = condition_of(test.expression, names, known)
        return negate(inner) if inner is not None else None
    if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.And):
        left = condition_of(test.left, names, known)
        right = condition_of(test.right, names, known)
        if left is None or right is None:
            return None
        return left + right
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        return _comparison(test, names)
    if isinstance(test, cst.Name):
        for name in names(test):
            if name in known:
                return known[name]
    variable = env_variable(test, names)
    if variable is not None:
        return (Atom(f"env.{variable}"),)
    return None


def env_variable(node: cst.BaseExpression, names: NameResolver) -> str | None:
    """The environment variable an expression reads, if it is a plain read of one."""
    node = _strip_parens(node)
    while (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value in TRANSPARENT_METHODS
        and not node.args
    ):
        node = node.func.value
    if isinstance(node, cst.Call) and set(names(node.func)) & ENV_READERS and node.args:
        return _string(node.args[0].value)
    if isinstance(node, cst.Subscript) and set(names(node.value)) & ENV_MAPPINGS and len(node.slice) == 1:
        index = node.slice[0].slice
        if isinstance(index, cst.Index):
            return _string(index.value)
    return None


def _comparison(test: cst.Comparison, names: NameResolver) -> Condition | None:
    target = test.comparisons[0]
    operator = target.operator
    if isinstance(operator, (cst.In, cst.NotIn)):
        if set(names(target.comparator)) & ENV_MAPPINGS:
            variable = _string(test.left)
            if variable is not None:
                return (Atom(f"env.{variable}", None, isinstance(operator, cst.NotIn)),)
        return None
    if not isinstance(operator, (cst.Equal, cst.NotEqual, cst.Is, cst.IsNot)):
        return None
    left, right = test.left, target.comparator
    variable, value_node = env_variable(left, names), right
    if variable is None:
        variable, value_node = env_variable(right, names), left
    if variable is None:
        return None
    negated = isinstance(operator, (cst.NotEqual, cst.IsNot))
    if isinstance(value_node, cst.Name) and value_node.value == "None":  # `is None`: not set
        return (Atom(f"env.{variable}", None, not negated),)
    value = _string(value_node)
    if value is None:
        return None
    return (Atom(f"env.{variable}", value, negated),)


def _string(node: cst.BaseExpression) -> str | None:
    node = _strip_parens(node)
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _strip_parens(node: cst.BaseExpression) -> cst.BaseExpression:
    return node

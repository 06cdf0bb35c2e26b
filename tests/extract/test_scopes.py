"""The tree walk and the name resolution the Python extractor stands on, held to libcst's own.

syntax.py lists a node's children from its fields instead of libcst's visitor, and must list
exactly what libcst's `children` gives, in its order. scopes.py resolves names without libcst's
ScopeProvider and must give what it gives: for every node the provider gives a scope, the same
scope, the same assignments of its name and the same qualified names (the provider is the oracle
here, over every fixture file and the snippets below)."""

from pathlib import Path

import libcst.metadata
import pytest

from riskscan.extract.python.namespaces import Assignment
from riskscan.extract.python.scopes import Scopes
from riskscan.extract.python.syntax import _Preorder, children_of, cst, find_nodes, index_tree, parent_of

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def _modules():
    for path in sorted(FIXTURES.rglob("*.py")):
        try:
            yield path, cst.parse_module(path.read_bytes())
        except Exception:  # the unreadable fixtures are the extractor's to report, not ours
            continue


def _reference_order(root: cst.CSTNode) -> list:
    order, pending = [], [root]
    while pending:
        node = pending.pop()
        order.append(node)
        pending.extend(reversed(node.children))
    return order


@pytest.mark.parametrize("path,module", list(_modules()), ids=lambda value: getattr(value, "name", ""))
def test_children_and_order_are_libcsts(path, module):
    index = _Preorder(module)
    assert [id(node) for node in index.order] == [id(node) for node in _reference_order(module)]
    for at, node in enumerate(index.order):
        assert [id(child) for child in children_of(node)] == [id(child) for child in node.children]
        for child in children_of(node):
            assert index.order[index.parents[index.position[id(child)]]] is node
        # a subtree ends where the next node outside it starts
        assert index.end[at] == at + 1 + sum(index.end[index.position[id(c)]] - index.position[id(c)] for c in children_of(node))


def _reference_find(root, kinds, enter_definitions):
    found, pending = [], [root]
    while pending:
        node = pending.pop()
        if isinstance(node, kinds):
            found.append(node)
        if node is root or enter_definitions or not isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            pending.extend(reversed(node.children))
    return found


@pytest.mark.parametrize("path,module", list(_modules())[::7], ids=lambda value: getattr(value, "name", ""))
def test_find_nodes_is_an_isinstance_walk(path, module):
    index_tree(module)
    roots = [module, *(node for node in _Preorder(module).order if isinstance(node, (cst.FunctionDef, cst.ClassDef)))]
    for kinds in ((cst.Call,), (cst.BaseCompoundStatement, cst.Name), (cst.FunctionDef, cst.BaseExpression)):
        for root in roots[:20]:
            for enter in (False, True):
                assert [id(n) for n in find_nodes(root, *kinds, enter_definitions=enter)] == [
                    id(n) for n in _reference_find(root, kinds, enter)
                ]


def test_parents_and_nested_definitions():
    module = cst.parse_module("def f(x):\n    def g():\n        return x\n    return g\n")
    index_tree(module)
    outer = module.body[0]
    inner = outer.body.body[0]
    assert parent_of(outer) is module and parent_of(module) is None
    assert parent_of(inner) is outer.body
    assert [node.value for node in find_nodes(outer, cst.Name)] == ["f", "x", "g"]
    assert [node.value for node in find_nodes(outer, cst.Name, enter_definitions=True)] == ["f", "x", "g", "x", "g"]
    assert parent_of(cst.Name("elsewhere")) is None


SNIPPETS = {
    "class bodies are hidden from methods": """
x = 1
class A:
    x = 2
    y = x
    def m(self, z=x):
        return x, self, z, __class__
    class B:
        w = x
""",
    "comprehensions and walrus": """
items = [1]
a = [i for i in items if i]
b = {k: v for k, v in items for v in k}
c = (y for x in items for y in x if y)
e = [i := j for j in items]
print(i, j)
""",
    "lambdas, defaults, annotations": """
f = lambda a, b=len: a + b
def g(p: int = f, *args: str, q=None, **kw) -> "A":
    return lambda: p
A = int
""",
    "global and nonlocal": """
count = 0
def outer():
    total = 0
    def inner():
        nonlocal total
        global count
        total += 1
        count = total
    return inner
class K:
    def m(self):
        global v
        v = 2
""",
    "imports": """
import os.path
import a.b.c as abc
import x.y
from . import sibling
from .. import parent as p
from .pkg.mod import thing, other as alias
from typing import *
os.path.join(abc.d, x.y.z, sibling.f, p.g, thing, alias)
x.y(1).z.w
os.environ["A"].lower()
""",
    "string annotations and typing": """
from typing import cast, TypeVar, NewType, Optional, Literal
import typing as t
T = TypeVar("T", bound="Model")
U = NewType("U", "Model")
v = cast("Model", None)
w: Optional["Model"] = None
z: Literal["Model"] = "Model"
q: t.List["Model"] = []
def f(m: "list[Model]", n: "not code") -> "Model | None": ...
class Model: pass
""",
    "targets": """
for i, (j, *k) in []:
    del i
with open() as (f, g), open() as h:
    pass
try:
    pass
except Exception as e:
    print(e)
a = b = c, d = 1, 2
a.b = c[d] = 3
y: int
y += 1
""",
    "match patterns": """
match command:
    case Point(x=0, y=yy) as p:
        print(yy, p)
    case [a, *rest]:
        print(rest)
    case {"k": v, **others}:
        print(v, others)
""",
    "reads before assignments": """
def f():
    print(x)
    x = 1
import json
def g():
    json.dumps(1)
    import json
y = 1
def h():
    y
    y = 2
""",
    "decorators and bases": """
import functools
class C(Base, metaclass=Meta):
    @property
    def p(self): return self
    @functools.wraps(p)
    def q(self, x=p): return self.p
""",
    "type parameters": """
def f[T: int](x: T) -> T: ...
class C[U](list[U]): pass
type A[V] = list[V]
""",
}


def _scope_key(scope) -> tuple | None:
    if scope is None:
        return None
    kind = getattr(scope, "kind", None) or type(scope).__name__.removesuffix("Scope").lower()
    return kind, id(getattr(scope, "node", None))


def _differences(module: cst.Module) -> list[str]:
    theirs = libcst.metadata.MetadataWrapper(module, unsafe_skip_copy=True).resolve(libcst.metadata.ScopeProvider)
    mine = Scopes(module)
    asked = (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.Decorator, cst.SimpleString, cst.ConcatenatedString,
             cst.FunctionDef, cst.ClassDef, cst.ImportAlias)
    found, compared = [], 0
    for node in _Preorder(module).order:
        if not isinstance(node, asked):
            continue
        scope, own = theirs.get(node), mine.get(node)
        code = module.code_for_node(node)[:60]
        if _scope_key(scope) != _scope_key(own):
            found.append(f"scope of {code!r}: {_scope_key(scope)} != {_scope_key(own)}")
            continue
        if scope is None:
            continue
        compared += 1
        if set(scope.get_qualified_names_for(node)) != own.get_qualified_names_for(node):
            found.append(f"names of {code!r}: {scope.get_qualified_names_for(node)} != {own.get_qualified_names_for(node)}")
        if isinstance(node, cst.Name):
            expected = {(id(a.node), _scope_key(a.scope)) for a in scope[node.value] if isinstance(a, libcst.metadata.Assignment)}
            got = {(id(a.node), _scope_key(a.scope)) for a in own[node.value] if isinstance(a, Assignment)}
            if expected != got:
                found.append(f"assignments of {code!r}: {len(expected)} != {len(got)}")
    assert compared or not module.body
    return found


@pytest.mark.parametrize("name", SNIPPETS)
def test_snippet_resolves_as_libcst_does(name):
    assert _differences(cst.parse_module(SNIPPETS[name])) == []


@pytest.mark.parametrize("path,module", list(_modules()), ids=lambda value: getattr(value, "name", ""))
def test_fixture_resolves_as_libcst_does(path, module):
    try:
        differences = _differences(module)
    except RecursionError:  # libcst's visitor cannot walk it; the extractor reports the file
        pytest.skip("too deep for libcst's provider")
    assert differences == []


def test_resolution_examples():
    module = cst.parse_module("import os.path\nclass A:\n    x = 1\n    def m(self):\n        return os.path.join(x, self)\n")
    scopes = Scopes(module)
    method = module.body[1].body.body[1]
    call = method.body.body[0].body[0].value
    assert {q.name for q in scopes.get(call).get_qualified_names_for(call)} == {"os.path.join"}
    x, this = (arg.value for arg in call.args)
    assert scopes.get(x)["x"] == [] and scopes.get(x).get_qualified_names_for(x) == set()  # the class body is hidden
    (binding,) = scopes.get(this)["self"]
    assert binding.node is method.params.params[0] and binding.scope.node is method

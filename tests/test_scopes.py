"""The tree walk the Python extractor stands on: syntax.py lists a node's children from its fields
instead of libcst's visitor, and must list exactly what libcst's `children` gives, in its order."""

from pathlib import Path

import pytest

from riskscan.extract.python.syntax import _Preorder, children_of, cst, find_nodes, index_tree, parent_of

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


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

"""libcst, behind one module: the rest of the Python extractor takes the syntax tree, the walks
over it and libcst's name and code-generation types from here, so the heavy dependency has a
single point of entry. Nothing here runs libcst's visitors (they rebuild every node they pass):
a node's children are read from its fields (`children_of`), and each file is indexed once."""

import libcst as cst
from libcst._nodes.internal import CodegenState  # what codegen writes to (positions.py)
from libcst.helpers import get_absolute_module_from_package_for_import, get_full_name_for_node
from libcst.helpers.module import ModuleNameAndPackage
from libcst.metadata import QualifiedName, QualifiedNameSource


def _child_fields(kind: type) -> tuple[str, ...] | None:
    """The fields of a node type that hold its children, in the order libcst visits them (the
    order of the source, which is not the order the dataclass declares them in), read once from
    the type's own `_visit_and_replace_children`; None when libcst's source is not at hand."""
    import ast
    import inspect
    import textwrap

    try:
        source = textwrap.dedent(inspect.getsource(kind._visit_and_replace_children))
    except (OSError, TypeError):
        return None
    calls = [
        call
        for call in ast.walk(ast.parse(source))
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id.startswith("visit_")
    ]
    fields: list[str] = []
    for call in sorted(calls, key=lambda call: (call.lineno, call.col_offset)):
        name = call.args[1].value  # visit_required(self, "field", self.field, visitor)
        if name not in fields:
            fields.append(name)
    return tuple(fields)


_FIELDS: dict[type, tuple[str, ...] | None] = {}
_SENTINEL = cst.MaybeSentinel.DEFAULT


def children_of(node: cst.CSTNode) -> list:
    """What `node.children` gives (the children in source order), read from the node's fields
    instead of by libcst's visitor, which rebuilds the node to list them."""
    kind = type(node)
    fields = _FIELDS[kind] if kind in _FIELDS else _FIELDS.setdefault(kind, _child_fields(kind))
    if fields is None:
        return list(node.children)
    found = []
    for name in fields:
        value = getattr(node, name)
        if value is None or value is _SENTINEL:
            continue
        if type(value) is tuple or type(value) is list:
            found.extend(value)
        else:
            found.append(value)
    return found


class _Preorder:
    """Every node of a tree in visiting order, where each one's subtree ends, and its parent."""

    def __init__(self, root: cst.CSTNode) -> None:
        order: list[cst.CSTNode] = []
        parents: list[int] = []
        pending: list[tuple[cst.CSTNode, int]] = [(root, -1)]
        pop, push = pending.pop, pending.append
        fields_of = _FIELDS
        while pending:
            node, parent = pop()
            at = len(order)
            order.append(node)
            parents.append(parent)
            kind = type(node)
            fields = fields_of[kind] if kind in fields_of else fields_of.setdefault(kind, _child_fields(kind))
            if fields is None:
                for child in reversed(node.children):
                    push((child, at))
                continue
            for name in reversed(fields):
                value = getattr(node, name)
                if value is None or value is _SENTINEL:
                    continue
                if type(value) is tuple or type(value) is list:
                    for child in reversed(value):
                        push((child, at))
                else:
                    push((value, at))
        end = list(range(1, len(order) + 1))
        for at in range(len(order) - 1, 0, -1):  # a subtree ends where its last descendant's does
            parent = parents[at]
            if end[at] > end[parent]:
                end[parent] = end[at]
        self.order, self.end, self.parents = order, end, parents
        self.position = {id(node): at for at, node in enumerate(order)}


_INDEXED: list[_Preorder] = []  # the tree of the file being read, walked once


def index_tree(module: cst.Module) -> None:
    """Walk `module` once, so that `find_nodes` under it is a slice of a list instead of a walk of
    libcst's visitor (which rebuilds every node it passes); the index lives until the next file."""
    _INDEXED[:] = [_Preorder(module)]


def parent_of(node: cst.CSTNode) -> cst.CSTNode | None:
    """The node whose child `node` is, in the indexed tree (None for its root or a node outside)."""
    index = _INDEXED[0] if _INDEXED else None
    at = index.position.get(id(node)) if index is not None else None
    if at is None or index.order[at] is not node or index.parents[at] < 0:
        return None
    return index.order[index.parents[at]]


class QualifiedNames:
    """What libcst's FullyQualifiedNameProvider gives, computed only for the nodes asked about.

    The provider asks the scope for the qualified names of every node of the file and then
    rewrites them all; the extractor asks about a small part of them. The same scope query and the
    same rewriting (relative imports resolved against the package, local names prefixed with the
    module) run here on demand, memoised per node."""

    def __init__(self, scopes, module_name: str, package: str) -> None:
        self.scopes, self.module_name, self.package = scopes, module_name, package
        self.memo: dict[int, tuple[cst.CSTNode, frozenset]] = {}

    def get(self, node: cst.CSTNode, default=()):
        known = self.memo.get(id(node))
        if known is not None and known[0] is node:
            return known[1]
        scope = self.scopes.get(node)
        names = frozenset(self._qualify(q) for q in scope.get_qualified_names_for(node)) if scope is not None else frozenset()
        self.memo[id(node)] = (node, names)
        return names if scope is not None else default

    def _qualify(self, name: QualifiedName) -> QualifiedName:
        if name.source == QualifiedNameSource.BUILTIN:
            return name
        text = name.name
        if name.source == QualifiedNameSource.IMPORT and not text.startswith("."):
            return name
        bare = text.lstrip(".")
        dots = len(text) - len(bare)
        module = self.module_name
        if dots:
            bits = self.package.rsplit(".", dots - 1)
            if len(bits) < dots:  # beyond the top package: the caller made room for it (context.py)
                return name
            module = bits[0]
        return QualifiedName(f"{module}.{bare}", name.source)


def _indexed(root: cst.CSTNode) -> tuple[_Preorder, int]:
    """The index holding `root` (the file's, else one made for it) and where `root` is in it."""
    index = _INDEXED[0] if _INDEXED else None
    start = index.position.get(id(root)) if index is not None else None
    if index is None or start is None or index.order[start] is not root:
        return _Preorder(root), 0
    return index, start


_KINDS_OF: dict[tuple[type, ...], dict[type, bool]] = {}  # kinds -> {node type: an instance of them}


def _instance_test(kinds: tuple[type, ...]) -> dict[type, bool]:
    """isinstance by the node's type, memoised: libcst's classes are ABCs, whose isinstance is slow."""
    known = _KINDS_OF.get(kinds)
    if known is None:
        known = _KINDS_OF[kinds] = {}
    return known


def _is_instance(known: dict[type, bool], kind: type, kinds: tuple[type, ...]) -> bool:
    found = known.get(kind)
    if found is None:
        found = known[kind] = any(base in kinds for base in kind.__mro__)
    return found


def walk(root: cst.CSTNode, enter=None) -> list:
    """`root` and the nodes under it, in source order, without rebuilding them; below a node for
    which `enter(node)` is false nothing is listed (the node itself is)."""
    index, start = _indexed(root)
    order, end = index.order, index.end
    if enter is None:
        return order[start:end[start]]
    found = []
    at, stop = start, end[start]
    while at < stop:
        node = order[at]
        found.append(node)
        at = at + 1 if enter(node) else end[at]
    return found


def nested_walk(root: cst.CSTNode, nesting: tuple[type, ...]):
    """("visit", node) for `root` and every node under it in source order, and ("leave", node)
    after the last node inside each node of the `nesting` kinds."""
    index, start = _indexed(root)
    order, end = index.order, index.end
    known = _instance_test(nesting)
    open_nodes: list[tuple[int, cst.CSTNode]] = []
    for at in range(start, end[start]):
        while open_nodes and open_nodes[-1][0] <= at:
            yield "leave", open_nodes.pop()[1]
        node = order[at]
        yield "visit", node
        if _is_instance(known, type(node), nesting):
            open_nodes.append((end[at], node))
    while open_nodes:
        yield "leave", open_nodes.pop()[1]


_DEFINITIONS = (cst.FunctionDef, cst.ClassDef)


def find_nodes(root: cst.CSTNode, *kinds: type, enter_definitions: bool = False) -> list:
    """The nodes of the given kinds under `root` (itself included), in source order; nested
    function and class bodies are not entered unless asked."""
    index, start = _indexed(root)
    order, end = index.order, index.end
    wanted, definitions = _instance_test(kinds), _instance_test(_DEFINITIONS)
    found = []
    at, stop = start, end[start]
    while at < stop:
        node = order[at]
        kind = type(node)
        hit = wanted.get(kind)  # _is_instance, inlined: this loop is the extractor's hottest
        if hit is None:
            hit = _is_instance(wanted, kind, kinds)
        if hit:
            found.append(node)
        if at == start or enter_definitions:
            at += 1
            continue
        nested = definitions.get(kind)
        if nested is None:
            nested = _is_instance(definitions, kind, _DEFINITIONS)
        at = end[at] if nested else at + 1  # a nested definition is listed, its body is not entered
    return found


__all__ = [
    "CodegenState",
    "children_of",
    "find_nodes",
    "parent_of",
    "nested_walk",
    "walk",
    "index_tree",
    "ModuleNameAndPackage",
    "QualifiedName",
    "QualifiedNameSource",
    "QualifiedNames",
    "cst",
    "get_absolute_module_from_package_for_import",
    "get_full_name_for_node",
]

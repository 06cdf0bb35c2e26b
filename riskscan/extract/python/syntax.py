"""libcst, behind one module: the rest of the Python extractor takes the syntax tree and its
metadata providers from here, so the heavy dependency has a single point of entry."""

import libcst as cst
from libcst.helpers import get_absolute_module_from_package_for_import
from libcst.helpers.module import ModuleNameAndPackage
from libcst.metadata import (
    Assignment,
    FullyQualifiedNameProvider,
    MetadataWrapper,
    PositionProvider,
    QualifiedName,
    QualifiedNameSource,
    ScopeProvider,
)


class _Preorder(cst.CSTVisitor):
    """Every node of a tree in visiting order, with where each one's subtree ends."""

    def __init__(self) -> None:
        self.order: list[cst.CSTNode] = []
        self.end: list[int] = []
        self.position: dict[int, int] = {}

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.position[id(node)] = len(self.order)
        self.order.append(node)
        self.end.append(0)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.end[self.position[id(original_node)]] = len(self.order)


_INDEXED: list[_Preorder] = []  # the tree of the file being read, walked once


def index_tree(module: cst.Module) -> None:
    """Walk `module` once, so that `find_nodes` under it is a slice of a list instead of a walk of
    libcst's visitor (which rebuilds every node it passes); the index lives until the next file."""
    preorder = _Preorder()
    module.visit(preorder)
    _INDEXED[:] = [preorder]


class QualifiedNames:
    """What FullyQualifiedNameProvider gives, computed only for the nodes asked about.

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


class _Walker(cst.CSTVisitor):
    def __init__(self, enter) -> None:
        self.enter, self.found = enter, []

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.found.append(node)
        return self.enter(node)


def walk(root: cst.CSTNode, enter=None) -> list:
    """`root` and the nodes under it, in source order, without rebuilding them; below a node for
    which `enter(node)` is false nothing is listed (the node itself is)."""
    index = _INDEXED[0] if _INDEXED else None
    start = index.position.get(id(root)) if index is not None else None
    if index is None or start is None or index.order[start] is not root:
        walker = _Walker(enter or (lambda node: True))
        root.visit(walker)
        return walker.found
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
    index = _INDEXED[0] if _INDEXED else None
    start = index.position.get(id(root)) if index is not None else None
    if index is None or start is None or index.order[start] is not root:
        index, start = _Preorder(), 0
        root.visit(index)
    order, end = index.order, index.end
    open_nodes: list[tuple[int, cst.CSTNode]] = []
    for at in range(start, end[start]):
        while open_nodes and open_nodes[-1][0] <= at:
            yield "leave", open_nodes.pop()[1]
        node = order[at]
        yield "visit", node
        if isinstance(node, nesting):
            open_nodes.append((end[at], node))
    while open_nodes:
        yield "leave", open_nodes.pop()[1]


def find_nodes(root: cst.CSTNode, *kinds: type, enter_definitions: bool = False) -> list:
    """The nodes of the given kinds under `root` (itself included), in source order; nested
    function and class bodies are not entered unless asked."""
    definitions = (cst.FunctionDef, cst.ClassDef)

    def enter(node: cst.CSTNode) -> bool:
        return enter_definitions or node is root or not isinstance(node, definitions)

    return [node for node in walk(root, enter) if isinstance(node, kinds)]


__all__ = [
    "find_nodes",
    "nested_walk",
    "walk",
    "index_tree",
    "Assignment",
    "FullyQualifiedNameProvider",
    "MetadataWrapper",
    "ModuleNameAndPackage",
    "PositionProvider",
    "QualifiedName",
    "QualifiedNameSource",
    "QualifiedNames",
    "ScopeProvider",
    "cst",
    "get_absolute_module_from_package_for_import",
]

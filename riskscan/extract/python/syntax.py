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
    QualifiedNameSource,
    ScopeProvider,
)


class _Collector(cst.CSTVisitor):
    def __init__(self, root: cst.CSTNode, kinds: tuple[type, ...], enter_definitions: bool) -> None:
        self.root, self.kinds, self.enter_definitions = root, kinds, enter_definitions
        self.found: list = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, self.kinds):
            self.found.append(node)
        nested = isinstance(node, (cst.FunctionDef, cst.ClassDef)) and node is not self.root
        return self.enter_definitions or not nested


def find_nodes(root: cst.CSTNode, *kinds: type, enter_definitions: bool = False) -> list:
    """The nodes of the given kinds under `root`, in source order; nested function and class
    bodies are not entered unless asked."""
    collector = _Collector(root, kinds, enter_definitions)
    root.visit(collector)
    return collector.found


__all__ = [
    "find_nodes",
    "Assignment",
    "FullyQualifiedNameProvider",
    "MetadataWrapper",
    "ModuleNameAndPackage",
    "PositionProvider",
    "QualifiedNameSource",
    "ScopeProvider",
    "cst",
    "get_absolute_module_from_package_for_import",
]

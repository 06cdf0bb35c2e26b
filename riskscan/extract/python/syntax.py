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

__all__ = [
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

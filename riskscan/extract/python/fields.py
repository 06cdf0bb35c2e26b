"""The classes a class's annotated fields hold (`client: httpx.AsyncClient` of a dataclass), as
bindings other files can read: a tool in another module that calls `ctx.deps.client.get` reaches
`Deps.client` by name, and the labeller (riskscan/model/labels.py) follows the field to its class.
The binding of field `f` of class `C` is `C.f` + FIELD, an instance of each class the annotation
names (`X | None` and `Optional[X]` name X)."""

from __future__ import annotations

from riskscan.extract.python.receivers import looks_like_class
from riskscan.extract.python.syntax import cst
from riskscan.extract.python.values import INSTANCE
from riskscan.types import Binding, Items, Ref

FIELD = ".<field>"
_WRAPPERS = frozenset({"typing.Optional", "typing.Annotated", "typing.Union", "typing_extensions.Annotated"})


def field_bindings(ctx) -> list[Binding]:
    """Bindings for the annotated fields of the file's classes whose annotation names a class."""
    found = []
    for (owner, name), annotation in sorted(ctx.declarations.class_fields.items(), key=lambda item: item[0]):
        classes = sorted(set(_classes(ctx, annotation)))
        if classes:
            qualname = f"{owner}.{name}{FIELD}"
            found.append(Binding(qualname, Items(tuple(Ref(c + INSTANCE, ctx.loc(annotation)) for c in classes))))
    return found


def _classes(ctx, annotation: cst.BaseExpression) -> list[str]:
    if isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator, cst.BitOr):
        return _classes(ctx, annotation.left) + _classes(ctx, annotation.right)
    if isinstance(annotation, cst.Subscript):
        if set(ctx.names_of(annotation.value)) & _WRAPPERS:
            found = []
            for element in annotation.slice[:1] if "typing.Annotated" in ctx.names_of(annotation.value) else annotation.slice:
                if isinstance(element.slice, cst.Index):
                    found += _classes(ctx, element.slice.value)
            return found
        return []  # list[X], dict[...]: a container, not an X
    if isinstance(annotation, (cst.Name, cst.Attribute)):
        return [n for n in ctx.names_of(annotation) if _looks_like_class(n)]
    return []


def _looks_like_class(qualname: str) -> bool:
    return looks_like_class(qualname) and not qualname.startswith(("builtins.", "typing."))

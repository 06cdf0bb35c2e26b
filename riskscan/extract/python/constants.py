"""Names written with constants: where a tool's name is read (`Tool(name=...)`, `@server.tool(name=...)`,
the `if name == ...` of a dispatch), a literal, a module constant (`SEARCH = "search"`), a member of
a string enum (`Tools.SEARCH` and `Tools.SEARCH.value` of `class Tools(str, Enum)` or a `StrEnum`;
`.value` of any enum), an f-string or a `+` of those.

Constants of this file are read here. A constant imported from another module of the project
becomes a ("ref", qualified name) piece that the model stage resolves from the `Constant`s every
file exports (`exported`): a file never sees another's text.
"""

from __future__ import annotations

import re
import weakref

from riskscan.extract.python.context import FileContext
from riskscan.extract.python.syntax import QualifiedNameSource, cst
from riskscan.extract.python.values import string_value
from riskscan.types import Constant, NameParts

ENUMS = frozenset({"enum.Enum", "enum.StrEnum", "enum.IntEnum", "enum.Flag", "enum.IntFlag", "enum.ReprEnum"})
STRING_ENUMS = frozenset({"enum.StrEnum"})  # a member is its value: compares and formats as it
AUTO = "enum.auto"
MAX_DEPTH = 16
# what an exported constant may look like: a tool's name or a piece of one (MCP names are 1-128
# characters of these); texts, messages and templates are never asked for
NAME_LIKE = re.compile(r"[A-Za-z0-9_.\-/:]{1,128}")

_OF_FILE: "weakref.WeakKeyDictionary[FileContext, Constants]" = weakref.WeakKeyDictionary()


def constants_of(ctx: FileContext) -> "Constants":
    """The constants of the file, read once however many adapters ask."""
    found = _OF_FILE.get(ctx)
    if found is None:
        found = _OF_FILE[ctx] = Constants(ctx)
    return found


def joined(parts: NameParts | None) -> str | None:
    """The text, when every piece is known in this file."""
    if parts is None or any(kind != "text" for kind, _ in parts):
        return None
    return "".join(text for _, text in parts)


def named(parts: NameParts | None, fallback: str) -> tuple[str, NameParts]:
    """(the name, ()) when this file knows it; (`fallback`, the pieces) when constants of other
    modules make it, for the model to join; (`fallback`, ()) when it is not made of constants."""
    text = joined(parts)
    if text is not None:
        return text, ()
    return fallback, parts or ()


class Constants:
    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self.definitions: dict[str, cst.BaseExpression] = {}  # qualname -> the expression bound to it
        self.auto: dict[str, str] = {}  # qualname of a StrEnum member given auto() -> its text
        self.named_members: set[str] = set()  # members of a (str, Enum): equal to their text, formatted by name
        self._memo: dict[str, NameParts | None] = {}
        self._busy: set[str] = set()
        for statement in ctx.module.body:
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    self._module_constant(small)
            elif isinstance(statement, cst.ClassDef):
                self._enum(statement)

    # --- what the file defines ----------------------------------------------------------------

    def _module_constant(self, node: cst.BaseSmallStatement) -> None:
        if isinstance(node, cst.Assign) and len(node.targets) == 1:
            target, value = node.targets[0].target, node.value
        elif isinstance(node, cst.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            return
        if isinstance(target, cst.Name) and len(self.ctx.assignments(target)) == 1:  # bound once
            self.definitions[f"{self.ctx.module_name}.{target.value}"] = value

    def _enum(self, node: cst.ClassDef) -> None:
        bases = {name for base in node.bases for name in self.ctx.names_of(base.value)}
        if not bases & ENUMS:
            return
        member_is_text = bool(bases & STRING_ENUMS) or "builtins.str" in bases
        owner = self.ctx.declarations.qualnames[id(node)]
        for statement in node.body.body:
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            for small in statement.body:
                if not (isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name)):
                    continue
                member, value = f"{owner}.{small.targets[0].target.value}", small.value
                if isinstance(value, cst.Call) and AUTO in self.ctx.names_of(value.func):
                    if bases & STRING_ENUMS and not value.args:  # StrEnum's auto(): the member's name, lower-cased
                        self.auto[f"{member}.value"] = self.auto[member] = small.targets[0].target.value.lower()
                    continue
                self.definitions[f"{member}.value"] = value
                if member_is_text:
                    self.definitions[member] = value
                if member_is_text and not bases & STRING_ENUMS:
                    self.named_members.add(member)

    # --- reading a name -----------------------------------------------------------------------

    def parts(self, node: cst.BaseExpression | None, depth: int = 0) -> NameParts | None:
        """The pieces of a string expression, or None when it is not built from constants."""
        if node is None or depth > MAX_DEPTH:
            return None
        text = string_value(node)
        if text is not None:
            return (("text", text),)
        if isinstance(node, cst.FormattedString):
            return self._formatted(node, depth)
        if isinstance(node, cst.ConcatenatedString) or (isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add)):
            left, right = self.parts(node.left, depth + 1), self.parts(node.right, depth + 1)
            return _merged(left + right) if left is not None and right is not None else None
        if isinstance(node, (cst.Name, cst.Attribute)):
            return self._named(node, depth)
        return None

    def _formatted(self, node: cst.FormattedString, depth: int) -> NameParts | None:
        if "b" in node.prefix.lower():
            return None
        found: list[tuple[str, str]] = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                if "\\" in part.value:
                    return None
                found.append(("text", part.value.replace("{{", "{").replace("}}", "}")))
                continue
            if part.conversion is not None or part.format_spec is not None:
                return None
            inner = self.parts(part.expression, depth + 1)
            if inner is None or not self._formats_as_text(part.expression, inner):
                return None
            found += inner
        return _merged(tuple(found))

    def _formats_as_text(self, node: cst.BaseExpression, parts: NameParts) -> bool:
        """Whether `f"{node}"` is the text: not for a member of a `(str, Enum)`, which formats as
        `Tools.SEARCH` since Python 3.11, nor for an attribute of another module's that may be one."""
        if not isinstance(node, cst.Attribute) or node.attr.value == "value":
            return True
        names = self.ctx.names_of(node)
        return len(names) == 1 and names[0] not in self.named_members and ("ref", names[0]) not in parts

    def _named(self, node: cst.Name | cst.Attribute, depth: int) -> NameParts | None:
        names = self.ctx.names_of(node)
        if len(names) != 1:
            return None
        name = names[0]
        if name in self.auto:
            return (("text", self.auto[name]),)
        if name in self.definitions:
            return self._defined(name, depth)
        own = name.startswith(self.ctx.module_name + ".")
        if not own and self.ctx.is_project(name) and QualifiedNameSource.IMPORT in self.ctx.sources_of(node):
            return (("ref", name),)
        return None

    def _defined(self, name: str, depth: int) -> NameParts | None:
        if name in self._memo:
            return self._memo[name]
        if name in self._busy:  # A = B; B = A
            return None
        self._busy.add(name)
        try:
            found = self.parts(self.definitions[name], depth + 1)
        finally:
            self._busy.discard(name)
        self._memo[name] = found
        return found

    def text(self, node: cst.BaseExpression | None) -> str | None:
        return joined(self.parts(node))


def exported(ctx: FileContext) -> tuple[Constant, ...]:
    """This file's constants that another file may name a tool with: module constants and enum
    members whose text this file knows and that look like a name (never a secret's value)."""
    from riskscan.secrets import find_secret

    constants = constants_of(ctx)
    found = dict(constants.auto)
    for name in constants.definitions:
        text = joined(constants._defined(name, 0))
        if text is not None:
            found[name] = text
    return tuple(
        Constant(name, text)
        for name, text in sorted(found.items())
        if NAME_LIKE.fullmatch(text) and not find_secret(name.rsplit(".", 1)[-1], text, ctx.rulesets)
    )


def _merged(parts: NameParts) -> NameParts:
    """Adjacent texts as one piece."""
    merged: list[tuple[str, str]] = []
    for kind, text in parts:
        if kind == "text" and merged and merged[-1][0] == "text":
            merged[-1] = ("text", merged[-1][1] + text)
        else:
            merged.append((kind, text))
    return tuple(merged)

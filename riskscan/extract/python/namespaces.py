"""What a scope holds and how a name resolves in it, by libcst's rules (its scope_provider.py):
the assignments of each scope in the order they were made, global/nonlocal redirections, class
bodies hidden from the scopes nested in them, builtins, and the qualified names an assignment
gives a name (`import a.b` gives `a.b.c` to `a.b.c`; relative imports keep their dots)."""

from __future__ import annotations

import builtins

from riskscan.extract.python.syntax import QualifiedName, QualifiedNameSource, cst, get_full_name_for_node

LOCAL, IMPORT, BUILTIN = QualifiedNameSource.LOCAL, QualifiedNameSource.IMPORT, QualifiedNameSource.BUILTIN


class Assignment:
    """A name bound in a scope by `node` (a Name target, Param, FunctionDef, ClassDef, Import...),
    the `index`-th binding of that scope."""

    __slots__ = ("name", "scope", "node", "index")

    def __init__(self, name: str, scope: Scope, node: cst.CSTNode, index: int) -> None:
        self.name, self.scope, self.node, self.index = name, scope, node, index

    def qualified_names(self, full_name: str) -> set[QualifiedName]:
        prefix = self.scope.prefix
        return {QualifiedName(f"{prefix}.{full_name}" if prefix else full_name, LOCAL)}


class ImportAssignment(Assignment):
    __slots__ = ()

    def qualified_names(self, full_name: str) -> set[QualifiedName]:
        node, module = self.node, ""
        if isinstance(node, cst.ImportFrom):
            if node.module:
                module = get_full_name_for_node(node.module) or ""
            if node.relative:
                module = "." * len(node.relative) + module
        results: set[QualifiedName] = set()
        if isinstance(node.names, cst.ImportStar):
            return results
        for alias in node.names:
            real_name = get_full_name_for_node(alias.name)
            if not real_name:
                continue
            parts = real_name.split(".")  # the longest prefix of a dotted import that matches
            for real_name in [".".join(parts[:i]) for i in range(len(parts), 0, -1)]:
                as_name = real_name
                if module and module.endswith("."):
                    real_name = f"{module}{real_name}"
                elif module:
                    real_name = f"{module}.{real_name}"
                if alias.asname:
                    evaluated = alias.evaluated_alias
                    if evaluated is not None:
                        as_name = evaluated
                if full_name.startswith(as_name):
                    remaining = full_name.split(as_name, 1)[1]
                    if remaining and not remaining.startswith("."):
                        continue
                    remaining = remaining.lstrip(".")
                    results.add(QualifiedName(f"{real_name}.{remaining}" if remaining else real_name, IMPORT))
                    break
        return results


class BuiltinAssignment:
    __slots__ = ("name", "scope", "node", "index")

    def __init__(self, name: str, scope: Scope) -> None:
        self.name, self.scope, self.node, self.index = name, scope, None, -1

    def qualified_names(self, full_name: str) -> set[QualifiedName]:
        return {QualifiedName(f"builtins.{self.name}", BUILTIN)}


class Scope:
    """One scope: "builtin", "global", "function" (def or lambda), "class", "comprehension" or
    "annotation" (PEP 695 type parameters), with its assignments in the order they were made."""

    def __init__(self, kind: str, parent: Scope | None, node: cst.CSTNode | None = None, name: str | None = None):
        self.kind, self.node, self.name = kind, node, name
        self.parent = parent if parent is not None else self
        self.globals = getattr(self.parent, "globals", None)
        self.assignments: dict[str, list] = {}
        self.count = 0  # assignments made so far: the index of the next one
        self.overwrites: dict[str, Scope] = {}  # global / nonlocal names
        self.accesses: dict[int, list[Access]] = {}  # id(node read) -> its accesses
        if kind == "global" or kind == "builtin":
            self.prefix = ""
        elif kind == "annotation":
            self.prefix = self.parent.prefix
        elif kind == "comprehension":
            self.prefix = ".".join(filter(None, [self.parent.prefix, "<comprehension>"]))
        elif kind == "class":
            self.prefix = ".".join(filter(None, [self.parent.prefix, name]))
        else:
            self.prefix = ".".join(filter(None, [self.parent.prefix, name, "<locals>"]))

    def _visible_from_children(self, from_scope: Scope) -> bool:
        return self.kind != "class" or (from_scope.parent is self and from_scope.kind == "annotation")

    def _next_visible_parent(self, from_scope: Scope, first: Scope | None = None) -> Scope:
        parent = first if first is not None else self.parent
        while not parent._visible_from_children(from_scope):
            parent = parent.parent
        return parent

    def __contains__(self, name: str) -> bool:
        if self.kind == "builtin":
            return hasattr(builtins, name)
        if name in self.overwrites:
            return name in self.overwrites[name]
        if name in self.assignments:
            return len(self.assignments[name]) > 0
        return name in self._next_visible_parent(self)

    def __getitem__(self, name: str) -> list:
        """Every assignment `name` may refer to from this scope (in any order of execution)."""
        return self.resolve(name, self)

    def resolve(self, name: str, from_scope: Scope) -> list:
        if self.kind == "builtin":
            if name not in self.assignments and hasattr(builtins, name):
                self.assignments[name] = [BuiltinAssignment(name, self)]
            return self.assignments.get(name, [])
        if name in self.overwrites:
            return self._next_visible_parent(from_scope, self.overwrites[name]).resolve(name, from_scope)
        if name in self.assignments:
            return self.assignments[name]
        return self._next_visible_parent(from_scope).resolve(name, from_scope)

    def _target(self, name: str) -> Scope:
        if name in self.overwrites and self.kind != "global":
            return self._next_visible_parent(self, self.overwrites[name])._target(name)
        return self

    def record(self, name: str, node: cst.CSTNode, kind: type = Assignment) -> None:
        target = self._target(name)
        target.assignments.setdefault(name, []).append(kind(name, target, node, target.count))

    def get_qualified_names_for(self, node: cst.CSTNode) -> set[QualifiedName]:
        """libcst's Scope.get_qualified_names_for: from what the name read refers to, else from
        the assignments of its longest dotted prefix bound here."""
        accesses = self.accesses.get(id(node))
        if accesses:
            return {q for access in accesses for referent in access.referents for q in referent.qualified_names(referent.name)}
        return self._names_by_prefix(node)

    def _names_by_prefix(self, node: cst.CSTNode) -> set[QualifiedName]:
        full_name = get_full_name_for_node(node)
        if full_name is None:
            return set()
        assignments: list = []
        prefix = full_name
        while prefix:
            if prefix in self:
                assignments = self[prefix]
                break
            cut = prefix.rfind(".")
            prefix = None if cut == -1 else prefix[:cut]
        for assignment in assignments:
            if isinstance(assignment, Assignment) and _is_assignment(node, assignment.node):
                return assignment.qualified_names(full_name)
        results: set[QualifiedName] = set()
        for assignment in assignments:
            results |= assignment.qualified_names(full_name)
        return results


class Access:
    __slots__ = ("node", "scope", "index", "attribute", "string", "referents")

    def __init__(self, node, scope: Scope, attribute, string) -> None:
        self.node, self.scope, self.index = node, scope, scope.count
        self.attribute, self.string = attribute, string  # the outermost attribute, string annotation
        self.referents: list = []


def dotted_names(node):
    """libcst's _gen_dotted_names: ("a.b.c", node), ("a.b", node.value), ("a", ...)."""
    if isinstance(node, cst.Name):
        yield node.value, node
        return
    value = node.value
    if isinstance(value, cst.Call):
        value = value.func
        if isinstance(value, (cst.Attribute, cst.Name)):
            yield from dotted_names(value)
    elif isinstance(value, (cst.Attribute, cst.Name)):
        names = dotted_names(value)
        first = next(names, None)
        if first is None:
            return
        yield f"{first[0]}.{node.attr.value}", node
        yield first
        yield from names


def _is_assignment(node: cst.CSTNode, assignment_node: cst.CSTNode) -> bool:
    if node is assignment_node:
        return True
    if isinstance(assignment_node, (cst.Import, cst.ImportFrom)) and not isinstance(assignment_node.names, cst.ImportStar):
        for alias in assignment_node.names:
            if alias.name is node or (alias.asname is not None and alias.asname.name is node):
                return True
    return False

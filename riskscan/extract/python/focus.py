"""Which definitions of a declaring file its full reading can leave out.

A file that declares an agent, a tool or a server is read by libcst, which costs several parses
of it; in test suites and large modules most functions and methods declare nothing, and nothing
that declares refers to them. The survey's syntax tree says which, by a fixpoint over units:

- the module's statements other than definitions are always read;
- a function (or a class that is a declaration itself: a trigger among its bases or decorators)
  is read when it uses a trigger, when it uses a name that a triggering statement binds
  (`server = FastMCP()` ... `server.add_tool(f)` in a function), when it is decorated by a
  function of the module, or when something read names it: by name, attribute or string;
- any other class is read member by member in the same way; its header and the statements of its
  body are read when a member is, when it triggers, or when something read names it; its special
  methods (`__init__`, ...) whenever the class is read.

The definitions left out are blanked before libcst reads the file (`blank`): their lines become
empty, a method's first line `pass` so that no class body is left empty. Every kept line keeps its
number and columns, so what is read of the kept parts is what a full reading gives. The model
notes what it looked for in vain (references.Asked); reading.py reads the file in full when that
is one of the definitions left out (`Span.name`).

A file read only because the model asked for names in it (a helper a tool calls, a class a tool
list instantiates) is read the same way with those names as the only seeds (`needless_for`).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass, field

DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_WHITESPACE = b" \t\f"

# (first line, last line, name below the module: "f", "C" or "C.m"); 1-based, inclusive
Span = tuple[int, int, str]
_SCALARS = frozenset({"ctx", "id", "attr", "name", "arg", "module", "level", "kind", "type_comment", "is_async", "conversion", "names", "kwd_attrs"})


class Nodes:
    """Every node of a standard-library syntax tree in pre-order, with where each subtree ends:
    one walk answers the survey's and focus's questions, where `ast.walk` would walk each time."""

    _fields: dict[type, tuple[str, ...]] = {}

    def __init__(self, tree: ast.AST) -> None:
        order: list[ast.AST] = []
        end: list[int] = []
        fields = self._fields
        stack: list = [tree]
        pop, push, record, extend = stack.pop, stack.append, order.append, end.append
        AST = ast.AST
        while stack:
            node = pop()
            if node.__class__ is int:  # the marker pushed below the children of node number `node`
                end[node] = len(order)
                continue
            push(len(order))
            record(node)
            extend(0)
            names = fields.get(node.__class__)
            if names is None:
                names = fields[node.__class__] = tuple(f for f in node._fields if f not in _SCALARS)
            children: list = []
            for name in names:
                value = getattr(node, name, None)
                if value.__class__ is list:
                    children += [v for v in value if v is not None]  # only Dict keys hold None
                elif isinstance(value, AST):
                    children.append(value)
            if children:
                children.reverse()
                stack += children
        self.order, self.end = order, end
        self._place: dict[int, int] | None = None

    def under(self, node: ast.AST) -> list[ast.AST]:
        """`node` and every node below it, in pre-order."""
        if self._place is None:
            self._place = {id(node): at for at, node in enumerate(self.order)}
        at = self._place[id(node)]
        return self.order[at : self.end[at]]


@dataclass(eq=False)
class _Unit:
    node: ast.stmt
    name: str  # the last part: what mentions of it look like
    words: set[str]  # the identifiers it mentions
    seed: bool
    owner: _Class | None = None
    kept: bool = False


@dataclass(eq=False)
class _Class:
    node: ast.ClassDef
    words: set[str]  # of the header and the statements of the body that are not definitions
    seed: bool
    members: list[_Unit] = field(default_factory=list)
    kept: bool = False


def leave_out(tree: ast.Module, survey, nodes: Nodes) -> tuple[Span, ...]:
    """The definitions of `tree` a reading of its declarations does not need; `survey` is the
    file's survey (`survey._Survey`), which says what triggers."""
    walk = nodes.under

    def mentions(node: ast.AST) -> set[str]:
        return _mentions(walk(node))

    local_functions = {s.name for s in tree.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))}
    bound = _triggered_bindings(tree, survey, walk)

    def seeds(node: ast.AST, words: set[str]) -> bool:
        if words & bound:
            return True
        decorators = getattr(node, "decorator_list", ())
        if any(mentions(d) & local_functions for d in decorators):
            return True
        return any(map(survey.declares, walk(node)))

    words: set[str] = set()
    units: list[_Unit] = []
    classes: list[_Class] = []
    for statement in tree.body:
        if not isinstance(statement, DEFINITIONS):
            words |= mentions(statement)
        elif isinstance(statement, ast.ClassDef) and not survey.declares(statement):
            header = [*statement.decorator_list, *statement.bases, *statement.keywords]
            body = [s for s in statement.body if not isinstance(s, DEFINITIONS)]
            shell_words = set().union(*map(mentions, header + body)) if header or body else set()
            cls = _Class(statement, shell_words, any(seeds(n, shell_words) for n in body) or bool(shell_words & bound))
            for member in statement.body:
                if isinstance(member, DEFINITIONS):
                    mentioned = mentions(member)
                    cls.members.append(_Unit(member, member.name, mentioned, seeds(member, mentioned), cls))
            classes.append(cls)
        else:
            mentioned = mentions(statement)
            units.append(_Unit(statement, statement.name, mentioned, seeds(statement, mentioned)))

    members = [m for c in classes for m in c.members]
    changed = True
    while changed:
        changed = False
        for unit in units + members:
            if unit.kept:
                continue
            special = unit.owner is not None and unit.owner.kept and unit.name.startswith("__") and unit.name.endswith("__")
            if unit.seed or unit.name in words or special:
                unit.kept = changed = True
                words |= unit.words
        for cls in classes:
            if not cls.kept and (cls.seed or cls.node.name in words or any(m.kept for m in cls.members)):
                cls.kept = changed = True
                words |= cls.words

    spans: list[Span] = [_span(u.node, u.name) for u in units if not u.kept]
    for cls in classes:
        if not cls.kept:
            spans.append(_span(cls.node, cls.node.name))
        else:
            spans += [_span(m.node, f"{cls.node.name}.{m.name}") for m in cls.members if not m.kept]
    return tuple(sorted(spans))


def needless_for(data: bytes, names: Iterable[str]) -> tuple[Span, ...]:
    """The top-level definitions of a file the model asked `names` of (the first part below the
    module: `helper` for `pkg.mod.helper.<return>`) that neither those names nor the module's other
    statements need, by the same fixpoint of mentions; () when the file does not parse."""
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(data)
        nodes = Nodes(tree)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return ()
    words = set(names)
    units = []
    for statement in tree.body:
        if not isinstance(statement, DEFINITIONS):
            words |= _mentions(nodes.under(statement))
        else:
            special = statement.name.startswith("__") and statement.name.endswith("__")  # module __getattr__
            units.append(_Unit(statement, statement.name, _mentions(nodes.under(statement)), special))
    changed = True
    while changed:
        changed = False
        for unit in units:
            if not unit.kept and (unit.seed or unit.name in words):
                unit.kept = changed = True
                words |= unit.words
    return tuple(sorted(_span(u.node, u.name) for u in units if not u.kept))


def blank(data: bytes, spans: Iterable[Span]) -> bytes:
    """`data` with the lines of `spans` emptied (line endings kept); a class member's first line
    becomes `pass` at its indentation."""
    lines = data.splitlines(keepends=True)
    for first, last, name in spans:
        for number in range(first, min(last, len(lines)) + 1):
            line = lines[number - 1]
            content = line.rstrip(b"\r\n")
            ending = line[len(content) :]
            if number == first and "." in name:
                indent = content[: len(content) - len(content.lstrip(_WHITESPACE))]
                lines[number - 1] = indent + b"pass" + ending
            else:
                lines[number - 1] = ending
    return b"".join(lines)


def _span(node: ast.stmt, name: str) -> Span:
    first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", ()))])
    return (first, node.end_lineno or node.lineno, name)


def _mentions(subtree: list[ast.AST]) -> set[str]:
    """The identifiers a subtree mentions: names, attributes, and strings that could be names."""
    found: set[str] = set()
    for child in subtree:
        if isinstance(child, ast.Name):
            found.add(child.id)
        elif isinstance(child, ast.Attribute):
            found.add(child.attr)
        elif isinstance(child, ast.Constant) and isinstance(child.value, str) and child.value.isidentifier():
            found.add(child.value)
    return found


def _triggered_bindings(tree: ast.Module, survey, walk) -> set[str]:
    """Names bound, at module or class level or as attributes (`self.server = ...`), to a value
    that uses a trigger, and module-level names bound to values that mention those."""
    bound: set[str] = set()
    module_level: list[tuple[set[str], set[str]]] = []  # (targets, what the value mentions)

    def targets_of(target: ast.AST, top: bool) -> set[str]:
        names: set[str] = set()
        for child in walk(target):
            if isinstance(child, ast.Attribute):
                names.add(child.attr)
            elif isinstance(child, ast.Name) and top:
                names.add(child.id)
        return names

    def visit(body: list[ast.stmt], top: bool) -> None:
        for statement in body:
            pairs: list[tuple[ast.AST, ast.AST | None]] = []
            if isinstance(statement, ast.Assign):
                pairs = [(t, statement.value) for t in statement.targets]
            elif isinstance(statement, (ast.AnnAssign, ast.AugAssign)):
                pairs = [(statement.target, statement.value)]
            elif isinstance(statement, (ast.With, ast.AsyncWith)):
                pairs = [(item.optional_vars, item.context_expr) for item in statement.items if item.optional_vars is not None]
            elif isinstance(statement, (ast.For, ast.AsyncFor)):
                pairs = [(statement.target, statement.iter)]
            for target, value in pairs:
                if value is None:
                    continue
                names = targets_of(target, top)
                if any(map(survey.declares, walk(value))):
                    bound.update(names)
                elif top:
                    module_level.append((names, _mentions(walk(value))))
            if isinstance(statement, ast.ClassDef):
                visit(statement.body, top)
            elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                visit(statement.body, False)
            else:
                for inner in ("body", "orelse", "finalbody"):
                    visit(getattr(statement, inner, []) or [], top)
                for handler in getattr(statement, "handlers", []) or []:
                    visit(handler.body, top)
                for case in getattr(statement, "cases", []) or []:
                    visit(case.body, top)

    visit(tree.body, True)
    changed = bool(bound)
    while changed:
        changed = False
        for names, mentioned in module_level:
            if mentioned & bound and not names <= bound:
                bound |= names
                changed = True
    return bound

"""A light first look at a Python file, before (and mostly instead of) the full libcst reading.

The full extractor costs about fifteen times a parse; most files of a project declare no agent,
tool or server and are only needed when a declaration elsewhere refers to them. This survey says
which files declare something, with two cheap steps:

1. the standard library's parser (C, no metadata) reads every file, so that a file that does not
   parse is handed to the full extractor, which reports the error with its place;
2. bytes: a file none of whose trigger words appears (`Agent`, `tool`, `FastMCP`, ...) cannot
   call, decorate with or subclass a trigger, and is not looked at further;
3. imports and aliases are resolved by a light pass over the import statements, and the file
   declares something when it calls, decorates with, subclasses or annotates with a qualified name
   of a trigger, decorates with a registering method (`@x.tool`), calls an LLM endpoint
   (`....chat.completions.create`) or holds a tool schema literal (`{"type": "function", ...}`).

The triggers come from the adapters themselves (`adapters.triggers()`), so a new adapter brings
its own. The survey over-approximates (one alias map for the whole file, shadowing ignored); it
never runs the file. Files it cannot parse are left to the full extractor, which reports them.
"""

from __future__ import annotations

import ast
import warnings
from dataclasses import dataclass, field

from riskscan.extract.python.focus import Nodes, Span, leave_out
from riskscan.frameworks import UNREAD_FRAMEWORKS
from riskscan.types import Diagnostic, Location

DECLARES = "declares"  # agents, tools, servers, registrations, schemas: always read
DISPATCHES = "dispatches"  # `getattr(module, name)`: read when a schema tool has no implementation
# (a literal dispatch table holds the tool's name; reading.py finds it by that name instead)
UNREADABLE = "unreadable"  # the standard parser refused it: the full extractor reports why
UNREAD_FRAMEWORK = "framework:"  # + the top-level module of an agent framework riskscan does not read
_UNREAD_WORDS = tuple(f"{keyword} {name}".encode() for name in UNREAD_FRAMEWORKS for keyword in ("import", "from"))


@dataclass(frozen=True)
class Triggers:
    names: frozenset[str] = frozenset()  # qualified names called, decorated with, subclassed, annotated with
    methods: frozenset[str] = frozenset()  # decorator attributes on any object: `@x.tool`
    suffixes: tuple[str, ...] = ()  # attribute chains a call may end with: `.chat.completions.create`
    dict_types: frozenset[str] = frozenset()  # `{"type": <this>, ...}` literals are tool declarations
    dict_keys: frozenset[str] = frozenset()  # literals with this key are tool declarations
    keywords: frozenset[str] = frozenset()  # a call passing one of these declares (`allow_dangerous_code=`)
    # groups of byte words: a file that holds every word of no group cannot use a trigger
    words: tuple[tuple[bytes, ...], ...] = field(default=(), compare=False)
    # the classes of trigger methods (`Toolkit` for `Toolkit.get_tools`): `t = Toolkit(); t.get_tools()`
    # is typed through the constructor, so using the class triggers too (its words are the method's)
    owners: frozenset[str] = field(default=frozenset(), compare=False)
    # groups of a framework's names, by its top-level package: a file can use them only if it
    # imports that package (so names it) or belongs to it (its own relative imports)
    packaged: tuple[tuple[str, tuple[tuple[bytes, ...], ...]], ...] = field(default=(), compare=False)

    def may_use(self, data: bytes, module: str) -> bool:
        """Whether a file of these bytes may use a trigger (see `words`, `packaged`)."""
        if any(all(word in data for word in group) for group in self.words):
            return True
        own = module.split(".", 1)[0]
        for package, groups in self.packaged:
            if (package.encode() in data or package == own) and any(all(word in data for word in group) for group in groups):
                return True
        return False

    def __or__(self, other: Triggers) -> Triggers:
        return Triggers(
            self.names | other.names,
            self.methods | other.methods,
            tuple(sorted(set(self.suffixes) | set(other.suffixes))),
            self.dict_types | other.dict_types,
            self.dict_keys | other.dict_keys,
            self.keywords | other.keywords,
        )

    def with_words(self) -> Triggers:
        """The same triggers with the words a file must contain to use one of them: the last part
        of a name (`Agent`), and the class too for a method (`Agent` and `run`, since the class is
        imported or defined under that name in the file); string values with their quotes."""
        groups = {(w,) for w in self.methods}
        by_package: dict[str, set[tuple[str, ...]]] = {}
        owners = set()
        for name in self.names:
            parts = name.split(".")
            method = len(parts) > 2 and parts[-2][:1].isupper()
            group = (parts[-2], parts[-1]) if method else (parts[-1],)
            if len(parts) > 1 and parts[0] != "builtins":
                by_package.setdefault(parts[0], set()).add(group)
            else:
                groups.add(group)
            if method:
                owners.add(".".join(parts[:-1]))
        groups |= {(suffix.rsplit(".", 1)[-1],) for suffix in self.suffixes}
        groups |= {(word,) for word in self.keywords}
        for text in self.dict_types | self.dict_keys:
            groups |= {(f'"{text}"',), (f"'{text}'",)}
        groups.add(("getattr",))

        def minimal(found: set[tuple[str, ...]]) -> set[tuple[str, ...]]:
            return {g for g in found if not any(set(o) < set(g) for o in found)}

        def encoded(found: set[tuple[str, ...]]) -> tuple[tuple[bytes, ...], ...]:
            return tuple(sorted(tuple(w.encode() for w in sorted(g)) for g in found))

        loose = minimal(groups)
        packaged = []
        for package, found in sorted(by_package.items()):
            own = {g for g in minimal(found) if not any(set(o) <= set(g) for o in loose)}  # what the loose check misses
            if own:
                packaged.append((package, encoded(own)))
        return Triggers(self.names, self.methods, self.suffixes, self.dict_types, self.dict_keys, self.keywords,
                        encoded(loose), frozenset(owners), tuple(packaged))


def survey(data: bytes, module: str, package: str, triggers: Triggers) -> frozenset[str]:
    """What the file may hold: a subset of {DECLARES, DISPATCHES}, or {UNREADABLE}."""
    return look(data, module, package, triggers)[0]


def look(data: bytes, module: str, package: str, triggers: Triggers) -> tuple[frozenset[str], tuple[Span, ...]]:
    """The survey, and for a declaring file the definitions its reading can leave out (focus.py)."""
    try:
        with warnings.catch_warnings():  # invalid escapes and the like are the scanned code's business
            warnings.simplefilter("ignore")
            tree = ast.parse(data)  # every file, so that a broken one is reported even if it declares nothing
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return frozenset({UNREADABLE}), ()
    unread = _unread_frameworks(tree, module, package) if any(word in data for word in _UNREAD_WORDS) else frozenset()
    if not triggers.may_use(data, module):
        return unread, ()
    try:
        nodes = Nodes(tree)
        surveyed = _Survey(tree, nodes.order, module, package, triggers)
        found = surveyed.result() | unread
        return found, leave_out(tree, surveyed, nodes) if DECLARES in found else ()
    except RecursionError:
        return frozenset({UNREADABLE}), ()


def _unread_frameworks(tree: ast.Module, module: str, package: str) -> frozenset[str]:
    """The agent frameworks riskscan does not read that the file imports (not the project's own
    package of the same name)."""
    own = module.split(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            tops = [alias.name.split(".")[0] for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            tops = [node.module.split(".")[0]]
        else:
            continue
        found |= {f"{UNREAD_FRAMEWORK}{top}" for top in tops if top in UNREAD_FRAMEWORKS and top != own}
    return frozenset(found)


def unread_notes(path: str, kinds: frozenset[str] | None) -> tuple[Diagnostic, ...]:
    """A note per agent framework riskscan does not read that the survey found imported."""
    modules = sorted(kind[len(UNREAD_FRAMEWORK):] for kind in kinds or () if kind.startswith(UNREAD_FRAMEWORK))
    return tuple(
        Diagnostic(Location(path), "framework-not-read",
                   f"imports {module} ({UNREAD_FRAMEWORKS[module]}), an agent framework riskscan does not read: "
                   "the agents and tools declared with it are not in the graph")
        for module in modules
    )


class _Survey:
    def __init__(self, tree: ast.Module, nodes: list[ast.AST], module: str, package: str, triggers: Triggers) -> None:
        self.tree, self.nodes, self.triggers = tree, nodes, triggers
        self.aliases: dict[str, str] = {}
        self.modules: set[str] = set()  # local names bound to a whole imported module
        for node in nodes:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    local = alias.asname or alias.name.split(".")[0]
                    self.aliases[local] = alias.name if alias.asname else local
                    self.modules.add(local)
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(node.module, node.level, package)
                for alias in node.names:
                    if base is not None and alias.name != "*":
                        self.aliases[alias.asname or alias.name] = f"{base}.{alias.name}"
                        self.modules.add(alias.asname or alias.name)  # may be a submodule
        for statement in tree.body:  # names the module defines itself
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.aliases.setdefault(statement.name, f"{module}.{statement.name}")

    def result(self) -> frozenset[str]:
        found: set[str] = set()
        for node in self.nodes:
            if isinstance(node, _DECLARING) and self.declares(node):
                return frozenset({DECLARES})
            if isinstance(node, ast.Call) and self._getattr_dispatch(node):
                found.add(DISPATCHES)
        return frozenset(found)

    def declares(self, node: ast.AST) -> bool:
        """Whether this node (not those under it) uses a trigger."""
        if isinstance(node, ast.Call):
            keywords = self.triggers.keywords
            return self._triggered(node.func) or self._endpoint(node.func) or any(k.arg in keywords for k in node.keywords)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if any(self._decorator(d) for d in node.decorator_list):
                return True
            return isinstance(node, ast.ClassDef) and any(self._triggered(base) for base in node.bases)
        if isinstance(node, ast.arg):
            return node.annotation is not None and self._triggered(node.annotation)
        if isinstance(node, ast.AnnAssign):
            return self._triggered(node.annotation)
        if isinstance(node, ast.Dict):
            return self._declaring_dict(node)
        return False

    def _dotted(self, node: ast.expr) -> str | None:
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if isinstance(node, ast.Subscript):  # Agent[Context](...)
            return self._dotted(node.value) if not parts else None
        if not isinstance(node, ast.Name):
            return None
        root = self.aliases.get(node.id, f"builtins.{node.id}" if node.id in _BUILTINS else node.id)
        return ".".join([root, *reversed(parts)])

    def _triggered(self, node: ast.expr) -> bool:
        name = self._dotted(node)
        return name is not None and (name in self.triggers.names or name in self.triggers.owners)

    def _endpoint(self, func: ast.expr) -> bool:
        parts: list[str] = []
        while isinstance(func, ast.Attribute):
            parts.append(func.attr)
            func = func.value
        chain = "." + ".".join(reversed(parts))
        return bool(parts) and chain.endswith(self.triggers.suffixes)

    def _decorator(self, node: ast.expr) -> bool:
        func = node.func if isinstance(node, ast.Call) else node
        if isinstance(func, ast.Call):  # @tool("name")(...) is rare; the inner call still counts
            func = func.func
        if isinstance(func, ast.Attribute) and func.attr in self.triggers.methods:
            return True
        return self._triggered(func)

    def _declaring_dict(self, node: ast.Dict) -> bool:
        for key, value in zip(node.keys, node.values):
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                continue
            if key.value in self.triggers.dict_keys:
                return True
            if key.value == "type" and isinstance(value, ast.Constant) and value.value in self.triggers.dict_types:
                return True
        return False

    def _getattr_dispatch(self, call: ast.Call) -> bool:
        """`getattr(tools_module, name)`: every function of an imported module may be a tool."""
        return (
            self._dotted(call.func) == "builtins.getattr"
            and len(call.args) >= 2
            and isinstance(call.args[0], ast.Name)
            and call.args[0].id in self.modules
            and not isinstance(call.args[1], ast.Constant)
        )


def _absolute(module: str | None, level: int, package: str) -> str | None:
    if level == 0:
        return module
    parts = package.split(".") if package else []
    if level - 1 > len(parts):
        return None
    base = parts[: len(parts) - (level - 1)]
    if module:
        base.append(module)
    return ".".join(base) or None


_DECLARING = (ast.Call, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.arg, ast.AnnAssign, ast.Dict)
_BUILTINS = frozenset({"getattr", "open", "exec", "eval", "compile", "__import__"})

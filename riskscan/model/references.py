"""The project's symbol table, and following a value through it across files: re-exports,
lists built in other modules, helper functions that return tool lists, conditions on the way."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Iterator, Sequence

from riskscan.model import parameters
from riskscan.model.parameters import PARAMETER, SELF
from riskscan.types import (
    AgentFact,
    Condition,
    ContextLink,
    Dispatch,
    Facts,
    FunctionFact,
    Invocation,
    Items,
    Location,
    NameParts,
    Opaque,
    Ref,
    Registration,
    ToolFact,
    Value,
    When,
)

MAX_REFERENCE_DEPTH = 32
INSTANCE = ".<instance>"  # a reference to an instance of a class (see extract/python/values.py)
FIELD = ".<field>"  # the binding of a class's annotated field (see extract/python/fields.py)
MAX_FIELD_DEPTH = 4


@dataclass(frozen=True)
class Resolved:
    """What a value turned out to be: a tool, an agent or a function, under a condition; or a
    reason it could not be resolved."""

    kind: str  # tool | agent | function | unresolved
    target: str  # id, qualname, or the reason
    condition: Condition
    location: Location | None = None


@dataclass
class Asked:
    """What the model looked for and did not find: qualified names, tool names without a dispatch,
    modules whose declarations it listed. The reader (riskscan/scan/reading.py) reads the files that
    may hold them and builds the model again, so that files no declaration needs are never read."""

    names: set[str] = field(default_factory=set)
    dispatches: set[str] = field(default_factory=set)
    modules: set[str] = field(default_factory=set)
    callers: set[str] = field(default_factory=set)  # functions whose calls fill a parameter the model needs


class _Recorded(dict):
    """A dict that notes every key asked for and missing."""

    def __init__(self, missed: set[str]) -> None:
        super().__init__()
        self.missed = missed

    def __contains__(self, key: object) -> bool:
        found = dict.__contains__(self, key)
        if not found:
            self.missed.add(key)  # type: ignore[arg-type]
        return found

    def get(self, key, default=None):
        if not dict.__contains__(self, key):
            self.missed.add(key)
        return dict.get(self, key, default)

    def __missing__(self, key):
        self.missed.add(key)
        raise KeyError(key)


@dataclass
class Project:
    asked: Asked = field(default_factory=Asked)
    functions: dict[str, FunctionFact] = field(default_factory=dict)
    tools: dict[str, ToolFact] = field(default_factory=dict)
    agents: dict[str, AgentFact] = field(default_factory=dict)
    bindings: dict[str, Value] = field(default_factory=dict)
    dispatches: dict[str, list[Dispatch]] = field(default_factory=dict)
    registrations: list[Registration] = field(default_factory=list)
    links: list[ContextLink] = field(default_factory=list)
    modules: set[str] = field(default_factory=set)
    python_files: dict[str, str] = field(default_factory=dict)  # path -> module
    overlays: list[AgentFact] = field(default_factory=list)  # config files' additions to agents of code
    constants: dict[str, str] = field(default_factory=dict)  # qualname -> text (extract/python/constants.py)
    invocations: dict[str, list[Invocation]] = field(default_factory=dict)  # callee name -> its calls (parameters.py)


def index(facts: Sequence[Facts], asked: Asked | None = None) -> Project:
    asked = asked if asked is not None else Asked()
    project = Project(
        asked, _Recorded(asked.names), _Recorded(asked.names), _Recorded(asked.names), _Recorded(asked.names), _Recorded(asked.dispatches)
    )
    project.constants = _Recorded(asked.names)
    dispatches: list[Dispatch] = []
    for file_facts in sorted(facts, key=lambda f: f.path):
        if file_facts.module:
            project.modules.add(file_facts.module)
            project.python_files[file_facts.path] = file_facts.module
        project.functions.update((f.qualname, f) for f in file_facts.functions)
        project.tools.update((t.id, t) for t in file_facts.tools)
        project.agents.update((a.id, a) for a in file_facts.agents if a.framework != "crewai-config")
        project.overlays += [a for a in file_facts.agents if a.framework == "crewai-config"]
        project.bindings.update((b.qualname, b.value) for b in file_facts.bindings)
        project.constants.update((c.qualname, c.text) for c in file_facts.constants)
        dispatches += file_facts.dispatches
        project.registrations += file_facts.registrations
        project.links += file_facts.links
        for invocation in file_facts.invocations:
            for name in invocation.callee:
                project.invocations.setdefault(name, []).append(invocation)
    for tool in [t for t in project.tools.values() if t.name_parts]:
        name = joined_name(project, tool.name_parts)
        if name is not None:
            project.tools[tool.id] = replace(tool, name=name, name_parts=())
    for dispatch in dispatches:
        name = joined_name(project, dispatch.name_parts) if dispatch.name_parts else dispatch.tool_name
        project.dispatches.setdefault(name or dispatch.tool_name, []).append(dispatch)
    _follow_reexported_calls(project)
    _follow_reexported_invocations(project)
    return project


def joined_name(project: Project, parts: NameParts) -> str | None:
    """A name written with constants of other modules, when the scanned files hold them all."""
    texts = []
    for kind, value in parts:
        text = value if kind == "text" else constant_text(project, value)
        if text is None:
            return None
        texts.append(text)
    return "".join(texts)


def constant_text(project: Project, name: str, depth: int = 0) -> str | None:
    """The text of the constant `name` (`pkg.names.Tools.SEARCH.value`), through re-exports:
    `pkg.Tools.SEARCH` when `pkg/__init__.py` imports `Tools` from `pkg.names`."""
    if depth > MAX_REFERENCE_DEPTH:
        return None
    if name in project.constants:  # asks for the module's file when it is not read
        return project.constants[name]
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        bound = dict.get(project.bindings, ".".join(parts[:end]))
        if isinstance(bound, Ref):
            return constant_text(project, ".".join((bound.qualname, *parts[end:])), depth + 1)
    return None


def _follow_reexported_calls(project: Project) -> None:
    """A call of a name a module re-exports (`from .search import handle_search` in a package's
    `__init__.py`, then `handle_search(...)` of the package) also names what it re-exports, so that
    the labeller follows it into the function, or finds the catalogued API it is."""
    functions, bindings = project.functions, project.bindings
    for qualname, function in list(dict.items(functions)):
        calls, changed = [], False
        for call in function.calls:
            extra = {t for c in call.callee if not dict.__contains__(functions, c) and (t := _reexported(c, functions, bindings))}
            if extra - set(call.callee):
                call = replace(call, callee=tuple(sorted(set(call.callee) | extra)))
                changed = True
            calls.append(call)
        if changed:
            dict.__setitem__(functions, qualname, replace(function, calls=tuple(calls)))


def _follow_reexported_invocations(project: Project) -> None:
    """A call of a re-exported function or class (`from desk import make_agent`, where
    `desk/__init__.py` imports it from `desk.factory`) is also a call of what it re-exports."""
    for name, invocations in list(project.invocations.items()):
        target = _reexported(name, project.functions, project.bindings)
        if target is not None and target != name:
            known = project.invocations.setdefault(target, [])
            known += [i for i in invocations if i not in known]


def _reexported(name: str, functions: dict, bindings: dict) -> str | None:
    """What a chain of re-exports from `name` ends at: a function, or a name no scanned file binds
    (a function of a file not read yet, an API); None when `name` is no re-export."""
    found = None
    for _ in range(MAX_REFERENCE_DEPTH):
        bound = dict.get(bindings, name)
        if not isinstance(bound, Ref) or bound.qualname.endswith(">") or bound.qualname == name:
            return found
        name = found = bound.qualname
        if dict.__contains__(functions, name):
            return found
    return found


class Resolver:
    """Follows values through the project. `replaced_tools` collects tool classes of the project
    that were first taken for a framework's built-in tools."""

    def __init__(self, project: Project):
        self.project = project
        self.replaced_tools: set[str] = set()
        self.following: set[str] = set()  # the parameters being resolved, outermost first

    def resolve(self, value: Value, condition: Condition = (), depth: int = 0) -> Iterator[Resolved]:
        if depth > MAX_REFERENCE_DEPTH:
            yield Resolved("unresolved", "reference chain too long (a cycle?)", condition)
        elif isinstance(value, Items):
            for item in value.items:
                yield from self.resolve(item, condition, depth + 1)
        elif isinstance(value, When):
            yield from self.resolve(value.value, conjoin(condition, value.condition), depth + 1)
        elif isinstance(value, Opaque):
            yield Resolved("unresolved", value.reason, condition, value.location)
        elif isinstance(value, Ref):
            yield from self._resolve_ref(value, condition, depth)

    def _resolve_ref(self, ref: Ref, condition: Condition, depth: int) -> Iterator[Resolved]:
        name = ref.qualname
        if PARAMETER in name:
            yield from self._parameter(ref, condition, depth)
        elif name in self.project.tools and self.project.tools[name].builtin in self.project.tools:
            # a tool class of the project, instantiated where it looked like a framework's built-in
            self.replaced_tools.add(name)
            yield Resolved("tool", self.project.tools[name].builtin or "", condition, ref.location)
        elif name in self.project.tools:
            yield Resolved("tool", name, condition, ref.location)
        elif name in self.project.agents:
            yield Resolved("agent", name, condition, ref.location)
        elif name in self.project.bindings:
            if name.endswith(".<return>"):  # a helper's result, under the condition naming this call of it
                condition = conjoin(condition, parameters.returned_under(self.project, name[: -len(".<return>")], ref.location))
            yield from self.resolve(self.project.bindings[name], condition, depth + 1)
        elif name in self.project.functions:
            yield Resolved("function", name, condition, ref.location)
        elif name.endswith(INSTANCE):
            cls = name[: -len(INSTANCE)]
            if cls in self.project.tools or cls in self.project.agents:
                yield from self._resolve_ref(Ref(cls, ref.location), condition, depth + 1)
            else:
                where = "a class of the project that is not a tool" if self._in_project(cls) else "an external class"
                yield Resolved("unresolved", f"instance of {cls}, {where}", condition, ref.location)
        elif name.endswith(".<return>"):
            function = name[: -len(".<return>")]
            if function in self.project.functions:
                reason = f"cannot tell what {function}() returns"
            else:
                reason = f"call to external function {function}"
            yield Resolved("unresolved", reason, condition, ref.location)
        elif SELF in name:  # only what riskscan cannot follow is stored there (extract/python/parameters.py)
            owner, _, attribute = name.partition(SELF)
            reason = f"self.{attribute} of {owner.rsplit('.', 1)[-1]}: what its methods store there is not known statically"
            yield Resolved("unresolved", reason, condition, ref.location)
        elif self._in_project(name):
            yield Resolved("unresolved", f"{name} is not defined in the scanned files", condition, ref.location)
        else:
            yield Resolved("unresolved", f"{name} comes from outside the scanned project", condition, ref.location)

    def _parameter(self, ref: Ref, condition: Condition, depth: int) -> Iterator[Resolved]:
        """A parameter: what each call of its function passes it (riskscan/model/parameters.py)."""
        if ref.qualname in self.following:  # a recursive call passing it on: its callers say the rest
            return
        function, _, param = ref.qualname.partition(PARAMETER)
        self.project.asked.callers.add(function)  # the reader reads the files that may call it
        self.following.add(ref.qualname)
        try:
            for passed in parameters.passed(self.project, function, param):
                here = conjoin(condition, passed.condition)
                if passed.value is None:
                    yield Resolved("unresolved", passed.reason, here, passed.location or ref.location)
                else:
                    yield from self.resolve(passed.value, here, depth + 1)
        finally:
            self.following.discard(ref.qualname)

    def _in_project(self, qualname: str) -> bool:
        return in_modules(qualname, self.project.modules)


def in_modules(qualname: str, modules: set[str]) -> bool:
    """Whether `qualname` names something inside one of `modules` (a module of the project)."""
    parts = qualname.split(".")
    return any(".".join(parts[:i]) in modules for i in range(1, len(parts)))


def through_fields(names: Sequence[str], bindings: dict[str, Value], depth: int = 0) -> tuple[str, ...]:
    """`app.deps.Deps.client.get`, where `Deps.client` is annotated `httpx.AsyncClient` in another
    file, also goes by `httpx.AsyncClient.get`, and `app.clients.http.get`, where clients.py made
    `http = httpx.Client()`, by `httpx.Client.get`; fields of fields are followed too."""
    found: list[str] = []
    for name in names:
        parts = name.split(".")
        for end in range(len(parts) - 1, 1, -1):  # parts[:end] ends with a field of the class before it
            if "<locals>" in parts[:end]:
                break
            value = bindings.get(".".join(parts[:end]) + FIELD) if parts[end - 2][:1].isupper() else None
            # or a module's name bound to an instance (`tavily = TavilyClient()` in clients.py)
            value = value if value is not None else _instance_binding(bindings, ".".join(parts[:end]))
            if not isinstance(value, Items):
                continue
            rest = ".".join(parts[end:])
            reached = [f"{r.qualname[: -len(INSTANCE)]}.{rest}" for r in value.items if isinstance(r, Ref) and r.qualname.endswith(INSTANCE)]
            found += reached
            if depth < MAX_FIELD_DEPTH:
                found += through_fields(reached, bindings, depth + 1)
            break
    return tuple(dict.fromkeys(found))


def _instance_binding(bindings: dict[str, Value], name: str) -> Items | None:
    """What a module-level name holds when it is an instance of a class, through re-exports."""
    value = dict.get(bindings, _reexported(name, {}, bindings) or name)
    return Items((value,)) if isinstance(value, Ref) and value.qualname.endswith(INSTANCE) else None


def conjoin(first: Condition, second: Condition) -> Condition:
    return tuple(sorted(set(first) | set(second)))

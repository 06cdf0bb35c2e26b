"""What one Python file knows about itself: positions, resolved names, the types of instances, and
the facts found so far.

Names are resolved by libcst's scope rules (scopes.Scopes gives what libcst's ScopeProvider
gives, from one walk of the tree, and syntax.QualifiedNames the fully qualified names, on
demand); the one thing added on top is instance tracking (receivers.py): `s = requests.Session();
s.post(...)` resolves the callee to `requests.Session.post`, from the value assigned to the name
the scope says `s` is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from riskscan.extract.python.namespaces import Assignment
from riskscan.extract.python.positions import Positions
from riskscan.extract.python.receivers import ReceiverTypes
from riskscan.extract.python.scopes import Scopes
from riskscan.extract.python.syntax import (
    QualifiedNames,
    QualifiedNameSource,
    cst,
    find_nodes,
    index_tree,
    nested_walk,
)
from riskscan.rulesets import Rulesets
from riskscan.types import (
    AgentFact,
    Binding,
    ContextLink,
    Diagnostic,
    Dispatch,
    FunctionFact,
    HygieneFact,
    Invocation,
    Location,
    Registration,
    ToolFact,
)


@dataclass
class Declarations:
    """What a first pass over the file records, for lookups in any order later."""

    qualnames: dict[int, str] = field(default_factory=dict)  # id(FunctionDef|ClassDef) -> qualname
    method_class: dict[int, str] = field(default_factory=dict)  # id(FunctionDef) -> class qualname
    assigned: dict[int, cst.BaseExpression] = field(default_factory=dict)  # id(target Name) -> value
    annotations: dict[int, cst.BaseExpression] = field(default_factory=dict)  # id(Param) -> annotation
    self_attributes: dict[tuple[str, str], list[cst.BaseExpression]] = field(default_factory=dict)
    class_fields: dict[tuple[str, str], cst.BaseExpression] = field(default_factory=dict)  # (class, field) -> annotation
    entered: set[int] = field(default_factory=set)  # id(target Name) of `with ... as name`


class _Declare:
    """One pass: qualified names of every def and class, and what each simple target is bound to."""

    def __init__(self, module: str, declarations: Declarations) -> None:
        self.prefix = [module]
        self.kinds: list[str] = []  # "class" | "function", innermost last
        self.self_names: list[tuple[str, str] | None] = []  # (class qualname, first param) per def
        self.out = declarations

    def _enter(self, node: cst.FunctionDef | cst.ClassDef, kind: str) -> None:
        qualname = ".".join(self.prefix) + "." + node.name.value
        self.out.qualnames[id(node)] = qualname
        if kind == "function" and self.kinds and self.kinds[-1] == "class":
            owner = ".".join(self.prefix)
            self.out.method_class[id(node)] = owner
            params = node.params.posonly_params + node.params.params
            self.self_names.append((owner, params[0].name.value) if params else None)
        elif kind == "function":
            self.self_names.append(None)
        self.prefix.append(node.name.value + (".<locals>" if kind == "function" else ""))
        self.kinds.append(kind)

    def _leave(self, kind: str) -> None:
        self.prefix.pop()
        self.kinds.pop()
        if kind == "function":
            self.self_names.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._enter(node, "function")

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._leave("function")

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._enter(node, "class")

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._leave("class")

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._bind(target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._bind(node.target, node.value if node.value is not None else node.annotation.annotation)
        if self.kinds and self.kinds[-1] == "class" and isinstance(node.target, cst.Name):  # a dataclass field
            self.out.class_fields[(".".join(self.prefix), node.target.value)] = node.annotation.annotation

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._bind(node.asname.name, node.item)
            if isinstance(node.asname.name, cst.Name):
                self.out.entered.add(id(node.asname.name))

    def visit_Param(self, node: cst.Param) -> None:
        if node.annotation is not None:
            self.out.annotations[id(node)] = node.annotation.annotation

    def _bind(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self.out.assigned[id(target)] = value
        elif (
            isinstance(target, cst.Attribute)
            and isinstance(target.value, cst.Name)
            and self.self_names
            and self.self_names[-1] is not None
            and target.value.value == self.self_names[-1][1]
        ):
            key = (self.self_names[-1][0], target.attr.value)
            self.out.self_attributes.setdefault(key, []).append(value)


OUTSIDE = "<outside>"  # a package above the scan root, for relative imports that reach past it


def _room_for_relative_imports(module: cst.Module, module_name: str, package: str) -> tuple[str, str]:
    """libcst refuses a whole file whose relative import climbs above its package (a package
    scanned from inside). Such a file is placed under enough packages named `<outside>` that
    the import resolves, to a name that is not the project's."""
    deepest = max((len(node.relative) for node in find_nodes(module, cst.ImportFrom, enter_definitions=True)), default=0)
    missing = deepest - (package.count(".") + 1 if package else 0)  # level n needs n packages
    if missing <= 0:
        return module_name, package
    prefix = ".".join([OUTSIDE] * missing)
    return f"{prefix}.{module_name}", f"{prefix}.{package}" if package else prefix


class FileContext(ReceiverTypes):
    """The resolved view of one file plus the facts collected from it."""

    def __init__(self, module: cst.Module, path: str, module_name: str, package: str, rulesets: Rulesets) -> None:
        self.path = path
        self.module_name = module_name
        self.package = package
        self.rulesets = rulesets
        index_tree(module)
        self.module = module
        self.positions = Positions(module)  # worked out on the first question
        self.scopes = Scopes(module)
        self.fqn = QualifiedNames(self.scopes, *_room_for_relative_imports(module, module_name, package))
        self.declarations = Declarations()
        declare = _Declare(module_name, self.declarations)
        handlers: dict[tuple[str, type], object] = {}  # (event, node type) -> _Declare's method, if any
        for event, node in nested_walk(self.module, (cst.FunctionDef, cst.ClassDef)):
            key = (event, type(node))
            handler = handlers.get(key, _Declare)
            if handler is _Declare:
                handler = handlers[key] = getattr(declare, f"{event}_{type(node).__name__}", None)
            if handler is not None:
                handler(node)
        self.diagnostics: list[Diagnostic] = []
        self.functions: dict[str, FunctionFact] = {}
        self.tools: dict[str, ToolFact] = {}
        self.agents: dict[str, AgentFact] = {}
        self.bindings: dict[str, Binding] = {}
        self.dispatches: list[Dispatch] = []
        self.registrations: list[Registration] = []
        self.hygiene: list[HygieneFact] = []
        self.links: list[ContextLink] = []
        self.invocations: list[Invocation] = []  # calls whose arguments helpers' parameters may need
        self.function_nodes: dict[str, cst.FunctionDef] = {}
        self.dispatch_handlers: set[str] = set()  # functions whose branches are already dispatches
        self._types_in_progress: set[int] = set()
        self._types_of_values: dict[int, tuple[str, ...]] = {}  # id(assigned value) -> its types
        self.flows: dict[int, object] = {}  # id(FunctionDef) -> its control flow (flow.Flow), built once

    # --- places ------------------------------------------------------------------------------

    def loc(self, node: cst.CSTNode) -> Location:
        start = self.positions.start(node)
        if start is None:
            return Location(self.path)
        return Location(self.path, start[0], start[1] + 1)

    def diagnose(self, node: cst.CSTNode | None, code: str, message: str, severity: str = "warning") -> None:
        location = self.loc(node) if node is not None else Location(self.path)
        diagnostic = Diagnostic(location, code, message, severity)
        if diagnostic not in self.diagnostics:
            self.diagnostics.append(diagnostic)

    # --- facts ---------------------------------------------------------------------------------

    def add_tool(self, tool: ToolFact) -> str:
        """Record a tool; a different tool under an id already taken gets `#2`, `#3`, ..."""
        tool_id = self._free_id(tool.id, self.tools, tool)
        if tool_id != tool.id:
            from dataclasses import replace

            tool = replace(tool, id=tool_id)
        self.tools[tool_id] = tool
        return tool_id

    def add_agent(self, agent: AgentFact) -> str:
        agent_id = self._free_id(agent.id, self.agents, agent)
        if agent_id != agent.id:
            from dataclasses import replace

            agent = replace(agent, id=agent_id)
        self.agents[agent_id] = agent
        return agent_id

    @staticmethod
    def _free_id(wanted: str, taken: dict, fact: object) -> str:
        candidate, number = wanted, 1
        while candidate in taken:
            existing = taken[candidate]
            if existing.location == fact.location:  # the same declaration seen again (a loop)
                return candidate
            number += 1
            candidate = f"{wanted}#{number}"
        return candidate

    # --- names ---------------------------------------------------------------------------------

    def names_of(self, node: cst.CSTNode) -> tuple[str, ...]:
        """The qualified names libcst gives `node`, sorted."""
        return tuple(sorted({self._inside(q.name) for q in self.fqn.get(node, ())}))

    def _inside(self, name: str) -> str:
        """A name of this file's own package, without the `<outside>` packages it was put under."""
        if not name.startswith(OUTSIDE):
            return name
        own = self.module_name.split(".")[0] + "."
        rest = name
        while rest.startswith(f"{OUTSIDE}."):
            rest = rest[len(OUTSIDE) + 1 :]
        return rest if rest.startswith(own) or rest == own[:-1] else name

    def sources_of(self, node: cst.CSTNode) -> set[QualifiedNameSource]:
        return {q.source for q in self.fqn.get(node, ())}

    def is_local_name(self, node: cst.Name) -> bool:
        """A name bound inside the function it is used in (or a parameter)."""
        return any("<locals>" in q for q in self.names_of(node)) and not self.assignments_of_kind(node, cst.FunctionDef, cst.ClassDef)

    def is_project(self, qualname: str) -> bool:
        """A name of this project: defined in this file or in the same top-level package."""
        top = self.module_name.split(".")[0]
        return qualname == top or qualname.startswith(top + ".")

    def assignments(self, node: cst.Name) -> list[Assignment]:
        scope = self.scopes.get(node)
        if scope is None:
            return []
        return [a for a in scope[node.value] if isinstance(a, Assignment)]

    def assignments_of_kind(self, node: cst.Name, *kinds: type) -> list[cst.CSTNode]:
        return [a.node for a in self.assignments(node) if isinstance(a.node, kinds)]

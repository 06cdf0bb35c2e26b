"""The shape agent frameworks share, as data: which calls make an agent, wrap a function into a
tool, decorate one, or put agents in a team, and which base classes make a tool class. Each
framework module (langchain, crewai, smolagents, autogen, pydantic_ai, llama_index) lists its
qualified names in a `Specs` and subclasses `FrameworkAdapter` only for what is its own (gates,
code executors, graphs).

Arguments are named by `Arg`: (position, keyword), either may be None.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from riskscan.extract.python.adapters import BaseAdapter
from riskscan.extract.python.adapters.declarations import (
    decorator_parts,
    tool_parameters,
)
from riskscan.extract.python.parameters import named_function
from riskscan.extract.python.receivers import looks_like_class
from riskscan.extract.python.survey import Triggers
from riskscan.extract.python.syntax import cst, find_nodes
from riskscan.extract.python.values import INSTANCE, keyword, positional, string_value
from riskscan.types import (
    AgentFact,
    ContextLink,
    Gate,
    HygieneFact,
    Items,
    Opaque,
    Ref,
    Registration,
    ToolFact,
    Value,
    When,
)

Arg = tuple[int | None, str | None]


@dataclass(frozen=True)
class AgentSpec:
    framework: str
    tools: tuple[Arg, ...] = ((None, "tools"),)
    name: tuple[Arg, ...] = ((None, "name"),)
    handoffs: tuple[Arg, ...] = ()  # agents the conversation is handed to
    agent_tools: tuple[Arg, ...] = ()  # agents called like tools (managed agents)
    routes: tuple[Arg, ...] = ()  # agents a supervisor routes to, each answering back


@dataclass(frozen=True)
class WrapperSpec:
    """A call that turns a function into a tool: `tool(f)`, `FunctionTool.from_defaults(fn=f)`."""

    framework: str
    function: tuple[Arg, ...] = ((0, "func"),)
    name: tuple[Arg, ...] = ((None, "name"),)
    description: tuple[Arg, ...] = ((None, "description"),)


@dataclass(frozen=True)
class DecoratorSpec:
    """A decorator that makes the function a tool, bare (`@tool`) or called (`@tool("name")`)."""

    framework: str
    name: tuple[Arg, ...] = ((0, "name"),)
    description: tuple[Arg, ...] = ((None, "description"),)


@dataclass(frozen=True)
class ToolClassSpec:
    """A base class whose subclasses are tools; `methods` run the tool."""

    framework: str
    methods: tuple[str, ...]


@dataclass(frozen=True)
class TeamSpec:
    """Agents put together so that they share one context (a group chat, a workflow)."""

    framework: str
    members: tuple[Arg, ...] = ((0, "participants"),)
    kind: str = "shared-context"


@dataclass
class Specs:
    agents: dict[str, AgentSpec] = field(default_factory=dict)
    wrappers: dict[str, WrapperSpec] = field(default_factory=dict)
    decorators: dict[str, DecoratorSpec] = field(default_factory=dict)
    tool_classes: dict[str, ToolClassSpec] = field(default_factory=dict)
    teams: dict[str, TeamSpec] = field(default_factory=dict)

    def calls(self) -> frozenset[str]:
        return frozenset(self.agents) | frozenset(self.wrappers) | frozenset(self.teams)


def argument(call: cst.Call | None, places: tuple[Arg, ...]) -> cst.BaseExpression | None:
    """The first argument of `call` found at one of `places`."""
    if call is None:
        return None
    for index, name in places:
        found = (keyword(call, name) if name else None) or (positional(call, index) if index is not None else None)
        if found is not None:
            return found
    return None


def is_true(node: cst.BaseExpression | None) -> bool:
    return isinstance(node, cst.Name) and node.value == "True"


def code(ctx, node: cst.CSTNode) -> str:
    return ctx.module.code_for_node(node)


class FrameworkAdapter(BaseAdapter):
    specs = Specs()
    more_calls: frozenset[str] = frozenset()  # calls claimed beyond the specs: crews, graphs, toolsets
    more_triggers: frozenset[str] = frozenset()  # other names that declare: method decorators, ...
    trigger_keywords: frozenset[str] = frozenset()  # keywords flagged on any call (hygiene switches)

    @classmethod
    def triggers(cls) -> Triggers:
        specs = cls.specs
        names = specs.calls() | frozenset(specs.decorators) | frozenset(specs.tool_classes)
        return Triggers(names=names | cls.more_calls | cls.more_triggers, keywords=cls.trigger_keywords)

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self._names = self.specs.calls()

    def claims(self, callee: tuple[str, ...]) -> bool:
        return bool(set(callee) & self._names) or self.claims_more(callee)

    def claims_more(self, callee: tuple[str, ...]) -> bool:
        return bool(set(callee) & self.more_calls)

    def evaluate_call(self, ev, call, callee, scope, target, tools) -> Value | None:
        specs = self.specs
        for name in callee:
            if name in specs.agents:
                return self.agent(ev, call, specs.agents[name], scope, target)
            if name in specs.wrappers:
                return self.wrapped_tool(ev, call, specs.wrappers[name], scope, target)
            if name in specs.teams:
                return self.team(ev, call, specs.teams[name], scope, target)
        if isinstance(call.func, cst.Call):  # `tool("name")(f)`
            inner = set(self.ctx.callee_names(call.func.func)) & set(specs.decorators)
            if inner and call.args:
                ev.seen.add(id(call.func))
                spec = specs.decorators[sorted(inner)[0]]
                return self.wrapped_tool(ev, call, WrapperSpec(spec.framework, ((0, None),), spec.name, spec.description), scope, target, options=call.func)
        if len(callee) == 1 and callee[0] in self.ctx.tools and looks_like_class(callee[0]):
            ev.evaluate_arguments(call, scope)
            return Ref(callee[0] + INSTANCE, self.ctx.loc(call))
        return self.evaluate_more(ev, call, callee, scope, target, tools)

    def evaluate_more(self, ev, call, callee, scope, target, tools) -> Value | None:
        return None

    # --- agents --------------------------------------------------------------------------------

    def agent(self, ev, call: cst.Call, spec: AgentSpec, scope, target: str | None, name: str | None = None) -> Value:
        ctx = self.ctx
        name = name or string_value(argument(call, spec.name)) or (target.rsplit(".", 1)[-1] if target else spec.framework)
        used: set[int] = set()

        def values_at(places, tools: bool = False) -> list[Value]:
            """The values of the arguments at these places, each argument read once."""
            found = []
            for place in places:
                node = argument(call, (place,))
                if node is not None and id(node) not in used:
                    used.add(id(node))
                    found.append(ev.evaluate(node, scope, tools=tools))
            return found

        tools = values_at((*spec.tools, *spec.agent_tools), tools=True)
        handoffs = values_at(spec.handoffs)
        routed = values_at(spec.routes)
        for arg in call.args:
            if id(arg.value) not in used:
                ev.evaluate(arg.value, scope)
        agent_id = target or f"{ctx.module_name}.<agent {name}>"
        for members in routed:
            self.link("supervisor", members, call, scope, source=Ref(agent_id, ctx.loc(call)))
        extra_tools, gates, delegates = self.agent_extras(ev, call, spec, scope, agent_id, name)
        agent_id = ctx.add_agent(
            AgentFact(
                agent_id, name, spec.framework, ctx.loc(call), tuple(tools) + tuple(extra_tools), tuple(handoffs),
                scope.condition, tuple(sorted(set(gates))), delegates,
            )
        )
        return Ref(agent_id, ctx.loc(call))

    def agent_extras(self, ev, call, spec, scope, agent_id: str, name: str) -> tuple[list[Value], list[tuple[str, Gate]], bool]:
        """Tools the agent has by itself (a code executor), gates it puts on its tools, and
        whether it delegates."""
        return [], [], False

    def team(self, ev, call: cst.Call, spec: TeamSpec, scope, target: str | None) -> Value:
        ctx = self.ctx
        members_node = argument(call, spec.members)
        members = ev.evaluate(members_node, scope) if members_node is not None else Items(())
        for arg in call.args:
            if arg.value is not members_node:
                ev.evaluate(arg.value, scope)
        self.link(spec.kind, members, call, scope)
        return Opaque(f"team of {spec.framework}", ctx.loc(call))

    def link(self, kind: str, members: Value, node, scope, source: Value | None = None, both_ways: bool = True, location=None) -> None:
        items = members.items if isinstance(members, Items) else (members,)
        where = location or self.ctx.loc(node)
        self.ctx.links.append(ContextLink(kind, tuple(items), where, source, both_ways, scope.condition))

    # --- tools ---------------------------------------------------------------------------------

    def wrapped_tool(self, ev, call: cst.Call, spec: WrapperSpec, scope, target: str | None, options: cst.Call | None = None) -> Value:
        ctx = self.ctx
        options = options or call
        function_node = argument(call, spec.function)
        for arg in call.args:
            if arg.value is not function_node:
                ev.evaluate(arg.value, scope)
        function = ev.evaluate(function_node, scope) if function_node is not None else None
        if named_function(function) is None or not isinstance(function, Ref):
            return Opaque(f"a tool made from {code(ctx, function_node) if function_node is not None else 'nothing'}", ctx.loc(call))
        node = ctx.function_nodes.get(function.qualname)
        tool_id = target or f"{function.qualname}.<tool>"
        tool_id = self.function_tool(tool_id, function.qualname, node, options, spec.framework, spec.name, spec.description, ctx.loc(call))
        return Ref(tool_id, ctx.loc(call))

    def on_function(self, interpreter, node: cst.FunctionDef, fact, scope) -> None:
        for decorator in node.decorators:
            func, options = decorator_parts(decorator.decorator)
            callee = set(self.ctx.callee_names(func))
            for name in sorted(callee & set(self.specs.decorators)):
                spec = self.specs.decorators[name]
                if options is not None and positional(options, 0) is not None and string_value(positional(options, 0)) is None:
                    continue  # `tool(f)` used as a call, not a decorator
                tool_id = self.function_tool(fact.qualname, fact.qualname, node, options, spec.framework, spec.name, spec.description, self.ctx.loc(node.name))
                registered_on = self.registered_on(func, name)
                if registered_on is not None:
                    ref = Ref(tool_id, self.ctx.loc(node.name))
                    value = When(ref, scope.condition) if scope.condition else ref
                    self.ctx.registrations.append(Registration(registered_on, value, self.ctx.loc(node.name)))
                break
        self.on_method(interpreter, node, fact, scope)

    def registered_on(self, func: cst.BaseExpression, decorator: str) -> str | None:
        """The object a method decorator registers the tool on (`@agent.tool`), if any."""
        return None

    def on_method(self, interpreter, node, fact, scope) -> None:
        return None

    def function_tool(self, tool_id, function, node, options, framework, name_places, description_places, location) -> str:
        ctx = self.ctx
        name = string_value(argument(options, name_places)) if options is not None else None
        description = string_value(argument(options, description_places)) if options is not None else None
        docstring = (node.get_docstring(clean=True) or "") if node is not None else ""
        gates = self.body_gates(node) if node is not None else []
        return ctx.add_tool(
            ToolFact(
                tool_id,
                name or (node.name.value if node is not None else function.rsplit(".", 1)[-1]),
                framework,
                location,
                description=description if description is not None else docstring,
                function=function,
                params=tool_parameters(ctx, node, self.context_types) if node is not None else (),
                gates=tuple(sorted(set(gates) | set(self.option_gates(options)))),
            )
        )

    context_types: frozenset[str] = frozenset()

    def body_gates(self, node: cst.FunctionDef) -> list[Gate]:
        """Gates written in the tool's own body (a human-approval interrupt)."""
        return []

    def option_gates(self, options: cst.Call | None) -> list[Gate]:
        return []

    def calls_in(self, node: cst.CSTNode, names: frozenset[str]) -> list[cst.Call]:
        return [c for c in find_nodes(node, cst.Call) if set(self.ctx.callee_names(c.func)) & names]

    # --- tool classes --------------------------------------------------------------------------

    def observe_statement(self, interpreter, node, scope) -> None:
        if not isinstance(node, cst.ClassDef):
            return
        bases = {name for base in node.bases for name in self.ctx.names_of(base.value)}
        found = sorted(bases & set(self.specs.tool_classes))
        if found:
            self.tool_class(node, self.specs.tool_classes[found[0]], scope)

    def tool_class(self, node: cst.ClassDef, spec: ToolClassSpec, scope) -> str:
        ctx = self.ctx
        qualname = ctx.declarations.qualnames[id(node)]
        attributes = class_attributes(node)
        methods = {f.name.value: f for f in node.body.body if isinstance(f, cst.FunctionDef)}
        runner = next((m for m in spec.methods if m in methods), None)
        if runner is None:
            ctx.diagnose(node, "no-implementation", f"tool class {node.name.value} defines none of {', '.join(spec.methods)}", "info")
        method = methods.get(runner) if runner else None
        return ctx.add_tool(
            ToolFact(
                qualname,
                string_value(attributes.get("name")) or node.name.value,
                spec.framework,
                ctx.loc(node.name),
                description=string_value(attributes.get("description")) or (node.get_docstring(clean=True) or ""),
                function=f"{qualname}.{runner}" if runner else None,
                params=tool_parameters(ctx, method, self.context_types) if method is not None else (),
                gates=tuple(self.body_gates(method)) if method is not None else (),
            )
        )

    # --- hygiene -------------------------------------------------------------------------------

    def hygiene(self, check: str, node: cst.CSTNode, subject: str, detail: str) -> None:
        self.ctx.hygiene.append(HygieneFact(check, self.ctx.loc(node), subject, detail))

    def flag_hygiene(self, call: cst.Call, flags: dict[str, str], subject: str) -> None:
        """`allow_dangerous_code=True`-style switches: keyword -> the check it fails."""
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value in flags and is_true(arg.value):
                self.hygiene(flags[arg.keyword.value], arg, subject, f"{arg.keyword.value}=True")


def class_attributes(node: cst.ClassDef) -> dict[str, cst.BaseExpression]:
    """`name = "x"` / `name: str = "x"` in a class body."""
    found: dict[str, cst.BaseExpression] = {}
    for statement in node.body.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name):
                found[small.targets[0].target.value] = small.value
            elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name) and small.value is not None:
                found[small.target.value] = small.value
    return found

"""LangChain and LangGraph: `@tool`, `StructuredTool.from_function`, `Tool(...)`, `BaseTool`
subclasses (`_run` / `_arun`), toolkits' `.get_tools()` (catalogued by that method), `load_tools([...])`, `create_agent`
(langchain 1.x), `create_react_agent` (langgraph.prebuilt), the classic `AgentExecutor` /
`initialize_agent`, `ToolNode`, `StateGraph` (every node of one graph shares one state),
`create_supervisor` and `create_swarm`.

Approval gates: `interrupt_before=["tools"]` on an agent or a compiled graph, a
`HumanInTheLoopMiddleware(interrupt_on={...})`, and `interrupt(...)` called in a tool's body.
Qualified names are those of langchain-core 1.8, langchain 1.5, langgraph 1.2 and
langgraph-prebuilt 1.1 (their `__init__` re-exports and defining modules).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from riskscan.extract.python.adapters import langgraph_nodes as hand
from riskscan.extract.python.adapters.declarations import dict_entries
from riskscan.extract.python.adapters.frameworks import (
    AgentSpec,
    DecoratorSpec,
    FrameworkAdapter,
    Specs,
    TeamSpec,
    ToolClassSpec,
    WrapperSpec,
    argument,
    code,
)
from riskscan.extract.python.survey import Triggers
from riskscan.extract.python.syntax import cst
from riskscan.extract.python.values import (
    keyword,
    positional,
    string_list,
    string_value,
)
from riskscan.types import (
    AgentFact,
    Gate,
    Items,
    Location,
    Opaque,
    Ref,
    ToolFact,
    Value,
)

FRAMEWORK = "langchain"
GRAPH_FRAMEWORK = "langgraph"

TOOL_DECORATOR = DecoratorSpec(FRAMEWORK, name=((0, "name_or_callable"),))
_STRUCTURED = ("langchain_core.tools.StructuredTool", "langchain_core.tools.structured.StructuredTool", "langchain.tools.StructuredTool")
_SIMPLE = ("langchain_core.tools.Tool", "langchain_core.tools.simple.Tool", "langchain.tools.Tool", "langchain.agents.Tool")
_BASE_TOOLS = ("langchain_core.tools.BaseTool", "langchain_core.tools.base.BaseTool", "langchain.tools.BaseTool")
_REACT = AgentSpec(GRAPH_FRAMEWORK, tools=((1, "tools"),))

SPECS = Specs(
    agents={
        "langchain.agents.create_agent": AgentSpec(FRAMEWORK, tools=((1, "tools"),)),
        "langchain.agents.factory.create_agent": AgentSpec(FRAMEWORK, tools=((1, "tools"),)),
        "langgraph.prebuilt.create_react_agent": _REACT,
        "langgraph.prebuilt.chat_agent_executor.create_react_agent": _REACT,
        "langchain.agents.AgentExecutor": AgentSpec(FRAMEWORK),
        "langchain.agents.agent.AgentExecutor": AgentSpec(FRAMEWORK),
        "langchain_classic.agents.AgentExecutor": AgentSpec(FRAMEWORK),
        "langchain.agents.initialize_agent": AgentSpec(FRAMEWORK, tools=((0, "tools"),)),
        "langchain_classic.agents.initialize_agent": AgentSpec(FRAMEWORK, tools=((0, "tools"),)),
        "langgraph_supervisor.create_supervisor": AgentSpec(GRAPH_FRAMEWORK, name=((None, "supervisor_name"),), routes=((0, "agents"),)),
    },
    wrappers={
        **{f"{cls}.from_function": WrapperSpec(FRAMEWORK, function=((0, "func"), (None, "coroutine"))) for cls in _STRUCTURED + _SIMPLE},
        **{cls: WrapperSpec(FRAMEWORK, function=((1, "func"), (None, "coroutine")), name=((0, "name"),), description=((2, "description"),)) for cls in _SIMPLE},
        **{name: WrapperSpec(FRAMEWORK, function=((0, "name_or_callable"),), name=((None, "name"),)) for name in ("langchain_core.tools.tool", "langchain_core.tools.convert.tool", "langchain.tools.tool")},
    },
    decorators={name: TOOL_DECORATOR for name in ("langchain_core.tools.tool", "langchain_core.tools.convert.tool", "langchain.tools.tool", "langchain.agents.tool")},
    tool_classes={name: ToolClassSpec(FRAMEWORK, ("_run", "_arun")) for name in _BASE_TOOLS},
    teams={"langgraph_swarm.create_swarm": TeamSpec(GRAPH_FRAMEWORK, members=((0, "agents"),))},
)

TOOL_NODES = frozenset({"langgraph.prebuilt.ToolNode", "langgraph.prebuilt.tool_node.ToolNode", "langchain.tools.ToolNode", "langchain.tools.tool_node.ToolNode"})
GRAPHS = frozenset({"langgraph.graph.StateGraph", "langgraph.graph.state.StateGraph", "langgraph.graph.MessageGraph", "langgraph.graph.message.MessageGraph"})
ADD_NODE = frozenset(f"{graph}.add_node" for graph in GRAPHS)
COMPILE = frozenset(f"{graph}.compile" for graph in GRAPHS)
ADD_EDGE = frozenset(f"{graph}.add_edge" for graph in GRAPHS)
ADD_CONDITIONAL_EDGES = frozenset(f"{graph}.add_conditional_edges" for graph in GRAPHS)
INTERRUPT = frozenset({"langgraph.types.interrupt"})
HUMAN_IN_THE_LOOP = frozenset({"langchain.agents.middleware.HumanInTheLoopMiddleware", "langchain.agents.middleware.human_in_the_loop.HumanInTheLoopMiddleware"})
LOAD_TOOLS = frozenset({"langchain_community.agent_toolkits.load_tools", "langchain_community.agent_toolkits.load_tools.load_tools"})
DANGEROUS_FLAGS = {"allow_dangerous_code": "dangerous-code-switch", "allow_dangerous_requests": "dangerous-requests-switch"}


@dataclass
class Graph:
    id: str
    name: str
    location: Location
    condition: tuple
    tool_nodes: dict[str, Value] = field(default_factory=dict)
    members: list[Value] = field(default_factory=list)
    interrupts: set[str] = field(default_factory=set)
    interrupt_all: bool = False
    interrupt_place: Location | None = None
    hand: hand.HandNodes = field(default_factory=hand.HandNodes)


class LangChain(FrameworkAdapter):
    frameworks = (FRAMEWORK, GRAPH_FRAMEWORK)
    specs = SPECS
    more_calls = TOOL_NODES | GRAPHS | ADD_NODE | COMPILE | LOAD_TOOLS | ADD_EDGE | ADD_CONDITIONAL_EDGES
    more_triggers = INTERRUPT | HUMAN_IN_THE_LOOP
    trigger_keywords = frozenset(DANGEROUS_FLAGS)  # flagged on any call (evaluate_more)
    context_types = frozenset({"langchain.tools.ToolRuntime", "langgraph.prebuilt.ToolRuntime", "langchain_core.runnables.RunnableConfig"})

    @classmethod
    def triggers(cls) -> Triggers:
        return super().triggers() | Triggers(suffixes=(hand.BIND_TOOLS,))

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.graphs: dict[int, Graph] = {}  # id(StateGraph call) -> graph
        self.bound: list[hand.BoundModel] = []  # `model.bind_tools(tools)` of this file

    def claims_more(self, callee: tuple[str, ...]) -> bool:
        return super().claims_more(callee) or hand.is_bind_tools(self.ctx, callee)

    def evaluate_more(self, ev, call, callee, scope, target, tools) -> Value | None:
        names = set(callee)
        self.flag_hygiene(call, DANGEROUS_FLAGS, callee[0] if callee else "")
        if names & TOOL_NODES:
            node = argument(call, ((0, "tools"),))
            for arg in call.args:
                if arg.value is not node:
                    ev.evaluate(arg.value, scope)
            return ev.evaluate(node, scope, tools=True) if node is not None else Items(())
        if names & GRAPHS:
            return self.graph(ev, call, scope, target)
        if names & ADD_NODE:
            return self.add_node(ev, call, scope)
        if names & COMPILE:
            return self.compile(ev, call, scope, target)
        if names & LOAD_TOOLS:
            return self.load_tools(ev, call, scope)
        if names & (ADD_EDGE | ADD_CONDITIONAL_EDGES):
            return self.add_edge(ev, call, scope, conditional=bool(names & ADD_CONDITIONAL_EDGES))
        if hand.is_bind_tools(self.ctx, callee):
            self.bound.append(hand.bind_tools(self.ctx, ev, call, scope, target))
            return Opaque("a chat model bound to tools", self.ctx.loc(call))
        return None

    # --- agents --------------------------------------------------------------------------------

    def agent_extras(self, ev, call, spec, scope, agent_id, name):
        ctx = self.ctx
        tools: list[Value] = []
        gates: list[tuple[str, Gate]] = []
        self.consume_bound(argument(call, ((0, "model"), (None, "llm"))))
        interrupts = keyword(call, "interrupt_before")
        if interrupts is not None and "tools" in (string_list(interrupts) or []):
            gates.append(("*", Gate("approval", f"interrupt_before={code(ctx, interrupts)}", ctx.loc(interrupts))))
        middleware = keyword(call, "middleware")
        for element in (middleware.elements if isinstance(middleware, (cst.List, cst.Tuple)) else ()):
            item = element.value
            if not isinstance(item, cst.Call):
                continue
            callee = set(ctx.callee_names(item.func))
            if callee & HUMAN_IN_THE_LOOP:
                gates += self.human_in_the_loop(item)
            elif callee & set(ctx.rulesets.builtin_index()):
                tools.append(ev.evaluate(item, scope, tools=True))
        return tools, gates, False

    def human_in_the_loop(self, call: cst.Call) -> list[tuple[str, Gate]]:
        ctx = self.ctx
        config = keyword(call, "interrupt_on") or positional(call, 0)
        if not isinstance(config, cst.Dict):
            if config is not None:
                ctx.diagnose(call, "unresolved-gate", "HumanInTheLoopMiddleware interrupt_on is not a literal dict", "info")
            return []
        gates = []
        for tool_name, value in dict_entries(config).items():
            if isinstance(value, cst.Name) and value.value == "False":
                continue
            gates.append((tool_name, Gate("approval", f"HumanInTheLoopMiddleware interrupt_on[{tool_name!r}]", ctx.loc(value))))
        return gates

    def body_gates(self, node: cst.FunctionDef) -> list[Gate]:
        return [Gate("approval", "interrupt() in the tool's body", self.ctx.loc(c)) for c in self.calls_in(node.body, INTERRUPT)[:1]]

    # --- built-in tools ------------------------------------------------------------------------

    def builtin(self, builtin: str, node: cst.CSTNode) -> Value:
        ctx = self.ctx
        entry = ctx.rulesets.builtin_index()[builtin]
        tool = ToolFact(f"{ctx.module_name}.<builtin {builtin}>", entry.tool_name, entry.framework, ctx.loc(node), builtin=builtin)
        return Ref(ctx.add_tool(tool), ctx.loc(node))

    def load_tools(self, ev, call: cst.Call, scope) -> Value:
        ctx = self.ctx
        names = argument(call, ((0, "tool_names"),))
        self.flag_hygiene(call, DANGEROUS_FLAGS, "load_tools")
        by_name = {t.tool_name: t for t in ctx.rulesets.builtin_tools if t.framework == FRAMEWORK}
        if not isinstance(names, (cst.List, cst.Tuple)):
            return Opaque("load_tools() of names not known statically", ctx.loc(call))
        found: list[Value] = []
        for element in names.elements:
            name = string_value(element.value)
            if name in by_name:
                found.append(self.builtin(by_name[name].names[0], element.value))
            else:
                found.append(Opaque(f"load_tools name {name!r} is not in the catalog", ctx.loc(element.value)))
        return Items(tuple(found))

    # --- graphs --------------------------------------------------------------------------------

    def graph(self, ev, call: cst.Call, scope, target: str | None) -> Value:
        ctx = self.ctx
        ev.evaluate_arguments(call, scope)
        if id(call) not in self.graphs:
            graph_id = target or f"{ctx.module_name}.<graph {ctx.loc(call).line}>"
            self.graphs[id(call)] = Graph(graph_id, graph_id.rsplit(".", 1)[-1], ctx.loc(call), scope.condition)
        return Ref(self.graphs[id(call)].id, ctx.loc(call))

    def graph_of(self, receiver: cst.BaseExpression) -> Graph | None:
        if isinstance(receiver, cst.Call):
            return self.graphs.get(id(receiver))
        if not isinstance(receiver, cst.Name):
            return None
        for assignment in self.ctx.assignments(receiver):
            value = self.ctx.declarations.assigned.get(id(assignment.node))
            if value is not None and id(value) in self.graphs:
                return self.graphs[id(value)]
        return None

    def add_node(self, ev, call: cst.Call, scope) -> Value:
        ctx = self.ctx
        graph = self.graph_of(call.func.value) if isinstance(call.func, cst.Attribute) else None
        first, second = positional(call, 0), positional(call, 1) or keyword(call, "action")
        name, action = (string_value(first), second) if second is not None else (None, first)
        if graph is None or action is None:
            ev.evaluate_arguments(call, scope)
            return Opaque("add_node on a graph not known statically", ctx.loc(call))
        is_tool_node = isinstance(action, cst.Call) and set(ctx.callee_names(action.func)) & TOOL_NODES
        value = ev.evaluate(action, scope, tools=bool(is_tool_node))
        if is_tool_node:
            graph.tool_nodes[name or string_value(keyword(action, "name")) or "tools"] = value
        elif isinstance(action, cst.Name) and ctx.assignments_of_kind(action, cst.FunctionDef):
            if isinstance(value, Ref) and value.qualname in ctx.function_nodes:
                graph.hand.functions[name or action.value] = value.qualname
        else:
            graph.members.append(value)
        return Opaque("graph node", ctx.loc(call))

    def add_edge(self, ev, call: cst.Call, scope, conditional: bool) -> Value:
        ev.evaluate_arguments(call, scope)
        graph = self.graph_of(call.func.value) if isinstance(call.func, cst.Attribute) else None
        if graph is not None:
            hand.record_edge(graph.hand, call, conditional)
        return Opaque("graph edge", self.ctx.loc(call))

    def consume_bound(self, model: cst.BaseExpression | None) -> None:
        """The model handed to a prebuilt agent: the agent holds the tools, not the bound model."""
        calls = {id(model)} if isinstance(model, cst.Call) else set()
        if isinstance(model, cst.Name):
            calls = {id(self.ctx.declarations.assigned.get(id(a.node))) for a in self.ctx.assignments(model)}
        for bound in self.bound:
            bound.consumed = bound.consumed or bound.call_id in calls

    def compile(self, ev, call: cst.Call, scope, target: str | None = None) -> Value:
        ctx = self.ctx
        ev.evaluate_arguments(call, scope)
        graph = self.graph_of(call.func.value) if isinstance(call.func, cst.Attribute) else None
        if graph is None:
            return Opaque("compile() of a graph not known statically", ctx.loc(call))
        graph.name = string_value(keyword(call, "name")) or (target.rsplit(".", 1)[-1] if target else graph.name)
        interrupts = keyword(call, "interrupt_before")
        if interrupts is not None:
            graph.interrupt_place = ctx.loc(interrupts)
            graph.interrupt_all = string_value(interrupts) == "*"
            graph.interrupts |= set(string_list(interrupts) or [])
        return Ref(graph.id, ctx.loc(call))

    def finish(self, interpreter) -> None:
        ctx = self.ctx
        for graph in self.graphs.values():
            hand_gates = self.hand_written(graph)
            gates = ()
            interrupted = graph.interrupt_all or (graph.tool_nodes and set(graph.tool_nodes) <= graph.interrupts)
            if interrupted and graph.interrupt_place is not None:
                detail = "interrupt_before=" + ("'*'" if graph.interrupt_all else repr(sorted(graph.interrupts)))
                gates = (("*", Gate("approval", detail, graph.interrupt_place)),)
            elif graph.interrupts & set(graph.tool_nodes):
                ctx.diagnose(None, "partial-gate", f"graph {graph.name}: only some tool nodes are interrupted; no gate recorded", "info")
            tools = (Items(tuple(graph.tool_nodes.values())),) if graph.tool_nodes else ()
            gates = tuple(sorted(set(gates) | set(hand_gates)))
            ctx.add_agent(AgentFact(graph.id, graph.name, GRAPH_FRAMEWORK, graph.location, tools, (), graph.condition, gates))
            if graph.members:
                members = (Ref(graph.id, graph.location), *graph.members)
                self.link("shared-context", Items(members), None, _Scope(graph.condition), location=graph.location)
        for bound in hand.standalone(self.bound):
            name = (bound.target or bound.owner).rsplit(".", 1)[-1] if bound.target or bound.in_function else ctx.module_name
            agent_id = bound.target or f"{bound.owner}.<bound model>"
            ctx.add_agent(AgentFact(agent_id, name, FRAMEWORK, bound.location, (bound.tools,), (), bound.condition))

    def hand_written(self, graph: Graph) -> list[tuple[str, Gate]]:
        return hand.attach(self.ctx, graph, self.bound, INTERRUPT)


@dataclass
class _Scope:
    condition: tuple

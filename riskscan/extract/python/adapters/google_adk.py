"""Google ADK (package `google-adk`): `LlmAgent` / `Agent(name=..., tools=[...], sub_agents=[...],
code_executor=..., before_tool_callback=...)`, the workflow agents `SequentialAgent`,
`ParallelAgent` and `LoopAgent(sub_agents=[...])`, ADK 2's graph `Workflow(edges=[...])`,
`FunctionTool(func, require_confirmation=...)`, `LongRunningFunctionTool(func)`,
`AuthenticatedFunctionTool(func=...)`, plain functions in a tools list (ADK wraps them in a
`FunctionTool`), `BaseTool` subclasses (`run_async`), `AgentTool(agent=...)` (agent-as-tool, also
run from a function's body as `AgentTool(agent=x).run_async(...)`), `toolset.get_tools()` and
`RemoteA2aAgent`; built-in tools, code executors and MCP toolsets are google_adk_tools.py's.

Context: an agent's `sub_agents` are the agents it may transfer the conversation to
(`transfer_to_agent`); they see the session's events, and control comes back to the parent (also
with `disallow_transfer_to_parent`, which only moves the return to the next turn; a sub-agent in
`task` / `single_turn` mode is delegated to like a tool and answers back): a `transfer` flow both
ways, peers reaching each other through the parent. The sub-agents of a workflow agent and the
nodes of a `Workflow` run on one session: its events and its state (`output_key`, `{key}` in
instructions) are one shared context. (A `ParallelAgent`'s branches do not see each other's events
during one run, but share its state and every later turn: riskscan keeps them one context.)

Gates: `require_confirmation=True` or a callable on a `FunctionTool`, and
`tool_context.request_confirmation(...)` in a tool's body (the call waits for the user's answer),
are approval gates; a `before_tool_callback` of this file that returns a result (ADK then skips the
tool) is a guardrail gate naming the callback, on the tools whose `tool.name` it tests (every tool
when it does not test one); a callback that always returns None cannot stop a call and is only
noted, as is one defined in another module (google_adk_callbacks.py). A `ToolContext` (or
`Context`) parameter, or one named `tool_context`, is ADK's, not the model's. Names are those of
google-adk 2.13.0 (google/adk/__init__.py, agents/, tools/, workflow/).
"""

from __future__ import annotations

from dataclasses import replace

from riskscan.extract.python.adapters import google_adk_tools as adk_tools
from riskscan.extract.python.adapters.declarations import tool_parameters
from riskscan.extract.python.adapters.frameworks import (
    AgentSpec,
    FrameworkAdapter,
    Specs,
    ToolClassSpec,
    WrapperSpec,
    code,
)
from riskscan.extract.python.adapters.google_adk_callbacks import callback_gates
from riskscan.extract.python.parameters import named_function
from riskscan.extract.python.syntax import cst, find_nodes
from riskscan.extract.python.values import (
    keyword,
    positional,
    string_value,
)
from riskscan.types import AgentFact, Gate, Items, Opaque, Ref, ToolFact, Value, When

FRAMEWORK = adk_tools.FRAMEWORK
LLM_AGENTS = frozenset(
    {"google.adk.Agent", "google.adk.agents.Agent", "google.adk.agents.LlmAgent", "google.adk.agents.llm_agent.Agent", "google.adk.agents.llm_agent.LlmAgent"}
)
WORKFLOW_AGENTS = frozenset(
    f"google.adk.agents.{module}{name}"
    for name, defined in (("SequentialAgent", "sequential_agent"), ("ParallelAgent", "parallel_agent"), ("LoopAgent", "loop_agent"))
    for module in ("", f"{defined}.")
)
WORKFLOWS = frozenset({"google.adk.Workflow", "google.adk.workflow.Workflow", "google.adk.workflow._workflow.Workflow"})
EDGES = frozenset({"google.adk.workflow.Edge", "google.adk.workflow._graph.Edge"})
AGENT_TOOLS = frozenset({"google.adk.tools.AgentTool", "google.adk.tools.agent_tool.AgentTool"})
BASE_AGENTS = frozenset({"google.adk.agents.BaseAgent", "google.adk.agents.base_agent.BaseAgent"})
_FUNCTION_TOOL = WrapperSpec(FRAMEWORK, function=((0, "func"),), name=(), description=())
SPECS = Specs(
    agents={name: AgentSpec(FRAMEWORK, tools=((None, "tools"),), routes=((None, "sub_agents"),)) for name in LLM_AGENTS},
    wrappers={
        name: _FUNCTION_TOOL
        for name in (
            "google.adk.tools.FunctionTool", "google.adk.tools.function_tool.FunctionTool",
            "google.adk.tools.LongRunningFunctionTool", "google.adk.tools.long_running_tool.LongRunningFunctionTool",
            "google.adk.tools.authenticated_function_tool.AuthenticatedFunctionTool",
        )
    },
    tool_classes={name: ToolClassSpec(FRAMEWORK, ("run_async",)) for name in ("google.adk.tools.BaseTool", "google.adk.tools.base_tool.BaseTool")},
)
CONTEXT_TYPES = frozenset(
    {"google.adk.tools.ToolContext", "google.adk.tools.tool_context.ToolContext", "google.adk.Context", "google.adk.agents.Context",
     "google.adk.agents.context.Context", "google.adk.agents.callback_context.CallbackContext", "google.adk.tools.tool_context.CallbackContext"}
)
CONTEXT_NAMES = ("tool_context", "input_stream")  # FunctionTool's fallback context name, and its stream


class GoogleAdk(FrameworkAdapter):
    frameworks = (FRAMEWORK,)
    specs = SPECS
    more_calls = WORKFLOW_AGENTS | WORKFLOWS | AGENT_TOOLS | adk_tools.MCP_NAMES | adk_tools.WRAPPERS | adk_tools.REMOTE_AGENTS
    more_triggers = BASE_AGENTS | adk_tools.BASH_POLICY | CONTEXT_TYPES  # a function taking ToolContext may confirm
    context_types = CONTEXT_TYPES

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.confirming: set[str] = set()  # tools made of functions that confirm or run an agent
        self.local_tools: set[str] = set()  # agent tools made inside a function
        self.builtins = frozenset(adk_tools.catalog(ctx))

    def claims_more(self, callee: tuple[str, ...]) -> bool:
        names = set(callee)
        return bool(names & self.more_calls or names & self.builtins)

    def evaluate_more(self, ev, call, callee, scope, target, tools) -> Value | None:
        names = set(callee)
        if names & WORKFLOW_AGENTS:
            return self.workflow_agent(ev, call, scope, target)
        if names & WORKFLOWS:
            return self.workflow(ev, call, scope, target)
        if names & AGENT_TOOLS:
            return self.agent_tool(ev, call, scope, target)
        if names & adk_tools.TOOLSETS:
            return adk_tools.mcp_toolset(self, ev, call, scope, target)
        if names & (adk_tools.MCP_NAMES - adk_tools.TOOLSETS):
            ev.evaluate_arguments(call, scope)
            return Opaque("MCP connection parameters", self.ctx.loc(call))
        if names & adk_tools.REMOTE_AGENTS:
            return adk_tools.remote_agent(self, ev, call, scope, target)
        if tools and isinstance(call.func, cst.Attribute) and call.func.attr.value == "get_tools" and not names & set(self.ctx.rulesets.builtin_index()):
            return self.toolset_tools(ev, call, scope)
        return adk_tools.called_builtin(self, ev, call, names, scope, tools)

    def toolset_tools(self, ev, call: cst.Call, scope) -> Value | None:
        """`tools=toolset.get_tools()`: the toolset's tools, when the toolset is a name of the
        project (the model stage resolves it to its tool); a toolkit whose `get_tools` is
        catalogued (LangChain's) is its framework's."""
        assert isinstance(call.func, cst.Attribute)
        node = call.func.value
        names = self.ctx.names_of(node) if isinstance(node, (cst.Name, cst.Attribute)) else ()
        callee = self.ctx.callee_names(call.func)  # typed by its instance: an ADK toolset's, or unknown
        if not (names and self.ctx.is_project(names[0])) or not all(self.ctx.is_project(n) or n.startswith("google.adk.") for n in callee):
            return None
        receiver = ev.evaluate(node, scope)
        ev.evaluate_arguments(call, scope)
        return receiver

    def finish(self, interpreter) -> None:
        """Bare built-ins become their tools; a confirming function this file only uses wrapped
        (`FunctionTool(f)`) is no tool of its own, nor an `AgentTool` a function makes only to
        run it (the function is the tool, running the agent)."""
        ctx = self.ctx
        adk_tools.replace_bare_builtins(ctx)
        held = set(_refs((*[v for a in ctx.agents.values() for v in a.tools], *[b.value for b in ctx.bindings.values()])))
        for tool_id in sorted(self.confirming - held):
            if any(t.function == tool_id and t.id != tool_id for t in ctx.tools.values()):
                del ctx.tools[tool_id]
        for tool_id in sorted(self.local_tools - held):
            del ctx.tools[tool_id]

    def link(self, kind, members, node, scope, source=None, both_ways=True, location=None) -> None:
        """An LLM agent's sub-agents are its transfer targets, each handing back (the frameworks
        module names such members `supervisor`)."""
        super().link("transfer" if kind == "supervisor" else kind, members, node, scope, source, both_ways, location)

    # --- agents --------------------------------------------------------------------------------

    def agent(self, ev, call, spec, scope, target, name=None) -> Value:
        value = super().agent(ev, call, spec, scope, target, name)
        if isinstance(value, Ref) and value.qualname in self.ctx.agents:
            fact = self.ctx.agents[value.qualname]
            self.ctx.agents[value.qualname] = replace(fact, tools=tuple(self.function_tools(v) for v in fact.tools))
        return value

    def agent_extras(self, ev, call, spec, scope, agent_id, name):
        tools = adk_tools.code_executor_tool(self, call, agent_id, name)
        return tools, callback_gates(self.ctx, call), False

    def workflow_agent(self, ev, call: cst.Call, scope, target: str | None) -> Value:
        """`SequentialAgent(name=..., sub_agents=[...])`: the agent and its sub-agents, one context."""
        members_node = keyword(call, "sub_agents")
        for arg in call.args:
            if arg.value is not members_node:
                ev.evaluate(arg.value, scope)
        members = ev.evaluate(members_node, scope) if members_node is not None else Items(())
        return self.shared(call, members, scope, target, string_value(keyword(call, "name")))

    def workflow(self, ev, call: cst.Call, scope, target: str | None) -> Value:
        """`Workflow(name=..., edges=[(START, a, b), (b, {"route": c})])`: every node on one session."""
        edges = keyword(call, "edges")
        for arg in call.args:
            if arg.value is not edges:
                ev.evaluate(arg.value, scope)
        nodes = [ev.evaluate(leaf, scope) for leaf in _edge_nodes(self.ctx, edges)] if edges is not None else []
        if edges is not None and not isinstance(edges, (cst.List, cst.Tuple)):
            self.ctx.diagnose(edges, "unresolved-member", "the edges of a Workflow are not a list written out; its nodes are not known", "info")
        members = [n for n in nodes if not (isinstance(n, Opaque) or (isinstance(n, Ref) and n.qualname.startswith("google.adk.")))]
        members = [n for i, n in enumerate(members) if not (isinstance(n, Ref) and any(isinstance(m, Ref) and m.qualname == n.qualname for m in members[:i]))]
        return self.shared(call, Items(tuple(members)), scope, target, string_value(keyword(call, "name")))

    def shared(self, call: cst.Call, members: Value, scope, target: str | None, name: str | None) -> Value:
        ctx = self.ctx
        name = name or (target.rsplit(".", 1)[-1] if target else "workflow")
        agent_id = ctx.add_agent(AgentFact(target or f"{ctx.module_name}.<agent {name}>", name, FRAMEWORK, ctx.loc(call), condition=scope.condition))
        items = members.items if isinstance(members, Items) else (members,)
        self.link("shared-context", Items((Ref(agent_id, ctx.loc(call)), *items)), call, scope)
        return Ref(agent_id, ctx.loc(call))

    def observe_statement(self, interpreter, node, scope) -> None:
        super().observe_statement(interpreter, node, scope)
        if isinstance(node, cst.ClassDef) and {n for b in node.bases for n in self.ctx.names_of(b.value)} & BASE_AGENTS:
            self.ctx.diagnose(node.name, "custom-agent", f"custom agent class {node.name.value}: which agents its _run_async_impl runs, and with what context, is not read", "info")

    # --- tools ---------------------------------------------------------------------------------

    def function_tools(self, value: Value) -> Value:
        """Plain functions of this file in a tools list: ADK wraps each in a FunctionTool."""
        ctx = self.ctx
        if isinstance(value, Items):
            return Items(tuple(self.function_tools(item) for item in value.items))
        if isinstance(value, When):
            return When(self.function_tools(value.value), value.condition)
        if isinstance(value, Ref) and value.qualname not in ctx.tools:
            node = ctx.function_nodes.get(value.qualname)
            if node is not None and id(node) not in ctx.declarations.method_class:
                tool_id = self.function_tool(value.qualname, value.qualname, node, None, FRAMEWORK, (), (), ctx.loc(node.name))
                return Ref(tool_id, value.location)
        return value

    def wrapped_tool(self, ev, call, spec, scope, target, options=None) -> Value:
        """`FunctionTool(load_web_page)` of a catalogued ADK function is that built-in tool."""
        function_node = keyword(call, "func") or positional(call, 0)
        function = ev.evaluate(function_node, scope) if function_node is not None else None
        if named_function(function) and isinstance(function, Ref) and function.qualname in adk_tools.catalog(self.ctx):
            ev.evaluate_arguments(call, scope)
            gates = adk_tools.confirmation_gates(self.ctx, keyword(call, "require_confirmation"))
            return adk_tools.builtin_tool(self.ctx, function.qualname, call, gates)
        return super().wrapped_tool(ev, call, spec, scope, target, options)

    def option_gates(self, options: cst.Call | None) -> list[Gate]:
        return list(adk_tools.confirmation_gates(self.ctx, keyword(options, "require_confirmation"))) if options is not None else []

    def on_function(self, interpreter, node, fact, scope) -> None:
        """A function that asks for a confirmation through its tool context, or runs an agent
        through `AgentTool(agent=...).run_async(...)`, is a tool wherever it is held (another
        module's tools list too): it carries its gate, or the agent it runs."""
        super().on_function(interpreter, node, fact, scope)
        if fact.qualname in self.ctx.tools or id(node) in self.ctx.declarations.method_class:
            return
        if self.body_gates(node) or self.agents_run_in(node):
            self.confirming.add(self.function_tool(fact.qualname, fact.qualname, node, None, FRAMEWORK, (), (), self.ctx.loc(node.name)))

    def function_tool(self, tool_id, function, node, options, framework, name_places, description_places, location) -> str:
        tool_id = super().function_tool(tool_id, function, node, options, framework, name_places, description_places, location)
        if node is not None:
            fact = self.ctx.tools[tool_id]
            skipped = {p for p in CONTEXT_NAMES if p in fact.params} if not self._has_typed_context(node) else {"input_stream"}
            called = self.agents_run_in(node)
            invokes = (called[0] if len(called) == 1 else Items(tuple(called))) if called else fact.invokes
            self.ctx.tools[tool_id] = replace(fact, params=tuple(p for p in fact.params if p not in skipped), invokes=invokes)
        return tool_id

    def agents_run_in(self, node: cst.FunctionDef) -> list[Value]:
        """The agents a function's body runs as `AgentTool(agent=x).run_async(...)` (x a name of
        the module or an import; the model stage checks that it is an agent)."""
        ctx = self.ctx
        calls = find_nodes(node.body, cst.Call)
        if not any(isinstance(c.func, cst.Attribute) and c.func.attr.value == "run_async" for c in calls):
            return []
        found: list[Value] = []
        for call in calls:
            if set(ctx.callee_names(call.func)) & AGENT_TOOLS:
                agent = keyword(call, "agent") or positional(call, 0)
                found += [Ref(name, ctx.loc(call)) for name in self._agent_names(agent, 3)]
        return found

    def _agent_names(self, node: cst.BaseExpression | None, depth: int) -> list[str]:
        """The module-level names an expression may stand for: itself, either branch of a
        conditional, what a local variable was assigned."""
        ctx = self.ctx
        if isinstance(node, cst.IfExp) and depth:
            return self._agent_names(node.body, depth - 1) + self._agent_names(node.orelse, depth - 1)
        if not isinstance(node, (cst.Name, cst.Attribute)) or (isinstance(node, cst.Name) and node.value == "None"):
            return []
        names = ctx.names_of(node)
        if names and "<locals>" not in names[0]:
            return [names[0]]
        if isinstance(node, cst.Name) and depth:
            values = [ctx.declarations.assigned.get(id(a.node)) for a in ctx.assignments(node)]
            return [name for value in values if value is not None for name in self._agent_names(value, depth - 1)]
        return []

    def _has_typed_context(self, node: cst.FunctionDef) -> bool:
        return len(tool_parameters(self.ctx, node, CONTEXT_TYPES)) < len(tool_parameters(self.ctx, node, frozenset()))

    def body_gates(self, node: cst.FunctionDef) -> list[Gate]:
        """`tool_context.request_confirmation(...)`: the call waits for the user to confirm."""
        params = node.params.posonly_params + node.params.params + node.params.kwonly_params
        typed = set(tool_parameters(self.ctx, node, frozenset())) - set(tool_parameters(self.ctx, node, CONTEXT_TYPES))
        context = typed or {p.name.value for p in params if p.name.value == "tool_context"}
        for call in find_nodes(node.body, cst.Call):
            func = call.func
            if isinstance(func, cst.Attribute) and func.attr.value == "request_confirmation" and isinstance(func.value, cst.Name) and func.value.value in context:
                return [Gate("approval", f"{func.value.value}.request_confirmation() in the tool's body", self.ctx.loc(call))]
        return []

    def agent_tool(self, ev, call: cst.Call, scope, target: str | None) -> Value:
        """`AgentTool(agent=researcher)`: a tool named after the agent that runs it."""
        ctx = self.ctx
        agent_node = keyword(call, "agent") or positional(call, 0)
        for arg in call.args:
            if arg.value is not agent_node:
                ev.evaluate(arg.value, scope)
        invokes = ev.evaluate(agent_node, scope) if agent_node is not None else Opaque("AgentTool without an agent", ctx.loc(call))
        agent = ctx.agents.get(invokes.qualname) if isinstance(invokes, Ref) else None
        name = agent.name if agent is not None else (code(ctx, agent_node).rsplit(".", 1)[-1] if agent_node is not None else "agent")
        tool_id = ctx.add_tool(ToolFact(target or f"{ctx.module_name}.<agent tool {name}>", name, FRAMEWORK, ctx.loc(call), invokes=invokes))
        if scope.kind == "function":
            self.local_tools.add(tool_id)
        return Ref(tool_id, ctx.loc(call))


def _refs(values) -> list[str]:
    """The qualified names of the references in these values, at any depth."""
    found: list[str] = []
    for value in values:
        if isinstance(value, Ref):
            found.append(value.qualname)
        elif isinstance(value, Items):
            found += _refs(value.items)
        elif isinstance(value, When):
            found += _refs((value.value,))
    return found


def _edge_nodes(ctx, edges: cst.BaseExpression | None):
    """The nodes named in a Workflow's edges: the elements of each chain tuple, the values of a
    routing dict, the ends of an `Edge(from_node=..., to_node=...)`."""
    if isinstance(edges, (cst.List, cst.Tuple, cst.Set)):
        for element in edges.elements:
            yield from _edge_nodes(ctx, element.value)
    elif isinstance(edges, cst.Dict):
        for element in edges.elements:
            if isinstance(element, cst.DictElement):
                yield from _edge_nodes(ctx, element.value)
    elif isinstance(edges, cst.Call) and set(ctx.callee_names(edges.func)) & EDGES:
        for arg in edges.args:
            if arg.keyword is not None and arg.keyword.value in ("from_node", "to_node"):
                yield from _edge_nodes(ctx, arg.value)
    elif edges is not None:
        yield edges

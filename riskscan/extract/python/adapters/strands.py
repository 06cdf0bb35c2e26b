"""Strands Agents: `Agent(tools=[...])` with `@tool` functions (and `tool(f)`), module-based tools
(a module with `TOOL_SPEC` and its function, or a module of `@tool` functions, passed as the
module), the tools the SDK vends (`strands.vended_tools`) and those of strands-agents-tools
(`from strands_tools import shell`, then `tools=[shell]`, or the string `"strands_tools.shell"`),
catalogued in rulesets/builtin_tools_strands.yaml; a tool named by a file path
(`tools=["./tools/x.py"]`, `load_tools_from_directory=True`) is loaded at run time and reported as
such. MCP servers through `MCPClient(...)` (strands_mcp.py). Agents as tools: an agent in the tools
list (the SDK wraps it with `as_tool()`), `agent.as_tool(...)`, and a `@tool` whose body calls an
agent (`agent(query)`, `agent.invoke_async(...)`). Teams: `Swarm([...])` (the nodes share one
context: each handoff carries it), `GraphBuilder` (`add_node`, then `add_edge(a, b)` hands a's
output to b). An `Agent(sandbox=DockerSandbox(...))` runs the sandbox-routed vended tools in that
sandbox and holds the sandbox's own `sandbox_shell` and `sandbox_file_editor`. Gates are
strands_gates.py's. Names are those of strands-agents 1.62 and strands-agents-tools 0.8.10.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from riskscan.extract.python.adapters import strands_gates, strands_mcp
from riskscan.extract.python.adapters.declarations import canonical_schema, dict_entries
from riskscan.extract.python.adapters.frameworks import (
    AgentSpec,
    DecoratorSpec,
    FrameworkAdapter,
    Specs,
    TeamSpec,
    WrapperSpec,
    argument,
    is_true,
)
from riskscan.extract.python.syntax import cst, find_nodes
from riskscan.extract.python.values import INSTANCE, keyword, positional, string_value
from riskscan.types import (
    AgentFact,
    Binding,
    Gate,
    Items,
    Location,
    Opaque,
    Ref,
    ToolFact,
    Value,
    When,
)

FRAMEWORK = "strands"
AGENTS = frozenset({"strands.Agent", "strands.agent.Agent", "strands.agent.agent.Agent"})
TOOL = ("strands.tool", "strands.tools.tool", "strands.tools.decorator.tool")
SPECS = Specs(
    agents={name: AgentSpec(FRAMEWORK, tools=((2, "tools"),)) for name in AGENTS},
    wrappers={name: WrapperSpec(FRAMEWORK, function=((0, "func"),)) for name in TOOL},
    decorators={name: DecoratorSpec(FRAMEWORK, name=((None, "name"),), description=((None, "description"),)) for name in TOOL},
    teams={name: TeamSpec(FRAMEWORK, members=((0, "nodes"),)) for name in ("strands.multiagent.Swarm", "strands.multiagent.swarm.Swarm")},
)
AS_TOOL = frozenset(f"{agent}.as_tool" for agent in AGENTS)
GRAPH_BUILDERS = frozenset({"strands.multiagent.GraphBuilder", "strands.multiagent.graph.GraphBuilder"})
ADD_NODE = frozenset(f"{b}.add_node" for b in GRAPH_BUILDERS)
ADD_EDGE = frozenset(f"{b}.add_edge" for b in GRAPH_BUILDERS)
# the agent methods that run it, besides calling it (`agent(prompt)`)
RUN_METHODS = frozenset({"invoke_async", "stream_async", "structured_output", "structured_output_async"})
# sandboxes that isolate (strands/sandbox/docker.py, ssh.py), and the vended tools that run in the agent's sandbox
SANDBOXES = frozenset({"strands.sandbox.docker.DockerSandbox", "strands.sandbox.ssh.SshSandbox"})
SANDBOX_ROUTED = frozenset({"strands.vended_tools.shell", "strands.vended_tools.python_repl", "strands.vended_tools.file_editor"})
SANDBOX_VENDED = (("sandbox_shell", "strands.vended_tools.make_shell"), ("sandbox_file_editor", "strands.vended_tools.make_file_editor"))
CONTEXT_TYPES = frozenset({"strands.ToolContext", "strands.types.tools.ToolContext"})
# strands_tools classes whose instance holds the tool in an attribute (`LocalChromiumBrowser().browser`)
TOOL_ATTRIBUTES = {
    "strands_tools.browser.LocalChromiumBrowser": "browser", "strands_tools.browser.local_chromium_browser.LocalChromiumBrowser": "browser",
    "strands_tools.browser.AgentCoreBrowser": "browser", "strands_tools.browser.agent_core_browser.AgentCoreBrowser": "browser",
    "strands_tools.code_interpreter.AgentCoreCodeInterpreter": "code_interpreter",
    "strands_tools.code_interpreter.agent_core_code_interpreter.AgentCoreCodeInterpreter": "code_interpreter",
    "strands_tools.a2a_client.A2AClientToolProvider": "tools", "strands_tools.agent_core_memory.AgentCoreMemoryToolProvider": "tools",
}


@dataclass
class _Graph:
    nodes: dict[str, Value] = field(default_factory=dict)  # node id -> the agent


@dataclass
class _Pending:
    """What an agent's gates depend on, read once the whole file is (the hook functions may come
    after the agent)."""

    agent_id: str
    hooks: cst.BaseExpression | None
    interventions: cst.BaseExpression | None


class Strands(FrameworkAdapter):
    frameworks = (FRAMEWORK,)
    specs = SPECS
    more_calls = AS_TOOL | GRAPH_BUILDERS | ADD_NODE | ADD_EDGE | strands_mcp.MCP_CLIENTS | strands_mcp.LIST_TOOLS
    more_triggers = strands_gates.HITL | strands_gates.BEFORE_TOOL_EVENTS | SANDBOXES
    context_types = CONTEXT_TYPES

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.graphs: dict[int, _Graph] = {}  # id(GraphBuilder call) -> its nodes
        self.pending: list[_Pending] = []
        self.catalog = ctx.rulesets.builtins_of(FRAMEWORK)

    def evaluate_more(self, ev, call, callee, scope, target, tools) -> Value | None:
        names = set(callee)
        if names & AS_TOOL:
            return self.agent_as_tool(ev, call, scope, target)
        if names & strands_mcp.MCP_CLIENTS:
            return strands_mcp.mcp_client(self, ev, call, scope, target)
        if names & strands_mcp.LIST_TOOLS:
            ev.evaluate_arguments(call, scope)
            return ev.evaluate(call.func.value, scope)  # the client's tools
        if names & GRAPH_BUILDERS:
            ev.evaluate_arguments(call, scope)
            self.graphs.setdefault(id(call), _Graph())
            return Opaque("a Strands GraphBuilder", self.ctx.loc(call))
        if names & ADD_NODE:
            return self.add_node(ev, call, scope)
        if names & ADD_EDGE:
            return self.add_edge(ev, call, scope)
        builtin = next((n for n in callee if n in self.catalog), None)
        if builtin is None:
            return None
        ev.evaluate_arguments(call, scope)
        if builtin in TOOL_ATTRIBUTES:  # `LocalChromiumBrowser()`: its attribute is the tool
            return Ref(builtin + INSTANCE, self.ctx.loc(call))
        # make_shell(...), make_http_request(client=...)
        return self.builtin(builtin, self.ctx.loc(call), self.sandbox_gates(keyword(call, "sandbox"), builtin))

    # --- agents --------------------------------------------------------------------------------

    def agent(self, ev, call, spec, scope, target, name=None) -> Value:
        ctx = self.ctx
        name = string_value(keyword(call, "name")) or (target.rsplit(".", 1)[-1] if target else "Strands Agents")
        tools_node = argument(call, spec.tools)
        sandbox = keyword(call, "sandbox")
        sandbox_gates = self.sandbox_gates(sandbox, None)
        tools = [self.tools_value(ev, tools_node, scope, sandbox_gates)] if tools_node is not None else []
        for arg in call.args:
            if arg.value is not tools_node:
                ev.evaluate(arg.value, scope)
        if sandbox_gates:
            tools += [self.builtin(builtin, ctx.loc(sandbox), sandbox_gates, shown) for shown, builtin in SANDBOX_VENDED]
            if tools_node is not None and not isinstance(tools_node, (cst.List, cst.Tuple)):
                ctx.diagnose(tools_node, "partial-gate", "the agent's sandbox runs its shell, python_repl and file_editor, but its tools list is not written here; no sandbox gate recorded on them", "info")
        if is_true(keyword(call, "load_tools_from_directory")):
            ctx.diagnose(call, "tools-loaded-at-run-time", "load_tools_from_directory=True loads every tool of ./tools/ at run time; not read", "warning")
        agent_id = target or f"{ctx.module_name}.<agent {name}>"
        agent_id = ctx.add_agent(AgentFact(agent_id, name, FRAMEWORK, ctx.loc(call), tuple(tools), (), scope.condition))
        self.pending.append(_Pending(agent_id, keyword(call, "hooks"), keyword(call, "interventions")))
        return Ref(agent_id, ctx.loc(call))

    def tools_value(self, ev, node: cst.BaseExpression, scope, sandbox_gates: tuple[Gate, ...] = ()) -> Value:
        """A tools argument: strings name tools to load (a catalogued module, or a file loaded at
        run time), the rest evaluates as values, catalogued modules becoming built-in tools."""
        if not isinstance(node, (cst.List, cst.Tuple)):
            return self.with_builtins(ev.evaluate(node, scope, tools=True), sandbox_gates)
        items: list[Value] = []
        for element in node.elements:
            text = string_value(element.value)
            if text is not None:
                items.append(self.named_tool(text, element.value))
                continue
            value = self.attribute_tool(element.value) or self.with_builtins(ev.evaluate(element.value, scope, tools=True), sandbox_gates)
            spread = isinstance(element, cst.StarredElement) and isinstance(value, Items)
            items += value.items if spread else [value]
        return Items(tuple(items))

    def named_tool(self, text: str, node: cst.BaseExpression) -> Value:
        module = text.split(":", 1)[0]
        if module in self.catalog:
            return self.builtin(module, self.ctx.loc(node))
        return Opaque(f"the tool {text!r} is loaded by name at run time and not read", self.ctx.loc(node))

    def attribute_tool(self, node: cst.BaseExpression) -> Value | None:
        """`browser.browser` where `browser = LocalChromiumBrowser()`: the catalogued tool."""
        if not isinstance(node, cst.Attribute):
            return None
        owner = next((c for c in self.ctx.instance_types(node.value) if TOOL_ATTRIBUTES.get(c) == node.attr.value), None)
        return self.builtin(owner, self.ctx.loc(node)) if owner is not None else None

    def sandbox_gates(self, node: cst.BaseExpression | None, builtin: str | None) -> tuple[Gate, ...]:
        """The sandbox gate of `sandbox=DockerSandbox(...)` / `SshSandbox(...)`, on an agent or on a
        factory of a sandbox-routed vended tool (`make_shell(sandbox=...)`)."""
        if node is None or (builtin is not None and self.catalog[builtin].names[0] not in SANDBOX_ROUTED):
            return ()
        kinds = set(self.ctx.instance_types(node)) & SANDBOXES
        if not kinds:
            if not (isinstance(node, cst.Name) and node.value == "None"):
                self.ctx.diagnose(node, "unresolved-sandbox", f"sandbox={self.ctx.module.code_for_node(node)} is not a Docker or SSH sandbox known here; no sandbox gate recorded", "info")
            return ()
        return (Gate("sandbox", f"{min(kinds).rsplit('.', 1)[-1]} runs the call away from the host", self.ctx.loc(node)),)

    def agent_as_tool(self, ev, call: cst.Call, scope, target: str | None) -> Value:
        ctx = self.ctx
        invokes = ev.evaluate(call.func.value, scope)
        ev.evaluate_arguments(call, scope)
        name = string_value(keyword(call, "name")) or ""
        tool_id = ctx.add_tool(ToolFact(target or f"{ctx.module_name}.<agent tool {name or ctx.loc(call).line}>", name, FRAMEWORK, ctx.loc(call),
                                        description=string_value(keyword(call, "description")) or "", invokes=invokes))
        return Ref(tool_id, ctx.loc(call))

    # --- built-in tools ------------------------------------------------------------------------

    def builtin(self, name: str, location: Location, gates: tuple[Gate, ...] = (), shown: str | None = None) -> Value:
        """The built-in tool `name` of the catalog, recorded where it is referred to."""
        ctx = self.ctx
        entry = self.catalog[name]
        gates = gates + strands_gates.consent_gate(entry.names[0], location)
        sandboxed = " in a sandbox" if any(g.kind == "sandbox" for g in gates) else ""
        tool = ToolFact(f"{ctx.module_name}.<builtin {shown or name}{sandboxed}>", shown or entry.tool_name, FRAMEWORK, location, builtin=name, gates=gates)
        return Ref(ctx.add_tool(tool), location)

    def with_builtins(self, value: Value, sandbox_gates: tuple[Gate, ...] = ()) -> Value:
        """`value` with every reference to a catalogued tool module or function replaced by the
        built-in tool (a sandbox-routed one in the agent's sandbox when it has one)."""
        if isinstance(value, Items):
            return Items(tuple(self.with_builtins(item, sandbox_gates) for item in value.items))
        if isinstance(value, When):
            return When(self.with_builtins(value.value, sandbox_gates), value.condition)
        if isinstance(value, Ref) and value.qualname.removesuffix(INSTANCE) in self.catalog:
            name = value.qualname.removesuffix(INSTANCE)
            gates = sandbox_gates if self.catalog[name].names[0] in SANDBOX_ROUTED else ()
            return self.builtin(name, value.location, gates)
        return value

    # --- agents as tools ----------------------------------------------------------------------

    def function_tool(self, tool_id, function, node, options, framework, name_places, description_places, location) -> str:
        tool_id = super().function_tool(tool_id, function, node, options, framework, name_places, description_places, location)
        called = self.called_agents(node) if node is not None else []
        if called:
            invokes = called[0] if len(called) == 1 else Items(tuple(called))
            self.ctx.tools[tool_id] = replace(self.ctx.tools[tool_id], invokes=invokes)
        return tool_id

    def called_agents(self, node: cst.FunctionDef) -> list[Value]:
        """The agents a tool's body runs: `agent(prompt)`, `agent.invoke_async(...)`, or one of its
        tools called directly (`agent.tool.python_repl(code=code)`), on an agent of this file
        (made at module level or in the body), or a method called on an agent imported from the
        project (the model stage checks it is one)."""
        ctx = self.ctx
        found: list[Value] = []
        for call in find_nodes(node.body, cst.Call, enter_definitions=True):
            func = call.func
            direct = isinstance(func, cst.Attribute) and isinstance(func.value, cst.Attribute) and func.value.attr.value == "tool"
            method = direct or (isinstance(func, cst.Attribute) and func.attr.value in RUN_METHODS)
            receiver = func.value.value if direct else func.value if method else func
            if not isinstance(receiver, cst.Name):
                continue
            names = ctx.names_of(receiver)
            typed = bool(set(ctx.instance_types(receiver)) & AGENTS) or any(n in ctx.agents for n in names)
            imported = method and bool(ctx.assignments_of_kind(receiver, cst.ImportFrom)) and any(ctx.is_project(n) for n in names)
            if names and (typed or imported):
                found.append(Ref(names[0], ctx.loc(call)))
        return found

    # --- graphs --------------------------------------------------------------------------------

    def builder_of(self, call: cst.Call) -> _Graph | None:
        receiver = call.func.value if isinstance(call.func, cst.Attribute) else None
        bound = strands_mcp.assigned_call(self.ctx, receiver)
        return self.graphs.get(id(bound)) if bound is not None else None

    def add_node(self, ev, call: cst.Call, scope) -> Value:
        graph = self.builder_of(call)
        executor = keyword(call, "executor") or positional(call, 0)
        ev.evaluate_arguments(call, scope)
        if graph is None or executor is None:
            return Opaque("add_node on a GraphBuilder not known statically", self.ctx.loc(call))
        value = ev.evaluate(executor, scope)
        node_id = string_value(keyword(call, "node_id") or positional(call, 1))
        if node_id is not None:
            graph.nodes[node_id] = value
        return value  # the GraphNode stands for its agent in add_edge

    def add_edge(self, ev, call: cst.Call, scope) -> Value:
        graph = self.builder_of(call)
        ends = [keyword(call, "from_node") or positional(call, 0), keyword(call, "to_node") or positional(call, 1)]
        ev.evaluate_arguments(call, scope)
        if graph is None or None in ends:
            return Opaque("add_edge on a GraphBuilder not known statically", self.ctx.loc(call))
        source, target = (graph.nodes.get(string_value(end) or "") or ev.evaluate(end, scope) for end in ends)
        self.link("task-context", target, call, scope, source=source, both_ways=False)
        return Opaque("graph edge", self.ctx.loc(call))

    # --- the file as a whole -------------------------------------------------------------------

    def finish(self, interpreter) -> None:
        ctx = self.ctx
        self.module_tools()
        for name, value in list(ctx.bindings.items()):  # `TOOLS = [shell, file_read]`, a helper's returned list
            if not isinstance(value.value, Ref) or name.endswith(">"):
                ctx.bindings[name] = Binding(name, self.with_builtins(value.value))
        ctx.invocations[:] = [replace(i, arguments=tuple(replace(a, value=self.with_builtins(a.value)) for a in i.arguments))
                              if any(_mentions(a.value, self.catalog) for a in i.arguments) else i for i in ctx.invocations]
        for pending in self.pending:
            agent = ctx.agents[pending.agent_id]
            gates = strands_gates.hook_gates(ctx, pending.hooks)
            gates += strands_gates.intervention_gates(ctx, pending.interventions, self.tool_names(agent))
            if gates:
                ctx.agents[pending.agent_id] = replace(agent, tool_gates=tuple(sorted(set(agent.tool_gates + tuple(gates)))))
        self.drop_bypassed_consent()

    def module_tools(self) -> None:
        """A module is a tool when an agent is handed it: its `@tool` functions, or its TOOL_SPEC
        and the function named after the module. The module's name is bound to them."""
        ctx = self.ctx
        refs = [Ref(t.id, t.location) for t in ctx.tools.values() if t.framework == FRAMEWORK and t.function == t.id and "<locals>" not in t.id
                and t.id.rpartition(".")[0] == ctx.module_name]
        spec = self.tool_spec()
        if spec is not None:
            refs.append(Ref(spec, ctx.tools[spec].location))
        if refs and ctx.module_name not in ctx.bindings:
            ctx.bindings[ctx.module_name] = Binding(ctx.module_name, Items(tuple(refs)))

    def tool_spec(self) -> str | None:
        ctx = self.ctx
        spec = None
        for statement in ctx.module.body:
            for small in statement.body if isinstance(statement, cst.SimpleStatementLine) else ():
                if isinstance(small, cst.Assign) and isinstance(small.value, cst.Dict) and any(
                        isinstance(t.target, cst.Name) and t.target.value == "TOOL_SPEC" for t in small.targets):
                    spec = small.value
        function_name = ctx.module_name.rsplit(".", 1)[-1]
        qualname = f"{ctx.module_name}.{function_name}"
        function = ctx.function_nodes.get(qualname)
        if spec is None or function is None:
            return None
        entries = dict_entries(spec)
        schema = entries.get("inputSchema")
        json_schema = dict_entries(schema).get("json") if isinstance(schema, cst.Dict) else None
        text, params = canonical_schema(json_schema)
        fact = ToolFact(qualname, string_value(entries.get("name")) or function_name, FRAMEWORK, ctx.loc(spec),
                        description=string_value(entries.get("description")) or "", function=qualname, params=params, input_schema=text)
        return ctx.add_tool(fact)

    def tool_names(self, agent: AgentFact) -> list[str] | None:
        """The names of the agent's tools: a tool of this file by its name, a function of another
        module by its own (a `@tool(name=...)` there goes ungated: the worse case); None when a
        tool is not known here."""
        names = []
        for value in agent.tools:
            for item in _flat(value):
                if not isinstance(item, Ref):
                    return None
                tool = self.ctx.tools.get(item.qualname)
                if tool is not None:
                    names.append(self.catalog[tool.builtin].tool_name if tool.builtin in self.catalog else tool.name)
                else:
                    names.append(item.qualname.rsplit(".", 1)[-1])
        return names

    def drop_bypassed_consent(self) -> None:
        """The strands_tools prompts are off when the file sets BYPASS_TOOL_CONSENT (or, for those
        that honour it, STRANDS_NON_INTERACTIVE) to "true": their approval gates go."""
        ctx = self.ctx
        consented = [t for t in ctx.tools.values() if t.builtin in self.catalog and self.catalog[t.builtin].names[0] in strands_gates.CONSENT]
        switches = strands_gates.consent_switches(ctx) if consented else {}
        for tool in consented:
            entry = self.catalog[tool.builtin].names[0]
            honours = (strands_gates.BYPASS, strands_gates.NON_INTERACTIVE) if strands_gates.CONSENT[entry][1] else (strands_gates.BYPASS,)
            switch = next((s for s in honours if s in switches), None)
            if switch is None:
                continue
            ctx.tools[tool.id] = replace(tool, gates=tuple(g for g in tool.gates if not g.detail.startswith(entry + " " + strands_gates.CONSENT_DETAIL)))
            ctx.diagnose(switches[switch], "gate-turned-off", f"{switch}=true turns off the confirmation prompt of {entry}; no approval gate recorded", "info")


def _flat(value: Value):
    if isinstance(value, Items):
        for item in value.items:
            yield from _flat(item)
    elif isinstance(value, When):
        yield from _flat(value.value)
    else:
        yield value


def _mentions(value: Value, names) -> bool:
    return any(isinstance(item, Ref) and item.qualname in names for item in _flat(value))


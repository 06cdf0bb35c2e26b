"""Agno: `Agent(tools=[...])` with plain functions, `@tool` functions (and `Function(entrypoint=f)`,
`Function.from_callable(f)`), `Toolkit` subclasses of the project (the methods `__init__` hands to
`Toolkit.__init__(tools=[...])` or `register`s), the built-in toolkits (`ShellTools()`,
`GmailTools(...)`: the tools their flags enable, agno_toolkits.py), the knowledge search tool an
agent makes from `knowledge=`, and MCP servers through `MCPTools(command=... | url=... |
server_params=...)` (and agno 2.x's `MultiMCPTools`). `Team(members=[...])`: the leader is an
agent of its own that delegates to each member and hears back; with `share_member_interactions` or
`add_team_history_to_members` the members see each other's work too. A tool whose body runs another
agent (`agent.run(...)`, `arun`, `print_response`) is agent-as-tool.

Gates: `@tool(requires_confirmation=True)`, `@tool(requires_user_input=True)` (the run pauses for a
human either way), `@approval` (type "required"), and a toolkit's `requires_confirmation_tools=[...]`;
`external_execution` is reported, not a gate (the application runs the call in its own code), and
`stop_after_tool_call` is no gate. Names are those of agno 3.1.10 (and `MultiMCPTools` of 2.x).
"""

from __future__ import annotations

from dataclasses import replace

from riskscan.extract.configs.mcp_config import server_tool_facts
from riskscan.extract.python.adapters import agno_toolkits
from riskscan.extract.python.adapters.declarations import decorator_parts
from riskscan.extract.python.adapters.frameworks import (
    AgentSpec,
    DecoratorSpec,
    FrameworkAdapter,
    Specs,
    WrapperSpec,
    argument,
    is_true,
)
from riskscan.extract.python.adapters.strands_mcp import assigned_call, transport_entry
from riskscan.extract.python.receivers import looks_like_class
from riskscan.extract.python.syntax import cst, find_nodes
from riskscan.extract.python.values import (
    INSTANCE,
    keyword,
    positional,
    string_list,
    string_value,
)
from riskscan.types import Binding, Gate, Items, Ref, ToolFact, Value

FRAMEWORK = "agno"
AGENTS = frozenset({"agno.agent.Agent", "agno.agent.agent.Agent"})
TEAMS = frozenset({"agno.team.Team", "agno.team.team.Team"})
TOOL = ("agno.tools.tool", "agno.tools.decorator.tool")
FUNCTIONS = ("agno.tools.Function", "agno.tools.function.Function", "agno.agent.Function")
SPECS = Specs(
    agents={**{name: AgentSpec(FRAMEWORK) for name in AGENTS}, **{name: AgentSpec(FRAMEWORK, routes=((0, "members"),)) for name in TEAMS}},
    wrappers={
        **{name: WrapperSpec(FRAMEWORK, function=((None, "entrypoint"),)) for name in FUNCTIONS},
        **{f"{name}.from_callable": WrapperSpec(FRAMEWORK, function=((0, "c"),), name=((1, "name"),)) for name in FUNCTIONS},
    },
    decorators={name: DecoratorSpec(FRAMEWORK, name=((None, "name"),), description=((None, "description"),)) for name in TOOL},
)
APPROVAL = frozenset({"agno.approval.approval", "agno.approval.decorator.approval"})
TOOLKIT_BASES = frozenset({"agno.tools.Toolkit", "agno.tools.toolkit.Toolkit", "agno.agent.Toolkit", "agno.agent.agent.Toolkit"})
MCP_TOOLS = frozenset({"agno.tools.mcp.MCPTools", "agno.tools.mcp.mcp.MCPTools"})
MULTI_MCP = frozenset({"agno.tools.mcp.MultiMCPTools", "agno.tools.mcp.multi_mcp.MultiMCPTools"})
HTTP_PARAMS = frozenset(f"agno.tools.mcp{m}.{c}" for m in ("", ".params") for c in ("SSEClientParams", "StreamableHTTPClientParams"))
# agno.tools classes that are no toolkit
NOT_TOOLKITS = frozenset(FUNCTIONS) | TOOLKIT_BASES | HTTP_PARAMS | frozenset({"agno.tools.function.UserInputField", "agno.tools.function.FunctionCall"})
RUN_METHODS = frozenset({"run", "arun", "print_response", "aprint_response"})
CONTEXT_TYPES = frozenset(AGENTS | TEAMS | {"agno.run.RunContext", "agno.run.base.RunContext"})
KNOWLEDGE_SEARCH = "agno.agent._default_tools.create_knowledge_search_tool"
KNOWLEDGE_ADD = "agno.agent._default_tools.create_add_to_knowledge_tool"
SHARING = ("share_member_interactions", "add_team_history_to_members")


class Agno(FrameworkAdapter):
    frameworks = (FRAMEWORK,)
    specs = SPECS
    more_calls = MCP_TOOLS | MULTI_MCP | agno_toolkits.TOOLKITS
    more_triggers = APPROVAL | TOOLKIT_BASES
    context_types = CONTEXT_TYPES

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.toolkits: dict[str, dict[str, str]] = {}  # toolkit class of this file -> its method -> tool id

    def claims_more(self, callee: tuple[str, ...]) -> bool:
        return super().claims_more(callee) or any(name in self.toolkits for name in callee)

    def evaluate_more(self, ev, call, callee, scope, target, tools) -> Value | None:
        names = set(callee)
        if names & MCP_TOOLS:
            return self.mcp_tools(ev, call, scope, target)
        if names & MULTI_MCP:
            return self.multi_mcp_tools(ev, call, scope, target)
        toolkit = next((n for n in callee if n in agno_toolkits.TOOLKITS), None)
        if toolkit is not None:
            ev.evaluate_arguments(call, scope)
            return agno_toolkits.toolkit_tools(self, call, toolkit, self.ctx.loc(call))
        own = next((n for n in callee if n in self.toolkits), None)
        if own is not None:
            return self.project_toolkit_call(ev, call, own, scope)
        unknown = next((n for n in callee if n.startswith("agno.tools.") and looks_like_class(n) and n not in NOT_TOOLKITS), None)
        if unknown is not None and (tools or unknown.endswith(("Tools", "Tool"))):  # a toolkit the catalog does not hold: labelled by its name
            ev.evaluate_arguments(call, scope)
            fact = ToolFact(f"{self.ctx.module_name}.<builtin {unknown}>", unknown.rsplit(".", 1)[-1], FRAMEWORK, self.ctx.loc(call), builtin=unknown)
            return Ref(self.ctx.add_tool(fact), self.ctx.loc(call))
        return None

    # --- agents and teams ----------------------------------------------------------------------

    def agent(self, ev, call, spec, scope, target, name=None) -> Value:
        team = bool(set(self.ctx.callee_names(call.func)) & TEAMS)
        name = string_value(keyword(call, "name")) or (target.rsplit(".", 1)[-1] if target else ("Team" if team else "Agent"))
        ref = super().agent(ev, call, spec, scope, target, name)
        ctx = self.ctx
        agent = ctx.agents[ref.qualname]
        tools = tuple(self.returned(value) for value in agent.tools)  # `tools=tools_for_user`: what it returns
        ctx.agents[ref.qualname] = replace(agent, tools=tools)
        for value in tools:
            self.function_tools(value)
        for index, link in enumerate(ctx.links):
            if link.source == ref:  # `members=members_for(...)`, a callable, as well
                ctx.links[index] = link = replace(link, members=tuple(self.returned(m) for m in link.members))
                if team and any(is_true(keyword(call, flag)) for flag in SHARING):
                    self.link("shared-context", Items(link.members), call, scope)
        return ref

    def returned(self, value: Value) -> Value:
        """A function of this file given where a list is wanted: Agno calls it for the list."""
        if isinstance(value, Ref) and value.qualname in self.ctx.function_nodes:
            return Ref(f"{value.qualname}.<return>", value.location)
        return value

    def agent_extras(self, ev, call, spec, scope, agent_id, name):
        """The knowledge base tools an agent (or a team's leader) makes from `knowledge=`."""
        knowledge = keyword(call, "knowledge") or keyword(call, "knowledge_retriever")
        tools = []
        if knowledge is not None and not (isinstance(knowledge, cst.Name) and knowledge.value == "None"):
            search = keyword(call, "search_knowledge")
            if not (isinstance(search, cst.Name) and search.value == "False"):
                tools.append(self.builtin(KNOWLEDGE_SEARCH, knowledge))
            if is_true(keyword(call, "update_knowledge")):
                tools.append(self.builtin(KNOWLEDGE_ADD, knowledge))
        return tools, [], False

    def builtin(self, builtin: str, node: cst.CSTNode) -> Value:
        ctx = self.ctx
        entry = ctx.rulesets.builtin_index()[builtin]
        fact = ToolFact(f"{ctx.module_name}.<builtin {entry.tool_name} {ctx.loc(node).line}>", entry.tool_name, FRAMEWORK, ctx.loc(node), builtin=builtin)
        return Ref(ctx.add_tool(fact), ctx.loc(node))

    def function_tools(self, value: Value) -> None:
        """A plain function of this file in a tools list is a tool (recorded here, so that the
        agents its body runs are known)."""
        ctx = self.ctx
        if isinstance(value, Items):
            for item in value.items:
                self.function_tools(item)
        elif isinstance(value, Ref) and value.qualname in ctx.function_nodes and value.qualname not in ctx.tools:
            node = ctx.function_nodes[value.qualname]
            if node.name.value != "__init__" and id(node) not in ctx.declarations.method_class:
                self.function_tool(value.qualname, value.qualname, node, None, FRAMEWORK, (), (), ctx.loc(node.name))

    # --- tools and their gates -----------------------------------------------------------------

    def function_tool(self, tool_id, function, node, options, framework, name_places, description_places, location) -> str:
        tool_id = super().function_tool(tool_id, function, node, options, framework, name_places, description_places, location)
        called = self.called_agents(node) if node is not None else []
        if called:
            self.ctx.tools[tool_id] = replace(self.ctx.tools[tool_id], invokes=called[0] if len(called) == 1 else Items(tuple(called)))
        return tool_id

    def option_gates(self, options: cst.Call | None) -> list[Gate]:
        if options is None:
            return []
        ctx = self.ctx
        gates = []
        for flag, what in (("requires_confirmation", "the run pauses until the user confirms the call"),
                           ("requires_user_input", "the run pauses for the user to fill in its arguments")):
            node = keyword(options, flag)
            if is_true(node):
                fields = string_list(keyword(options, "user_input_fields")) if flag == "requires_user_input" else None
                detail = f"{flag}=True: {what}" + (f" ({', '.join(fields)})" if fields else "")
                gates.append(Gate("approval", detail, ctx.loc(node)))
        if is_true(keyword(options, "external_execution")):
            ctx.diagnose(keyword(options, "external_execution"), "gate-not-modelled", "external_execution=True: the run pauses and the application runs the call itself; no gate recorded", "info")
        return gates

    def body_gates(self, node: cst.FunctionDef) -> list[Gate]:
        """`@approval` (or `@approval(type="required")`) on the tool: the run waits for the approval."""
        for decorator in node.decorators:
            func, options = decorator_parts(decorator.decorator)
            if set(self.ctx.names_of(func)) & APPROVAL:
                kind = string_value(keyword(options, "type")) if options is not None else None
                if kind in (None, "required"):
                    return [Gate("approval", "@approval: the run waits until the approval is resolved", self.ctx.loc(decorator))]
        return []

    def called_agents(self, node: cst.FunctionDef) -> list[Value]:
        """Agents (or teams) whose run the tool's body calls: one of this file (by its type, made
        at module level or in the body), or one imported from the project."""
        ctx = self.ctx
        found: list[Value] = []
        for call in find_nodes(node.body, cst.Call, enter_definitions=True):
            func = call.func
            if not (isinstance(func, cst.Attribute) and func.attr.value in RUN_METHODS and isinstance(func.value, cst.Name)):
                continue
            names = ctx.names_of(func.value)
            typed = bool(set(ctx.instance_types(func.value)) & (AGENTS | TEAMS)) or any(n in ctx.agents for n in names)
            imported = bool(ctx.assignments_of_kind(func.value, cst.ImportFrom)) and any(ctx.is_project(n) for n in names)
            if names and (typed or imported):
                found.append(Ref(names[0], ctx.loc(call)))
        return found

    # --- toolkits of the project ---------------------------------------------------------------

    def observe_statement(self, interpreter, node, scope) -> None:
        if isinstance(node, cst.ClassDef) and {n for base in node.bases for n in self.ctx.names_of(base.value)} & TOOLKIT_BASES:
            self.project_toolkit(node)

    def project_toolkit(self, node: cst.ClassDef) -> None:
        """The methods a Toolkit subclass registers: those its `__init__` names (`tools=[self.a,
        self.b]`, `self.register(self.c)`), each a tool; instances of the class hold them all."""
        ctx = self.ctx
        qualname = ctx.declarations.qualnames[id(node)]
        methods = {f.name.value: f for f in node.body.body if isinstance(f, cst.FunctionDef)}
        init = methods.get("__init__")
        named = _self_references(init, set(methods) - {"__init__"}) if init is not None else []
        if not named:
            ctx.diagnose(node.name, "no-implementation", f"toolkit {node.name.value} registers no method in its __init__ that riskscan can see", "info")
        init_call = next((c for c in find_nodes(init, cst.Call) if _is_toolkit_init(c)), None) if init is not None else None
        gates = agno_toolkits.hitl_gates(ctx, init_call, named) if init_call is not None else {}
        tools = {}
        for method in named:
            function = f"{qualname}.{method}"
            tool_id = function if function in ctx.tools else self.function_tool(function, function, methods[method], None, FRAMEWORK, (), (), ctx.loc(methods[method].name))
            if gates.get(method):
                ctx.tools[tool_id] = replace(ctx.tools[tool_id], gates=tuple(sorted(set(ctx.tools[tool_id].gates + gates[method]))))
            tools[method] = tool_id
        self.toolkits[qualname] = tools
        refs = tuple(Ref(tool_id, ctx.tools[tool_id].location) for tool_id in tools.values())
        ctx.bindings[qualname + INSTANCE] = Binding(qualname + INSTANCE, Items(refs))

    def project_toolkit_call(self, ev, call: cst.Call, toolkit: str, scope) -> Value:
        """`MyTools(requires_confirmation_tools=[...], include_tools=[...])`: this call's own copies."""
        ctx = self.ctx
        ev.evaluate_arguments(call, scope)
        if not any(keyword(call, k) is not None for k in ("requires_confirmation_tools", "include_tools", "exclude_tools")):
            return Ref(toolkit + INSTANCE, ctx.loc(call))
        tools = self.toolkits[toolkit]
        names = agno_toolkits.filtered(ctx, call, list(tools))
        gates = agno_toolkits.hitl_gates(ctx, call, names)
        refs = []
        for method in names:
            fact = ctx.tools[tools[method]]
            copy = replace(fact, id=f"{fact.id}.<at {ctx.loc(call).line}>", gates=tuple(sorted(set(fact.gates + gates.get(method, ())))))
            refs.append(Ref(ctx.add_tool(copy), ctx.loc(call)))
        return Items(tuple(refs))

    # --- MCP servers ---------------------------------------------------------------------------

    def mcp_tools(self, ev, call: cst.Call, scope, target: str | None) -> Value:
        ev.evaluate_arguments(call, scope)
        key = string_value(keyword(call, "name")) or (target.rsplit(".", 1)[-1] if target else f"mcp-{self.ctx.loc(call).line}")
        entry = self.server_entry(keyword(call, "command") or positional(call, 0), keyword(call, "url"), keyword(call, "server_params"))
        return self.server_tools(call, key, entry)

    def multi_mcp_tools(self, ev, call: cst.Call, scope, target: str | None) -> Value:
        ev.evaluate_arguments(call, scope)
        key = target.rsplit(".", 1)[-1] if target else f"mcp-{self.ctx.loc(call).line}"
        servers = []
        for place, kind in (((0, "commands"), "command"), ((1, "urls"), "url"), ((None, "server_params_list"), "params")):
            node = assigned_call(self.ctx, argument(call, (place,)))
            if node is None:
                continue
            if not isinstance(node, (cst.List, cst.Tuple)):
                servers.append(None)
                continue
            for element in node.elements:
                servers.append(self.server_entry(*(element.value if kind == k else None for k in ("command", "url", "params"))))
        tools: list[Value] = []
        for index, entry in enumerate(servers or [None]):
            tools += self.server_tools(call, f"{key}-{index + 1}", entry).items
        return Items(tuple(tools))

    def server_entry(self, command, url, params) -> dict | None:
        """A server entry from MCPTools' `command` (the whole command line), `url` or `server_params`."""
        ctx = self.ctx
        if url is not None:
            text = string_value(assigned_call(ctx, url))
            return {"url": text} if text is not None else None
        if command is not None:
            text = _command_line(ctx, assigned_call(ctx, command))
            return {"command": text, "args": []} if text is not None else None
        params = assigned_call(ctx, params)
        if isinstance(params, cst.Call) and set(ctx.callee_names(params.func)) & HTTP_PARAMS:
            text = string_value(assigned_call(ctx, keyword(params, "url") or positional(params, 0)))
            return {"url": text} if text is not None else None
        return transport_entry(ctx, params)

    def server_tools(self, call: cst.Call, key: str, entry: dict | None) -> Items:
        ctx = self.ctx
        if entry is None:
            ctx.diagnose(call, "unresolved-server", f"MCP server {key}: its command or URL is not known statically; assumed the worst", "info")
            entry = {}
        for option, wanted in (("include_tools", "includeTools"), ("exclude_tools", "excludeTools")):
            names = string_list(keyword(call, option))
            if names is not None:
                entry = {**entry, wanted: names}
        facts = server_tool_facts(f"mcp:{ctx.path}#{key}", key, entry, ctx.loc(call), ctx.rulesets)
        known = None if any(f.name.endswith("/*") for f in facts) else [f.name for f in facts]
        gates = agno_toolkits.hitl_gates(ctx, call, known)
        if gates and known is None:
            ctx.diagnose(call, "partial-gate", f"requires_confirmation_tools names tools of MCP server {key}, whose tools are not known here; no gate recorded", "info")
        refs = [Ref(ctx.add_tool(replace(f, gates=tuple(sorted(set(f.gates + gates.get(f.name, ())))))), ctx.loc(call)) for f in facts]
        return Items(tuple(refs))


def _self_references(init: cst.FunctionDef, methods: set[str]) -> list[str]:
    """The methods `__init__` names as `self.<method>` without calling them, in order."""
    called = {id(c.func) for c in find_nodes(init.body, cst.Call)}
    found: list[str] = []
    for attribute in find_nodes(init.body, cst.Attribute):
        if (isinstance(attribute.value, cst.Name) and attribute.value.value == "self" and attribute.attr.value in methods
                and id(attribute) not in called and attribute.attr.value not in found):
            found.append(attribute.attr.value)
    return found


def _command_line(ctx, node: cst.BaseExpression | None) -> str | None:
    """A command line written out, an f-string's expressions kept as `<their code>`
    (`f"npx -y @modelcontextprotocol/server-filesystem {root}"` still names its package)."""
    text = string_value(node)
    if text is not None or not isinstance(node, cst.FormattedString):
        return text
    parts = [p.value if isinstance(p, cst.FormattedStringText) else f"<{ctx.module.code_for_node(p.expression)}>" for p in node.parts]
    return "".join(parts)


def _is_toolkit_init(call: cst.Call) -> bool:
    """`super().__init__(...)` or `Toolkit.__init__(self, ...)`."""
    return isinstance(call.func, cst.Attribute) and call.func.attr.value == "__init__"


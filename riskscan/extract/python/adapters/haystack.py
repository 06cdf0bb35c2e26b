"""Haystack: `Agent(chat_generator=..., tools=[...])`, `Tool(name, description, parameters,
function)`, `@tool` / `tool(f)` / `create_tool_from_function(f, name=...)`, `Toolset([...])`,
`SearchableToolset(catalog)`, `ComponentTool(component=...)` (a catalogued component's labels,
or the body of the project's own `@component` class's `run`), `AgentTool(agent=...)`
(agent-as-tool), `PipelineTool(pipeline=...)`, the integrations' `MCPTool(name, server_info=...)`
and `MCPToolset(server_info=..., tool_names=[...])` (`StdioServerInfo(command=..., args=[...])`,
`StreamableHttpServerInfo(url=...)`, `SSEServerInfo(url=...)`), the GitHub tools, and haystack
2.x's `ToolInvoker(tools=[...])` (one context: the chat messages that reach it).

Approval: a `ConfirmationHook(confirmation_strategies={...})` among the Agent's `hooks` (haystack
3.x) or the Agent's `confirmation_strategies={...}` (2.x): each key (a tool name, a tuple of names,
"*") whose `BlockingConfirmationStrategy` asks with `AlwaysAskPolicy` or `AskOncePolicy` puts an
approval gate on those tools; `NeverAskPolicy` or a strategy not known statically puts none.
Pipelines are read by haystack_pipelines.py. Names are those of haystack-ai 3.4.1, the 2.x paths
the cookbook still imports, and haystack-core-integrations (mcp-haystack, github-haystack).
"""

from __future__ import annotations

from riskscan.extract.configs.mcp_config import server_tool_facts
from riskscan.extract.python.adapters import haystack_pipelines as pipelines
from riskscan.extract.python.adapters.frameworks import (
    AgentSpec,
    DecoratorSpec,
    FrameworkAdapter,
    Specs,
    WrapperSpec,
    argument,
    code,
)
from riskscan.extract.python.syntax import cst, find_nodes
from riskscan.extract.python.values import (
    keyword,
    launch_arguments,
    literal,
    string_list,
    string_value,
)
from riskscan.types import Gate, Items, Opaque, Ref, ToolFact, Value

FRAMEWORK = "haystack"
AGENTS = ("haystack.components.agents.Agent", "haystack.components.agents.agent.Agent")
TOOL_INVOKERS = ("haystack.components.tools.ToolInvoker", "haystack.components.tools.tool_invoker.ToolInvoker")
TOOL_CLASSES = ("haystack.tools.Tool", "haystack.tools.tool.Tool", "haystack.dataclasses.Tool")
TOOL_DECORATORS = ("haystack.tools.tool", "haystack.tools.from_function.tool")
CREATE_TOOL = ("haystack.tools.create_tool_from_function", "haystack.tools.from_function.create_tool_from_function")
SPECS = Specs(
    agents={
        **{name: AgentSpec(FRAMEWORK, name=()) for name in AGENTS},
        **{name: AgentSpec(FRAMEWORK, tools=((0, "tools"),), name=()) for name in TOOL_INVOKERS},
    },
    wrappers={
        **{name: WrapperSpec(FRAMEWORK, function=((3, "function"), (None, "async_function")), name=((0, "name"),), description=((1, "description"),)) for name in TOOL_CLASSES},
        **{name: WrapperSpec(FRAMEWORK, function=((0, "function"),), name=((None, "name"),)) for name in TOOL_DECORATORS},
        **{name: WrapperSpec(FRAMEWORK, function=((0, "function"),), name=((1, "name"),), description=((2, "description"),)) for name in CREATE_TOOL},
    },
    decorators={name: DecoratorSpec(FRAMEWORK, name=((None, "name"),), description=((None, "description"),)) for name in TOOL_DECORATORS},
)
TOOLSETS = frozenset({"haystack.tools.Toolset", "haystack.tools.toolset.Toolset", "haystack.tools.SearchableToolset", "haystack.tools.searchable_toolset.SearchableToolset"})
COMPONENT_TOOL = frozenset({"haystack.tools.ComponentTool", "haystack.tools.component_tool.ComponentTool"})
AGENT_TOOL = frozenset({"haystack.tools.AgentTool", "haystack.tools.agent_tool.AgentTool"})
_MCP = ("haystack_integrations.tools.mcp", "haystack_integrations.tools.mcp.mcp_tool")
MCP_TOOL = frozenset(f"{m}.MCPTool" for m in _MCP)
MCP_TOOLSET = frozenset({"haystack_integrations.tools.mcp.MCPToolset", "haystack_integrations.tools.mcp.mcp_toolset.MCPToolset"})
STDIO_INFO = frozenset(f"{m}.StdioServerInfo" for m in _MCP)
URL_INFO = frozenset(f"{m}.{name}" for m in _MCP for name in ("StreamableHttpServerInfo", "SSEServerInfo"))
_HITL = ("haystack.hooks.human_in_the_loop", "haystack.human_in_the_loop")
CONFIRMATION_HOOK = frozenset({"haystack.hooks.human_in_the_loop.ConfirmationHook", "haystack.hooks.human_in_the_loop.hooks.ConfirmationHook"})
BLOCKING = frozenset(f"{m}.{path}" for m in _HITL for path in ("BlockingConfirmationStrategy", "strategies.BlockingConfirmationStrategy"))
ASKING = {f"{m}.{path}{policy}": policy for m in _HITL for path in ("", "policies.") for policy in ("AlwaysAskPolicy", "AskOncePolicy")}
CONTEXT_TYPES = frozenset({"haystack.components.agents.State", "haystack.components.agents.state.State", "haystack.components.agents.state.state.State"})


class Haystack(FrameworkAdapter):
    frameworks = (FRAMEWORK,)
    specs = SPECS
    more_calls = TOOLSETS | COMPONENT_TOOL | AGENT_TOOL | MCP_TOOL | MCP_TOOLSET | pipelines.CALLS
    context_types = CONTEXT_TYPES

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.pipelines: dict[str, pipelines.Pipeline] = {}
        self.pipeline_tools: dict[str, Value] = {}  # tool id -> the pipeline it runs

    def evaluate_more(self, ev, call, callee, scope, target, tools) -> Value | None:
        names = set(callee)
        if names & TOOLSETS:
            listed = argument(call, ((0, "tools"), (0, "catalog")))
            for arg in call.args:
                if arg.value is not listed:
                    ev.evaluate(arg.value, scope)
            return ev.evaluate(listed, scope, tools=True) if listed is not None else Items(())
        if names & COMPONENT_TOOL:
            return self.component_tool(ev, call, scope, target)
        if names & AGENT_TOOL:
            return self.agent_tool(ev, call, scope, target)
        if names & (MCP_TOOL | MCP_TOOLSET):
            ev.evaluate_arguments(call, scope)
            return self.mcp_tools(call, names, target)
        return pipelines.evaluate(self, ev, call, names, scope, target)

    # --- agents --------------------------------------------------------------------------------

    def agent(self, ev, call, spec, scope, target, name=None):
        if name is None and not target:
            name = "tool_invoker" if set(self.ctx.callee_names(call.func)) & set(TOOL_INVOKERS) else "agent"
        return super().agent(ev, call, spec, scope, target, name)

    def agent_extras(self, ev, call, spec, scope, agent_id, name):
        """The approval gates of the agent's confirmation strategies."""
        strategies = [keyword(call, "confirmation_strategies")] if keyword(call, "confirmation_strategies") is not None else []
        hooks = self.assigned(keyword(call, "hooks"))
        named = [self.assigned(n) for n in find_nodes(hooks, cst.Name)] if hooks is not None else []
        for made in (find_nodes(hooks, cst.Call) if hooks is not None else []) + [n for n in named if isinstance(n, cst.Call)]:
            if set(self.ctx.callee_names(made.func)) & CONFIRMATION_HOOK:
                strategies.append(argument(made, ((0, "confirmation_strategies"),)))
        gates = []
        for node in strategies:
            gates += self.confirmation_gates(self.assigned(node))
        return [], gates, False

    def assigned(self, node: cst.BaseExpression | None) -> cst.BaseExpression | None:
        """A name's value where this file binds it once; the node itself otherwise."""
        if isinstance(node, cst.Name):
            values = [self.ctx.declarations.assigned.get(id(a.node)) for a in self.ctx.assignments(node)]
            if len(values) == 1 and values[0] is not None:
                return values[0]
        return node

    def confirmation_gates(self, node: cst.BaseExpression | None) -> list[tuple[str, Gate]]:
        ctx = self.ctx
        if not isinstance(node, cst.Dict):
            if node is not None:
                ctx.diagnose(node, "unresolved-gate", f"confirmation strategies {code(ctx, node)} are not a literal dict; no gate recorded", "info")
            return []
        gates = []
        for element in node.elements:
            if not isinstance(element, cst.DictElement):
                continue
            try:
                key = literal(element.key)
            except ValueError:
                key = None
            names = [key] if isinstance(key, str) else key if isinstance(key, list) and all(isinstance(k, str) for k in key) else None
            policy = self.asking_policy(self.assigned(element.value))
            if names is None:
                ctx.diagnose(element.key, "unresolved-gate", f"the tool names {code(ctx, element.key)} of a confirmation strategy are not literal; no gate recorded", "info")
            elif policy is not None:
                where = ctx.loc(element.value)
                gates += [(n, Gate("approval", f"BlockingConfirmationStrategy with {policy} for {n!r}", where)) for n in names]
        return gates

    def asking_policy(self, strategy: cst.BaseExpression | None) -> str | None:
        """`AlwaysAskPolicy` or `AskOncePolicy` of a BlockingConfirmationStrategy; None otherwise."""
        ctx = self.ctx
        if not (isinstance(strategy, cst.Call) and set(ctx.callee_names(strategy.func)) & BLOCKING):
            if strategy is not None:
                ctx.diagnose(strategy, "unresolved-gate", f"confirmation strategy {code(ctx, strategy)} is not a BlockingConfirmationStrategy of this file; no gate recorded", "info")
            return None
        policy = self.assigned(argument(strategy, ((0, "confirmation_policy"),)))
        callee = set(ctx.callee_names(policy.func)) if isinstance(policy, cst.Call) else set()
        found = sorted(ASKING[name] for name in callee & set(ASKING))
        return found[0] if found else None

    # --- tools ---------------------------------------------------------------------------------

    def component_tool(self, ev, call: cst.Call, scope, target: str | None) -> Value:
        """`ComponentTool(component=LinkContentFetcher())`: the component's run is the tool."""
        ctx = self.ctx
        component = argument(call, ((0, "component"),))
        for arg in call.args:
            if arg.value is not component:
                ev.evaluate(arg.value, scope)
        classes = pipelines.component_classes(self, component)
        catalog = ctx.rulesets.builtin_index()
        if isinstance(component, cst.Call) and set(classes) & set(catalog):
            ev.evaluate_arguments(component, scope)  # the tool is the component: not one more tool of its own
            value: Value = Opaque("a catalogued component", ctx.loc(component))
        else:
            value = ev.evaluate(component, scope) if component is not None else Opaque("ComponentTool of nothing", ctx.loc(call))
        name = string_value(argument(call, ((1, "name"),)))
        description = string_value(argument(call, ((2, "description"),))) or ""
        tool_id = target or f"{ctx.module_name}.<component tool {name or ctx.loc(call).line}>"
        builtin = next((c for c in classes if c in catalog), None)
        if builtin is not None:  # the catalog's labels, under the name the model sees
            capabilities, gates = pipelines.catalogued(self, builtin, ctx.loc(call))
            tool = ToolFact(tool_id, name or catalog[builtin].tool_name, FRAMEWORK, ctx.loc(call), description=description,
                            capabilities=capabilities, gates=gates)
        elif classes and (ctx.is_project(classes[0]) or classes[0] in set(ctx.declarations.qualnames.values())):  # the project's own component
            default = pipelines.snake_case(classes[0].rsplit(".", 1)[-1])
            tool = ToolFact(tool_id, name or default, FRAMEWORK, ctx.loc(call), description=description, function=f"{classes[0]}.run")
        elif classes:
            tool = ToolFact(tool_id, name or classes[0].rsplit(".", 1)[-1], FRAMEWORK, ctx.loc(call), description=description, builtin=classes[0])
        else:
            return Opaque(f"ComponentTool of {code(ctx, component) if component is not None else 'nothing'}, a component not known statically", ctx.loc(call)) if not isinstance(value, Ref) else value
        return Ref(ctx.add_tool(tool), ctx.loc(call))

    def agent_tool(self, ev, call: cst.Call, scope, target: str | None) -> Value:
        ctx = self.ctx
        agent = argument(call, ((0, "agent"),))
        for arg in call.args:
            if arg.value is not agent:
                ev.evaluate(arg.value, scope)
        name = string_value(keyword(call, "name")) or ""
        tool_id = target or f"{ctx.module_name}.<agent tool {name}>"
        invokes = ev.evaluate(agent, scope) if agent is not None else None
        tool = ToolFact(tool_id, name, FRAMEWORK, ctx.loc(call), description=string_value(keyword(call, "description")) or "", invokes=invokes)
        return Ref(ctx.add_tool(tool), ctx.loc(call))

    def mcp_tools(self, call: cst.Call, names: set[str], target: str | None) -> Value:
        """An MCP server's tools: those `tool_names` lists (MCPToolset) or the one named (MCPTool)."""
        ctx = self.ctx
        info = self.assigned(argument(call, ((1 if names & MCP_TOOL else 0, "server_info"),)))
        entry = self.server_entry(info)
        if entry is None:
            return Opaque(f"MCP server {code(ctx, info) if info is not None else ''} with a command or URL not known statically", ctx.loc(call))
        wanted = [string_value(argument(call, ((0, "name"),)))] if names & MCP_TOOL else string_list(keyword(call, "tool_names"))
        if keyword(call, "tool_names") is not None and wanted is None:
            ctx.diagnose(keyword(call, "tool_names"), "unresolved-filter", "tool_names is not a literal list; every tool of the server assumed", "info")
        if wanted is not None and None not in wanted:
            entry = {**entry, "includeTools": wanted}
        key = target.rsplit(".", 1)[-1] if target else "mcp"
        facts = server_tool_facts(f"mcp:{ctx.path}#{key}", key, entry, ctx.loc(call), ctx.rulesets)
        return Items(tuple(Ref(ctx.add_tool(fact), ctx.loc(call)) for fact in facts))

    def server_entry(self, info: cst.BaseExpression | None) -> dict | None:
        if not isinstance(info, cst.Call):
            return None
        callee = set(self.ctx.callee_names(info.func))
        if callee & STDIO_INFO:
            command = string_value(argument(info, ((0, "command"),)))
            args = launch_arguments(argument(info, ((1, "args"),)), self.ctx.module.code_for_node)
            return {"command": command, "args": args} if command is not None and args is not None else None
        if callee & URL_INFO:
            url = string_value(argument(info, ((0, "url"),)) or keyword(info, "base_url"))
            return {"url": url} if url is not None else None
        return None

    def observe_statement(self, interpreter, node, scope) -> None:
        """`class BashTool(Tool)` whose `__init__` calls `super().__init__(name=..., function=self._run)`."""
        super().observe_statement(interpreter, node, scope)
        ctx = self.ctx
        if not isinstance(node, cst.ClassDef) or not {n for b in node.bases for n in ctx.names_of(b.value)} & set(TOOL_CLASSES):
            return
        qualname = ctx.declarations.qualnames[id(node)]
        init = next((f for f in node.body.body if isinstance(f, cst.FunctionDef) and f.name.value == "__init__"), None)
        calls = [c for c in find_nodes(init.body, cst.Call) if isinstance(c.func, cst.Attribute) and c.func.attr.value == "__init__"
                 and isinstance(c.func.value, cst.Call) and ctx.names_of(c.func.value.func) == ("builtins.super",)] if init else []
        function = argument(calls[0], ((3, "function"), (None, "async_function"))) if calls else None
        if not (isinstance(function, cst.Attribute) and isinstance(function.value, cst.Name)):
            ctx.diagnose(node.name, "no-implementation", f"tool class {node.name.value} passes no method of its own as function=; labelled from its name only", "info")
            function = None
        name = string_value(argument(calls[0], ((0, "name"),))) if calls else None
        description = string_value(argument(calls[0], ((1, "description"),))) if calls else None
        ctx.add_tool(ToolFact(qualname, name or node.name.value, FRAMEWORK, ctx.loc(node.name), description=description or (node.get_docstring(clean=True) or ""),
                              function=f"{qualname}.{function.attr.value}" if function is not None else None))

    # --- pipelines -----------------------------------------------------------------------------

    def finish(self, interpreter) -> None:
        pipelines.finish(self)


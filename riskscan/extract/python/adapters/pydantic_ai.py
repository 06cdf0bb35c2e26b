"""Pydantic AI: `Agent(model, tools=[...], toolsets=[...])`, `@agent.tool` / `@agent.tool_plain`
on an agent of the same file (an imported agent is registrations.py's), `Tool(func, ...)`,
`FunctionToolset(tools=[...])` and `@toolset.tool`, MCP servers as toolsets (pydantic-ai 1.x
`MCPServerStdio` / `MCPServerStreamableHTTP` / `MCPServerSSE`, `FastMCPToolset`, 2.x
`MCPToolset(client)` with a URL, a script or a FastMCP transport, see fastmcp_transports): a
catalogued server's tools, the project's own server when the command runs one of its scripts
(`ToolFact.launches`, as for client configs), else one opaque tool.

Gates: `requires_approval=True` on a tool, its decorator or a `FunctionToolset`, and
`raise ApprovalRequired` in a tool's body (a deferred tool the caller must approve). An agent
whose tool calls another agent's `run` / `run_sync` / `run_stream` / `iter` delegates to it: the
tool runs that agent (agent-as-tool). Names are those of pydantic-ai-slim 1.x and 2.x.
"""

from __future__ import annotations

from dataclasses import replace

from riskscan.extract.configs.mcp_config import server_tool_facts
from riskscan.extract.python.adapters import fastmcp_transports
from riskscan.extract.python.adapters.frameworks import (
    AgentSpec,
    DecoratorSpec,
    FrameworkAdapter,
    Specs,
    WrapperSpec,
    argument,
    code,
    is_true,
)
from riskscan.extract.python.syntax import cst, find_nodes
from riskscan.extract.python.values import (
    flatten_items,
    keyword,
    launch_arguments,
    string_value,
)
from riskscan.types import Binding, Gate, Items, Opaque, Ref, Value, When

FRAMEWORK = "pydantic-ai"
AGENTS = ("pydantic_ai.Agent", "pydantic_ai.agent.Agent")
TOOLSETS = ("pydantic_ai.FunctionToolset", "pydantic_ai.toolsets.FunctionToolset", "pydantic_ai.toolsets.function.FunctionToolset")
_AGENT = AgentSpec(FRAMEWORK, tools=((None, "tools"), (None, "toolsets")))
_DECORATOR = DecoratorSpec(FRAMEWORK, name=((None, "name"),))
SPECS = Specs(
    agents={name: _AGENT for name in AGENTS},
    wrappers={name: WrapperSpec(FRAMEWORK, function=((0, "function"),)) for name in ("pydantic_ai.Tool", "pydantic_ai.tools.Tool")},
    decorators={f"{owner}.{method}": _DECORATOR for owner in AGENTS + TOOLSETS for method in ("tool", "tool_plain")},
)
RUNS = frozenset(f"{agent}.{method}" for agent in AGENTS for method in ("run", "run_sync", "run_stream", "iter"))
RUN_METHODS = frozenset({"run", "run_sync", "run_stream", "iter"})
APPROVAL_REQUIRED = frozenset({"pydantic_ai.ApprovalRequired", "pydantic_ai.exceptions.ApprovalRequired"})
STDIO_SERVERS = frozenset({"pydantic_ai.mcp.MCPServerStdio"})
HTTP_SERVERS = frozenset(f"pydantic_ai.mcp.{name}" for name in ("MCPServerStreamableHTTP", "MCPServerSSE", "MCPServerHTTP"))
MCP_TOOLSETS = frozenset({"pydantic_ai.mcp.MCPToolset", "pydantic_ai.toolsets.fastmcp.FastMCPToolset"})
APPROVAL_METHODS = frozenset(f"{owner}.approval_required" for owner in (*TOOLSETS, *STDIO_SERVERS, *HTTP_SERVERS, *MCP_TOOLSETS))


def _always_true(node: cst.BaseExpression) -> bool:
    """`lambda ctx, tool_def, args: True`"""
    return isinstance(node, cst.Lambda) and is_true(node.body)


class PydanticAI(FrameworkAdapter):
    frameworks = (FRAMEWORK,)
    specs = SPECS
    more_calls = frozenset(TOOLSETS) | STDIO_SERVERS | HTTP_SERVERS | MCP_TOOLSETS | APPROVAL_METHODS
    more_triggers = RUNS | APPROVAL_REQUIRED
    context_types = frozenset({"pydantic_ai.RunContext", "pydantic_ai.tools.RunContext"})

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.toolsets: set[str] = set()  # qualified names bound to a FunctionToolset of this file

    def evaluate_more(self, ev, call, callee, scope, target, tools) -> Value | None:
        names = set(callee)
        if names & set(TOOLSETS):
            return self.function_toolset(ev, call, scope, target)
        if names & (STDIO_SERVERS | HTTP_SERVERS | MCP_TOOLSETS):
            return self.mcp_server(ev, call, names, scope, target)
        if names & APPROVAL_METHODS:
            return self.approval_required(ev, call, scope)
        return None

    def approval_required(self, ev, call: cst.Call, scope) -> Value:
        """`toolset.approval_required()`: every call of the toolset's tools waits for a person's
        approval. With a function of its own it decides per call: no gate, said so."""
        ctx = self.ctx
        node = call.func.value
        known = isinstance(node, cst.Name) and node.value in scope.values  # `files = MCPToolset(...)` above
        receiver = scope.values[node.value] if known else ev.evaluate(node, scope, tools=True)
        decider = argument(call, ((0, "approval_required_func"),))
        if decider is not None and not _always_true(decider):
            ctx.diagnose(call, "partial-gate", f"approval_required({code(ctx, decider)}) decides per call; no gate recorded", "info")
            return receiver
        gate = Gate("approval", "approval_required() on the toolset", ctx.loc(call))
        return self.gated(receiver, gate, call, depth=0)

    def gated(self, value: Value, gate: Gate, call: cst.Call, depth: int) -> Value:
        """A copy of each tool of `value` with the gate; a toolset bound to a name is followed."""
        ctx = self.ctx
        if isinstance(value, When):
            return When(self.gated(value.value, gate, call, depth), value.condition)
        if isinstance(value, Items):
            return Items(tuple(self.gated(item, gate, call, depth) for item in value.items))
        if isinstance(value, Ref) and value.qualname in ctx.tools:
            fact = ctx.tools[value.qualname]
            return Ref(ctx.add_tool(replace(fact, id=f"{fact.id}<approval>", gates=(*fact.gates, gate))), value.location)
        if isinstance(value, Ref) and value.qualname in ctx.bindings and depth < 4:
            return self.gated(ctx.bindings[value.qualname].value, gate, call, depth + 1)
        ctx.diagnose(call, "partial-gate", f"approval_required() on {code(ctx, call.func.value)}, whose tools are not known in this file; no gate recorded for them", "info")
        return value

    # --- tools ---------------------------------------------------------------------------------

    def registered_on(self, func: cst.BaseExpression, decorator: str) -> str | None:
        """`@agent.tool` on an agent of this file: the agent's qualified name."""
        if not isinstance(func, cst.Attribute):
            return None
        names = self.ctx.names_of(func.value)
        return names[0] if names else None

    def option_gates(self, options: cst.Call | None) -> list[Gate]:
        flag = keyword(options, "requires_approval") if options is not None else None
        return [Gate("approval", "requires_approval=True", self.ctx.loc(flag))] if is_true(flag) else []

    def body_gates(self, node: cst.FunctionDef) -> list[Gate]:
        """`raise ApprovalRequired(...)`: the call is deferred until a human approves it."""
        for raised in find_nodes(node.body, cst.Raise):
            exception = raised.exc.func if isinstance(raised.exc, cst.Call) else raised.exc
            if exception is not None and set(self.ctx.names_of(exception)) & APPROVAL_REQUIRED:
                return [Gate("approval", "raise ApprovalRequired in the tool's body", self.ctx.loc(raised))]
        return []

    def function_tool(self, tool_id, function, node, options, framework, name_places, description_places, location) -> str:
        tool_id = super().function_tool(tool_id, function, node, options, framework, name_places, description_places, location)
        called = self.called_agents(node) if node is not None else []
        if called:
            fact = self.ctx.tools[tool_id]
            invokes = called[0] if len(called) == 1 else Items(tuple(called))
            self.ctx.tools[tool_id] = replace(fact, invokes=invokes)
        return tool_id

    def called_agents(self, node: cst.FunctionDef) -> list[Value]:
        """Agents whose run the tool's body calls: an agent of this file (by its type), or an
        object imported from the project (the model stage checks that it is an agent)."""
        ctx = self.ctx
        found: list[Value] = []
        for call in find_nodes(node.body, cst.Call, enter_definitions=True):
            func = call.func
            if not (isinstance(func, cst.Attribute) and func.attr.value in RUN_METHODS and isinstance(func.value, cst.Name)):
                continue
            receiver = func.value
            typed = bool(set(ctx.callee_names(func)) & RUNS)
            imported = ctx.assignments_of_kind(receiver, cst.ImportFrom) and not ctx.instance_types(receiver)
            names = ctx.names_of(receiver)
            if names and (typed or (imported and ctx.is_project(names[0]))):
                found.append(Ref(names[0], ctx.loc(call)))
        return found

    def function_toolset(self, ev, call: cst.Call, scope, target: str | None) -> Value:
        ctx = self.ctx
        tools_node = argument(call, ((0, "tools"),))
        for arg in call.args:
            if arg.value is not tools_node:
                ev.evaluate(arg.value, scope)
        if target is not None:
            self.toolsets.add(target)
        if tools_node is None:
            return Items(())
        value = ev.evaluate(tools_node, scope, tools=True)
        if not is_true(keyword(call, "requires_approval")):
            return value
        gated: list[Value] = []
        for item, condition in flatten_items(value) if isinstance(value, Items) else [(value, ())]:
            node = ctx.function_nodes.get(item.qualname) if isinstance(item, Ref) else None
            if node is None:
                ctx.diagnose(call, "partial-gate", f"requires_approval on a FunctionToolset whose tool {code(ctx, tools_node)} is not a function of this file; no gate recorded for it", "info")
                gated.append(When(item, condition) if condition else item)
                continue
            tool_id = self.function_tool(f"{item.qualname}.<tool>", item.qualname, node, call, FRAMEWORK, (), (), item.location)
            ref = Ref(tool_id, item.location)
            gated.append(When(ref, condition) if condition else ref)
        return Items(tuple(gated))

    def finish(self, interpreter) -> None:
        """Tools decorated onto a toolset of this file join the toolset's binding."""
        ctx = self.ctx
        kept = []
        for registration in ctx.registrations:
            binding = ctx.bindings.get(registration.target)
            if registration.target in self.toolsets and binding is not None:
                ctx.bindings[registration.target] = Binding(binding.qualname, Items((binding.value, registration.value)))
            else:
                kept.append(registration)
        ctx.registrations[:] = kept

    # --- MCP servers ---------------------------------------------------------------------------

    def mcp_server(self, ev, call: cst.Call, names: set[str], scope, target: str | None) -> Value:
        ctx = self.ctx
        ev.evaluate_arguments(call, scope)
        entry = self.server_entry(call, names)
        if entry is None:
            return Opaque(f"MCP server {code(ctx, call)} with a command or URL not known statically", ctx.loc(call))
        key = string_value(keyword(call, "id") or keyword(call, "tool_prefix")) or (target.rsplit(".", 1)[-1] if target else "mcp")
        refs = []
        for fact in server_tool_facts(f"mcp:{ctx.path}#{key}", key, entry, ctx.loc(call), ctx.rulesets):
            refs.append(Ref(ctx.add_tool(replace(fact, gates=fact.gates + tuple(self.option_gates(call)))), ctx.loc(call)))
        return Items(tuple(refs))

    def server_entry(self, call: cst.Call, names: set[str]) -> dict | None:
        """The call as a client config's server entry: {"command", "args"} or {"url"}."""
        if names & STDIO_SERVERS:
            command = string_value(argument(call, ((0, "command"),)))
            args = launch_arguments(argument(call, ((1, "args"),)), self.ctx.module.code_for_node)
            return {"command": command, "args": args} if command is not None and args is not None else None
        if names & HTTP_SERVERS:
            url = string_value(argument(call, ((0, "url"),)))
            return {"url": url} if url is not None else None
        # MCPToolset(client): a URL, a script path, a transport, a fastmcp.Client
        return fastmcp_transports.server_entry(self.ctx, argument(call, ((0, "client"), (None, "transport"))))

"""OpenAI Agents SDK (package `agents`): `Agent(...)`, `@function_tool`, `function_tool(f)`,
`FunctionTool(...)`, hosted tools, `agent.as_tool(...)`, `handoff(agent)`; `SandboxAgent` and
its capabilities are `openai_agents_sandbox.py`'s, MCP servers `openai_agents_mcp.py`'s.

Qualified names come from the SDK's source (openai-agents 0.24): the public names re-exported by
`agents/__init__.py` and the modules that define them.
"""

from __future__ import annotations

from riskscan.extract.python.adapters import (
    BaseAdapter,
    openai_agents_mcp,
    openai_agents_sandbox,
)
from riskscan.extract.python.adapters.declarations import (
    canonical_schema,
    decorator_parts,
    dict_entries,
    tool_parameters,
)
from riskscan.extract.python.parameters import named_function
from riskscan.extract.python.receivers import looks_like_class
from riskscan.extract.python.survey import Triggers
from riskscan.extract.python.syntax import cst
from riskscan.extract.python.values import keyword, positional, string_value
from riskscan.types import AgentFact, Gate, Opaque, Ref, ToolFact, Value

FRAMEWORK = "openai-agents"
AGENT_CLASSES = frozenset({"agents.Agent", "agents.agent.Agent"})
FUNCTION_TOOL = frozenset({"agents.function_tool", "agents.tool.function_tool"})
FUNCTION_TOOL_CLASS = frozenset({"agents.FunctionTool", "agents.tool.FunctionTool"})
HANDOFF = frozenset({"agents.handoff", "agents.handoffs.handoff"})
SANDBOX_AGENTS = openai_agents_sandbox.SANDBOX_AGENTS
AS_TOOL = frozenset(f"{cls}.as_tool" for cls in AGENT_CLASSES | SANDBOX_AGENTS)
CONTEXT_TYPES = frozenset(
    {
        "agents.RunContextWrapper",
        "agents.run_context.RunContextWrapper",
        "agents.ToolContext",
        "agents.tool_context.ToolContext",
    }
)
# Guardrails (agents/tool_guardrails.py, agents/guardrail.py): a tool input guardrail runs before
# the tool is called and may reject the call; agent input/output guardrails check the conversation.
TOOL_INPUT_GUARDRAILS = frozenset(
    f"agents.{module}{name}"
    for module in ("", "tool_guardrails.")
    for name in ("tool_input_guardrail", "ToolInputGuardrail")
)
# The SDK's hosted and built-in tool classes (agents/tool.py); recognised even outside a tools list.
HOSTED_TOOL_CLASSES = frozenset(
    f"{package}.{name}"
    for package in ("agents", "agents.tool")
    for name in (
        "FileSearchTool",
        "WebSearchTool",
        "ComputerTool",
        "HostedMCPTool",
        "CodeInterpreterTool",
        "ImageGenerationTool",
        "LocalShellTool",
        "ShellTool",
        "ApplyPatchTool",
        "CustomTool",
        "ToolSearchTool",
    )
)


class OpenAIAgents(BaseAdapter):
    frameworks = (FRAMEWORK,)

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.sandbox = openai_agents_sandbox.SandboxState()

    @classmethod
    def triggers(cls) -> Triggers:
        return Triggers(
            names=AGENT_CLASSES | FUNCTION_TOOL | FUNCTION_TOOL_CLASS | HANDOFF | HOSTED_TOOL_CLASSES
            | TOOL_INPUT_GUARDRAILS | openai_agents_mcp.SERVERS | openai_agents_mcp.STATIC_FILTER
            | SANDBOX_AGENTS | openai_agents_sandbox.LOCAL_CLIENTS
        )

    def claims(self, callee: tuple[str, ...]) -> bool:
        names = set(callee)
        return bool(
            names & (AGENT_CLASSES | SANDBOX_AGENTS | FUNCTION_TOOL | FUNCTION_TOOL_CLASS | HANDOFF | AS_TOOL | HOSTED_TOOL_CLASSES | openai_agents_mcp.SERVERS)
            or names & set(self.ctx.rulesets.builtin_index())
        )

    def evaluate_call(self, ev, call, callee, scope, target, tools) -> Value | None:
        names = set(callee)
        if names & AGENT_CLASSES:
            return self.agent(ev, call, scope, target)
        if names & SANDBOX_AGENTS:
            return openai_agents_sandbox.sandbox_agent(self, ev, call, scope, target)
        if names & FUNCTION_TOOL:
            return self.function_tool_call(ev, call, scope, target)
        if isinstance(call.func, cst.Call) and set(self.ctx.callee_names(call.func.func)) & FUNCTION_TOOL:
            ev.seen.add(id(call.func))
            return self.function_tool_call(ev, call, scope, target, options=call.func)
        if names & FUNCTION_TOOL_CLASS:
            return self.function_tool_class(ev, call, scope, target)
        if names & HANDOFF:
            agent = positional(call, 0) or keyword(call, "agent")
            ev.evaluate_arguments(call, scope)
            return ev.evaluate(agent, scope) if agent is not None else Opaque("handoff without an agent", self.ctx.loc(call))
        if names & AS_TOOL:
            return self.agent_as_tool(ev, call, scope, target)
        if names & openai_agents_mcp.SERVERS:
            return openai_agents_mcp.mcp_server(self, ev, call, names, scope, target)
        builtin = self._builtin_name(callee, tools)
        if builtin is not None:
            return self.builtin_tool(ev, call, builtin, scope)
        return None

    # --- agents --------------------------------------------------------------------------------

    def agent(self, ev, call: cst.Call, scope, target: str | None, extra_tools: tuple = (), skip: tuple = ()) -> Value:
        ctx = self.ctx
        name = string_value(keyword(call, "name") or positional(call, 0))
        if name is None:
            name = target.rsplit(".", 1)[-1] if target else ""
        tools_node, handoffs_node = keyword(call, "tools"), keyword(call, "handoffs")
        servers_node = keyword(call, "mcp_servers")
        tools = tuple(ev.evaluate(node, scope, tools=True) for node in (tools_node, servers_node) if node is not None) + extra_tools
        handoffs = (ev.evaluate(handoffs_node, scope),) if handoffs_node is not None else ()
        for arg in call.args:
            if arg.value not in (tools_node, handoffs_node, servers_node, *skip):
                ev.evaluate(arg.value, scope)
        gates = tuple(("*", gate) for gate in self.agent_guardrail_gates(call))
        agent_id = target or f"{ctx.module_name}.<agent {name}>"
        agent_id = ctx.add_agent(
            AgentFact(agent_id, name, FRAMEWORK, ctx.loc(call), tools, handoffs, scope.condition, gates)
        )
        return Ref(agent_id, ctx.loc(call))

    def agent_as_tool(self, ev, call: cst.Call, scope, target: str | None) -> Value:
        ctx = self.ctx
        assert isinstance(call.func, cst.Attribute)
        invokes = ev.evaluate(call.func.value, scope)
        name = string_value(keyword(call, "tool_name") or positional(call, 0)) or ""
        description = string_value(keyword(call, "tool_description") or positional(call, 1)) or ""
        tool_id = target or f"{ctx.module_name}.<agent tool {name}>"
        tool_id = ctx.add_tool(
            ToolFact(tool_id, name, FRAMEWORK, ctx.loc(call), description=description, invokes=invokes)
        )
        return Ref(tool_id, ctx.loc(call))

    # --- function tools ------------------------------------------------------------------------

    def on_function(self, interpreter, node: cst.FunctionDef, fact, scope) -> None:
        for decorator in node.decorators:
            func, options = decorator_parts(decorator.decorator)
            if set(self.ctx.callee_names(func)) & FUNCTION_TOOL:
                self._function_tool(fact.qualname, fact.qualname, node, options, self.ctx.loc(node.name))

    def function_tool_call(self, ev, call: cst.Call, scope, target: str | None, options: cst.Call | None = None) -> Value:
        """`function_tool(f, ...)`, or `function_tool(...)(f)` with `options` the inner call."""
        ctx = self.ctx
        function_node = positional(call, 0) or keyword(call, "func")
        if options is None and function_node is None:  # `function_tool(name_override=...)`: a decorator factory
            return Opaque("function_tool decorator factory", ctx.loc(call))
        function = ev.evaluate(function_node, scope) if function_node is not None else None
        qualname = function.qualname if named_function(function) else None
        tool_id = target or qualname or f"{ctx.module_name}.<function_tool {ctx.loc(call).line}>"
        node = ctx.function_nodes.get(qualname) if qualname else None
        tool_id = self._function_tool(tool_id, qualname, node, options or call, ctx.loc(call))
        return Ref(tool_id, ctx.loc(call))

    def _function_tool(
        self, tool_id: str, function: str | None, node: cst.FunctionDef | None, options: cst.Call | None, location
    ) -> str:
        ctx = self.ctx
        name = string_value(keyword(options, "name_override")) if options is not None else None
        description = string_value(keyword(options, "description_override")) if options is not None else None
        default_name = node.name.value if node is not None else (function or tool_id).rsplit(".", 1)[-1]
        docstring = (node.get_docstring(clean=True) or "") if node is not None else ""
        params = tool_parameters(ctx, node, CONTEXT_TYPES) if node is not None else ()
        gates: tuple[Gate, ...] = ()
        approval = keyword(options, "needs_approval") if options is not None else None
        if approval is not None and not (isinstance(approval, cst.Name) and approval.value == "False"):
            gates = (Gate("approval", f"needs_approval={ctx.module.code_for_node(approval)}", ctx.loc(approval)),)
        if options is not None:
            gates += tuple(self.tool_guardrail_gates(keyword(options, "tool_input_guardrails"), "tool_input_guardrails"))
            self.note_output_guardrails(options)
        return ctx.add_tool(
            ToolFact(
                tool_id,
                name or default_name,
                FRAMEWORK,
                location,
                description=description if description is not None else docstring,
                function=function,
                params=params,
                gates=gates,
            )
        )

    def function_tool_class(self, ev, call: cst.Call, scope, target: str | None) -> Value:
        """`FunctionTool(name=..., description=..., params_json_schema=..., on_invoke_tool=fn)`."""
        ctx = self.ctx
        name = string_value(keyword(call, "name")) or ""
        invoke = keyword(call, "on_invoke_tool")
        function = ev.evaluate(invoke, scope) if invoke is not None else None
        schema, params = canonical_schema(keyword(call, "params_json_schema"))
        tool_id = target or f"{ctx.module_name}.<tool {name}>"
        tool_id = ctx.add_tool(
            ToolFact(
                tool_id,
                name,
                FRAMEWORK,
                ctx.loc(call),
                description=string_value(keyword(call, "description")) or "",
                function=function.qualname if named_function(function) else None,
                params=params,
                input_schema=schema,
                gates=tuple(self.tool_guardrail_gates(keyword(call, "tool_input_guardrails"), "tool_input_guardrails")),
            )
        )
        self.note_output_guardrails(call)
        return Ref(tool_id, ctx.loc(call))

    # --- guardrails ----------------------------------------------------------------------------

    def tool_guardrail_gates(self, node: cst.BaseExpression | None, where: str) -> list[Gate]:
        """One guardrail gate per tool input guardrail in the list `node`, naming its function."""
        if not isinstance(node, (cst.List, cst.Tuple)):
            if node is not None and not (isinstance(node, cst.Name) and node.value == "None"):
                self.ctx.diagnose(node, "unresolved-guardrail", f"{where}={code_of(self.ctx, node)} is not a list known statically; no gate recorded", "info")
            return []
        return [
            Gate("guardrail", f"tool input guardrail {self.guardrail_name(element.value)} checks each call before it runs", self.ctx.loc(element.value))
            for element in node.elements
        ]

    def note_output_guardrails(self, options: cst.Call) -> None:
        node = keyword(options, "tool_output_guardrails")
        if node is not None and not (isinstance(node, cst.Name) and node.value == "None"):
            self.ctx.diagnose(node, "guardrail-not-modelled", "tool_output_guardrails check a tool's result after it ran; not modelled as a gate", "info")

    def guardrail_name(self, node: cst.BaseExpression) -> str:
        """The guardrail's function: `reject_urls`, or the `guardrail_function=` of a
        `ToolInputGuardrail(...)`."""
        if isinstance(node, cst.Call):
            function = keyword(node, "guardrail_function") or positional(node, 0)
            if function is not None:
                return code_of(self.ctx, function)
        return code_of(self.ctx, node)

    def is_tool_input_guardrail(self, node: cst.BaseExpression) -> bool:
        ctx = self.ctx
        if isinstance(node, cst.Call):
            return bool(set(ctx.callee_names(node.func)) & TOOL_INPUT_GUARDRAILS)
        for name in ctx.names_of(node):
            function = ctx.function_nodes.get(name)
            if function is not None and any(set(ctx.callee_names(decorator_parts(d.decorator)[0])) & TOOL_INPUT_GUARDRAILS for d in function.decorators):
                return True
        return False

    def agent_guardrail_gates(self, call: cst.Call) -> list[Gate]:
        """An agent's `input_guardrails` / `output_guardrails` check the conversation, not tool
        calls: only tool input guardrails among them stand before the agent's tool calls."""
        gates: list[Gate] = []
        for where in ("input_guardrails", "output_guardrails"):
            node = keyword(call, where)
            if node is None:
                continue
            elements = [e.value for e in node.elements] if isinstance(node, (cst.List, cst.Tuple)) else [node]
            for element in elements:
                if self.is_tool_input_guardrail(element):
                    gates += self.tool_guardrail_gates(cst.List([cst.Element(element)]), where)
                else:
                    self.ctx.diagnose(element, "guardrail-not-modelled", f"{where} {code_of(self.ctx, element)} is no tool input guardrail of this file: it checks the conversation, not tool calls; not modelled as a gate", "info")
        return gates

    def finish(self, interpreter) -> None:
        openai_agents_sandbox.finish(self)

    # --- built-in tools ------------------------------------------------------------------------

    def _builtin_name(self, callee: tuple[str, ...], tools: bool) -> str | None:
        catalog = self.ctx.rulesets.builtin_index()
        for name in callee:
            if name in catalog or name in HOSTED_TOOL_CLASSES:
                return name
        if tools:
            for name in callee:
                if looks_like_class(name) and not self.ctx.is_project(name):
                    return name
        return None

    def builtin_tool(self, ev, call: cst.Call, builtin: str, scope) -> Value:
        ctx = self.ctx
        ev.evaluate_arguments(call, scope)
        gates = ()
        config = keyword(call, "tool_config")
        if isinstance(config, cst.Dict):
            approval = dict_entries(config).get("require_approval")
            if string_value(approval) == "always":
                gates = (Gate("approval", "require_approval=always", ctx.loc(approval)),)
        catalog_entry = ctx.rulesets.builtin_index().get(builtin)
        tool = ToolFact(
            f"{ctx.module_name}.<builtin {builtin}>",
            builtin.rsplit(".", 1)[-1],
            catalog_entry.framework if catalog_entry is not None else FRAMEWORK,
            ctx.loc(call),
            builtin=builtin,
            gates=gates,
        )
        return Ref(ctx.add_tool(tool), ctx.loc(call))


def code_of(ctx, node: cst.CSTNode) -> str:
    return ctx.module.code_for_node(node)

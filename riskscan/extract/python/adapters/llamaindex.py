"""LlamaIndex: `FunctionTool.from_defaults(fn=...)` (or `async_fn=`), plain functions in a tools
list, `QueryEngineTool` / `RetrieverTool` (catalogued: they return the indexed, private data),
the workflow agents `FunctionAgent` / `ReActAgent` / `CodeActAgent(tools=..., can_handoff_to=...)`
and `AgentWorkflow(agents=[...], root_agent=...)`.

In a workflow the active agent hands the conversation to another by name: to those its
`can_handoff_to` lists, to every other member when it is None. A `CodeActAgent` runs the code the
model writes through its `code_execute_fn`: a code-execution tool of the agent, whose body is
analysed. A `Context` parameter of a tool is the workflow's, not the model's. Names are those of
llama-index-core 0.14.
"""

from __future__ import annotations

from riskscan.extract.python.adapters.frameworks import (
    AgentSpec,
    FrameworkAdapter,
    Specs,
    TeamSpec,
    WrapperSpec,
    argument,
)
from riskscan.extract.python.parameters import named_function
from riskscan.extract.python.syntax import cst
from riskscan.extract.python.values import keyword, string_list
from riskscan.types import (
    CONFIDENCE_CATALOG,
    Capability,
    ContextLink,
    Evidence,
    Items,
    Opaque,
    Ref,
    ToolFact,
    Value,
)

FRAMEWORK = "llama-index"
_WORKFLOW = "llama_index.core.agent.workflow"
AGENT_NAMES = ("FunctionAgent", "ReActAgent", "CodeActAgent")
AGENTS = tuple(f"{package}.{name}" for package in (_WORKFLOW, "llama_index.core.agent") for name in AGENT_NAMES)
CODE_AGENTS = frozenset(name for name in AGENTS if name.endswith("CodeActAgent"))
_FUNCTION_TOOL = ("llama_index.core.tools.FunctionTool", "llama_index.core.tools.function_tool.FunctionTool")
WORKFLOWS = (f"{_WORKFLOW}.AgentWorkflow", "llama_index.core.agent.AgentWorkflow", f"{_WORKFLOW}.multi_agent_workflow.AgentWorkflow")
SPECS = Specs(
    agents={name: AgentSpec(FRAMEWORK) for name in AGENTS},
    wrappers={f"{cls}.from_defaults": WrapperSpec(FRAMEWORK, function=((0, "fn"), (None, "async_fn")), name=((1, "name"),), description=((2, "description"),)) for cls in _FUNCTION_TOOL},
    teams={name: TeamSpec(FRAMEWORK, members=((0, "agents"),), kind="handoff") for name in WORKFLOWS},
)


class LlamaIndex(FrameworkAdapter):
    frameworks = (FRAMEWORK,)
    specs = SPECS
    context_types = frozenset({"llama_index.core.workflow.Context", "workflows.Context", "llama_index.core.workflow.context.Context"})

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.agent_names: dict[str, str] = {}  # agent id -> its name
        self.can_handoff_to: dict[str, list[str] | None] = {}  # agent id -> names it may hand to

    def agent(self, ev, call, spec, scope, target, name=None):
        value = super().agent(ev, call, spec, scope, target, name)
        if isinstance(value, Ref):
            self.agent_names[value.qualname] = self.ctx.agents[value.qualname].name
            allowed = keyword(call, "can_handoff_to")
            self.can_handoff_to[value.qualname] = string_list(allowed) if allowed is not None else None
            if allowed is not None and string_list(allowed) is None:
                self.ctx.diagnose(allowed, "unresolved-handoff", "can_handoff_to is not a literal list of names; every member assumed", "info")
        return value

    def agent_extras(self, ev, call, spec, scope, agent_id, name):
        ctx = self.ctx
        if not set(ctx.callee_names(call.func)) & CODE_AGENTS:
            return [], [], False
        runner = keyword(call, "code_execute_fn")
        function = ev.evaluate(runner, scope) if runner is not None else None
        where = ctx.loc(runner if runner is not None else call)
        evidence = (Evidence("builtin-tool", "CodeActAgent runs the code the model writes", where),)
        tool = ToolFact(
            f"{agent_id}.<execute_code>", "execute_code", FRAMEWORK, where,
            function=function.qualname if named_function(function) else None,
            capabilities=(Capability("code_exec", CONFIDENCE_CATALOG, evidence),),
        )
        return [Ref(ctx.add_tool(tool), where)], [], False

    def team(self, ev, call: cst.Call, spec: TeamSpec, scope, target: str | None) -> Value:
        """`AgentWorkflow(agents=[...])`: each member hands off to those it may, by name."""
        ctx = self.ctx
        members_node = argument(call, spec.members)
        for arg in call.args:
            if arg.value is not members_node:
                ev.evaluate(arg.value, scope)
        members = ev.evaluate(members_node, scope) if members_node is not None else Items(())
        items = members.items if isinstance(members, Items) else (members,)
        known = [item for item in items if isinstance(item, Ref) and item.qualname in self.agent_names]
        if len(known) != len(items):
            ctx.diagnose(call, "unresolved-member", "a member of an AgentWorkflow is not an agent made in this file; its handoffs are not known", "info")
        by_name = {self.agent_names[a.qualname]: a for a in known}
        for sender in known:
            allowed = self.can_handoff_to.get(sender.qualname)
            names = [n for n in (allowed if allowed is not None else by_name) if n != self.agent_names[sender.qualname]]
            receivers = tuple(by_name[n] for n in names if n in by_name)
            for missing in sorted(set(names) - set(by_name)):
                ctx.diagnose(call, "unresolved-handoff", f"agent '{self.agent_names[sender.qualname]}' may hand off to '{missing}', which is not in the workflow", "info")
            if receivers:
                ctx.links.append(ContextLink("handoff", receivers, ctx.loc(call), sender, False, scope.condition))
        return Opaque("agent workflow", ctx.loc(call))

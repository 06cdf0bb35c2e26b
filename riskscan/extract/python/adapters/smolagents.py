"""smolagents: `CodeAgent` (the agent itself runs the Python the model writes: a built-in
`python_code` tool of the agent, a sandbox when `executor_type` is a remote one),
`ToolCallingAgent`, `@tool`, `Tool` subclasses (`forward`), `managed_agents` (agents called like
tools). `additional_authorized_imports` that open the interpreter up are hygiene findings. Names
are those of smolagents 1.26.
"""

from __future__ import annotations

from riskscan.extract.python.adapters.frameworks import (
    AgentSpec,
    DecoratorSpec,
    FrameworkAdapter,
    Specs,
    ToolClassSpec,
    code,
)
from riskscan.extract.python.values import keyword, literal, string_value
from riskscan.types import Gate, Ref, ToolFact

FRAMEWORK = "smolagents"
_AGENT = AgentSpec(FRAMEWORK, tools=((0, "tools"),), agent_tools=((None, "managed_agents"),))
CODE_AGENTS = frozenset({"smolagents.CodeAgent", "smolagents.agents.CodeAgent"})
SPECS = Specs(
    agents={name: _AGENT for name in (*CODE_AGENTS, "smolagents.ToolCallingAgent", "smolagents.agents.ToolCallingAgent")},
    decorators={name: DecoratorSpec(FRAMEWORK, name=()) for name in ("smolagents.tool", "smolagents.tools.tool")},
    tool_classes={name: ToolClassSpec(FRAMEWORK, ("forward",)) for name in ("smolagents.Tool", "smolagents.tools.Tool")},
)
SANDBOXED_EXECUTORS = frozenset({"docker", "e2b", "modal", "wasm", "blaxel"})
OPENING_IMPORTS = frozenset({"*", "os", "subprocess", "shutil", "socket", "sys", "builtins", "importlib", "pty"})


class Smolagents(FrameworkAdapter):
    frameworks = (FRAMEWORK,)
    specs = SPECS

    def agent_extras(self, ev, call, spec, scope, agent_id, name):
        callee = set(self.ctx.callee_names(call.func))
        if not callee & CODE_AGENTS:
            return [], [], False
        ctx = self.ctx
        executor = keyword(call, "executor_type")
        kind = string_value(executor) if executor is not None else "local"
        gates = ()
        if kind in SANDBOXED_EXECUTORS:
            gates = (Gate("sandbox", f"executor_type={kind!r}", ctx.loc(executor)),)
        imports = keyword(call, "additional_authorized_imports")
        try:
            allowed = literal(imports) if imports is not None else []
        except ValueError:
            allowed = []
        opening = sorted(set(a for a in allowed if isinstance(a, str)) & OPENING_IMPORTS) if isinstance(allowed, list) else []
        if opening and not gates:
            self.hygiene("unrestricted-imports", imports, name, f"additional_authorized_imports={code(ctx, imports)}")
        elif not gates and kind == "local":
            self.hygiene("local-code-executor", call, name, "CodeAgent runs model-written Python in the local executor")
        tool = ToolFact(f"{agent_id}.<python_code>", "python_code", FRAMEWORK, ctx.loc(call), builtin=sorted(callee & CODE_AGENTS)[0], gates=gates)
        return [Ref(ctx.add_tool(tool), ctx.loc(call))], [], False

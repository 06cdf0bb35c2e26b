"""AutoGen AgentChat: `AssistantAgent(tools=..., handoffs=...)`, `CodeExecutorAgent` with its
code executor (a container executor is a sandbox, a local one is a hygiene finding, an
`approval_func` is an approval gate), `FunctionTool(func, ...)`, and the teams
(`RoundRobinGroupChat`, `SelectorGroupChat`, `Swarm`, `MagenticOneGroupChat`): every participant
of a team shares the one conversation. Names are those of autogen-agentchat / autogen-ext 0.7.
"""

from __future__ import annotations

from riskscan.extract.python.adapters.frameworks import (
    AgentSpec,
    FrameworkAdapter,
    Specs,
    TeamSpec,
    WrapperSpec,
)
from riskscan.extract.python.syntax import cst
from riskscan.extract.python.values import keyword, positional
from riskscan.types import Gate, Ref, ToolFact

FRAMEWORK = "autogen"
CODE_EXECUTOR_AGENTS = frozenset({"autogen_agentchat.agents.CodeExecutorAgent", "autogen_agentchat.agents._code_executor_agent.CodeExecutorAgent"})
SPECS = Specs(
    agents={
        **{name: AgentSpec(FRAMEWORK, name=((0, "name"),)) for name in ("autogen_agentchat.agents.AssistantAgent", "autogen_agentchat.agents._assistant_agent.AssistantAgent")},
        **{name: AgentSpec(FRAMEWORK, tools=(), name=((0, "name"),)) for name in CODE_EXECUTOR_AGENTS},
    },
    wrappers={name: WrapperSpec(FRAMEWORK, function=((0, "func"),)) for name in ("autogen_core.tools.FunctionTool", "autogen_core.tools._function_tool.FunctionTool")},
    teams={
        f"autogen_agentchat.teams.{team}": TeamSpec(FRAMEWORK)
        for team in ("RoundRobinGroupChat", "SelectorGroupChat", "Swarm", "MagenticOneGroupChat")
    },
)
SANDBOX_EXECUTORS = frozenset(
    {
        "autogen_ext.code_executors.docker.DockerCommandLineCodeExecutor",
        "autogen_ext.code_executors.docker_jupyter.DockerJupyterCodeExecutor",
        "autogen_ext.code_executors.azure.ACADynamicSessionsCodeExecutor",
    }
)
LOCAL_EXECUTORS = frozenset(
    {
        "autogen_ext.code_executors.local.LocalCommandLineCodeExecutor",
        "autogen_ext.code_executors.jupyter.JupyterCodeExecutor",
    }
)


class AutoGen(FrameworkAdapter):
    frameworks = (FRAMEWORK,)
    specs = SPECS
    more_triggers = SANDBOX_EXECUTORS | LOCAL_EXECUTORS

    def agent_extras(self, ev, call, spec, scope, agent_id, name):
        ctx = self.ctx
        if not set(ctx.callee_names(call.func)) & CODE_EXECUTOR_AGENTS:
            return [], [], False
        executor = keyword(call, "code_executor") or positional(call, 1)
        executor_classes = set(ctx.instance_types(executor)) if executor is not None else set()
        gates = []
        if executor_classes & SANDBOX_EXECUTORS:
            gates.append(Gate("sandbox", f"{sorted(executor_classes & SANDBOX_EXECUTORS)[0].rsplit('.', 1)[-1]} runs code in a container", ctx.loc(executor)))
        elif executor_classes & LOCAL_EXECUTORS:
            self.hygiene("local-code-executor", executor, name, f"{sorted(executor_classes & LOCAL_EXECUTORS)[0].rsplit('.', 1)[-1]} runs code on the host")
        elif executor is not None:
            ctx.diagnose(executor, "unresolved-executor", "the code executor of a CodeExecutorAgent is not known statically; assumed local", "info")
        approval = keyword(call, "approval_func")
        if approval is not None and not (isinstance(approval, cst.Name) and approval.value == "None"):
            gates.append(Gate("approval", f"approval_func={ctx.module.code_for_node(approval)}", ctx.loc(approval)))
        builtin = sorted(set(ctx.callee_names(call.func)) & CODE_EXECUTOR_AGENTS)[0]
        tool = ToolFact(f"{agent_id}.<execute_code>", "execute_code", FRAMEWORK, ctx.loc(call), builtin=builtin, gates=tuple(gates))
        return [Ref(ctx.add_tool(tool), ctx.loc(call))], [], False

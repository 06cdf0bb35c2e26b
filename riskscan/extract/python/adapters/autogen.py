"""AutoGen AgentChat and its extensions: `AssistantAgent(tools=..., workbench=...)`,
`CodeExecutorAgent` and `PythonCodeExecutionTool(executor)` with their code executor (a container
executor is a sandbox, a local one or `create_default_code_executor()` a hygiene finding, an
`approval_func` an approval gate), `FunctionTool(func, ...)`, `AgentTool(agent)` / `TeamTool(team)`
(agent-as-tool), MCP servers (`McpWorkbench(params)`, `mcp_server_tools(params)` with
`StdioServerParams` / `SseServerParams` / `StreamableHttpServerParams`), and the teams
(`RoundRobinGroupChat`, `SelectorGroupChat`, `Swarm`, `MagenticOneGroupChat`, `GraphFlow`): every
participant of a team shares the one conversation, a team inside a team or a `SocietyOfMindAgent`
included. The prebuilt agents hold the tools their implementation hands the model, from the
catalog (`rulesets/builtin_tools_autogen.yaml`): `MultimodalWebSurfer`, `FileSurfer`,
`VideoSurfer` (unless given `tools=`), `OpenAIAssistantAgent` / `OpenAIAgent` (hosted tools named
by a string or a `{"type": ...}` dict, and function tools), `MagenticOneCoderAgent` (none), and
`MagenticOne(client)`, the team of all four with a `CodeExecutorAgent`. A `UserProxyAgent` is a
human in the conversation: no agent, no tools, and no gate. AutoGen Core agents are
`autogen_core.py`'s. Names are those of autogen-agentchat / autogen-ext / autogen-core 0.7.5.
"""

from __future__ import annotations

from riskscan.extract.configs.mcp_config import server_tool_facts
from riskscan.extract.python.adapters import autogen_core
from riskscan.extract.python.adapters.declarations import dict_entries
from riskscan.extract.python.adapters.frameworks import (
    AgentSpec,
    FrameworkAdapter,
    Specs,
    TeamSpec,
    WrapperSpec,
    argument,
    code,
)
from riskscan.extract.python.syntax import cst
from riskscan.extract.python.values import (
    keyword,
    launch_arguments,
    positional,
    string_value,
)
from riskscan.types import AgentFact, Gate, Items, Opaque, Ref, ToolFact, Value

FRAMEWORK = "autogen"


def paths(package: str, module: str, name: str) -> frozenset[str]:
    """A class as its package re-exports it and as its defining module names it."""
    return frozenset({f"{package}.{name}", f"{package}.{module}.{name}"})


AGENTS = "autogen_agentchat.agents"
ASSISTANT = paths(AGENTS, "_assistant_agent", "AssistantAgent")
CODE_EXECUTOR_AGENTS = paths(AGENTS, "_code_executor_agent", "CodeExecutorAgent")
SOCIETY_OF_MIND = paths(AGENTS, "_society_of_mind_agent", "SocietyOfMindAgent")
USER_PROXY = paths(AGENTS, "_user_proxy_agent", "UserProxyAgent")
# prebuilt agents whose tools are catalogued as `<canonical class>.<tool>`
WEB_SURFER = "autogen_ext.agents.web_surfer.MultimodalWebSurfer"
FILE_SURFER = "autogen_ext.agents.file_surfer.FileSurfer"
VIDEO_SURFER = "autogen_ext.agents.video_surfer.VideoSurfer"
OPENAI_ASSISTANT = "autogen_ext.agents.openai.OpenAIAssistantAgent"
OPENAI_AGENT = "autogen_ext.agents.openai.OpenAIAgent"
PREBUILT = {
    **{name: WEB_SURFER for name in paths("autogen_ext.agents.web_surfer", "_multimodal_web_surfer", "MultimodalWebSurfer")},
    **{name: FILE_SURFER for name in paths("autogen_ext.agents.file_surfer", "_file_surfer", "FileSurfer")},
    **{name: VIDEO_SURFER for name in paths("autogen_ext.agents.video_surfer", "_video_surfer", "VideoSurfer")},
    **{name: OPENAI_ASSISTANT for name in paths("autogen_ext.agents.openai", "_openai_assistant_agent", "OpenAIAssistantAgent")},
    **{name: OPENAI_AGENT for name in paths("autogen_ext.agents.openai", "_openai_agent", "OpenAIAgent")},
}
CODER = paths("autogen_ext.agents.magentic_one", "_magentic_one_coder_agent", "MagenticOneCoderAgent")
MAGENTIC_ONE = frozenset({"autogen_ext.teams.magentic_one.MagenticOne", "autogen_ext.teams.MagenticOne"})
CODE_TOOL = paths("autogen_ext.tools.code_execution", "_code_execution", "PythonCodeExecutionTool")
AGENT_TOOL = paths("autogen_agentchat.tools", "_agent", "AgentTool")
TEAM_TOOL = paths("autogen_agentchat.tools", "_team", "TeamTool")
LANGCHAIN_ADAPTER = paths("autogen_ext.tools.langchain", "_langchain_adapter", "LangChainToolAdapter")
WORKBENCH = paths("autogen_ext.tools.mcp", "_workbench", "McpWorkbench")
SERVER_TOOLS = paths("autogen_ext.tools.mcp", "_factory", "mcp_server_tools")
STDIO_PARAMS = paths("autogen_ext.tools.mcp", "_config", "StdioServerParams")
HTTP_PARAMS = paths("autogen_ext.tools.mcp", "_config", "SseServerParams") | paths("autogen_ext.tools.mcp", "_config", "StreamableHttpServerParams")

_CHAT = AgentSpec(FRAMEWORK, tools=((None, "tools"), (None, "workbench")), name=((0, "name"),))
_BARE = AgentSpec(FRAMEWORK, tools=(), name=((0, "name"),))
SPECS = Specs(
    agents={
        **{name: _CHAT for name in ASSISTANT},
        **{name: _CHAT if PREBUILT[name] == VIDEO_SURFER else _BARE for name in PREBUILT},
        **{name: _BARE for name in CODE_EXECUTOR_AGENTS | CODER | SOCIETY_OF_MIND},
    },
    wrappers={name: WrapperSpec(FRAMEWORK, function=((0, "func"),)) for name in ("autogen_core.tools.FunctionTool", "autogen_core.tools._function_tool.FunctionTool")},
    teams={
        f"autogen_agentchat.teams.{team}": TeamSpec(FRAMEWORK)
        for team in ("RoundRobinGroupChat", "SelectorGroupChat", "Swarm", "MagenticOneGroupChat", "GraphFlow")
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
DEFAULT_EXECUTOR = frozenset({"autogen_ext.code_executors.create_default_code_executor"})
MORE_CALLS = USER_PROXY | MAGENTIC_ONE | CODE_TOOL | AGENT_TOOL | TEAM_TOOL | LANGCHAIN_ADAPTER | WORKBENCH | SERVER_TOOLS


class AutoGen(FrameworkAdapter):
    frameworks = (FRAMEWORK,)
    specs = SPECS
    more_calls = MORE_CALLS
    more_triggers = SANDBOX_EXECUTORS | LOCAL_EXECUTORS | DEFAULT_EXECUTOR | autogen_core.TRIGGERS

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.core = autogen_core.CoreAgents(self)
        self.humans: set = set()  # where a UserProxyAgent was made, and the names bound to it: no team member

    def claims_more(self, callee: tuple[str, ...]) -> bool:
        return super().claims_more(callee) or self.core.claims(callee)

    def evaluate_more(self, ev, call, callee, scope, target, tools) -> Value | None:
        names = set(callee)
        ctx = self.ctx
        if names & USER_PROXY:
            ev.evaluate_arguments(call, scope)
            ctx.diagnose(call, "human-participant", "UserProxyAgent is a human answering in the conversation: no agent that holds tools, and no gate (the other members' tools run whatever the human answers)", "info")
            self.humans.add(ctx.loc(call))
            if target is not None:
                self.humans.add(target)
            return Opaque("a human (UserProxyAgent)", ctx.loc(call))
        if names & MAGENTIC_ONE:
            return self.magentic_one(ev, call, scope, target)
        if names & CODE_TOOL:
            return self.code_execution_tool(ev, call, min(names & CODE_TOOL), scope, target)
        if names & (AGENT_TOOL | TEAM_TOOL):
            return self.agent_tool(ev, call, bool(names & TEAM_TOOL), scope, target)
        if names & LANGCHAIN_ADAPTER:  # the LangChain tool it wraps is the tool
            inner = argument(call, ((0, "langchain_tool"),))
            return ev.evaluate(inner, scope, tools=True) if inner is not None else Opaque("LangChainToolAdapter()", ctx.loc(call))
        if names & (WORKBENCH | SERVER_TOOLS):
            return self.mcp_server(ev, call, scope, target)
        return self.core.evaluate(ev, call, callee, scope, target)

    def observe_statement(self, interpreter, node, scope) -> None:
        super().observe_statement(interpreter, node, scope)
        if isinstance(node, cst.ClassDef):
            self.core.observe_class(node)

    def finish(self, interpreter) -> None:
        self.core.finish()

    # --- agents --------------------------------------------------------------------------------

    def agent_extras(self, ev, call, spec, scope, agent_id, name):
        ctx = self.ctx
        names = set(ctx.callee_names(call.func))
        if names & CODE_EXECUTOR_AGENTS:
            executor = keyword(call, "code_executor") or positional(call, 1)
            return [self.execute_code_tool(agent_id, call, executor, keyword(call, "approval_func"), name)], [], False
        if names & SOCIETY_OF_MIND:
            team = argument(call, ((1, "team"),))
            if team is not None:
                self.link("supervisor", ev.evaluate(team, scope), call, scope, source=Ref(agent_id, ctx.loc(call)))
            return [], [], False
        prebuilt = next((PREBUILT[n] for n in sorted(names) if n in PREBUILT), None)
        if prebuilt in (OPENAI_ASSISTANT, OPENAI_AGENT):
            return self.hosted_tools(ev, call, prebuilt, scope, agent_id), [], False
        if prebuilt is not None and not (prebuilt == VIDEO_SURFER and keyword(call, "tools") is not None):
            return self.catalog_tools(agent_id, prebuilt, call), [], False
        return [], [], False

    def catalog_tools(self, agent_id: str, owner: str, call: cst.Call) -> list[Value]:
        """The tools a prebuilt agent hands its model, as the catalog lists them."""
        ctx = self.ctx
        refs: list[Value] = []
        for key, entry in ctx.rulesets.builtin_index().items():
            if key.rpartition(".")[0] == owner:
                tool = ToolFact(f"{agent_id}.<{entry.tool_name}>", entry.tool_name, FRAMEWORK, ctx.loc(call), builtin=key)
                refs.append(Ref(ctx.add_tool(tool), ctx.loc(call)))
        return refs

    def hosted_tools(self, ev, call: cst.Call, owner: str, scope, agent_id: str) -> list[Value]:
        """`tools=["code_interpreter", {"type": "file_search", ...}, my_function]`."""
        ctx = self.ctx
        node = keyword(call, "tools") or positional(call, 5)
        if not isinstance(node, (cst.List, cst.Tuple)):
            return [ev.evaluate(node, scope, tools=True)] if node is not None else []
        found: list[Value] = []
        catalog = ctx.rulesets.builtin_index()
        for element in node.elements:
            value = element.value
            kind = string_value(value) if not isinstance(value, cst.Dict) else string_value(dict_entries(value).get("type"))
            if kind is None and not isinstance(value, cst.Dict):
                found.append(ev.evaluate(value, scope, tools=True))
            elif f"{owner}.{kind}" in catalog:
                entry = catalog[f"{owner}.{kind}"]
                tool = ToolFact(f"{agent_id}.<{entry.tool_name}>", entry.tool_name, FRAMEWORK, ctx.loc(value), builtin=f"{owner}.{kind}")
                found.append(Ref(ctx.add_tool(tool), ctx.loc(value)))
            else:
                ctx.diagnose(value, "unknown-tool-class", f"hosted tool {code(ctx, value)} of {owner.rsplit('.', 1)[-1]} is not in the catalog; not recorded", "info")
        return found

    def magentic_one(self, ev, call: cst.Call, scope, target: str | None) -> Value:
        """`MagenticOne(client, hil_mode, input_func, code_executor, approval_func)`: FileSurfer,
        WebSurfer, Coder and a ComputerTerminal that runs the code, in one MagenticOneGroupChat."""
        ctx = self.ctx
        ev.evaluate_arguments(call, scope)
        base = target or f"{ctx.module_name}.<MagenticOne {ctx.loc(call).line}>"
        members: list[Value] = []
        for name, owner in (("FileSurfer", FILE_SURFER), ("WebSurfer", WEB_SURFER), ("Coder", None), ("ComputerTerminal", "terminal")):
            agent_id = f"{base}.<agent {name}>"
            if owner == "terminal":
                executor = argument(call, ((3, "code_executor"),))
                tools = [self.execute_code_tool(agent_id, call, executor, argument(call, ((4, "approval_func"),)), name, default=True)]
            else:
                tools = self.catalog_tools(agent_id, owner, call) if owner else []
            agent_id = ctx.add_agent(AgentFact(agent_id, name, FRAMEWORK, ctx.loc(call), tuple(tools), (), scope.condition))
            members.append(Ref(agent_id, ctx.loc(call)))
        self.link("shared-context", Items(tuple(members)), call, scope)
        return Items(tuple(members))

    def team(self, ev, call, spec, scope, target) -> Value:
        """The team is its members (a team inside a team, or a SocietyOfMindAgent's, shares with
        them); a human member is no agent."""
        members_node = argument(call, spec.members)
        members = ev.evaluate(members_node, scope) if members_node is not None else Items(())
        for arg in call.args:
            if arg.value is not members_node:
                ev.evaluate(arg.value, scope)
        items = members.items if isinstance(members, Items) else (members,)
        kept = Items(tuple(m for m in items if not self.is_human(m)))
        self.link(spec.kind, kept, call, scope)
        return kept

    def is_human(self, member: Value) -> bool:
        """A UserProxyAgent made in this file, directly or through a module-level name."""
        if isinstance(member, Ref):
            return member.qualname in self.humans
        return isinstance(member, Opaque) and member.location in self.humans

    # --- tools ---------------------------------------------------------------------------------

    def execute_code_tool(self, agent_id: str, call: cst.Call, executor, approval, subject: str, default: bool = False) -> Value:
        ctx = self.ctx
        gates = self.executor_gates(executor, subject, call if default else None)
        if approval is not None and not (isinstance(approval, cst.Name) and approval.value == "None"):
            gates.append(Gate("approval", f"approval_func={code(ctx, approval)}", ctx.loc(approval)))
        builtin = "autogen_agentchat.agents.CodeExecutorAgent"
        tool = ToolFact(f"{agent_id}.<execute_code>", "execute_code", FRAMEWORK, ctx.loc(call), builtin=builtin, gates=tuple(gates))
        return Ref(ctx.add_tool(tool), ctx.loc(call))

    def executor_gates(self, executor: cst.BaseExpression | None, subject: str, default_at: cst.Call | None = None) -> list[Gate]:
        """A container executor is a sandbox; a local one, or the default (Docker when it runs,
        else the host), is a hygiene finding."""
        ctx = self.ctx
        if executor is None or (isinstance(executor, cst.Name) and executor.value == "None"):
            if default_at is not None:
                self.hygiene("local-code-executor", default_at, subject, "no code_executor: create_default_code_executor() runs the code on the host when Docker is not running")
            return []
        classes = set(ctx.instance_types(executor))
        if classes & SANDBOX_EXECUTORS:
            return [Gate("sandbox", f"{min(classes & SANDBOX_EXECUTORS).rsplit('.', 1)[-1]} runs code in a container", ctx.loc(executor))]
        if classes & LOCAL_EXECUTORS:
            self.hygiene("local-code-executor", executor, subject, f"{min(classes & LOCAL_EXECUTORS).rsplit('.', 1)[-1]} runs code on the host")
        elif set(ctx.callee_names(made.func) if isinstance(made := self.value_node(executor), cst.Call) else ()) & DEFAULT_EXECUTOR:
            self.hygiene("local-code-executor", executor, subject, "create_default_code_executor() runs the code on the host when Docker is not running")
        else:
            ctx.diagnose(executor, "unresolved-executor", f"the code executor of {subject} is not known statically; assumed local", "info")
        return []

    def code_execution_tool(self, ev, call: cst.Call, builtin: str, scope, target: str | None) -> Value:
        ctx = self.ctx
        ev.evaluate_arguments(call, scope)
        executor = argument(call, ((0, "executor"),))
        gates = self.executor_gates(executor, target.rsplit(".", 1)[-1] if target else "PythonCodeExecutionTool")
        tool = ToolFact(target or f"{ctx.module_name}.<builtin {builtin}>", "CodeExecutor", FRAMEWORK, ctx.loc(call), builtin=builtin, gates=tuple(gates))
        return Ref(ctx.add_tool(tool), ctx.loc(call))

    def agent_tool(self, ev, call: cst.Call, team: bool, scope, target: str | None) -> Value:
        """`AgentTool(agent)` / `TeamTool(team, name, description)`: the tool runs the agent (a
        team: its first member, who shares the team's conversation)."""
        ctx = self.ctx
        ev.evaluate_arguments(call, scope)
        inner = argument(call, ((0, "team" if team else "agent"),))
        invokes = ev.evaluate(inner, scope) if inner is not None else Opaque("no agent", ctx.loc(call))
        name = string_value(argument(call, ((1, "name"),))) if team else None
        name = name or (code(ctx, inner) if isinstance(inner, cst.Name) else "agent")
        description = string_value(argument(call, ((2, "description"),))) or ""
        tool = ToolFact(target or f"{ctx.module_name}.<agent tool {name}>", name, FRAMEWORK, ctx.loc(call), description=description, invokes=invokes)
        return Ref(ctx.add_tool(tool), ctx.loc(call))

    def mcp_server(self, ev, call: cst.Call, scope, target: str | None) -> Value:
        ctx = self.ctx
        ev.evaluate_arguments(call, scope)
        params = argument(call, ((0, "server_params"),))
        made = self.value_node(params)
        entry = self.server_entry(made) if isinstance(made, cst.Call) else None
        if entry is None:
            what = code(ctx, params) if params is not None else "no server_params"
            ctx.diagnose(call, "unresolved-server", f"MCP server with {what}: its command or URL is not known statically; assumed the worst", "info")
            entry = {}
        key = target.rsplit(".", 1)[-1] if target else f"mcp-{ctx.loc(call).line}"
        facts = server_tool_facts(f"mcp:{ctx.path}#{key}", key, entry, ctx.loc(call), ctx.rulesets)
        return Items(tuple(Ref(ctx.add_tool(fact), ctx.loc(call)) for fact in facts))

    def server_entry(self, call: cst.Call) -> dict | None:
        """`StdioServerParams(command=..., args=[...])` or `SseServerParams(url=...)` as a client
        config's server entry."""
        names = set(self.ctx.callee_names(call.func))
        if names & STDIO_PARAMS:
            command = string_value(keyword(call, "command"))
            args = launch_arguments(keyword(call, "args"), self.ctx.module.code_for_node)
            return {"command": command, "args": args} if command is not None and args is not None else None
        if names & HTTP_PARAMS:
            url = string_value(keyword(call, "url"))
            return {"url": url} if url is not None else None
        return None

    def value_node(self, node: cst.BaseExpression | None) -> cst.BaseExpression | None:
        """The expression a name was bound to, when it was bound once in this file."""
        if not isinstance(node, cst.Name):
            return node
        assigned = [self.ctx.declarations.assigned.get(id(a.node)) for a in self.ctx.assignments(node) if isinstance(a.node, cst.Name)]
        assigned = [value for value in assigned if value is not None]
        return assigned[0] if len(assigned) == 1 else node

"""Google ADK tools that are not functions of the project: the framework's built-in tools and
toolsets (rulesets/builtin_tools_google_adk.yaml), written as module-level instances
(`tools=[google_search, load_memory]`, also inside a list bound elsewhere) or as classes called
(`VertexAiSearchTool(...)`, `GmailToolset(...)`, `ExecuteBashTool(...)`); the code executor an
`LlmAgent(code_executor=...)` runs the model's code with; and MCP toolsets.

`McpToolset` / `MCPToolset(connection_params=...)` takes `StdioConnectionParams(server_params=
StdioServerParameters(command=..., args=[...]))`, `StdioServerParameters` itself,
`SseConnectionParams(url=...)` or `StreamableHTTPConnectionParams(url=...)` (also the old names
`SseServerParams` / `StreamableHTTPServerParams`), written in place or bound to a name of the
file. A catalogued server gives its known tools, the project's own server script its real tools
(`ToolFact.launches`); `tool_filter=[names]` keeps those tools only (a predicate is decided at
run time); `require_confirmation` (True or a callable) is an approval gate on every tool.

A Google API toolset (`GmailToolset`, `CalendarToolset`, ...) whose `tool_filter` names only
reading methods (its tools are named after the discovery method: `calendar_events_get`), and an
`ApplicationIntegrationToolset` whose `entity_operations` are only GET / LIST and whose `actions`
only get or list, keep only the catalog's reading labels.

Gates: sandboxed executors carry the catalog's sandbox gate, `UnsafeLocalCodeExecutor` is the
hygiene finding `local-code-executor`; `ExecuteBashTool` asks the user to confirm every command
(an approval gate) and a `BashToolPolicy(allowed_command_prefixes=...)` without "*" is an
allowlist; an `EnvironmentToolset` in a sandboxed environment (E2B, Daytona, OpenSandbox, Agent
Engine) is a sandbox, in `LocalEnvironment` it runs on the host. Names are those of google-adk
2.13.0 (google/adk/tools/, google/adk/code_executors/, google/adk/environment/,
google/adk/integrations/).
"""

from __future__ import annotations

from dataclasses import replace

from riskscan.extract.configs.mcp_config import server_tool_facts
from riskscan.extract.python.syntax import cst
from riskscan.extract.python.values import (
    INSTANCE,
    keyword,
    launch_arguments,
    positional,
    string_list,
    string_value,
)
from riskscan.types import (
    CONFIDENCE_CATALOG,
    AgentFact,
    Binding,
    Capability,
    Evidence,
    Gate,
    Items,
    Ref,
    Registration,
    ToolFact,
    Value,
    When,
)

FRAMEWORK = "google-adk"

_MCP = "google.adk.tools.mcp_tool"
_MCP_MODULES = (_MCP, f"{_MCP}.mcp_toolset", f"{_MCP}.mcp_session_manager")
TOOLSETS = frozenset(f"{m}.{n}" for m in ("google.adk.tools", _MCP, f"{_MCP}.mcp_toolset") for n in ("McpToolset", "MCPToolset"))
STDIO_PARAMETERS = frozenset(
    {"mcp.StdioServerParameters", "mcp.client.stdio.StdioServerParameters", f"{_MCP}.mcp_toolset.StdioServerParameters",
     f"{_MCP}.mcp_session_manager.StdioServerParameters", "google.adk.dependencies._mcp.StdioServerParameters"}
)
STDIO_CONNECTION = frozenset(f"{m}.StdioConnectionParams" for m in _MCP_MODULES)
HTTP_CONNECTION = frozenset(f"{m}.{n}" for m in _MCP_MODULES for n in ("SseConnectionParams", "StreamableHTTPConnectionParams")) | frozenset(
    f"{_MCP}.mcp_session_manager.{n}" for n in ("SseServerParams", "StreamableHTTPServerParams")
)
MCP_NAMES = TOOLSETS | STDIO_PARAMETERS | STDIO_CONNECTION | HTTP_CONNECTION

UNSAFE_EXECUTORS = frozenset({"google.adk.code_executors.UnsafeLocalCodeExecutor", "google.adk.code_executors.unsafe_local_code_executor.UnsafeLocalCodeExecutor"})
BASH_TOOL = "google.adk.tools.bash_tool.ExecuteBashTool"
BASH_POLICY = frozenset({"google.adk.tools.bash_tool.BashToolPolicy"})
ENVIRONMENT_TOOLSETS = frozenset({"google.adk.tools.environment.EnvironmentToolset", "google.adk.tools.environment._environment_toolset.EnvironmentToolset"})
LOCAL_ENVIRONMENTS = frozenset({"google.adk.environment.LocalEnvironment", "google.adk.environment._local_environment.LocalEnvironment"})
SANDBOX_ENVIRONMENTS = frozenset(
    f"google.adk.integrations.{package}.{name}"
    for package, name in (("e2b", "E2BEnvironment"), ("daytona", "DaytonaEnvironment"), ("opensandbox", "OpenSandboxEnvironment"), ("vmaas", "AgentEngineEnvironment"))
)
# tools that wrap another framework's tool: the inner tool is the tool
WRAPPERS = frozenset(
    {"google.adk.tools.langchain_tool.LangchainTool", "google.adk.integrations.langchain.LangchainTool",
     "google.adk.integrations.langchain.langchain_tool.LangchainTool", "google.adk.tools.crewai_tool.CrewaiTool",
     "google.adk.integrations.crewai.CrewaiTool", "google.adk.integrations.crewai.crewai_tool.CrewaiTool"}
)
REMOTE_AGENTS = frozenset({"google.adk.agents.remote_a2a_agent.RemoteA2aAgent"})


def catalog(ctx) -> dict:
    """The catalogued built-ins of Google ADK, by qualified name."""
    return ctx.rulesets.builtins_of(FRAMEWORK)


def is_executor(entry) -> bool:
    """A code executor class (an agent's `code_executor`), not a tool."""
    return entry.names[0].rsplit(".", 1)[-1].endswith("CodeExecutor")


def builtin_tool(ctx, builtin: str, node: cst.CSTNode, gates: tuple[Gate, ...] = (), tool_id: str | None = None) -> Ref:
    entry = ctx.rulesets.builtin_index().get(builtin)
    name = entry.tool_name if entry is not None else builtin.rsplit(".", 1)[-1]
    fact = ToolFact(tool_id or f"{ctx.module_name}.<builtin {builtin}>", name, FRAMEWORK, ctx.loc(node), builtin=builtin, gates=gates)
    return Ref(ctx.add_tool(fact), ctx.loc(node))


# --- classes called ----------------------------------------------------------------------------


def called_builtin(adapter, ev, call: cst.Call, names: set[str], scope, tools: bool) -> Value | None:
    """A call of a built-in class of ADK: its tool (with the gates its arguments put on it), the
    instance of a code executor (a tool only as an agent's `code_executor`), the tool a wrapper
    holds, or an unknown ADK tool class met in a tools list."""
    ctx = adapter.ctx
    if names & WRAPPERS:
        inner = keyword(call, "tool") or positional(call, 0)
        for arg in call.args:
            if arg.value is not inner:
                ev.evaluate(arg.value, scope)
        return ev.evaluate(inner, scope, tools=True) if inner is not None else None
    known = catalog(ctx)
    found = sorted(names & set(known))
    if found and is_executor(known[found[0]]):
        ev.evaluate_arguments(call, scope)
        return Ref(found[0] + INSTANCE, ctx.loc(call))
    if not found and not (tools and any(n.startswith("google.adk.") and n.rsplit(".", 1)[-1][:1].isupper() for n in names)):
        return None
    ev.evaluate_arguments(call, scope)
    builtin = found[0] if found else min(names)
    gates: tuple[Gate, ...] = ()
    if builtin == BASH_TOOL:
        gates = bash_gates(ctx, call)
    elif builtin in ENVIRONMENT_TOOLSETS:
        gates = environment_gates(adapter, call)
    reads = read_only(ctx, builtin, call)
    if reads is not None:
        return reads_of(ctx, builtin, call, reads)
    return builtin_tool(ctx, builtin, call, gates)


# --- toolsets cut down to reads ----------------------------------------------------------------

GOOGLE_API_TOOLSETS = frozenset(
    f"google.adk.tools.google_api_tool.{module}{name}"
    for module in ("", "google_api_toolsets.")
    for name in ("GmailToolset", "CalendarToolset", "DocsToolset", "SheetsToolset", "SlidesToolset", "YoutubeToolset", "BigQueryToolset")
)
INTEGRATION_TOOLSETS = frozenset(
    f"google.adk.tools.application_integration_tool.{module}ApplicationIntegrationToolset" for module in ("", "application_integration_toolset.")
)
# A Google API tool is named after the discovery method it calls (`calendar_events_get`,
# `gmail_users_get_profile`, `sheets_spreadsheets_values_batch_get`): these verbs only read.
READ_VERBS = frozenset({"get", "list", "watch", "search", "export", "query"})
READ_LABELS = frozenset({"untrusted_input", "private_data", "secret_read"})


def read_only(ctx, builtin: str, call: cst.Call) -> str | None:
    """Why a toolset is cut down to reads, or None: a Google API toolset whose `tool_filter` names
    only reading methods; an Integration Connectors toolset whose entity operations are only
    GET / LIST and whose actions only get or list."""
    if builtin in GOOGLE_API_TOOLSETS:
        names = string_list(keyword(call, "tool_filter"))
        if names and all(set(name.split("_")[-2:]) & READ_VERBS for name in names):
            return f"tool_filter keeps only reading methods ({', '.join(names)})"
        return None
    if builtin not in INTEGRATION_TOOLSETS:
        return None
    operations, actions = keyword(call, "entity_operations"), keyword(call, "actions")
    entries = {}
    if isinstance(operations, cst.Dict):
        for element in operations.elements:
            entries[id(element)] = string_list(element.value) if isinstance(element, cst.DictElement) else None
    reads_only = (
        (operations is None or (isinstance(operations, cst.Dict) and all(ops and set(ops) <= {"GET", "LIST"} for ops in entries.values())))
        and (actions is None or all(a.split("_")[0].lower() in READ_VERBS for a in (string_list(actions) or ["?"])))
        and (operations is not None or actions is not None)
    )
    return "entity operations and actions only get or list" if reads_only else None


def reads_of(ctx, builtin: str, call: cst.Call, reason: str) -> Ref:
    """The toolset's catalogued reading labels only, on a tool of its own."""
    entry = ctx.rulesets.builtin_index()[builtin]
    evidence = (Evidence("builtin-tool", f"{FRAMEWORK} built-in {entry.tool_name} ({builtin}); {reason}", ctx.loc(call)),)
    capabilities = tuple(Capability(label, CONFIDENCE_CATALOG, evidence) for label in entry.labels if label in READ_LABELS)
    fact = ToolFact(f"{ctx.module_name}.<builtin {builtin}>", entry.tool_name, FRAMEWORK, ctx.loc(call), description=reason, capabilities=capabilities)
    return Ref(ctx.add_tool(fact), ctx.loc(call))


def bash_gates(ctx, call: cst.Call) -> tuple[Gate, ...]:
    """ExecuteBashTool.run_async asks for a confirmation before every command; its policy's
    allowed_command_prefixes, written out and without "*", only lets those commands through."""
    gates = [Gate("approval", "ExecuteBashTool asks the user to confirm every command", ctx.loc(call))]
    policy = keyword(call, "policy")
    if isinstance(policy, cst.Call) and set(ctx.callee_names(policy.func)) & BASH_POLICY:
        prefixes = keyword(policy, "allowed_command_prefixes")
        allowed = string_list(prefixes) if prefixes is not None else None
        if allowed is not None and "*" not in allowed:
            gates.append(Gate("allowlist", f"BashToolPolicy allows only commands starting with {', '.join(allowed) or 'nothing'}", ctx.loc(prefixes)))
    return tuple(gates)


def environment_gates(adapter, call: cst.Call) -> tuple[Gate, ...]:
    ctx = adapter.ctx
    environment = keyword(call, "environment")
    kinds = set(ctx.instance_types(environment)) if environment is not None else set()
    if kinds & SANDBOX_ENVIRONMENTS:
        kind = min(kinds & SANDBOX_ENVIRONMENTS).rsplit(".", 1)[-1]
        return (Gate("sandbox", f"EnvironmentToolset runs commands in a {kind}", ctx.loc(environment)),)
    if kinds & LOCAL_ENVIRONMENTS:
        adapter.hygiene("local-code-executor", environment, "EnvironmentToolset", "EnvironmentToolset(environment=LocalEnvironment(...)) runs the model's commands on the host")
    elif environment is not None:
        ctx.diagnose(environment, "unresolved-executor", "the environment of an EnvironmentToolset is not known statically; assumed the host", "info")
    return ()


# --- an agent's code executor ------------------------------------------------------------------


def code_executor_tool(adapter, call: cst.Call, agent_id: str, agent_name: str) -> list[Value]:
    """`LlmAgent(code_executor=X)`: the agent runs the code blocks of the model's answers with X."""
    ctx = adapter.ctx
    executor = keyword(call, "code_executor")
    if executor is None or (isinstance(executor, cst.Name) and executor.value == "None"):
        return []
    known = catalog(ctx)
    kinds = [name for name in ctx.instance_types(executor) if name in known and is_executor(known[name])]
    if not kinds:
        ctx.diagnose(executor, "unresolved-executor", f"the code executor of agent '{agent_name}' is not a known ADK executor; assumed it runs code on the host", "info")
        kinds = sorted(UNSAFE_EXECUTORS)
    if set(kinds) & UNSAFE_EXECUTORS:
        adapter.hygiene("local-code-executor", executor, agent_name, "UnsafeLocalCodeExecutor runs the model's code on the host")
    return [builtin_tool(ctx, min(kinds), executor, tool_id=f"{agent_id}.<code_executor>")]


# --- bare instances: `tools=[google_search]` ---------------------------------------------------


def replace_bare_builtins(ctx) -> None:
    """Every reference this file makes to a catalogued ADK instance or function (a name, not a
    call) becomes that built-in tool, wherever it sits: an agent's tools, a list bound to a name,
    a registration. A name bound to the instance alone (the import itself) stays a reference."""
    known = catalog(ctx)
    if not known:
        return
    made: dict[tuple, Ref] = {}

    def swap(value: Value) -> Value:
        if isinstance(value, Ref) and value.qualname in known and not is_executor(known[value.qualname]):
            key = (value.qualname, value.location)
            if key not in made:
                fact = ToolFact(f"{ctx.module_name}.<builtin {value.qualname}>", known[value.qualname].tool_name, FRAMEWORK, value.location, builtin=value.qualname)
                made[key] = Ref(ctx.add_tool(fact), value.location)
            return made[key]
        if isinstance(value, Items):
            return Items(tuple(swap(item) for item in value.items))
        if isinstance(value, When):
            return When(swap(value.value), value.condition)
        return value

    for agent_id, agent in list(ctx.agents.items()):
        ctx.agents[agent_id] = replace(agent, tools=tuple(swap(v) for v in agent.tools))
    for name, binding in list(ctx.bindings.items()):
        if isinstance(binding.value, (Items, When)):  # not the name an import binds itself
            ctx.bindings[name] = Binding(binding.qualname, swap(binding.value))
    ctx.registrations[:] = [Registration(r.target, swap(r.value), r.location) for r in ctx.registrations]


# --- MCP toolsets ------------------------------------------------------------------------------


def mcp_toolset(adapter, ev, call: cst.Call, scope, target: str | None) -> Value:
    ctx = adapter.ctx
    ev.evaluate_arguments(call, scope)
    params = keyword(call, "connection_params") or positional(call, 0)
    entry = connection_entry(ctx, params)
    if entry is None:
        what = ctx.module.code_for_node(params) if params is not None else "no connection_params"
        ctx.diagnose(call, "unresolved-server", f"MCP toolset with {what}: its command or URL is not known statically; assumed the worst", "info")
        entry = {}
    key = string_value(keyword(call, "tool_name_prefix")) or (target.rsplit(".", 1)[-1] if target else f"mcp-{ctx.loc(call).line}")
    tool_filter = keyword(call, "tool_filter")
    if tool_filter is not None and not (isinstance(tool_filter, cst.Name) and tool_filter.value == "None"):
        names = string_list(tool_filter)
        if names is None:
            ctx.diagnose(tool_filter, "unresolved-filter", f"tool_filter={ctx.module.code_for_node(tool_filter)} is decided at run time; every tool of the server is assumed available", "info")
        else:
            entry = {**entry, "includeTools": names}
    gates = confirmation_gates(ctx, keyword(call, "require_confirmation"))
    refs = []
    for fact in server_tool_facts(f"mcp:{ctx.path}#{key}", key, entry, ctx.loc(call), ctx.rulesets):
        fact = replace(fact, gates=tuple(sorted(set(fact.gates + gates))))
        refs.append(Ref(ctx.add_tool(fact), ctx.loc(call)))
    return Items(tuple(refs))


def connection_entry(ctx, node: cst.BaseExpression | None) -> dict | None:
    """Connection parameters as a client config's server entry: {"command", "args"} or {"url"}."""
    call = _call_of(ctx, node)
    if call is None:
        return None
    names = set(ctx.callee_names(call.func))
    if names & STDIO_CONNECTION:
        return connection_entry(ctx, keyword(call, "server_params"))
    if names & STDIO_PARAMETERS:
        command = string_value(keyword(call, "command"))
        args = launch_arguments(keyword(call, "args"), ctx.module.code_for_node)
        return {"command": command, "args": args} if command is not None and args is not None else None
    if names & HTTP_CONNECTION:
        url = string_value(keyword(call, "url"))
        return {"url": url} if url is not None else None
    return None


def _call_of(ctx, node: cst.BaseExpression | None) -> cst.Call | None:
    """The call itself, or the call a name of this file was last bound to."""
    if isinstance(node, cst.Call):
        return node
    if not isinstance(node, cst.Name):
        return None
    for assignment in reversed(ctx.assignments(node)):
        value = ctx.declarations.assigned.get(id(assignment.node))
        if isinstance(value, cst.Call):
            return value
    return None


def confirmation_gates(ctx, node: cst.BaseExpression | None) -> tuple[Gate, ...]:
    """`require_confirmation=True` or a callable (it decides per call): an approval gate."""
    if node is None or (isinstance(node, cst.Name) and node.value in ("False", "None")):
        return ()
    text = ctx.module.code_for_node(node)
    if isinstance(node, cst.Name) and node.value == "True":
        return (Gate("approval", "require_confirmation=True", ctx.loc(node)),)
    if isinstance(node, (cst.SimpleString, cst.Integer, cst.List, cst.Dict)):
        return ()
    return (Gate("approval", f"require_confirmation={text} decides per call", ctx.loc(node)),)


def remote_agent(adapter, ev, call: cst.Call, scope, target: str | None) -> Value:
    """`RemoteA2aAgent(name=..., agent_card=...)`: an agent on another server. Whatever reaches it
    is sent there, and its answer comes back: one catalogued tool of the agent."""
    ctx = adapter.ctx
    ev.evaluate_arguments(call, scope)
    name = string_value(keyword(call, "name")) or (target.rsplit(".", 1)[-1] if target else "remote_a2a_agent")
    agent_id = target or f"{ctx.module_name}.<agent {name}>"
    builtin = min(set(ctx.callee_names(call.func)) & REMOTE_AGENTS)
    tool = builtin_tool(ctx, builtin, call, tool_id=f"{agent_id}.<remote>")
    agent_id = ctx.add_agent(AgentFact(agent_id, name, FRAMEWORK, ctx.loc(call), (tool,), (), scope.condition))
    return Ref(agent_id, ctx.loc(call))

"""OpenAI Agents SDK MCP servers attached to agents: `Agent(mcp_servers=[MCPServerStdio(params=
{"command": ..., "args": [...]}), MCPServerStreamableHttp(params={"url": ...}), MCPServerSse(...)])`.

Each server becomes a catalogued server's tools, the project's own server when the command runs
one of its scripts (`ToolFact.launches`, as for client configs), or one worst-case opaque tool.
`tool_filter` (`create_static_tool_filter(...)` or its dict) cuts the tool list as the SDK's
`_apply_static_tool_filter` does; `require_approval` ("always", True, a callable, a dict of tool
names, or `{"always": {"tool_names": [...]}}`) is an approval gate on the tools it names; a
server's `tool_input_guardrails` stand before each of its tools. Names are those of
openai-agents 0.24 (`agents/mcp/server.py`, `agents/mcp/util.py`).
"""

from __future__ import annotations

from dataclasses import replace

from riskscan.extract.configs.mcp_config import server_tool_facts
from riskscan.extract.python.adapters.declarations import dict_entries
from riskscan.extract.python.syntax import cst
from riskscan.extract.python.values import (
    keyword,
    launch_arguments,
    positional,
    string_list,
    string_value,
)
from riskscan.types import Gate, Items, Ref, ToolFact, Value

_MODULES = ("agents.mcp", "agents.mcp.server")
STDIO = frozenset(f"{m}.MCPServerStdio" for m in _MODULES)
HTTP = frozenset(f"{m}.{name}" for m in _MODULES for name in ("MCPServerStreamableHttp", "MCPServerSse"))
SERVERS = STDIO | HTTP
STATIC_FILTER = frozenset({"agents.mcp.create_static_tool_filter", "agents.mcp.util.create_static_tool_filter"})


def mcp_server(adapter, ev, call: cst.Call, names: set[str], scope, target: str | None) -> Value:
    ctx = adapter.ctx
    ev.evaluate_arguments(call, scope)
    params = keyword(call, "params") or positional(call, 0)
    entry = _entry(params, bool(names & STDIO), ctx.module.code_for_node)
    if entry is None:
        what = ctx.module.code_for_node(params) if params is not None else "no params"
        ctx.diagnose(call, "unresolved-server", f"MCP server with {what}: its command or URL is not known statically; assumed the worst", "info")
        entry = {}
    key = string_value(keyword(call, "name")) or (target.rsplit(".", 1)[-1] if target else f"mcp-{ctx.loc(call).line}")
    filtered = _tool_filter(adapter, keyword(call, "tool_filter"))
    if filtered is not None:
        entry = {**entry, **filtered}
    approval = _approval(adapter, keyword(call, "require_approval"))
    guardrails = tuple(adapter.tool_guardrail_gates(keyword(call, "tool_input_guardrails"), "tool_input_guardrails"))
    adapter.note_output_guardrails(call)
    refs = []
    facts = server_tool_facts(f"mcp:{ctx.path}#{key}", key, entry, ctx.loc(call), ctx.rulesets)
    if "excludeTools" in entry and "includeTools" not in entry and any(f.name.endswith("/*") for f in facts):
        ctx.diagnose(call, "partial-filter", f"blocked_tool_names of server {key}, whose tools are not known here, are not applied", "info")
    for fact in facts:
        gates = approval(fact, call) + guardrails
        fact = replace(fact, gates=tuple(sorted(set(fact.gates + gates))))
        refs.append(Ref(ctx.add_tool(fact), ctx.loc(call)))
    return Items(tuple(refs))


def _entry(params: cst.BaseExpression | None, stdio: bool, shown) -> dict | None:
    """`params={...}` as a client config's server entry; an argument that is not a literal is
    kept as `<its code>`, so the package is still recognised."""
    if not isinstance(params, cst.Dict):
        return None
    entries = dict_entries(params)
    if not stdio:
        url = string_value(entries.get("url"))
        return {"url": url} if url is not None else None
    command = string_value(entries.get("command"))
    args = launch_arguments(entries.get("args"), shown)
    return {"command": command, "args": args} if command is not None and args is not None else None


def _tool_filter(adapter, node: cst.BaseExpression | None) -> dict | None:
    """`create_static_tool_filter(allowed_tool_names=..., blocked_tool_names=...)` or the same
    dict, as the entry's includeTools / excludeTools; a callable filter is not read."""
    ctx = adapter.ctx
    if node is None or (isinstance(node, cst.Name) and node.value == "None"):
        return None
    if isinstance(node, cst.Call) and set(ctx.callee_names(node.func)) & STATIC_FILTER:
        allowed = keyword(node, "allowed_tool_names") or positional(node, 0)
        blocked = keyword(node, "blocked_tool_names") or positional(node, 1)
    elif isinstance(node, cst.Dict):
        entries = dict_entries(node)
        allowed, blocked = entries.get("allowed_tool_names"), entries.get("blocked_tool_names")
    else:
        ctx.diagnose(node, "unresolved-filter", f"tool_filter={ctx.module.code_for_node(node)} is decided at run time; every tool of the server is assumed available", "info")
        return None
    found: dict = {}
    for key, value in (("includeTools", allowed), ("excludeTools", blocked)):
        if value is None or (isinstance(value, cst.Name) and value.value == "None"):
            continue
        names = string_list(value, missing=[])
        if names is None:
            ctx.diagnose(value, "unresolved-filter", f"tool names {ctx.module.code_for_node(value)} are not known statically; not applied", "info")
            continue
        found[key] = names
    return found


def _approval(adapter, node: cst.BaseExpression | None):
    """A function from a server tool to the approval gates `require_approval` puts on it."""
    ctx = adapter.ctx

    def none(fact: ToolFact, call) -> tuple[Gate, ...]:
        return ()

    if node is None:
        return none
    where = ctx.loc(node)
    text = ctx.module.code_for_node(node)
    value = string_value(node)
    if value is not None or isinstance(node, cst.Name) and node.value in ("True", "False", "None"):
        if value == "always" or (isinstance(node, cst.Name) and node.value == "True"):
            gate = (Gate("approval", f"require_approval={text}", where),)
            return lambda fact, call: gate
        return none
    if not isinstance(node, cst.Dict):  # a callable decides per call: recorded as a gate it may lift
        gate = (Gate("approval", f"require_approval={text} decides per call", where),)
        return lambda fact, call: gate
    entries = dict_entries(node)
    named: set[str] = set()
    if set(entries) <= {"always", "never"} and all(isinstance(v, cst.Dict) for v in entries.values()):
        always = entries.get("always")
        names = string_list(dict_entries(always).get("tool_names"), missing=[]) if always is not None else []
        named = set(names or ())
    else:
        named = {name for name, policy in entries.items() if string_value(policy) == "always" or (isinstance(policy, cst.Name) and policy.value == "True")}

    def by_name(fact: ToolFact, call) -> tuple[Gate, ...]:
        if fact.name.endswith("/*"):
            if named:
                ctx.diagnose(node, "partial-gate", f"require_approval names tools of a server whose tools are not known; no gate recorded for {fact.name}", "info")
            return ()
        return (Gate("approval", f"require_approval names {fact.name}", where),) if fact.name in named else ()

    return by_name


"""MCP servers as Strands Agents and Agno write them: the MCP SDK's launch parameters
(`StdioServerParameters(command=..., args=[...])`, `stdio_client(...)`, `streamablehttp_client(url)`,
`sse_client(url)`) read into a client config's server entry, and Strands' `MCPClient(lambda:
stdio_client(...), tool_filters=...)` / `MCPClient(url=...)` turned into the server's tools (a
catalogued server's, the project's own server's, or one worst-case opaque tool). Names are those of
mcp 1.x and strands-agents 1.62 (`strands/tools/mcp/mcp_client.py`).
"""

from __future__ import annotations

from riskscan.extract.configs.mcp_config import server_tool_facts
from riskscan.extract.python.adapters.declarations import dict_entries
from riskscan.extract.python.syntax import cst, find_nodes
from riskscan.extract.python.values import (
    keyword,
    launch_arguments,
    positional,
    string_list,
    string_value,
)
from riskscan.types import Items, Ref, Value

STDIO_PARAMETERS = frozenset({"mcp.StdioServerParameters", "mcp.client.stdio.StdioServerParameters"})
STDIO_CLIENTS = frozenset({"mcp.stdio_client", "mcp.client.stdio.stdio_client"})
HTTP_CLIENTS = frozenset(
    f"mcp.client.{module}.{name}"
    for module, name in (("streamable_http", "streamablehttp_client"), ("streamable_http", "streamable_http_client"), ("sse", "sse_client"))
)
MCP_CLIENTS = frozenset({"strands.tools.mcp.MCPClient", "strands.tools.mcp.mcp_client.MCPClient"})
# the client's methods that hand its tools out (`tools = client.list_tools_sync()`)
LIST_TOOLS = frozenset(f"{client}.{method}" for client in MCP_CLIENTS for method in ("list_tools_sync", "load_tools"))


def assigned_call(ctx, node: cst.BaseExpression | None, depth: int = 0) -> cst.BaseExpression | None:
    """The expression a name of this file is bound to, followed through names (`params = ...`
    then `stdio_client(params)`); the expression itself when it is no name."""
    while isinstance(node, cst.Name) and depth < 8:
        depth += 1
        values = [ctx.declarations.assigned.get(id(a.node)) for a in ctx.assignments(node)]
        values = [v for v in values if v is not None]
        if len(values) != 1:
            return node
        node = values[0]
    return node


def stdio_entry(ctx, call: cst.Call) -> dict | None:
    """`StdioServerParameters(command="uvx", args=[...])` as {"command", "args"}; None when the
    command or the argument list is not written out."""
    command = string_value(assigned_call(ctx, keyword(call, "command") or positional(call, 0)))
    args = launch_arguments(assigned_call(ctx, keyword(call, "args") or positional(call, 1)), ctx.module.code_for_node)
    return {"command": command, "args": args} if command is not None and args is not None else None


def transport_entry(ctx, node: cst.BaseExpression | None) -> dict | None:
    """The server entry a transport expression opens: `stdio_client(StdioServerParameters(...))`,
    `streamablehttp_client("https://...")`, `sse_client(url=...)`, or `StdioServerParameters(...)`
    itself; None when it is none of these or not written out."""
    node = assigned_call(ctx, node)
    if not isinstance(node, cst.Call):
        return None
    callee = set(ctx.callee_names(node.func))
    if callee & STDIO_PARAMETERS:
        return stdio_entry(ctx, node)
    if callee & STDIO_CLIENTS:
        inner = assigned_call(ctx, keyword(node, "server") or positional(node, 0))
        return stdio_entry(ctx, inner) if isinstance(inner, cst.Call) and set(ctx.callee_names(inner.func)) & STDIO_PARAMETERS else None
    if callee & HTTP_CLIENTS:
        url = string_value(keyword(node, "url") or positional(node, 0))
        return {"url": url} if url is not None else None
    return None


def callable_body(ctx, node: cst.BaseExpression | None) -> cst.BaseExpression | None:
    """What a transport callable returns: a lambda's body, or the one returned expression of a
    function of this file named by `node`."""
    if isinstance(node, cst.Lambda):
        return node.body
    if isinstance(node, cst.Name):
        bound = assigned_call(ctx, node)
        if isinstance(bound, cst.Lambda):
            return bound.body
        for name in ctx.names_of(node):
            function = ctx.function_nodes.get(name)
            if function is not None:
                returns = [r.value for r in find_nodes(function.body, cst.Return) if r.value is not None]
                return returns[0] if len(returns) == 1 else None
    return None


def mcp_client(adapter, ev, call: cst.Call, scope, target: str | None) -> Value:
    """Strands' `MCPClient(...)`: the tools of the server it opens, filtered by `tool_filters`."""
    ctx = adapter.ctx
    ev.evaluate_arguments(call, scope)
    url = string_value(keyword(call, "url"))
    transport = keyword(call, "transport_callable") or positional(call, 0)
    entry = {"url": url} if url is not None else transport_entry(ctx, callable_body(ctx, transport))
    if entry is None:
        what = ctx.module.code_for_node(transport) if transport is not None else "no transport"
        ctx.diagnose(call, "unresolved-server", f"MCPClient with {what}: the server's command or URL is not known statically; assumed the worst", "info")
        entry = {}
    entry = {**entry, **_tool_filters(ctx, keyword(call, "tool_filters"))}
    key = target.rsplit(".", 1)[-1] if target else f"mcp-{ctx.loc(call).line}"
    refs = [Ref(ctx.add_tool(fact), ctx.loc(call)) for fact in server_tool_facts(f"mcp:{ctx.path}#{key}", key, entry, ctx.loc(call), ctx.rulesets)]
    return Items(tuple(refs))


def _tool_filters(ctx, node: cst.BaseExpression | None) -> dict:
    """`tool_filters={"allowed": [...], "rejected": [...]}` as include/exclude lists; a filter
    that is not a list of names (a regular expression, a callable) is left out, with a note."""
    if node is None:
        return {}
    if not isinstance(node, cst.Dict):
        ctx.diagnose(node, "partial-filter", "tool_filters is not a literal dict; the server's tools are not filtered here", "info")
        return {}
    found = {}
    for key, wanted in (("allowed", "includeTools"), ("rejected", "excludeTools")):
        value = dict_entries(node).get(key)
        if value is None:
            continue
        names = string_list(value)
        if names is None:
            ctx.diagnose(value, "partial-filter", f"tool_filters[{key!r}] holds more than literal tool names; not applied", "info")
        else:
            found[wanted] = names
    return found

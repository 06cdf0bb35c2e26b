"""The server a FastMCP client connects to, as a client config's entry (`{"command", "args"}` or
`{"url"}`): `StdioTransport(command, args)` and the command-specific transports
(`PythonStdioTransport(script)`, `UvxStdioTransport(tool)`, `NpxStdioTransport(package)`, ...),
`StreamableHttpTransport(url)` / `SSETransport(url)`, a `fastmcp.Client(...)` around any of them,
a URL or a script path — written in the call or bound to a name first. Pydantic AI's `MCPToolset`
and `FastMCPToolset` take these. Names are those of fastmcp 2.14 and fastmcp-slim 4.2
(`fastmcp/client/transports/`).
"""

from __future__ import annotations

from riskscan.extract.python.syntax import cst
from riskscan.extract.python.values import (
    keyword,
    launch_arguments,
    positional,
    string_value,
)

_MODULES = ("fastmcp.client.transports", "fastmcp.client", "fastmcp.client.transports.stdio", "fastmcp.client.transports.http", "fastmcp.client.transports.sse")


def _names(cls: str) -> frozenset[str]:
    return frozenset(f"{module}.{cls}" for module in _MODULES)


# transport class -> (the command it runs, the arguments' (position, keyword), the script or
# package's (position, keyword) put before them, words between the command and that script)
_COMMANDS = {
    "StdioTransport": (None, (1, "args"), None, ()),
    "PythonStdioTransport": ("python", (1, "args"), (0, "script_path"), ()),
    "FastMCPStdioTransport": ("fastmcp", (1, "args"), (0, "script_path"), ("run",)),
    "NodeStdioTransport": ("node", (1, "args"), (0, "script_path"), ()),
    "UvStdioTransport": ("uv", (1, "args"), (0, "command"), ("run",)),
    "UvxStdioTransport": ("uvx", (1, "tool_args"), (0, "tool_name"), ()),
    "NpxStdioTransport": ("npx", (1, "args"), (0, "package"), ("-y",)),
}
STDIO = {name: cls for cls in _COMMANDS for name in _names(cls)}
HTTP = _names("StreamableHttpTransport") | _names("SSETransport")
CLIENTS = frozenset({"fastmcp.Client", "fastmcp.client.Client", "fastmcp.client.client.Client"})
TRIGGERS = frozenset(STDIO) | HTTP | CLIENTS


def server_entry(ctx, node: cst.BaseExpression | None, depth: int = 0) -> dict | None:
    """The client-config entry of what `node` connects to; None when it is not known statically."""
    if node is None or depth > 4:
        return None
    if isinstance(node, cst.Name):
        for assignment in ctx.assignments(node):
            value = ctx.declarations.assigned.get(id(assignment.node))
            if value is not None:
                return server_entry(ctx, value, depth + 1)
        return None
    text = string_value(node)
    if text is not None:
        if text.startswith(("http://", "https://")):
            return {"url": text}
        return {"command": "python", "args": [text]}  # a script path: FastMCP runs it with Python
    if not isinstance(node, cst.Call):
        return None
    callee = set(ctx.callee_names(node.func))
    if callee & CLIENTS:
        return server_entry(ctx, positional(node, 0) or keyword(node, "transport"), depth + 1)
    if callee & HTTP:
        url = string_value(positional(node, 0) or keyword(node, "url"))
        return {"url": url} if url is not None else None
    found = sorted(callee & set(STDIO))
    if not found:
        return None
    command, args_place, script_place, between = _COMMANDS[STDIO[found[0]]]
    shown = ctx.module.code_for_node
    args = launch_arguments(positional(node, args_place[0]) or keyword(node, args_place[1]), shown)
    if args is None:
        return None
    if command is None:  # StdioTransport(command, args)
        command = string_value(positional(node, 0) or keyword(node, "command"))
        return {"command": command, "args": args} if command is not None else None
    script = string_value(positional(node, script_place[0]) or keyword(node, script_place[1]))
    if script is None:
        return None
    return {"command": command, "args": [*between, script, *args]}

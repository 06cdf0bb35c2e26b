"""The Claude Agent SDK's tools that are the program's own, and its MCP servers: `@tool("name",
"description", schema)` functions and `SdkMcpTool(...)` (their parameters are the schema's keys:
the function takes one `args` dict), in-process `create_sdk_mcp_server(name=..., tools=[...])`
servers, and external `{"command", "args"}` / `{"type": "http", "url"}` entries of
`mcp_servers`, read as a client config's server entries (`server_tool_facts`). Each becomes a
`Candidate` named as Claude Code's rules name it, `mcp__<key>__<tool>` with the dict's key, for the
permissions to decide (claude_agent_sdk.py). Names are those of claude-agent-sdk 0.2.189.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from riskscan.extract.configs.mcp_config import server_tool_facts
from riskscan.extract.python.adapters.claude_agent_sdk_options import (
    PACKAGES,
    Reading,
    code,
    is_none,
    resolved,
)
from riskscan.extract.python.adapters.declarations import canonical_schema, dict_entries
from riskscan.extract.python.adapters.frameworks import argument
from riskscan.extract.python.syntax import cst
from riskscan.extract.python.values import flatten_items, launch_arguments, string_value
from riskscan.types import Condition, Items, Location, Opaque, Ref, Value

SERVERS = frozenset(f"{p}.create_sdk_mcp_server" for p in PACKAGES)


@dataclass(frozen=True)
class Candidate:
    """A tool an agent may hold, before the permissions decide: a built-in (`name` only), a tool of
    an in-process server (`value`, and `tool_name` of its fact when known), or a tool of an external
    server entry (`server`: its key and entry). `name` is what rules name: `Bash`, `mcp__s__t`, or
    `mcp__s__*` for a server whose tools are not known here."""

    name: str
    location: Location
    value: Value | None = None
    tool_name: str | None = None
    server: tuple[str, dict] | None = None
    condition: Condition = ()


class SdkTools:
    """What the adapter reads of tools and servers; `self.servers` maps each
    `create_sdk_mcp_server` call (by id) to its tools."""

    servers: dict[int, Value]

    # --- the program's own tools ---------------------------------------------------------------

    def function_tool(self, tool_id, function, node, options_call, framework, name_places, description_places, location) -> str:
        """An `@tool` / `SdkMcpTool` tool: its parameters are its schema's keys (the function takes
        one `args` dict), and its MCP annotations."""
        ctx = self.ctx
        tool_id = super().function_tool(tool_id, function, node, options_call, framework, name_places, description_places, location)
        schema_node = resolved(ctx, argument(options_call, ((2, "input_schema"),)))
        schema, params = "", ()
        if isinstance(schema_node, cst.Dict):
            entries = dict_entries(schema_node)
            schema, params = canonical_schema(schema_node) if "properties" in entries else ("", tuple(entries))
        hints = argument(options_call, ((3, "annotations"),))
        ctx.tools[tool_id] = replace(ctx.tools[tool_id], params=params, input_schema=schema, annotations=_annotations(hints))
        return tool_id

    def sdk_server(self, ev, call: cst.Call, scope) -> Value:
        tools_node = argument(call, ((2, "tools"),))
        for arg in call.args:
            if arg.value is not tools_node:
                ev.evaluate(arg.value, scope)
        # not as a framework's tools list: an unknown class in it is no built-in tool of another framework
        value = ev.evaluate(tools_node, scope) if tools_node is not None else Items(())
        self.servers[id(call)] = value
        return value

    # --- MCP servers ---------------------------------------------------------------------------

    def server_candidates(self, ev, node: cst.BaseExpression | None, scope, reading: Reading) -> list[Candidate]:
        ctx = self.ctx
        node = resolved(ctx, node)
        if is_none(node):
            return []
        if not isinstance(node, cst.Dict):
            reading.note(node, "unresolved-server", f"mcp_servers={code(ctx, node)} is not a dict known statically (a config file path is not read)")
            return []
        found: list[Candidate] = []
        for element in node.elements:
            key = string_value(element.key) if isinstance(element, cst.DictElement) else None
            if key is None:
                reading.note(element, "unresolved-server", "an mcp_servers entry whose name is not known statically")
                continue
            found += self.server(ev, key, element.value, scope, reading)
        return found

    def server(self, ev, key: str, node: cst.BaseExpression, scope, reading: Reading) -> list[Candidate]:
        ctx = self.ctx
        location = ctx.loc(node)
        target = resolved(ctx, node)
        unknown = f"mcp__{key}__*"
        if isinstance(target, cst.Dict) and string_value(dict_entries(target).get("type")) != "sdk":
            entry = self.server_entry(dict_entries(target))
            if entry is None:
                return [Candidate(unknown, location, Opaque(f"MCP server {key} with a command or URL not known statically", location))]
            facts = server_tool_facts(f"mcp:{ctx.path}#{key}", key, entry, location, ctx.rulesets)
            return [Candidate(f"mcp__{key}__{'*' if f.name.endswith('/*') else f.name}", location, server=(key, entry)) for f in facts]
        value = ev.evaluate(node, scope)
        tools = self.servers.get(id(target)) if isinstance(target, cst.Call) else None
        if tools is None:
            return [Candidate(unknown, location, value)]
        found = []
        for item, condition in flatten_items(tools) if isinstance(tools, Items) else [(tools, ())]:
            fact = ctx.tools.get(item.qualname) if isinstance(item, Ref) else None
            if fact is None:
                found.append(Candidate(unknown, location, item, condition=condition))
            else:
                found.append(Candidate(f"mcp__{key}__{fact.name}", item.location, item, fact.name, condition=condition))
        return found

    def server_entry(self, entries: dict[str, cst.BaseExpression]) -> dict | None:
        url = string_value(entries.get("url"))
        if url is not None:
            return {"url": url}
        command = string_value(entries.get("command"))
        args = launch_arguments(entries.get("args"), self.ctx.module.code_for_node)
        return {"command": command, "args": args} if command is not None and args is not None else None


def _annotations(node: cst.BaseExpression | None) -> tuple[tuple[str, bool], ...]:
    """`ToolAnnotations(readOnlyHint=True, ...)` or a dict of hints."""
    if isinstance(node, cst.Call):
        pairs = [(arg.keyword.value, arg.value) for arg in node.args if arg.keyword is not None]
    elif isinstance(node, cst.Dict):
        pairs = list(dict_entries(node).items())
    else:
        return ()
    return tuple(sorted((k, v.value == "True") for k, v in pairs if isinstance(v, cst.Name) and v.value in ("True", "False")))

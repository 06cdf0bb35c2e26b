"""OpenAI Responses API hosted MCP tools in code: `{"type": "mcp", "server_label": ...,
"server_url": ..., "allowed_tools": [...], "require_approval": ...}` in a `tools=` list.

The provider calls the server for the model, so its tools join the agent that holds the block: a
catalogued server gives its tools (cut to `allowed_tools`), an unknown one a single worst-case
tool. Calls need human approval unless `require_approval` is "never" (for every tool, or for
the tools named under {"never": {"tool_names": [...]}}); "never" for all is a hygiene finding.
"""

from __future__ import annotations

from riskscan.extract.configs.mcp_config import UNKNOWN_SERVER_LABELS, remote_server
from riskscan.extract.python.adapters import BaseAdapter
from riskscan.extract.python.adapters.declarations import dict_entries
from riskscan.extract.python.survey import Triggers
from riskscan.extract.python.syntax import cst
from riskscan.extract.python.values import string_list, string_value
from riskscan.types import (
    CONFIDENCE_CATALOG,
    CONFIDENCE_UNKNOWN_SERVER,
    Capability,
    Evidence,
    Gate,
    HygieneFact,
    Items,
    Ref,
    ToolFact,
    Value,
)

FRAMEWORK = "openai-responses"


class ResponsesMcp(BaseAdapter):
    frameworks = (FRAMEWORK,)

    @classmethod
    def triggers(cls) -> Triggers:
        return Triggers(dict_types=frozenset({"mcp"}))

    def evaluate_dict(self, ev, node: cst.Dict, scope) -> Value | None:
        entries = dict_entries(node)
        if string_value(entries.get("type")) != "mcp":
            return None
        ctx = self.ctx
        location = ctx.loc(node)
        label = string_value(entries.get("server_label")) or "mcp"
        url = string_value(entries.get("server_url")) or ""
        allowed = string_list(entries.get("allowed_tools"))
        ungated = self._ungated(entries.get("require_approval"), location, label)
        server = remote_server(url, ctx.rulesets) if url else None
        facts = []
        if server is not None:
            for tool in server.tools:
                if allowed is not None and tool.name not in allowed:
                    continue
                evidence = (Evidence("known-server", f"{server.title}: {tool.name} ({server.source})", location),)
                facts.append(self._tool(label, tool.name, location,
                                        tuple(Capability(l, CONFIDENCE_CATALOG, evidence) for l in tool.labels), ungated))
        else:
            where = url or string_value(entries.get("connector_id")) or "an unnamed server"
            evidence = (Evidence("unknown-server", f"hosted MCP server {label} at {where} is not in the catalog; assumed the worst", location),)
            facts.append(self._tool(label, "*", location,
                                    tuple(Capability(l, CONFIDENCE_UNKNOWN_SERVER, evidence) for l in UNKNOWN_SERVER_LABELS), ungated))
        return Items(tuple(Ref(ctx.add_tool(fact), location) for fact in facts))

    def _tool(self, label: str, name: str, location, capabilities, ungated) -> ToolFact:
        gated = not (ungated is True or (isinstance(ungated, set) and name in ungated))
        gates = (Gate("approval", f"require_approval on hosted MCP server {label}", location),) if gated else ()
        return ToolFact(
            f"{self.ctx.module_name}.<hosted mcp {label}/{name}>", name if name != "*" else f"{label}/*", FRAMEWORK,
            location, server=label, capabilities=capabilities, gates=gates,
        )

    def _ungated(self, node, location, label: str):
        """True when no call asks for approval, a set of tool names when only those skip it,
        None when every call does (the default)."""
        if string_value(node) == "never":
            self.ctx.hygiene.append(HygieneFact(
                "approvals-disabled", location, label, f"hosted MCP server {label} runs every tool with require_approval='never'"
            ))
            return True
        if isinstance(node, cst.Dict):
            never = dict_entries(node).get("never")
            names = string_list(dict_entries(never).get("tool_names")) if isinstance(never, cst.Dict) else None
            return set(names or ())
        return None

"""Tool manifests (MCP tools/list, OpenAI, Anthropic) -> one agent and one unlabelled tool per entry."""

import json
from pathlib import Path

import pytest

from riskscan import rulesets
from riskscan.extract import json_files
from riskscan.types import Diagnostic, Facts, Items, Location, Ref, SourceFile, ToolFact

REPO = Path(__file__).resolve().parents[2]
MANIFESTS = "fixtures/mcp/manifests"


@pytest.fixture(scope="module")
def rs():
    return rulesets.load()


def load(rel: str, rs) -> Facts:
    return json_files.extract((REPO / rel).read_bytes(), SourceFile(rel, "json"), rs)


def canonical(schema: dict) -> str:
    return json.dumps(schema, sort_keys=True, separators=(",", ":"))


def test_mcp_tools_list(rs):
    path = f"{MANIFESTS}/mcp-tools-list.json"
    facts = load(path, rs)
    assert facts.kind == "manifest"
    search, reply = facts.tools
    assert search == ToolFact(
        id=f"manifest:{path}#search_tickets",
        name="search_tickets",
        framework="manifest",
        location=Location(path, 3, 5),
        description="Search support tickets by text.",
        params=("query", "limit"),
        input_schema=canonical({
            "type": "object",
            "properties": {"query": {"type": "string"}, "limit": {"type": "integer"}},
            "required": ["query"],
        }),
        annotations=(("openWorldHint", False), ("readOnlyHint", True)),
    )
    assert (reply.id, reply.location, reply.params) == (f"manifest:{path}#send_reply", Location(path, 20, 5), ("ticket", "body"))
    assert reply.annotations == (("destructiveHint", False), ("readOnlyHint", False))
    assert facts.diagnostics == (Diagnostic(
        Location(path, 16, 5), "invalid-tool",
        "tool 'delete_ticket' does not match the MCP Tool schema at (tool): 'inputSchema' is a required property; skipped",
    ),)
    [agent] = facts.agents
    assert (agent.id, agent.name, agent.framework, agent.location) == (
        f"manifest:{path}", f"manifest ({path})", "manifest", Location(path, 1, 1))
    assert agent.tools == (Items((Ref(search.id, search.location), Ref(reply.id, reply.location))),)


def test_manifest_tools_carry_no_labels(rs):
    for name in ("mcp-tools-list", "mcp-jsonrpc", "openai-tools", "openai-responses-tools", "anthropic-tools"):
        facts = load(f"{MANIFESTS}/{name}.json", rs)
        assert facts.tools
        assert all(t.capabilities == () and t.server is None for t in facts.tools)


def test_jsonrpc_response(rs):
    path = f"{MANIFESTS}/mcp-jsonrpc.json"
    facts = load(path, rs)
    assert [(t.name, t.location.line, t.params, t.annotations) for t in facts.tools] == [
        ("get_weather", 2, ("city",), ()),
        ("run_query", 3, ("sql",), (("destructiveHint", True),)),
    ]
    assert facts.diagnostics == ()


def test_openai_chat_completions_tools(rs):
    path = f"{MANIFESTS}/openai-tools.json"
    facts = load(path, rs)
    get_order, refund = facts.tools
    assert (get_order.id, get_order.name, get_order.location) == (f"manifest:{path}#get_order", "get_order", Location(path, 2, 3))
    assert get_order.description == "Look up an order by id."
    assert get_order.input_schema == canonical({
        "type": "object", "properties": {"order_id": {"type": "string"}},
        "required": ["order_id"], "additionalProperties": False,
    })
    assert (refund.name, refund.params, refund.location.line) == ("issue_refund", ("order_id", "amount"), 16)


def test_openai_responses_flat_tools(rs):
    path = f"{MANIFESTS}/openai-responses-tools.json"
    [tool] = load(path, rs).tools
    assert (tool.id, tool.params, tool.description, tool.location) == (
        f"manifest:{path}#fetch_url", ("url",), "Fetch a web page.", Location(path, 2, 3))


def test_anthropic_tools(rs):
    path = f"{MANIFESTS}/anthropic-tools.json"
    facts = load(path, rs)
    assert [(t.name, t.params, t.location.line) for t in facts.tools] == [
        ("read_inbox", ("count",), 2),
        ("send_email", ("to", "subject", "body"), 7),
    ]


def test_junk_items_are_diagnostics_and_the_rest_is_kept(rs):
    path = "fixtures/mcp/broken/junk-array.json"
    facts = load(path, rs)
    assert [t.name for t in facts.tools] == ["lookup"]
    assert [(d.code, d.location.line, d.message) for d in facts.diagnostics] == [
        ("invalid-tool", 3, "a number is not a tool definition; skipped"),
        ("invalid-tool", 4, "a string is not a tool definition; skipped"),
        ("invalid-tool", 5, "a tool without a name; skipped"),
        ("invalid-tool", 6, "null is not a tool definition; skipped"),
    ]


def test_duplicate_names_keep_the_first(rs):
    text = '{"tools": [\n{"name": "a", "inputSchema": {"type": "object"}},\n{"name": "a", "inputSchema": {"type": "object"}}\n]}'
    facts = json_files.extract(text.encode(), SourceFile("t.json", "json"), rs)
    assert [(t.name, t.location.line) for t in facts.tools] == [("a", 2)]
    assert [(d.code, d.location.line) for d in facts.diagnostics] == [("duplicate-tool", 3)]


def test_mcp_tool_with_a_non_object_input_schema_fails_validation(rs):
    text = '{"tools": [{"name": "a", "inputSchema": {"type": "string"}}, {"name": "b", "inputSchema": {"type": "object"}}]}'
    facts = json_files.extract(text.encode(), SourceFile("t.json", "json"), rs)
    assert [t.name for t in facts.tools] == ["b"]
    assert [d.code for d in facts.diagnostics] == ["invalid-tool"]
    assert "inputSchema/type" in facts.diagnostics[0].message


def test_an_empty_tool_list_is_an_agent_without_tools(rs):
    facts = json_files.extract(b'{"tools": []}', SourceFile("t.json", "json"), rs)
    assert facts.tools == () and facts.agents[0].tools == (Items(()),) and facts.diagnostics == ()

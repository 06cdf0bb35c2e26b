"""Hosted MCP servers of the catalog are recognised by their URL, so a read-only documentation
server is not taken for an unknown one that may do anything (rulesets/mcp_servers.yaml)."""

from __future__ import annotations

import json

from riskscan.scan import scan

DOCS = {
    "learn": "https://learn.microsoft.com/api/mcp",
    "aws": "https://knowledge-mcp.global.api.aws",
    "cloudflare": "https://docs.mcp.cloudflare.com/sse",
    "deepwiki": "https://mcp.deepwiki.com/mcp",
}


def test_hosted_documentation_servers_are_catalogued_and_read_only(tmp_path):
    (tmp_path / ".cursor").mkdir()
    servers = {name: {"url": url} for name, url in DOCS.items()}
    (tmp_path / ".cursor" / "mcp.json").write_text(json.dumps({"mcpServers": servers}))
    report = scan(str(tmp_path))
    labels = {tool.name: {c.label for c in tool.capabilities} for tool in report.tools if tool.framework == "mcp-config"}  # the servers', not Cursor's own
    assert {"microsoft_docs_fetch", "aws___read_documentation", "search_cloudflare_documentation", "read_wiki_contents"} <= set(labels)
    assert not {label for found in labels.values() for label in found} - {"untrusted_input"}  # nothing writes, runs or sends
    assert "server-not-assessed" not in {d.code for d in report.diagnostics}


def test_a_look_alike_host_is_not_the_catalogued_server(tmp_path):
    (tmp_path / ".cursor").mkdir()
    (tmp_path / ".cursor" / "mcp.json").write_text(json.dumps({"mcpServers": {"learn": {"url": "https://learn.microsoft.com.example.net/api/mcp"}}}))
    report = scan(str(tmp_path))
    assert "microsoft_docs_fetch" not in {tool.name for tool in report.tools}
    assert "server-not-assessed" in {d.code for d in report.diagnostics}

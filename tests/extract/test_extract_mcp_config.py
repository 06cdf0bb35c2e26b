"""MCP client configs -> one agent, catalogued or opaque tools, hygiene facts (fixtures/mcp)."""

import dataclasses
import json
from pathlib import Path

import pytest

from riskscan import rulesets
from riskscan.extract import json_files
from riskscan.formats import json_input
from riskscan.types import (
    CONFIDENCE_CATALOG,
    CONFIDENCE_UNKNOWN_SERVER,
    Capability,
    Evidence,
    Facts,
    HygieneFact,
    Items,
    Location,
    Ref,
    SourceFile,
    ToolFact,
)

REPO = Path(__file__).resolve().parents[2]
FAKE_GITHUB = "ghp_" + "FAKEfakeFAKEfake0123456789abcdefghij"


@pytest.fixture(scope="module")
def rs():
    return rulesets.load()


def load(rel: str, rs) -> Facts:
    return json_files.extract((REPO / rel).read_bytes(), SourceFile(rel, "json"), rs)


def from_text(text: str, rs, path: str = ".mcp.json") -> Facts:
    return json_files.extract(text.encode(), SourceFile(path, "json"), rs)


def servers(facts: Facts) -> dict[str, str | None]:
    """server key -> catalog id (None for an opaque tool)."""
    return {t.id.split("#", 1)[1].rsplit("/", 1)[0]: t.server for t in facts.tools}


def hygiene(facts: Facts) -> set[tuple[str, str, int]]:
    return {(h.check, h.subject, h.location.line) for h in facts.hygiene}


def every_text(facts: Facts) -> str:
    return json.dumps([dataclasses.asdict(x) for x in facts.hygiene + facts.diagnostics], default=str) + repr(facts)


# --- Claude Desktop -------------------------------------------------------------------------------

CLAUDE_DESKTOP = "fixtures/mcp/claude-desktop/claude_desktop_config.json"


def test_claude_desktop_is_one_agent_holding_every_catalogued_tool(rs):
    facts = load(CLAUDE_DESKTOP, rs)
    assert facts.kind == "mcp-config"
    [agent] = facts.agents
    assert agent.id == f"mcp-client:{CLAUDE_DESKTOP}"
    assert agent.name == f"Claude Desktop ({CLAUDE_DESKTOP})"
    assert agent.framework == "mcp-config"
    assert agent.location == Location(CLAUDE_DESKTOP, 2, 3)
    assert agent.tools == (Items(tuple(Ref(t.id, t.location) for t in facts.tools)),)
    assert servers(facts) == {"filesystem": "filesystem", "github": "github-archived", "fetch": "fetch"}
    catalog = {s.id: s for s in rs.mcp_servers}
    names = [t.name for t in facts.tools if t.server == "filesystem"]
    assert names == [tool.name for tool in catalog["filesystem"].tools]


def test_claude_desktop_known_tool_facts_are_exact(rs):
    facts = load(CLAUDE_DESKTOP, rs)
    by_id = {t.id: t for t in facts.tools}
    where = Location(CLAUDE_DESKTOP, 18, 5)
    evidence = (Evidence(
        "known-server",
        "Fetch (MCP reference server): fetch (https://github.com/modelcontextprotocol/servers/tree/main/src/fetch)",
        where,
    ),)
    assert by_id[f"mcp:{CLAUDE_DESKTOP}#fetch/fetch"] == ToolFact(
        id=f"mcp:{CLAUDE_DESKTOP}#fetch/fetch",
        name="fetch",
        framework="mcp-config",
        location=where,
        description="GET of a model-chosen URL; the URL itself carries data out",
        server="fetch",
        capabilities=(
            Capability("untrusted_input", CONFIDENCE_CATALOG, evidence),
            Capability("external_send", CONFIDENCE_CATALOG, evidence),
        ),
    )
    labels = {t.name: sorted(c.label for c in t.capabilities) for t in facts.tools if t.server == "filesystem"}
    assert labels["read_file"] == ["private_data", "secret_read"]  # rooted at the home folder
    assert labels["write_file"] == ["fs_write"]
    assert labels["move_file"] == ["fs_delete", "fs_write"]
    github = {t.name: t for t in facts.tools if t.server == "github-archived"}
    assert {c.label for c in github["push_files"].capabilities} == {"external_send"}
    assert {c.label for c in github["get_issue"].capabilities} == {"untrusted_input", "private_data"}
    assert github["push_files"].location == Location(CLAUDE_DESKTOP, 11, 5)


def test_claude_desktop_hygiene(rs):
    facts = load(CLAUDE_DESKTOP, rs)
    assert set(facts.hygiene) == {
        HygieneFact("broad-filesystem-root", Location(CLAUDE_DESKTOP, 8, 9), "filesystem",
                    "Filesystem (MCP reference server) is given `/Users/alice` as an allowed folder"),
        HygieneFact("unpinned-package", Location(CLAUDE_DESKTOP, 13, 22), "github",
                    "`npx` runs package @modelcontextprotocol/server-github without an exact version"),
        HygieneFact("plaintext-secret", Location(CLAUDE_DESKTOP, 15, 9), "github",
                    "env.GITHUB_PERSONAL_ACCESS_TOKEN holds a literal secret (github-token): ghp_…"),
    }
    assert facts.diagnostics == ()


def test_the_fake_secret_never_leaves_the_file(rs):
    facts = load(CLAUDE_DESKTOP, rs)
    for fact in facts.hygiene + facts.diagnostics:
        assert FAKE_GITHUB not in repr(fact)
        assert FAKE_GITHUB[4:12] not in repr(fact)
    assert FAKE_GITHUB[4:12] not in every_text(facts)


# --- Claude Code, Cursor, VS Code, Windsurf --------------------------------------------------------


def test_claude_code_remote_servers_and_references(rs):
    path = "fixtures/mcp/claude-code/.mcp.json"
    facts = load(path, rs)
    assert facts.agents[0].name == f"Claude Code ({path})"
    assert servers(facts) == {"github": "github", "sentry": "sentry", "internal-tools": None, "db": "postgres"}
    assert hygiene(facts) == {("plain-http-remote", "internal-tools", 16)}
    assert facts.hygiene[0].detail == "remote server tools.corp.example is reached over plain http"
    [opaque] = [t for t in facts.tools if t.server is None]
    assert opaque.id == f"mcp:{path}#internal-tools/*"
    assert opaque.name == "internal-tools/*"
    assert opaque.location == Location(path, 14, 5)
    assert [c.label for c in opaque.capabilities] == ["untrusted_input", "external_send", "fs_write", "fs_delete"]
    assert {c.confidence for c in opaque.capabilities} == {CONFIDENCE_UNKNOWN_SERVER}
    assert {e.kind for c in opaque.capabilities for e in c.evidence} == {"unknown-server"}


def test_cursor(rs):
    path = "fixtures/mcp/cursor/.cursor/mcp.json"
    facts = load(path, rs)
    assert facts.agents[0].name == f"Cursor ({path})"
    assert servers(facts) == {"playwright": "playwright", "context7": "context7", "stripe": "stripe"}
    assert set(facts.hygiene) == {
        HygieneFact("unpinned-package", Location(path, 5, 16), "playwright",
                    "`npx` runs package @playwright/mcp without an exact version (@latest is not a version)"),
        HygieneFact("plaintext-secret", Location(path, 17, 9), "stripe",
                    "env.STRIPE_SECRET_KEY holds a literal secret (secret-named-key): fake…"),
    }
    assert "fake-stripe-key-0001" not in every_text(facts)


def test_vscode_jsonc_with_inputs(rs):
    path = "fixtures/mcp/vscode/.vscode/mcp.json"
    facts = load(path, rs)
    assert facts.diagnostics == ()
    [agent] = facts.agents
    assert (agent.name, agent.location) == (f"VS Code ({path})", Location(path, 11, 3))
    assert servers(facts) == {"github": "github", "memory": "memory", "workspace": "filesystem"}
    lines = {t.id.split("#")[1].split("/")[0]: t.location.line for t in facts.tools}
    assert lines == {"github": 13, "memory": 25, "workspace": 29}
    assert hygiene(facts) == {("unpinned-package", "memory", 27)}


def test_windsurf_server_url_with_a_key_in_the_query(rs):
    path = "fixtures/mcp/windsurf/mcp_config.json"
    facts = load(path, rs)
    assert facts.agents[0].name == f"Windsurf ({path})"
    assert servers(facts) == {"exa": "exa"}
    assert set(facts.hygiene) == {HygieneFact(
        "plaintext-secret", Location(path, 4, 7), "exa",
        "serverUrl (query parameter exaApiKey) holds a literal secret (secret-named-key): http…",
    )}
    assert "FAKEexaKEY" not in every_text(facts)


def test_minified_positions_are_on_line_one(rs):
    path = "fixtures/mcp/minified/claude_desktop_config.json"
    facts = load(path, rs)
    assert {t.id.split("#")[1].split("/")[0]: t.location for t in facts.tools} == {
        "slack": Location(path, 1, 16),
        "files": Location(path, 1, 178),
    }
    assert set(facts.hygiene) == {HygieneFact(
        "broad-filesystem-root", Location(path, 1, 242), "files",
        "Filesystem (MCP reference server) is given `/` as an allowed folder",
    )}


def test_unknown_servers_become_one_opaque_tool_each(rs):
    path = "fixtures/mcp/unknown-server/.mcp.json"
    facts = load(path, rs)
    assert [t.id for t in facts.tools] == [f"mcp:{path}#acme-crm/*", f"mcp:{path}#acme-tools/*"]
    details = [t.capabilities[0].evidence[0].detail for t in facts.tools]
    assert details == [
        "acme-crm: command node is not in the server catalog; assumed the MCP annotation defaults "
        "(not read-only, destructive, open-world)",
        "acme-tools: package @acme/mcp-tools is not in the server catalog; assumed the MCP annotation "
        "defaults (not read-only, destructive, open-world)",
    ]
    assert hygiene(facts) == {("unpinned-package", "acme-tools", 9)}


def test_clean_config_has_no_hygiene_facts(rs):
    facts = load("fixtures/mcp/clean/.cursor/mcp.json", rs)
    assert servers(facts) == {"time": "time", "github": "github", "site": "filesystem", "local-dev": None}
    assert facts.hygiene == ()
    assert facts.diagnostics == ()


# --- launch commands --------------------------------------------------------------------------------


def one_server(entry: dict, rs) -> Facts:
    return from_text(json.dumps({"mcpServers": {"s": entry}}, indent=2), rs)


@pytest.mark.parametrize(
    ("entry", "server", "unpinned"),
    [
        ({"command": "cmd", "args": ["/c", "npx", "-y", "@modelcontextprotocol/server-memory@2025.4.25"]}, "memory", False),
        ({"command": "npx", "args": ["--yes", "--package=@playwright/mcp@0.0.41", "mcp-server-playwright"]}, "playwright", False),
        ({"command": "pnpm", "args": ["dlx", "@upstash/context7-mcp"]}, "context7", True),
        ({"command": "bunx", "args": ["tavily-mcp@0.2.2"]}, "tavily", False),
        ({"command": "uvx", "args": ["--from", "mcp-server-git==2025.1.14", "mcp-server-git", "--repository", "."]}, "git", False),
        ({"command": "uvx", "args": ["mcp-server-time@latest"]}, "time", True),
        ({"command": "pipx", "args": ["run", "mcp-server-fetch"]}, "fetch", True),
        ({"command": "/usr/local/bin/docker", "args": ["run", "-i", "--rm", "-e", "X=1", "mcp/fetch:latest"]}, "fetch", True),
        ({"command": "docker", "args": ["run", "-i", "--rm", "docker.io/mcp/time:1.0.0"]}, "time", False),
        ({"command": "podman", "args": ["run", "-i", "ghcr.io/github/github-mcp-server@sha256:" + "a" * 64]}, "github", False),
        ({"command": "npx", "args": ["-y", "mcp-remote@0.1.29", "https://mcp.notion.com/mcp"]}, "notion-remote", False),
        ({"type": "http", "url": "https://api.githubcopilot.com/mcp/x/repos"}, "github", False),
    ],
)
def test_launch_commands_match_the_catalog(rs, entry, server, unpinned):
    facts = one_server(entry, rs)
    assert {t.server for t in facts.tools} == {server}
    assert any(h.check == "unpinned-package" for h in facts.hygiene) == unpinned


@pytest.mark.parametrize("root", ["/", "~", "~/", "$HOME", "${HOME}", "/home/bob", "/Users/alice/", "C:\\", "C:\\Users\\bob"])
def test_broad_filesystem_roots(rs, root):
    facts = one_server({"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem@2025.8.21", root]}, rs)
    assert [(h.check, h.location.line) for h in facts.hygiene] == [("broad-filesystem-root", 8)]


@pytest.mark.parametrize("root", ["/Users/alice/projects", "${workspaceFolder}", "./data", "/home/bob/src/app"])
def test_narrow_filesystem_roots(rs, root):
    facts = one_server({"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem@2025.8.21", root]}, rs)
    assert facts.hygiene == ()


def test_a_writing_server_other_than_filesystem_is_checked_for_roots(rs):
    facts = one_server({"command": "npx", "args": ["-y", "@wonderwhy-er/desktop-commander@0.2.3", "/"]}, rs)
    assert [h.check for h in facts.hygiene] == ["broad-filesystem-root"]


@pytest.mark.parametrize("url", ["http://localhost:3000/mcp", "http://127.0.0.1/mcp", "http://[::1]:8080/", "https://example.com/mcp"])
def test_loopback_and_https_remotes_are_fine(rs, url):
    assert one_server({"url": url}, rs).hygiene == ()


def test_secrets_in_args_and_headers_are_reported_redacted(rs):
    facts = one_server({
        "command": "docker",
        "args": ["run", "-i", "-e", "GITHUB_PERSONAL_ACCESS_TOKEN=" + FAKE_GITHUB,
                 "ghcr.io/github/github-mcp-server:v0.20.1", "--api-key", "abc123def456"],
        "headers": {"Authorization": "Bearer " + FAKE_GITHUB},
    }, rs)
    assert sorted((h.check, h.location.line, h.detail) for h in facts.hygiene) == [
        ("plaintext-secret", 9, "args[3] holds a literal secret (github-token): ghp_…"),
        ("plaintext-secret", 12, "args[6] holds a literal secret (secret-named-key): abc1…"),
        ("plaintext-secret", 15, "headers.Authorization holds a literal secret (github-token): Bear…"),
    ]
    assert FAKE_GITHUB[4:12] not in every_text(facts)
    assert "abc123def456" not in every_text(facts)


def test_a_disabled_server_has_no_tools_but_is_still_checked(rs):
    facts = one_server({"command": "npx", "args": ["@modelcontextprotocol/server-memory"], "disabled": True}, rs)
    assert facts.tools == ()
    assert [h.check for h in facts.hygiene] == ["unpinned-package"]


def test_vscode_user_settings_nested_under_mcp(rs):
    text = '{\n  "mcp": {\n    "servers": {\n      "time": {"command": "uvx", "args": ["mcp-server-time==0.6.2"]}\n    }\n  }\n}'
    facts = from_text(text, rs, "settings.json")
    assert facts.agents[0].name == "VS Code (settings.json)"
    assert {(t.name, t.location.line) for t in facts.tools} == {("get_current_time", 4), ("convert_time", 4)}


def test_a_server_that_is_not_an_object_is_a_diagnostic(rs):
    facts = from_text('{"mcpServers": {"ok": {"command": "node"},\n "bad": 42}}', rs)
    assert [(d.code, d.location.line) for d in facts.diagnostics] == [("invalid-server", 2)]
    assert [t.name for t in facts.tools] == ["ok/*"]


# --- decoding, parsing, classifying ----------------------------------------------------------------


def test_truncated_json_is_a_parse_error_with_its_line(rs):
    facts = load("fixtures/mcp/broken/truncated.json", rs)
    [diagnostic] = facts.diagnostics
    assert (diagnostic.code, diagnostic.location) == ("parse-error", Location("fixtures/mcp/broken/truncated.json", 6, 1))
    assert facts.tools == () and facts.agents == ()


def test_non_utf8_is_a_decode_error_naming_the_file(rs):
    facts = load("fixtures/mcp/broken/latin1.json", rs)
    [diagnostic] = facts.diagnostics
    assert (diagnostic.code, diagnostic.location) == ("decode-error", Location("fixtures/mcp/broken/latin1.json", 1, 21))


def test_a_byte_order_mark_is_tolerated(rs):
    data = b"\xef\xbb\xbf" + b'{"mcpServers": {"t": {"command": "uvx", "args": ["mcp-server-time==0.6.2"]}}}'
    facts = json_files.extract(data, SourceFile("claude_desktop_config.json", "json"), rs)
    assert facts.diagnostics == () and {t.server for t in facts.tools} == {"time"}


@pytest.mark.parametrize(
    "text",
    ['{"name": "pkg", "version": "1.0.0"}', "[1, 2, \"three\"]", '{"servers": ["a"]}', '"just a string"', "{}"],
)
def test_irrelevant_json_gives_empty_facts(rs, text):
    assert from_text(text, rs, "data.json") == Facts(path="data.json", kind="json")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ('{"mcpServers": {}}', "mcp-config"),
        ('{"servers": {"a": {"type": "http", "url": "https://x"}}}', "mcp-config"),
        ('{"tools": []}', "manifest"),
        ('{"jsonrpc": "2.0", "result": {"tools": [{"name": "a", "inputSchema": {"type": "object"}}]}}', "manifest"),
        ('[{"name": "a", "input_schema": {"type": "object"}}]', "manifest"),
    ],
)
def test_classify(text, kind):
    assert json_files.classify("x.json", json.loads(text)) == kind


def test_jsonc_comments_and_trailing_commas_keep_positions():
    text = '// c\n{\n  /* a\n  b */ "a": [1, 2,], // d\n  "s": "//not a comment",\n}\n'
    document, positions = json_input.parse(text, "f.json")
    assert document == {"a": [1, 2], "s": "//not a comment"}
    assert positions.location(("a",)) == Location("f.json", 4, 8)
    assert positions.location(("a", 1)) == Location("f.json", 4, 17)
    assert positions.location(("s",)) == Location("f.json", 5, 3)


@pytest.mark.parametrize("root, reads_secrets", [
    ("/Users/alice", True), ("~", True), ("/", True), ("${HOME}", True), ("C:/Users/alice", True),
    ("/Users/alice/projects/shop", False), ("./docs", False), ("/srv/data", False),
])
def test_a_filesystem_server_rooted_where_secrets_are_kept_reads_secrets(rs, root, reads_secrets):
    from riskscan.extract.configs.mcp_config import server_tool_facts

    entry = {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem@2025.8.21", root]}
    facts = {f.name: {c.label for c in f.capabilities} for f in server_tool_facts("mcp:x#fs", "fs", entry, Location("x", 1), rs)}
    assert ("secret_read" in facts["read_text_file"]) is reads_secrets
    assert "private_data" in facts["read_text_file"] and "secret_read" not in facts["write_file"]

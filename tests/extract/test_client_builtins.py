"""Coding-agent clients hold their own tools: the settings each client's files give (as permission
rules), the built-ins each client's agent holds under them with the gates in front of each, the
agent a settings file alone makes, and the verdicts the settings change (riskscan/model/
client_builtins.py, client_policies.py; extract/configs/client_settings.py, tool_settings.py,
codex_config.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from riskscan import rulesets
from riskscan.extract import json_files
from riskscan.extract.configs import claude_code_permissions as claude_code
from riskscan.extract.configs import codex_config
from riskscan.model import client_builtins, client_policies
from riskscan.scan import scan
from riskscan.types import Facts, Location, PermissionRule, SourceFile

REPO = Path(__file__).resolve().parents[2]
AT = Location(".mcp.json", 2, 3)
SLACK = {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-slack@2025.4.25"],
         "env": {"SLACK_TEAM_ID": "T0123456"}}


@pytest.fixture(scope="module")
def rs():
    return rulesets.load()


def read(path: str, document, rs) -> Facts:
    text = document if isinstance(document, str) else json.dumps(document, indent=2)
    if path.endswith(".toml"):
        return codex_config.extract(text.encode(), SourceFile(path, "toml"), rs)
    return json_files.extract(text.encode(), SourceFile(path, "json"), rs)


def rules_of(facts: Facts) -> set[tuple[str, str, str]]:
    return {(r.client, r.effect, r.pattern) for r in facts.permissions}


def rule(client: str, effect: str, pattern: str, path: str = ".claude/settings.json", scope: str = "", line: int = 1) -> PermissionRule:
    return PermissionRule(client, scope, effect, pattern, Location(path, line, 1))


def decided(client: str, *rules: PermissionRule) -> dict[str, tuple[str, ...]]:
    """built-in name -> the kinds of its gates, for the tools held."""
    held, _ = client_policies.decide(client, list(rules), AT)
    return {tool.name: tuple(sorted(g.kind for g in tool.gates)) for tool in held}


def project(tmp_path: Path, files: dict[str, object]):
    for rel, content in files.items():
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content if isinstance(content, str) else json.dumps(content, indent=2))
    return scan(str(tmp_path))


def held(report, agent_name: str) -> dict[str, tuple[str, ...]]:
    tools = {t.id: t for t in report.tools}
    [agent] = [a for a in report.agents if a.name == agent_name]
    return {tools[h.tool].name: tuple(sorted(g.kind for g in tools[h.tool].gates)) for h in agent.tools
            if tools[h.tool].framework != "mcp-config"}


def severities(report, rule_id: str) -> dict[str, str]:
    """sink -> severity of one rule's path findings."""
    return {sink: f.severity for f in report.findings if f.kind == "path" and f.rule_id == rule_id for sink in f.sinks}


# --- settings files -> rules ---------------------------------------------------------------------


def test_claude_code_settings_record_every_rule_the_mode_the_sandbox_and_the_file(rs):
    facts = read("app/.claude/settings.local.json", {
        "permissions": {"allow": ["Bash(git status:*)", "mcp__slack"], "ask": ["Read"], "deny": ["WebFetch"],
                        "defaultMode": "acceptEdits"},
        "sandbox": {"enabled": True, "autoAllowBashIfSandboxed": False},
    }, rs)
    assert rules_of(facts) == {
        ("claude-code", "settings", ""), ("claude-code", "mode", "acceptEdits"), ("claude-code", "sandbox", "asks"),
        ("claude-code", "allow", "Bash(git status:*)"), ("claude-code", "allow", "mcp__slack"),
        ("claude-code", "ask", "Read"), ("claude-code", "deny", "WebFetch"),
    }
    assert {r.scope for r in facts.permissions} == {"app"}
    assert facts.agents == ()  # the join decides whether the file is an agent of its own


def test_gemini_settings_flat_and_nested_forms(rs):
    flat = read(".gemini/settings.json", {"coreTools": ["ReadFileTool", "ShellTool(git)"], "excludeTools": ["web_fetch"],
                                          "sandbox": "docker", "autoAccept": True}, rs)
    assert rules_of(flat) == {("gemini-cli", "settings", ""), ("gemini-cli", "core", "ReadFileTool"),
                              ("gemini-cli", "core", "ShellTool(git)"), ("gemini-cli", "deny", "web_fetch"),
                              ("gemini-cli", "sandbox", "docker")}  # autoAccept: only calls that ask nothing
    assert flat.kind == "client-settings" and flat.agents == ()  # no mcpServers, still read
    nested = read(".gemini/settings.json", {"mcpServers": {"slack": SLACK},
                                            "tools": {"allowed": ["run_shell_command"], "sandbox": False},
                                            "general": {"defaultApprovalMode": "yolo"}}, rs)
    assert rules_of(nested) == {("gemini-cli", "settings", ""), ("gemini-cli", "allow", "run_shell_command"),
                                ("gemini-cli", "mode", "yolo")}
    assert nested.kind == "mcp-config" and [a.name for a in nested.agents] == ["Gemini CLI (.gemini/settings.json)"]
    assert {(h.check, h.location.line) for h in nested.hygiene} == {("broad-allow", 16), ("approvals-disabled", 21)}


def test_cursor_cli_permissions(rs):
    facts = read(".cursor/cli.json", {"permissions": {"allow": ["Shell(ls)", "Shell(*)"], "deny": ["Write(.env*)"]}}, rs)
    assert rules_of(facts) == {("cursor", "settings", ""), ("cursor", "allow", "Shell(ls)"), ("cursor", "allow", "Shell(*)"),
                               ("cursor", "deny", "Write(.env*)")}
    assert [(h.check, h.detail) for h in facts.hygiene] == [("broad-allow", "allow rule `Shell(*)` runs every shell command without asking")]


def test_vscode_settings_are_read_only_with_agent_settings(rs):
    plain = read(".vscode/settings.json", '{"editor.tabSize": 2, "editor.tabSize": 4}', rs)
    assert plain == Facts(path=".vscode/settings.json", kind="json")  # no duplicate-key diagnostic for a file not read
    facts = read(".vscode/settings.json", '{\n  // agent mode\n  "chat.tools.autoApprove": true,\n'
                 '  "chat.tools.terminal.autoApprove": {"git status": true, "rm": false, "/^npm (test|run lint)$/": {"approve": true}},\n'
                 '  "github.copilot.chat.agent.terminal.denyList": {"curl": true}\n}', rs)
    assert rules_of(facts) == {("vscode", "settings", ""), ("vscode", "auto-approve", "*"), ("vscode", "allow", "git status"),
                               ("vscode", "deny", "rm"), ("vscode", "allow", "/^npm (test|run lint)$/"), ("vscode", "deny", "curl")}
    assert [h.check for h in facts.hygiene] == ["approvals-disabled"]


@pytest.mark.parametrize(("entry", "broad"), [("/.*/", True), ("/^.+$/i", True), ("/^git /", False), ("git", False), ("*", True)])
def test_a_vscode_terminal_entry_that_approves_every_command_is_a_broad_allow(rs, entry, broad):
    facts = read(".vscode/settings.json", {"chat.tools.terminal.autoApprove": {entry: True}}, rs)
    assert any(h.check == "broad-allow" for h in facts.hygiene) is broad


def test_codex_settings_with_and_without_servers(rs):
    text = ('approval_policy = "untrusted"\nsandbox_mode = "workspace-write"\nweb_search = "live"\n\n'
            '[sandbox_workspace_write]\nnetwork_access = true\n')
    facts = read(".codex/config.toml", text, rs)
    assert rules_of(facts) == {("codex", "settings", ""), ("codex", "mode", "untrusted"), ("codex", "sandbox", "workspace-write"),
                               ("codex", "network", "on"), ("codex", "web-search", "on")}
    assert facts.agents == () and facts.kind == "mcp-config"
    older = read(".codex/config.toml", '[tools]\nweb_search = true\n\n[features]\nweb_search_request = false\n', rs)
    assert {(r.effect, r.pattern, r.location.line) for r in older.permissions if r.effect == "web-search"} == {
        ("web-search", "on", 2), ("web-search", "off", 5)}


# --- what each client holds ----------------------------------------------------------------------


def test_claude_code_interactive_defaults_ask_the_person_at_the_terminal():
    tools = decided("claude-code")
    assert set(tools) == set(claude_code.DEFAULT_TOOLS)
    assert {name for name, gates in tools.items() if gates == ("approval",)} == {"Bash", "Edit", "Write", "NotebookEdit", "WebFetch", "WebSearch"}
    assert tools["Read"] == tools["Grep"] == tools["Agent"] == ()


@pytest.mark.parametrize(("rules", "bash", "edit", "fetch"), [
    ([rule("claude-code", "allow", "Bash(*)")], (), ("approval",), ("approval",)),
    ([rule("claude-code", "allow", "Bash(npm test:*)")], ("allowlist",), ("approval",), ("approval",)),
    ([rule("claude-code", "allow", "Bash"), rule("claude-code", "ask", "Bash")], ("approval",), ("approval",), ("approval",)),
    ([rule("claude-code", "deny", "Bash"), rule("claude-code", "deny", "WebFetch")], None, ("approval",), None),
    ([rule("claude-code", "deny", "Bash(rm:*)")], ("approval",), ("approval",), ("approval",)),  # a part of the tool only
    ([rule("claude-code", "mode", "acceptEdits")], ("approval",), (), ("approval",)),
    ([rule("claude-code", "mode", "plan")], None, None, None),
    ([rule("claude-code", "mode", "dontAsk"), rule("claude-code", "allow", "WebFetch")], None, None, ()),
    ([rule("claude-code", "mode", "bypassPermissions"), rule("claude-code", "ask", "Bash")], (), (), ()),
    ([rule("claude-code", "sandbox", "auto-allow")], ("sandbox",), ("approval",), ("approval",)),
    ([rule("claude-code", "sandbox", "asks")], ("approval", "sandbox"), ("approval",), ("approval",)),
])
def test_claude_code_rules_and_modes(rules, bash, edit, fetch):
    tools = decided("claude-code", *rules)
    assert (tools.get("Bash"), tools.get("Edit"), tools.get("WebFetch")) == (bash, edit, fetch)
    assert tools["Read"] == ()


def test_an_ask_rule_on_a_tool_that_asks_nothing_gates_it_and_headless_denies_it():
    assert decided("claude-code", rule("claude-code", "ask", "Read"))["Read"] == ("approval",)
    headless = claude_code.Policy(asked=(claude_code.parse_rule("Read", AT),), allowed=(claude_code.parse_rule("Read", AT),))
    assert not claude_code.decide(headless, "Read").held  # nobody answers the ask, the allow rule does not count
    assert claude_code.decide(claude_code.Policy(), "Read").held


def test_the_mode_of_the_most_specific_settings_counts():
    shared = rule("claude-code", "mode", "bypassPermissions", ".claude/settings.json")
    local = rule("claude-code", "mode", "default", ".claude/settings.local.json")
    deeper = rule("claude-code", "mode", "acceptEdits", "app/.claude/settings.json", scope="app")
    assert client_policies.strongest([shared, local], "mode") == local
    assert client_policies.strongest([deeper, shared, local], "mode") == deeper
    assert decided("claude-code", shared, local)["Bash"] == ("approval",)


def test_gemini_cli():
    tools = decided("gemini-cli")
    assert {name for name, gates in tools.items() if gates} == {"run_shell_command", "write_file", "replace", "web_fetch"}
    assert tools["google_web_search"] == tools["read_file"] == ()
    core = decided("gemini-cli", rule("gemini-cli", "core", "ReadFileTool"), rule("gemini-cli", "core", "run_shell_command(git)"))
    assert core == {"read_file": (), "run_shell_command": ("allowlist", "approval")}
    assert "web_fetch" not in decided("gemini-cli", rule("gemini-cli", "deny", "WebFetchTool"))
    assert "run_shell_command" in decided("gemini-cli", rule("gemini-cli", "deny", "run_shell_command(rm -rf)"))  # a block list is no removal
    assert decided("gemini-cli", rule("gemini-cli", "allow", "run_shell_command"))["run_shell_command"] == ()
    assert decided("gemini-cli", rule("gemini-cli", "allow", "run_shell_command(git status)"))["run_shell_command"] == ("allowlist",)
    auto_edit = decided("gemini-cli", rule("gemini-cli", "mode", "auto_edit"))
    assert auto_edit["write_file"] == auto_edit["web_fetch"] == () and auto_edit["run_shell_command"] == ("approval",)
    assert set(decided("gemini-cli", rule("gemini-cli", "mode", "yolo")).values()) == {()}
    plan = decided("gemini-cli", rule("gemini-cli", "mode", "plan"))
    assert "run_shell_command" not in plan and "write_file" not in plan and plan["web_fetch"] == ("approval",)
    forced = decided("gemini-cli", rule("gemini-cli", "allow", "run_shell_command"), rule("gemini-cli", "ask", "run_shell_command"),
                     rule("gemini-cli", "ask", "ReadFileTool"))
    assert forced["run_shell_command"] == forced["read_file"] == ("approval",)  # tools.confirmationRequired wins
    assert "grep_search" not in decided("gemini-cli", rule("gemini-cli", "deny", "search_file_content"))  # its earlier name
    assert decided("gemini-cli", rule("gemini-cli", "sandbox", "true"))["run_shell_command"] == ("approval", "sandbox")


@pytest.mark.parametrize(("rules", "shell", "patch", "search"), [
    ([], ("sandbox",), (), None),  # on-request in workspace-write: the "Auto" preset
    ([rule("codex", "mode", "untrusted")], ("approval", "sandbox"), ("approval",), None),
    ([rule("codex", "mode", "on-failure"), rule("codex", "sandbox", "read-only")], ("sandbox",), ("approval",), None),
    ([rule("codex", "mode", "never"), rule("codex", "sandbox", "read-only")], ("sandbox",), None, None),
    ([rule("codex", "mode", "never"), rule("codex", "sandbox", "danger-full-access")], (), (), None),
    ([rule("codex", "web-search", "on")], ("sandbox",), (), ()),
])
def test_codex(rules, shell, patch, search):
    tools = decided("codex", *rules)
    assert (tools.get("shell"), tools.get("apply_patch"), tools.get("web_search")) == (shell, patch, search)


def test_codex_sandbox_says_whether_the_network_is_on():
    held, _ = client_policies.decide("codex", [rule("codex", "network", "on")], AT)
    [gate] = next(t.gates for t in held if t.name == "shell")
    assert gate.detail.endswith("(writes only in the workspace, network on)")


def test_cursor():
    tools = decided("cursor")
    assert {name for name, gates in tools.items() if gates} == {"run_terminal_cmd"}
    assert tools["edit_file"] == tools["delete_file"] == tools["read_file"] == tools["web_search"] == ()
    assert decided("cursor", rule("cursor", "allow", "Shell(*)"))["run_terminal_cmd"] == ()
    assert decided("cursor", rule("cursor", "allow", "Shell(git)"))["run_terminal_cmd"] == ("allowlist",)
    denied = decided("cursor", rule("cursor", "deny", "Shell"), rule("cursor", "deny", "Read(**)"), rule("cursor", "deny", "Write(.env)"))
    assert "run_terminal_cmd" not in denied and "read_file" not in denied and "edit_file" in denied


def test_vscode():
    tools = decided("vscode")
    assert {name for name, gates in tools.items() if gates} == {"runInTerminal", "fetch"}
    assert decided("vscode", rule("vscode", "allow", "git status"))["runInTerminal"] == ("allowlist",)
    assert decided("vscode", rule("vscode", "allow", "/.*/"))["runInTerminal"] == ()
    assert decided("vscode", rule("vscode", "deny", "rm"))["runInTerminal"] == ("approval",)
    assert set(decided("vscode", rule("vscode", "auto-approve", "*")).values()) == {()}
    assert decided("vscode", rule("vscode", "disabled", "")) == {}
    assert decided("vscode", rule("vscode", "allow", "/.*/"), rule("vscode", "no-auto-approve", ""))["runInTerminal"] == ("approval",)
    assert decided("vscode", rule("vscode", "sandbox", "on"))["runInTerminal"] == ("sandbox",)
    assert decided("vscode", rule("vscode", "fetch-allow", "https://docs.example.com/*"))["fetch"] == ("allowlist",)
    assert decided("vscode", rule("vscode", "fetch-allow", "*"))["fetch"] == ()
    assert set(decided("vscode", rule("vscode", "mode", "autopilot")).values()) == {()}
    assert decided("vscode", rule("vscode", "mode", "assisted"))["runInTerminal"] == ("guardrail",)


def test_vscode_terminal_sandbox_and_url_settings(rs):
    facts = read(".vscode/settings.json", {"chat.tools.terminal.sandbox.enabled": True, "chat.tools.terminal.enableAutoApprove": False,
                                           "chat.tools.urls.autoApprove": {"https://docs.example.com/*": True,
                                                                           "https://github.com/*": {"approveRequest": True, "approveResponse": False}}}, rs)
    assert rules_of(facts) == {("vscode", "settings", ""), ("vscode", "sandbox", "on"), ("vscode", "no-auto-approve", ""),
                               ("vscode", "fetch-allow", "https://docs.example.com/*")}  # a response still reviewed is asked
    levels = read(".vscode/settings.json", {"chat.permissions.default": "autoApprove"}, rs)
    assert rules_of(levels) == {("vscode", "settings", ""), ("vscode", "mode", "autoApprove")}
    assert [h.check for h in levels.hygiene] == ["approvals-disabled"]


def test_windsurf_has_its_defaults():
    tools = decided("windsurf")
    assert {name for name, gates in tools.items() if gates} == {"run_command", "deploy_web_app"}
    assert tools["write_to_file"] == tools["read_url_content"] == ()


def test_every_tool_a_client_may_hold_is_catalogued_for_it_with_labels(rs):
    index = rs.builtin_index()
    everything = {
        "claude-code": [rule("claude-code", "mode", "bypassPermissions")], "gemini-cli": [rule("gemini-cli", "mode", "yolo")],
        "codex": [rule("codex", "web-search", "on")], "cursor": [], "vscode": [], "windsurf": [],
    }
    for client, rules in everything.items():
        held, _ = client_policies.decide(client, rules, AT)
        prefix = client_policies.PREFIXES[client]
        for tool in held:
            entry = index[prefix + tool.name]
            assert entry.framework == client and entry.tool_name == tool.name and entry.labels, prefix + tool.name


def test_every_builtin_catalog_header_says_where_its_entries_come_from():
    for client in ("cursor", "gemini_cli", "codex", "vscode", "windsurf"):
        text = (REPO / "rulesets" / f"builtin_tools_{client}.yaml").read_text()
        header = " ".join(line.lstrip("# ") for line in text.split("kind:")[0].splitlines())
        assert "no network" in header, client
        assert yaml.safe_load(text)["kind"] == "builtin-tools"


# --- the join --------------------------------------------------------------------------------------


def test_a_config_agent_gets_its_clients_builtins_under_the_settings_of_its_folder(rs):
    config = read("app/.mcp.json", {"mcpServers": {"slack": SLACK}}, rs)
    governing = read("app/.claude/settings.json", {"permissions": {"deny": ["Bash"]}}, rs)
    elsewhere = read("other/.claude/settings.json", {"permissions": {"allow": ["Bash(*)"]}}, rs)
    joined = {f.path: f for f in client_builtins.apply([config, governing, elsewhere])}
    [agent] = joined["app/.mcp.json"].agents
    tools = {t.id: t for t in joined["app/.mcp.json"].tools}
    builtins = [tools[ref.qualname] for ref in agent.tools[-1].items]
    assert {t.name for t in builtins} == set(claude_code.DEFAULT_TOOLS) - {"Bash"}
    assert {t.builtin for t in builtins} == {f"claude_code.{name}" for name in claude_code.DEFAULT_TOOLS if name != "Bash"}
    assert {t.location for t in builtins} == {agent.location} and {t.framework for t in builtins} == {"claude-code"}
    assert [d.message for d in joined["app/.mcp.json"].diagnostics if d.code == "permission-denied"] == [
        "Claude Code (app/.mcp.json) does not hold Bash: removed by a deny rule"]
    assert joined["app/.claude/settings.json"].agents == ()  # it governs a config: no agent of its own
    [alone] = joined["other/.claude/settings.json"].agents  # nothing of Claude Code below `other`
    assert (alone.id, alone.name) == ("client:other/.claude/settings.json", "Claude Code (other/.claude/settings.json)")


def test_one_settings_agent_per_client_and_folder(rs):
    shared = read(".claude/settings.json", {"permissions": {"allow": ["Bash(npm test:*)"]}}, rs)
    local = read(".claude/settings.local.json", {"permissions": {"defaultMode": "acceptEdits"}}, rs)
    joined = client_builtins.apply([local, shared])
    assert [a.name for f in joined for a in f.agents] == ["Claude Code (.claude/settings.json)"]
    facts = next(f for f in joined if f.agents)
    gates = {t.name: {g.kind for g in t.gates} for t in facts.tools}
    assert gates["Bash"] == {"allowlist"} and gates["Edit"] == set()  # both files decide


def test_clients_without_catalogued_tools_get_none(rs):
    for path, document in (("claude_desktop_config.json", {"mcpServers": {"slack": SLACK}}),
                           (".config/zed/settings.json", {"context_servers": {"slack": SLACK}})):
        facts = read(path, document, rs)
        assert client_builtins.apply([facts]) == [facts]


def test_a_builtin_named_like_a_server_tool_is_no_collision(tmp_path):
    report = project(tmp_path, {".gemini/settings.json": {"mcpServers": {"fs": {
        "command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem@2025.8.21", "./docs"]}}}})
    assert "read_file" in held(report, "Gemini CLI (.gemini/settings.json)")
    assert not any(f.rule_id == "RS212" for f in report.findings)


# --- verdicts --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("settings", "severity"), [
    ({"permissions": {"allow": ["Bash(*)"]}}, "critical"),
    ({"permissions": {"allow": ["Bash(git status:*)"]}}, "high"),
    (None, "medium"),  # Claude Code asks the person at the terminal
    ({"sandbox": {"enabled": True}}, "medium"),
    ({"permissions": {"allow": ["Bash(*)"], "ask": ["Bash"]}}, "medium"),
    ({"permissions": {"deny": ["Bash"]}}, None),
    ({"permissions": {"defaultMode": "plan"}}, None),
])
def test_slack_messages_to_claude_codes_own_shell(tmp_path, settings, severity):
    files: dict[str, object] = {".mcp.json": {"mcpServers": {"slack": SLACK}}}
    if settings is not None:
        files[".claude/settings.json"] = settings
    report = project(tmp_path, files)
    assert severities(report, "RS102").get("Bash") == severity


def test_a_settings_file_alone_is_the_agent_the_solver_reads(tmp_path):
    report = project(tmp_path, {".claude/settings.json": {"permissions": {"allow": ["WebFetch", "Bash(*)"]}}})
    assert set(held(report, "Claude Code (.claude/settings.json)")) == set(claude_code.DEFAULT_TOOLS)
    assert severities(report, "RS102") == {"Bash": "critical"}  # a fetched page to the shell, both unasked
    assert severities(report, "RS101")["WebFetch"] == "critical"


def test_a_bypass_mode_in_the_local_settings_bypasses_the_shared_ask_rules(tmp_path):
    report = project(tmp_path, {
        ".mcp.json": {"mcpServers": {"slack": SLACK}},
        ".claude/settings.json": {"permissions": {"ask": ["mcp__slack__slack_post_message"]}},
        ".claude/settings.local.json": {"permissions": {"defaultMode": "bypassPermissions"}},
    })
    tools = {t.name: t for t in report.tools}
    assert tools["slack_post_message"].gates == () and tools["Bash"].gates == ()

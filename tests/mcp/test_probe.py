"""`riskscan probe` against a real stdio server the test starts itself (tests/mcp_stdio_server.py)."""

import json
import sys
from pathlib import Path

import pytest

pytest.importorskip("mcp")

from riskscan.mcp.probe import ProbeError, environment, probe  # noqa: E402
from riskscan.scan import scan  # noqa: E402

SERVER = str(Path(__file__).parents[1] / "mcp_stdio_server.py")


def config(tmp_path, **servers) -> Path:
    path = tmp_path / ".mcp.json"
    path.write_text(json.dumps({"mcpServers": servers}))
    return path


def test_probe_lists_tools_with_a_scrubbed_environment_and_saves_a_manifest(tmp_path, monkeypatch):
    monkeypatch.setenv("LEAK_ME", "should-not-pass")
    monkeypatch.setenv("GREETING_SOURCE", "hello")
    path = config(tmp_path, notes={"command": sys.executable, "args": [SERVER], "env": {"GREETING": "${GREETING_SOURCE}"}})
    [result] = probe(str(path), root=str(tmp_path), timeout=30)
    assert result.status == "ok", result.detail
    saved = tmp_path / ".riskscan" / "probe" / ".mcp.json" / "notes.json"
    document = json.loads(saved.read_text())
    assert document["probe"] == {"config": ".mcp.json", "server": "notes"}
    echo = next(t for t in document["tools"] if t["name"] == "echo")
    assert "LEAK_ME" not in echo["description"]
    assert "greeting=hello" in echo["description"]
    assert echo["annotations"] == {"readOnlyHint": True}
    # scan: the client holds the probed tools instead of one opaque tool; lock pins them
    report = scan(str(tmp_path))
    [client] = [a for a in report.agents if a.name.startswith("Claude Code")]
    tools = {t.id: t for t in report.tools}
    names = {tools[h.tool].name for h in client.tools if tools[h.tool].framework != "claude-code"}  # Claude Code's own tools aside
    assert names == {"echo", "wipe"}


def test_a_server_named_with_a_lone_surrogate_is_saved_as_its_escape_and_read_back(tmp_path):
    path = tmp_path / ".mcp.json"  # the config's JSON names the server `notes\ud800`
    path.write_text('{"mcpServers": {"notes\\ud800": {"command": %s, "args": [%s]}}}' % (json.dumps(sys.executable), json.dumps(SERVER)))
    [result] = probe(str(path), root=str(tmp_path), timeout=30)
    assert result.status == "ok", result.detail
    [saved] = (tmp_path / ".riskscan" / "probe" / ".mcp.json").iterdir()
    text = saved.read_text(encoding="utf-8")  # valid UTF-8: the surrogate is written as its JSON escape
    assert '"notes\\ud800"' in text
    assert json.loads(text)["probe"]["server"] == "notes\ud800"
    report = scan(str(tmp_path))
    assert {"echo", "wipe"} <= {tool.name for tool in report.tools}


def test_tools_with_a_lone_surrogate_in_their_names_are_a_failed_probe_not_a_crash(tmp_path):
    # the MCP SDK refuses the answer (it logs a parse error and waits): the probe times out and goes on
    path = config(tmp_path, odd={"command": sys.executable, "args": [SERVER, "--surrogate"]})
    [result] = probe(str(path), root=str(tmp_path), timeout=3)
    assert result.status == "timeout"
    assert not (tmp_path / ".riskscan" / "probe" / ".mcp.json" / "odd.json").exists()


def test_probe_times_out_and_goes_on(tmp_path):
    path = config(tmp_path, stuck={"command": sys.executable, "args": [SERVER, "--sleep"]},
                  remote={"url": "https://mcp.example.com/mcp"})
    results = {r.server: r for r in probe(str(path), root=str(tmp_path), timeout=2)}
    assert results["stuck"].status == "timeout"
    assert results["remote"].status == "skipped"


def test_probe_one_server_by_name_and_unknown_names(tmp_path):
    path = config(tmp_path, a={"command": sys.executable, "args": [SERVER]}, b={"command": "/nonexistent/server"})
    [only] = probe(str(path), root=str(tmp_path), server="a", timeout=30)
    assert only.server == "a" and only.status == "ok"
    with pytest.raises(ProbeError, match="no server named `c`"):
        probe(str(path), root=str(tmp_path), server="c")
    [missing] = probe(str(path), root=str(tmp_path), server="b", timeout=10)
    assert missing.status == "failed"


def test_environment_holds_only_path_and_named_variables():
    env = environment({"env": {"TOKEN": "${env:SECRET}", "MODE": "ro"}}, {"PATH": "/bin", "SECRET": "s3", "OTHER": "x"})
    assert env == {"PATH": "/bin", "TOKEN": "s3", "MODE": "ro"}

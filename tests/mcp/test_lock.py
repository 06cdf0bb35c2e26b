"""`riskscan lock` pins each manifest's tools; `scan` reports what changed since (fixtures/mcp/lock-drift)."""

import json
import shutil
from pathlib import Path

from riskscan.mcp import lock
from riskscan.scan import scan

DRIFT = Path(__file__).resolve().parents[2] / "fixtures" / "mcp" / "lock-drift"


def hygiene(report):
    return {(f.rule_id, f"{f.location.path}:{f.location.line}"): f.message for f in report.findings if f.kind == "hygiene"}


def test_lock_is_deterministic_and_a_fresh_lock_reports_nothing(tmp_path):
    shutil.copytree(DRIFT / "before", tmp_path, dirs_exist_ok=True)
    locked = lock.run(str(tmp_path))
    first = locked.target.read_text()
    assert (locked.manifests, locked.tools, locked.unpinned) == (1, 3, ())
    assert lock.run(str(tmp_path))[0].read_text() == first
    assert not [f for f in scan(str(tmp_path)).findings if f.rule_id in ("RS213", "RS214")]


def test_drift_names_the_changed_added_and_removed_tools():
    found = hygiene(scan(str(DRIFT / "after")))
    drift = {k: v for k, v in found.items() if k[0] in ("RS213", "RS214")}
    assert set(drift) == {
        ("RS213", "server/tools.json:3"),
        ("RS214", "server/tools.json:14"),
        ("RS214", "riskscan.lock.json:17"),
    }
    assert "tool `get_weather` changed since the lock" in drift[("RS213", "server/tools.json:3")]
    assert "description" in drift[("RS213", "server/tools.json:3")] and "input schema" not in drift[("RS213", "server/tools.json:3")]
    assert "`send_report` was added" in drift[("RS214", "server/tools.json:14")]
    assert "`list_cities` was removed" in drift[("RS214", "riskscan.lock.json:17")]


def test_a_missing_manifest_and_a_broken_lockfile(tmp_path):
    (tmp_path / "riskscan.lock.json").write_text(json.dumps({"riskscan_lock": 1, "manifests": {"gone.json": {"tools": {"a": {"sha256": "x"}}}}}))
    found = hygiene(scan(str(tmp_path)))
    assert any("gone.json is pinned" in message for message in found.values())
    (tmp_path / "riskscan.lock.json").write_text(json.dumps({"riskscan_lock": 7}))
    assert "invalid-lockfile" in {d.code for d in scan(str(tmp_path)).diagnostics}


def test_lock_names_the_servers_without_a_saved_tool_list_and_how_to_save_one(tmp_path):
    # two stdio servers, one of them probed: only the other one's tools are left unpinned
    (tmp_path / ".mcp.json").write_text(json.dumps({"mcpServers": {
        "weather": {"command": "python", "args": ["weather.py"]},
        "notes": {"command": "uvx", "args": ["notes-mcp==1.2.0"]},
    }}))
    probed = tmp_path / ".riskscan" / "probe" / ".mcp.json" / "weather.json"
    probed.parent.mkdir(parents=True)
    probed.write_text(json.dumps({"probe": {"config": ".mcp.json", "server": "weather"},
                                  "tools": [{"name": "get_weather", "description": "Weather for a city.",
                                             "inputSchema": {"type": "object", "properties": {"city": {"type": "string"}}}}]}))
    locked = lock.run(str(tmp_path))
    assert (locked.manifests, locked.tools) == (1, 1)
    assert locked.unpinned == ((".mcp.json", ("notes",)),)

    from click.testing import CliRunner

    from riskscan.cli import main

    probed.unlink()
    result = CliRunner().invoke(main, ["lock", str(tmp_path)])
    assert result.exit_code == 0
    assert "0 tools of 0 manifests pinned" in result.output
    assert "no saved tool list for 2 MCP servers (notes, weather)" in result.output
    assert f"riskscan probe {tmp_path.as_posix()}/.mcp.json --root {tmp_path.as_posix()}" in result.output

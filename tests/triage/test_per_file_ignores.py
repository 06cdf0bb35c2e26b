"""ruff's `per-file-ignores` spelling is accepted for `per-path-ignores`, as a configuration key
and as a flag, with the same meaning; given both ways, the entries are merged. Configuration keys
stay the long flags of `riskscan scan`, and unknown keys are still rejected."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from riskscan import config
from riskscan.cli import main
from riskscan.cli import scan as scan_command

# RS102 (path) and RS301 (hygiene), both in server.py
OPS = Path(__file__).resolve().parents[2] / "fixtures" / "cases" / "fastmcp-ops-server"


def rule_ids(*args) -> list[str]:
    result = CliRunner().invoke(main, ["scan", *map(str, args), "--format", "json", "--exit-zero", "-q"])
    assert result.exit_code == 0, result.output
    import json

    return sorted(f["rule_id"] for f in json.loads(result.output)["findings"] if not f["suppressed"])


def test_the_flag_is_an_alias_and_both_flags_add_up():
    assert rule_ids(OPS) == ["RS102", "RS301"]
    assert rule_ids(OPS, "--per-file-ignores", "server.py:RS1") == ["RS301"]
    assert rule_ids(OPS, "--per-file-ignores", "server.py:RS1", "--per-path-ignores", "server.py:RS3") == []


def test_the_key_is_an_alias_and_both_keys_merge(tmp_path):
    project = tmp_path / "ops"
    shutil.copytree(OPS, project)
    (project / "riskscan.toml").write_text('[per-file-ignores]\n"server.py" = ["RS1"]\n')
    assert config.load(project / "riskscan.toml").values == {"per_path_ignores": (("server.py", ("RS1",)),)}
    assert rule_ids(project) == ["RS301"]
    import json

    left_out = [f for f in json.loads(CliRunner().invoke(main, ["scan", str(project), "--format", "json", "-q"]).output)["findings"] if f["suppressed"]]
    assert [(f["rule_id"], f["suppression"]["reason"], f["suppression"]["location"]["line"]) for f in left_out] == [
        ("RS102", "left out by the scanned repository's configuration: per-file-ignores = { \"server.py\" = [\"RS1\"] }", 1)]
    (project / "riskscan.toml").write_text(
        'per-path-ignores = { "server.py" = ["RS3"], "other/**" = ["RS2"] }\n'
        'per-file-ignores = { "server.py" = ["RS1", "RS3"] }\n'
    )
    assert config.load(project / "riskscan.toml").values["per_path_ignores"] == (
        ("other/**", ("RS2",)), ("server.py", ("RS3", "RS1")))
    assert rule_ids(project) == []


def test_config_keys_are_long_flags_of_scan_and_unknown_keys_are_rejected(tmp_path):
    flags = {opt for param in scan_command.params for opt in (*param.opts, *param.secondary_opts)}
    assert {f"--{key}" for key in config.KEYS} <= flags
    assert "--per-file-ignores" in flags
    (tmp_path / "riskscan.toml").write_text('[per-files-ignores]\n"x" = ["RS1"]\n')
    result = CliRunner().invoke(main, ["scan", str(tmp_path)])
    assert result.exit_code == 2 and "per-files-ignores: unknown key" in result.output

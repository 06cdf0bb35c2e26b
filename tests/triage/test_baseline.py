"""Baselines: adopt riskscan on a project with findings, then fail only on new ones."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
from click.testing import CliRunner

from riskscan.cli import main

REPO = Path(__file__).resolve().parents[2]
OPS = REPO / "fixtures" / "cases" / "fastmcp-ops-server"
NEW_TOOL = '''

@mcp.tool()
def delete_path(path: str) -> str:
    """Delete a file."""
    import os
    os.remove(path)
    return "deleted"
'''


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def adopted(tmp_path: Path) -> tuple[Path, Path]:
    target = tmp_path / "ops"
    shutil.copytree(OPS, target)
    baseline = tmp_path / "baseline.json"
    result = run("scan", target, "--write-baseline", baseline)
    assert result.exit_code == 0 and "wrote 2 findings" in result.output
    return target, baseline


def sarif_results(target, baseline):
    log = json.loads(run("scan", target, "--baseline", baseline, "--format", "sarif").output)
    for name in ("sarif-2.1.0.json", "sarif-2.1.0-schemastore.json"):
        schema = json.loads((REPO / "tests" / "schemas" / name).read_text())
        errors = list(jsonschema.validators.validator_for(schema)(schema).iter_errors(log))
        assert not errors, errors[0].message
    return sorted((r["ruleId"], r["baselineState"]) for r in log["runs"][0]["results"])


def test_the_baseline_is_sorted_and_keyed_by_fingerprint(tmp_path):
    _, baseline = adopted(tmp_path)
    document = json.loads(baseline.read_text())
    assert document["riskscan_baseline"] == 1
    fingerprints = [f["fingerprint"] for f in document["findings"]]
    assert fingerprints == sorted(fingerprints) and len(fingerprints) == 2
    assert all(len(f["fingerprint"]) == 32 for f in document["findings"])
    assert str(tmp_path) not in baseline.read_text()


def test_known_findings_pass_and_survive_moved_lines(tmp_path):
    target, baseline = adopted(tmp_path)
    assert run("scan", target).exit_code == 1
    assert run("scan", target, "--baseline", baseline).exit_code == 0
    source = target / "server.py"
    source.write_text("# a comment that moves every line down\n\n\n" + source.read_text())
    assert run("scan", target, "--baseline", baseline).exit_code == 0
    assert sarif_results(target, baseline) == [("RS102", "unchanged"), ("RS301", "unchanged")]


def test_a_new_finding_fails_and_is_the_only_one_shown(tmp_path):
    target, baseline = adopted(tmp_path)
    with (target / "server.py").open("a") as handle:
        handle.write(NEW_TOOL)
    result = run("scan", target, "--baseline", baseline, "--format", "markdown")
    assert result.exit_code == 1
    assert "RS103" in result.output and "RS102" not in result.output
    assert ("RS103", "new") in sarif_results(target, baseline)


def test_fixed_findings_are_absent_in_sarif_and_json(tmp_path):
    target, baseline = adopted(tmp_path)
    source = target / "server.py"
    source.write_text(source.read_text().replace("command, shell=True", '["uptime"]'))
    assert sarif_results(target, baseline) == [("RS102", "absent"), ("RS301", "absent")]
    document = json.loads(run("scan", target, "--baseline", baseline, "--format", "json").output)
    assert sorted(entry["rule_id"] for entry in document["absent"]) == ["RS102", "RS301"]


def test_a_file_that_is_not_a_baseline_exits_2_naming_it(tmp_path):
    target = tmp_path / "ops"
    shutil.copytree(OPS, target)
    wrong = tmp_path / "wrong.json"
    wrong.write_text('{"findings": []}')
    result = run("scan", target, "--baseline", wrong)
    assert result.exit_code == 2 and f"{wrong}: not a riskscan baseline" in result.output
    (tmp_path / "riskscan.toml").write_text('baseline = "wrong.json"\n')
    assert run("scan", target, "--config", tmp_path / "riskscan.toml").exit_code == 2  # from a named config file too, relative to it
    found = run("scan", target)  # a file found above the scan is the repository's: its baseline is not used
    assert found.exit_code == 1 and "RS215" in found.output and "not a riskscan baseline" not in found.output

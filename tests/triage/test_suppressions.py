"""Suppressions: comments read by the tokenizer, the suppressions file with expiry, and what is
reported about them; suppressed results in JSON and SARIF with their justification."""

from __future__ import annotations

import datetime
import json
import shutil
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from riskscan.cli import main
from riskscan.report import render
from riskscan.scan import scan
from riskscan.triage.suppressions import SuppressionsError, read_file
from riskscan.types import Location, Suppression

REPO = Path(__file__).resolve().parents[2]
OPS = REPO / "fixtures" / "cases" / "fastmcp-ops-server"
EXAMPLE = REPO / "examples" / "support-desk"
SHELL_LINE = '    return subprocess.check_output(command, shell=True, text=True)'  # line 23: RS102's evidence, RS301


def ops(tmp_path: Path, line: int | None = None, comment: str = "") -> Path:
    target = tmp_path / "ops"
    shutil.copytree(OPS, target)
    if line:
        lines = (target / "server.py").read_text().splitlines()
        lines[line - 1] += "  " + comment
        (target / "server.py").write_text("\n".join(lines) + "\n")
    return target


def codes(findings):
    return sorted(f.rule_id for f in findings)


def diagnostics(report, code):
    return [(str(d.location), d.message) for d in report.diagnostics if d.code == code]


def test_a_comment_on_the_dangerous_call_silences_only_its_rule(tmp_path):
    report = scan(str(ops(tmp_path, 23, "# riskscan: ignore[RS102] -- commands come from an allowlist upstream")))
    assert codes(report.findings) == ["RS301"] and codes(report.suppressed) == ["RS102"]
    assert report.suppressed[0].suppression == Suppression("inSource", "commands come from an allowlist upstream", Location("server.py", 23, 69))
    assert diagnostics(report, "unused-suppression") == [] and diagnostics(report, "suppression-without-reason") == []


def test_a_comment_on_an_earlier_step_silences_the_path(tmp_path):
    report = scan(str(ops(tmp_path, 14, "# riskscan: ignore[RS1] -- internal URLs only")))
    assert codes(report.suppressed) == ["RS102"]


def test_a_string_that_looks_like_a_comment_is_not_one(tmp_path):
    target = ops(tmp_path)
    source = (target / "server.py").read_text().replace(
        '"""Run a maintenance command."""', '"""Run a maintenance command."""\n    note = "# riskscan: ignore[RS102] -- no"')
    (target / "server.py").write_text(source.replace(SHELL_LINE, SHELL_LINE + '  # noqa: S602'))
    report = scan(str(target))
    assert codes(report.suppressed) == []


def test_without_a_reason_it_applies_and_is_reported_and_unused_codes_are_reported(tmp_path):
    report = scan(str(ops(tmp_path, 23, "# riskscan: ignore[RS102, RS201]")))
    assert codes(report.suppressed) == ["RS102"]
    assert diagnostics(report, "suppression-without-reason") == [
        ("server.py:23:69", "riskscan: ignore[RS102, RS201] gives no reason: add `-- why` (comments) or reason = \"...\" (file)")]
    assert diagnostics(report, "unused-suppression") == [
        ("server.py:23:69", "riskscan: ignore[RS102, RS201] silences no finding of RS201: remove it")]


def test_a_blanket_comment_silences_every_rule_on_its_line(tmp_path):
    report = scan(str(ops(tmp_path, 23, "# riskscan: ignore -- reviewed")))
    assert codes(report.findings) == [] and codes(report.suppressed) == ["RS102", "RS301"]


def test_an_unreadable_comment_is_reported(tmp_path):
    report = scan(str(ops(tmp_path, 23, "# riskscan: ignore[RS102 -- oops")))
    assert codes(report.suppressed) == [] and diagnostics(report, "invalid-suppression")


def suppressions_file(target: Path, text: str) -> Path:
    path = target / "riskscan-suppressions.toml"
    path.write_text(text)
    return path


def support_desk(tmp_path: Path) -> Path:
    target = tmp_path / "desk"
    shutil.copytree(EXAMPLE, target)
    return target


def test_the_file_silences_config_findings_by_rule_path_and_server(tmp_path):
    target = support_desk(tmp_path)
    suppressions_file(target, '[[suppress]]\nrule = "RS202"\npath = ".mcp.json"\nserver = "fetch"\nreason = "pinned by the lockfile"\n'
                              '[[suppress]]\nrule = "RS101"\npath = "*.json"\nserver = "github"\ntool = "push_files"\nreason = "push is to a fork"\n')
    report = scan(str(target))
    silenced = {(f.rule_id, ",".join(f.sinks) if f.kind == "path" else f.subject) for f in report.suppressed}
    assert silenced == {("RS202", "fetch"), ("RS101", "push_files")}
    assert ("RS202", "filesystem") in {(f.rule_id, f.subject) for f in report.findings}
    assert all(f.suppression.kind == "external" for f in report.suppressed)


def test_expired_entries_no_longer_apply_and_are_reported(tmp_path):
    target = support_desk(tmp_path)
    suppressions_file(target, '[[suppress]]\nrule = "RS202"\npath = ".mcp.json"\nreason = "until the upgrade"\nexpires = 2020-01-31\n'
                              '[[suppress]]\nrule = "RS203"\npath = ".mcp.json"\nreason = "scoped container"\nexpires = 2999-01-01\n'
                              '[[suppress]]\nrule = "RS204"\npath = ".mcp.json"\n')
    report = scan(str(target))
    assert codes(report.suppressed) == ["RS203"]
    assert [m for _, m in diagnostics(report, "expired-suppression")] == [
        "suppress #1 (the suppression for rule RS202, path .mcp.json) expired on 2020-01-31 and no longer applies"]
    assert [m for _, m in diagnostics(report, "unused-suppression")] == [
        "the suppression for rule RS204, path .mcp.json silences no finding of RS204: remove it"]
    assert len(diagnostics(report, "suppression-without-reason")) == 1


@pytest.mark.parametrize(("text", "message"), [
    ('[[suppress]]\nrule = "RS202"\npath = "x"\nsevrity = 1\n', "suppress #1: sevrity: unknown key"),
    ('[[suppress]]\nrule = "RS202"\n', "suppress #1: path: required"),
    ('[[suppress]]\nrule = "RS202"\npath = "x"\nexpires = "soon"\n', "suppress #1: expires: expected a date"),
    ('[suppression]\n', "suppression: unknown key"),
])
def test_a_bad_file_is_an_error_naming_the_file_and_key(tmp_path, text, message):
    path = suppressions_file(tmp_path, text)
    with pytest.raises(SuppressionsError, match=message):
        read_file(str(tmp_path), str(path), datetime.date(2025, 1, 1), [])
    target = support_desk(tmp_path / "cli")
    result = CliRunner().invoke(main, ["scan", str(target), "--suppressions", str(path)])
    assert result.exit_code == 2 and str(path) in result.output and message in result.output


def test_suppressed_findings_do_not_fail_and_go_to_json_and_sarif(tmp_path):
    target = ops(tmp_path, 23, "# riskscan: ignore[RS1, RS3] -- a fixed list of commands upstream")
    runner = CliRunner()
    assert runner.invoke(main, ["scan", str(target)]).exit_code == 0
    document = json.loads(runner.invoke(main, ["scan", str(target), "--format", "json"]).output)
    schema = json.loads((REPO / "riskscan" / "schemas" / "report.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(document)
    assert [(f["rule_id"], f["suppressed"], f["suppression"]["kind"]) for f in document["findings"]] == [
        ("RS102", True, "inSource"), ("RS301", True, "inSource")]
    log = json.loads(render(scan(str(target)), "sarif"))
    for name in ("sarif-2.1.0.json", "sarif-2.1.0-schemastore.json"):
        sarif_schema = json.loads((REPO / "tests" / "schemas" / name).read_text())
        errors = list(jsonschema.validators.validator_for(sarif_schema)(sarif_schema).iter_errors(log))
        assert not errors, errors[0].message
    [first, _] = log["runs"][0]["results"]
    assert first["suppressions"] == [{
        "kind": "inSource", "status": "accepted", "justification": "a fixed list of commands upstream",
        "location": {"physicalLocation": {"artifactLocation": {"uri": "server.py", "uriBaseId": "%SRCROOT%"},
                                          "region": {"startLine": 23, "startColumn": 69}}}}]

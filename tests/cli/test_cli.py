"""The command line as a user meets it: exit codes, outputs, start-up cost, secrets, bad input."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "support-desk"
FAKE_TOKEN = json.loads((EXAMPLE / ".mcp.json").read_text())["mcpServers"]["github"]["env"]["GITHUB_PERSONAL_ACCESS_TOKEN"]


def riskscan(*args, cwd=REPO):
    return subprocess.run([sys.executable, "-m", "riskscan", *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_help_imports_neither_z3_nor_libcst_nor_networkx():
    probe = (
        "import sys\n"
        "from riskscan.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('z3', 'libcst', 'networkx', 'jsonschema') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.splitlines()[-1] == "[]"
    assert "riskscan scan ." in result.stdout


def test_exit_codes_follow_the_threshold():
    assert riskscan("scan", str(EXAMPLE)).returncode == 1
    assert riskscan("scan", str(EXAMPLE), "--exit-zero").returncode == 0
    assert riskscan("scan", str(REPO / "fixtures" / "cases" / "safe-newsletter")).returncode == 0
    # the only findings of this case are high (RS103): critical does not fail, medium does
    destructive = str(REPO / "fixtures" / "cases" / "lowlevel-notes-server")
    assert riskscan("scan", destructive, "--fail-on", "critical").returncode == 0
    assert riskscan("scan", destructive, "--fail-on", "medium").returncode == 1


def test_usage_and_configuration_errors_exit_2(tmp_path):
    assert riskscan("scan", str(tmp_path / "missing")).returncode == 2
    assert riskscan("scan", str(EXAMPLE), "--format", "xml").returncode == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: rules\nversion: 1\nrules: [{id: X1}]\n")
    result = riskscan("scan", str(EXAMPLE), "--ruleset", str(bad))
    assert result.returncode == 2
    assert f"{bad}: at rules/0" in result.stderr and "schema:" in result.stderr


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_the_secret_never_appears_in_any_format(fmt, tmp_path):
    output = tmp_path / f"report.{fmt}"
    result = riskscan("scan", str(EXAMPLE), "--format", fmt, "-o", str(output))
    assert result.returncode == 1
    written = output.read_text()
    assert "RS201" in written
    for text in (written, result.stdout, result.stderr):
        assert FAKE_TOKEN not in text
        assert FAKE_TOKEN[4:16] not in text  # nothing beyond the fixed short prefix


def test_broken_files_are_reported_and_the_rest_is_still_scanned(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(REPO / "fixtures" / "cases" / "fastmcp-ops-server", project)
    (project / "broken.py").write_text("def tool(:\n    pass\n")
    (project / "latin1.py").write_bytes("# caf\xe9\nx = '\xe9'\n".encode("latin-1"))
    (project / "binary.py").write_bytes(b"\x7fELF\x00\x00\x00binary")
    (project / "mcp.json").write_text('{"mcpServers": {"x": {"command": "npx",')
    (project / "huge.py").write_text("x = 1\n" * 1000)
    result = riskscan("scan", str(project), "--format", "json", "--max-file-bytes", "5000")
    report = json.loads(result.stdout)
    assert result.returncode == 1
    assert {f["rule_id"] for f in report["findings"]} == {"RS102", "RS301"}
    problems = {(d["location"]["path"], d["code"]) for d in report["diagnostics"]}
    assert {("broken.py", "parse-error"), ("latin1.py", "parse-error"), ("binary.py", "binary-file"),
            ("mcp.json", "parse-error"), ("huge.py", "file-too-large")} <= problems
    lines = {d["location"]["path"]: d["location"]["line"] for d in report["diagnostics"]}
    assert (lines["broken.py"], lines["mcp.json"]) == (1, 1)


def test_json_output_validates_and_sarif_is_relative(tmp_path):
    result = riskscan("scan", str(EXAMPLE), "--format", "sarif")
    log = json.loads(result.stdout)
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"] for loc in r["locations"]}
    # relative to the repository root (this checkout's, when it is one), where GitHub looks for them
    from riskscan.scan.repository import locate

    inside = locate(str(EXAMPLE.resolve())).relative
    assert uris == {inside(".mcp.json"), inside("support_desk/tools.py")}
    assert log["runs"][0]["automationDetails"]["id"] == "riskscan/"


def test_explain_walks_one_finding_with_its_witness_and_fix():
    guarded = str(REPO / "fixtures" / "cases" / "guarded-tools")
    listing = riskscan("scan", guarded, "--format", "json")
    first = json.loads(listing.stdout)["findings"][0]
    by_id = riskscan("explain", first["fingerprint"][:8], guarded)
    by_rank = riskscan("explain", "1", guarded)
    assert by_id.returncode == 0 and by_id.stdout == by_rank.stdout
    text = by_id.stdout
    assert text.startswith(f"{first['rule_id']} {first['rule_name']}: ")
    assert "The path, step by step (3 steps):" in text
    assert "why: api-call — calls urllib.request.urlopen (target from parameter `url`) at ops_tools.py:19:10" in text
    assert "argument check, does not hold: url='https://reports.example.com@" in text
    assert "In the smallest fix of this scan, these changes remove it:" in text
    assert riskscan("explain", "RS999", guarded).returncode == 2

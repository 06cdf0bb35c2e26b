"""One finding per risk: the calls of one MCP server that complete the same rule for the same
agent context are one finding, its sinks inside; a tool of the code stays its own finding, with the
fingerprint it always had; a baseline written when findings were per call keeps matching."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from riskscan.cli import main
from riskscan.scan import scan
from riskscan.types import Config

REPO = Path(__file__).resolve().parents[2]
SUPPORT_DESK = REPO / "examples" / "support-desk"


def path_findings(folder, **settings):
    return [f for f in scan(str(folder), Config(cache=False, **settings)).findings if f.kind == "path"]


def test_the_tools_of_one_server_that_complete_one_rule_are_one_finding():
    findings = path_findings(SUPPORT_DESK)
    github = [f for f in findings if f.rule_id == "RS101" and f.subject == "github"]
    assert len(github) == 1
    risk = github[0]
    assert len(risk.sinks) == 8 and {"push_files", "create_issue", "add_issue_comment"} <= set(risk.sinks)
    assert "8 tools of MCP server `github`" in risk.message
    # every sink is reached by a route inside the finding, and each per-call fingerprint is kept
    assert {route[-1].tool for route in (risk.steps, *risk.alternatives)} == set(risk.sinks)
    assert len(risk.covers) == 8
    # one finding per (rule, agent context, sink server or tool): no two share a fingerprint
    assert len({f.fingerprint for f in findings}) == len(findings)


def test_a_tool_of_the_code_stays_its_own_finding_under_its_old_fingerprint():
    billing = [f for f in path_findings(SUPPORT_DESK) if f.sinks == ("send_email",)]
    assert len(billing) == 1 and billing[0].covers == (billing[0].fingerprint,)
    assert len(billing[0].alternatives) == 1  # web_search and fetch_page: two ways in, one risk


def test_a_suppression_of_one_sink_tool_leaves_the_rest_of_the_risk(tmp_path):
    target = tmp_path / "desk"
    shutil.copytree(SUPPORT_DESK, target)
    (target / "riskscan-suppressions.toml").write_text(
        '[[suppress]]\nrule = "RS101"\npath = ".mcp.json"\nserver = "github"\ntool = "push_files"\n'
        'reason = "pushes go to a sandbox repository"\n')
    report = scan(str(target), Config(cache=False))
    kept = [f for f in report.findings if f.rule_id == "RS101" and f.subject == "github"]
    assert len(kept) == 1 and "push_files" not in kept[0].sinks and len(kept[0].sinks) == 7
    silenced = [f for f in report.suppressed if f.rule_id == "RS101" and f.subject == "github"]
    assert [f.sinks for f in silenced] == [("push_files",)]


def test_a_baseline_of_per_call_fingerprints_still_matches_and_rewriting_migrates_it(tmp_path):
    findings = scan(str(SUPPORT_DESK), Config(cache=False)).findings
    old = tmp_path / "old-baseline.json"
    entries = [{"fingerprint": key, "rule_id": f.rule_id, "message": f.message,
                "location": {"path": f.location.path, "line": f.location.line, "column": f.location.column}}
               for f in findings for key in (f.covers or (f.fingerprint,))]
    old.write_text(json.dumps({"riskscan_baseline": 1, "findings": sorted(entries, key=lambda e: e["fingerprint"])}))
    marked = scan(str(SUPPORT_DESK), Config(cache=False, baseline=str(old)))
    assert {f.baseline_state for f in marked.findings} == {"unchanged"} and not marked.absent
    result = CliRunner().invoke(main, ["scan", str(SUPPORT_DESK), "--no-cache", "--baseline", str(old), "--write-baseline", str(old)])
    assert result.exit_code == 0, result.output
    rewritten = {entry["fingerprint"] for entry in json.loads(old.read_text())["findings"]}
    assert rewritten == {f.fingerprint for f in findings}
    # one entry dropped from the old form: the findings it covered are new again, the rest unchanged
    github = next(f for f in findings if f.kind == "path" and f.subject == "github")
    partial = [e for e in entries if e["fingerprint"] not in github.covers]
    old.write_text(json.dumps({"riskscan_baseline": 1, "findings": partial}))
    states = {f.fingerprint: f.baseline_state for f in scan(str(SUPPORT_DESK), Config(cache=False, baseline=str(old))).findings}
    assert states[github.fingerprint] == "new" and list(states.values()).count("new") == 1


def test_the_route_that_reads_secrets_leads_though_it_is_longer():
    # Claude Code's fetch can send out what github's get_file_contents read (two steps) or what
    # the filesystem server rooted at /Users/alice read (three): the solver's shortest routes to
    # fetch all go through GitHub; the route through the home folder is found too, and leads (the
    # page it starts from read by Claude Code's own WebFetch or by fetch itself: equally short).
    [fetch] = [f for f in path_findings(SUPPORT_DESK) if f.rule_id == "RS101" and f.subject == "fetch"]
    assert [(s.tool, "secret_read" in s.labels) for s in fetch.steps] == [("WebFetch", False), ("read_file", True), ("fetch", False)]
    assert any(route[0].tool == "get_file_contents" for route in fetch.alternatives)

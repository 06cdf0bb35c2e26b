"""The trace rules (RS4xx, rulesets/trace/rules.yaml) are rules like the others for the user:
`riskscan rule RS401` explains one, `riskscan rules` lists them, and `--select` / `--ignore` know
their codes (in `trace`, which reports them, and in `scan`, so that one configuration can name them)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from riskscan.scan import scan
from riskscan.types import Config

REPO = Path(__file__).resolve().parents[2]
TRACES = REPO / "fixtures" / "traces"
SAVED = TRACES / "mail-assistant.report.json"
# a run that calls a tool the saved scan does not know (RS401) and is otherwise clean
UNKNOWN = TRACES / "otlp" / "unknown-tool.jsonl"


def riskscan(*args):
    return subprocess.run([sys.executable, "-m", "riskscan", *args], cwd=REPO, capture_output=True, text=True, timeout=300)


def test_rule_explains_a_trace_rule():
    result = riskscan("rule", "RS401")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# RS401 unknown-tool-in-trace\n")
    assert "## How to fix" in result.stdout
    assert riskscan("rule", "predicted-path-not-exercised").stdout.startswith("# RS403 ")


def test_rules_lists_the_trace_rules():
    listed = {line.split()[0]: line.split()[3] for line in riskscan("rules").stdout.splitlines()}
    assert listed["RS401"] == "unknown-tool-in-trace"
    assert {"RS402", "RS403", "RS101"} <= set(listed)
    as_json = {rule["id"] for rule in json.loads(riskscan("rules", "--format", "json").stdout)}
    assert {"RS401", "RS402", "RS403"} <= as_json


def trace_rule_ids(*args):
    result = riskscan("trace", str(UNKNOWN), "--with-scan", str(SAVED), "--format", "json", "--exit-zero", *args)
    assert result.returncode == 0, result.stderr
    return {f["rule_id"] for f in json.loads(result.stdout)["findings"]}


def test_trace_select_and_ignore_take_trace_rule_codes():
    everything = trace_rule_ids()
    assert "RS401" in everything and "RS403" in everything
    assert "RS401" not in trace_rule_ids("--ignore", "RS401")
    assert trace_rule_ids("--select", "RS401") == {"RS401"}
    assert trace_rule_ids("--select", "RS4", "--ignore", "RS403") == everything & {"RS401", "RS402"}
    typo = riskscan("trace", str(UNKNOWN), "--with-scan", str(SAVED), "--select", "RS49")
    assert typo.returncode == 2 and "matches no rule" in typo.stderr


def test_scan_accepts_trace_rule_codes_in_select_and_ignore(tmp_path):
    # a riskscan.toml shared by `scan` and `trace` may ignore a trace rule; scan must not call it a typo
    (tmp_path / "agent.py").write_text("print('no agent here')\n")
    report = scan(str(tmp_path), Config(ignore=("RS403",), cache=False))
    assert report.findings == ()
    result = riskscan("scan", str(tmp_path), "--select", "RS401", "-q")
    assert result.returncode == 0, result.stderr

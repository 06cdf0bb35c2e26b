"""`riskscan trace` as a user meets it: exit codes, the SARIF category, schema-valid output, bad
input; and the OpenTelemetry GenAI message fixtures conform to the official message schemas."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

REPO = Path(__file__).resolve().parents[2]
TRACES = REPO / "fixtures" / "traces"
SAVED = TRACES / "mail-assistant.report.json"
SCHEMAS = Path(__file__).parents[1] / "schemas"


def riskscan(*args):
    return subprocess.run([sys.executable, "-m", "riskscan", *args], cwd=REPO, capture_output=True, text=True, timeout=300)


def test_exit_codes_follow_the_threshold():
    injected = str(TRACES / "openai" / "injected.jsonl")
    assert riskscan("trace", injected, "--with-scan", str(SAVED)).returncode == 1
    assert riskscan("trace", injected, "--with-scan", str(SAVED), "--exit-zero").returncode == 0
    assert riskscan("trace", str(TRACES / "openai" / "clean.json"), "--with-scan", str(SAVED)).returncode == 0
    # an unknown tool is medium: it fails only a medium threshold
    unknown = str(TRACES / "otlp" / "unknown-tool.jsonl")
    assert riskscan("trace", unknown, "--with-scan", str(SAVED)).returncode == 0
    assert riskscan("trace", unknown, "--with-scan", str(SAVED), "--fail-on", "medium").returncode == 1


def test_sarif_has_the_trace_category_and_validates(tmp_path):
    out = tmp_path / "trace.sarif"
    traces = sorted(p for p in TRACES.glob("*/*.json*") if p.parent.name != "mail-assistant")  # its .mcp.json is no trace
    result = riskscan("trace", *(str(p) for p in traces), "--with-scan", str(SAVED),
                      "--format", "sarif", "-o", str(out))
    assert result.returncode == 1, result.stderr
    log = json.loads(out.read_text(encoding="utf-8"))
    run = log["runs"][0]
    assert run["automationDetails"] == {"id": "riskscan/trace/"}
    schema = json.loads((SCHEMAS / "sarif-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.validators.validator_for(schema)(schema).validate(log)
    flows = [r for r in run["results"] if r["ruleId"] == "RS101"]
    assert len(flows) == 6 and all(len(r["codeFlows"][0]["threadFlows"][0]["locations"]) >= 2 for r in flows)
    assert {d["id"] for d in run["tool"]["driver"]["rules"]} >= {"RS101", "RS401", "RS402", "RS403"}


def test_json_validates_against_the_report_schema():
    result = riskscan("trace", str(TRACES / "anthropic" / "injected.json"), "--with-scan", str(SAVED), "--format", "json")
    document = json.loads(result.stdout)
    schema = json.loads((REPO / "riskscan" / "schemas" / "report.schema.json").read_text(encoding="utf-8"))
    jsonschema.validators.validator_for(schema)(schema).validate(document)
    assert document["stats"]["exercised_paths"] == 1


def test_a_scan_folder_works_as_the_model():
    result = riskscan("trace", str(TRACES / "openai" / "unknown-tool.json"), "--with-scan", str(TRACES / "mail-assistant"), "--format", "json")
    assert sorted(f["rule_id"] for f in json.loads(result.stdout)["findings"] if f["rule_id"] != "RS403") == ["RS401", "RS402"]


def test_a_bad_report_is_exit_2_naming_the_file(tmp_path):
    bad = tmp_path / "report.json"
    bad.write_text('{"findings": []}', encoding="utf-8")
    result = riskscan("trace", str(TRACES / "openai" / "clean.json"), "--with-scan", str(bad))
    assert result.returncode == 2
    assert result.stderr.strip() == f"riskscan: error: {bad}: not a riskscan JSON report (no schema_version / tools)"


def test_a_broken_trace_is_a_diagnostic_and_exit_2_not_a_crash(tmp_path):
    bad = tmp_path / "run.json"
    bad.write_bytes(b"\xff\xfe{")
    result = riskscan("trace", str(bad))
    assert result.returncode == 2
    [line] = [line for line in result.stdout.splitlines() if "trace-decode-error" in line]
    assert line.endswith("run.json:1: not UTF-8 text") and not line.split()[2].startswith("/")
    assert result.stderr.startswith("riskscan: error: ") and result.stderr.endswith("run.json:1: not UTF-8 text\n")


@pytest.mark.parametrize("key,schema", [("gen_ai.input.messages", "otel-gen-ai-input-messages.json"),
                                         ("gen_ai.output.messages", "otel-gen-ai-output-messages.json")])
def test_the_genai_message_fixture_follows_the_official_schemas(key, schema):
    document = json.loads((TRACES / "otlp" / "injected-messages.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(json.loads((SCHEMAS / schema).read_text(encoding="utf-8")))
    spans = document["resourceSpans"][0]["scopeSpans"][0]["spans"]
    values = [a["value"]["stringValue"] for s in spans for a in s["attributes"] if a["key"] == key]
    assert len(values) == 3
    for value in values:
        validator.validate(json.loads(value))

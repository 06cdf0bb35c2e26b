"""The report stage as a whole: format dispatch, riskscan's JSON document, determinism."""

from __future__ import annotations

import json

import jsonschema
import pytest
from report_samples import empty_report, sample_report

from riskscan.report import FORMATS, render
from riskscan.report.json_format import SCHEMA_PATH


@pytest.fixture(scope="module")
def report_schema() -> dict:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


def validate_report_document(document: dict, schema: dict) -> None:
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_renders_the_same_bytes_twice(fmt):
    assert render(sample_report(), fmt) == render(sample_report(), fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_format_writes_the_absolute_scan_root(fmt):
    report = sample_report()
    rendered = render(report, fmt)
    if fmt == "sarif":  # the one exception: %SRCROOT%'s uri, the repository root GitHub resolves paths against
        document = json.loads(rendered)
        assert document["runs"][0]["originalUriBaseIds"]["%SRCROOT%"].pop("uri") == "file:///home/someone/project/"
        rendered = json.dumps(document)
    assert report.root not in rendered


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_empty_report_renders(fmt):
    assert render(empty_report(), fmt).endswith("\n")


def test_an_unknown_format_is_refused():
    with pytest.raises(ValueError, match="unknown report format 'xml'"):
        render(sample_report(), "xml")


def test_json_validates_against_the_report_schema(report_schema):
    validate_report_document(json.loads(render(sample_report(), "json")), report_schema)
    validate_report_document(json.loads(render(empty_report(), "json")), report_schema)


def test_the_report_schema_rejects_unknown_fields(report_schema):
    document = json.loads(render(sample_report(), "json"))
    document["findings"][0]["steps"][0]["extra"] = True
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, report_schema, cls=jsonschema.Draft202012Validator)


def test_json_keeps_the_ranked_order_and_every_field_of_a_path_finding():
    document = json.loads(render(sample_report(), "json"))
    assert document["schema_version"] == "1"
    assert document["tool"] == {"name": "riskscan", "version": "0.1.0"}
    assert [f["rule_id"] for f in document["findings"]] == ["RS102", "RS201", "RS204", "RS103", "RS101"]

    shell = document["findings"][0]
    assert [(s["kind"], s["agent"], s["tool"], s["target"]) for s in shell["steps"]] == [
        ("call", "researcher", "fetch_page", None),
        ("handoff", "researcher", None, "coder"),
        ("call", "coder", "run_shell", None),
    ]
    assert shell["steps"][0]["location"] == {"path": "app/agents.py", "line": 13, "column": 12}
    assert shell["steps"][2]["evidence"][0]["detail"] == "subprocess.run(cmd, shell=True)"
    assert [f["name"] for f in shell["factors"]] == ["severity", "confidence", "gates"]
    assert shell["fingerprint"] == "5f0c2a9e8b7d6c41"

    refund = document["findings"][3]
    assert refund["conditions"] == ['env.ENABLE_REFUNDS == "1"']
    assert refund["gates"] == [
        {
            "kind": "approval",
            "detail": "needs_approval=True on issue_refund",
            "location": {"path": "app/tools.py", "line": 61, "column": 5},
            "status": "",
            "witness": "",
        }
    ]


def test_json_describes_the_system_and_the_rules():
    document = json.loads(render(sample_report(), "json"))
    support = next(a for a in document["agents"] if a["name"] == "support")
    refund_holding = next(h for h in support["tools"] if h["tool"] == "app.tools.issue_refund")
    assert refund_holding["condition"] == [{"variable": "env.ENABLE_REFUNDS", "value": "1", "negated": False}]
    researcher = next(a for a in document["agents"] if a["name"] == "researcher")
    assert researcher["handoffs"][0]["target"] == "app.agents.coder"

    fetch = next(t for t in document["tools"] if t["name"] == "fetch_page")
    assert fetch["labels"] == ["external_send", "untrusted_input"]
    assert fetch["capabilities"][0]["evidence"][0]["kind"] == "api-call"

    exfiltration = next(r for r in document["rules"] if r["id"] == "RS101")
    assert exfiltration["cwe"] == [200, 441] and "LLM01" in exfiltration["tags"]
    assert [a["id"] for a in document["agents"]] == sorted(a["id"] for a in document["agents"])


def test_json_summary_counts_by_severity():
    document = json.loads(render(sample_report(), "json"))
    assert document["summary"] == {
        "findings": 5,
        "diagnostics": 2,
        "by_severity": {"critical": 1, "high": 2, "medium": 1, "low": 1, "note": 0},
        "coverage": None,  # a report built by hand: what it read is not known
    }
    assert document["stats"] == {"files": 4, "paths": 2}
    assert [d["code"] for d in document["diagnostics"]] == ["unresolved-tool", "parse-error"]

"""SARIF 2.1.0 for GitHub code scanning: valid against the official schema, and shaped the way
GitHub ingests it."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest
from report_samples import empty_report, sample_report

from riskscan import rulesets
from riskscan.report import render

SCHEMAS = Path(__file__).parent / "schemas"
SARIF_SCHEMAS = ("sarif-2.1.0.json", "sarif-2.1.0-schemastore.json")


def sarif_of(report) -> dict:
    return json.loads(render(report, "sarif"))


@pytest.fixture(scope="module")
def sample_run() -> dict:
    return sarif_of(sample_report())["runs"][0]


def result_for(run: dict, rule_id: str) -> dict:
    return next(r for r in run["results"] if r["ruleId"] == rule_id)


@pytest.mark.parametrize("schema_name", SARIF_SCHEMAS)
@pytest.mark.parametrize("make_report", [sample_report, empty_report], ids=["sample", "empty"])
def test_sarif_validates_against_the_official_schema(schema_name, make_report):
    schema_path = SCHEMAS / schema_name
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)  # the draft the schema declares
    errors = list(validator_class(schema).iter_errors(sarif_of(make_report())))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_the_run_is_identified_for_code_scanning(sample_run):
    log = sarif_of(sample_report())
    assert log["version"] == "2.1.0"
    assert sample_run["automationDetails"] == {"id": "riskscan/static/"}
    assert sample_run["columnKind"] == "unicodeCodePoints"
    assert "uri" not in sample_run["originalUriBaseIds"]["%SRCROOT%"]
    driver = sample_run["tool"]["driver"]
    assert (driver["name"], driver["semanticVersion"]) == ("riskscan", "0.1.0")
    assert driver["informationUri"].startswith("https://")


def test_one_rule_descriptor_per_rule_with_github_properties(sample_run):
    descriptors = {d["id"]: d for d in sample_run["tool"]["driver"]["rules"]}
    assert sorted(descriptors) == sorted(rule.id for rule in rulesets.load().rules)
    assert {"RS101", "RS102", "RS103", "RS201", "RS202", "RS203", "RS204", "RS301"} <= set(descriptors)
    shell = descriptors["RS102"]
    assert shell["name"] == "injection-to-code-execution"
    assert shell["shortDescription"]["text"] == "Untrusted content can make an agent run code or commands"
    assert shell["fullDescription"]["text"].startswith("An agent whose context")
    assert shell["help"]["markdown"].startswith("**What it finds.**")
    assert "**" not in shell["help"]["text"]
    assert shell["defaultConfiguration"] == {"level": "error"}
    assert shell["properties"]["security-severity"] == "9.5"
    assert shell["properties"]["tags"] == [
        "security", "LLM01", "LLM05", "ASI01", "ASI05", "external/cwe/cwe-94", "external/cwe/cwe-78",
    ]
    assert shell["properties"]["precision"] == "high"
    assert descriptors["RS202"]["defaultConfiguration"] == {"level": "warning"}
    assert descriptors["RS202"]["properties"]["security-severity"] == "5.5"
    assert descriptors["RS202"]["properties"]["precision"] == "medium"  # no finding of it in this run


def test_results_point_at_their_rule_and_place(sample_run):
    rules = sample_run["tool"]["driver"]["rules"]
    assert [r["ruleId"] for r in sample_run["results"]] == ["RS102", "RS201", "RS204", "RS103", "RS101"]
    for result in sample_run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert not physical["artifactLocation"]["uri"].startswith(("/", "file:"))
        assert physical["region"]["startLine"] >= 1
    secret = result_for(sample_run, "RS201")
    assert secret["level"] == "error"
    assert secret["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": ".vscode/mcp.json", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 9, "startColumn": 25},
    }
    assert secret["partialFingerprints"] == {"riskscanFingerprint/v1": "a1b2c3d4e5f60718"}
    assert "codeFlows" not in secret


def test_a_whole_file_location_is_line_one_with_an_encoded_uri(sample_run):
    plain_http = result_for(sample_run, "RS204")
    assert plain_http["level"] == "warning"
    assert plain_http["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "configs/claude%20desktop.json", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 1},
    }


def test_a_path_finding_has_a_code_flow_per_path_with_a_location_per_step(sample_run):
    shell = result_for(sample_run, "RS102")
    [code_flow, alternative] = shell["codeFlows"]
    [alternative_thread] = alternative["threadFlows"]
    assert [s["location"]["message"]["text"] for s in alternative_thread["locations"]] == [
        "coder calls read_issue [untrusted_input] — reads untrusted content.",
        "coder calls run_shell [code_exec] — runs a command the model chose.",
    ]
    [thread_flow] = code_flow["threadFlows"]
    steps = thread_flow["locations"]
    assert [s["executionOrder"] for s in steps] == [1, 2, 3]
    assert [s["location"]["message"]["text"] for s in steps] == [
        "researcher calls fetch_page [untrusted_input] — reads untrusted content.",
        "researcher hands off to coder — passes its context on.",
        "coder calls run_shell [code_exec] — runs a command the model chose.",
    ]
    assert [
        (s["location"]["physicalLocation"]["artifactLocation"]["uri"], s["location"]["physicalLocation"]["region"])
        for s in steps
    ] == [
        ("app/agents.py", {"startLine": 13, "startColumn": 12}),
        ("app/agents.py", {"startLine": 14, "startColumn": 15}),
        ("app/agents.py", {"startLine": 6, "startColumn": 12}),
    ]
    assert [r["id"] for r in shell["relatedLocations"]] == [1, 2, 3]
    assert shell["relatedLocations"][1]["message"]["text"].startswith("Step 2: researcher hands off to coder")


def test_result_properties_carry_score_conditions_gates_and_factors(sample_run):
    refund = result_for(sample_run, "RS103")
    assert refund["properties"]["score"] == 3.6
    assert refund["properties"]["confidence"] == "high"
    assert refund["properties"]["conditions"] == ['env.ENABLE_REFUNDS == "1"']
    assert refund["properties"]["gates"][0]["kind"] == "approval"
    assert [f["name"] for f in refund["properties"]["factors"]] == ["severity", "confidence", "gates"]


def test_diagnostics_become_tool_execution_notifications(sample_run):
    [invocation] = sample_run["invocations"]
    assert invocation["executionSuccessful"] is True
    notifications = invocation["toolExecutionNotifications"]
    assert [(n["descriptor"]["id"], n["level"]) for n in notifications] == [
        ("unresolved-tool", "warning"),
        ("parse-error", "error"),
    ]
    assert notifications[1]["locations"][0]["physicalLocation"]["region"] == {"startLine": 3, "startColumn": 9}


def test_a_finding_of_a_rule_the_report_does_not_carry_still_points_at_a_descriptor():
    report = sample_report()
    report = replace(report, rules=tuple(r for r in report.rules if r.id != "RS204"))
    run = sarif_of(report)["runs"][0]
    plain_http = result_for(run, "RS204")
    descriptor = run["tool"]["driver"]["rules"][plain_http["ruleIndex"]]
    assert (descriptor["id"], descriptor["name"]) == ("RS204", "remote-server-over-http")


def test_an_undecided_search_is_a_note_at_the_scan_root(sample_run):
    undecided = result_for(sample_run, "RS101")
    assert undecided["level"] == "note"
    assert undecided["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": ".", "uriBaseId": "%SRCROOT%"}
    assert "codeFlows" not in undecided and "relatedLocations" not in undecided

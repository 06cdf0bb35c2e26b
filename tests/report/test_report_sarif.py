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
from riskscan.report.sarif import category_id
from riskscan.types import Location, Repository, Rule

SCHEMAS = Path(__file__).parents[1] / "schemas"
SARIF_SCHEMAS = ("sarif-2.1.0.json", "sarif-2.1.0-schemastore.json")


def sarif_of(report, **options) -> dict:
    return json.loads(render(report, "sarif", **options))


REVISION = "3f786850e387550fdab836ed7e6dc881de23001b"


def subfolder_report():
    """The sample scanned as `services/bot` of a repository with a known remote and commit, as the
    Action's `path: services/bot` scans it."""
    repository = Repository("/home/someone/project", "services/bot", "https://github.com/someone/project", REVISION)
    return replace(sample_report(), root="/home/someone/project/services/bot", repository=repository)


@pytest.fixture(scope="module")
def sample_run() -> dict:
    return sarif_of(sample_report())["runs"][0]


def result_for(run: dict, rule_id: str) -> dict:
    return next(r for r in run["results"] if r["ruleId"] == rule_id)


@pytest.mark.parametrize("schema_name", SARIF_SCHEMAS)
@pytest.mark.parametrize("make_report", [sample_report, empty_report, subfolder_report], ids=["sample", "empty", "subfolder"])
def test_sarif_validates_against_the_official_schema(schema_name, make_report):
    schema_path = SCHEMAS / schema_name
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)  # the draft the schema declares
    errors = list(validator_class(schema).iter_errors(sarif_of(make_report())))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_the_run_is_identified_for_code_scanning(sample_run):
    log = sarif_of(sample_report())
    assert log["version"] == "2.1.0"
    assert sample_run["automationDetails"] == {"id": "riskscan/"}
    assert sample_run["columnKind"] == "unicodeCodePoints"
    # a Report without a repository (built by hand, a trace) is its own repository
    assert sample_run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == "file:///home/someone/project/"
    assert "versionControlProvenance" not in sample_run
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


def test_paths_are_relative_to_the_repository_root_not_the_scanned_folder():
    """`path: services/bot`: every place of the run is under services/bot/ in the repository, as
    GitHub resolves it; %SRCROOT% is the repository root."""
    run = sarif_of(subfolder_report())["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == "file:///home/someone/project/"

    def uris(value):
        if isinstance(value, dict):
            found = [value["uri"]] if value.get("uriBaseId") == "%SRCROOT%" else []
            return found + [u for item in value.values() for u in uris(item)]
        return [u for item in value for u in uris(item)] if isinstance(value, list) else []

    places = uris(run["results"]) + uris(run["invocations"])
    assert len(places) > 15 and all(uri == "services/bot" or uri.startswith("services/bot/") for uri in places), places
    assert {"services/bot/app/agents.py", "services/bot/.vscode/mcp.json", "services/bot/configs/claude%20desktop.json",
            "services/bot/app/broken.py"} <= set(places)
    undecided = result_for(run, "RS101")  # located at the scan root: the scanned folder
    assert undecided["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": "services/bot", "uriBaseId": "%SRCROOT%"}


def test_version_control_provenance_names_the_repository_and_the_commit():
    run = sarif_of(subfolder_report())["runs"][0]
    assert run["versionControlProvenance"] == [
        {"repositoryUri": "https://github.com/someone/project", "revisionId": REVISION, "mappedTo": {"uriBaseId": "%SRCROOT%"}}
    ]
    unknown_commit = replace(subfolder_report().repository, revision="")
    [details] = sarif_of(replace(subfolder_report(), repository=unknown_commit))["runs"][0]["versionControlProvenance"]
    assert "revisionId" not in details
    no_remote = replace(subfolder_report().repository, uri="")
    assert "versionControlProvenance" not in sarif_of(replace(subfolder_report(), repository=no_remote))["runs"][0]


def test_each_bundled_rule_links_to_its_section_of_the_rules_reference(sample_run):
    """helpUri: docs/rules.md#<code>-<name>, the anchor of the rule's heading in that file."""
    reference = (Path(__file__).parents[2] / "docs" / "rules.md").read_text(encoding="utf-8")
    descriptors = sample_run["tool"]["driver"]["rules"]
    for descriptor in descriptors:
        page, _, anchor = descriptor["helpUri"].partition("#")
        assert page == "https://github.com/riskscan/riskscan/blob/main/docs/rules.md"
        code, _, name = anchor.partition("-")
        assert (code, name) == (descriptor["id"].lower(), descriptor["name"])
        assert f"\n## {descriptor['id']} {descriptor['name']}\n" in reference


def test_a_rule_of_a_users_own_ruleset_has_no_help_uri():
    own = Rule(id="RS901", name="my-own-rule", kind="hygiene", title="Mine", severity="low", description="Mine.", help="", remediation="")
    report = replace(sample_report(), rules=(*sample_report().rules, own))
    descriptors = {d["id"]: d for d in sarif_of(report)["runs"][0]["tool"]["driver"]["rules"]}
    assert "helpUri" not in descriptors["RS901"] and "helpUri" in descriptors["RS101"]


@pytest.mark.parametrize("category, expected", [
    ("riskscan", "riskscan/"), ("riskscan/", "riskscan/"), ("team-a/agents", "team-a/agents/"), ("", "riskscan/"), ("  ", "riskscan/"),
])
def test_a_category_is_the_run_id_followed_by_a_slash_as_upload_sarif_writes_it(category, expected):
    assert category_id(category) == expected
    assert sarif_of(sample_report(), automation_id=category_id(category))["runs"][0]["automationDetails"] == {"id": expected}

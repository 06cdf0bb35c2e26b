"""SARIF 2.1.0 for GitHub code scanning.

One run; one `reportingDescriptor` per rule of the Report; one result per finding, with a code
flow (one thread flow, one location per step) for findings that have a path. Paths are relative
to `%SRCROOT%`, which is declared without a uri so that no absolute path of the scanning machine
is written; GitHub resolves it to the checkout. Diagnostics become tool execution notifications.
"""

from __future__ import annotations

import json
from urllib.parse import quote

from riskscan.report.json_format import factor_document, gate_document
from riskscan.report.wording import step_sentence
from riskscan.types import (
    BaselineEntry,
    Coverage,
    Diagnostic,
    Finding,
    Fix,
    Location,
    Report,
    Rule,
    Step,
    Suppression,
)

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/riskscan/riskscan"
SOURCE_ROOT = "%SRCROOT%"
AUTOMATION_ID = "riskscan/static/"
FINGERPRINT_KEY = "riskscanFingerprint/v1"

SEVERITY_LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "note": "note"}
DIAGNOSTIC_LEVELS = {"error": "error", "warning": "warning", "info": "note"}
CONFIDENCE_ORDER = ("low", "medium", "high")


def render_sarif(report: Report, *, automation_id: str = AUTOMATION_ID) -> str:
    return json.dumps(sarif_log(report, automation_id=automation_id), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def sarif_log(report: Report, *, automation_id: str = AUTOMATION_ID) -> dict:
    """`automation_id` is the run's category in code scanning: the static scan's by default,
    `riskscan/trace/` for recorded runs, so that both upload side by side."""
    rules = rule_catalog(report)
    rule_index = {rule.id: index for index, rule in enumerate(rules)}
    run = {
        "tool": {"driver": driver(report, rules)},
        "automationDetails": {"id": automation_id},
        "columnKind": "unicodeCodePoints",
        "originalUriBaseIds": {SOURCE_ROOT: {"description": {"text": "The root of the scanned project."}}},
        "invocations": [invocation(report.diagnostics, report.coverage)],
        "results": [
            result(finding, rule_index[finding.rule_id], report.fixes) for finding in (*report.findings, *report.suppressed)
        ] + [absent_result(entry, rule_index[entry.rule_id]) for entry in report.absent if entry.rule_id in rule_index],
    }
    return {"$schema": SARIF_SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


def rule_catalog(report: Report) -> list[Rule]:
    """The Report's rules sorted by id, plus a stand-in for any rule a finding names that the Report
    does not carry (a result must point at a rule descriptor)."""
    rules = {rule.id: rule for rule in report.rules}
    for finding in (*report.findings, *report.suppressed):
        if finding.rule_id not in rules:
            rules[finding.rule_id] = stand_in_rule(finding)
    return [rules[rule_id] for rule_id in sorted(rules)]


def stand_in_rule(finding: Finding) -> Rule:
    return Rule(
        id=finding.rule_id,
        name=finding.rule_name,
        kind="hygiene" if finding.kind == "hygiene" else "path",
        title=finding.rule_name,
        severity=finding.severity,
        description=finding.rule_name,
        help="",
        remediation="",
    )


def driver(report: Report, rules: list[Rule]) -> dict:
    return {
        "name": "riskscan",
        "version": report.version,
        "semanticVersion": report.version,
        "informationUri": INFORMATION_URI,
        "rules": [reporting_descriptor(rule, rule_precision(rule, report.findings)) for rule in rules],
    }


def reporting_descriptor(rule: Rule, precision: str) -> dict:
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.description},
        "help": {"text": help_text(rule), "markdown": help_markdown(rule)},
        "defaultConfiguration": {"level": SEVERITY_LEVELS[rule.severity]},
        "properties": {
            "security-severity": rule.security_severity,
            "tags": rule_tags(rule),
            "precision": precision,
        },
    }


def rule_tags(rule: Rule) -> list[str]:
    return ["security", *rule.tags, *(f"external/cwe/cwe-{cwe}" for cwe in rule.cwe)]


def rule_precision(rule: Rule, findings: tuple[Finding, ...]) -> str:
    """GitHub's `precision` from the confidence axis: the highest confidence among this run's
    findings of the rule, `medium` when it has none."""
    levels = [f.confidence for f in findings if f.rule_id == rule.id and f.confidence in CONFIDENCE_ORDER]
    return max(levels, key=CONFIDENCE_ORDER.index) if levels else "medium"


def help_markdown(rule: Rule) -> str:
    parts = [rule.help or rule.description]
    if rule.remediation:
        parts.append(f"**How to fix.** {rule.remediation}")
    return "\n\n".join(parts)


def help_text(rule: Rule) -> str:
    return help_markdown(rule).replace("**", "").replace("`", "")


def result(finding: Finding, rule_index: int, fixes: tuple[Fix, ...] = ()) -> dict:
    mine = [fix.describe() for fix in fixes if finding.fingerprint in fix.removes]
    suggestion = f" Smallest fix (with the others of this run): {'; '.join(mine)}." if mine else ""
    document = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": SEVERITY_LEVELS[finding.severity],
        "message": {"text": finding.message + suggestion},
        "locations": [{"physicalLocation": physical_location(finding.location)}],
        "properties": {
            "score": finding.score,
            "confidence": finding.confidence,
            "conditions": list(finding.conditions),
            "gates": [gate_document(g) for g in finding.gates],
            "factors": [factor_document(f) for f in finding.factors],
            "fixes": mine,
        },
    }
    if finding.fingerprint:
        document["partialFingerprints"] = {FINGERPRINT_KEY: finding.fingerprint}
    if finding.baseline_state:
        document["baselineState"] = finding.baseline_state
    if finding.suppression is not None:
        document["suppressions"] = [suppression(finding.suppression)]
    if finding.steps:
        document["codeFlows"] = [code_flow(steps) for steps in (finding.steps, *finding.alternatives)]
        document["relatedLocations"] = [
            related_location(number, step) for number, step in enumerate(finding.steps, start=1)
        ]
    return document


def suppression(silenced: Suppression) -> dict:
    """A comment in the code is `inSource`; an entry of the suppressions file `external`."""
    document = {"kind": silenced.kind, "status": "accepted", "justification": silenced.reason}
    if silenced.kind == "inSource":
        document["location"] = {"physicalLocation": physical_location(silenced.location)}
    return document


def absent_result(entry: BaselineEntry, rule_index: int) -> dict:
    """A finding of the baseline this scan no longer has: `absent`, so code scanning closes it."""
    return {
        "ruleId": entry.rule_id,
        "ruleIndex": rule_index,
        "message": {"text": entry.message},
        "locations": [{"physicalLocation": physical_location(entry.location)}],
        "partialFingerprints": {FINGERPRINT_KEY: entry.fingerprint},
        "baselineState": "absent",
    }


def code_flow(steps: tuple[Step, ...]) -> dict:
    return {
        "threadFlows": [
            {
                "locations": [
                    {
                        "executionOrder": number,
                        "location": {
                            "physicalLocation": physical_location(step.location),
                            "message": {"text": step_message(step)},
                        },
                    }
                    for number, step in enumerate(steps, start=1)
                ]
            }
        ]
    }


def related_location(number: int, step: Step) -> dict:
    return {
        "id": number,
        "physicalLocation": physical_location(step.location),
        "message": {"text": f"Step {number}: {step_message(step)}"},
    }


def step_message(step: Step) -> str:
    return step_sentence(step) + "."


def physical_location(location: Location) -> dict:
    """GitHub needs a region with startLine >= 1: a whole-file location points at line 1."""
    region = {"startLine": max(location.line, 1)}
    if location.line and location.column:
        region["startColumn"] = location.column
    return {"artifactLocation": artifact_location(location.path), "region": region}


def artifact_location(path: str) -> dict:
    return {"uri": quote(path, safe="/"), "uriBaseId": SOURCE_ROOT}


def invocation(diagnostics: tuple[Diagnostic, ...], coverage: Coverage | None = None) -> dict:
    """Every diagnostic is a notification. A file that could not be read or parsed has one of level
    error at the file (its diagnostic is an error) and makes the execution unsuccessful: the
    analysis is incomplete, as code scanning should show."""
    return {
        "executionSuccessful": not (coverage is not None and coverage.unreadable),
        "toolExecutionNotifications": [notification(d) for d in sorted(diagnostics)],
    }


def notification(diagnostic: Diagnostic) -> dict:
    document = {
        "descriptor": {"id": diagnostic.code},
        "level": DIAGNOSTIC_LEVELS.get(diagnostic.severity, "warning"),
        "message": {"text": diagnostic.message},
    }
    if diagnostic.location.path:
        document["locations"] = [{"physicalLocation": physical_location(diagnostic.location)}]
    return document

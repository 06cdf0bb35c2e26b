"""SARIF 2.1.0 for GitHub code scanning.

One run; one `reportingDescriptor` per rule of the Report (with `helpUri`, its section of the rules
reference, for the bundled rules); one result per finding, with a code flow (one thread flow, one
location per step) for findings that have a path. Diagnostics become tool execution notifications.

Paths are relative to the repository root, `%SRCROOT%`, as GitHub resolves them: a scan of
`<repo>/services/bot` reports `services/bot/app.py`, not `app.py` (the Report's `repository`, found
by the scan stage; a Report without one is its own repository). `originalUriBaseIds` gives
`%SRCROOT%` the repository root's `file://` address, the one absolute path written, and
`versionControlProvenance` the repository's public address and the commit scanned, when known.
The run's `automationDetails.id` is its code scanning category (`--sarif-category`, GitHub's
convention: the category followed by `/`, `riskscan/` by default).
"""

from __future__ import annotations

import json
from dataclasses import fields, is_dataclass, replace
from pathlib import Path
from urllib.parse import quote

from riskscan.files.surrogates import path_bytes
from riskscan.report.json_format import factor_document, gate_document
from riskscan.report.rule_docs import doc_uri
from riskscan.report.wording import cell_words, step_sentence
from riskscan.types import (
    BaselineEntry,
    Coverage,
    Diagnostic,
    Finding,
    Fix,
    Location,
    Report,
    Repository,
    Rule,
    Step,
    Suppression,
)

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/riskscan/riskscan"
SOURCE_ROOT = "%SRCROOT%"
DEFAULT_CATEGORY = "riskscan/"
FINGERPRINT_KEY = "riskscanFingerprint/v1"

SEVERITY_LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "note": "note"}
DIAGNOSTIC_LEVELS = {"error": "error", "warning": "warning", "info": "note"}
CONFIDENCE_ORDER = ("low", "medium", "high")


def render_sarif(report: Report, *, automation_id: str = DEFAULT_CATEGORY) -> str:
    return json.dumps(sarif_log(report, automation_id=automation_id), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def category_id(category: str) -> str:
    """A code scanning category as the run's `automationDetails.id`: followed by `/`, as
    upload-sarif writes a `category` input; empty gives the default."""
    category = category.strip()
    if not category:
        return DEFAULT_CATEGORY
    return category if category.endswith("/") else category + "/"


def sarif_log(report: Report, *, automation_id: str = DEFAULT_CATEGORY) -> dict:
    """`automation_id` is the run's category in code scanning (see `category_id`): `riskscan/` by
    default, `riskscan/trace/` for recorded runs, so that both upload side by side."""
    repository = report.repository or Repository(root=report.root)
    report = repository_relative(report, repository)
    rules = rule_catalog(report)
    rule_index = {rule.id: index for index, rule in enumerate(rules)}
    run = {
        "tool": {"driver": driver(report, rules)},
        "automationDetails": {"id": automation_id},
        "columnKind": "unicodeCodePoints",
        "originalUriBaseIds": {SOURCE_ROOT: source_root(repository)},
        "invocations": [invocation(report.diagnostics, report.coverage) | configuration_notifications(report, repository)],
        "results": [
            result(finding, rule_index[finding.rule_id], report.fixes) for finding in (*report.findings, *report.suppressed)
        ] + [absent_result(entry, rule_index[entry.rule_id]) for entry in report.absent if entry.rule_id in rule_index],
    }
    if repository.uri:
        run["versionControlProvenance"] = [version_control(repository)]
    return {"$schema": SARIF_SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


def source_root(repository: Repository) -> dict:
    """`%SRCROOT%`: the repository root, with its `file://` address when it is absolute."""
    document = {"description": {"text": "The root of the repository."}}
    root = Path(repository.root)
    if root.is_absolute():
        uri = root.as_uri()
        document["uri"] = uri if uri.endswith("/") else uri + "/"
    return document


def version_control(repository: Repository) -> dict:
    document = {"repositoryUri": repository.uri, "mappedTo": {"uriBaseId": SOURCE_ROOT}}
    if repository.revision:
        document["revisionId"] = repository.revision
    return document


def repository_relative(report: Report, repository: Repository) -> Report:
    """`report` with every Location of its findings, fixes and diagnostics relative to the
    repository root instead of the scan root."""
    if not repository.path:
        return report

    def walk(value):
        if isinstance(value, Location):
            return replace(value, path=repository.relative(value.path))
        if isinstance(value, tuple):
            return tuple(walk(item) for item in value)
        if is_dataclass(value) and not isinstance(value, type):
            return replace(value, **{f.name: walk(getattr(value, f.name)) for f in fields(value) if f.init})
        return value

    return replace(report, **{name: walk(getattr(report, name))
                              for name in ("findings", "suppressed", "absent", "fixes", "diagnostics")})


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
    from riskscan import rulesets

    documented = {rule.id for rule in rulesets.load().rules}
    return {
        "name": "riskscan",
        "version": report.version,
        "semanticVersion": report.version,
        "informationUri": INFORMATION_URI,
        "rules": [
            reporting_descriptor(rule, rule_precision(rule, report.findings), rule.id in documented)
            for rule in rules
        ],
    }


def reporting_descriptor(rule: Rule, precision: str, documented: bool = False) -> dict:
    """`documented`: a bundled rule, with a section in the rules reference (its `helpUri`)."""
    descriptor = {
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
    if documented:
        descriptor["helpUri"] = doc_uri(rule)
    return descriptor


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
        "message": {"text": finding.message + (f" At {cell_words(finding.location)}." if finding.location.cell else "") + suggestion},
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
    return step_sentence(step) + (f" ({cell_words(step.location)})" if step.location.cell else "") + "."


def physical_location(location: Location) -> dict:
    """GitHub needs a region with startLine >= 1: a whole-file location points at line 1.

    A place in a Jupyter notebook is a region of the notebook file itself, on the line of its
    JSON text that holds the source line (`file_line`), with the cell and the line and column
    within it as properties. SARIF 2.1.0 defines a text region by the lines of the artifact's own
    content (3.30) and has nothing for notebook cells; GitHub code scanning places an alert, its
    code snippet and its pull request annotation on the lines of the file as committed, which for
    a notebook are its JSON text. So the JSON line is the one where GitHub shows the code
    riskscan means (nbformat writes each source line of a cell as a string on a line of its
    own), where a line of the concatenated cells, or of the cell, would point at some other line
    of the JSON. No startColumn: the cell's column is not the JSON text's (the string's
    indentation and quote, escapes before it)."""
    if location.cell:
        region = {"startLine": max(location.file_line, 1)}
        properties = {"cell": location.cell, "cellLine": location.line, "cellColumn": location.column}
        return {"artifactLocation": artifact_location(location.path), "region": region, "properties": properties}
    region = {"startLine": max(location.line, 1)}
    if location.line and location.column:
        region["startColumn"] = location.column
    return {"artifactLocation": artifact_location(location.path), "region": region}


def artifact_location(path: str) -> dict:
    return {"uri": quote(path_bytes(path), safe="/"), "uriBaseId": SOURCE_ROOT}


def invocation(diagnostics: tuple[Diagnostic, ...], coverage: Coverage | None = None) -> dict:
    """Every diagnostic is a notification. A file that could not be read or parsed has one of level
    error at the file (its diagnostic is an error) and makes the execution unsuccessful: the
    analysis is incomplete, as code scanning should show."""
    return {
        "executionSuccessful": not (coverage is not None and coverage.unreadable),
        "toolExecutionNotifications": [notification(d) for d in sorted(diagnostics)],
    }


def configuration_notifications(report: Report, repository: Repository) -> dict:
    """What the scanned repository's own configuration file did, as the invocation's
    `toolConfigurationNotifications`: a note for each key applied, a warning for each refused
    (RS215 results say the same). Nothing when no such file was read."""
    settings = report.repository_config
    if settings is None:
        return {}
    notes = []
    for status, level, chosen in (("applied", "note", settings.applied), ("refused", "warning", settings.refused)):
        for setting in chosen:
            where = replace(setting.location, path=repository.relative(setting.location.path))
            document = {
                "descriptor": {"id": f"repository-config-{status}"},
                "level": level,
                "message": {"text": f"{settings.path} of the scanned repository sets `{setting.key} = {setting.value}`: {status}"},
                "locations": [{"physicalLocation": physical_location(where)}],
                "properties": {"key": setting.key, "value": setting.value},
            }
            notes.append(document)
    return {"toolConfigurationNotifications": notes}


def notification(diagnostic: Diagnostic) -> dict:
    document = {
        "descriptor": {"id": diagnostic.code},
        "level": DIAGNOSTIC_LEVELS.get(diagnostic.severity, "warning"),
        "message": {"text": diagnostic.message},
    }
    if diagnostic.location.path:
        document["locations"] = [{"physicalLocation": physical_location(diagnostic.location)}]
    return document

"""riskscan's own JSON document, described by `riskscan/schemas/report.schema.json`.

Findings keep the Report's order (ranked, highest score first); agents, tools and rules are sorted
by id and diagnostics by place so that upstream ordering never changes the bytes. Paths are the
scan-relative POSIX paths the Report carries; the absolute scan root is not written.
"""

from __future__ import annotations

import json
from pathlib import Path

from riskscan.report.wording import severity_counts
from riskscan.types import (
    Agent,
    Atom,
    BaselineEntry,
    Capability,
    Coverage,
    Diagnostic,
    Evidence,
    Factor,
    Finding,
    Fix,
    Gate,
    Handoff,
    Holding,
    Location,
    Report,
    RepositoryConfig,
    Rule,
    Setting,
    Step,
    Suppression,
    Tool,
)

SCHEMA_VERSION = "1"
SCHEMA_PATH = Path(__file__).parents[1] / "schemas" / "report.schema.json"


def render_json(report: Report) -> str:
    return json.dumps(report_document(report), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def report_document(report: Report) -> dict:
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "riskscan", "version": report.version},
        "findings": [finding_document(finding) for finding in (*report.findings, *report.suppressed)],
        "agents": [agent_document(agent) for agent in sorted(report.agents, key=lambda a: a.id)],
        "tools": [tool_document(tool) for tool in sorted(report.tools, key=lambda t: t.id)],
        "rules": [rule_document(rule) for rule in sorted(report.rules, key=lambda r: r.id)],
        "diagnostics": [diagnostic_document(d) for d in sorted(report.diagnostics)],
        "summary": {
            "findings": len(report.findings),
            "diagnostics": len(report.diagnostics),
            "by_severity": severity_counts(report.findings),
            "coverage": coverage_document(report.coverage),
        },
        "stats": dict(report.stats),
        "fixes": [fix_document(fix) for fix in report.fixes],
        "absent": [absent_document(entry) for entry in report.absent],
    } | ({"repository_config": repository_config_document(report.repository_config)} if report.repository_config else {})


def repository_config_document(settings: RepositoryConfig) -> dict:
    """What the scanned repository's own configuration file did: each key applied, each refused."""
    def setting(s: Setting) -> dict:
        return {"key": s.key, "value": s.value, "location": location_document(s.location)}

    return {"path": settings.path, "applied": [setting(s) for s in settings.applied], "refused": [setting(s) for s in settings.refused]}


def coverage_document(coverage: Coverage | None) -> dict | None:
    if coverage is None:
        return None
    return {
        "read": coverage.read,
        "not_read": [{"language": language, "files": count} for language, count in coverage.not_read],
        "unreadable": list(coverage.unreadable),
        "recognised": coverage.recognised,
    }


def absent_document(entry: BaselineEntry) -> dict:
    """A finding of the baseline this scan no longer has: fixed since."""
    return {"fingerprint": entry.fingerprint, "rule_id": entry.rule_id, "message": entry.message,
            "location": location_document(entry.location)}


def suppression_document(suppression: Suppression | None) -> dict | None:
    if suppression is None:
        return None
    return {"kind": suppression.kind, "reason": suppression.reason, "location": location_document(suppression.location)}


def fix_document(fix: Fix) -> dict:
    return {
        "kind": fix.kind,
        "agent": fix.agent,
        "tool": fix.tool,
        "target": fix.target,
        "description": fix.describe(),
        "location": optional_location_document(fix.location),
        "removes": list(fix.removes),
    }


def location_document(location: Location) -> dict:
    """A place; in a notebook, with its cell (line and column are the cell's) and the line of the
    notebook file that holds it."""
    document = {"path": location.path, "line": location.line, "column": location.column}
    if location.cell:
        document.update(cell=location.cell, file_line=location.file_line)
    return document


def optional_location_document(location: Location | None) -> dict | None:
    return None if location is None else location_document(location)


def evidence_document(evidence: Evidence) -> dict:
    return {
        "kind": evidence.kind,
        "detail": evidence.detail,
        "location": optional_location_document(evidence.location),
    }


def gate_document(gate: Gate) -> dict:
    return {
        "kind": gate.kind,
        "detail": gate.detail,
        "location": optional_location_document(gate.location),
        "status": gate.status,
        "witness": gate.witness,
    }


def factor_document(factor: Factor) -> dict:
    return {"name": factor.name, "value": factor.value, "reason": factor.reason}


def condition_document(condition: tuple[Atom, ...]) -> list[dict]:
    return [{"variable": atom.variable, "value": atom.value, "negated": atom.negated} for atom in condition]


def step_document(step: Step) -> dict:
    return {
        "kind": step.kind,
        "agent": step.agent,
        "tool": step.tool,
        "target": step.target,
        "labels": list(step.labels),
        "note": step.note,
        "evidence": [evidence_document(e) for e in step.evidence],
        "location": location_document(step.location),
    }


def finding_document(finding: Finding) -> dict:
    return {
        "rule_id": finding.rule_id,
        "rule_name": finding.rule_name,
        "kind": finding.kind,
        "severity": finding.severity,
        "confidence": finding.confidence,
        "score": finding.score,
        "factors": [factor_document(f) for f in finding.factors],
        "message": finding.message,
        "location": location_document(finding.location),
        "steps": [step_document(s) for s in finding.steps],
        "conditions": list(finding.conditions),
        "gates": [gate_document(g) for g in finding.gates],
        "fingerprint": finding.fingerprint,
        "alternatives": [[step_document(s) for s in steps] for steps in finding.alternatives],
        "sinks": list(finding.sinks),
        "covers": list(finding.covers),
        "suppressed": finding.suppression is not None,
        "suppression": suppression_document(finding.suppression),
        "baseline_state": finding.baseline_state or None,
    }


def holding_document(holding: Holding) -> dict:
    return {
        "tool": holding.tool,
        "location": location_document(holding.location),
        "condition": condition_document(holding.condition),
    }


def handoff_document(handoff: Handoff) -> dict:
    return {
        "target": handoff.target,
        "kind": handoff.kind,
        "location": location_document(handoff.location),
        "condition": condition_document(handoff.condition),
    }


def agent_document(agent: Agent) -> dict:
    return {
        "id": agent.id,
        "name": agent.name,
        "framework": agent.framework,
        "location": location_document(agent.location),
        "tools": [holding_document(h) for h in agent.tools],
        "handoffs": [handoff_document(h) for h in agent.handoffs],
        "condition": condition_document(agent.condition),
    }


def capability_document(capability: Capability) -> dict:
    return {
        "label": capability.label,
        "confidence": capability.confidence,
        "model_controlled": capability.model_controlled,
        "evidence": [evidence_document(e) for e in capability.evidence],
    }


def tool_document(tool: Tool) -> dict:
    return {
        "id": tool.id,
        "name": tool.name,
        "framework": tool.framework,
        "location": location_document(tool.location),
        "description": tool.description,
        "labels": list(tool.labels()),
        "capabilities": [capability_document(c) for c in tool.capabilities],
        "gates": [gate_document(g) for g in tool.gates],
        "invokes_agent": tool.invokes_agent,
    }


def rule_document(rule: Rule) -> dict:
    return {
        "id": rule.id,
        "name": rule.name,
        "kind": rule.kind,
        "title": rule.title,
        "severity": rule.severity,
        "security_severity": rule.security_severity,
        "tags": list(rule.tags),
        "cwe": list(rule.cwe),
        "description": rule.description,
        "help": rule.help,
        "remediation": rule.remediation,
    }


def diagnostic_document(diagnostic: Diagnostic) -> dict:
    return {
        "code": diagnostic.code,
        "severity": diagnostic.severity,
        "message": diagnostic.message,
        "location": location_document(diagnostic.location),
    }

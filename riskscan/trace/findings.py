"""Turn what replay saw into findings: dangerous paths that happened (path rules), unknown tools and
label contradictions (RS401, RS402), and predicted paths no run exercised (RS403). Scores are the
product of named factors as in `rank`; quoted text is always redacted."""

from __future__ import annotations

import hashlib
from typing import Iterable

from riskscan.files.surrogates import hashable
from riskscan.rank import SEVERITY_WEIGHT, STATE_LABELS, STATE_NOTES, sink_note
from riskscan.trace.events import TraceCall
from riskscan.trace.replay import Happened, Observed
from riskscan.types import Evidence, Factor, Finding, Rule, Step, confidence_level

FLOW_CONFIDENCE = {"verbatim": 0.95, "near-verbatim": 0.85}
UNKNOWN_TOOL = "RS401"
CONTRADICTION = "RS402"
NOT_EXERCISED = "RS403"


def sink_key(rule_id: str, steps: tuple[Step, ...]) -> tuple[str, str, str]:
    """What makes two path findings the same place to fix: rule, sink agent, sink tool."""
    return (rule_id, steps[-1].agent, steps[-1].tool or "") if steps else (rule_id, "", "")


def risk_keys(finding: Finding) -> frozenset[tuple[str, str, str]]:
    """The sink keys of a predicted finding: one per sink tool of its risk (a risk holds every
    tool of one MCP server that completes its rule); a run that took any of them exercised it."""
    last = finding.steps[-1]
    return frozenset((finding.rule_id, last.agent, sink) for sink in (finding.sinks or (last.tool or "",)))


def path_finding(happened: Happened, predicted: set | None) -> Finding:
    rule = happened.rule
    relevant = {label for state in rule.requires for label in STATE_LABELS[state]} | set(rule.sinks)
    last = len(happened.steps) - 1
    steps = tuple(_step(s, i == last, rule, relevant) for i, s in enumerate(happened.steps))
    sink = happened.steps[-1]
    confidences = [c.confidence for s in happened.steps if s.tool for c in s.tool.capabilities if c.label in relevant]
    base = round(min(confidences) if confidences else 0.5, 2)
    factors = [Factor("severity", SEVERITY_WEIGHT[rule.severity], f"{rule.severity} rule {rule.id}")]
    clauses = []
    if happened.flow:
        flow, source = happened.flow
        raised = max(base, FLOW_CONFIDENCE[flow.kind])
        what = "untrusted" if source.state == "untrusted" else "private"
        detail = (f"the arguments of `{steps[-1].tool}` ({sink.event.place}) repeat the {what} result of "
                  f"`{_tool_name(source.step)}` ({source.step.event.place}), {flow.describe()}")
        how = f"raised from {base} (the weakest label evidence)" if raised > base else f"{base}, the weakest label evidence, confirmed"
        factors.append(Factor("confidence", raised, f"{how}: {detail}"))
        steps = (*steps[:-1], _with_evidence(steps[-1], Evidence(f"{flow.kind}-flow", detail, source.step.event.location)))
        clauses.append(f"its arguments repeat the {what} result of `{_tool_name(source.step)}` ({flow.kind})")
        confidence = raised
    else:
        factors.append(Factor("confidence", base, "the weakest label evidence on the path; no text of an earlier result found in the arguments"))
        confidence = base
    if predicted is not None:
        clauses.append("predicted by the static scan" if sink_key(rule.id, steps) in predicted else "not predicted by the static scan")
    sources = sorted({_tool_name(s) for s in happened.steps[:-1] if s.tool})
    after = f" after {', '.join(f'`{n}`' for n in sources)}" if sources else ""
    more = f"; {'; '.join(clauses)}" if clauses else ""
    message = f"{rule.title}: in {happened.trace.path}, agent '{sink.agent}' called `{steps[-1].tool}` ({sink.event.place}){after}{more}."
    return Finding(
        rule_id=rule.id, rule_name=rule.name, kind="path", severity=rule.severity,
        confidence=confidence_level(confidence), score=_score(factors), factors=tuple(factors), message=message,
        location=steps[-1].location, steps=steps,
        fingerprint=fingerprint(rule.id, happened.trace.path, sink.event.place, sink.agent, steps[-1].tool or ""),
    )


def unknown_tool_findings(rule: Rule, unknown: Iterable[tuple[str, Observed]]) -> list[Finding]:
    by_tool: dict[tuple[str, str], list[Observed]] = {}
    for path, step in unknown:
        by_tool.setdefault((path, step.event.tool), []).append(step)
    findings = []
    for (path, name), steps in sorted(by_tool.items()):
        first = steps[0]
        again = f" (and {len(steps) - 1} more time{'s' if len(steps) > 2 else ''})" if len(steps) > 1 else ""
        message = (f"{rule.title}: in {path}, agent '{first.agent}' called `{name}` ({first.event.place}){again}; "
                   "no scanned code, config or manifest declares it, so no static path goes through it.")
        findings.append(_single(rule, message, first, fingerprint(rule.id, path, name)))
    return findings


def contradiction_findings(rule: Rule, contradictions: Iterable[tuple[str, Observed]]) -> list[Finding]:
    first_seen: dict[tuple[str, str], Observed] = {}
    for path, step in contradictions:
        first_seen.setdefault((path, step.tool.id), step)
    findings = []
    for (path, _), step in sorted(first_seen.items()):
        labels = ", ".join(step.tool.labels()) or "none"
        message = (f"{rule.title}: in {path}, `{step.tool.name}` ({step.event.place}) returned text that reads like "
                   f"instructions to the agent, but its labels ({labels}) do not include untrusted_input.")
        findings.append(_single(rule, message, step, fingerprint(rule.id, path, step.tool.id)))
    return findings


def not_exercised_finding(rule: Rule, predicted: Finding) -> Finding:
    sink = predicted.steps[-1]
    factors = (Factor("severity", SEVERITY_WEIGHT[rule.severity], f"{rule.severity} rule {rule.id}"),
               Factor("confidence", 0.9, "the recorded runs were read in full"))
    message = (f"{rule.title}: {predicted.rule_id} {predicted.rule_name}, agent '{sink.agent}' calling `{sink.tool}`, "
               "was predicted by the static scan and no recorded run took it.")
    return Finding(
        rule_id=rule.id, rule_name=rule.name, kind="hygiene", severity=rule.severity, confidence="high",
        score=_score(factors), factors=factors, message=message, location=predicted.location,
        steps=predicted.steps, fingerprint=fingerprint(rule.id, predicted.fingerprint or predicted.message),
        sinks=predicted.sinks,
    )


def fingerprint(*parts: str) -> str:
    return hashlib.sha256(hashable("\0".join(parts))).hexdigest()[:32]


def _single(rule: Rule, message: str, step: Observed, print_: str) -> Finding:
    factors = (Factor("severity", SEVERITY_WEIGHT[rule.severity], f"{rule.severity} rule {rule.id}"),
               Factor("confidence", 0.9, "read directly from the recorded run"))
    return Finding(
        rule_id=rule.id, rule_name=rule.name, kind="hygiene", severity=rule.severity, confidence="high",
        score=_score(factors), factors=factors, message=message, location=step.event.location,
        steps=(_observed_step(step, (), ""),), fingerprint=print_,
    )


def _step(step: Observed, is_sink: bool, rule: Rule, relevant: set[str]) -> Step:
    if not isinstance(step.event, TraceCall):
        return Step("handoff", step.agent, step.event.location, target=step.target,
                    note=f"{step.event.place}: passes its context to {step.target}")
    wanted = set(rule.sinks) if is_sink else relevant - set(rule.sinks)
    capabilities = [c for c in step.tool.capabilities if c.label in wanted] if step.tool else []
    labels = tuple(dict.fromkeys(c.label for c in capabilities))
    if is_sink:
        note = sink_note(labels)
    else:
        note = "; ".join(dict.fromkeys(STATE_NOTES.get(label, label) for label in labels))
    evidence = tuple(dict.fromkeys(e for c in capabilities for e in c.evidence))
    return _observed_step(step, labels, note, evidence)


def _observed_step(step: Observed, labels: tuple[str, ...], note: str, evidence: tuple = ()) -> Step:
    event = step.event
    called = f" as `{event.tool}`" if step.tool and event.tool != step.tool.name else ""
    recorded = Evidence("trace", f"{event.place}: called{called}" + (f", call id {event.call_id}" if event.call_id else ""), event.location)
    return Step("call", step.agent, event.location, tool=_tool_name(step), labels=labels,
                evidence=(*evidence, recorded), note=f"{event.place}: {note}" if note else event.place)


def _with_evidence(step: Step, evidence: Evidence) -> Step:
    return Step(step.kind, step.agent, step.location, step.tool, step.target, step.labels, (*step.evidence, evidence), step.note)


def _tool_name(step: Observed) -> str:
    return step.tool.name if step.tool else step.event.tool


def _score(factors) -> float:
    score = 1.0
    for factor in factors:
        score *= factor.value
    return round(score, 2)

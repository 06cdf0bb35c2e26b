"""Rank: turn solver paths and hygiene facts into findings with a severity, a confidence, and a
score that is the product of named factors, so every number can be explained."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import Iterable, Sequence

from riskscan.files.surrogates import hashable
from riskscan.rank.severity import STATE_LABELS, _severity
from riskscan.types import (
    CODE_EXEC,
    SECRET_READ,
    Agent,
    Factor,
    Finding,
    Gate,
    HygieneFact,
    Location,
    Path,
    PathStep,
    Rule,
    Step,
    SystemModel,
    Tool,
    confidence_level,
)

SEVERITY_WEIGHT = {"critical": 10.0, "high": 8.0, "medium": 5.0, "low": 2.5, "note": 1.0}
SEVERITY_ORDER = {name: index for index, name in enumerate(("note", "low", "medium", "high", "critical"))}
# guardrail: code (often a model call) that inspects each tool call's arguments before it runs and
# may reject it (OpenAI Agents SDK tool input guardrails); as strong as an argument check, no more.
GATE_WEIGHT = {"approval": 0.4, "sandbox": 0.5, "allowlist": 0.6, "argument-check": 0.7, "guardrail": 0.7, "schema": 0.8}
SINKS_NAMED = 3  # a risk with more sinks names this many in its message; the report lists them all
STATE_NOTES = {"untrusted_input": "reads content an outsider can write", "private_data": "reads private data",
               "secret_read": "reads secrets"}
# what the last call of a path does, in words (the labels' codes stay in Step.labels)
SINK_NOTES = {"external_send": "sends data out", "code_exec": "runs code", "fs_write": "writes files",
              "fs_delete": "deletes files", "financial": "moves money", "credential_change": "changes credentials or access",
              "db_write": "writes to a database", "spawn_agent": "starts an agent"}


def sink_note(labels) -> str:
    """`completes the path: sends data out`."""
    return "completes the path: " + "; ".join(dict.fromkeys(SINK_NOTES.get(label, label.replace("_", " ")) for label in labels))


def rank(model: SystemModel, rules: Sequence[Rule], paths: Iterable[Path]) -> tuple[Finding, ...]:
    """One finding per sink call, its fingerprint the risk's, sorted by `order`: `grouped` merges
    the calls of one risk once suppressions (which may silence one tool of a server) are applied."""
    rules_by_id = {rule.id: rule for rule in rules}
    tools = {tool.id: tool for tool in model.tools}
    agents = {agent.id: agent for agent in model.agents}
    findings = []
    undecided = set()
    for group in _by_sink(paths):
        rule = rules_by_id[group[0].rule]
        # the most damaging (one that reads secrets), then shortest, then surest, then by names: the
        # same witness whichever order the solver found them in
        group.sort(key=lambda p: (-_damage(rule, p, tools), len(p.steps), -_path_confidence(rule, p, tools),
                                  [_step_key(s, tools, agents) for s in p.steps]))
        if group[0].status == "unknown":
            if rule.id not in undecided:
                undecided.add(rule.id)
                findings.append(_undecided(rule, model))
        else:
            findings.append(_path_finding(rule, group, tools, agents))
    by_check = {rule.check: rule for rule in rules if rule.kind == "hygiene"}
    findings += [_hygiene_finding(by_check[fact.check], fact) for fact in model.hygiene if fact.check in by_check]
    return tuple(sorted(findings, key=order))


def grouped(findings: Iterable[Finding], rules: Sequence[Rule]) -> tuple[Finding, ...]:
    """One finding per risk: the path findings of one fingerprint (rule, the agent context of the
    last call, and the MCP server or code tool it calls) and one suppression become one, led by
    its most severe, surest, most damaging, shortest route, the other sinks and routes inside.
    Sorted by `order`."""
    titles = {rule.id: rule.title for rule in rules}
    merged: dict[tuple, list[Finding]] = {}
    kept = []
    for finding in findings:
        if finding.kind == "path" and finding.fingerprint:
            merged.setdefault((finding.fingerprint, finding.suppression), []).append(finding)
        else:
            kept.append(finding)
    for members in merged.values():
        kept.append(_merged(titles.get(members[0].rule_id, members[0].rule_name), members))
    return tuple(sorted(kept, key=order))


def _merged(title: str, members: list[Finding]) -> Finding:
    members = sorted(members, key=lambda f: (order(f), -_reads_secrets(f.steps), len(f.steps), [_route_key(s) for s in f.steps]))
    lead = members[0]
    routes = [route for member in members for route in (member.steps, *member.alternatives)]
    alternatives = tuple(route for route in dict.fromkeys(routes) if route != lead.steps)
    sinks = tuple(dict.fromkeys(name for member in members for name in member.sinks))
    covers = tuple(sorted({fingerprint for member in members for fingerprint in member.covers}))
    return replace(lead, message=_message(title, lead, sinks, len(alternatives)), alternatives=alternatives,
                   sinks=sinks, covers=covers)


def _reads_secrets(steps: Sequence[Step]) -> bool:
    return any(SECRET_READ in step.labels for step in steps[:-1])


def _route_key(step: Step) -> tuple:
    return (step.kind, step.agent, step.tool or "", step.target or "")


TOOLKIT = "toolkit "  # Tool.server_entry of a toolkit's tools: `toolkit GithubTools@12`


def _message(title: str, lead: Finding, sinks: Sequence[str], others: int) -> str:
    """`{title}: agent 'A' can call `fetch` after calling `read_file` across 1 handoff (2 other
    routes).` and the lead's notes; a risk with several sinks of one MCP server or toolkit names them."""
    sink = lead.steps[-1]
    sources = sorted({step.tool for step in lead.steps[:-1] if step.kind == "call" and step.tool})
    via = f" after calling {', '.join(f'`{name}`' for name in sources)}" if sources else ""
    handoffs = sum(1 for step in lead.steps if step.kind == "handoff")
    across = f" across {handoffs} handoff{'s' if handoffs > 1 else ''}" if handoffs else ""
    if len(sinks) > 1:
        named = ", ".join(f"`{name}`" for name in sinks[:SINKS_NAMED])
        more = f" and {len(sinks) - SINKS_NAMED} more" if len(sinks) > SINKS_NAMED else ""
        toolkit = lead.subject.startswith(TOOLKIT)
        owner = f"toolkit `{lead.subject[len(TOOLKIT):].split('@')[0]}`" if toolkit else f"MCP server `{lead.subject}`"
        target = f"{len(sinks)} tools of {owner} ({named}{more})"
    else:
        target = f"`{sink.tool}`"
    routes = f" ({others} other route{'s' if others > 1 else ''})" if others else ""
    return f"{title}: agent '{sink.agent}' can call {target}{via}{across}{routes}." + "".join(f" {note}" for note in lead.notes)


CONFIDENCE_ORDER = {"high": 2, "medium": 1, "low": 0}


def order(finding: Finding) -> tuple:
    """The order findings are reported in: by severity, then confidence, then score. A longer route
    scores lower (more must happen) but is no less severe: the headline path across a handoff
    comes before every high finding, not after them."""
    return (-SEVERITY_ORDER[finding.severity], -CONFIDENCE_ORDER.get(finding.confidence, 0), -finding.score,
            finding.rule_id, finding.location, finding.fingerprint)


def at_or_above(finding: Finding, threshold: str) -> bool:
    return SEVERITY_ORDER[finding.severity] >= SEVERITY_ORDER[threshold]


# --- paths ------------------------------------------------------------------------------------


def _by_sink(paths: Iterable[Path]) -> list[list[Path]]:
    """One group per (rule, sink call): shown with its shortest path first and the other ways to
    reach the same call after (`grouped` then merges the calls of one risk)."""
    groups: dict[tuple, list[Path]] = {}
    for path in paths:
        key = (path.rule, path.status, path.steps[-1] if path.steps else None)
        groups.setdefault(key, []).append(path)
    return list(groups.values())


def _path_finding(rule: Rule, group: Sequence[Path], tools: dict[str, Tool], agents: dict[str, Agent]) -> Finding:
    path = group[0]
    relevant = {label for state in rule.requires for label in STATE_LABELS[state]} | set(rule.sinks)
    steps = _steps(path, rule, relevant, tools, agents)
    alternatives = tuple(_steps(other, rule, relevant, tools, agents) for other in group[1:])
    sink = tools[path.steps[-1].tool]
    confidence = _path_confidence(rule, path, tools)
    gates = _standing_gates(sink)
    severity, notes = _severity(rule, path, tools, gates)
    bypassed = [g for g in sink.gates if g.kind == "argument-check" and g.status == "bypassed"]
    if bypassed:
        notes.insert(0, f"Its argument check does not hold: {bypassed[0].witness} passes it.")
    factors = [
        Factor("severity", SEVERITY_WEIGHT[rule.severity], f"{rule.severity} rule {rule.id}"),
        Factor("confidence", round(confidence, 2), "the weakest label evidence on the path"),
    ]
    for gate in gates:
        factors.append(_gate_factor(gate, sink))
    if len(path.steps) > 3:
        factors.append(Factor("length", round(3 / len(path.steps), 2), f"{len(path.steps)} steps must all happen"))
    if path.conditions:
        factors.append(Factor("conditional", 0.8, "exists only in some configurations"))
    finding = Finding(
        rule_id=rule.id,
        rule_name=rule.name,
        kind="path",
        severity=severity,
        confidence=confidence_level(confidence),
        score=_score(factors),
        factors=tuple(factors),
        message="",
        location=steps[-1].location,
        steps=steps,
        conditions=tuple(str(atom) for atom in path.conditions),
        gates=gates,
        fingerprint=path_fingerprint(path, tools, agents),
        alternatives=alternatives,
        subject=sink.server_entry or sink.name,
        sinks=(sink.name,),
        covers=(_call_fingerprint(path, tools, agents),),
        notes=tuple(notes),
    )
    return replace(finding, message=_message(rule.title, finding, finding.sinks, len(alternatives)))


def path_severity(rule: Rule, path: Path, tools: dict[str, Tool]) -> str:
    """The severity the finding of a solved path is reported at (the fix set aims at these)."""
    if path.status != "sat" or not path.steps:
        return rule.severity
    return _severity(rule, path, tools, _standing_gates(tools[path.steps[-1].tool]))[0]


def _standing_gates(sink: Tool) -> tuple[Gate, ...]:
    """The gates on a sink that still stand between the model and it: an argument check the
    solver proved to hold removes the path itself, so it is no gate on a reported one."""
    return tuple(sorted(g for g in set(sink.gates) if g.status != "holds"))


def _gate_factor(gate: Gate, sink: Tool) -> Factor:
    """How much a gate on the sink lowers the score. An argument check the solver passed is no
    gate at all; one it could not read lowers the score a little."""
    if gate.kind == "argument-check":
        weight = {"bypassed": 1.0, "not-understood": 0.7, "unknown": 0.8}.get(gate.status, 1.0)
        reason = f"bypassed by {gate.witness}" if gate.status == "bypassed" else gate.detail
        return Factor(f"gate:argument-check ({gate.status})", weight, reason)
    weight = GATE_WEIGHT.get(gate.kind, 0.8)
    if gate.kind == "sandbox" and not any(c.label == CODE_EXEC for c in sink.capabilities):
        weight = 1.0
    return Factor(f"gate:{gate.kind}", weight, gate.detail)


def _damage(rule: Rule, path: Path, tools: dict[str, Tool]) -> int:
    """How much the route can take: 1 when the data it needs is secrets (keys, tokens, the
    files of a home folder), 0 otherwise."""
    if "private" not in rule.requires:
        return 0
    return int(any(c.label == SECRET_READ for step in path.steps[:-1] if step.kind == "call" for c in tools[step.tool].capabilities))


def _path_confidence(rule: Rule, path: Path, tools: dict[str, Tool]) -> float:
    """The weakest evidence among the labels that make the path: it is only as sure as that."""
    relevant = {label for state in rule.requires for label in STATE_LABELS[state]} | set(rule.sinks)
    confidences = [
        capability.confidence
        for step in path.steps
        if step.kind == "call"
        for capability in tools[step.tool].capabilities
        if capability.label in relevant
    ]
    return min(confidences) if confidences else 0.5


def path_fingerprint(path: Path, tools: dict[str, Tool], agents: dict[str, Agent]) -> str:
    """The fingerprint of the risk a path belongs to: its rule, the agent that makes the last call,
    and that call's MCP server entry or, for a tool of the code, the tool, all by name. A tool of
    the code keeps the fingerprint it had when findings were per call; a new tool of the same
    server, another way in, moved lines: the same risk, the same fingerprint."""
    sink = path.steps[-1]
    tool = tools[sink.tool]
    if not tool.server_entry:
        return _call_fingerprint(path, tools, agents)
    agent = agents[sink.agent].name
    return _fingerprint(path.rule, tool.location.path, f"server:{agent}:{tool.server_entry}", agent)


def _call_fingerprint(path: Path, tools: dict[str, Tool], agents: dict[str, Agent]) -> str:
    """The fingerprint riskscan gave a path before one finding per risk (rule and sink call):
    baselines of version 1 hold these."""
    sink = path.steps[-1]
    return _fingerprint(path.rule, tools[sink.tool].location.path, _step_key(sink, tools, agents), agents[sink.agent].name)


def _steps(path: Path, rule: Rule, relevant: set[str], tools, agents) -> tuple[Step, ...]:
    last = len(path.steps) - 1
    return tuple(_step(step, index == last, rule, relevant, tools, agents) for index, step in enumerate(path.steps))


def _step(step: PathStep, is_sink: bool, rule: Rule, relevant: set[str], tools, agents) -> Step:
    agent = agents[step.agent]
    if step.kind != "call":
        return _flow_step(agent, agents[step.target], tools)
    tool = tools[step.tool]
    wanted = set(rule.sinks) if is_sink else relevant - set(rule.sinks)
    capabilities = [c for c in tool.capabilities if c.label in wanted]
    if is_sink:
        note = sink_note(c.label for c in capabilities)
    else:
        note = "; ".join(STATE_NOTES.get(c.label, c.label) for c in capabilities)
    return Step(
        "call",
        agent.name,
        tool.location,
        tool=tool.name,
        labels=tuple(c.label for c in capabilities),
        evidence=tuple(dict.fromkeys(e for c in capabilities for e in c.evidence)),
        note=note,
    )


def _flow_step(agent: Agent, target: Agent, tools: dict[str, Tool]) -> Step:
    declared = next((h for h in agent.handoffs if h.target == target.id), None)
    if declared is not None:
        return Step("handoff", agent.name, declared.location, target=target.name, note=f"passes its context to {target.name}")
    # Agent-as-tool: the caller's request flows in, the called agent's answer flows back.
    for caller, called, note in ((agent, target, "sends its request"), (target, agent, "returns its answer")):
        for holding in caller.tools:
            tool = tools.get(holding.tool)
            if tool is not None and tool.invokes_agent == called.id:
                return Step("handoff", agent.name, holding.location, target=target.name, note=f"{note} to {target.name} through tool `{tool.name}`")
    return Step("handoff", agent.name, agent.location, target=target.name, note=f"passes its context to {target.name}")


def _step_key(step: PathStep, tools, agents) -> str:
    if step.kind == "call":
        return f"call:{agents[step.agent].name}:{tools[step.tool].name}"
    return f"handoff:{agents[step.agent].name}:{agents[step.target].name}"


def _undecided(rule: Rule, model: SystemModel) -> Finding:
    factors = (Factor("severity", SEVERITY_WEIGHT["low"], "undecided: reported as low"), Factor("confidence", 0.3, "the solver did not decide"))
    return Finding(
        rule_id=rule.id, rule_name=rule.name, kind="unknown", severity="low", confidence="low",
        score=_score(factors), factors=factors,
        message=f"{rule.title}: the solver could not decide within its time limit whether such a path exists (raise --timeout-ms).",
        location=Location("."), fingerprint=_fingerprint(rule.id, "unknown"),
    )


# --- hygiene ----------------------------------------------------------------------------------


def _hygiene_finding(rule: Rule, fact: HygieneFact) -> Finding:
    factors = (Factor("severity", SEVERITY_WEIGHT[rule.severity], f"{rule.severity} rule {rule.id}"), Factor("confidence", 0.9, "a single fact read directly"))
    subject = f" ({fact.subject})" if fact.subject else ""
    return Finding(
        rule_id=rule.id, rule_name=rule.name, kind="hygiene", severity=rule.severity, confidence="high",
        score=_score(factors), factors=factors, message=f"{rule.title}{subject}: {fact.detail}",
        location=fact.location, fingerprint=_fingerprint(rule.id, fact.location.path, fact.subject, fact.detail),
        subject=fact.subject,
    )


def _score(factors: Sequence[Factor]) -> float:
    score = 1.0
    for factor in factors:
        score *= factor.value
    return round(score, 2)


def _fingerprint(*parts: str) -> str:
    return hashlib.sha256(hashable("\0".join(parts))).hexdigest()[:32]

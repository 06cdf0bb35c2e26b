"""Rank: severity and confidence as separate axes, scores as products of named factors, and
fingerprints that survive code moving."""

from dataclasses import replace

from riskscan import rank, rulesets
from riskscan.types import (
    Agent,
    Atom,
    Capability,
    Evidence,
    Gate,
    Handoff,
    Holding,
    HygieneFact,
    Location,
    Path,
    PathStep,
    SystemModel,
    Tool,
)

RULES = rulesets.load().rules


def cap(label, confidence=0.9, line=1):
    return Capability(label, confidence, (Evidence("api-call", f"calls something for {label}", Location("t.py", line)),))


def system(shift=0, send_gates=()):
    tools = (
        Tool("t.fetch", "fetch", "openai-agents", Location("t.py", 3 + shift), capabilities=(cap("untrusted_input"),)),
        Tool("t.records", "records", "openai-agents", Location("t.py", 9 + shift), capabilities=(cap("private_data", 0.4),)),
        Tool("t.send", "send", "openai-agents", Location("t.py", 15 + shift), capabilities=(cap("external_send"),), gates=send_gates),
    )
    agents = (
        Agent("a.reader", "Reader", "openai-agents", Location("a.py", 2 + shift),
              tools=(Holding("t.fetch", Location("a.py", 2 + shift)),),
              handoffs=(Handoff("a.writer", "handoff", Location("a.py", 4 + shift)),)),
        Agent("a.writer", "Writer", "openai-agents", Location("a.py", 7 + shift),
              tools=(Holding("t.records", Location("a.py", 7)), Holding("t.send", Location("a.py", 7)))),
    )
    return SystemModel("/repo", agents, tools, hygiene=(HygieneFact("unpinned-package", Location(".mcp.json", 4 + shift), "fetch", "uvx mcp-server-fetch has no version"),))


def by_rule(findings):
    return {f.rule_id: f for f in findings}


PATH = Path("RS101", (
    PathStep("call", "a.reader", tool="t.fetch"),
    PathStep("handoff", "a.reader", target="a.writer"),
    PathStep("call", "a.writer", tool="t.records"),
    PathStep("call", "a.writer", tool="t.send"),
))


def test_a_path_becomes_a_finding_with_steps_evidence_and_named_factors():
    findings = rank.rank(system(), RULES, [PATH])
    path_finding, hygiene = by_rule(findings)["RS101"], by_rule(findings)["RS202"]
    assert [f.rule_id for f in findings] == ["RS202", "RS101"]  # 4.5 before 3.0: highest score first
    assert (path_finding.rule_id, path_finding.rule_name, path_finding.severity) == ("RS101", "injection-to-exfiltration", "critical")
    assert [(s.kind, s.agent, s.tool, s.target, s.location.line) for s in path_finding.steps] == [
        ("call", "Reader", "fetch", None, 3),
        ("handoff", "Reader", None, "Writer", 4),
        ("call", "Writer", "records", None, 9),
        ("call", "Writer", "send", None, 15),
    ]
    assert path_finding.steps[0].labels == ("untrusted_input",)
    assert path_finding.steps[3].labels == ("external_send",)
    assert path_finding.location == Location("t.py", 15)
    # the weakest label (private_data at 0.4) sets the confidence axis; severity stays critical
    assert path_finding.confidence == "low"
    assert [(f.name, f.value) for f in path_finding.factors] == [("severity", 10.0), ("confidence", 0.4), ("length", 0.75)]
    assert path_finding.score == 3.0
    assert "agent 'Writer' can call `send` after calling `fetch`, `records` across 1 handoff" in path_finding.message
    assert hygiene.rule_id == "RS202" and hygiene.kind == "hygiene"


def test_gates_and_conditions_lower_the_score_and_are_named():
    gate = Gate("approval", "needs_approval=True", Location("t.py", 14))
    conditional = replace(PATH, conditions=(Atom("env.ENABLE_SEND", "1"),))
    finding = by_rule(rank.rank(system(send_gates=(gate,)), RULES, [conditional]))["RS101"]
    assert ("gate:approval", 0.4) in [(f.name, f.value) for f in finding.factors]
    assert ("conditional", 0.8) in [(f.name, f.value) for f in finding.factors]
    assert finding.gates == (gate,)
    assert finding.conditions == ('env.ENABLE_SEND == "1"',)
    assert finding.score == round(10.0 * 0.4 * 0.75 * 0.4 * 0.8, 2)


def test_fingerprints_do_not_change_when_lines_move():
    before = rank.rank(system(), RULES, [PATH])
    after = rank.rank(system(shift=40), RULES, [PATH])
    assert [f.fingerprint for f in before] == [f.fingerprint for f in after]
    assert before[0].location != after[0].location


def test_undecided_paths_are_reported_as_unknown():
    finding = by_rule(rank.rank(system(), RULES, [Path("RS102", (), status="unknown")]))["RS102"]
    assert (finding.kind, finding.rule_id, finding.confidence) == ("unknown", "RS102", "low")
    assert "could not decide" in finding.message


def test_threshold():
    found = by_rule(rank.rank(system(), RULES, [PATH]))
    path_finding, hygiene = found["RS101"], found["RS202"]
    assert rank.at_or_above(path_finding, "critical")
    assert not rank.at_or_above(hygiene, "high") and rank.at_or_above(hygiene, "medium")

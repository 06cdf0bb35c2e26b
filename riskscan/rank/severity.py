"""A path finding's severity: the rule's, lowered by the strongest gate on the sink, and capped at
medium when the path rests on words, MCP annotations or an unknown server's assumed worst case."""

from __future__ import annotations

from typing import Iterable, Sequence

from riskscan.types import CODE_EXEC, Gate, Path, Rule, Tool

# how many severity levels a gate on the sink takes off: a human who confirms each call, or a
# sandbox around code execution, stands between the model and the harm; an allow-list or a
# guardrail narrows it. Argument checks and schemas lower only the score (the solver judges them).
GATE_LEVELS = {"approval": 2, "sandbox": 2, "allowlist": 1, "guardrail": 1}
LADDER = ("low", "medium", "high", "critical")
STATE_LABELS = {"untrusted": ("untrusted_input",), "private": ("private_data", "secret_read")}


def _severity(rule: Rule, path: Path, tools: dict[str, Tool], gates: Sequence[Gate]) -> tuple[str, list[str]]:
    """The finding's severity, and why it is not the rule's: gates on the sink take levels off
    (the strongest gate counts, not their sum), and a path whose weakest link rests on words alone,
    on MCP annotations alone, or on an unknown server assumed to do anything is a possibility, at
    most medium."""
    severity, reasons = rule.severity, []
    if severity not in LADDER:
        return severity, reasons
    sink = tools[path.steps[-1].tool]
    lowering = {gate: GATE_LEVELS.get(gate.kind, 0) for gate in gates}
    if not any(c.label == CODE_EXEC for c in sink.capabilities if c.label in rule.sinks):
        lowering = {gate: levels for gate, levels in lowering.items() if gate.kind != "sandbox"}
    strongest = max(lowering, key=lambda gate: (lowering[gate], gate), default=None)
    if strongest is not None and lowering[strongest]:
        lowered = LADDER[max(0, LADDER.index(severity) - lowering[strongest])]
        reasons.append(f"Lowered from {severity} to {lowered} by the {strongest.kind} gate ({strongest.detail}).")
        severity = lowered
    basis, tool = _weakest_link(rule, path, tools)
    if basis and LADDER.index(severity) > LADDER.index("medium"):
        why = {"assumed": f"an MCP server riskscan does not know (`{tool}`), assumed to do anything",
               "hints": f"the MCP annotations of `{tool}` only (hints its author gives, not what its code shows)",
               }.get(basis, f"the words of `{tool}`'s name or description only")
        reasons.append(f"Possible: it rests on {why}, so at most medium.")
        severity = "medium"
    return severity, reasons


def assumed_tools(tools: Iterable[Tool]) -> frozenset[str]:
    """The tools riskscan knows nothing of but that they exist: every label an unknown server's
    assumed worst case."""
    return frozenset(
        tool.id for tool in tools
        if tool.capabilities and all({e.kind for e in c.evidence} <= {"unknown-server"} for c in tool.capabilities)
    )


def rests_on_assumptions(path: Path, tools: dict[str, Tool]) -> bool:
    """Every call of the (minimal) path is to a tool known only by an unknown server's assumed
    worst case, so every link rests on that: nothing in the scanned files says any of it. Not a
    finding of the scanned system; the server is reported as not assessed instead."""
    calls = [step for step in path.steps if step.kind == "call"]
    if not calls or path.status != "sat":
        return False
    assumed = assumed_tools(tools[step.tool] for step in calls)
    return all(step.tool in assumed for step in calls)


def _weakest_link(rule: Rule, path: Path, tools: dict[str, Tool]) -> tuple[str, str]:
    """What the path rests on where it is weakest: for each thing it needs (each context state the
    rule requires, from the calls before the sink, and the sink's own label), the surest label
    that gives it; `words`, `hints` or `assumed` when one of those has no evidence but words, MCP
    annotations or an unknown server's worst case, with the tool it rests on; ("", "") when every
    link has real evidence."""
    calls = [step for step in path.steps if step.kind == "call"]
    needs = [(set(STATE_LABELS[state]), calls[:-1]) for state in rule.requires] + [(set(rule.sinks), calls[-1:])]
    weakest = ("", "")
    for wanted, steps in needs:
        offers = [(c.confidence, tools[step.tool].name, c) for step in steps for c in tools[step.tool].capabilities if c.label in wanted]
        if not offers:
            continue
        _, name, best = max(offers, key=lambda offer: (offer[0], offer[1]))
        kinds = {e.kind for e in best.evidence}
        if kinds and kinds <= {"unknown-server"}:
            return "assumed", name
        if kinds and kinds <= {"lexicon", "unknown-server"} and not weakest[0]:
            weakest = ("words", name)
        elif kinds and kinds <= {"annotation", "lexicon", "unknown-server"} and not weakest[0]:
            weakest = ("hints", name)
    return weakest

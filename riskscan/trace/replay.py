"""Replay recorded runs through the solver's state machine (`graph.apply`, `graph.is_goal`): each
call sets its agent's context state from the tool's static labels, each handoff ORs the state into
the target, and a call that is a sink of a rule while its agent holds every state the rule
requires is a dangerous path that happened. Contexts are per session (one conversation, one OTLP
trace) and per agent.

Alongside the state, replay keeps *why* each state holds (the observed steps that set it) so a
finding shows the steps that made the path, and the results that flowed in (to find verbatim
flows of text into a sink's arguments).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from riskscan.graph import PRIVATE, UNTRUSTED, State, apply, is_goal
from riskscan.trace.events import Trace, TraceCall, TraceHandoff
from riskscan.trace.flow import Flow, find_flow
from riskscan.trace.mapping import ModelIndex, flow_action
from riskscan.types import UNTRUSTED_INPUT, Rule, Tool

_INJECTION = re.compile(
    r"ignore (?:all |any |the )?(?:previous|prior|above|earlier) (?:instructions|messages|prompts)"
    r"|disregard (?:all |any |the )?(?:previous|prior|above) (?:instructions|messages)"
    r"|you are now (?:a|an|in) |new instructions\s*:|<\s*/?\s*(?:system|instructions)\s*>",
    re.IGNORECASE,
)


RECENT_SOURCES = 32  # results a sink's arguments are compared with: the agent's most recent ones


@dataclass(frozen=True)
class Observed:
    """One event as replayed: the agent's display name, and the tool it maps to (None: unknown)."""

    order: int
    event: TraceCall | TraceHandoff
    agent: str
    tool: Tool | None = None
    target: str = ""  # handoffs


@dataclass(frozen=True)
class Source:
    """A result that put untrusted or private content into an agent's context."""

    step: Observed
    state: str
    text: str


@dataclass(frozen=True)
class Happened:
    """A dangerous path that happened: the steps that made it, the sink last."""

    trace: Trace
    rule: Rule
    steps: tuple[Observed, ...]
    flow: tuple[Flow, Source] | None = None


@dataclass
class Outcome:
    paths: list[Happened] = field(default_factory=list)
    unknown: list[Observed] = field(default_factory=list)  # calls of tools the model does not know
    contradictions: list[Observed] = field(default_factory=list)
    calls: int = 0
    blocked: int = 0


def replay(trace: Trace, index: ModelIndex, rules: list[Rule], outcome: Outcome) -> Outcome:
    state: State = {}
    why: dict[str, dict[str, tuple[Observed, ...]]] = {}
    sources: dict[str, list[Source]] = {}
    default_agents = _default_agents(trace, index)
    for order, event in enumerate(trace.events):
        if isinstance(event, TraceHandoff):
            source_name, target_name = _name(event.source, index), _name(event.target, index)
            source_key, target_key = f"{event.session}\0{source_name}", f"{event.session}\0{target_name}"
            step = Observed(order, event, source_name, target=target_name)
            before = state.get(target_key, frozenset())
            state = apply(state, flow_action(source_key, target_key))
            for added in state.get(target_key, frozenset()) - before:
                why.setdefault(target_key, {})[added] = (*why.get(source_key, {}).get(added, ()), step)
            sources[target_key] = (sources.get(target_key, []) + sources.get(source_key, []))[-RECENT_SOURCES:]
            continue
        outcome.calls += 1
        if event.blocked:
            outcome.blocked += 1
            continue
        agent = index.agent(event.agent) if event.agent else default_agents.get(event.session)
        name = agent.name if agent else (event.agent or "agent")
        key = f"{event.session}\0{name}"
        tool = index.tool(event.tool, event.server, agent)
        step = Observed(order, event, name, tool)
        if tool is None:
            outcome.unknown.append(step)
        action = index.call_action(key, tool, event.tool)
        held = state.get(key, frozenset())
        if action.sink_labels:
            for rule in rules:
                if is_goal(action, rule) and set(rule.requires) <= held:
                    made = {s for needed in rule.requires for s in why.get(key, {}).get(needed, ())}
                    steps = (*sorted(made, key=lambda s: s.order), step)
                    outcome.paths.append(Happened(trace, rule, steps, _flow(event, sources.get(key, []))))
        state = apply(state, action)
        for added in state.get(key, frozenset()) - held:
            why.setdefault(key, {})[added] = (step,)
        if event.result and tool is not None:
            if action.gives:
                kept = sources.setdefault(key, [])
                kept.extend(Source(step, s, event.result) for s in action.gives)
                if len(kept) > 2 * RECENT_SOURCES:
                    del kept[:-RECENT_SOURCES]
            if UNTRUSTED_INPUT not in tool.labels() and _INJECTION.search(event.result):
                outcome.contradictions.append(step)
    return outcome


def _name(recorded: str, index: ModelIndex) -> str:
    agent = index.agent(recorded)
    return agent.name if agent else recorded


def _default_agents(trace: Trace, index: ModelIndex) -> dict:
    """Per session, the static agent a run that names no agent is taken to be."""
    called: dict[str, list[tuple[str, str]]] = {}
    for event in trace.events:
        if isinstance(event, TraceCall) and not event.agent:
            called.setdefault(event.session, []).append((event.tool, event.server))
    return {session: index.guess_agent(names) for session, names in called.items()}


def _flow(sink: TraceCall, sources: list[Source]) -> tuple[Flow, Source] | None:
    """The longest flow of one of the agent's last RECENT_SOURCES untrusted or private results into
    the sink's arguments; private data first when lengths tie (that is what exfiltration sends)."""
    best = None
    seen: set[tuple[str, str]] = set()
    for source in reversed(sources[-RECENT_SOURCES:]):  # the latest of equal texts is compared
        if (source.state, source.text) in seen:
            continue
        seen.add((source.state, source.text))
        flow = find_flow(sink.arguments, source.text)
        if flow and (best is None or (flow.length, source.state == PRIVATE) > (best[0].length, best[1].state == PRIVATE)):
            best = (flow, source)
    return best


__all__ = ["Happened", "Observed", "Outcome", "Source", "replay", "UNTRUSTED", "PRIVATE"]

"""The capability graph: one networkx graph of who holds what, what flows where, and what each tool can do.

Nodes are `("agent", id)`, `("tool", id)` and `("label", name)`. Edges, by their `relation` attribute:

- `holds`: agent -> tool, with the holding's `condition` and `location`;
- `handoff`: agent -> agent, with `kind` (handoff, delegation, agent-as-tool, agent-as-tool-result),
  `condition`, `location` and `via` (the tool id of an agent-as-tool, else None);
- `has`: tool -> label, with `confidence` and `model_controlled`.

An agent-as-tool (`Tool.invokes_agent`) is held like any tool, and makes context flow both ways:
the caller's context goes into the called agent with the request, the called agent's result comes
back. The graph also yields the solver's *actions* (calls and flows, each with the condition under
which it exists) and the state machine that gives them meaning (DESIGN.md, "The solver's model").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

import networkx as nx

from riskscan.types import (
    PRIVATE_DATA,
    SECRET_READ,
    UNTRUSTED_INPUT,
    Agent,
    Atom,
    Condition,
    Location,
    PathStep,
    Rule,
    SystemModel,
    Tool,
)

UNTRUSTED = "untrusted"
PRIVATE = "private"

AGENT_AS_TOOL = "agent-as-tool"
AGENT_AS_TOOL_RESULT = "agent-as-tool-result"


@dataclass(frozen=True)
class StateLabels:
    """Which capability labels set which context state when a tool returns to an agent."""

    untrusted: frozenset[str] = frozenset({UNTRUSTED_INPUT})
    private: frozenset[str] = frozenset({PRIVATE_DATA, SECRET_READ})

    @property
    def states(self) -> tuple[str, ...]:
        return (UNTRUSTED, PRIVATE)

    def states_set_by(self, labels: Iterable[str]) -> tuple[str, ...]:
        labels = set(labels)
        by_state = {UNTRUSTED: self.untrusted, PRIVATE: self.private}
        return tuple(state for state in self.states if labels & by_state[state])


class CapabilityGraph(nx.MultiDiGraph):
    """A MultiDiGraph with the state labels it was built with in `graph["state_labels"]`."""

    @property
    def state_labels(self) -> StateLabels:
        return self.graph["state_labels"]


def agent_node(agent_id: str) -> tuple[str, str]:
    return ("agent", agent_id)


def tool_node(tool_id: str) -> tuple[str, str]:
    return ("tool", tool_id)


def label_node(label: str) -> tuple[str, str]:
    return ("label", label)


# --- building ----------------------------------------------------------------------------------


def build(model: SystemModel, state_labels: StateLabels = StateLabels()) -> CapabilityGraph:
    graph = CapabilityGraph(state_labels=state_labels)
    tools = {tool.id: tool for tool in model.tools}
    agents = {agent.id: agent for agent in model.agents}
    for tool in sorted(model.tools, key=lambda t: t.id):
        _add_tool(graph, tool)
    for agent in sorted(model.agents, key=lambda a: a.id):
        graph.add_node(agent_node(agent.id), kind="agent", agent=agent, condition=agent.condition)
    for agent in sorted(model.agents, key=lambda a: a.id):
        _add_holdings(graph, agent, tools, agents)
        _add_handoffs(graph, agent, agents)
    return graph


def _add_tool(graph: CapabilityGraph, tool: Tool) -> None:
    graph.add_node(tool_node(tool.id), kind="tool", tool=tool)
    for label in tool.labels():
        capabilities = [c for c in tool.capabilities if c.label == label]
        graph.add_node(label_node(label), kind="label")
        graph.add_edge(
            tool_node(tool.id),
            label_node(label),
            relation="has",
            confidence=max(c.confidence for c in capabilities),
            model_controlled=any(c.model_controlled for c in capabilities),
        )


def _add_holdings(graph: CapabilityGraph, agent: Agent, tools: dict[str, Tool], agents: dict[str, Agent]) -> None:
    for holding in sorted(agent.tools, key=lambda h: (h.tool, h.location, _condition_key(h.condition))):
        tool = tools.get(holding.tool)
        if tool is None:  # unresolved reference: the model stage reports it
            continue
        graph.add_edge(
            agent_node(agent.id),
            tool_node(tool.id),
            relation="holds",
            condition=holding.condition,
            location=holding.location,
        )
        if tool.invokes_agent in agents:
            called = agent_node(tool.invokes_agent)
            edge = dict(condition=holding.condition, location=holding.location, via=tool.id)
            graph.add_edge(agent_node(agent.id), called, relation="handoff", kind=AGENT_AS_TOOL, **edge)
            graph.add_edge(called, agent_node(agent.id), relation="handoff", kind=AGENT_AS_TOOL_RESULT, **edge)


def _add_handoffs(graph: CapabilityGraph, agent: Agent, agents: dict[str, Agent]) -> None:
    for handoff in sorted(agent.handoffs, key=lambda h: (h.target, h.kind, h.location, _condition_key(h.condition))):
        if handoff.target not in agents:
            continue
        edge = dict(condition=handoff.condition, location=handoff.location, via=None)
        graph.add_edge(agent_node(agent.id), agent_node(handoff.target), relation="handoff", kind=handoff.kind, **edge)
        if handoff.kind == AGENT_AS_TOOL:  # the called agent's result comes back to the caller
            graph.add_edge(
                agent_node(handoff.target), agent_node(agent.id), relation="handoff", kind=AGENT_AS_TOOL_RESULT, **edge
            )


# --- actions: what the solver steps through ----------------------------------------------------


@dataclass(frozen=True)
class Action:
    """One possible step. A call sets states in its agent (`gives`) and may be a sink for some
    labels (`sink_labels`, model-controlled only); a flow ORs the agent's state into `step.target`.
    `condition` is everything that must hold for the step to exist: the edge's condition and the
    condition of every agent involved."""

    step: PathStep
    condition: Condition
    location: Location
    gives: tuple[str, ...] = ()
    sink_labels: tuple[str, ...] = ()
    via: str | None = None  # the agent-as-tool that makes this flow

    @property
    def id(self) -> str:
        return f"{self.step.kind}:{self.step.agent}->{self.step.tool or self.step.target}"

    @property
    def is_flow(self) -> bool:
        return self.step.kind == "handoff"

    @property
    def receiver(self) -> str:
        """The agent whose state this action can change."""
        return self.step.target if self.is_flow else self.step.agent

    def sort_key(self) -> tuple:
        return (self.id, _condition_key(self.condition), self.location)


def actions(graph: CapabilityGraph) -> tuple[Action, ...]:
    """Every call and flow of the graph, one per (step, condition), sorted by id."""
    found: dict[tuple, Action] = {}
    for source, target, data in graph.edges(data=True):
        if data["relation"] == "holds":
            action = _call_action(graph, source[1], target[1], data)
        elif data["relation"] == "handoff":
            action = _flow_action(graph, source[1], target[1], data)
        else:
            continue
        key = (action.step, _condition_key(action.condition))
        if key not in found or action.sort_key() < found[key].sort_key():
            found[key] = action
    return tuple(sorted(found.values(), key=Action.sort_key))


def _call_action(graph: CapabilityGraph, agent_id: str, tool_id: str, data: dict) -> Action:
    labels = [label[1] for _, label in graph.out_edges(tool_node(tool_id))]
    sinks = [label[1] for _, label, has in graph.out_edges(tool_node(tool_id), data=True) if has["model_controlled"]]
    return Action(
        step=PathStep("call", agent_id, tool=tool_id),
        condition=merge_conditions(graph.nodes[agent_node(agent_id)]["condition"], data["condition"]),
        location=data["location"],
        gives=graph.state_labels.states_set_by(labels),
        sink_labels=tuple(sorted(set(sinks))),
    )


def _flow_action(graph: CapabilityGraph, source_id: str, target_id: str, data: dict) -> Action:
    condition = merge_conditions(
        graph.nodes[agent_node(source_id)]["condition"],
        graph.nodes[agent_node(target_id)]["condition"],
        data["condition"],
    )
    return Action(
        step=PathStep("handoff", source_id, target=target_id),
        condition=condition,
        location=data["location"],
        via=data["via"],
    )


def merge_conditions(*conditions: Condition) -> Condition:
    """The conjunction of conditions, without repeats, in a stable order."""
    return tuple(sorted({atom for condition in conditions for atom in condition}, key=_atom_key))


def _atom_key(atom: Atom) -> tuple:
    return (atom.variable, atom.value is not None, atom.value or "", atom.negated)


def _condition_key(condition: Condition) -> tuple:
    return tuple(_atom_key(atom) for atom in condition)


# --- the state machine (shared by the solver's checks, tests and the dynamic side) -------------

State = dict[str, frozenset[str]]  # agent id -> context states it holds


def apply(state: State, action: Action) -> State:
    """The state after `action` (monotone: states are only ever added)."""
    receiver = action.receiver
    added = state.get(action.step.agent, frozenset()) if action.is_flow else frozenset(action.gives)
    if added <= state.get(receiver, frozenset()):
        return state
    return {**state, receiver: state.get(receiver, frozenset()) | added}


def is_goal(action: Action, rule: Rule) -> bool:
    """Whether the action is a sink of the rule (ignoring the state it needs)."""
    return not action.is_flow and bool(set(action.sink_labels) & set(rule.sinks))


def reaches_goal(sequence: Sequence[Action], rule: Rule) -> bool:
    """Whether some step of the sequence is a sink of `rule` taken while its agent holds every
    state the rule requires."""
    state: State = {}
    for action in sequence:
        if is_goal(action, rule) and set(rule.requires) <= state.get(action.step.agent, frozenset()):
            return True
        state = apply(state, action)
    return False


def actions_by_step(graph: CapabilityGraph) -> dict[PathStep, Action]:
    """One action per step (the first by sort order); every action of a step has the same effect."""
    by_step: dict[PathStep, Action] = {}
    for action in actions(graph):
        by_step.setdefault(action.step, action)
    return by_step


def path_reaches_goal(graph: CapabilityGraph, steps: Sequence[PathStep], rule: Rule) -> bool:
    """Re-simulate a witness without the solver: does it complete `rule`?"""
    by_step = actions_by_step(graph)
    if any(step not in by_step for step in steps):
        return False
    return reaches_goal([by_step[step] for step in steps], rule)

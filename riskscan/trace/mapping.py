"""Map what a trace names to the static model: tools by name, by MCP `server`/tool pair (from the
trace's server field or Claude Code's `mcp__server__tool` naming), agents by name; and the call's
effect on the context state as a `graph.Action`, exactly as the solver builds it from labels."""

from __future__ import annotations

import re

from riskscan.graph import Action, StateLabels
from riskscan.types import Agent, Location, PathStep, Tool

_MCP_ID = re.compile(r"#([^#/]+)/([^#/]+)$")  # mcp:<config>#<server>/<tool>
_NOWHERE = Location(".")


def split_mcp_name(name: str) -> tuple[str, str] | None:
    """`mcp__github__create_issue` -> (`github`, `create_issue`)."""
    if name.startswith("mcp__"):
        parts = name.split("__", 2)
        if len(parts) == 3 and parts[1] and parts[2]:
            return parts[1], parts[2]
    return None


class ModelIndex:
    def __init__(self, agents: tuple[Agent, ...], tools: tuple[Tool, ...], state_labels: StateLabels = StateLabels()) -> None:
        self.state_labels = state_labels
        self.tools = {tool.id: tool for tool in tools}
        self.by_name: dict[str, list[Tool]] = {}
        self.by_server: dict[tuple[str, str], list[Tool]] = {}
        for tool in sorted(tools, key=lambda t: t.id):
            self.by_name.setdefault(tool.name, []).append(tool)
            if match := _MCP_ID.search(tool.id):
                self.by_server.setdefault((match[1], match[2]), []).append(tool)
        self.agents = {agent.name: agent for agent in sorted(agents, key=lambda a: a.id, reverse=True)}
        self.folded = {name.casefold(): agent for name, agent in self.agents.items()}
        self.held = {agent.id: {h.tool for h in agent.tools} for agent in agents}
        self._actions: dict[tuple[str, str], Action] = {}
        self._resolved: dict[tuple[str, str, str], Tool | None] = {}

    def agent(self, name: str) -> Agent | None:
        return self.agents.get(name) or self.folded.get(name.casefold()) if name else None

    def tool(self, name: str, server: str = "", agent: Agent | None = None) -> Tool | None:
        key = (name, server, agent.id if agent else "")
        if key not in self._resolved:
            self._resolved[key] = self._tool(name, server, agent)
        return self._resolved[key]

    def _tool(self, name: str, server: str, agent: Agent | None) -> Tool | None:
        split = split_mcp_name(name)
        candidates = self.by_server.get((server, name), []) if server else []
        if not candidates and split:
            candidates = self.by_server.get(split, [])
        if not candidates:
            candidates = self.by_name.get(name, [])
        if not candidates and split:
            candidates = self.by_name.get(split[1], [])
        if not candidates:
            return None
        held = self.held.get(agent.id, set()) if agent else set()
        return next((t for t in candidates if t.id in held), candidates[0])

    def guess_agent(self, tool_names: list[tuple[str, str]]) -> Agent | None:
        """For a run that does not name its agent: the agent holding most of the tools it called."""
        best, best_count = None, 0
        for agent in sorted(self.agents.values(), key=lambda a: a.id):
            count = sum(1 for name, server in tool_names if (t := self.tool(name, server, agent)) and t.id in self.held[agent.id])
            if count > best_count:
                best, best_count = agent, count
        return best

    def call_action(self, agent_key: str, tool: Tool | None, name: str) -> Action:
        """The solver's action for `agent_key` calling `tool` (no labels, so no effect, when the
        model does not know the tool)."""
        key = (agent_key, tool.id if tool else f"unknown:{name}")
        action = self._actions.get(key)
        if action is None:
            labels = tool.labels() if tool else ()
            sinks = sorted({c.label for c in tool.capabilities if c.model_controlled}) if tool else ()
            action = Action(PathStep("call", agent_key, tool=key[1]), (), _NOWHERE,
                            gives=self.state_labels.states_set_by(labels), sink_labels=tuple(sinks))
            self._actions[key] = action
        return action


def flow_action(source_key: str, target_key: str) -> Action:
    return Action(PathStep("handoff", source_key, target=target_key), (), _NOWHERE)

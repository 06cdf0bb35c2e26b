"""The merged system the model stage builds from every file's facts."""

from __future__ import annotations

from dataclasses import dataclass

from riskscan.types.core import Capability, Condition, Diagnostic, Gate, Location
from riskscan.types.facts import HygieneFact

# --- the merged system (model stage output) ----------------------------------------------------


@dataclass(frozen=True, order=True)
class Tool:
    id: str
    name: str
    framework: str
    location: Location
    description: str = ""
    capabilities: tuple[Capability, ...] = ()
    gates: tuple[Gate, ...] = ()
    invokes_agent: str | None = None  # agent-as-tool: id of the agent it runs

    @property
    def server_entry(self) -> str:
        """The MCP server entry the tool comes from, by its name in the client's config or the
        hosted MCP tool's label: `mcp:.mcp.json#github/push_files` and
        `triage.<hosted mcp github/issue_read>` -> `github`; a toolkit's tools, one call's group
        (`toolkit GithubTools@12`); "" for a tool defined in code."""
        if self.id.startswith("mcp:") and "#" in self.id:
            return self.id.split("#", 1)[1].rsplit("/", 1)[0]
        marker = "<hosted mcp "
        if marker in self.id:
            return self.id.split(marker, 1)[1].rsplit("/", 1)[0]
        marker = "<toolkit "  # one toolkit call's tools (`app.<toolkit GithubTools@12/create_issue>`), as one server's
        if marker in self.id:
            return "toolkit " + self.id.split(marker, 1)[1].rsplit("/", 1)[0]
        return ""

    def labels(self) -> tuple[str, ...]:
        return tuple(sorted({c.label for c in self.capabilities}))

    def capability(self, label: str) -> Capability | None:
        found = [c for c in self.capabilities if c.label == label]
        return max(found, key=lambda c: c.confidence) if found else None


@dataclass(frozen=True, order=True)
class Holding:
    """Agent holds tool, under a condition, declared at a place."""

    tool: str  # tool id
    location: Location
    condition: Condition = ()


@dataclass(frozen=True, order=True)
class Handoff:
    """Context flows from the holding agent to `target` (handoff, delegation, agent-as-tool)."""

    target: str  # agent id
    kind: str  # handoff, agent-as-tool, delegation
    location: Location
    condition: Condition = ()


@dataclass(frozen=True, order=True)
class Agent:
    id: str
    name: str
    framework: str
    location: Location
    tools: tuple[Holding, ...] = ()
    handoffs: tuple[Handoff, ...] = ()
    condition: Condition = ()


@dataclass(frozen=True)
class SystemModel:
    root: str
    agents: tuple[Agent, ...]
    tools: tuple[Tool, ...]
    hygiene: tuple[HygieneFact, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()

    def tool(self, tool_id: str) -> Tool:
        return self._tools_by_id()[tool_id]

    def agent(self, agent_id: str) -> Agent:
        return {a.id: a for a in self.agents}[agent_id]

    def _tools_by_id(self) -> dict[str, Tool]:
        return {t.id: t for t in self.tools}

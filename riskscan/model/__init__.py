"""Model: merge every file's facts into one `SystemModel`.

Follows references across files (re-exports, lists built in other modules, helper functions that
return tool lists), attaches tools to agents and agents to handoffs, finds the implementation of
each plain function-calling tool, and labels every tool (see labels.py). What cannot be resolved
becomes a diagnostic at its location; nothing is dropped silently.

Beside this module: references.py (the symbol table across files), labels.py and
argument_checks.py (capabilities and the checks that guard their arguments), client_files.py and
permissions.py (what client configs, settings, probes and the lockfile say about each other).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Sequence

from riskscan.model import client_files, labels
from riskscan.model.argument_checks import with_schema_checks
from riskscan.model.references import Asked, Project, Resolver, conjoin, index
from riskscan.rulesets import Rulesets
from riskscan.types import (
    Agent,
    AgentFact,
    Condition,
    Diagnostic,
    Dispatch,
    Facts,
    Gate,
    Handoff,
    Holding,
    HygieneFact,
    Items,
    Location,
    Ref,
    SystemModel,
    Tool,
    ToolFact,
    Value,
    When,
)

# tools declared by a schema or a name alone, whose implementation a dispatch names: plain function
# calling, MCP low-level servers (call_tool branches), agents declared in config files
DISPATCHED_FRAMEWORKS = frozenset({"function-calling", "mcp-sdk", "declared"})


def build(root: str, facts: Sequence[Facts], rulesets: Rulesets, asked: Asked | None = None) -> SystemModel:
    """The system the facts describe. `asked`, when given, receives what the model looked for in
    vain (riskscan/scan/reading.py reads the files that may hold it)."""
    facts = client_files.apply(facts, rulesets.code_runners)
    project = index(facts, asked)
    builder = _Builder(project, rulesets)
    builder.merge_overlays()
    agents = builder.linked([builder.agent(a) for a in project.agents.values()])
    # a server launched by a client of the project lives in that client's context, not its own
    agents = tuple(sorted((a for a in agents if a.id not in builder.launched_servers), key=lambda a: a.id))
    tools = builder.tools(agents)
    hygiene = tuple(h for f in facts for h in f.hygiene) + builder.hygiene
    diagnostics = tuple(d for f in facts for d in f.diagnostics) + tuple(builder.diagnostics)
    return SystemModel(root, agents, tools, tuple(sorted(set(hygiene))), tuple(sorted(set(diagnostics))))


class _Builder(Resolver):
    def __init__(self, project: Project, rulesets: Rulesets):
        super().__init__(project)
        self.rulesets = rulesets
        self.analyser = labels.BodyAnalyser(project.functions, rulesets, project.bindings, project.modules, project.constants)
        self.implicit_tools: dict[str, ToolFact] = {}  # plain functions used as tools
        self.launched_servers: set[str] = set()  # MCP server agents a client config runs
        self.launch_gates: dict[str, set[Gate]] = {}  # gates a server entry puts on its real tools
        self.diagnostics: set[Diagnostic] = set()
        self.hygiene: tuple[HygieneFact, ...] = ()
        self.registered, self.registered_framework = self._registrations()

    def _registrations(self) -> tuple[dict[str, list[Value]], dict[str, str]]:
        """Tools registered on an object from another file, by the agent that object is."""
        by_agent: dict[str, list[Value]] = {}
        frameworks: dict[str, str] = {}
        for registration in self.project.registrations:
            found = list(self.resolve(Ref(registration.target, registration.location)))
            agents = [r.target for r in found if r.kind == "agent"]
            if not agents:
                reason = found[0].target if found and found[0].kind == "unresolved" else f"{registration.target} is not an agent or server"
                self._unresolved(registration.location, "unresolved-registration", f"the object a tool is registered on: {reason}")
            for agent_id in agents:
                by_agent.setdefault(agent_id, []).append(registration.value)
                for tool in self.resolve(registration.value):
                    frameworks[tool.target] = self.project.agents[agent_id].framework
        return by_agent, frameworks

    # --- agents -------------------------------------------------------------------------------

    def merge_overlays(self) -> None:
        """What a configuration file adds to an agent made in code (CrewAI agents.yaml and
        tasks.yaml): its name, tools and gates join the agent the overlay's id is bound to."""
        for overlay in self.project.overlays:
            targets = [r.target for r in self.resolve(Ref(overlay.id, overlay.location)) if r.kind == "agent"]
            if not targets:
                self.diagnostics.add(Diagnostic(overlay.location, "unused-config", f"`{overlay.id.rpartition('#')[2]}` is used by no scanned crew class", "info"))
            for target in targets:
                agent = self.project.agents[target]
                self.project.agents[target] = replace(agent, name=overlay.name or agent.name, tools=agent.tools + overlay.tools,
                                                      tool_gates=tuple(sorted(set(agent.tool_gates + overlay.tool_gates))))

    def agent(self, fact: AgentFact) -> Agent:
        holdings: set[Holding] = set()
        handoffs: set[Handoff] = set()
        for value in (*fact.tools, *self.registered.get(fact.id, ())):
            for found in self.resolve(value):
                location = found.location or fact.location
                if found.kind == "tool" and self.project.tools[found.target].launches:
                    holdings |= self._launched(self.project.tools[found.target], found.condition)
                elif found.kind == "tool":
                    holdings.add(Holding(found.target, location, found.condition))
                elif found.kind == "function":
                    tool_id = self._implicit_tool(found.target, fact.framework)
                    holdings.add(Holding(tool_id, location, found.condition))
                elif found.kind == "agent":
                    handoffs.add(Handoff(found.target, "agent-as-tool", location, found.condition))
                else:
                    self._unresolved(location, "unresolved-tool", f"a tool of agent '{fact.name}': {found.target}")
        for value in fact.handoffs:
            for found in self.resolve(value):
                location = found.location or fact.location
                if found.kind == "agent":
                    handoffs.add(Handoff(found.target, "handoff", location, found.condition))
                else:
                    reason = found.target if found.kind == "unresolved" else f"{found.target} is not an agent"
                    self._unresolved(location, "unresolved-handoff", f"a handoff of agent '{fact.name}': {reason}")
        return Agent(
            fact.id, fact.name, fact.framework, fact.location, tuple(sorted(holdings)), tuple(sorted(handoffs)), fact.condition
        )

    def linked(self, agents: list[Agent]) -> list[Agent]:
        """The agents with the context flows of teams, graphs, crews and supervisors added."""
        extra: dict[str, set[Handoff]] = {}
        for link in self.project.links:
            members = self._link_agents(link.members, link.condition)
            sources = self._link_agents((link.source,), link.condition) if link.source is not None else []
            for member, member_condition in members:
                if link.source is None:  # every member with every other (a delegator: and back)
                    if link.kind == "delegation" and not self.project.agents[member].delegates:
                        continue
                    pairs = [(member, o, c, link.kind == "delegation") for o, c in members if o != member]
                else:  # from the source to the member (and back)
                    pairs = [(s, member, c, link.both_ways) for s, c in sources]
                for sender, receiver, other_condition, back in pairs:
                    condition = conjoin(conjoin(link.condition, member_condition), other_condition)
                    extra.setdefault(sender, set()).add(Handoff(receiver, link.kind, link.location, condition))
                    if back:
                        extra.setdefault(receiver, set()).add(Handoff(sender, link.kind, link.location, condition))
        return [
            replace(a, handoffs=tuple(sorted(set(a.handoffs) | {h for h in extra[a.id] if h.target != a.id}))) if a.id in extra else a
            for a in agents
        ]

    def _link_agents(self, values, condition: Condition) -> list[tuple[str, Condition]]:
        found = []
        for value in values:
            for resolved in self.resolve(value):
                if resolved.kind == "agent":
                    found.append((resolved.target, resolved.condition))
                elif resolved.kind == "unresolved":  # a plain function node of a graph is no agent
                    reason = resolved.target
                    self._unresolved(resolved.location or Location("."), "unresolved-member", f"a member of a team or graph: {reason}")
        return sorted(set(found))

    def _launched(self, opaque: ToolFact, condition: Condition) -> set[Holding]:
        """The tools of the project's own MCP servers that a client's server entry runs; the
        opaque tool when the program is not among the scanned files."""
        servers = self._servers_of_program(opaque.launches or "")
        if not servers:
            self.diagnostics.add(Diagnostic(opaque.location, "server-not-scanned", f"the server runs {opaque.launches}, which is not among the scanned files (or defines no MCP server); assumed the worst", "info"))
            return {Holding(opaque.id, opaque.location, condition)}
        self.launched_servers |= servers
        self.replaced_tools.add(opaque.id)
        named = None if opaque.name.endswith("/*") else opaque.name  # the entry keeps only this tool
        holdings = set()
        for server in sorted(servers):
            for value in (*self.project.agents[server].tools, *self.registered.get(server, ())):
                for found in self.resolve(value, condition):
                    if found.kind == "tool" and named in (None, getattr(self.project.tools.get(found.target), "name", None)):
                        holdings.add(Holding(found.target, found.location or opaque.location, found.condition))
                        self.launch_gates.setdefault(found.target, set()).update(opaque.gates)
        return holdings

    def _servers_of_program(self, program: str) -> set[str]:
        if program.startswith("-m "):
            module = program[3:].strip()
        else:
            path = program.replace("\\", "/").removeprefix("./")
            matches = [f for f in self.project.python_files if f == path or path.endswith("/" + f)]
            if not matches:
                return set()
            script = max(matches, key=len)
            module = self.project.python_files[script]
            if script.endswith("/__main__.py"):
                module = module.rpartition(".")[0]
        self.project.asked.modules.add(module)
        inside = lambda name: name == module or name.startswith(module + ".")  # noqa: E731
        servers = {a.id for a in self.project.agents.values() if a.framework == "mcp-sdk" and inside(a.id)}
        for name, value in self.project.bindings.items():
            if inside(name):
                servers |= {r.target for r in self.resolve(value) if r.kind == "agent" and self.project.agents[r.target].framework == "mcp-sdk"}
        return servers

    def _implicit_tool(self, qualname: str, framework: str) -> str:
        if qualname not in self.implicit_tools:
            function = self.project.functions[qualname]
            self.implicit_tools[qualname] = ToolFact(
                id=qualname, name=function.name, framework=framework, location=function.location,
                description=function.docstring, function=qualname, params=function.params,
            )
        return qualname

    def _unresolved(self, location: Location, code: str, message: str) -> None:
        self.diagnostics.add(Diagnostic(location, code, f"could not resolve {message}"))

    # --- tools --------------------------------------------------------------------------------

    def tools(self, agents: Sequence[Agent] = ()) -> tuple[Tool, ...]:
        facts = {k: v for k, v in {**self.project.tools, **self.implicit_tools}.items() if k not in self.replaced_tools}
        held_gates = self._held_gates(agents, facts)
        for tool_id, gates in self.launch_gates.items():
            held_gates.setdefault(tool_id, set()).update(gates)
        hygiene: list[HygieneFact] = []
        tools = []
        for fact in sorted(facts.values(), key=lambda t: t.id):
            if fact.id in held_gates:
                fact = replace(fact, gates=tuple(sorted(set(fact.gates) | held_gates[fact.id])))
            tool, tool_hygiene = self._tool(fact)
            tools.append(tool)
            hygiene += tool_hygiene
        self.hygiene = tuple(hygiene)
        return tuple(tools)

    def _held_gates(self, agents: Sequence[Agent], facts: dict[str, ToolFact]) -> dict[str, set[Gate]]:
        """Gates an agent puts on the tools it holds (by tool name, "*" for all)."""
        found: dict[str, set[Gate]] = {}
        for agent in agents:
            fact = self.project.agents.get(agent.id)
            if fact is None or not fact.tool_gates:
                continue
            for holding in agent.tools:
                tool = facts.get(holding.tool)
                if tool is None:
                    continue
                names = {tool.name}
                if tool.builtin and tool.builtin in self.rulesets.builtin_index():
                    names.add(self.rulesets.builtin_index()[tool.builtin].tool_name)
                for name, gate in fact.tool_gates:
                    if name == "*" or name in names:
                        found.setdefault(tool.id, set()).add(gate)
        return found

    def _tool(self, fact: ToolFact) -> tuple[Tool, list[HygieneFact]]:
        capabilities = list(fact.capabilities)
        gates = list(fact.gates)
        name = fact.name
        hygiene: list[HygieneFact] = []
        # The lexicon is a fallback: used only when neither a catalog nor the tool's body says
        # what the tool does.
        known = fact.server is not None or any(e.kind in ("known-server", "builtin-tool") for c in fact.capabilities for e in c.evidence)
        if fact.builtin:
            builtin = labels.builtin_capabilities(fact, self.rulesets)
            if builtin is None:
                self.diagnostics.add(Diagnostic(fact.location, "unknown-tool-class", f"tool class {fact.builtin} is not in the catalog; labelled from its name only", "info"))
            else:
                entry, found = builtin
                capabilities += found
                gates += [Gate(kind, f"{fact.builtin} runs in a {kind} by nature", fact.location) for kind in entry.gates]
                name = entry.tool_name
                known = True
        implementations = self._implementations(fact)
        for function in implementations:
            analysis = self.analyser.analyse(function, fact.name)
            capabilities += with_schema_checks(analysis.capabilities, fact.input_schema)
            hygiene += analysis.hygiene
            known = known or bool(analysis.capabilities)
        # A body read to the end, every call resolved, does what its calls do: its MCP annotations
        # and its name's words would only guess. They are for bodies riskscan cannot follow (or see).
        invokes = self._invoked_agent(fact)
        understood = bool(implementations) and not any(self._unexplained(f, fact, invokes) for f in implementations)
        if not understood:
            capabilities += labels.annotation_capabilities(fact)
        if not known and not understood:
            capabilities += labels.lexicon_capabilities(fact, self.rulesets)
        tool = Tool(
            id=fact.id, name=name, framework=self.registered_framework.get(fact.id, fact.framework), location=fact.location,
            description=fact.description, capabilities=labels.merge(capabilities),
            gates=tuple(sorted(set(gates))), invokes_agent=invokes,
        )
        return tool, hygiene

    def _implementations(self, fact: ToolFact) -> list[str]:
        found = implementations(self, fact)
        if found is None:
            self.diagnostics.add(
                Diagnostic(fact.location, "no-implementation", f"no function found for tool '{fact.name}' (no dispatch maps its name); labelled from its name and description only", "info")
            )
        return found or []

    def _unexplained(self, function: str, fact: ToolFact, invokes: str | None) -> tuple[str, ...]:
        """The calls of a tool's body riskscan cannot tell the effect of. A tool that runs an agent
        (agent-as-tool) does what that agent's tools do, which the graph holds: making the agent
        (an outside class) and calling it explain themselves, and words would only guess."""
        unknown = self.analyser.unknown_calls(function)
        if invokes is None or fact.invokes is None:
            return unknown
        runs = _referenced(fact.invokes)
        return tuple(name for name in unknown
                     if not any(name == run or name.startswith(run + ".") for run in runs)
                     and not (name.rpartition(".")[2][:1].isupper() and not self._in_project(name)))

    def _invoked_agent(self, fact: ToolFact) -> str | None:
        if fact.invokes is None:
            return None
        agents = [r.target for r in self.resolve(fact.invokes) if r.kind == "agent"]
        if not agents:
            self._unresolved(fact.location, "unresolved-agent", f"the agent that tool '{fact.name}' runs")
            return None
        return agents[0]


def _referenced(value) -> set[str]:
    """The qualified names a value refers to (a Ref, or the Refs of a list, under conditions)."""
    if isinstance(value, Ref):
        return {value.qualname}
    if isinstance(value, When):
        return _referenced(value.value)
    if isinstance(value, Items):
        return {name for item in value.items for name in _referenced(item)}
    return set()


def implementations(resolver: Resolver, fact: ToolFact) -> list[str] | None:
    """The functions whose bodies implement a tool: its own function, or, for a schema-only tool,
    what a dispatch maps its name to (a branch of a low-level server's call_tool, a dispatch
    table's function); None for a dispatched tool no dispatch names."""
    project = resolver.project
    if fact.function:
        if fact.function in project.functions:
            return [fact.function]
        if fact.function in project.tools or fact.function in project.bindings:
            return [r.target for r in resolver.resolve(Ref(fact.function, fact.location)) if r.kind == "function"]
        return []
    if fact.builtin or fact.server or fact.invokes is not None or fact.framework not in DISPATCHED_FRAMEWORKS:
        return []
    found = []
    for dispatch in _dispatches_of(project, fact):
        found += [r.target for r in resolver.resolve(dispatch.target) if r.kind == "function"]
    for dispatch in project.dispatches.get("*", ()):
        if isinstance(dispatch.target, Ref) and f"{dispatch.target.qualname}.{fact.name}" in project.functions:
            found.append(f"{dispatch.target.qualname}.{fact.name}")
    return sorted(set(found)) or None


def _dispatches_of(project: Project, fact: ToolFact) -> list[Dispatch]:
    """The dispatches of a tool's name. A tool whose own file dispatches it does not take those of
    another file that declares a tool of the name too: each of a project's servers that has a
    `greet` tool dispatches its own."""
    dispatches = list(project.dispatches.get(fact.name, ()))
    if not any(d.location.path == fact.location.path for d in dispatches):
        return dispatches
    others = {d.location.path for d in dispatches} - {fact.location.path}
    declaring = {t.location.path for t in project.tools.values() if t.name == fact.name and t.location.path in others}
    return [d for d in dispatches if d.location.path not in declaring]

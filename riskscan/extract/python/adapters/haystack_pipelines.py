"""Haystack pipelines and components (for haystack.py): `Pipeline()` (and 2.x `AsyncPipeline`) with
`add_component(name, instance)` / `add_components({...})` and `connect("a.out", "b.in")` /
`connect_many([...])`; the catalogued components (rulesets/builtin_tools_haystack.yaml:
fetchers, retrievers, writers, the GitHub connectors and tools); `PipelineTool(pipeline=...)`.

What a connection carries is the sender's output, so a pipeline makes context flow along its
connections: from an agent (an `Agent` or a `ToolInvoker`) to every agent its outputs reach
through components that are no agents (task-context, one way), and into an agent from the
catalogued components upstream of it (a fetcher, a retriever, an issue viewer): such a component
is held by the agent, since what it returns is in the agent's context. A `PipelineTool` does what
its pipeline's catalogued components do, and runs its pipeline's agent (agent-as-tool).
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field, replace

from riskscan.extract.python.adapters.frameworks import argument
from riskscan.extract.python.syntax import cst
from riskscan.extract.python.values import flatten_items, string_value
from riskscan.types import (
    CONFIDENCE_CATALOG,
    Binding,
    Capability,
    ContextLink,
    Evidence,
    Gate,
    Items,
    Location,
    Ref,
    Registration,
    ToolFact,
    Value,
)

FRAMEWORK = "haystack"
PIPELINES = frozenset(
    {"haystack.Pipeline", "haystack.core.pipeline.Pipeline", "haystack.core.pipeline.pipeline.Pipeline",
     "haystack.AsyncPipeline", "haystack.core.pipeline.AsyncPipeline", "haystack.core.pipeline.async_pipeline.AsyncPipeline"}
)
METHODS = {f"{p}.{m}": m for p in PIPELINES for m in ("add_component", "add_components", "connect", "connect_many")}
PIPELINE_TOOL = frozenset({"haystack.tools.PipelineTool", "haystack.tools.pipeline_tool.PipelineTool"})
CALLS = PIPELINES | frozenset(METHODS) | PIPELINE_TOOL


@dataclass
class Pipeline:
    id: str
    location: Location
    condition: tuple
    components: dict[str, Value] = field(default_factory=dict)
    edges: list[tuple[str, str]] = field(default_factory=list)


def evaluate(adapter, ev, call: cst.Call, names: set[str], scope, target: str | None) -> Value | None:
    ctx = adapter.ctx
    if names & PIPELINES:
        ev.evaluate_arguments(call, scope)
        pipeline_id = target or f"{ctx.module_name}.<pipeline {ctx.loc(call).line}>"
        adapter.pipelines.setdefault(pipeline_id, Pipeline(pipeline_id, ctx.loc(call), scope.condition))
        return Items((Ref(pipeline_id, ctx.loc(call)),))  # a list, so that a helper returning it is followed
    method = next((METHODS[n] for n in sorted(names) if n in METHODS), None)
    if method is not None:
        return pipeline_method(adapter, ev, call, method, scope)
    if names & PIPELINE_TOOL:
        return pipeline_tool(adapter, ev, call, scope, target)
    catalog = ctx.rulesets.builtin_index()
    builtin = next((n for n in sorted(names) if n in catalog and catalog[n].framework == FRAMEWORK), None)
    if builtin is None:
        return None
    ev.evaluate_arguments(call, scope)
    entry = catalog[builtin]
    tool = ToolFact(f"{ctx.module_name}.<builtin {builtin}>", string_value(keyword_or(call, "name")) or entry.tool_name, FRAMEWORK, ctx.loc(call), builtin=builtin)
    return Ref(ctx.add_tool(tool), ctx.loc(call))


def keyword_or(call: cst.Call, name: str) -> cst.BaseExpression | None:
    return argument(call, ((None, name),))


def pipelines_of(adapter, value: Value, depth: int = 0) -> list[Pipeline]:
    """The pipelines of this file a value is, through names the file binds."""
    ctx = adapter.ctx
    found = []
    for item, _ in flatten_items(Items((value,))):
        if not isinstance(item, Ref):
            continue
        if item.qualname in adapter.pipelines:
            found.append(adapter.pipelines[item.qualname])
        elif item.qualname in ctx.bindings and depth < 8 and ctx.bindings[item.qualname].value != item:
            found += pipelines_of(adapter, ctx.bindings[item.qualname].value, depth + 1)
    return found


def pipeline_method(adapter, ev, call: cst.Call, method: str, scope) -> Value:
    ctx = adapter.ctx
    receiver = ev.evaluate(call.func.value, scope) if isinstance(call.func, cst.Attribute) else Items(())
    found = pipelines_of(adapter, receiver)
    if not found:
        ev.evaluate_arguments(call, scope)
        ctx.diagnose(call, "unresolved-pipeline", f"{method} on a pipeline not made in this file (or not known statically); its context flows are not known", "info")
        return receiver
    if method == "add_component":
        name, instance = string_value(argument(call, ((0, "name"),))), argument(call, ((1, "instance"),))
        components = {name: instance} if name is not None and instance is not None else {}
    elif method == "add_components":
        given = argument(call, ((0, "components"),))
        components = {string_value(e.key): e.value for e in given.elements if isinstance(e, cst.DictElement)} if isinstance(given, cst.Dict) else {}
    else:
        components = {}
        pairs = [(argument(call, ((0, "sender"),)), argument(call, ((1, "receiver"),)))] if method == "connect" else [
            tuple(e.value.elements[i].value for i in (0, 1)) for e in getattr(argument(call, ((0, "connections"),)), "elements", ())
            if isinstance(e.value, cst.Tuple) and len(e.value.elements) == 2]
        for sender, receiver_node in pairs:
            ends = [string_value(n) for n in (sender, receiver_node)]
            if None in ends:
                ctx.diagnose(call, "unresolved-pipeline", "a connection whose ends are not literal strings; not followed", "info")
                continue
            for pipeline in found:
                pipeline.edges.append((ends[0].split(".")[0], ends[1].split(".")[0]))
    for arg in call.args:
        if arg.value not in components.values():
            ev.evaluate(arg.value, scope)
    for name, node in components.items():
        value = ev.evaluate(node, scope)
        if name is None:
            continue
        named_inline(adapter, node, value, name)
        for pipeline in found:
            pipeline.components[name] = value
    return receiver


def named_inline(adapter, node: cst.BaseExpression, value: Value, name: str) -> None:
    """An agent made in the add_component call is known by its component name."""
    ctx = adapter.ctx
    if isinstance(node, cst.Call) and isinstance(value, Ref) and value.qualname in ctx.agents and "<agent " in value.qualname:
        ctx.agents[value.qualname] = replace(ctx.agents[value.qualname], name=name)


def pipeline_tool(adapter, ev, call: cst.Call, scope, target: str | None) -> Value:
    ctx = adapter.ctx
    pipeline = argument(call, ((0, "pipeline"),))
    ev.evaluate_arguments(call, scope)
    name = string_value(keyword_or(call, "name")) or ""
    tool_id = ctx.add_tool(ToolFact(target or f"{ctx.module_name}.<pipeline tool {name}>", name, FRAMEWORK, ctx.loc(call),
                                    description=string_value(keyword_or(call, "description")) or ""))
    if pipeline is not None:
        adapter.pipeline_tools[tool_id] = ev.evaluate(pipeline, scope)
    return Ref(tool_id, ctx.loc(call))


def catalogued(adapter, builtin: str, location: Location, what: str = "") -> tuple[tuple[Capability, ...], tuple[Gate, ...]]:
    """A catalogued component's labels and gates, as a tool's own."""
    entry = adapter.ctx.rulesets.builtin_index()[builtin]
    evidence = (Evidence("builtin-tool", f"{what or 'the component'} {entry.names[0]}" + (f": {entry.note}" if entry.note else ""), location),)
    gates = tuple(Gate(kind, f"{builtin} runs in a {kind} by nature", location) for kind in entry.gates)
    return tuple(Capability(label, CONFIDENCE_CATALOG, evidence) for label in entry.labels), gates


def component_classes(adapter, node: cst.BaseExpression | None) -> list[str]:
    """The classes a component expression is an instance of: `LinkContentFetcher()` or a name
    bound to one."""
    ctx = adapter.ctx
    if isinstance(node, cst.Call):
        return list(ctx.callee_names(node.func))
    return list(ctx.instance_types(node)) if node is not None else []


def snake_case(name: str) -> str:
    """ComponentTool's default name for a component class (haystack/tools/component_tool.py)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


# --- finish ------------------------------------------------------------------------------------


def agent_of(adapter, value: Value, depth: int = 0) -> str | None:
    ctx = adapter.ctx
    for item, _ in flatten_items(Items((value,))):
        if isinstance(item, Ref) and item.qualname in ctx.agents:
            return item.qualname
        if isinstance(item, Ref) and item.qualname in ctx.bindings and depth < 8:
            found = agent_of(adapter, ctx.bindings[item.qualname].value, depth + 1)
            if found:
                return found
    return None


def source_tool(adapter, value: Value, depth: int = 0) -> Ref | None:
    """A catalogued component that hands out what it reads (labels of its own), through names the
    file binds."""
    ctx = adapter.ctx
    catalog = ctx.rulesets.builtin_index()
    for item, _ in flatten_items(Items((value,))):
        tool = ctx.tools.get(item.qualname) if isinstance(item, Ref) else None
        if tool is not None and tool.builtin in catalog and catalog[tool.builtin].labels:
            return Ref(tool.id, item.location)
        bound = ctx.bindings.get(item.qualname) if isinstance(item, Ref) and tool is None else None
        found = source_tool(adapter, bound.value, depth + 1) if bound is not None and depth < 8 else None
        if found is not None:
            return found
    return None


def finish(adapter) -> None:
    ctx = adapter.ctx
    for pipeline in adapter.pipelines.values():
        if pipeline.id in ctx.bindings:  # the pipeline stands for nothing an agent holds
            ctx.bindings[pipeline.id] = Binding(pipeline.id, Items(()))
        agents = {name: agent_of(adapter, value) for name, value in pipeline.components.items()}
        forward: dict[str, list[str]] = {}
        backward: dict[str, list[str]] = {}
        for sender, receiver in pipeline.edges:
            forward.setdefault(sender, []).append(receiver)
            backward.setdefault(receiver, []).append(sender)
        for name, agent in agents.items():
            if agent is None:
                continue
            for reached in sorted(_reached(name, forward, agents)):
                if agents.get(reached) and agents[reached] != agent:
                    ctx.links.append(ContextLink("task-context", (Ref(agents[reached], pipeline.location),), pipeline.location,
                                                 Ref(agent, pipeline.location), False, pipeline.condition))
            for upstream in sorted(_reached(name, backward, agents)):
                source = source_tool(adapter, pipeline.components.get(upstream, Items(())))
                if source is not None and not agents.get(upstream):
                    fed = fed_input(adapter, pipeline, upstream, source, name)
                    if fed is not None:
                        ctx.registrations.append(Registration(agent, fed, source.location))
    for tool_id, value in adapter.pipeline_tools.items():
        found = pipelines_of(adapter, value)
        capabilities, invokes = [], None
        for pipeline in found:
            fed = {receiver for sender, receiver in pipeline.edges if agent_of(adapter, pipeline.components.get(sender, Items(())))}
            for name, component in sorted(pipeline.components.items(), key=lambda pair: (pair[0] in fed, pair[0])):
                source = source_tool(adapter, component)
                if source is not None:
                    capabilities += catalogued(adapter, ctx.tools[source.qualname].builtin, source.location, f"the pipeline's component {name}:")[0]
                agent = agent_of(adapter, component)  # the first agent no other agent feeds
                invokes = invokes or (Ref(agent, pipeline.location) if agent else None)
        if not found:
            ctx.diagnose(None, "unresolved-pipeline", f"the pipeline of tool '{ctx.tools[tool_id].name}' is not made in this file; what it does is not known", "info")
        ctx.tools[tool_id] = replace(ctx.tools[tool_id], capabilities=tuple(capabilities), invokes=invokes)


SOURCES = frozenset({"untrusted_input", "private_data", "secret_read"})


def fed_input(adapter, pipeline: Pipeline, component: str, source: Ref, agent: str) -> Ref | None:
    """What an upstream component hands an agent of the pipeline: its reads only (the agent does
    not choose where a fetcher goes, nor can it make a sender send), as a tool of the agent."""
    ctx = adapter.ctx
    builtin = ctx.tools[source.qualname].builtin
    capabilities = [c for c in catalogued(adapter, builtin, source.location, f"pipeline component {component!r} feeds {agent!r}:")[0] if c.label in SOURCES]
    if not capabilities:
        return None
    fact = ToolFact(f"{pipeline.id}.<input {component}>", component, FRAMEWORK, source.location, capabilities=tuple(capabilities))
    return Ref(ctx.add_tool(fact), source.location)


def _reached(start: str, edges: dict[str, list[str]], agents: dict[str, str | None]) -> set[str]:
    """The components reached from `start` along `edges`, stopping at agents (who act on their own)."""
    seen: set[str] = set()
    queue = deque(edges.get(start, []))
    while queue:
        node = queue.popleft()
        if node in seen or node == start:
            continue
        seen.add(node)
        if not agents.get(node):
            queue.extend(edges.get(node, []))
    return seen

"""LangGraph written by hand: a chat model bound to tools (`llm.bind_tools(tools)`), graph nodes
that are functions of the file, a tool node of the project's own (`tools_by_name[call["name"]]
.invoke(call["args"])`), the edges between nodes, and `interrupt()` as the human gate before the
tools run.

A bound model is the agent: its tools are what the model may call. It belongs to the graph one of
whose node functions uses it (bound there, or a module name of the file the node reads), and the
graph's agent then holds its tools; a bound model no graph of the file uses is an agent of its
own. A graph whose tool node is the prebuilt `ToolNode` already holds that node's tools, so a
bound model it uses adds nothing.

The human gate: `interrupt()` in the tool node's function (before the dispatch; inside
`if call["name"] == "send_email":` or `in (...)` it gates the tools named), or in every node with
an edge into the tool node (a review node between the model and the tools). Names are those of
langgraph 1.2 and langchain-core 1.8.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from riskscan.extract.python.receivers import looks_like_class
from riskscan.extract.python.syntax import cst, find_nodes
from riskscan.extract.python.values import (
    keyword,
    positional,
    string_list,
    string_value,
)
from riskscan.types import Gate, Items, Location, Value

BIND_TOOLS = ".bind_tools"
TOOL_RUNS = frozenset({"invoke", "ainvoke", "run", "arun"})


@dataclass
class BoundModel:
    """`model.bind_tools(tools)`: the tools, where, in which function, under which name."""

    call_id: int
    tools: Value
    location: Location
    owner: str  # qualified name of the enclosing function, or the module's
    in_function: bool
    target: str | None
    condition: tuple
    consumed: bool = False  # the model of a prebuilt agent that holds the same tools


@dataclass
class HandNodes:
    """What a graph's function nodes and edges say: node name -> function, and edges into nodes."""

    functions: dict[str, str] = field(default_factory=dict)
    edges_into: dict[str, set[str]] = field(default_factory=dict)
    unknown_edges: bool = False  # a conditional edge whose targets are not literals


def is_bind_tools(ctx, callee: tuple[str, ...]) -> bool:
    """`x.bind_tools(...)` on a chat model: any receiver but an instance of a class of the
    project (a module variable riskscan cannot type is named after itself, not a class)."""
    receivers = [name[: -len(BIND_TOOLS)] for name in callee if name.endswith(BIND_TOOLS)]
    return bool(receivers) and not any(ctx.is_project(r) and looks_like_class(r) for r in receivers)


def bind_tools(ctx, ev, call: cst.Call, scope, target: str | None) -> BoundModel:
    tools_node = positional(call, 0) or keyword(call, "tools")
    for arg in call.args:
        if arg.value is not tools_node:
            ev.evaluate(arg.value, scope)
    tools = ev.evaluate(tools_node, scope, tools=True) if tools_node is not None else Items(())
    in_function = scope.kind == "function"
    return BoundModel(id(call), tools, ctx.loc(call), scope.qualname, in_function, target, scope.condition)


def record_edge(nodes: HandNodes, call: cst.Call, conditional: bool) -> None:
    """`add_edge(a, b)`, `add_conditional_edges(a, router, ["b", END])` or `{...: "b"}`."""
    source = string_value(positional(call, 0) or keyword(call, "start_key") or keyword(call, "source"))
    if not conditional:
        end = string_value(positional(call, 1) or keyword(call, "end_key"))
        if source is not None and end is not None:
            nodes.edges_into.setdefault(end, set()).add(source)
        return
    path_map = positional(call, 2) or keyword(call, "path_map")
    targets: list[str] | None = None
    if isinstance(path_map, cst.Dict):
        values = [string_value(e.value) for e in path_map.elements if isinstance(e, cst.DictElement)]
        targets = [v for v in values if v is not None] if all(v is not None or _is_end(e.value) for v, e in zip(values, path_map.elements)) else None
    elif path_map is not None:
        listed = string_list(path_map)
        targets = listed if listed is not None else None
    if source is None or targets is None:
        nodes.unknown_edges = True
        return
    for end in targets:
        nodes.edges_into.setdefault(end, set()).add(source)


def _is_end(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value in ("END", "START")


def uses_bound(ctx, function: cst.FunctionDef, bound: BoundModel) -> bool:
    """Whether a node function binds the model itself or reads the name the model was bound to."""
    if bound.owner == ctx.declarations.qualnames.get(id(function)):
        return True
    if bound.target is None:
        return False
    return any(bound.target in ctx.names_of(name) for name in find_nodes(function.body, cst.Name))


def dispatches_tools(ctx, function: cst.FunctionDef) -> bool:
    """A node that runs the model's tool calls itself: `tools_by_name[name].invoke(args)`, or a
    tool taken out of such a table first (`tool = tools_by_name[name]; tool.invoke(args)`), or a
    table looked up by the tool call's name and handed on (`run(tools_by_name[call["name"]])`)."""
    for lookup in find_nodes(function.body, cst.Subscript):
        if len(lookup.slice) == 1 and isinstance(lookup.slice[0].slice, cst.Index) and _is_name_of_call(lookup.slice[0].slice.value):
            return True
    for call in find_nodes(function.body, cst.Call):
        func = call.func
        if not (isinstance(func, cst.Attribute) and func.attr.value in TOOL_RUNS):
            continue
        receiver = func.value
        if isinstance(receiver, cst.Subscript):
            return True
        if isinstance(receiver, cst.Name):
            for assignment in ctx.assignments(receiver):
                value = ctx.declarations.assigned.get(id(assignment.node))
                if isinstance(value, cst.Subscript) or (isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and value.func.attr.value == "get"):
                    return True
    return False


def interrupt_gates(ctx, function: cst.FunctionDef, interrupts: frozenset[str]) -> tuple[list[tuple[str, Gate]], bool]:
    """The gates `interrupt()` calls in a node put on tools: ("*", gate) when unconditional,
    (tool name, gate) under `if <call>["name"] == "x"` / `in (...)`. The second value says an
    interrupt was found under a condition riskscan could not read."""
    gates: list[tuple[str, Gate]] = []
    unread = False
    for call in find_nodes(function.body, cst.Call):
        if not set(ctx.callee_names(call.func)) & interrupts:
            continue
        names = _guarding_names(ctx, function, call)
        if names is None:
            unread = True
            continue
        detail = "interrupt() in the graph's tool node" if names == ["*"] else "interrupt() when the model calls " + ", ".join(names)
        gates += [(name, Gate("approval", detail, ctx.loc(call))) for name in names]
    return gates, unread


def _guarding_names(ctx, function: cst.FunctionDef, call: cst.Call) -> list[str] | None:
    """["*"] when no `if` of the function encloses the call; the tool names an enclosing `if` on
    the tool call's name compares with; None for any other enclosing condition."""
    enclosing = [node for node in find_nodes(function.body, cst.If) if _contains(node.body, call)]
    if not enclosing:
        return ["*"]
    names: list[str] | None = None
    for branch in enclosing:
        found = _compared_names(branch.test)
        if found is None:
            return None
        names = found if names is None else [n for n in names if n in found]
    return names


def _contains(body: cst.CSTNode, node: cst.CSTNode) -> bool:
    return any(found is node for found in find_nodes(body, type(node), enter_definitions=True))


def _compared_names(test: cst.BaseExpression) -> list[str] | None:
    """`call["name"] == "x"`, `tool_call.name in ("x", "y")`, `"x" == call["name"]`."""
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return None
    target = test.comparisons[0]
    left, right = test.left, target.comparator
    if isinstance(target.operator, cst.Equal):
        for side, other in ((left, right), (right, left)):
            if _is_name_of_call(side) and string_value(other) is not None:
                return [string_value(other)]
        return None
    if isinstance(target.operator, cst.In) and _is_name_of_call(left):
        listed = string_list(right) if isinstance(right, (cst.List, cst.Tuple, cst.Set)) else None
        if listed is None and isinstance(right, cst.Set):
            listed = [string_value(e.value) for e in right.elements]
            listed = None if None in listed else listed
        return listed
    return None


def _is_name_of_call(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.Subscript) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
        return string_value(node.slice[0].slice.value) == "name"
    return isinstance(node, cst.Attribute) and node.attr.value == "name"


def attach(ctx, graph, bounds: list[BoundModel], interrupts: frozenset[str]) -> list[tuple[str, Gate]]:
    """Give `graph` the tools of the bound models its node functions use, and a hand tool node
    the same tools; the gates `interrupt()` puts on them."""
    functions = {name: ctx.function_nodes[qualname] for name, qualname in graph.hand.functions.items() if qualname in ctx.function_nodes}
    used = [b for b in bounds if any(uses_bound(ctx, function, b) for function in functions.values())]
    for bound in used:
        bound.consumed = True
    if graph.tool_nodes:  # a prebuilt ToolNode runs the tools: the graph holds its tools already
        return []
    dispatching = [name for name, function in functions.items() if dispatches_tools(ctx, function)]
    held = Items(tuple(b.tools for b in used))
    if not used:
        for name in dispatching:
            ctx.diagnose(functions[name], "unresolved-tools", f"graph {graph.name}: node {name!r} runs tool calls, but no node of the graph binds the model to tools in this file (`bind_tools`); its tools are not known", "info")
        return []
    for name in dispatching or ["<model>"]:
        graph.tool_nodes[name] = held
    gates: list[tuple[str, Gate]] = []
    for name in dispatching:
        found, unread = interrupt_gates(ctx, functions[name], interrupts)
        found += _review_gates(ctx, graph.hand, functions, name, interrupts)
        if unread:
            ctx.diagnose(functions[name], "partial-gate", f"graph {graph.name}: interrupt() in node {name!r} under a condition riskscan cannot read; no gate recorded for it", "info")
        gates += found
    return gates


def _review_gates(ctx, nodes: HandNodes, functions: dict, tool_node: str, interrupts: frozenset[str]) -> list[tuple[str, Gate]]:
    """`interrupt()` in every node with an edge into the tool node (a review step): the tools
    that every such node gates."""
    sources = nodes.edges_into.get(tool_node, set())
    if not sources or nodes.unknown_edges or not sources <= set(functions):
        return []
    per_source = []
    for source in sorted(sources):
        found, _ = interrupt_gates(ctx, functions[source], interrupts)
        if not found:
            return []
        per_source.append(found)
    if len(per_source) == 1:
        return [(name, Gate("approval", f"interrupt() in node {min(sources)!r} before the tool node", gate.location)) for name, gate in per_source[0]]
    if all(any(name == "*" for name, _ in found) for found in per_source):
        first = next(gate for name, gate in per_source[0] if name == "*")
        return [("*", Gate("approval", f"interrupt() in every node before the tool node ({', '.join(sorted(sources))})", first.location))]
    return []


def standalone(bounds: list[BoundModel]) -> list[BoundModel]:
    """Bound models no graph or prebuilt agent of the file took: each an agent of its own."""
    return [b for b in bounds if not b.consumed]

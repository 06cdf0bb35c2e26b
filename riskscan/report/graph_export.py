"""The capability graph of a scan as data, DOT or Mermaid (`riskscan graph`), and for the HTML report.

The graph is the one `riskscan.graph.build` makes of the Report's agents and tools: agents hold
tools, agents hand their context to agents, tools have capability labels. Parallel edges (the same
holding declared twice, under different conditions) become one edge listing every condition.
Each path finding is mapped onto the graph (`paths`): the nodes and edges its steps walk, so that a
renderer can highlight them; `danger` marks a node or edge some path walks.

Ids are `agent:<id>`, `tool:<id>`, `label:<name>`. Everything is sorted, so the same Report gives
the same bytes. DOT quotes and escapes every id and label; Mermaid gets generated identifiers
(`n0`, `n1`, ...) and every label is written with Mermaid's entity codes, so that no text from the
scanned code (a tool description, a server name) can end a label or inject a directive.
"""

from __future__ import annotations

import json

from riskscan.types import Finding, Report, SystemModel

GRAPH_FORMATS = ("dot", "mermaid", "json")
GRAPH_SCHEMA_VERSION = "1"


def render_graph(report: Report, fmt: str) -> str:
    """The capability graph of `report` in `fmt` (one of GRAPH_FORMATS), secrets redacted, lone
    surrogates escaped (riskscan/files/surrogates.py)."""
    from riskscan.files.surrogates import writable
    from riskscan.secrets.reports import scrubbed

    document = graph_document(scrubbed(report))
    if fmt == "json":
        return writable(json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    if fmt == "dot":
        return writable(render_dot(document))
    if fmt == "mermaid":
        return writable(render_mermaid(document))
    raise ValueError(f"unknown graph format {fmt!r}: expected one of {', '.join(GRAPH_FORMATS)}")


# --- the neutral document ----------------------------------------------------------------------


def graph_document(report: Report) -> dict:
    from riskscan import graph as capability_graph

    built = capability_graph.build(SystemModel(report.root, report.agents, report.tools))
    nodes: dict[str, dict] = {}
    for (kind, key), data in built.nodes(data=True):
        nodes[f"{kind}:{key}"] = _node(kind, key, data)
    edges: dict[tuple, dict] = {}
    for source, target, data in built.edges(data=True):
        ends = (f"{source[0]}:{source[1]}", f"{target[0]}:{target[1]}")
        kind = data.get("kind") or data["relation"]
        edge = edges.setdefault((*ends, data["relation"], kind), {
            "source": ends[0], "target": ends[1], "relation": data["relation"], "kind": kind, "conditions": [],
        })
        condition = " and ".join(str(atom) for atom in data.get("condition", ())) or "always"
        if condition not in edge["conditions"]:
            edge["conditions"].append(condition)
    ordered = [edges[key] for key in sorted(edges)]
    for number, edge in enumerate(ordered):
        edge["id"] = f"e{number}"
        edge["conditions"].sort()
    paths = [_path(finding, report, nodes, edges) for finding in report.findings if finding.kind == "path"]
    walked_nodes = {node for path in paths for node in path["nodes"]}
    walked_edges = {edge for path in paths for edge in path["edges"]}
    for node_id, node in nodes.items():
        node["danger"] = node_id in walked_nodes
    for edge in ordered:
        edge["danger"] = edge["id"] in walked_edges
    return {
        "schema_version": GRAPH_SCHEMA_VERSION,
        "nodes": [nodes[key] for key in sorted(nodes, key=_node_order)],
        "edges": ordered,
        "paths": paths,
    }


def _node(kind: str, key: str, data: dict) -> dict:
    node = {"id": f"{kind}:{key}", "kind": kind, "name": key, "framework": None, "location": None,
            "labels": [], "description": ""}
    if kind == "agent":
        agent = data["agent"]
        node.update(name=agent.name, framework=agent.framework, location=str(agent.location))
    elif kind == "tool":
        tool = data["tool"]
        node.update(name=tool.name, framework=tool.framework, location=str(tool.location),
                    labels=list(tool.labels()), description=tool.description)
    return node


def _node_order(node_id: str) -> tuple:
    kind, _, key = node_id.partition(":")
    return ({"agent": 0, "tool": 1, "label": 2}[kind], key)


def _path(finding: Finding, report: Report, nodes: dict, edges: dict) -> dict:
    """The nodes and edges the finding's steps walk. Steps name agents and tools; a name is
    resolved through the holdings and handoffs that exist, so two tools of one name held by
    different agents are told apart."""
    agent_ids: dict[str, list[str]] = {}
    for agent in report.agents:
        agent_ids.setdefault(agent.name, []).append(f"agent:{agent.id}")
    walked_nodes: set[str] = set()
    walked_edges: set[str] = set()
    for step in (step for steps in (finding.steps, *finding.alternatives) for step in steps):
        for agent in agent_ids.get(step.agent, []):
            for (source, target, relation, _), edge in edges.items():
                if source != agent:
                    continue
                if step.kind == "call" and relation == "holds" and nodes[target]["name"] == step.tool:
                    walked_nodes.update((source, target))
                    walked_edges.add(edge["id"])
                    for label in step.labels:
                        has = edges.get((target, f"label:{label}", "has", "has"))
                        if has is not None:
                            walked_nodes.add(has["target"])
                            walked_edges.add(has["id"])
                elif step.kind == "handoff" and relation == "handoff" and nodes[target]["name"] == step.target:
                    walked_nodes.update((source, target))
                    walked_edges.add(edge["id"])
    return {
        "rule_id": finding.rule_id,
        "fingerprint": finding.fingerprint,
        "nodes": sorted(walked_nodes, key=_node_order),
        "edges": sorted(walked_edges, key=lambda e: int(e[1:])),
    }


# --- DOT ---------------------------------------------------------------------------------------


def dot_quote(text: str) -> str:
    """A DOT quoted string: backslashes and quotes escaped, line breaks as DOT's `\\n`, and the
    other characters that would act on a terminal showing the DOT (escape sequences, bidi
    overrides) as visible escapes (riskscan.report.escaping)."""
    from riskscan.report.escaping import for_terminal

    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return '"' + "\\n".join(for_terminal(line).replace("\\", "\\\\").replace('"', '\\"') for line in lines) + '"'


_DOT_SHAPES = {"agent": "box", "tool": "ellipse", "label": "note"}


def render_dot(document: dict) -> str:
    lines = ["digraph riskscan {", "  rankdir=LR;", '  node [fontname="Helvetica"];']
    for node in document["nodes"]:
        attributes = [f"label={dot_quote(_display(node))}", f"shape={_DOT_SHAPES[node['kind']]}"]
        if node["danger"]:
            attributes.append('color="red"')
        lines.append(f"  {dot_quote(node['id'])} [{', '.join(attributes)}];")
    for edge in document["edges"]:
        attributes = [f"label={dot_quote(_edge_label(edge))}"]
        if edge["danger"]:
            attributes += ['color="red"', "penwidth=2"]
        if edge["relation"] == "has":
            attributes.append("style=dashed")
        lines.append(f"  {dot_quote(edge['source'])} -> {dot_quote(edge['target'])} [{', '.join(attributes)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


# --- Mermaid -----------------------------------------------------------------------------------

_MERMAID_SAFE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _.,:/@()-+=*'?!")


def mermaid_text(text: str) -> str:
    """Label text for Mermaid: every character outside a small safe set as a numeric entity code
    (`#35;` for `#`), line breaks as spaces, so that quotes, brackets, pipes, `%%` and HTML in a
    name cannot end the label or start markup."""
    flat = " ".join(text.split())
    return "".join(c if c in _MERMAID_SAFE else f"#{ord(c)};" for c in flat)


_MERMAID_SHAPES = {"agent": ('["', '"]'), "tool": ('("', '")'), "label": ('[/"', '"/]')}


def render_mermaid(document: dict) -> str:
    ids = {node["id"]: f"n{number}" for number, node in enumerate(document["nodes"])}
    lines = ["flowchart LR"]
    for node in document["nodes"]:
        opening, closing = _MERMAID_SHAPES[node["kind"]]
        lines.append(f"  {ids[node['id']]}{opening}{mermaid_text(_display(node))}{closing}")
    for edge in document["edges"]:
        arrow = "-.->" if edge["relation"] == "has" else "-->"
        label = mermaid_text(_edge_label(edge))
        lines.append(f'  {ids[edge["source"]]} {arrow}|"{label}"| {ids[edge["target"]]}')
    lines.append("  classDef danger stroke:#d00,stroke-width:3px")
    danger_nodes = [ids[node["id"]] for node in document["nodes"] if node["danger"]]
    if danger_nodes:
        lines.append(f"  class {','.join(danger_nodes)} danger")
    danger_edges = [str(number) for number, edge in enumerate(document["edges"]) if edge["danger"]]
    if danger_edges:
        lines.append(f"  linkStyle {','.join(danger_edges)} stroke:#d00,stroke-width:3px")
    return "\n".join(lines) + "\n"


def _display(node: dict) -> str:
    if node["kind"] == "agent":
        return f"agent: {node['name']}"
    if node["kind"] == "tool":
        return f"tool: {node['name']}"
    return node["name"]


def _edge_label(edge: dict) -> str:
    label = edge["kind"]
    if "always" not in edge["conditions"]:  # a condition only matters when no holding is unconditional
        label += " when " + " or ".join(edge["conditions"])
    return label

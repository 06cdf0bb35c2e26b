"""The static model a trace is checked against: a fresh scan, a saved JSON report read back
(`riskscan scan --format json -o report.json`), or, with neither, a model inferred from the
traces alone (each tool labelled by the known-server catalog and the lexicon on its name)."""

from __future__ import annotations

import json
from pathlib import Path

from riskscan.files import read_bounded
from riskscan.model.labels import lexicon_capabilities
from riskscan.rulesets import Rulesets
from riskscan.trace.events import Trace, TraceCall
from riskscan.trace.mapping import split_mcp_name
from riskscan.types import (
    CONFIDENCE_CATALOG,
    Agent,
    Atom,
    Capability,
    Evidence,
    Finding,
    Handoff,
    Holding,
    Location,
    Report,
    Step,
    Tool,
    ToolFact,
)


class ModelError(Exception):
    """The given scan or report cannot be used."""


def load_report(path: str) -> Report:
    """A saved riskscan JSON report as a Report (agents, tools, path findings; rules stay the
    rulesets' own, since the document does not carry their definitions)."""
    try:
        document = json.loads(read_bounded(path).decode("utf-8"))
    except OSError as error:
        raise ModelError(f"{path}: cannot read the report: {error.strerror}") from error
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise ModelError(f"{path}: not a JSON document: {error}") from error
    if not isinstance(document, dict) or "schema_version" not in document or not isinstance(document.get("tools"), list):
        raise ModelError(f"{path}: not a riskscan JSON report (no schema_version / tools)")
    _check_schema(path, document)
    try:
        return Report(
            version=str(document.get("tool", {}).get("version", "")), root=".",
            findings=tuple(_finding(f) for f in document.get("findings", ()) if f.get("kind") == "path" and not f.get("suppressed")),
            agents=tuple(_agent(a) for a in document.get("agents", ())),
            tools=tuple(_tool(t) for t in document["tools"]), rules=(),
        )
    except (KeyError, TypeError, AttributeError) as error:
        raise ModelError(f"{path}: a riskscan JSON report with an unexpected shape ({type(error).__name__}: {error})") from error


def _check_schema(path: str, document: dict) -> None:
    """A report read back must be what riskscan writes (riskscan/schemas/report.schema.json): a
    hand-edited or damaged one is an error naming the first wrong place, not a crash later."""
    import jsonschema

    schema = json.loads((Path(__file__).parents[1] / "schemas" / "report.schema.json").read_text(encoding="utf-8"))
    error = next(iter(sorted(jsonschema.Draft202012Validator(schema).iter_errors(document), key=lambda e: list(e.absolute_path))), None)
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "(top)"
        raise ModelError(f"{path}: not a valid riskscan JSON report: at {where}: {error.message[:200]}")


def _location(doc: dict | None) -> Location | None:
    if doc is None:
        return None
    return Location(doc["path"], doc.get("line", 0), doc.get("column", 0), cell=doc.get("cell", 0), file_line=doc.get("file_line", 0))


def _condition(items: list) -> tuple[Atom, ...]:
    return tuple(Atom(a["variable"], a.get("value"), a.get("negated", False)) for a in items)


def _evidence(doc: dict) -> Evidence:
    return Evidence(doc["kind"], doc["detail"], _location(doc.get("location")))


def _tool(doc: dict) -> Tool:
    capabilities = tuple(
        Capability(c["label"], c["confidence"], tuple(_evidence(e) for e in c.get("evidence", ())), c.get("model_controlled", True))
        for c in doc.get("capabilities", ())
    )
    return Tool(doc["id"], doc["name"], doc.get("framework", ""), _location(doc["location"]), doc.get("description", ""),
                capabilities, invokes_agent=doc.get("invokes_agent"))


def _agent(doc: dict) -> Agent:
    holdings = tuple(Holding(h["tool"], _location(h["location"]), _condition(h.get("condition", ()))) for h in doc.get("tools", ()))
    handoffs = tuple(Handoff(h["target"], h["kind"], _location(h["location"]), _condition(h.get("condition", ())))
                     for h in doc.get("handoffs", ()))
    return Agent(doc["id"], doc["name"], doc.get("framework", ""), _location(doc["location"]), holdings, handoffs,
                 _condition(doc.get("condition", ())))


def _step(doc: dict) -> Step:
    return Step(doc["kind"], doc["agent"], _location(doc["location"]), doc.get("tool"), doc.get("target"),
                tuple(doc.get("labels", ())), tuple(_evidence(e) for e in doc.get("evidence", ())), doc.get("note", ""))


def _finding(doc: dict) -> Finding:
    return Finding(
        rule_id=doc["rule_id"], rule_name=doc["rule_name"], kind=doc["kind"], severity=doc["severity"],
        confidence=doc["confidence"], score=doc["score"], factors=(), message=doc["message"],
        location=_location(doc["location"]), steps=tuple(_step(s) for s in doc.get("steps", ())),
        fingerprint=doc.get("fingerprint", ""), sinks=tuple(doc.get("sinks", ())), covers=tuple(doc.get("covers", ())),
    )


def inferred_report(traces: list[Trace], rulesets: Rulesets, version: str) -> Report:
    """Tools named in the traces, labelled from their names only: a known MCP server's tool list
    (high confidence) when the name is in it, else the lexicon (low confidence)."""
    catalog: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for server in rulesets.mcp_servers:
        for tool in server.tools:
            catalog.setdefault(tool.name, []).append((server.id, tool.labels))
    tools: dict[str, Tool] = {}
    for trace in traces:
        for event in trace.events:
            if isinstance(event, TraceCall) and event.tool not in tools:
                tools[event.tool] = _inferred_tool(event, catalog, rulesets)
    return Report(version=version, root=".", findings=(), agents=(), tools=tuple(tools[n] for n in sorted(tools)), rules=())


def _inferred_tool(event: TraceCall, catalog: dict, rulesets: Rulesets) -> Tool:
    split = split_mcp_name(event.tool)
    bare = split[1] if split else event.tool
    known = catalog.get(bare, [])
    if len({labels for _, labels in known}) == 1:
        server_id, labels = known[0]
        evidence = (Evidence("known-server", f"`{bare}` is a tool of the known MCP server {server_id}"),)
        capabilities = tuple(Capability(label, CONFIDENCE_CATALOG, evidence) for label in labels)
    else:
        fact = ToolFact(id=f"trace:{event.tool}", name=bare, framework="trace", location=event.location)
        capabilities = lexicon_capabilities(fact, rulesets)
    return Tool(f"trace:{event.tool}", event.tool, "trace", event.location, capabilities=capabilities)

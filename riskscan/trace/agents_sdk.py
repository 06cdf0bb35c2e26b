"""OpenAI Agents SDK span exports: what `Span.export()` gives (`{"object": "trace.span",
"span_data": {...}}`), as a JSON list, the tracing ingest payload (`{"data": [...]}`, traces and
spans mixed), or JSON Lines. `function` spans are tool calls (`name`, `input`, `output`, and
`mcp_data.server` for MCP tools), `handoff` spans pass the conversation (`from_agent`,
`to_agent`), and a call's agent is its nearest `agent` ancestor span.
"""

from __future__ import annotations

from riskscan.trace.events import Recorder, Trace, TraceHandoff, flatten
from riskscan.trace.source import Source


def looks_like_agents_sdk(value: object) -> bool:
    return isinstance(value, dict) and (value.get("object") == "trace.span" or isinstance(value.get("span_data"), dict))


def _is_span(value: object) -> bool:
    return isinstance(value, dict) and isinstance(value.get("span_data"), dict)


def items(source: Source) -> list[tuple[dict, object]]:
    found = []
    for record, document in enumerate(source.records):
        if isinstance(document, dict) and isinstance(document.get("data"), list):
            found += [(item, source.location(record, ("data", i))) for i, item in enumerate(document["data"])]
        elif isinstance(document, list):
            found += [(item, source.location(record, (i,))) for i, item in enumerate(document)]
        else:
            found.append((document, source.location(record)))
    return found


def read(source: Source) -> Trace:
    spans = []
    for index, (item, location) in enumerate(items(source)):
        if isinstance(item, dict) and item.get("object") == "trace":
            continue
        if not _is_span(item):
            source.diagnose(location, "trace-bad-span", f"spans[{index}] is not an Agents SDK span; skipped")
            continue
        spans.append((index, item, location))
    by_id = {str(item.get("id")): item for _, item, _ in spans if item.get("id")}
    spans.sort(key=lambda s: (str(s[1].get("started_at") or ""), s[0]))
    recorder = Recorder()
    for index, item, location in spans:
        data = item["span_data"]
        session = str(item.get("trace_id") or "")
        if data.get("type") == "function":
            name = data.get("name")
            if not isinstance(name, str) or not name:
                source.diagnose(location, "trace-bad-call", f"spans[{index}] is a function span without a name; skipped")
                continue
            mcp = data.get("mcp_data") if isinstance(data.get("mcp_data"), dict) else {}
            output = data.get("output")
            recorder.call(
                place=f"spans[{index}]", location=location, tool=name, agent=_agent(item, by_id),
                server=str(mcp.get("server") or ""), arguments=flatten(data.get("input")),
                result=None if output is None else flatten(output), session=session,
            )
        elif data.get("type") == "handoff":
            source_agent, target = data.get("from_agent"), data.get("to_agent")
            if isinstance(source_agent, str) and isinstance(target, str) and source_agent and target:
                recorder.handoff(TraceHandoff(f"spans[{index}]", location, source_agent, target, session))
    return Trace(source.path, "openai-agents-spans", recorder.events(), tuple(source.diagnostics))


def _agent(item: dict, by_id: dict) -> str:
    seen: set[str] = set()
    parent = by_id.get(str(item.get("parent_id")))
    while parent is not None and str(parent.get("id")) not in seen:
        seen.add(str(parent.get("id")))
        data = parent.get("span_data") or {}
        if data.get("type") == "agent" and isinstance(data.get("name"), str):
            return data["name"]
        parent = by_id.get(str(parent.get("parent_id")))
    return ""

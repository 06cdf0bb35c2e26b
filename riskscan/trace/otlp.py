"""OpenTelemetry traces (OTLP JSON: `resourceSpans` / `scopeSpans` / `spans`, one document or one per
line; or JSON Lines of single spans, OTLP-shaped or as the Python SDK's console exporter writes
them) read with the GenAI semantic conventions.

Tool calls come from `execute_tool` spans (`gen_ai.operation.name`, or the span name):
`gen_ai.tool.name`, `gen_ai.tool.call.id`, `gen_ai.tool.call.arguments`, `gen_ai.tool.call.result`;
the agent from `gen_ai.agent.name` on the span or its nearest `invoke_agent` ancestor. A trace with
no tool spans gives its calls through its chat spans' messages: `gen_ai.output.messages` /
`gen_ai.input.messages` (`tool_call` and `tool_call_response` parts), or the deprecated
`gen_ai.completion` / `gen_ai.prompt` (JSON, or flattened as `gen_ai.completion.0.tool_calls.0.name`).
Other names accepted for the same things: `tool.name`, `tool_call.id`, `input.value` /
`output.value` (OpenInference), `traceloop.entity.*` (OpenLLMetry). A span whose
`riskscan.guard.decision` is `deny` was refused by the guard: it did not run.
"""

from __future__ import annotations

import re

from riskscan.trace.events import MAX_DEPTH, Recorder, Trace, flatten
from riskscan.trace.source import Source

TOOL_NAME = ("gen_ai.tool.name", "tool.name")
CALL_ID = ("gen_ai.tool.call.id", "tool_call.id")
ARGUMENTS = ("gen_ai.tool.call.arguments", "tool.arguments", "input.value", "traceloop.entity.input")
RESULT = ("gen_ai.tool.call.result", "tool.result", "output.value", "traceloop.entity.output")
AGENT = ("gen_ai.agent.name", "agent.name")
SERVER = ("gen_ai.tool.server", "mcp.server.name", "server.name")
_FLAT_CALL = re.compile(r"^gen_ai\.completion\.(\d+)\.tool_calls\.(\d+)\.(name|arguments|id)$")
_FLAT_PROMPT = re.compile(r"^gen_ai\.prompt\.(\d+)\.(role|content|tool_call_id)$")


def looks_like_otlp(value: object) -> bool:
    return isinstance(value, dict) and (
        "resourceSpans" in value or ("attributes" in value and ("spanId" in value or "context" in value or "traceId" in value)))


def attribute_value(value: object, depth: int = 0) -> object:
    """An OTLP AnyValue as a plain value (None past MAX_DEPTH levels of arrays and key lists)."""
    if not isinstance(value, dict) or depth > MAX_DEPTH:
        return value if depth <= MAX_DEPTH else None
    for key in ("stringValue", "boolValue", "doubleValue", "bytesValue"):
        if key in value:
            return value[key]
    if "intValue" in value:
        return str(value["intValue"])
    if "arrayValue" in value:
        return [attribute_value(v, depth + 1) for v in _list(_get(value["arrayValue"], "values"))]
    if "kvlistValue" in value:
        return attributes(_get(value["kvlistValue"], "values"), depth + 1)
    return None


def attributes(raw: object, depth: int = 0) -> dict:
    if isinstance(raw, dict):  # console exporter: a plain mapping
        return raw
    found = {}
    for item in raw if isinstance(raw, list) else ():
        if isinstance(item, dict) and isinstance(item.get("key"), str):
            found[item["key"]] = attribute_value(item.get("value"), depth)
    return found


def spans(source: Source) -> list[tuple[dict, object]]:
    """Every span with its place, in file order."""
    found = []
    for record, document in enumerate(source.records):
        if isinstance(document, dict) and "resourceSpans" in document:
            for r, resource in enumerate(_list(document.get("resourceSpans"))):
                for group_key in ("scopeSpans", "instrumentationLibrarySpans"):
                    for s, scope in enumerate(_list(_get(resource, group_key))):
                        for i, span in enumerate(_list(_get(scope, "spans"))):
                            pointer = ("resourceSpans", r, group_key, s, "spans", i)
                            found.append((span, source.location(record, pointer)))
        elif isinstance(document, dict):
            found.append((document, source.location(record)))
    return found


def _list(value: object) -> list:
    return value if isinstance(value, list) else []


def _get(value: object, key: str) -> object:
    return value.get(key) if isinstance(value, dict) else None


def read(source: Source) -> Trace:
    records = []
    for index, (span, location) in enumerate(spans(source)):
        if not isinstance(span, dict):
            source.diagnose(location, "trace-bad-span", f"spans[{index}] is not an object; skipped")
            continue
        records.append(_span_record(index, span, location))
    by_id = {(r["trace"], r["id"]): r for r in records if r["id"]}
    records.sort(key=lambda r: (r["start"], r["index"]))
    recorder = Recorder()
    tool_traces = {r["trace"] for r in records if _is_tool_span(r)}
    for r in records:
        if _is_tool_span(r):
            _tool_call(recorder, r, by_id, source)
        elif r["trace"] not in tool_traces:
            _chat_calls(recorder, r, by_id)
    for call_id, location in recorder.unmatched:
        source.diagnose(location, "trace-unmatched-result", f"a tool result for call id {call_id!r} that no call made")
    return Trace(source.path, "otlp", recorder.events(), tuple(source.diagnostics))


def _span_record(index: int, span: dict, location) -> dict:
    context = span.get("context") if isinstance(span.get("context"), dict) else {}
    start = span.get("startTimeUnixNano", span.get("start_time", ""))
    try:
        start = (0, int(start))
    except (TypeError, ValueError):
        start = (1, str(start))
    return {
        "index": index, "location": location, "name": str(span.get("name", "")), "start": start,
        "attrs": attributes(span.get("attributes")),
        "trace": str(span.get("traceId") or context.get("trace_id") or ""),
        "id": str(span.get("spanId") or context.get("span_id") or ""),
        "parent": str(span.get("parentSpanId") or span.get("parent_id") or ""),
    }


def _first(attrs: dict, names: tuple[str, ...]) -> object:
    return next((attrs[n] for n in names if attrs.get(n) not in (None, "")), None)


def _is_tool_span(r: dict) -> bool:
    attrs = r["attrs"]
    operation = attrs.get("gen_ai.operation.name")
    if operation is None and attrs.get("traceloop.span.kind") == "tool":
        return True
    return operation == "execute_tool" or (operation is None and r["name"].startswith("execute_tool"))


def _agent(r: dict, by_id: dict) -> str:
    seen = set()
    while r is not None and r["id"] not in seen:
        seen.add(r["id"])
        name = _first(r["attrs"], AGENT)
        if isinstance(name, str):
            return name
        r = by_id.get((r["trace"], r["parent"])) if r["parent"] else None
    return ""


def _tool_call(recorder: Recorder, r: dict, by_id: dict, source: Source) -> None:
    attrs = r["attrs"]
    name = _first(attrs, TOOL_NAME) or attrs.get("traceloop.entity.name")
    if not isinstance(name, str) and r["name"].startswith("execute_tool "):
        name = r["name"][len("execute_tool "):].strip()
    if not isinstance(name, str) or not name:
        source.diagnose(r["location"], "trace-bad-call", f"spans[{r['index']}] is a tool span without a tool name; skipped")
        return
    result = _first(attrs, RESULT)
    recorder.call(
        place=f"spans[{r['index']}]", location=r["location"], tool=name, agent=_agent(r, by_id),
        call_id=str(_first(attrs, CALL_ID) or ""), server=str(_first(attrs, SERVER) or ""),
        arguments=flatten(_first(attrs, ARGUMENTS)), result=None if result is None else flatten(result),
        blocked=attrs.get("riskscan.guard.decision") == "deny", session=r["trace"],
    )


def _chat_calls(recorder: Recorder, r: dict, by_id: dict) -> None:
    """Calls and results named in a chat span's messages (when the trace has no tool spans)."""
    attrs, place, agent = r["attrs"], f"spans[{r['index']}]", _agent(r, by_id)

    def add_call(name, call_id, arguments) -> None:
        if isinstance(name, str) and name and not (call_id and recorder.knows(str(call_id), r["trace"])):
            recorder.call(place=place, location=r["location"], tool=name, agent=agent, call_id=str(call_id or ""),
                          arguments=flatten(arguments), session=r["trace"])

    for key in ("gen_ai.input.messages", "gen_ai.prompt", "gen_ai.output.messages", "gen_ai.completion"):
        for message in _messages(attrs.get(key)):
            for part in _parts(message):
                if part.get("type") == "tool_call":
                    add_call(part.get("name"), part.get("id"), part.get("arguments"))
                elif part.get("type") == "tool_call_response" and part.get("id"):
                    recorder.result(str(part["id"]), flatten(part.get("response")), r["location"], r["trace"])
    flat_calls: dict[tuple[int, int], dict] = {}
    flat_prompts: dict[int, dict] = {}
    for key, value in attrs.items():
        if match := _FLAT_CALL.match(key):
            flat_calls.setdefault((int(match[1]), int(match[2])), {})[match[3]] = value
        elif match := _FLAT_PROMPT.match(key):
            flat_prompts.setdefault(int(match[1]), {})[match[2]] = value
    for _, prompt in sorted(flat_prompts.items()):
        if prompt.get("role") == "tool" and prompt.get("tool_call_id"):
            recorder.result(str(prompt["tool_call_id"]), flatten(prompt.get("content")), r["location"], r["trace"])
    for _, call in sorted(flat_calls.items()):
        add_call(call.get("name"), call.get("id"), call.get("arguments"))


def _messages(value: object) -> list:
    if isinstance(value, str):
        try:
            import json

            value = json.loads(value)
        except (ValueError, RecursionError):
            return []
    return [m for m in value if isinstance(m, dict)] if isinstance(value, list) else []


def _parts(message: dict) -> list[dict]:
    """GenAI `parts`, or an OpenAI-style message's tool calls and tool result as parts."""
    if isinstance(message.get("parts"), list):
        return [p for p in message["parts"] if isinstance(p, dict)]
    parts = []
    for call in _list(message.get("tool_calls")):
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict):
            continue
        parts.append({"type": "tool_call", "id": call.get("id"), "name": function.get("name"), "arguments": function.get("arguments")})
    if message.get("role") == "tool" and message.get("tool_call_id"):
        parts.append({"type": "tool_call_response", "id": message["tool_call_id"], "response": message.get("content")})
    return parts

"""Read a trace file in whichever format it is: the format is told by the content, not the name."""

from __future__ import annotations

from pathlib import Path

from riskscan.files import read_bounded
from riskscan.trace import agents_sdk, messages, otlp
from riskscan.trace.events import Trace
from riskscan.trace.source import Source, load
from riskscan.types import Diagnostic, Location

TRACE_LIMIT = 512_000_000  # bytes: recorded runs can be long; this bounds the memory of one


def read_trace(path: str, display: str | None = None) -> Trace:
    name = display or Path(path).as_posix()
    try:
        data = read_bounded(path, TRACE_LIMIT)  # a regular file only: a FIFO or /dev/zero is a diagnostic, not a hang
    except OSError as error:
        diagnostic = Diagnostic(Location(name), "trace-unreadable", f"cannot read the file: {error.strerror}", "error")
        return Trace(name, "unknown", (), (diagnostic,))
    return read_source(load(path, data, name))


def read_source(source: Source) -> Trace:
    first = _first_item(source)
    if otlp.looks_like_otlp(first):
        return otlp.read(source)
    if agents_sdk.looks_like_agents_sdk(first):
        return agents_sdk.read(source)
    if messages.conversations(source) and (first is None or messages.looks_like_messages(first)):
        return messages.read(source)
    if not any(d.severity == "error" for d in source.diagnostics):  # JSON of another shape
        source.diagnose(
            Location(source.path, source.lines[0] if source.lines else 0), "trace-unknown-format",
            "not a trace riskscan reads: expected OpenAI or Anthropic messages, OTLP spans, or OpenAI Agents SDK spans",
            "error",
        )
    return Trace(source.path, "unknown", (), tuple(source.diagnostics))


def _first_item(source: Source) -> object:
    """The first record, or the first element of a list / `data` / `messages` / `input` inside it;
    a trace header of the Agents SDK ingest payload (`"object": "trace"`) is skipped."""
    if not source.records:
        return None
    items = source.records
    first = source.records[0]
    if isinstance(first, dict):
        for key in ("data", "messages", "input"):
            if isinstance(first.get(key), list):
                items = first[key]
                break
    elif isinstance(first, list):
        items = first
    return next((i for i in items if not (isinstance(i, dict) and i.get("object") == "trace")), None)

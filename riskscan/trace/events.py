"""What a recorded run says, whatever its format: the tool calls in order (with their results when
captured) and the handoffs between agents. Readers produce a `Trace`; replay consumes it.

Text from a run (arguments, results) is kept only to compare flows; it is never printed whole:
findings quote at most a redacted prefix (`riskscan.secrets.redact`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Union

from riskscan.types import Diagnostic, Location


@dataclass(frozen=True)
class TraceCall:
    """One tool call. `place` names it for people ("message 4", "span 7"); `location` is the file
    and line it was read from. `agent` is the agent name as recorded, "" when the format has none;
    `server` the MCP server, when recorded. `arguments` and `result` are flattened text; `result` is
    None when the run did not capture it. `blocked`: a guard refused the call, so it never ran."""

    place: str
    location: Location
    tool: str
    agent: str = ""
    call_id: str = ""
    server: str = ""
    arguments: str = ""
    result: str | None = None
    blocked: bool = False
    session: str = ""


@dataclass(frozen=True)
class TraceHandoff:
    """The conversation passed from one agent to another."""

    place: str
    location: Location
    source: str
    target: str
    session: str = ""


Event = Union[TraceCall, TraceHandoff]


MAX_DEPTH = 100  # nesting of a recorded value that flatten and the readers follow


@dataclass(frozen=True)
class Trace:
    path: str  # as given, POSIX
    format: str  # openai-messages, anthropic-messages, otlp, openai-agents-spans, unknown
    events: tuple[Event, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def is_trace(self) -> bool:
        """False for a file that is not a trace riskscan reads (its error diagnostic says why); a
        trace of a known format with no tool calls is one."""
        return self.format != "unknown"


def flatten(value: object, depth: int = 0) -> str:
    """The text of a recorded value: strings as they are (JSON text decoded first), the string and
    number leaves of objects and lists joined by newlines, content blocks by their text. Leaves
    nested deeper than MAX_DEPTH are left out (a hostile trace must not exhaust the stack)."""
    if value is None or depth > MAX_DEPTH:
        return ""
    if isinstance(value, str):
        stripped = value.strip()
        if stripped[:1] in ("{", "[") and len(stripped) < 1_000_000:
            try:
                return flatten(json.loads(stripped), depth + 1) if stripped else ""
            except (ValueError, RecursionError):
                return value
        return value
    if isinstance(value, bool):
        return ""
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, dict):
        if isinstance(value.get("text"), str):  # a content block
            return value["text"]
        return "\n".join(text for text in (flatten(v, depth + 1) for k, v in value.items() if k != "type") if text)
    if isinstance(value, (list, tuple)):
        return "\n".join(text for text in (flatten(v, depth + 1) for v in value) if text)
    return ""


class Recorder:
    """Collects a reader's events in order and attaches results to their calls by call id (a result
    may come long after its call, or, in span exports, before the parent's other children)."""

    def __init__(self) -> None:
        self._events: list[dict | TraceHandoff] = []
        self._by_id: dict[tuple[str, str], dict] = {}
        self.unmatched: list[tuple[str, Location]] = []  # (call id, place of the orphan result)

    def call(self, **fields) -> None:
        self._events.append(fields)
        if fields.get("call_id"):
            self._by_id[(fields.get("session", ""), fields["call_id"])] = fields

    def handoff(self, handoff: TraceHandoff) -> None:
        self._events.append(handoff)

    def result(self, call_id: str, text: str, location: Location, session: str = "") -> None:
        fields = self._by_id.get((session, call_id))
        if fields is None:
            self.unmatched.append((call_id, location))
            return
        if fields.get("result") is None:  # the first result wins: chat spans repeat earlier ones
            fields["result"] = text

    def knows(self, call_id: str, session: str = "") -> bool:
        return (session, call_id) in self._by_id

    def events(self) -> tuple[Event, ...]:
        return tuple(e if isinstance(e, TraceHandoff) else TraceCall(**e) for e in self._events)

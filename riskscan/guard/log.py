"""The guard's decisions as a trace: one OTLP JSON line per tool call (an `execute_tool` span with
the GenAI attributes, plus `riskscan.guard.decision`, `.reason` and `.rule`), which
`riskscan trace` reads back; a denied call is marked so replay knows it never ran.

Arguments and results are written only with `capture_content=True` (as OpenTelemetry's GenAI
instrumentations do): they may hold secrets and private data.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import IO

from riskscan.trace.events import flatten


class DecisionLog:
    def __init__(self, target: str | IO[str], *, capture_content: bool = False, service: str = "riskscan.guard") -> None:
        self._owned = isinstance(target, str)
        self._stream: IO[str] = open(target, "a", encoding="utf-8") if isinstance(target, str) else target
        self.capture_content = capture_content
        self.service = service
        self._pending: dict | None = None
        self._count = 0
        self._trace_ids: dict[int, str] = {}

    def decision(self, session, decision, arguments, call_id: str, server: str) -> None:
        self._flush()
        self._count += 1
        attributes = {
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": decision.tool,
            "gen_ai.agent.name": decision.agent,
            "gen_ai.tool.call.id": call_id or f"guard-{self._count}",
            "riskscan.guard.decision": decision.verdict,
            "riskscan.guard.reason": decision.reason,
        }
        if decision.rule:
            attributes["riskscan.guard.rule"] = decision.rule
        if server:
            attributes["gen_ai.tool.server"] = server
        if self.capture_content and arguments is not None:
            attributes["gen_ai.tool.call.arguments"] = arguments if isinstance(arguments, str) else json.dumps(arguments, default=str)
        span = {
            "traceId": session.session_id or self._trace_ids.setdefault(id(session), uuid.uuid4().hex),
            "spanId": f"{self._count:016x}",
            "name": f"execute_tool {decision.tool}",
            "startTimeUnixNano": str(time.time_ns()),
            "attributes": attributes,
        }
        if decision.allowed:
            self._pending = span  # waits for its result
        else:
            span["status"] = {"code": 2, "message": decision.reason}
            self._write(span)

    def result(self, session, call_id: str, result: object) -> None:
        span = self._pending
        if span is not None and span["attributes"]["gen_ai.tool.call.id"] == call_id:
            if self.capture_content:
                span["attributes"]["gen_ai.tool.call.result"] = flatten(result) if not isinstance(result, str) else result
            self._flush()

    def close(self) -> None:
        self._flush()
        if self._owned:
            self._stream.close()

    def __enter__(self) -> "DecisionLog":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _flush(self) -> None:
        if self._pending is not None:
            span, self._pending = self._pending, None
            self._write(span)

    def _write(self, span: dict) -> None:
        span["attributes"] = [{"key": k, "value": {"stringValue": str(v)}} for k, v in span["attributes"].items()]
        document = {"resourceSpans": [{
            "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": self.service}}]},
            "scopeSpans": [{"scope": {"name": "riskscan.guard"}, "spans": [span]}],
        }]}
        self._stream.write(json.dumps(document, sort_keys=True) + "\n")
        self._stream.flush()

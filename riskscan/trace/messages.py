"""Message lists: OpenAI Chat Completions (`tool_calls` with `arguments` as a JSON string or an
object, `tool` role results, legacy `function_call`), OpenAI Responses items (`function_call`,
`function_call_output`), and Anthropic content blocks (`tool_use` / `tool_result`, and the MCP
connector's `mcp_tool_use` / `mcp_tool_result`).

Accepted shapes: a JSON list of messages; an object with `messages` (a request body) or `input`
(Responses); JSON Lines of messages; JSON Lines of conversations (each line an object with
`messages`, each its own session). One conversation is one agent's context.
"""

from __future__ import annotations

from riskscan.trace.events import Recorder, Trace, flatten
from riskscan.trace.source import Source

ANTHROPIC_CALLS = ("tool_use", "mcp_tool_use", "server_tool_use")
ANTHROPIC_RESULTS = ("tool_result", "mcp_tool_result")


def looks_like_messages(value: object) -> bool:
    if isinstance(value, dict):
        return ("role" in value and ("content" in value or "tool_calls" in value)) or value.get("type") in (
            "function_call", "function_call_output", "message")
    return False


def conversations(source: Source) -> list[tuple[int, tuple, list, str]]:
    """(record, pointer of the list, the list of messages, session) for each conversation."""
    found = []
    if source.is_lines:
        if all(isinstance(r, dict) and isinstance(r.get("messages"), list) for r in source.records):
            for index, record in enumerate(source.records):
                found.append((index, ("messages",), record["messages"], f"line {source.lines[index]}"))
        else:
            found.append((-1, (), source.records, ""))
        return found
    document = source.records[0] if source.records else None
    if isinstance(document, list):
        found.append((0, (), document, ""))
    elif isinstance(document, dict):
        for key in ("messages", "input"):
            if isinstance(document.get(key), list):
                found.append((0, (key,), document[key], ""))
                break
        else:
            if looks_like_messages(document):  # JSON Lines of one message reads as one JSON document
                found.append((-1, (), source.records, ""))
    return found


def read(source: Source) -> Trace:
    recorder = Recorder()
    anthropic = False
    for record, prefix, messages, session in conversations(source):
        reader = _Conversation(source, recorder, record, prefix, session)
        for index, message in enumerate(messages):
            if not isinstance(message, dict):
                reader.diagnose(index, "trace-bad-message", f"messages[{index}] is not an object; skipped")
                continue
            anthropic |= reader.message(index, message)
    for call_id, location in recorder.unmatched:
        source.diagnose(location, "trace-unmatched-result", f"a tool result for call id {call_id!r} that no call made")
    fmt = "anthropic-messages" if anthropic else "openai-messages"
    return Trace(source.path, fmt, recorder.events(), tuple(source.diagnostics))


class _Conversation:
    def __init__(self, source: Source, recorder: Recorder, record: int, prefix: tuple, session: str) -> None:
        self.source, self.recorder, self.record, self.prefix, self.session = source, recorder, record, prefix, session

    def location(self, index: int):
        if self.record < 0:  # JSON Lines of messages: the message is the record
            return self.source.location(index)
        return self.source.location(self.record, (*self.prefix, index))

    def diagnose(self, index: int, code: str, message: str) -> None:
        self.source.diagnose(self.location(index), code, message)

    def call(self, index: int, name: object, call_id: object, arguments: object, agent: object = "", server: object = "") -> None:
        if not isinstance(name, str) or not name:
            self.diagnose(index, "trace-bad-call", f"a tool call in messages[{index}] has no tool name; skipped")
            return
        self.recorder.call(
            place=f"messages[{index}]", location=self.location(index), tool=name,
            agent=agent if isinstance(agent, str) else "", call_id=call_id if isinstance(call_id, str) else "",
            server=server if isinstance(server, str) else "", arguments=flatten(arguments), session=self.session,
        )

    def result(self, index: int, call_id: object, content: object) -> None:
        if not isinstance(call_id, str):
            self.diagnose(index, "trace-bad-result", f"a tool result in messages[{index}] names no call id; skipped")
            return
        self.recorder.result(call_id, flatten(content), self.location(index), self.session)

    def message(self, index: int, message: dict) -> bool:
        """Read one message; True when it has Anthropic blocks."""
        kind = message.get("type")
        if kind == "function_call":  # Responses item
            self.call(index, message.get("name"), message.get("call_id"), message.get("arguments"))
            return False
        if kind == "function_call_output":
            self.result(index, message.get("call_id"), message.get("output"))
            return False
        role = message.get("role")
        agent = message.get("name", "") if role == "assistant" else ""
        calls = message.get("tool_calls")
        for call in calls if isinstance(calls, list) else ():
            function = call.get("function") if isinstance(call, dict) else None
            if not isinstance(function, dict):
                self.diagnose(index, "trace-bad-call", f"a tool call in messages[{index}] has no function; skipped")
                continue
            self.call(index, function.get("name"), call.get("id"), function.get("arguments"), agent)
        if isinstance(message.get("function_call"), dict):  # legacy function calling
            legacy = message["function_call"]
            self.call(index, legacy.get("name"), f"legacy:{legacy.get('name')}", legacy.get("arguments"), agent)
        if role == "tool":
            self.result(index, message.get("tool_call_id"), message.get("content"))
        elif role == "function":
            self.result(index, f"legacy:{message.get('name')}", message.get("content"))
        return self.blocks(index, message.get("content"), agent)

    def blocks(self, index: int, content: object, agent: str) -> bool:
        anthropic = False
        for block in content if isinstance(content, list) else ():
            kind = block.get("type") if isinstance(block, dict) else None
            if kind in ANTHROPIC_CALLS:
                anthropic = True
                self.call(index, block.get("name"), block.get("id"), block.get("input"), agent, block.get("server_name", ""))
            elif kind in ANTHROPIC_RESULTS:
                anthropic = True
                self.result(index, block.get("tool_use_id"), block.get("content"))
        return anthropic

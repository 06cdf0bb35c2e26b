"""Every JSON file discovery hands over: decode, parse (JSON and JSONC), classify, delegate.

MCP client configs (VS Code, Cursor) allow comments and trailing commas, so the text is first made
strict by blanking those out in place; offsets do not move, so the line and column of every value,
and of every syntax error that the standard library reports, are those of the original file.
No JSONC library reports positions, which is why the blanking and the position map are here.
"""

from __future__ import annotations

import bisect
import json
from dataclasses import replace
from json.decoder import scanstring

from riskscan.rulesets import Rulesets
from riskscan.types import Diagnostic, Facts, Location, SourceFile

# A JSON pointer as a tuple of keys and indexes; () is the document itself.
Pointer = tuple[str | int, ...]

MCP_CONFIG = "mcp-config"
MANIFEST = "manifest"
CLIENT_SETTINGS = "client-settings"
LOCK = "lock"


class Positions:
    """Line and column (1-based) of each value of a parsed document, by pointer. For an object
    member it is the place of the member's key, for an array item the place of the item."""

    def __init__(self, path: str, offsets: dict[Pointer, int], line_starts: list[int]) -> None:
        self.path = path
        self._offsets = offsets
        self._line_starts = line_starts
        self.duplicates: list[tuple[str, int]] = []  # (key, offset) of each repeated member: the last one counts
        self.long_integers: list[Pointer] = []  # integers too long to convert, kept as text (LongInteger)

    def duplicate_diagnostics(self) -> tuple[Diagnostic, ...]:
        return tuple(
            Diagnostic(self._at(offset), "duplicate-key", f"key {_shown(key)} appears again in this object; only this last one counts")
            for key, offset in self.duplicates
        )

    def long_integer_diagnostics(self) -> tuple[Diagnostic, ...]:
        return tuple(Diagnostic(self.location(pointer), "too-long", LONG_INTEGER) for pointer in self.long_integers)

    def location(self, pointer: Pointer) -> Location:
        while pointer not in self._offsets and pointer:
            pointer = pointer[:-1]
        offset = self._offsets.get(pointer)
        if offset is None:
            return Location(self.path)
        return self._at(offset)

    def _at(self, offset: int) -> Location:
        line = bisect.bisect_right(self._line_starts, offset)
        return Location(self.path, line, offset - self._line_starts[line - 1] + 1)


class JsonSyntaxError(Exception):
    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


def extract(data: bytes, source: SourceFile, rulesets: Rulesets) -> Facts:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line, column = decode_error_place(data, error)
        return _failed(source, line, column, "decode-error", f"not UTF-8 text (byte 0x{data[error.start]:02x}); not read")
    try:
        document, positions = parse(text, source.path)
    except JsonSyntaxError as error:
        return _failed(source, error.line, error.column, "parse-error", str(error))
    facts = _classified(document, positions, source, rulesets)
    if positions.duplicates and facts.kind != source.kind:  # a file riskscan reads, not any JSON
        facts = replace(facts, diagnostics=tuple(sorted({*facts.diagnostics, *positions.duplicate_diagnostics()})))
    if positions.long_integers and facts.kind != source.kind:
        facts = replace(facts, diagnostics=tuple(sorted({*facts.diagnostics, *positions.long_integer_diagnostics()})))
    return facts


def _classified(document: object, positions: Positions, source: SourceFile, rulesets: Rulesets) -> Facts:
    kind = classify(source.path, document)
    if kind == CLIENT_SETTINGS:
        from riskscan.extract import client_settings

        return client_settings.extract(document, positions, source, rulesets)
    if kind == LOCK:
        from riskscan import lock

        return lock.extract(document, positions, source)
    if kind == MCP_CONFIG:
        from riskscan.extract import mcp_config

        return mcp_config.extract(document, positions, source, rulesets)
    if kind == MANIFEST:
        from riskscan.extract import manifest

        return manifest.extract(document, positions, source)
    return Facts(path=source.path, kind=source.kind)


def decode_error_place(data: bytes, error: UnicodeDecodeError) -> tuple[int, int]:
    """Line and column (1-based, in bytes) of the first byte that is not UTF-8."""
    line = data.count(b"\n", 0, error.start) + 1
    return line, error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1


def parse(text: str, path: str = "") -> tuple[object, Positions]:
    """Parse JSON or JSONC text into plain Python values and their positions."""
    strict = _blank_jsonc(text)
    try:
        document = json.loads(strict, parse_constant=_reject_constant, parse_int=integer)
    except json.JSONDecodeError as error:
        raise JsonSyntaxError(f"invalid JSON: {error.msg}", error.lineno, error.colno) from None
    except ValueError as error:  # NaN / Infinity, not JSON
        raise JsonSyntaxError(f"invalid JSON: {error}", 1, 1) from None
    except RecursionError:
        raise JsonSyntaxError("invalid JSON: nested too deeply", 1, 1) from None
    offsets: dict[Pointer, int] = {}
    duplicates: list[tuple[str, int]] = []
    try:
        _walk(strict, _skip_space(strict, 0), (), offsets, record=True, duplicates=duplicates)
    except RecursionError:
        raise JsonSyntaxError("invalid JSON: nested too deeply", 1, 1) from None
    line_starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    positions = Positions(path, offsets, line_starts)
    positions.duplicates = duplicates
    positions.long_integers = long_integers(document)
    return document, positions


LONG_INTEGER = "an integer of more digits than Python converts; read as text"


class LongInteger(str):
    """An integer of more digits than Python converts (`sys.get_int_max_str_digits()`), kept as its
    text: `int()` of it raises, which lost the whole file."""


def integer(text: str) -> int | LongInteger:
    try:
        return int(text)
    except ValueError:
        return LongInteger(text)


def long_integers(document: object) -> list[Pointer]:
    found: list[Pointer] = []
    stack: list[tuple[object, Pointer]] = [(document, ())]
    while stack:
        value, pointer = stack.pop()
        if isinstance(value, LongInteger):
            found.append(pointer)
        elif isinstance(value, dict):
            stack.extend((item, (*pointer, key)) for key, item in value.items())
        elif isinstance(value, list):
            stack.extend((item, (*pointer, index)) for index, item in enumerate(value))
    return sorted(found, key=str)


def classify(path: str, document: object) -> str | None:
    """`mcp-config`, `manifest`, `client-settings`, `lock`, or None for JSON that is none of them."""
    from riskscan.extract.client_settings import is_settings_path

    if is_settings_path(path):
        return CLIENT_SETTINGS
    if isinstance(document, dict):
        if document.get("riskscan_lock") is not None:
            return LOCK
        if isinstance(document.get("mcpServers"), dict) or isinstance(document.get("context_servers"), dict):
            return MCP_CONFIG
        projects = document.get("projects")
        if isinstance(projects, dict) and any(isinstance(p, dict) and isinstance(p.get("mcpServers"), dict) for p in projects.values()):
            return MCP_CONFIG
        if isinstance(document.get("servers"), dict) and _looks_like_servers(document["servers"]):
            return MCP_CONFIG
        nested = document.get("mcp")
        if isinstance(nested, dict) and isinstance(nested.get("servers"), dict):
            return MCP_CONFIG
        tools = document.get("tools")
        result = document.get("result")
        if isinstance(result, dict) and isinstance(result.get("tools"), list):
            tools = result["tools"]
        if isinstance(tools, list) and (not tools or any(_looks_like_tool(t) for t in tools)):
            return MANIFEST
        return None
    if isinstance(document, list) and any(_looks_like_tool(item) for item in document):
        return MANIFEST
    return None


def _looks_like_servers(servers: dict) -> bool:
    return not servers or any(
        isinstance(entry, dict) and ({"command", "url", "serverUrl", "httpUrl", "type"} & entry.keys())
        for entry in servers.values()
    )


def _looks_like_tool(item: object) -> bool:
    if not isinstance(item, dict):
        return False
    if item.get("type") == "function" and ("function" in item or "name" in item):
        return True
    return "name" in item and ({"inputSchema", "input_schema", "parameters"} & item.keys() != set())


def _shown(key: str) -> str:
    return f"`{key}`" if len(key) <= 40 else f"`{key[:40]}…`"


def _failed(source: SourceFile, line: int, column: int, code: str, message: str) -> Facts:
    diagnostic = Diagnostic(Location(source.path, line, column), code, message, "error")
    return Facts(path=source.path, kind=source.kind, diagnostics=(diagnostic,))


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON value")


def _blank_jsonc(text: str) -> str:
    """Replace comments and trailing commas by spaces (newlines kept), outside strings."""
    out = list(text)
    i, n = 0, len(text)
    pending_comma = -1
    while i < n:
        ch = text[i]
        if ch == '"':
            i = _string_end(text, i)
            pending_comma = -1
            continue
        if ch == "/" and i + 1 < n and text[i + 1] == "/":
            end = text.find("\n", i)
            end = n if end < 0 else end
            out[i:end] = " " * (end - i)
            i = end
            continue
        if ch == "/" and i + 1 < n and text[i + 1] == "*":
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out[i:end] = ["\n" if c == "\n" else " " for c in text[i:end]]
            i = end
            continue
        if ch in "}]" and pending_comma >= 0:
            out[pending_comma] = " "
        if ch == ",":
            pending_comma = i
        elif not ch.isspace():
            pending_comma = -1
        i += 1
    return "".join(out)


def _string_end(text: str, start: int) -> int:
    i, n = start + 1, len(text)
    while i < n:
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == '"' or text[i] == "\n":
            return i + 1
        i += 1
    return n


def _skip_space(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t\r\n":
        i += 1
    return i


def _walk(text: str, i: int, pointer: Pointer, offsets: dict[Pointer, int], record: bool, duplicates: list) -> int:
    """Record the offset of the value at `i` (already valid JSON) and of everything inside it, and
    each object member whose key the object had already; return the offset just past it."""
    if record:
        offsets[pointer] = i
    ch = text[i]
    if ch == "{":
        i = _skip_space(text, i + 1)
        if text[i] == "}":
            return i + 1
        keys = set()
        while True:
            key, after = scanstring(text, i + 1)
            if key in keys:
                duplicates.append((key, i))
            keys.add(key)
            offsets[pointer + (key,)] = i
            i = _skip_space(text, _skip_space(text, after) + 1)  # past the colon
            i = _skip_space(text, _walk(text, i, pointer + (key,), offsets, False, duplicates))
            if text[i] == "}":
                return i + 1
            i = _skip_space(text, i + 1)
    if ch == "[":
        i = _skip_space(text, i + 1)
        if text[i] == "]":
            return i + 1
        index = 0
        while True:
            i = _skip_space(text, _walk(text, i, pointer + (index,), offsets, True, duplicates))
            index += 1
            if text[i] == "]":
                return i + 1
            i = _skip_space(text, i + 1)
    if ch == '"':
        return scanstring(text, i + 1)[1]
    while i < len(text) and text[i] not in ",]} \t\r\n":
        i += 1
    return i

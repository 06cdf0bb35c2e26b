"""JSON and JSONC text parsed into plain values and the line and column of each: the reader every
JSON input of riskscan shares (client configs and manifests: riskscan/extract/json_files.py;
traces; probe results).

MCP client configs (VS Code, Cursor) allow comments and trailing commas, so the text is first made
strict by blanking those out in place; offsets do not move, so the line and column of every value,
and of every syntax error that the standard library reports, are those of the original file.
No JSONC library reports positions, which is why the blanking and the position map are here.
"""

from __future__ import annotations

import bisect
import json
from json.decoder import scanstring

from riskscan.types import Diagnostic, Location

# A JSON pointer as a tuple of keys and indexes; () is the document itself.
Pointer = tuple[str | int, ...]


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


def _shown(key: str) -> str:
    return f"`{key}`" if len(key) <= 40 else f"`{key[:40]}…`"


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

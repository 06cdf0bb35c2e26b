"""A trace file read into plain values, with the place of each value: one JSON document (with
positions from the JSON reader of the extract stage), or JSON Lines (one record per line).

Bad input is a diagnostic naming the file and line, never an exception: an undecodable file, a
JSON syntax error, a JSON Lines record that does not parse (that line is skipped, the rest read),
text of which no line is JSON (an error: not a trace).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from riskscan.formats.json_input import LONG_INTEGER, JsonSyntaxError, integer, long_integers, parse
from riskscan.types import Diagnostic, Location

Pointer = tuple


@dataclass
class Source:
    """`records`: the document's values. For JSON Lines, one record per non-blank line and
    `lines[i]` the line of record i; for a JSON document, `records` is `[document]`."""

    path: str
    records: list
    lines: list[int] | None = None  # JSON Lines only
    positions: object = None  # JSON only: riskscan.formats.json_input.Positions
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def is_lines(self) -> bool:
        return self.lines is not None

    def location(self, record: int, pointer: Pointer = ()) -> Location:
        """The place of the value at `pointer` inside record `record`."""
        if self.lines is not None:
            return Location(self.path, self.lines[record]) if record < len(self.lines) else Location(self.path)
        if self.positions is None:
            return Location(self.path)
        return self.positions.location(tuple(pointer))

    def diagnose(self, location: Location, code: str, message: str, severity: str = "warning") -> None:
        self.diagnostics.append(Diagnostic(location, code, message, severity))


def load(path: str, data: bytes, display: str | None = None) -> Source:
    """Decode and parse `data` (the bytes of the file at `path`): JSON first, JSON Lines when the
    text is not one JSON document but several lines are."""
    name = display or path
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        source = Source(name, [])
        source.diagnose(Location(name, line), "trace-decode-error", "not UTF-8 text", "error")
        return source
    if not text.strip():
        source = Source(name, [])
        source.diagnose(Location(name), "trace-empty", "the file is empty", "error")
        return source
    if _is_json_lines(text):
        return _load_lines(name, text)
    try:
        document, positions = parse(text, name)
        return Source(name, [document], positions=positions, diagnostics=list(positions.long_integer_diagnostics()))
    except JsonSyntaxError as error:
        if len([line for line in text.splitlines() if line.strip()]) < 2:
            source = Source(name, [])
            source.diagnose(Location(name, error.line, error.column), "trace-parse-error", str(error), "error")
            return source
    return _load_lines(name, text)


def _is_json_lines(text: str) -> bool:
    """A first line that is a whole JSON object, with more after it: JSON Lines (and no need to
    parse the whole text as one document first)."""
    stripped = text.lstrip()
    first, _, rest = stripped.partition("\n")
    if not first.startswith("{") or not rest.strip():
        return False
    try:
        json.loads(first, parse_int=integer)
    except (ValueError, RecursionError):
        return False
    return True


def _load_lines(name: str, text: str) -> Source:
    source = Source(name, [], lines=[])
    first_error = None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line, parse_int=integer)
        except (ValueError, RecursionError) as error:
            message = "nested too deeply" if isinstance(error, RecursionError) else getattr(error, "msg", None) or str(error)
            first_error = first_error or (number, message)
            source.diagnose(Location(name, number), "trace-parse-error", f"invalid JSON on this line: {message}; line skipped")
            continue
        if long_integers(record):
            source.diagnose(Location(name, number), "too-long", LONG_INTEGER)
        source.records.append(record)
        source.lines.append(number)
    if not source.records and first_error:  # no line is JSON: plain text, not JSON Lines
        number, message = first_error
        source.diagnostics = [Diagnostic(Location(name, number), "trace-parse-error",
                                         f"neither JSON nor JSON Lines (line {number}: {message})", "error")]
    return source

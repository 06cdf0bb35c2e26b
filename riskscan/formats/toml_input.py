"""Where a TOML syntax error is: tomllib writes the place into its message, `(at line L, column C)`
or `(at end of document)`; this reads it back (a regex over tomllib's message, not over the file)."""

from __future__ import annotations

import re
import tomllib

_PLACE = re.compile(r"\s*\(at line (\d+), column (\d+)\)|\s*\(at end of document\)")


def error_place(error: tomllib.TOMLDecodeError, text: str) -> tuple[int, int, str]:
    """Line, column (1-based) and the message without its place."""
    message = str(error)
    match = _PLACE.search(message)
    if match and match.group(1):
        line, column = int(match.group(1)), int(match.group(2))
    else:  # the end of the document (or no place given): the last line
        line = text.count("\n") + 1
        column = len(text) - (text.rfind("\n") + 1) + 1
    return line, column, _PLACE.sub("", message).strip()


# An integer of more digits than Python converts (`sys.get_int_max_str_digits()`, 4,300 by default)
# makes tomllib raise a plain ValueError with no place, losing the whole file. `loads` finds its line
# (the shortest run of first lines that raises it: tomllib reads in order) and reads the file
# without that line.
_LONG_INTEGER = "integer string conversion"
_MAX_LEFT_OUT = 20


def loads(text: str) -> tuple[dict, tuple[tuple[int, str], ...]]:
    """tomllib.loads, and (line, message) for each line left out because it holds an integer too
    long to convert. Raises TOMLDecodeError as tomllib does, and with the line when such a line
    cannot be left out."""
    lines = text.splitlines(keepends=True)
    left_out: list[tuple[int, str]] = []
    while True:
        try:
            return tomllib.loads("".join(lines)), tuple(left_out)
        except tomllib.TOMLDecodeError:
            if left_out:
                line = left_out[-1][0]
                raise tomllib.TOMLDecodeError(f"{left_out[-1][1]} (at line {line}, column 1)") from None
            raise
        except ValueError as error:
            if _LONG_INTEGER not in str(error):
                raise tomllib.TOMLDecodeError(f"{error} (at end of document)") from None
            line = _first_line_raising(lines)
            message = "an integer of more digits than Python converts; this line is not read"
            if len(left_out) >= _MAX_LEFT_OUT:
                raise tomllib.TOMLDecodeError(f"{message} (at line {line}, column 1)") from None
            left_out.append((line, message))
            content = lines[line - 1].rstrip("\r\n")
            lines[line - 1] = lines[line - 1][len(content):] or "\n"


def _first_line_raising(lines: list[str]) -> int:
    low, high = 1, len(lines)
    while low < high:
        middle = (low + high) // 2
        try:
            tomllib.loads("".join(lines[:middle]))
            raises = False
        except tomllib.TOMLDecodeError:
            raises = False
        except ValueError as error:
            raises = _LONG_INTEGER in str(error)
        if raises:
            high = middle
        else:
            low = middle + 1
    return low


def left_out_diagnostics(facts, left_out: tuple[tuple[int, str], ...]):
    """`facts` with a warning at each line `loads` left out."""
    if not left_out:
        return facts
    from dataclasses import replace

    from riskscan.types import Diagnostic, Location

    added = tuple(Diagnostic(Location(facts.path, line, 1), "too-long", message, "warning") for line, message in left_out)
    return replace(facts, diagnostics=tuple(sorted(facts.diagnostics + added)))


def value_error(error: ValueError, text: str) -> str:
    """What a plain ValueError from tomllib (not a TOMLDecodeError) means, with its line when it is
    an integer too long to convert: for riskscan's own files, which are refused rather than read in part."""
    if _LONG_INTEGER not in str(error):
        return str(error)
    return f"an integer of more digits than Python converts (at line {_first_line_raising(text.splitlines(keepends=True))})"

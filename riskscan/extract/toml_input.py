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

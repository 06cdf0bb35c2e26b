"""Regular expressions matched in time linear in the text, for text the scanned project wrote.

Python's `re` backtracks: a pattern like `[A-Za-z][A-Za-z0-9+.-]*://` searched in 40 KB of letters
tries every start position and scans to the end from each, quadratic time (a 40 KB tool
description took 76 s in secret redaction, 1.9 MB would take days). Google's RE2 (`google-re2`)
matches with automata, in time linear in the text for any pattern it accepts: no back-references
or look-arounds, which the bundled patterns do without. A pattern RE2 refuses (a user's ruleset
may use a look-ahead) falls back to Python's `re`; rulesets come only from the person running
riskscan, never from the scanned repository.

RE2 sees a copy of the text of the same length: lone surrogates (which it cannot encode) become
U+FFFD and the white space Python's `\\s` matches but RE2's does not (`\\v`, U+0085, U+00A0, ...)
becomes a space, so that `\\s` means what the pattern's author (writing for Python) meant. Spans
are character offsets into the original text.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable, Iterator

# what Python's `\s` matches in a str and RE2's `\s` ([\t\n\f\r ]) does not
_PYTHON_ONLY_SPACE = "\x0b\x1c\x1d\x1e\x1f\x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"
_FOR_RE2 = {**{ord(c): " " for c in _PYTHON_ONLY_SPACE}, **{code: "\ufffd" for code in range(0xD800, 0xE000)}}


class Pattern:
    """One compiled pattern: RE2 when it accepts it (`linear`), else Python's `re`."""

    def __init__(self, pattern: str):
        self.pattern = pattern
        self._re2 = _re2_compiled(pattern)
        self._re = re.compile(pattern) if self._re2 is None else None

    @property
    def linear(self) -> bool:
        return self._re2 is not None

    def search(self, text: str) -> bool:
        if self._re2 is not None:
            return self._re2.search(prepared(text)) is not None
        return self._re.search(text) is not None

    def finditer(self, text: str) -> Iterator:
        """The matches, left to right, non-overlapping; use their spans on `text` (a match's own
        group texts come from the prepared copy)."""
        if self._re2 is not None:
            return self._re2.finditer(prepared(text))
        return self._re.finditer(text)

    def sub(self, replace: Callable[[str], str], text: str) -> str:
        """`text` with every match replaced by `replace(matched text)`."""
        parts, last = [], 0
        for match in self.finditer(text):
            start, end = match.span()
            parts += [text[last:start], replace(text[start:end])]
            last = end
        if not parts:
            return text
        parts.append(text[last:])
        return "".join(parts)


def prepared(text: str) -> str:
    """The copy RE2 matches: same length, same offsets (see the module docstring)."""
    return text.translate(_FOR_RE2)


@lru_cache(maxsize=256)
def compiled(pattern: str) -> Pattern:
    return Pattern(pattern)


def _re2_compiled(pattern: str):
    import re2  # google-re2, imported on first use

    options = re2.Options()
    options.log_errors = False  # a refused pattern falls back quietly, not with a line on stderr
    try:
        return re2.compile(pattern, options=options)
    except re2.error:
        return None

"""Verbatim and near-verbatim flow: does a sink call's argument text repeat a span of an earlier
result? Compared on normalised text (whitespace collapsed: verbatim; also case and punctuation
folded: near-verbatim), by fixed-length windows, so the cost is linear in the texts' lengths."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from riskscan.secrets import redact

WINDOW = 20  # characters of normalised text that must match
MAX_ARGUMENT = 8_192
MAX_RESULT = 65_536
_SPACE = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[^0-9a-z]+")


@dataclass(frozen=True)
class Flow:
    kind: str  # verbatim | near-verbatim
    length: int  # characters of normalised text shared
    quote: str  # a redacted prefix of the shared text: never the text itself

    def describe(self) -> str:
        return f"{self.kind}: {self.length} characters in common, starting '{self.quote}'"


def _verbatim(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _near(text: str) -> str:
    return _NOT_WORD.sub(" ", text.lower()).strip()


@lru_cache(maxsize=256)
def _normalised(kind: str, text: str) -> str:
    return _verbatim(text) if kind == "verbatim" else _near(text)


@lru_cache(maxsize=256)
def _windows(text: str) -> frozenset[str]:
    return frozenset(text[i:i + WINDOW] for i in range(max(len(text) - WINDOW + 1, 0)))


def find_flow(arguments: str, result: str) -> Flow | None:
    """The longest shared span (verbatim preferred) of at least WINDOW characters, or None."""
    for kind, normalise in (("verbatim", _verbatim), ("near-verbatim", _near)):
        needle = normalise(arguments[:MAX_ARGUMENT])
        haystack = _normalised(kind, result[:MAX_RESULT])
        if len(needle) < WINDOW or len(haystack) < WINDOW:
            continue
        windows = _windows(haystack)
        best = ""
        i = 0
        while i + WINDOW <= len(needle):
            if needle[i:i + WINDOW] in windows:
                end = i + WINDOW
                while end < len(needle) and needle[i:end + 1] in haystack:
                    end += 1
                if end - i > len(best):
                    best = needle[i:end]
                i = end
            else:
                i += 1
        if best:
            return Flow(kind, len(best), redact(best.strip()))
    return None

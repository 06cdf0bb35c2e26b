"""Secrets in configuration values: find them, tell references from literals, and redact them.

The shapes of secrets live in the `secrets` rulesets; this module only applies them to one value
at a time. Nothing here ever returns or prints more of a secret than `redact` allows.

Shared ground below every stage, with the redaction built on it: reports.py scrubs every text of a
Report before any format renders it, facts.py redacts a file's facts before the cache keeps them,
and linear_regex.py matches the secret shapes in time linear in the text.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache

from riskscan.rulesets import Rulesets
from riskscan.secrets import linear_regex

SECRET_NAMED_KEY = "secret-named-key"

# ${env:X}, ${input:x}, ${X}, ${X:-default}, $X, {{X}}, %X% (Windows).
# Every pattern over the scanned project's text is matched by RE2 (riskscan.secrets.linear_regex), in time
# linear in the text: this module sees whole tool descriptions, and Python's backtracking took
# quadratic time on some (40 KB of letters: 76 s).
_REFERENCE = linear_regex.compiled(
    r"\$\{(?P<braced>[^}]*)\}|\$[A-Za-z_][A-Za-z0-9_]*|\{\{[^}]*\}\}|%[A-Za-z_][A-Za-z0-9_]*%"
)
_AUTH_SCHEME = re.compile(r"^\s*(?:bearer|basic|token)\s+", re.IGNORECASE)
_REDACT_MIN_LENGTH = 12
_REDACT_PREFIX = 4
# Key names that contain a secret word but name where a secret is, not the secret itself.
_NON_SECRET_KEY_SUFFIXES = (
    "_path", "_file", "_url", "_uri", "_dir", "_type", "_mode", "_method", "_header", "_env",
    "_id", "_user", "_username", "_name", "_scope", "_scopes",
)


def is_reference(value: str) -> bool:
    """True when the value only refers to a secret kept elsewhere (an environment variable, an
    input prompt, a template variable), optionally after an auth scheme word: `Bearer ${TOKEN}`."""
    if "$" not in value and "{{" not in value and "%" not in value:  # every reference has one
        return False
    rest = _AUTH_SCHEME.sub("", value)
    if not _REFERENCE.search(rest):
        return False
    return _REFERENCE.sub(lambda _: "", rest).strip() == ""


def find_secret(key: str | None, value: str, rulesets: Rulesets) -> str | None:
    """The id of the secret pattern the value matches, `secret-named-key` for a literal under a
    secret-named key, or None. References are not secrets, but a literal default inside one is."""
    if not isinstance(value, str) or not value.strip():
        return None
    literal = _without_references(value)
    for pattern_id, pattern in _compiled(rulesets.secrets):
        if pattern.search(literal):
            return pattern_id
    if key is not None and not is_reference(value) and _is_secret_key(key, rulesets.secret_keys):
        if _looks_like_literal_secret(_AUTH_SCHEME.sub("", value).strip()):
            return SECRET_NAMED_KEY
    return None


def scrub(text: str, rulesets: Rulesets) -> str:
    """`text` (free text about the scanned system: a description, a command, a condition) with every
    secret in it redacted: the shapes of the rulesets, whole PEM blocks, and literals after a
    secret-named key or an auth scheme (`API_TOKEN=...`, `Authorization: Bearer ...`)."""
    if not text:
        return text
    text = _PEM_BLOCK.sub(redact, text)
    for pattern in _joined(rulesets.secrets):
        text = pattern.sub(redact, text)

    spans = []  # the values to redact; a value may itself be the key of the next pair
    def secret(key: str) -> bool:
        return key.lower() in ("bearer", "basic", "token") or _is_secret_key(key.rsplit(".", 1)[-1], rulesets.secret_keys)

    for start, end in _secret_key_values(text, secret):
        # values overlap (`token=token=...`): judging each whole one would take quadratic time,
        # so a literal longer than this under a secret key is redacted unjudged
        if end - start > _LONG_VALUE or _literal_secret(text[start:end]):
            spans.append((start, end))
    parts, last = [], 0
    for start, end in _disjoint(spans):
        parts += [text[last:start], redact(text[start:end])]
        last = end
    return "".join(parts + [text[last:]]) if parts else text


def _literal_secret(value: str) -> bool:
    return _looks_like_literal_secret(value) and not is_reference(value)


def _disjoint(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    kept: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if kept and start < kept[-1][1]:
            kept[-1] = (kept[-1][0], max(end, kept[-1][1]))
        else:
            kept.append((start, end))
    return kept


# key = value, key: value, key == "value", --key value, Bearer value (in text, not in source code):
# a key is a run of key characters from its first letter or underscore; a value can be the key of
# the next pair. Each pattern here is one character class (or a separator) matched at a known
# place, never searched from every position: linear time with Python's `re`.
_KEY_RUN = re.compile(r"[A-Za-z0-9_.-]+")
_KEY_START = re.compile(r"[A-Za-z_]")
_SEPARATOR = re.compile(r"\s*(?:==|!=|:=|[:=])\s*|\s+")
_VALUE_RUN = re.compile(r"[^\s'\"`,;)&]+")  # what a value is made of
_PEM_BLOCK = linear_regex.compiled(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----(?s:.*?)(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----|\z)")
_LONG_VALUE = 256  # a literal longer than this under a secret key is redacted unjudged


def _secret_key_values(text: str, secret) -> list[tuple[int, int]]:
    """The spans of the values of the pairs whose key is `secret`: a value is what follows the
    separator (after an optional quote), up to white space, a quote or punctuation. A separator
    with no value after it makes no pair (a shorter separator would only give a value too short to
    be a secret). A value's end is looked up among the runs of value characters, found once."""
    spans, runs = [], None
    for run in _KEY_RUN.finditer(text):
        start, end = run.span()
        if not text[start].isalpha() and text[start] != "_":
            first = _KEY_START.search(text, start, end)
            if first is None:
                continue
            start = first.start()
        if not secret(text[start:end]):
            continue
        separator = _SEPARATOR.match(text, run.end())
        if separator is None:
            continue
        start = separator.end()
        if start < len(text) and text[start] in "'\"":
            start += 1
        if runs is None:
            runs = [value.span() for value in _VALUE_RUN.finditer(text)]
        index = bisect_right(runs, (start, len(text) + 1)) - 1
        if index >= 0 and runs[index][0] <= start < runs[index][1]:
            spans.append((start, runs[index][1]))
    return spans


@lru_cache(maxsize=8)
def _joined(patterns: tuple) -> tuple[linear_regex.Pattern, ...]:
    """The ruleset's patterns as few passes as can be: one RE2 alternation of all it accepts, then
    each pattern it refuses on its own."""
    linear = [p.pattern for p in patterns if linear_regex.compiled(p.pattern).linear]
    joined = [linear_regex.compiled("|".join(f"(?:{p})" for p in linear))] if linear else []
    return tuple(joined + [linear_regex.compiled(p.pattern) for p in patterns if not linear_regex.compiled(p.pattern).linear])


def redact(value: str) -> str:
    """At most a short fixed prefix of the value, then an ellipsis; nothing of a short value."""
    if len(value) < _REDACT_MIN_LENGTH:
        return "…"
    return value[:_REDACT_PREFIX] + "…"


def _without_references(value: str) -> str:
    def keep_default(reference: str) -> str:
        braced = reference[2:-1] if reference.startswith("${") else ""
        if ":-" in braced:
            return braced.split(":-", 1)[1]
        return ""

    return _REFERENCE.sub(keep_default, value)


@lru_cache(maxsize=8)
def _compiled(patterns: tuple) -> tuple[tuple[str, linear_regex.Pattern], ...]:
    return tuple((p.id, linear_regex.compiled(p.pattern)) for p in patterns)


def _normalise_key(key: str) -> str:
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", key)  # apiKey -> api_Key
    return re.sub(r"[^a-z0-9]+", "_", spaced.lower()).strip("_")


@lru_cache(maxsize=4096)  # keys repeat: a long text can hold the same key many times
def _is_secret_key(key: str, words: tuple[str, ...]) -> bool:
    name = _normalise_key(key)
    if name.endswith(_NON_SECRET_KEY_SUFFIXES):
        return False
    squashed = name.replace("_", "")
    return any(word in name or word.replace("_", "") in squashed for word in words)


def _looks_like_literal_secret(value: str) -> bool:
    """A literal that could be a credential: not a placeholder, a path, a URL, a flag or a word."""
    if len(value) < 8 or value.split() != [value]:  # (no white space in it)
        return False
    lowered = value.lower()
    if value.startswith(("<", "/", "~", "./", "../", "-")) or "://" in value:
        return False
    if len(value) > 2 and value[1] == ":" and value[2] in "\\/":  # C:\ or C:/
        return False
    if "your" in lowered or "xxxx" in lowered or "changeme" in lowered or set(value) <= set("*x."):
        return False
    if lowered in {"true", "false", "enabled", "disabled", "required", "optional", "password"}:
        return False
    return not value.isalpha() or not value.islower()

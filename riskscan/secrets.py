"""Secrets in configuration values: find them, tell references from literals, and redact them.

The shapes of secrets live in the `secrets` rulesets; this module only applies them to one value
at a time. Nothing here ever returns or prints more of a secret than `redact` allows.
"""

from __future__ import annotations

import re
from functools import lru_cache

from riskscan.rulesets import Rulesets

SECRET_NAMED_KEY = "secret-named-key"

# ${env:X}, ${input:x}, ${X}, ${X:-default}, $X, {{X}}, %X% (Windows).
_REFERENCE = re.compile(
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
    rest = _AUTH_SCHEME.sub("", value)
    if not _REFERENCE.search(rest):
        return False
    return _REFERENCE.sub("", rest).strip() == ""


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
    text = _PEM_BLOCK.sub(lambda m: redact(m.group(0)), text)
    text = _joined(rulesets.secrets).sub(lambda m: redact(m.group(0)), text)

    spans = []  # the values to redact; a value may itself be the key of the next pair
    for match in _KEY_VALUE.finditer(text):
        key, value = match.group("key"), match.group("value")
        secret = key.lower() in ("bearer", "basic", "token") or _is_secret_key(key.rsplit(".", 1)[-1], rulesets.secret_keys)
        if secret and _looks_like_literal_secret(value) and not is_reference(value):
            spans.append(match.span("value"))
    for start, end in reversed(_disjoint(spans)):
        text = text[:start] + redact(text[start:end]) + text[end:]
    return text


def _disjoint(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    kept: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if kept and start < kept[-1][1]:
            kept[-1] = (kept[-1][0], max(end, kept[-1][1]))
        else:
            kept.append((start, end))
    return kept


# key = value, key: value, key == "value", --key value, Bearer value (in text, not in source code);
# only the key is consumed, so that a value can be the key of the next pair
_KEY_VALUE = re.compile(r"(?P<key>[A-Za-z_][A-Za-z0-9_.-]*)(?:\s*(?:==|!=|:=|[:=])\s*|\s+)(?=['\"]?(?P<value>[^\s'\"`,;)&]+))")
_PEM_BLOCK = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----.*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----|\Z)", re.DOTALL)


@lru_cache(maxsize=8)
def _joined(patterns: tuple) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p.pattern})" for p in patterns) or "(?!)")


def redact(value: str) -> str:
    """At most a short fixed prefix of the value, then an ellipsis; nothing of a short value."""
    if len(value) < _REDACT_MIN_LENGTH:
        return "…"
    return value[:_REDACT_PREFIX] + "…"


def _without_references(value: str) -> str:
    def keep_default(match: re.Match[str]) -> str:
        braced = match.group("braced")
        if braced and ":-" in braced:
            return braced.split(":-", 1)[1]
        return ""

    return _REFERENCE.sub(keep_default, value)


@lru_cache(maxsize=8)
def _compiled(patterns: tuple) -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((p.id, re.compile(p.pattern)) for p in patterns)


def _normalise_key(key: str) -> str:
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", key)  # apiKey -> api_Key
    return re.sub(r"[^a-z0-9]+", "_", spaced.lower()).strip("_")


def _is_secret_key(key: str, words: tuple[str, ...]) -> bool:
    name = _normalise_key(key)
    if name.endswith(_NON_SECRET_KEY_SUFFIXES):
        return False
    squashed = name.replace("_", "")
    return any(word in name or word.replace("_", "") in squashed for word in words)


def _looks_like_literal_secret(value: str) -> bool:
    """A literal that could be a credential: not a placeholder, a path, a URL, a flag or a word."""
    if len(value) < 8 or any(ch.isspace() for ch in value):
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

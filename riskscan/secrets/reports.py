"""The last line of defence against printing a secret: every text of a Report, redacted before
any format renders it.

Extractors redact the secrets they find in config values (`riskscan.secrets`), but scanned
projects put secrets in more places than configs: a literal compared to an environment variable
(and so in a path's configuration), a docstring or a manifest's description, a hook's command, an
argument check's prefix (and so in the solver's witness), a tool name. So every string of the
findings, agents, tools, fixes and diagnostics goes through `secrets.scrub` here, once, for every
format alike; rules (riskscan's own text) and fingerprints are left as they are.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass, replace
from typing import TypeVar

from riskscan import rulesets
from riskscan.secrets import find_secret, redact, scrub
from riskscan.types import Atom

_KEPT = frozenset({"fingerprint", "rules", "version", "root", "stats"})


T = TypeVar("T")


def scrubbed(report: T, loaded: rulesets.Rulesets | None = None, kept: frozenset[str] = _KEPT) -> T:
    """`report` (or any part of one: a finding, a tuple of fixes, a file's facts) with every secret
    in its texts redacted, by the secret shapes of `loaded` (default: the bundled rulesets); the
    fields named in `kept` are left as they are."""
    loaded = loaded or rulesets.load()
    memo: dict[str, str] = {}

    def text(value: str) -> str:
        if value not in memo:
            memo[value] = scrub(value, loaded)
        return memo[value]

    def walk(value):
        if isinstance(value, str):
            return text(value)
        if isinstance(value, Atom):
            name = value.variable.split(".", 1)[-1]
            secret = value.value is not None and find_secret(name, value.value, loaded)
            return Atom(text(value.variable), redact(value.value) if secret else walk(value.value), value.negated)
        if isinstance(value, tuple):
            return tuple(walk(item) for item in value)
        if isinstance(value, list):
            return [walk(item) for item in value]
        if isinstance(value, dict):
            return {walk(key): walk(item) for key, item in value.items()}
        if is_dataclass(value) and not isinstance(value, type):
            return replace(value, **{f.name: walk(getattr(value, f.name)) for f in fields(value) if f.init and f.name not in kept})
        return value

    return walk(report)

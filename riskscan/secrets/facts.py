"""What riskscan keeps of a file: its facts with every secret redacted, as the report shows them.

The facts of a file are redacted in the worker right after extraction (riskscan/scan/reading.py) and by
`riskscan lock`, so that memory, the cache (riskscan/cache/) and a run from the cache hold the
same: what the report needs (a secret's kind, place and redacted form), never a secret's value.
"""

from __future__ import annotations

import json
from dataclasses import replace

from riskscan.rulesets import Rulesets
from riskscan.types import Facts

# what ties facts to the files discovered; a file's path is a name, never a secret. The input
# schema is JSON text: its secrets are found by the properties that hold them (`_schema_redacted`).
_KEPT_FIELDS = frozenset({"path", "kind", "module", "manifest", "digest", "input_schema"})
_NAMES_BELOW = frozenset({"properties", "patternProperties", "$defs", "definitions"})
_LITERALS = frozenset({"default", "const", "enum", "example", "examples"})  # a property's values


def redacted(facts: Facts, rulesets: Rulesets) -> Facts:
    """`facts` with every secret in their texts redacted as the report would show it (a config
    value, a tool's description or schema, a name, a literal in a condition or a check): what is
    kept in memory and in the cache is what the report needs, never a secret's value, in cold
    and cached runs alike. The same text always redacts the same way, so names still match."""
    from riskscan.secrets.reports import scrubbed

    facts = scrubbed(facts, rulesets, _KEPT_FIELDS)
    if any(tool.input_schema for tool in facts.tools):
        tools = tuple(replace(t, input_schema=_schema_redacted(t.input_schema, rulesets)) if t.input_schema else t for t in facts.tools)
        facts = replace(facts, tools=tools)
    return facts


def _schema_redacted(text: str, rulesets: Rulesets) -> str:
    """A JSON Schema's canonical text with its secrets redacted: the shapes of the rulesets in every
    string, and a literal (a default, an enum value, an example) of a secret-named property
    (`api_key`); the text as it was when nothing is a secret."""
    from riskscan.secrets import find_secret, redact, scrub

    changed = []

    def walk(node, name: str | None, names_below: bool = False, literal: bool = False):
        if isinstance(node, dict):
            if names_below:  # {property name: its schema}
                return {key: walk(value, key) for key, value in node.items()}
            return {key: walk(value, name, key in _NAMES_BELOW, key in _LITERALS) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(item, name, literal=literal) for item in node]
        if isinstance(node, str):
            secret = literal and find_secret(name, node, rulesets)
            shown = redact(node) if secret else scrub(node, rulesets)
            if shown != node:
                changed.append(node)
            return shown
        return node

    try:
        schema = walk(json.loads(text), None, False)
    except (ValueError, RecursionError):
        return scrub(text, rulesets)
    return json.dumps(schema, sort_keys=True, separators=(",", ":")) if changed else text

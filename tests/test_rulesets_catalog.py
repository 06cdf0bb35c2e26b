"""The bundled API catalog is one catalog across its files: every name has one entry, so no file
silently overrides another (rulesets/apis*.yaml)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import yaml

from riskscan import rulesets

CATALOG = sorted((Path(__file__).resolve().parents[1] / "rulesets").glob("apis*.yaml"))


def test_every_catalogued_name_is_written_once():
    names = Counter(entry["name"] for path in CATALOG for entry in yaml.safe_load(path.read_text()).get("apis", []))
    assert [name for name, count in names.items() if count > 1] == []


def test_an_alias_does_not_replace_an_entry_written_out():
    loaded = rulesets.load()
    written = {entry["name"] for path in CATALOG for entry in yaml.safe_load(path.read_text()).get("apis", [])}
    expanded = Counter(entry.name for entry in loaded.apis)
    assert [name for name in written if expanded[name] > 1] == []


def test_a_harmless_name_is_never_a_catalogued_one():
    loaded = rulesets.load()
    assert [entry.name for entry in loaded.apis if entry.name in set(loaded.harmless)] == []

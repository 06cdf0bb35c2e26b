"""The entries of a cache folder as riskscan wrote them, and the same entries re-signed with the
cache's own key after a change: what an attacker who could write them would need, so that tests of
what the cache does with a *signed* but wrong entry get past the integrity check."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

from riskscan.cache import KEY_FILE, Cache


def entries(root: Path) -> list[Path]:
    """Every entry under the cache root (ROOT/FOLDER/SECTION/xx/KEY.json), in path order."""
    return sorted(root.rglob("*.json"))


def section_of(entry: Path) -> str:
    return entry.parent.parent.name


def body_of(entry: Path) -> object:
    """The entry's value as stored (the JSON after its MAC line)."""
    return json.loads(entry.read_bytes().partition(b"\n")[2])


def write_signed(root: Path, entry: Path, body: bytes) -> None:
    """Replace the entry's bytes with `body`, signed as riskscan signs the entry at this place."""
    folder = entry.parent.parent.parent
    secret = (root / KEY_FILE).read_bytes()
    mac = Cache._mac(SimpleNamespace(folder=folder), secret, section_of(entry), entry.stem, body)
    entry.write_bytes(mac.encode() + b"\n" + body)

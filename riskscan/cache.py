"""A content-addressed cache of what riskscan read from each file, so that a run after a small
change reads only the changed files.

Each entry is keyed by the SHA-256 of the file's path, kind, module name and bytes, under a folder
named by riskscan's version, a digest of its own source and the rulesets' digest: a new version, an
edited riskscan or an edited ruleset starts a new folder. Entries are JSON (never pickle: a cache folder is not trusted to hold code), written to
a temporary file and renamed into place, so concurrent runs never see half an entry; an entry that
does not decode, or whose recorded key differs, is ignored and rebuilt.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
from pathlib import Path

from riskscan import types as _types

FORMAT = 1  # bump when the encoding below changes
_CLASSES = {
    name: cls for name in dir(_types) if dataclasses.is_dataclass(cls := getattr(_types, name)) and isinstance(cls, type)
}


def default_folder() -> Path:
    """$RISKSCAN_CACHE_DIR, else $XDG_CACHE_HOME/riskscan, else ~/.cache/riskscan."""
    if os.environ.get("RISKSCAN_CACHE_DIR"):
        return Path(os.environ["RISKSCAN_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "riskscan"


_CODE_DIGEST: list[str] = []


def code_digest() -> str:
    """A digest of riskscan's own Python source, so that facts read by other code are not reused."""
    if not _CODE_DIGEST:
        digest = hashlib.sha256()
        package = Path(__file__).parent
        for path in sorted(package.rglob("*.py")):
            digest.update(path.relative_to(package).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
        _CODE_DIGEST.append(digest.hexdigest())
    return _CODE_DIGEST[0]


def entry_key(kind: str, path: str, module: str | None, data: bytes) -> str:
    digest = hashlib.sha256()
    for part in (kind, path, module or ""):
        digest.update(part.encode("utf-8", "surrogateescape") + b"\0")
    digest.update(data)
    return digest.hexdigest()


class Cache:
    """Entries of one riskscan version and rulesets digest. Every failure to read or write is
    silent: the cache only ever saves time."""

    def __init__(self, folder: str | os.PathLike, version: str, rulesets_digest: str) -> None:
        namespace = hashlib.sha256(f"{FORMAT}\0{version}\0{code_digest()}\0{rulesets_digest}".encode()).hexdigest()[:16]
        self.folder = Path(folder) / namespace
        self.hits = self.misses = 0

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Cache) and other.folder == self.folder

    def __hash__(self) -> int:
        return hash(self.folder)

    def get(self, section: str, key: str):
        path = self._path(section, key)
        try:
            document = json.loads(path.read_bytes())
            if document["key"] != key:
                raise ValueError("an entry of another key")
            value = decode(document["value"])
        except FileNotFoundError:
            self.misses += 1
            return None
        except Exception:  # noqa: BLE001 - a broken entry of any kind is rebuilt
            self.misses += 1
            return None
        self.hits += 1
        return value

    def put(self, section: str, key: str, value) -> None:
        path = self._path(section, key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            text = json.dumps({"key": key, "value": encode(value)}, separators=(",", ":"))
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as out:
                    out.write(text)
                os.replace(temporary, path)
            except BaseException:
                os.unlink(temporary)
                raise
        except (OSError, TypeError, ValueError):
            pass

    def _path(self, section: str, key: str) -> Path:
        return self.folder / section / key[:2] / f"{key}.json"


def digest_of(*values) -> str:
    """A key for any encodable values: the hash of their canonical JSON."""
    text = json.dumps([encode(value) for value in values], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


def encode(value):
    """riskscan's frozen dataclasses (and tuples, frozensets, scalars) as JSON-ready values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        encoded = {field.name: encode(getattr(value, field.name)) for field in dataclasses.fields(value)}
        encoded["@"] = type(value).__name__
        return encoded
    if isinstance(value, tuple):
        return [encode(item) for item in value]
    if isinstance(value, frozenset):
        return {"@": "frozenset", "items": sorted(encode(item) for item in value)}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"cannot cache a {type(value).__name__}")


def decode(value):
    if isinstance(value, list):
        return tuple(decode(item) for item in value)
    if isinstance(value, dict):
        name = value["@"]
        if name == "frozenset":
            return frozenset(decode(item) for item in value["items"])
        cls = _CLASSES[name]  # KeyError for a class riskscan does not have: the entry is rebuilt
        return cls(**{key: decode(item) for key, item in value.items() if key != "@"})
    return value

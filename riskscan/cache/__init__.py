"""A content-addressed cache of what riskscan read from each file, so that a run after a small
change reads only the changed files.

The cache root is `--cache-dir` or $RISKSCAN_CACHE_DIR, else the platform's user cache folder
(platformdirs); that default is not used when it lies inside the scanned folder (only a folder the
user names may). Each entry is keyed by the SHA-256 of the file's path, kind, module name and bytes,
under a folder named `VERSION-FORMAT-CODE-RULES`: riskscan's version, the entry format, a digest of
the installed package's own files (its code, schemas and bundled rulesets) and one of the rulesets:
a new version, an edited riskscan or an edited ruleset starts a new folder. When a run creates its
folder, the folders of other versions or other code (and of the unversioned layout before them)
are removed: only folders whose names and contents are riskscan's, never through a symbolic link,
never outside the cache root. Entries of other rulesets of the same code stay (another project's).

Anyone can compute those names from the public release, so names prove nothing: every entry carries
an HMAC-SHA256, under a per-user secret key kept in the cache root (`KEY_FILE`: 32 random bytes,
created once, mode 0600), of its folder, section, key and bytes. An entry whose MAC does not match
(a flipped byte, an entry copied from elsewhere, a cache folder shipped by someone else) is
discarded, counted and rebuilt. A cache root that is a symbolic link or not the user's, or a key
file that is not a regular file of the user's with mode 0600, is not trusted: the run goes without
the cache and says so in a note. Entries are JSON (never pickle: a cache folder is not trusted to
hold code), written to a temporary file and renamed into place, so concurrent runs never see half
an entry. What is stored is what the report shows: facts are redacted before they are kept
(riskscan/secrets/facts.py), never a secret's value. The key: riskscan/cache/key.py.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

from riskscan import types as _types
from riskscan.cache.key import KEY_FILE, UntrustedCache, read_entry, user_key  # noqa: F401 - KEY_FILE: the name callers know
from riskscan.types import Config, Diagnostic, Location

FORMAT = 2  # bump when the encoding below changes (2: every entry carries a keyed MAC)
_CLASSES = {
    name: cls for name in dir(_types) if dataclasses.is_dataclass(cls := getattr(_types, name)) and isinstance(cls, type)
}


# a namespace folder: VERSION-FORMAT-CODE-RULES; and the unversioned 16-hex folders of before
_NAMESPACE = re.compile(r"(?P<version>[0-9A-Za-z._+]+)-(?P<format>[0-9]+)-(?P<code>[0-9a-f]{16})-(?P<rules>[0-9a-f]{16})")
_UNVERSIONED = re.compile(r"[0-9a-f]{16}")
# the sections riskscan writes (Cache.put callers); a folder of anything else is not riskscan's
SECTIONS = frozenset({"facts", "focused", "named", "solved", "survey", "triggers", "valid-rulesets"})
_SHARD = re.compile(r"[0-9a-f]{2}")


def default_folder() -> Path:
    """$RISKSCAN_CACHE_DIR, else the user cache folder platformdirs gives riskscan
    ($XDG_CACHE_HOME/riskscan or ~/.cache/riskscan on Linux, ~/Library/Caches/riskscan on macOS,
    %LOCALAPPDATA%\\riskscan\\Cache on Windows)."""
    if os.environ.get("RISKSCAN_CACHE_DIR"):
        return Path(os.environ["RISKSCAN_CACHE_DIR"])
    import platformdirs

    return Path(platformdirs.user_cache_dir("riskscan", appauthor=False))


def opened(config: Config, root: str, version: str, rulesets_digest: str) -> Cache | None:
    """The cache of a scan of `root`, None when `config` turns it off. The folder is the one the
    user named (`--cache-dir`, $RISKSCAN_CACHE_DIR), else the platform's default, which is not
    trusted when it lies inside the scanned folder (a scanned repository would ship its entries)."""
    if not config.cache:
        return None
    named = config.cache_dir or os.environ.get("RISKSCAN_CACHE_DIR")
    store = Cache(named or default_folder(), version, rulesets_digest)
    if not named and _inside(store.root, Path(root)):
        store.untrusted = "it lies inside the scanned folder (name a cache folder with --cache-dir to use it there)"
    return store


def _inside(folder: Path, root: Path) -> bool:
    try:
        folder, root = Path(os.path.realpath(folder)), Path(os.path.realpath(root))
    except (OSError, ValueError):
        return True
    return folder == root or root in folder.parents


def notes(*caches: Cache | None) -> tuple[Diagnostic, ...]:
    """What the report says about the cache of a run: that it was not trusted, or how many of its
    entries failed their integrity check (and were rebuilt)."""
    found = []
    for store in {c for c in caches if c is not None}:
        if store.untrusted:
            found.append(Diagnostic(Location("."), "cache-untrusted", f"the cache folder {store.root} is not used: {store.untrusted}", "warning"))
    discarded = sum(c.discarded for c in set(caches) if c is not None)
    if discarded:
        noun = "entry" if discarded == 1 else "entries"
        found.append(Diagnostic(Location("."), "cache-discarded",
                                f"{discarded} cache {noun} failed the integrity check (altered, or not written by this user's riskscan): discarded and rebuilt",
                                "warning"))
    return tuple(sorted(set(found)))


_CODE_DIGEST: list[str] = []


def code_digest() -> str:
    """A digest of the files of the riskscan package that runs (its code, schemas and bundled
    rulesets, wherever they were installed), so that facts read by other code are not reused."""
    if not _CODE_DIGEST:
        from riskscan.rulesets import bundled_dir

        digest = hashlib.sha256()
        package = Path(__file__).parents[1]
        folders = [("", package)]
        if package not in bundled_dir().parents:  # a source checkout: the rulesets beside the package
            folders.append(("rulesets/", bundled_dir()))
        for prefix, folder in folders:
            for path in sorted(folder.rglob("*")):
                if path.suffix in (".pyc", ".pyo") or "__pycache__" in path.parts or not path.is_file():
                    continue
                digest.update((prefix + path.relative_to(folder).as_posix()).encode("utf-8", "surrogateescape") + b"\0")
                digest.update(path.read_bytes())
        _CODE_DIGEST.append(digest.hexdigest())
    return _CODE_DIGEST[0]


def entry_key(kind: str, path: str, module: str | None, data: bytes) -> str:
    digest = hashlib.sha256()
    for part in (kind, path, module or ""):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    digest.update(data)
    return digest.hexdigest()


class Cache:
    """Entries of one riskscan version and rulesets digest. Every failure to read or write is
    silent: the cache only ever saves time; an entry that fails its integrity check is counted
    (`discarded`), and a cache that cannot be trusted (`untrusted`: why) is not used at all."""

    def __init__(self, folder: str | os.PathLike, version: str, rulesets_digest: str) -> None:
        self.root = Path(folder)
        self.version = re.sub(r"[^0-9A-Za-z._+]", "_", version) or "_"
        self.code = code_digest()[:16]
        rules = hashlib.sha256(f"{FORMAT}\0{version}\0{code_digest()}\0{rulesets_digest}".encode()).hexdigest()[:16]
        self.folder = self.root / f"{self.version}-{FORMAT}-{self.code}-{rules}"
        self.hits = self.misses = 0
        self.failed: set[tuple[str, str]] = set()  # (section, key) of the entries that failed their check
        self.untrusted = ""  # why this cache is not used, once known
        self._secret: bytes | None = None
        self._created = False

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Cache) and other.folder == self.folder

    @property
    def discarded(self) -> int:
        """How many entries failed their integrity check (each counted once, however often read)."""
        return len(self.failed)

    def __hash__(self) -> int:
        return hash(self.folder)

    def get(self, section: str, key: str):
        secret = self._key()
        if secret is None:
            return None
        path = self._path(section, key)
        try:
            data = read_entry(path)
        except FileNotFoundError:
            self.misses += 1
            return None
        except OSError:
            self.misses += 1
            return None
        mac, _, body = data.partition(b"\n")
        if not hmac.compare_digest(mac, self._mac(secret, section, key, body).encode()):
            self.failed.add((section, key))
            self.misses += 1
            return None
        try:
            value = decode(json.loads(body))
        except Exception:  # noqa: BLE001 - an entry this code cannot decode is rebuilt
            self.misses += 1
            return None
        if not shaped(section, value):  # signed, but not of the shape its section holds: rebuilt
            self.misses += 1
            return None
        self.hits += 1
        return value

    def put(self, section: str, key: str, value) -> None:
        secret = self._key()
        if secret is None:
            return
        path = self._path(section, key)
        try:
            if not self._created:
                self._create()
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            body = json.dumps(encode(value), separators=(",", ":")).encode("utf-8", "surrogateescape")
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(self._mac(secret, section, key, body).encode() + b"\n" + body)
                os.replace(temporary, path)
            except BaseException:
                os.unlink(temporary)
                raise
        except (OSError, TypeError, ValueError):
            pass

    def _mac(self, secret: bytes, section: str, key: str, body: bytes) -> str:
        """The entry's MAC: over where it belongs (this folder's name, its section and key) and
        its bytes, so that an entry moved to another name fails as an altered one does."""
        message = f"{self.folder.name}\0{section}\0{key}\0".encode("utf-8", "surrogateescape") + body
        return hmac.new(secret, message, hashlib.sha256).hexdigest()

    def _key(self) -> bytes | None:
        """The secret key of the MACs, made on first use; None (and `untrusted` says why) when the
        cache root or the key file cannot be trusted."""
        if self._secret is None and not self.untrusted:
            try:
                self._secret = user_key(self.root)
            except UntrustedCache as reason:
                self.untrusted = str(reason)
        return self._secret

    def _create(self) -> None:
        """Make this run's folder; when it is new, remove the folders other versions left."""
        self._created = True
        if self.folder.is_dir():
            return
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        prune(self.root, keep=(self.version, str(FORMAT), self.code))

    def _path(self, section: str, key: str) -> Path:
        return self.folder / section / key[:2] / f"{key}.json"


def prune(root: Path, keep: tuple[str, str, str]) -> list[str]:
    """Remove the folders under `root` that riskscan made for another (version, format, code)
    than `keep`, and those of the unversioned layout; return their names. Only direct children of
    the root that are real folders (not links) named and shaped as riskscan's are touched, and only
    where removal cannot follow a symbolic link; every failure is silent."""
    if not shutil.rmtree.avoids_symlink_attacks:
        return []
    removed = []
    try:
        entries = list(os.scandir(root))
    except OSError:
        return []
    for entry in entries:
        try:
            if entry.is_symlink() or not entry.is_dir(follow_symlinks=False):
                continue
            match = _NAMESPACE.fullmatch(entry.name)
            if match is not None:
                if (match["version"], match["format"], match["code"]) == keep:
                    continue
            elif not (_UNVERSIONED.fullmatch(entry.name) and _looks_like_entries(Path(entry.path))):
                continue
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(entry.name)
        except OSError:
            continue
    return removed


def _looks_like_entries(folder: Path) -> bool:
    """A folder of cache sections (`facts/ab/...`): at least one child, every child a section of
    riskscan's, every grandchild a shard."""
    children = list(os.scandir(folder))
    if not children:
        return False
    for section in children:
        if section.is_symlink() or not section.is_dir(follow_symlinks=False) or section.name not in SECTIONS:
            return False
        for shard in os.scandir(section.path):
            if shard.is_symlink() or not shard.is_dir(follow_symlinks=False) or not _SHARD.fullmatch(shard.name):
                return False
    return True


def digest_of(*values) -> str:
    """A key for any encodable values: the hash of their canonical JSON."""
    text = json.dumps([encode(value) for value in values], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


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


# --- what an entry must hold: a well-formed entry of the wrong shape is rebuilt, never used ---------
# (an entry re-keyed from another section, or with a value of another type, crashed the scan)

_SPANS = tuple[tuple[int, int, str], ...]
_SHAPES: dict[str, object] = {
    "facts": _types.Facts,
    "focused": _types.Facts,
    "named": tuple[_types.Facts, _SPANS],
    "survey": tuple[frozenset[str], _SPANS],
    "solved": tuple[_types.SystemModel, tuple[_types.Path, ...], tuple[_types.Diagnostic, ...], tuple[_types.Fix, ...], tuple[_types.Diagnostic, ...]],
    "triggers": tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]],
    "valid-rulesets": bool,
}
_HINTS: dict[type, dict[str, object] | None] = {}


def conforms(value, hint) -> bool:
    """Whether `value` (decoded) is of the type `hint` says, every dataclass in it checked field
    by field against its annotations; forms this does not know are accepted."""
    import types
    import typing

    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is None or hint is type(None):
        return value is None
    if origin in (typing.Union, types.UnionType):
        return any(conforms(value, arg) for arg in args)
    if origin is tuple:
        if not isinstance(value, tuple):
            return False
        if len(args) == 2 and args[1] is Ellipsis:
            return all(conforms(item, args[0]) for item in value)
        return not args or (len(value) == len(args) and all(conforms(item, arg) for item, arg in zip(value, args)))
    if origin is frozenset:
        return isinstance(value, frozenset) and all(conforms(item, args[0]) for item in value) if args else isinstance(value, frozenset)
    if origin is typing.Literal:
        return value in args
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(hint, type):
        if not isinstance(value, hint):
            return False
        return _fields_conform(value) if dataclasses.is_dataclass(hint) else True
    if origin is not None and isinstance(origin, type):
        return isinstance(value, origin)
    return True


def _fields_conform(value) -> bool:
    cls = type(value)
    if cls not in _HINTS:
        import typing

        try:
            _HINTS[cls] = typing.get_type_hints(cls)
        except Exception:  # noqa: BLE001 - an annotation this cannot resolve: the class is not checked
            _HINTS[cls] = None
    hints = _HINTS[cls]
    if hints is None:
        return True
    return all(conforms(getattr(value, field.name), hints.get(field.name, object)) for field in dataclasses.fields(value))


def shaped(section: str, value) -> bool:
    """Whether a decoded entry of `section` has the shape riskscan writes there."""
    return section not in _SHAPES or conforms(value, _SHAPES[section])

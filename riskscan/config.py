"""Configuration files: `riskscan.toml` (or `.riskscan.toml`) and `[tool.riskscan]` in
`pyproject.toml`, found upward from the scanned path; the first folder that has one wins, as in ruff.

Keys are the long flags of `riskscan scan` (`fail-on`, `max-steps`, `select`, ...). An unknown key
or a value of the wrong type is an error naming the file and the key. `per-file-ignores` (ruff's
spelling) is `per-path-ignores`: a file that gives both gets the entries of both, merged, as the
two flags given together on the command line are. Paths in the file (`ruleset`, `baseline`,
`suppressions`) are relative to the file's folder. The key `agents` is reserved for
declared home-grown agents, read by `riskscan.extract.declared`; this module accepts it unread.

Who may set what (docs/security.md): a file found in the scanned repository is the repository's,
and riskscan runs on repositories nobody has reviewed yet. Such a file may set only
`REPOSITORY_KEYS`: its rule choice and whether its tests are read, which the report states. Every
other key (where the report goes, the cache, workers, limits, exit behaviour, extra rulesets, a
baseline, a diff, excluded files) is the operator's: it is taken from the command line, the
environment, the user configuration (`user_file()`) or a file named with `--config`; a
repository file that sets it is not obeyed, and `load` lists the key in `refused` with its place,
for a warning finding (RS215).
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from riskscan.files import read_bounded
from riskscan.types import CONFIDENCES, SEVERITIES

FILE_NAMES = ("riskscan.toml", ".riskscan.toml", "pyproject.toml")
RESERVED = frozenset({"agents"})
USER_FILE = "config.toml"  # in the user configuration folder: ~/.config/riskscan/config.toml on Linux
# what the scanned repository may choose: its rules, and whether its tests are read; all else is the operator's
REPOSITORY_KEYS = frozenset({"select", "ignore", "extend-select", "per-path-ignores", "per-file-ignores", "include-tests"})


class ConfigError(ValueError):
    """A configuration file that cannot be read, or a key it must not have."""


@dataclass(frozen=True)
class FileConfig:
    """The settings one file gives, by Config / CLI parameter name (`fail_on`, `rulesets`, ...)."""

    path: Path | None
    values: dict = field(default_factory=dict)
    raw: dict = field(default_factory=dict)  # the whole table, reserved keys included
    trusted: bool = True  # False: a file of the scanned repository, held to REPOSITORY_KEYS
    places: dict = field(default_factory=dict)  # key as written -> (line, column), 1-based; (0, 0) when not found
    refused: tuple[str, ...] = ()  # keys as written that an untrusted file set and that were not applied
    keys: dict = field(default_factory=dict)  # parameter name -> the key as written that gave it


def user_file() -> Path | None:
    """The user configuration, outside every repository: config.toml in platformdirs' user
    configuration folder ($XDG_CONFIG_HOME/riskscan, else ~/.config/riskscan on Linux); None when
    there is none."""
    import platformdirs

    candidate = Path(platformdirs.user_config_dir("riskscan", appauthor=False)) / USER_FILE
    return candidate if candidate.is_file() else None


def find(start: str | Path) -> Path | None:
    """The nearest configuration file at or above `start` (a folder or a file)."""
    here = Path(start).resolve()
    if here.is_file():
        here = here.parent
    for folder in (here, *here.parents):
        for name in FILE_NAMES:
            candidate = folder / name
            if candidate.is_file() and (name != "pyproject.toml" or _riskscan_table(_read(candidate)) is not None):
                return candidate
    return None


def load(path: str | Path | None, trusted: bool = True) -> FileConfig:
    """Read and check one configuration file; `None` gives the empty configuration. An untrusted
    file (found in the scanned repository) gives only the values of REPOSITORY_KEYS; the other
    keys it sets are listed in `refused`, neither checked nor applied."""
    if path is None:
        return FileConfig(None, trusted=trusted)
    path = Path(path)
    text = _read_text(path)
    document = _parse(path, text)
    if path.name == "pyproject.toml":
        table, prefix = _riskscan_table(document), "[tool.riskscan] "
        table = {} if table is None else table
    else:
        table, prefix = document, ""
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.riskscan] must be a table")
    values, refused, keys = {}, [], {}
    for key, value in table.items():
        if key in RESERVED:
            continue
        if key not in KEYS:
            known = ", ".join(sorted((*KEYS, *RESERVED)))
            raise ConfigError(f"{path}: {prefix}{key}: unknown key (known keys: {known})")
        if not trusted and key not in REPOSITORY_KEYS:
            refused.append(key)
            continue
        name, check = KEYS[key]
        keys.setdefault(name, key)
        try:
            value = check(value, path.parent)
        except ConfigError as error:
            raise ConfigError(f"{path}: {prefix}{key}: {error}") from None
        values[name] = _merged_ignores(values[name], value) if name in values else value  # both spellings
    table_name = ("tool", "riskscan") if path.name == "pyproject.toml" else ()
    places = key_places(text, table_name, table)
    return FileConfig(path, values, table, trusted, places, tuple(refused), keys)


def key_places(text: str, table_name: tuple[str, ...], keys) -> dict[str, tuple[int, int]]:
    """Line and column of each of `keys` in the TOML table `table_name` of `text` (tomllib gives
    no positions): a scan of riskscan's own configuration file, line by line, for `[header]`
    lines and `key =` / `key.sub =` starts; a key first written as a `[table.key]` header is
    placed at that header. (0, 0) for a key not found this way."""
    wanted = set(keys)
    places: dict[str, tuple[int, int]] = {}
    table: tuple[str, ...] = ()
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        column = len(line) - len(line.lstrip()) + 1
        if stripped.startswith("["):
            header = stripped.strip("[").split("]", 1)[0]
            table = tuple(part.strip().strip('"').strip("'") for part in header.split("."))
            if table[:-1] == table_name and table[-1:] and table[-1] in wanted:
                places.setdefault(table[-1], (number, column))
            continue
        if table == table_name and "=" in stripped and not stripped.startswith("#"):
            key = stripped.split("=", 1)[0].split(".", 1)[0].strip().strip('"').strip("'")
            if key in wanted:
                places.setdefault(key, (number, column))
    return {key: places.get(key, (0, 0)) for key in keys}


def _riskscan_table(document: dict) -> object:
    """`[tool.riskscan]` of a pyproject.toml (whatever its type), or None when there is none."""
    tool = document.get("tool")
    return tool.get("riskscan") if isinstance(tool, dict) else None


def _read(path: Path) -> dict:
    return _parse(path, _read_text(path))


def _read_text(path: Path) -> str:
    """The file's text: a regular file of bounded size only (riskscan.files.read_bounded)."""
    try:
        return read_bounded(path).decode("utf-8-sig")
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror}") from error
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path}: not UTF-8 text (byte 0x{error.object[error.start]:02x} at offset {error.start})") from error


def _parse(path: Path, text: str) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from error
    except ValueError as error:  # an integer of more than 4,300 digits: tomllib gives no place (toml_input.loads finds it)
        from riskscan.formats.toml_input import value_error

        raise ConfigError(f"{path}: invalid TOML: {value_error(error, path.read_bytes().decode('utf-8-sig'))}") from error


# --- value checks: each returns the value as the CLI parameter holds it ------------------------


def _choice(*choices: str) -> Callable:
    def check(value, base):
        if not isinstance(value, str) or value not in choices:
            raise ConfigError(f"expected one of {', '.join(choices)}, got {value!r}")
        return value

    return check


def _formats(value, base):
    from riskscan.report import FORMATS

    return _choice(*FORMATS)(value, base)


def _integer(low: int, high: int | None = None) -> Callable:
    def check(value, base):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"expected an integer, got {type(value).__name__} {value!r}")
        if value < low or (high is not None and value > high):
            raise ConfigError(f"expected an integer from {low}" + (f" to {high}" if high else "") + f", got {value}")
        return value

    return check


def _boolean(value, base):
    if not isinstance(value, bool):
        raise ConfigError(f"expected true or false, got {type(value).__name__} {value!r}")
    return value


def _strings(value, base) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"expected a list of strings, got {type(value).__name__} {value!r}")
    return tuple(value)


def _paths(value, base) -> tuple[str, ...]:
    return tuple(str(base / item) for item in _strings(value, base))


def _path(value, base) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"expected a path (a string), got {type(value).__name__} {value!r}")
    return str(base / value)


def _text(value, base) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"expected a string, got {type(value).__name__} {value!r}")
    return value


def _per_path_ignores(value, base) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(value, dict):
        raise ConfigError(f'expected a table of glob = ["CODE", ...], got {type(value).__name__}')
    entries = []
    for glob, codes in value.items():
        if not isinstance(codes, list) or not all(isinstance(code, str) for code in codes):
            raise ConfigError(f"{glob!r}: expected a list of rule codes, got {codes!r}")
        entries.append((glob, tuple(codes)))
    return tuple(sorted(entries))


def _merged_ignores(first, second) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """`per-path-ignores` and ruff's `per-file-ignores` in one file: their entries together, a glob
    named in both with the codes of both."""
    merged: dict[str, list[str]] = {}
    for glob, codes in (*first, *second):
        merged.setdefault(glob, [])
        merged[glob] += [code for code in codes if code not in merged[glob]]
    return tuple(sorted((glob, tuple(codes)) for glob, codes in merged.items()))


KEYS: dict[str, tuple[str, Callable]] = {
    "fail-on": ("fail_on", _choice(*SEVERITIES[:-1])),
    "exit-zero": ("exit_zero", _boolean),
    "strict": ("strict", _boolean),
    "format": ("fmt", _formats),
    "output": ("output", _path),
    "statistics": ("statistics", _boolean),
    "quiet": ("quiet", _boolean),
    "ruleset": ("rulesets", _paths),
    "max-steps": ("max_steps", _integer(1, 20)),
    "max-paths": ("max_paths", _integer(1, 10_000)),
    "timeout-ms": ("timeout_ms", _integer(1, 600_000)),
    "max-file-bytes": ("max_file_bytes", _integer(1)),
    "max-files": ("max_files", _integer(1)),
    "include-tests": ("include_tests", _boolean),
    "source-roots": ("source_roots", _strings),
    "workers": ("workers", _integer(0, 64)),
    "cache": ("cache", _boolean),
    "cache-dir": ("cache_dir", _path),
    "read-all": ("read_all", _boolean),
    "select": ("select", _strings),
    "ignore": ("ignore", _strings),
    "extend-select": ("extend_select", _strings),
    "per-path-ignores": ("per_path_ignores", _per_path_ignores),
    "per-file-ignores": ("per_path_ignores", _per_path_ignores),  # ruff's spelling of the same setting
    "exclude": ("exclude", _strings),
    "suppressions": ("suppressions", _path),
    "baseline": ("baseline", _path),
    "diff": ("diff", _text),
    "min-confidence": ("min_confidence", _choice(*CONFIDENCES)),
    "sarif-category": ("sarif_category", _text),
}

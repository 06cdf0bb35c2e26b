"""Configuration files: `riskscan.toml` (or `.riskscan.toml`) and `[tool.riskscan]` in
`pyproject.toml`, found upward from the scanned path; the first folder that has one wins, as in ruff.

Keys are the long flags of `riskscan scan` (`fail-on`, `max-steps`, `select`, ...). An unknown key
or a value of the wrong type is an error naming the file and the key. `per-file-ignores` (ruff's
spelling) is `per-path-ignores`: a file that gives both gets the entries of both, merged, as the
two flags given together on the command line are. Paths in the file (`ruleset`, `baseline`,
`suppressions`) are relative to the file's folder. The key `agents` is reserved for
declared home-grown agents, read by `riskscan.extract.declared`; this module accepts it unread.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from riskscan.types import SEVERITIES

FILE_NAMES = ("riskscan.toml", ".riskscan.toml", "pyproject.toml")
RESERVED = frozenset({"agents"})


class ConfigError(ValueError):
    """A configuration file that cannot be read, or a key it must not have."""


@dataclass(frozen=True)
class FileConfig:
    """The settings one file gives, by Config / CLI parameter name (`fail_on`, `rulesets`, ...)."""

    path: Path | None
    values: dict = field(default_factory=dict)
    raw: dict = field(default_factory=dict)  # the whole table, reserved keys included


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


def load(path: str | Path | None) -> FileConfig:
    """Read and check one configuration file; `None` gives the empty configuration."""
    if path is None:
        return FileConfig(None)
    path = Path(path)
    document = _read(path)
    if path.name == "pyproject.toml":
        table, prefix = _riskscan_table(document), "[tool.riskscan] "
        table = {} if table is None else table
    else:
        table, prefix = document, ""
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.riskscan] must be a table")
    values = {}
    for key, value in table.items():
        if key in RESERVED:
            continue
        if key not in KEYS:
            known = ", ".join(sorted((*KEYS, *RESERVED)))
            raise ConfigError(f"{path}: {prefix}{key}: unknown key (known keys: {known})")
        name, check = KEYS[key]
        try:
            value = check(value, path.parent)
        except ConfigError as error:
            raise ConfigError(f"{path}: {prefix}{key}: {error}") from None
        values[name] = _merged_ignores(values[name], value) if name in values else value  # both spellings
    return FileConfig(path, values, table)


def _riskscan_table(document: dict) -> object:
    """`[tool.riskscan]` of a pyproject.toml (whatever its type), or None when there is none."""
    tool = document.get("tool")
    return tool.get("riskscan") if isinstance(tool, dict) else None


def _read(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_bytes().decode("utf-8-sig"))
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror}") from error
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path}: not UTF-8 text (byte 0x{error.object[error.start]:02x} at offset {error.start})") from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from error
    except ValueError as error:  # an integer of more than 4,300 digits: tomllib gives no place (toml_input.loads finds it)
        from riskscan.extract.toml_input import value_error

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
    "sarif-category": ("sarif_category", _text),
}

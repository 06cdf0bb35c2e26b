"""Path globs with gitignore's semantics, matched by `pathspec` (the library git-aware Python tools
share): `exclude`, `per-path-ignores`, suppression paths, and the `.gitignore` files read when the
scanned folder is not a git work tree.

A glob without a `/` inside matches a name at any depth (`*.json`, `vendor`); one with a `/` inside
or at the start is anchored at the scan root (`src/*`, `/build`); `*` stays in one folder and `**`
spans folders (`**/tests/**`); a trailing `/` matches folders only, with everything below them; in
a list, a later `!glob` takes back what earlier ones matched. Paths are POSIX, relative to the root.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache


@lru_cache(maxsize=512)
def _spec(globs: tuple[str, ...]):
    import warnings

    import pathspec

    with warnings.catch_warnings():  # `[[` in a scanned project's pattern: re's FutureWarning is not ours to print
        warnings.simplefilter("ignore")
        return pathspec.GitIgnoreSpec.from_lines(globs)


def problem(glob: str) -> str | None:
    """Why `glob` is not a gitignore pattern (`!` alone, a trailing backslash), or None."""
    try:
        _spec((glob,))
    except ValueError as error:
        return str(error)
    return None


def matches(path: str, globs: Iterable[str]) -> bool:
    """Whether the gitignore-style `globs`, taken together in order, match `path`."""
    globs = tuple(globs)
    return bool(globs) and bool(_spec(globs).match_file(path))


def verdict(path: str, globs: tuple[str, ...]) -> bool | None:
    """What the last of `globs` to match `path` says: True (matched), False (taken back by a `!`
    glob), None (none matches) — for .gitignore files, where a deeper file overrides a shallower."""
    return _spec(globs).check_file(path).include


def readable(lines: Iterable[str]) -> tuple[str, ...]:
    """The lines of a scanned project's ignore file that are patterns pathspec reads; a line it
    cannot read is dropped, as git ignores it, so that a hostile file never stops a scan."""
    return tuple(line for line in lines if problem(line) is None)

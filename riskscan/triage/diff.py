"""`--diff BASE`: keep the findings whose paths touch a file changed since a git revision.

Changed means: differs between BASE and the working tree (committed, staged or not), or is new
and not ignored. A finding touches a file when its place, any step of its paths, or the evidence
of a step is in it; the whole system is still scanned, because a path runs through files the
change did not touch.
"""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
from collections.abc import Iterable
from pathlib import Path

from riskscan.discover import git_command
from riskscan.types import Finding


class DiffError(ValueError):
    """Not a git work tree, or an unknown revision."""


def changed_files(root: str, base: str) -> frozenset[str]:
    """The changed files, as POSIX paths relative to `root` (files outside it are left out)."""
    folder = Path(root) if Path(root).is_dir() else Path(root).parent
    top = _git(folder, "rev-parse", "--show-toplevel").strip()
    if base.startswith("-"):
        raise DiffError(f"--diff: {base!r} is not a git revision")
    _git(folder, "rev-parse", "--verify", "--quiet", f"{base}^{{commit}}", what=f"--diff: unknown git revision {base!r}")
    # BASE against the index, then the index against the working tree by hashing the files here:
    # git would run the repository's filter drivers to compare working-tree files (git_command.py)
    names = _git(folder, "diff", "--cached", "--name-only", "-z", "--no-renames", "--no-ext-diff", "--no-textconv", base, "--").split("\0")
    names += _worktree_changes(folder, Path(top), folder)
    names += _git(folder, "ls-files", "--others", "--exclude-standard", "-z", "--full-name").split("\0")
    scan_root = Path(root).resolve()
    changed = set()
    for name in filter(None, names):
        absolute = (Path(top) / name).resolve()
        try:
            changed.add(absolute.relative_to(scan_root if scan_root.is_dir() else scan_root.parent).as_posix())
        except ValueError:
            continue
    return frozenset(changed)


def touches(finding: Finding, changed: frozenset[str]) -> bool:
    return bool(changed & set(_paths(finding)))


def keep_touching(findings: Iterable[Finding], changed: frozenset[str]) -> tuple[Finding, ...]:
    return tuple(f for f in findings if touches(f, changed))


def _paths(finding: Finding) -> Iterable[str]:
    yield finding.location.path
    for steps in (finding.steps, *finding.alternatives):
        for step in steps:
            yield step.location.path
            yield from (e.location.path for e in step.evidence if e.location is not None)


def _worktree_changes(folder: Path, top: Path, scanned: Path) -> list[str]:
    """Tracked files whose working-tree bytes differ from the index (or are gone), each hashed as
    `git hash-object --no-filters` would hash it. Only files inside the `scanned` folder are read
    (the others are left out of the result anyway): the index and `core.worktree` are the
    repository's to write, and may name any file of the machine."""
    changed = []
    real_top = Path(os.path.realpath(scanned))
    for entry in filter(None, _git(folder, "ls-files", "-z", "--stage", "--full-name").split("\0")):
        meta, _, name = entry.partition("\t")
        mode, blob, _stage = meta.split()
        if mode == "160000":  # a submodule: its own repository
            continue
        path = top / name
        if git_command.leaves_folder(name) or not _inside(real_top, path.parent):  # never read outside the scanned folder
            continue
        if not _is_kind(path, mode):  # a regular file, or a link as the index says: a FIFO or a device may never end
            changed.append(name)
            continue
        try:
            data = os.fsencode(os.readlink(path)) if mode == "120000" else path.read_bytes()
        except OSError:
            changed.append(name)
            continue
        algorithm = "sha256" if len(blob) == 64 else "sha1"
        if hashlib.new(algorithm, b"blob %d\0" % len(data) + data).hexdigest() != blob:
            changed.append(name)
    return changed


def _inside(real_top: Path, folder: Path) -> bool:
    real = Path(os.path.realpath(folder))
    return real == real_top or real.is_relative_to(real_top)


def _is_kind(path: Path, mode: str) -> bool:
    try:
        kind = os.lstat(path).st_mode
    except OSError:
        return False
    return stat.S_ISLNK(kind) if mode == "120000" else stat.S_ISREG(kind)


def _git(folder: Path, *args: str, what: str | None = None) -> str:
    try:
        completed = git_command.run(folder, *args)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise DiffError(f"--diff: cannot run git: {error}") from error
    if completed.returncode != 0:
        stderr = completed.stderr.decode("utf-8", "replace").strip()
        detail = stderr.splitlines()[-1] if stderr else f"git {args[0]} failed"
        raise DiffError(what or f"--diff: {folder}: {detail}")
    return git_command.text(completed)

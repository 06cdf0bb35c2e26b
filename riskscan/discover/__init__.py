"""Discover: a scan root and its limits in, a `Discovery` out: which files to read, each with its
kind, and what was left out and why. Git is run here (git_command.py, as on an untrusted
repository) and ignore globs are matched here (globs.py).

Inside a git work tree the candidates are `git ls-files` (tracked, plus untracked files git does
not ignore); elsewhere a walk that skips the usual build and environment folders and what the
folder's `.gitignore` files ignore (gitignore's semantics, through `riskscan.discover.globs`). Symbolic links
are never followed out of the root, and files over the size cap are reported, not read. Every
candidate, from git or the walk, is kept only if it is inside the root once resolved: a crafted
index of a shipped `.git` folder may list `../x` or `/etc/x`, and a committed folder may have been
replaced by a link out of the root; each such path is named in a warning and never opened.

Test code is not read unless asked for (`--include-tests`): the folders semgrep's defaults skip
(test/, tests/, testsuite/) and pytest's test modules (test_*.py, *_test.py, conftest.py). Agents
built by tests run against fakes and never ship; in framework repositories they are most of the
code and would drown the findings of the code that does. A run that leaves tests out says how
many files it left (a `tests-not-read` note).

Jupyter notebooks (`.ipynb`) are read, as Python (riskscan/extract/notebooks.py). Files in a
language riskscan does not read (TypeScript, JavaScript, Go, ...: by file extension,
OTHER_LANGUAGES) are not read either, but kept by name and language so that the report says how
many of each it left; a run over a folder of TypeScript MCP servers must not look clean.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path, PurePosixPath

from riskscan.discover import git_command, globs
from riskscan.types import Diagnostic, Discovery, Location, SourceFile

DEFAULT_MAX_FILE_BYTES = 2_000_000
DEFAULT_MAX_FILES = 100_000  # files of the kinds riskscan reads; far above real projects, far below a runaway scan

SKIPPED_DIRS = frozenset(
    {".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", "venv", ".tox", ".nox",
     ".mypy_cache", ".pytest_cache", ".ruff_cache", "site-packages", "build", "dist", ".eggs"}
)
TEST_DIRS = frozenset({"test", "tests", "testsuite"})
# JSON files that are never an MCP config or a tool manifest; skipped without being opened.
SKIPPED_JSON = frozenset(
    {"package.json", "package-lock.json", "tsconfig.json", "composer.json", "composer.lock",
     "pyrightconfig.json", ".eslintrc.json", "renovate.json", "tslint.json", "jsconfig.json"}
)
# Source files of languages riskscan does not read, by extension: counted, never opened.
OTHER_LANGUAGES = {
    ".ts": "TypeScript", ".tsx": "TypeScript", ".mts": "TypeScript", ".cts": "TypeScript",
    ".js": "JavaScript", ".jsx": "JavaScript", ".mjs": "JavaScript", ".cjs": "JavaScript",
    ".go": "Go", ".rs": "Rust", ".java": "Java", ".kt": "Kotlin", ".cs": "C#", ".rb": "Ruby", ".php": "PHP",
    ".swift": "Swift",
}


def discover(root: str | os.PathLike, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES, max_files: int = DEFAULT_MAX_FILES,
             include_tests: bool = False) -> Discovery:
    """The files under `root` to read, in path order: at most `max_files` of them (the rest are
    counted in a `too-many-files` diagnostic, not looked at), none over `max_file_bytes`, no test
    code unless `include_tests` (a file or a test folder given as the root is read)."""
    root_path = Path(root).resolve()
    diagnostics: list[Diagnostic] = []
    if root_path.is_file():
        return _single_file(root_path, max_file_bytes)
    if not root_path.is_dir():
        return Discovery(str(root_path), (), (Diagnostic(Location(str(root)), "not-found", "no such file or folder", "error"),))
    include_tests = include_tests or root_path.name in TEST_DIRS  # a test folder asked for by name
    candidates = _git_files(root_path)
    if candidates is None:
        candidates = _walk(root_path)
    candidates = _inside_root(root_path, candidates, diagnostics)
    files = []
    others = []
    left_out = tests = 0
    for relative in sorted(set(candidates)):
        kind = kind_of(relative)
        if kind is None:
            language = language_of(relative)
            if language is not None:
                others.append((relative, language))
            continue
        if not include_tests and is_test_code(relative):
            tests += 1
            continue
        if len(files) >= max_files:
            left_out += 1
            continue
        problem = _unreadable(root_path, relative, max_file_bytes)
        if problem is not None:
            diagnostics.append(problem)
            continue
        files.append(SourceFile(relative, kind, module_name(relative) if kind == "python" else None))
    if left_out:
        diagnostics.append(Diagnostic(
            Location("."), "too-many-files",
            f"{len(files) + left_out} files to read, over the {max_files}-file limit (--max-files): the first {max_files}"
            f" in path order were read, {left_out} were not (from {files[-1].path} on)", "error",
        ))
    if tests:
        diagnostics.append(Diagnostic(
            Location("."), "tests-not-read",
            f"{tests} test {'file was' if tests == 1 else 'files were'} not read (test, tests and testsuite folders, test_*.py,"
            " *_test.py, conftest.py); --include-tests reads them", "info",
        ))
    return Discovery(str(root_path), tuple(files), tuple(diagnostics), tuple(others))


def language_of(relative: str) -> str | None:
    """The language of a source file riskscan does not read, by its extension; None for any other file."""
    return OTHER_LANGUAGES.get(PurePosixPath(relative).suffix.lower())


def is_test_code(relative: str) -> bool:
    """A file in a test folder, or a pytest test module."""
    path = PurePosixPath(relative)
    if TEST_DIRS & set(path.parts[:-1]):
        return True
    name = path.name
    return name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py")


def _single_file(path: Path, max_file_bytes: int) -> Discovery:
    kind = kind_of(path.name)
    diagnostics = []
    files = []
    language = language_of(path.name) if kind is None else None
    if kind is not None:
        problem = _unreadable(path.parent, path.name, max_file_bytes)
        if problem is None:
            files.append(SourceFile(path.name, kind, module_name(path.name) if kind == "python" else None))
        else:
            diagnostics.append(problem)
    return Discovery(str(path.parent), tuple(files), tuple(diagnostics), ((path.name, language),) if language else ())


def kind_of(relative: str) -> str | None:
    name = PurePosixPath(relative).name
    if name.endswith(".py"):
        return "python"
    if name.endswith(".ipynb"):  # the code cells, as one Python module
        return "notebook"
    if name.endswith(".json") and name not in SKIPPED_JSON:
        return "json"
    parts = PurePosixPath(relative).parts
    if relative in ("pyproject.toml", "riskscan.toml"):  # agents declared for the scan root
        return "agents-config"
    if name == "config.toml" and len(parts) >= 2 and parts[-2] == ".codex":
        return "toml"
    if name.endswith((".yaml", ".yml")) and ".continue" in parts[:-1]:
        return "yaml"
    if name in ("agents.yaml", "agents.yml", "tasks.yaml", "tasks.yml"):  # a CrewAI crew's config
        return "crewai-config"
    return None


def module_name(relative: str) -> str:
    """Dotted module name of a Python file, relative to the scan root (a `src/` layout folder is
    dropped, as the package is imported without it)."""
    parts = list(PurePosixPath(relative).with_suffix("").parts)
    if len(parts) > 1 and parts[0] == "src":
        parts = parts[1:]
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(part.replace("-", "_") for part in parts)


def _git_files(root: Path) -> list[str] | None:
    try:
        inside = git_command.run(root, "rev-parse", "--is-inside-work-tree", timeout=30)
        if inside.returncode != 0 or git_command.text(inside).strip() != "true":
            return None
        listing = git_command.run(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", ".")
    except (OSError, subprocess.TimeoutExpired):
        return None
    if listing.returncode != 0:
        return None
    names = [name for name in git_command.text(listing).split("\0") if name]
    return [name for name in names if not (set(PurePosixPath(name).parts[:-1]) & SKIPPED_DIRS)]


def _inside_root(root: Path, candidates: list[str], diagnostics: list[Diagnostic]) -> list[str]:
    """The candidates that are paths inside the root, resolved: not absolute, no `..` (a crafted
    git index lists what it likes), no folder on the way that is a symbolic link leading out of
    the root (a committed folder replaced by a link). Each one dropped is named in a warning,
    without being opened; the links, one warning each with the count of paths below them.
    (A link as the file itself is `_unreadable`'s to report.)"""
    kept = []
    links: dict[str, int] = {}  # folder link out of the root -> paths below it
    folders: dict[str, str | None] = {}  # folder -> the link out of the root it passes through, or None
    for relative in candidates:
        why = git_command.leaves_folder(relative)
        if why is not None:
            diagnostics.append(Diagnostic(Location("."), "path-outside-root",
                                          f"git lists {relative!r}: {why}, not a path inside the scanned folder (a crafted index?); not read"))
            continue
        folder = relative.rpartition("/")[0]
        link = _link_out(root, folder, folders) if folder else None
        if link is not None:
            links[link] = links.get(link, 0) + 1
            continue
        kept.append(relative)
    for link, count in sorted(links.items()):
        diagnostics.append(Diagnostic(Location(link), "link-outside-root",
                                      f"a symbolic link to a folder outside the scanned folder; the {count}"
                                      f" {'file' if count == 1 else 'files'} listed below it {'was' if count == 1 else 'were'} not read"))
    return kept


def _link_out(root: Path, folder: str, known: dict[str, str | None]) -> str | None:
    """The first folder of `folder` (relative to the root) that is a symbolic link resolving
    outside the root, or None. Resolution reads links only, never files."""
    if folder in known:
        return known[folder]
    parts = folder.split("/")
    found = None
    for depth in range(1, len(parts) + 1):
        prefix = "/".join(parts[:depth])
        if prefix in known:
            found = known[prefix]
        else:
            path = root / prefix
            if found is None and os.path.islink(path) and not _within(root, Path(os.path.realpath(path))):
                found = prefix
            known[prefix] = found
        if found is not None:
            break
    known[folder] = found
    return found


def _within(root: Path, path: Path) -> bool:
    return path == root or path.is_relative_to(root)


def _walk(root: Path) -> list[str]:
    """Every file under the root outside a git work tree, minus what its `.gitignore` files
    ignore (read with gitignore's semantics, as `git ls-files --exclude-standard` would)."""
    found = []
    ignores: dict[str, tuple[str, ...]] = {}  # folder ("" for the root) -> its .gitignore patterns
    for directory, subdirs, filenames in os.walk(root, followlinks=False):
        here = Path(directory).relative_to(root).as_posix()
        here = "" if here == "." else here
        if ".gitignore" in filenames:
            ignores[here] = _ignore_patterns(Path(directory, ".gitignore"))
        # an ignored folder is not entered: git does not look below it either
        subdirs[:] = sorted(d for d in subdirs if d not in SKIPPED_DIRS and not _ignored(_join(here, d) + "/", ignores))
        for filename in filenames:
            relative = _join(here, filename)
            if not _ignored(relative, ignores):
                found.append(relative)
    return found


def _join(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


def _ignore_patterns(path: Path) -> tuple[str, ...]:
    if path.is_symlink():  # never followed out of the root; a linked ignore file is not read
        return ()
    try:
        with path.open("rb") as handle:
            text = handle.read(DEFAULT_MAX_FILE_BYTES).decode("utf-8", "replace")
    except OSError:
        return ()
    return globs.readable(text.splitlines())


def _ignored(relative: str, ignores: dict[str, tuple[str, ...]]) -> bool:
    """Whether the .gitignore files of the folders above `relative` ignore it: each file's
    patterns are relative to its folder, and a deeper file's verdict overrides a shallower one's."""
    if not ignores:
        return False
    parts = relative.rstrip("/").split("/")
    ignored = None
    for depth in range(len(parts)):
        base = "/".join(parts[:depth])
        patterns = ignores.get(base)
        if patterns:
            verdict = globs.verdict(relative[len(base) + 1:] if base else relative, patterns)
            ignored = verdict if verdict is not None else ignored
    return ignored is True


def _unreadable(root: Path, relative: str, max_file_bytes: int) -> Diagnostic | None:
    path = root / relative
    location = Location(relative)
    if path.is_symlink():
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):
            return Diagnostic(location, "broken-link", "symbolic link that leads nowhere (or loops); not read", "error")
        if not target.is_relative_to(root):
            return Diagnostic(location, "link-outside-root", "symbolic link to a file outside the scanned folder; not read")
    try:
        size = path.stat().st_size
    except OSError as error:
        return Diagnostic(location, "unreadable", f"cannot read: {error.strerror}", "error")
    if not path.is_file():
        return Diagnostic(location, "not-a-file", "not a regular file; not read")
    if size > max_file_bytes:
        return Diagnostic(
            location, "file-too-large", f"{size} bytes, over the {max_file_bytes}-byte limit (--max-file-bytes); not read"
        )
    if not os.access(path, os.R_OK):
        return Diagnostic(location, "unreadable", "no permission to read", "error")
    return None

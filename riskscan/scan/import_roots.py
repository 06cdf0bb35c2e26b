"""Where each file's absolute imports come from, as the interpreter would find them (issue #19).

Module names are the scan root's (`app1/tools/search.py` is `app1.tools.search`), so two apps of one
repository that each have a top-level `tools` package never share a name. But an app runs from its
own folder: `from tools.search import web` in `app1/main.py` means `app1/tools/search.py`. The
roots of a file, tried in the order `sys.path` would try them:

1. the folder a script run from there would put first on `sys.path`: the file's own folder, or, for
   a module of a package, the folder above its top-level package (the first without `__init__.py`);
2. the nearest folder above it that declares a project (`pyproject.toml`, `setup.py`, `setup.cfg`,
   `requirements*.txt`), or its `src/` when it has one;
3. the scan root (where names already are).

A top-level module or package found under the first of 1 and 2 that has it wins, and the file's
facts name it by its scan-root name; everything else keeps the name libcst gave it.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Iterable

from riskscan.discover import module_name
from riskscan.types import CallSite, Facts, Invocation, Ref, SourceFile

PROJECT_FILES = ("pyproject.toml", "setup.py", "setup.cfg")


def import_aliases(root: Path, files: Iterable[SourceFile], source_roots: tuple[str, ...] = ()) -> dict[str, dict[str, str]]:
    """For each Python file, the top-level names its absolute imports take from its own roots:
    `{"app1/main.py": {"tools": "app1.tools"}}`. Files whose roots are the scan root get none.
    `source_roots` (folders relative to the root, the `source-roots` setting) replace every file's
    own roots, in their order."""
    given = [PurePosixPath(r) for r in source_roots]
    files = list(files)
    tops = _top_levels([f for f in files if f.kind == "python"])  # folder -> {top-level name: its dotted scan-root name}
    aliases: dict[str, dict[str, str]] = {}
    for source in (f for f in files if f.kind in ("python", "notebook")):  # a notebook imports as a script beside it
        mapping: dict[str, str] = {}
        for folder in given or _roots(root, PurePosixPath(source.path).parent):
            for name, dotted in tops.get(folder, {}).items():
                mapping.setdefault(name, dotted)
        if mapping:
            aliases[source.path] = mapping
    return aliases


def renamed(facts: Facts, mapping: dict[str, str] | None) -> Facts:
    """The facts with every imported name of the file's own roots given its scan-root name."""
    if not mapping:
        return facts

    def rename(name: str) -> str:
        top, dot, rest = name.partition(".")
        if top not in mapping:
            return name
        target = mapping[top]
        # already a scan-root name (the file's own, or a relative import's): an app folder named
        # like its package (`my-app/my_app/agent.py` is `my_app.my_app.agent`) must not grow again
        if name == target or name.startswith(target + "."):
            return name
        return target + dot + rest

    def walk(value):
        if isinstance(value, Ref):
            return replace(value, qualname=rename(value.qualname))
        if isinstance(value, CallSite):
            return replace(value, callee=tuple(rename(name) for name in value.callee))
        if isinstance(value, Invocation):  # its callee, then the Refs of its arguments
            value = replace(value, callee=tuple(rename(name) for name in value.callee))
        if isinstance(value, tuple):
            return tuple(walk(item) for item in value)
        if is_dataclass(value) and not isinstance(value, type):
            changes = {}
            for field in fields(value):
                old = getattr(value, field.name)
                new = rename(old) if field.name in ("function", "target", "builtin") and isinstance(old, str) else walk(old)
                if field.name == "name_parts" and isinstance(old, tuple):
                    new = tuple((kind, rename(text) if kind == "ref" else text) for kind, text in old)
                if new is not old:
                    changes[field.name] = new
            return replace(value, **changes) if changes else value
        return value

    return walk(facts)


def _top_levels(files: list[SourceFile]) -> dict[PurePosixPath, dict[str, str]]:
    """The modules and packages directly inside each folder that holds Python files."""
    tops: dict[PurePosixPath, dict[str, str]] = {}
    for source in files:
        path = PurePosixPath(source.path)
        parents = [path.parent, *path.parent.parents]
        for depth, folder in enumerate(parents[:-1]):  # every folder above, but the scan root
            child = path.parts[len(folder.parts)]
            name = child[:-3] if child.endswith(".py") and depth == 0 else child
            if name == "__init__" or not name.isidentifier():
                continue
            dotted = module_name(str(folder / name) + ".py")
            tops.setdefault(folder, {}).setdefault(name, dotted)
    return tops


def _roots(root: Path, folder: PurePosixPath) -> list[PurePosixPath]:
    found = []
    script = folder
    while script.parts and (root / script / "__init__.py").is_file():
        script = script.parent
    if script.parts:
        found.append(script)
    for candidate in [folder, *folder.parents][:-1]:
        if any((root / candidate / name).is_file() for name in PROJECT_FILES) or any((root / candidate).glob("requirements*.txt")):
            found.append(candidate / "src" if (root / candidate / "src").is_dir() else candidate)
            break
    return list(dict.fromkeys(found))

"""Globs have gitignore's semantics everywhere (riskscan.discover.globs, through pathspec): `exclude`,
`per-path-ignores`, suppression paths, and `.gitignore` files read outside a git work tree. Each
case below is one where the hand-written matcher riskscan had before disagreed with git."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from riskscan.discover import discover, globs
from riskscan.scan import scan
from riskscan.triage.select import Selection, SelectionError, from_config, path_matches
from riskscan.types import Config

OPS = Path(__file__).resolve().parents[2] / "fixtures" / "cases" / "fastmcp-ops-server"  # RS102 and RS301, in server.py


@pytest.mark.parametrize(("path", "glob", "expected"), [
    ("src/pkg/a.py", "src/*", True),  # `*` matches the folder src/pkg, and so everything in it
    ("build/x.py", "/build", True),  # a leading `/` anchors at the root ...
    ("a/build/x.py", "/build", False),  # ... and only there
    ("a/vendor/x.py", "vendor", True),  # a name without `/` matches at any depth
    ("a/docs/x.py", "docs/", True),  # a trailing `/`: the folder, at any depth, and what is in it
    ("docs", "docs/", False),  # ... and never a file of that name
    ("a/tests/b.py", "**/tests/**", True),
    ("tests/b.py", "**/tests/**", True),
])
def test_one_glob_follows_gitignore(path, glob, expected):
    assert path_matches(path, glob) is expected


def test_a_later_negation_takes_back_an_exclusion():
    assert globs.matches("src/pkg/a.py", ("src/*", "!src/keep.py"))
    assert not globs.matches("src/keep.py", ("src/*", "!src/keep.py"))


def test_a_negated_per_path_ignore_applies_everywhere_else_as_in_ruff():
    selection = Selection(select=("ALL",), ignore=(), per_path_ignores=(("!src/**", ("RS1",)),))
    assert not selection.enabled_at("RS101", "scripts/tool.py")
    assert selection.enabled_at("RS101", "src/agent.py")


def test_exclude_takes_an_anchored_glob_and_a_negation():
    assert [f.rule_id for f in scan(str(OPS)).findings if f.kind == "path"]
    assert scan(str(OPS), Config(exclude=("/server.py",))).findings == ()
    assert scan(str(OPS), Config(exclude=("*.py", "!server.py"))).findings == scan(str(OPS)).findings


@pytest.mark.parametrize("bad", ["!", "src\\"])
def test_a_glob_pathspec_cannot_read_is_a_configuration_error(bad):
    with pytest.raises(SelectionError, match="is not a gitignore-style glob"):
        from_config(Config(exclude=(bad,)), ("RS101",))
    with pytest.raises(SelectionError, match="per-path-ignores"):
        from_config(Config(per_path_ignores=((bad, ("RS1",)),)), ("RS101",))


def project(root: Path) -> None:
    """A tree whose .gitignore files use every feature: anchoring, folder-only patterns, `**`, a
    negation, a nested file that overrides the root's, and a line git cannot read."""
    files = {
        ".gitignore": "/release\nout/\n**/generated/**\n*.json\n!keep.json\nnotes\n\\\n",
        "release/agent.py": "", "src/release/agent.py": "", "out/a.py": "", "src/out/a.py": "",
        "src/generated/tools.py": "", "a.json": "", "keep.json": "{}", "src/b.json": "",
        "notes/x.py": "", "src/notes": "", "src/agent.py": "",
        "sub/.gitignore": "!*.json\nlocal.py\n", "sub/c.json": "{}", "sub/local.py": "", "sub/main.py": "",
    }
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)


def listed(root: Path) -> list[str]:
    return sorted(f.path for f in discover(root).files)


def test_gitignore_files_outside_git_ignore_what_git_ignores(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    plain, repository = tmp_path / "plain", tmp_path / "repository"
    for root in (plain, repository):
        root.mkdir()
        project(root)
    subprocess.run(["git", "init", "-q", str(repository)], check=True)
    assert listed(plain) == ["keep.json", "src/agent.py", "src/release/agent.py", "sub/c.json", "sub/main.py"]
    assert listed(plain) == listed(repository)  # the walk and `git ls-files` agree

"""Discover: which files are read, as what, and what is reported instead of read."""

import os
import subprocess

import pytest

from riskscan.discover import discover, module_name


def write(root, relative, text="x = 1\n"):
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def listed(discovery):
    return [(f.path, f.kind, f.module) for f in discovery.files]


def test_walk_picks_python_and_json_and_skips_environments(tmp_path):
    write(tmp_path, "app/agent.py")
    write(tmp_path, "app/__init__.py")
    write(tmp_path, ".mcp.json", "{}")
    write(tmp_path, "package.json", "{}")
    write(tmp_path, ".venv/lib/site.py")
    write(tmp_path, "node_modules/x/index.py")
    write(tmp_path, "notes.txt", "hello")
    assert listed(discover(tmp_path)) == [
        (".mcp.json", "json", None),
        ("app/__init__.py", "python", "app"),
        ("app/agent.py", "python", "app.agent"),
    ]


def test_git_repository_lists_tracked_and_untracked_but_not_ignored(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    write(tmp_path, ".gitignore", "generated/\n")
    write(tmp_path, "tracked.py")
    write(tmp_path, "untracked.py")
    write(tmp_path, "generated/out.py")
    subprocess.run(["git", "-C", str(tmp_path), "add", "tracked.py", ".gitignore"], check=True)
    assert [f.path for f in discover(tmp_path).files] == ["tracked.py", "untracked.py"]


def test_large_files_are_reported_not_read(tmp_path):
    write(tmp_path, "big.py", "x = 1\n" * 100)
    write(tmp_path, "small.py")
    found = discover(tmp_path, max_file_bytes=100)
    assert [f.path for f in found.files] == ["small.py"]
    assert [(d.location.path, d.code) for d in found.diagnostics] == [("big.py", "file-too-large")]
    assert "over the 100-byte limit" in found.diagnostics[0].message


def test_links_out_of_the_root_and_broken_links_are_not_followed(tmp_path):
    outside = tmp_path / "outside"
    root = tmp_path / "root"
    write(outside, "secret.py")
    write(root, "inside.py")
    os.symlink(outside / "secret.py", root / "escape.py")
    os.symlink(root / "missing.py", root / "dangling.py")
    os.symlink(root / "inside.py", root / "alias.py")
    found = discover(root)
    assert [f.path for f in found.files] == ["alias.py", "inside.py"]
    assert sorted((d.location.path, d.code) for d in found.diagnostics) == [
        ("dangling.py", "broken-link"),
        ("escape.py", "link-outside-root"),
    ]


def test_a_single_file_can_be_scanned(tmp_path):
    path = write(tmp_path, "tools.py")
    found = discover(path)
    assert found.root == str(tmp_path.resolve())
    assert listed(found) == [("tools.py", "python", "tools")]


@pytest.mark.parametrize(
    "relative, module",
    [("pkg/mod.py", "pkg.mod"), ("pkg/__init__.py", "pkg"), ("src/pkg/mod.py", "pkg.mod"), ("my-app/main.py", "my_app.main"), ("__init__.py", "__init__")],
)
def test_module_names(relative, module):
    assert module_name(relative) == module

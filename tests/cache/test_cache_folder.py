"""The cache folder: $RISKSCAN_CACHE_DIR or --cache-dir, else platformdirs' user cache folder; and
the folders of other riskscan versions are removed when a run makes its own, safely: only
riskscan's own folders, directly under the cache root, never through a symbolic link."""

from __future__ import annotations

from pathlib import Path

import platformdirs
import pytest

from riskscan import __version__
from riskscan import cache as cache_module
from riskscan.cache import FORMAT, KEY_FILE, Cache, code_digest, default_folder
from riskscan.types import Facts

NEW = Facts("new.py", "python")  # an entry of the shape riskscan writes in "facts" (one of another shape is rebuilt)

KEY = "ab" * 32


def test_the_default_folder_is_the_platforms_user_cache_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("RISKSCAN_CACHE_DIR", raising=False)
    asked = []

    def user_cache_dir(appname, appauthor=None, *args, **kwargs):
        asked.append((appname, appauthor))
        return str(tmp_path / "platform" / appname)

    monkeypatch.setattr(platformdirs, "user_cache_dir", user_cache_dir)
    assert default_folder() == tmp_path / "platform" / "riskscan"
    assert asked == [("riskscan", False)]
    monkeypatch.setenv("RISKSCAN_CACHE_DIR", str(tmp_path / "chosen"))
    assert default_folder() == tmp_path / "chosen"


def test_cache_dir_option_is_where_a_scan_writes(tmp_path):
    from click.testing import CliRunner

    from riskscan.cli import main

    project = tmp_path / "project"
    project.mkdir()
    (project / "tools.py").write_text("def helper():\n    return 1\n")
    chosen = tmp_path / "chosen"
    result = CliRunner().invoke(main, ["scan", str(project), "--cache-dir", str(chosen), "-q"])
    assert result.exit_code == 0, result.output
    folders = [p.name for p in chosen.iterdir() if p.name != KEY_FILE]
    assert (chosen / KEY_FILE).is_file() and folders and all(name.startswith(f"{__version__}-{FORMAT}-{code_digest()[:16]}-") for name in folders)


def entries(root: Path, name: str) -> Path:
    """A folder shaped as the cache writes it: ROOT/NAME/facts/ab/KEY.json."""
    entry = root / name / "facts" / "ab" / f"{KEY}.json"
    entry.parent.mkdir(parents=True)
    entry.write_text('{"key": "%s", "value": null}' % KEY)
    return root / name


@pytest.mark.skipif(not cache_module.shutil.rmtree.avoids_symlink_attacks, reason="no symlink-safe removal here")
def test_a_new_folder_removes_the_folders_of_other_versions_and_nothing_else(tmp_path):
    root = tmp_path / "cache"
    code = code_digest()[:16]
    old_version = entries(root, f"0.0.9-{FORMAT}-{code}-{'1' * 16}")
    old_code = entries(root, f"2.0-{FORMAT}-{'0' * 16}-{'1' * 16}")
    unversioned = entries(root, "0123456789abcdef")  # the layout before versioned names
    other_rules = entries(root, f"2.0-{FORMAT}-{code}-{'2' * 16}")  # same code, another project's rulesets
    unrelated = root / "0123456789abcdee" / "photos"  # a 16-hex name whose contents are not riskscan's
    unrelated.mkdir(parents=True)
    (root / "notes").mkdir()
    outside = tmp_path / "outside"
    entries(outside, "kept")
    (root / f"0.0.8-{FORMAT}-{code}-{'3' * 16}").symlink_to(outside, target_is_directory=True)  # a link is never followed
    (old_version / "facts" / "cd").symlink_to(outside / "kept", target_is_directory=True)  # nor one inside

    Cache(root, "2.0", "rules").get("facts", KEY)  # reading removes nothing
    assert old_version.is_dir()
    Cache(root, "2.0", "rules").put("facts", KEY, NEW)

    left = sorted(p.name for p in root.iterdir())
    assert not old_version.exists() and not old_code.exists() and not unversioned.exists()
    assert other_rules.is_dir() and unrelated.is_dir() and (root / "notes").is_dir()
    assert (root / f"0.0.8-{FORMAT}-{code}-{'3' * 16}").is_symlink()
    assert (outside / "kept" / "facts" / "ab" / f"{KEY}.json").is_file()
    assert Cache(root, "2.0", "rules").get("facts", KEY) == NEW
    assert len(left) == 6  # this run's, the other rulesets', the unrelated two, the link, the key file


def test_pruning_never_leaves_the_root(tmp_path):
    # a root that is itself a link is not trusted (tests/test_hostile_cachesafe.py): nothing is
    # written or pruned through it; a root below a linked folder (a cache on another disk) is used
    real = tmp_path / "real"
    entries(real, f"0.0.1-{FORMAT}-{'0' * 16}-{'1' * 16}")
    (tmp_path / "root").symlink_to(real, target_is_directory=True)
    Cache(tmp_path / "root", "2.0", "rules").put("facts", KEY, NEW)
    assert (tmp_path / "root").is_symlink() and [p.name.split("-")[0] for p in real.iterdir()] == ["0.0.1"]
    (tmp_path / "disk").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    entries(tmp_path / "elsewhere" / "riskscan", f"0.0.1-{FORMAT}-{'0' * 16}-{'1' * 16}")
    Cache(tmp_path / "disk" / "riskscan", "2.0", "rules").put("facts", KEY, NEW)
    assert sorted(p.name.split("-")[0] for p in (tmp_path / "elsewhere" / "riskscan").iterdir()) == ["2.0", KEY_FILE]

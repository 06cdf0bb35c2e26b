"""The cache cannot be poisoned, and keeps no secret (issue #15, items 2 and 11).

Anyone can compute the names of riskscan's cache entries from the public release, so a name proves
nothing: every entry carries an HMAC under a per-user key in the cache root, and an entry that fails
it (rewritten, a flipped byte, copied from another cache) is discarded, counted in a note and
rebuilt. A cache root that is a symbolic link, or a key file that is not the user's own 0600
regular file, is not used. The default cache folder is not used inside the scanned folder. What the
cache keeps is what the report shows: no secret's value. Attack inputs: fixtures/hostile/cachesafe/.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
from dataclasses import replace
from pathlib import Path

import platformdirs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from secret_shapes import needles, secret_project, secrets

from riskscan import cache as cache_module
from riskscan import discover, rulesets
from riskscan.cache import Cache, code_digest, encode
from riskscan.report.json_format import render_json
from riskscan.scan import reading, scan
from riskscan.types import Config, Facts

CHECKOUT = Path(__file__).parents[1]
EXAMPLE = CHECKOUT / "examples" / "support-desk"
FIXTURES = CHECKOUT / "fixtures" / "hostile" / "cachesafe"
EXAMPLE_FINDINGS = 15  # the bundled example's findings: the README's, and Claude Code's own tools' five
KEY_FILE = "integrity.key"  # the per-user key in the cache root (riskscan/cache/ KEY_FILE)


def config(folder: Path) -> Config:
    return Config(cache_dir=str(folder), workers=1)


def without_cache_notes(report):
    return replace(report, diagnostics=tuple(d for d in report.diagnostics if not d.code.startswith("cache-")))


def cache_notes(report) -> dict[str, str]:
    return {d.code: d.message for d in report.diagnostics if d.code.startswith("cache-")}


@pytest.fixture(scope="module")
def cold(tmp_path_factory):
    """A cold scan of the example with a fresh cache: the report, and the cache folder it filled."""
    folder = tmp_path_factory.mktemp("example-cache") / "cache"
    report = scan(str(EXAMPLE), config(folder))
    assert len(report.findings) == EXAMPLE_FINDINGS and not cache_notes(report)
    return report, folder


def entry_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.json") if p.is_file())


def poison(entry: Path) -> None:
    """Rewrite an entry to claim that its file says nothing (facts) or that the system has no paths
    (solved), keeping its name, in the format the entry is in, with any unkeyed hash recomputed:
    what anyone who can write to the cache folder can do."""
    data = entry.read_bytes()
    only_key_and_value = data.startswith(b"{")  # else a hash line, then the value
    value = json.loads(data)["value"] if only_key_and_value else json.loads(data.partition(b"\n")[2])
    if entry.parts[-3] == "facts":
        value = encode(Facts(value["path"], value["kind"], value["module"]))
    elif entry.parts[-3] == "solved":
        value[0].update(agents=[], tools=[], hygiene=[])
        value = [value[0], [], [], [], []]
    else:
        return
    if only_key_and_value:
        entry.write_bytes(json.dumps({"key": entry.stem, "value": value}).encode())
    else:  # the hash recomputed over the new value
        body = json.dumps(value, separators=(",", ":")).encode()
        entry.write_bytes(hashlib.sha256(body).hexdigest().encode() + b"\n" + body)


def test_a_poisoned_copy_of_the_examples_cache_still_scans_as_the_example(cold, tmp_path):
    report, folder = cold
    poisoned = tmp_path / "cache"
    shutil.copytree(folder, poisoned, symlinks=True)
    entries = [e for e in entry_files(poisoned) if e.parts[-3] in ("facts", "solved")]
    assert len(entries) >= 4
    for entry in entries:
        poison(entry)
    again = scan(str(EXAMPLE), config(poisoned))
    assert len(again.findings) == EXAMPLE_FINDINGS
    assert render_json(without_cache_notes(again)) == render_json(report)
    assert "failed the integrity check" in cache_notes(again)["cache-discarded"]


def test_entries_copied_from_another_cache_are_not_trusted(cold, tmp_path):
    # a cache folder shipped by someone else (here: an unpoisoned one) under this user's own key
    report, folder = cold
    mine = tmp_path / "cache"
    scan(str(FIXTURES / "reference-in-config"), config(mine))  # this user's key
    for namespace in folder.iterdir():
        if namespace.is_dir():
            shutil.copytree(namespace, mine / namespace.name, dirs_exist_ok=True)
    again = scan(str(EXAMPLE), config(mine))
    assert render_json(without_cache_notes(again)) == render_json(report)
    discarded = int(cache_notes(again)["cache-discarded"].split()[0])
    assert discarded >= len([e for e in entry_files(folder) if e.parts[-3] == "facts"])


def test_a_flipped_byte_in_an_entry_is_discarded_and_rebuilt(cold, tmp_path):
    report, folder = cold
    copy = tmp_path / "cache"
    shutil.copytree(folder, copy, symlinks=True)
    entry = next(e for e in entry_files(copy) if e.parts[-3] == "facts" and b'"line":1' in e.read_bytes())
    data = entry.read_bytes()
    at = data.index(b'"line":1') + len(b'"line":')
    flipped = data[:at] + b"2" + data[at + 1 :]  # still an entry that decodes: a finding one line off
    entry.write_bytes(flipped)
    again = scan(str(EXAMPLE), config(copy))
    assert render_json(without_cache_notes(again)) == render_json(report)
    assert cache_notes(again)["cache-discarded"].startswith("1 cache entry failed the integrity check")
    assert entry.read_bytes() == data  # rebuilt as the cold scan wrote it
    assert not cache_notes(scan(str(EXAMPLE), config(copy)))


def test_a_second_run_with_a_valid_cache_reads_nothing(cold):
    report, folder = cold
    found = discover.discover(str(EXAMPLE))
    warm = reading.read(found, rulesets.load(()), config(folder))
    assert warm.read == 0 and warm.cached == len(found.files) and warm.cache.discarded == 0
    assert render_json(scan(str(EXAMPLE), config(folder))) == render_json(report)


def test_the_key_file_is_made_once_with_mode_0600(tmp_path):
    root = tmp_path / "cache"
    Cache(root, "2.0", "rules").put("facts", "ab" * 32, Facts("x.py", "python"))
    key = root / KEY_FILE
    info = os.lstat(key)
    assert stat.S_ISREG(info.st_mode) and stat.S_IMODE(info.st_mode) == 0o600 and info.st_size == 32
    assert stat.S_IMODE(os.lstat(root).st_mode) == 0o700
    secret = key.read_bytes()
    other = Cache(root, "3.0", "other rules")  # another version keeps the key
    other.put("facts", "cd" * 32, Facts("y.py", "python"))
    assert key.read_bytes() == secret and other.get("facts", "cd" * 32) == Facts("y.py", "python")
    assert [p.name for p in root.iterdir() if p.name.startswith(".")] == []  # no temporary left


@pytest.mark.skipif(os.name != "posix", reason="file modes and owners are POSIX")
@pytest.mark.parametrize("damage", ["mode 0644", "mode 0400", "a link to a key file", "a folder", "short", "another owner"])
def test_a_key_file_that_is_not_the_users_own_keeps_the_cache_unused(cold, tmp_path, damage):
    report, folder = cold
    copy = tmp_path / "cache"
    shutil.copytree(folder, copy, symlinks=True)
    key = copy / KEY_FILE
    if damage.startswith("mode"):
        key.chmod(int(damage.split()[1], 8))
    elif damage == "a link to a key file":
        (tmp_path / "planted.key").write_bytes(key.read_bytes())
        (tmp_path / "planted.key").chmod(0o600)
        key.unlink()
        key.symlink_to(tmp_path / "planted.key")
    elif damage == "a folder":
        key.unlink()
        key.mkdir()
    elif damage == "short":
        key.write_bytes(b"0" * 8)
    else:
        if os.getuid() != 0:
            pytest.skip("only root can give a file to another user")
        os.chown(key, 65534, -1)
    before = {p: p.read_bytes() for p in entry_files(copy)}
    again = scan(str(EXAMPLE), config(copy))
    assert render_json(without_cache_notes(again)) == render_json(report)
    assert "is not used" in cache_notes(again)["cache-untrusted"] and KEY_FILE in cache_notes(again)["cache-untrusted"]
    warm = reading.read(discover.discover(str(EXAMPLE)), rulesets.load(()), config(copy))
    assert warm.cached == 0 and warm.read > 0  # nothing taken from it
    assert {p: p.read_bytes() for p in entry_files(copy)} == before  # nor written to it


def test_a_cache_folder_that_is_a_symbolic_link_is_not_used(tmp_path):
    target = tmp_path / "elsewhere"
    target.mkdir()
    (tmp_path / "cache").symlink_to(target, target_is_directory=True)
    report = scan(str(EXAMPLE), config(tmp_path / "cache"))
    assert len(report.findings) == EXAMPLE_FINDINGS
    assert "symbolic link" in cache_notes(report)["cache-untrusted"]
    assert list(target.iterdir()) == []


def test_the_default_cache_folder_is_not_used_inside_the_scanned_folder(tmp_path, monkeypatch):
    project = tmp_path / "home"
    shutil.copytree(EXAMPLE, project)
    monkeypatch.delenv("RISKSCAN_CACHE_DIR", raising=False)
    monkeypatch.setattr(platformdirs, "user_cache_dir", lambda *args, **kwargs: str(project / ".cache" / "riskscan"))
    report = scan(str(project), Config(workers=1))
    assert len(report.findings) == EXAMPLE_FINDINGS
    assert "inside the scanned folder" in cache_notes(report)["cache-untrusted"]
    assert not (project / ".cache").exists()
    # a folder the user names is theirs to choose, inside the scanned folder too
    named = scan(str(project), config(project / ".cache" / "riskscan"))
    assert not cache_notes(named) and (project / ".cache" / "riskscan" / KEY_FILE).is_file()


def test_the_code_digest_covers_the_bundled_rulesets(tmp_path, monkeypatch):
    copy = tmp_path / "rulesets"
    shutil.copytree(rulesets.bundled_dir(), copy)
    monkeypatch.setattr(rulesets, "bundled_dir", lambda: copy)
    monkeypatch.setattr(cache_module, "_CODE_DIGEST", [])
    before = code_digest()
    catalog = sorted(copy.glob("*.yaml"))[0]
    catalog.write_bytes(catalog.read_bytes() + b"\n# edited\n")
    monkeypatch.setattr(cache_module, "_CODE_DIGEST", [])
    assert code_digest() != before


def cache_leaks(folder: Path, shapes: dict[str, str]) -> list[str]:
    """The secrets whose bytes (as written, or JSON-escaped) any file of the cache holds."""
    found = set()
    for path in folder.rglob("*"):
        if not path.is_file() or path.name == KEY_FILE:
            continue
        data = path.read_bytes()
        for name, value in shapes.items():
            for needle in needles(name, value):
                if needle.encode() in data or json.dumps(needle)[1:-1].encode() in data:
                    found.add(f"{name} in {path.relative_to(folder)}")
    return sorted(found)


def test_a_plaintext_key_in_a_config_is_reported_but_not_kept_in_the_cache(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "secret-in-config", project)
    shapes = {name: secrets()[name] for name in ("github", "aws-secret")}
    for path in (project / ".mcp.json", project / ".claude" / "settings.json", project / "tools.json"):
        path.write_text(path.read_text().replace("@@KEY@@", shapes["github"]).replace("@@SECRET@@", shapes["aws-secret"]))
    folder = tmp_path / "cache"
    report = scan(str(project), config(folder))
    assert {(f.rule_id, f.location.path) for f in report.findings} >= {("RS201", ".mcp.json")}
    hook = next(f for f in report.findings if f.location.path == ".claude/settings.json")
    assert "Authorization: Bearer" in hook.message or any("Authorization: Bearer" in str(e) for e in hook.evidence)
    assert entry_files(folder) and cache_leaks(folder, shapes) == []
    again = scan(str(project), config(folder))  # from the cache: the same report, the same redaction
    assert render_json(again) == render_json(report) == render_json(scan(str(project), Config(cache=False)))
    assert all(value not in render_json(again) for value in shapes.values())


def test_the_benign_look_alike_keeps_its_references(tmp_path):
    folder = tmp_path / "cache"
    report = scan(str(FIXTURES / "reference-in-config"), config(folder))
    assert report.findings and "RS201" not in {f.rule_id for f in report.findings}
    assert entry_files(folder) and render_json(report) == render_json(scan(str(FIXTURES / "reference-in-config"), Config(cache=False)))


def test_no_secret_of_any_shape_anywhere_reaches_the_cache(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    shapes = secret_project(project)
    folder = tmp_path / "cache"
    report = scan(str(project), Config(cache_dir=str(folder), read_all=True, workers=1, timeout_ms=2000))
    assert "RS201" in {f.rule_id for f in report.findings}
    assert entry_files(folder) and cache_leaks(folder, shapes) == []
    again = scan(str(project), Config(cache_dir=str(folder), read_all=True, workers=1, timeout_ms=2000))
    assert render_json(again) == render_json(report)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300), signed=st.booleans())
def test_no_bytes_in_an_entry_crash_a_read_or_pass_unsigned(tmp_path, data, signed):
    # any bytes where an entry is: no exception; a value only when this user's key signed it, and
    # then only one of riskscan's own types (anything else is rebuilt)
    store = Cache(tmp_path / "fuzz-cache", "2.0", "rules")
    store.put("facts", "ab" * 32, ("seed",))
    entry = store._path("facts", "ab" * 32)
    if signed:
        data = store._mac(store._key(), "facts", "ab" * 32, data).encode() + b"\n" + data
    entry.write_bytes(data)
    value = store.get("facts", "ab" * 32)
    assert value is None or signed
    assert store.discarded == (0 if signed else 1)


def test_a_locked_manifest_whose_texts_hold_a_secret_has_not_drifted(tmp_path):
    # facts are redacted before the model sees them; `riskscan lock` pins the same redacted texts,
    # so the scan right after the lock reports no change (RS213), with the cache or without
    from riskscan.mcp import lock

    shutil.copy(FIXTURES / "secret-in-config" / "tools.json", tmp_path / "tools.json")
    manifest = tmp_path / "tools.json"
    manifest.write_text(manifest.read_text().replace("@@KEY@@", secrets()["github"]).replace("@@SECRET@@", secrets()["aws-secret"]))
    lock.run(str(tmp_path))
    for scan_config in (Config(cache=False), config(tmp_path.parent / f"{tmp_path.name}-cache")):
        assert not {"RS213", "RS214"} & {f.rule_id for f in scan(str(tmp_path), scan_config).findings}

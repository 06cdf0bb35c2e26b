"""Issue #15, items 4 and 5: a scanned repository cannot make riskscan write through a link, write
outside the folder the user named, or read files outside the scanned folder.

The attacks need symbolic links, FIFOs and a crafted `.git` folder, which cannot be committed as
they are: each test builds them in tmp_path, from fixtures/hostile/paths/ (a dangerous agent that
stands for a file outside the repository, and the benign agent the repository commits). "Outside"
is a folder beside the repository, snapshotted before and compared after.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from riskscan.cli import main
from riskscan.files import write_new_or_replace
from riskscan.scan import scan

REPO = Path(__file__).resolve().parents[1]
HOSTILE = REPO / "fixtures" / "hostile" / "paths"
OUTSIDE_RULES = {"RS101", "RS102", "RS312"}  # what fixtures/hostile/paths/outside/agents.py gives
ORIGINAL = "# the user's own file, outside the scanned folder\nexport PATH=$HOME/bin:$PATH\n"


# --- building the attacks ----------------------------------------------------------------------


def git(folder: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(folder), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
                          check=True, capture_output=True, text=True).stdout


def project(tmp_path: Path, committed: bool = True) -> tuple[Path, Path]:
    """tmp_path/outside (the dangerous agent, and a file of the user's) and tmp_path/repo (the benign
    agent, committed to git when `committed`)."""
    outside, repo = tmp_path / "outside", tmp_path / "repo"
    shutil.copytree(HOSTILE / "outside", outside)
    (outside / ".bashrc").write_text(ORIGINAL)
    shutil.copytree(HOSTILE / "inside", repo)
    if committed:
        git(repo, "init", "-q")
        git(repo, "add", ".")
        git(repo, "commit", "-q", "-m", "benign")
    return outside, repo


def snapshot(folder: Path) -> dict[str, tuple[str, bytes]]:
    """Every entry under `folder`: its kind and its bytes (a link: its target)."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_symlink():
            found[path.relative_to(folder).as_posix()] = ("link", os.readlink(path).encode())
        elif path.is_file():
            found[path.relative_to(folder).as_posix()] = ("file", path.read_bytes())
        else:
            found[path.relative_to(folder).as_posix()] = ("folder", b"")
    return found


def craft_index(repo: Path, extra: list[tuple[str, Path]]) -> None:
    """Rewrite repo/.git/index (format version 2) with the entries git has plus `extra` (name, file
    to take the blob from): git itself refuses `../x` and absolute names (`update-index --index-info`
    says "Ignoring path"), but reads such an index and lists them."""
    entries = []
    for line in git(repo, "ls-files", "-s", "-z").split("\0"):
        if line:
            meta, _, name = line.partition("\t")
            mode, sha, _stage = meta.split()
            entries.append((int(mode, 8), sha, name))
    for name, source in extra:
        sha = git(repo, "hash-object", "-w", str(source)).strip()
        entries.append((0o100644, sha, name))
    body = b"DIRC" + struct.pack(">II", 2, len(entries))
    for mode, sha, name in sorted(entries, key=lambda e: e[2].encode()):
        raw = name.encode()
        entry = struct.pack(">10I", 0, 0, 0, 0, 0, 0, mode, 0, 0, 0) + bytes.fromhex(sha) + struct.pack(">H", min(len(raw), 0xFFF)) + raw
        body += entry + b"\0" * (8 - len(entry) % 8)
    (repo / ".git" / "index").write_bytes(body + hashlib.sha1(body).digest())


def places(report) -> set[str]:
    return {f.location.path for f in (*report.findings, *report.suppressed)} | {
        step.location.path for f in report.findings for step in f.steps}


# --- item 5: nothing outside the root is read ----------------------------------------------------


def test_a_crafted_index_listing_dotdot_and_absolute_paths_reads_nothing_outside(tmp_path):
    outside, repo = project(tmp_path)
    absolute = str(outside / "agents.py")
    craft_index(repo, [("../outside/agents.py", outside / "agents.py"), (absolute, outside / "agents.py")])
    assert {"../outside/agents.py", absolute} <= set(git(repo, "ls-files", "-z").split("\0"))  # the attack is real
    report = scan(str(repo))
    assert not {f.rule_id for f in report.findings} & OUTSIDE_RULES, [f.location for f in report.findings]
    assert places(report) <= {"pkg/agents.py"} and {a.name for a in report.agents} == {"counter"}
    dropped = {d.message for d in report.diagnostics if d.code == "path-outside-root"}
    assert dropped == {
        "git lists '../outside/agents.py': a path with a `..` part, not a path inside the scanned folder (a crafted index?); not read",
        f"git lists {absolute!r}: an absolute path, not a path inside the scanned folder (a crafted index?); not read",
    }


def test_a_committed_folder_replaced_by_a_link_out_of_the_root_is_not_read(tmp_path):
    outside, repo = project(tmp_path)
    shutil.rmtree(repo / "pkg")
    (repo / "pkg").symlink_to(outside, target_is_directory=True)  # git still lists pkg/agents.py
    assert "pkg/agents.py" in git(repo, "ls-files", "-z").split("\0")
    report = scan(str(repo))
    assert report.findings == () and report.agents == ()
    [link] = [d for d in report.diagnostics if d.code == "link-outside-root"]
    assert (link.location.path, link.severity) == ("pkg", "warning")
    assert link.message == "a symbolic link to a folder outside the scanned folder; the 1 file listed below it was not read"


def test_a_link_to_a_folder_inside_the_root_is_still_read(tmp_path):
    """The benign look-alike: a folder link that stays inside the root is not dropped."""
    _, repo = project(tmp_path)
    shutil.move(repo / "pkg", repo / "real")
    (repo / "pkg").symlink_to("real", target_is_directory=True)
    report = scan(str(repo))
    assert {a.name for a in report.agents} == {"counter"}
    assert not [d for d in report.diagnostics if d.code in ("link-outside-root", "path-outside-root")]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs")
def test_diff_reads_no_file_outside_the_scanned_folder(tmp_path):
    """`--diff` hashes the working-tree files git tracks: a crafted index naming a FIFO outside the
    root, and a tracked file replaced by a link to it, made it wait forever on the FIFO."""
    outside, repo = project(tmp_path)
    os.mkfifo(outside / "fifo")
    craft_index(repo, [(str(outside / "fifo"), outside / "agents.py"), ("../outside/fifo", outside / "agents.py")])
    (repo / "pkg" / "agents.py").unlink()
    (repo / "pkg" / "agents.py").symlink_to(outside / "fifo")
    completed = subprocess.run([sys.executable, "-m", "riskscan", "scan", str(repo), "--diff", "HEAD", "-q", "--no-cache",
                                "--format", "json"], cwd=REPO, capture_output=True, text=True, timeout=120,
                               env={**os.environ, "PYTHONPATH": str(REPO)})
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["findings"] == []


def suppressing(rule: str = "RS10", padding: int = 0) -> str:
    """A suppressions file that hides every RS10x finding of the dangerous agent, with a reason."""
    return ("#" * 79 + "\n") * padding + f'[[suppress]]\nrule = "{rule}"\npath = "**"\nreason = "accepted"\n'


def dangerous_repo(tmp_path: Path) -> tuple[Path, Path]:
    outside, repo = project(tmp_path, committed=False)
    shutil.copy(outside / "agents.py", repo / "pkg" / "agents.py")  # this time the danger is the repository's own
    return outside, repo


def test_the_default_suppressions_file_is_not_read_through_a_link_out_of_the_root(tmp_path):
    outside, repo = dangerous_repo(tmp_path)
    (outside / "suppressions.toml").write_text(suppressing())
    (repo / "riskscan-suppressions.toml").symlink_to(outside / "suppressions.toml")
    report = scan(str(repo))
    assert {"RS101", "RS102"} <= {f.rule_id for f in report.findings} and report.suppressed == ()
    [refused] = [d for d in report.diagnostics if d.location.path == "riskscan-suppressions.toml"]
    assert (refused.code, refused.message) == ("link-outside-root", "a symbolic link to a file outside the scanned folder; not read")


def test_the_default_suppressions_file_is_bounded_and_must_be_a_regular_file(tmp_path):
    _, repo = dangerous_repo(tmp_path)
    suppressions = repo / "riskscan-suppressions.toml"
    suppressions.write_text(suppressing(padding=14_000))  # 1.1 MB of comments, then the entry
    report = scan(str(repo))
    assert {"RS101", "RS102"} <= {f.rule_id for f in report.findings} and report.suppressed == ()
    [refused] = [d for d in report.diagnostics if d.location.path == "riskscan-suppressions.toml"]
    assert (refused.code, refused.severity) == ("file-too-large", "error")
    assert refused.message == "over the 1048576-byte limit of a suppressions file; not read"
    suppressions.write_text(suppressing(padding=100))  # the benign look-alike: a small file applies
    assert {f.rule_id for f in scan(str(repo)).suppressed} >= {"RS101", "RS102"}
    if hasattr(os, "mkfifo"):
        suppressions.unlink()
        os.mkfifo(suppressions)
        report = scan(str(repo))
        [refused] = [d for d in report.diagnostics if d.location.path == "riskscan-suppressions.toml"]
        assert (refused.code, refused.message) == ("not-a-file", "not a regular file; not read")


# --- item 4: outputs never write through a link, never outside the named folder -------------------


def trap(tmp_path: Path, name: str) -> tuple[Path, Path]:
    """A file of the user's outside the repository, and `name` in the repository linked to it."""
    outside, repo = project(tmp_path, committed=False)
    link = repo / name
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(outside / ".bashrc")
    return outside / ".bashrc", link


@pytest.mark.parametrize("command", [
    ["scan", "{repo}", "-o", "{link}"],
    ["scan", "{repo}", "--format", "sarif", "-o", "{link}"],
    ["scan", "{repo}", "--sarif-output", "{link}"],
    ["scan", "{repo}", "--markdown-output", "{link}"],
    ["scan", "{repo}", "--json-output", "{link}"],
    ["scan", "{repo}", "--write-baseline", "{link}"],
    ["graph", "{repo}", "-o", "{link}"],
    ["trace", str(REPO / "fixtures" / "traces" / "openai" / "clean.json"), "-o", "{link}"],
], ids=["o", "sarif-o", "sarif-output", "markdown-output", "json-output", "write-baseline", "graph", "trace"])
def test_every_report_replaces_a_link_at_its_path_and_never_writes_through_it(tmp_path, command):
    bashrc, link = trap(tmp_path, "riskscan.sarif")
    args = [part.format(repo=link.parent, link=link) for part in command]
    options = {"scan": ["-q", "--no-cache"], "graph": ["--no-cache"], "trace": []}[args[0]]
    result = CliRunner().invoke(main, [*args, *options], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    assert bashrc.read_text() == ORIGINAL
    assert not link.is_symlink() and link.is_file() and link.read_text() != ORIGINAL
    assert [p.name for p in link.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_lock_replaces_a_shipped_lockfile_link(tmp_path):
    bashrc, link = trap(tmp_path, "riskscan.lock.json")
    result = CliRunner().invoke(main, ["lock", str(link.parent)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert bashrc.read_text() == ORIGINAL
    assert not link.is_symlink() and json.loads(link.read_text())["riskscan_lock"] == 1


def test_the_writer_keeps_an_existing_files_permissions_and_needs_its_folder(tmp_path):
    target = tmp_path / "report.txt"
    target.write_text("old")
    target.chmod(0o600)
    write_new_or_replace(target, "new")
    assert target.read_text() == "new" and stat.S_IMODE(target.stat().st_mode) == 0o600
    with pytest.raises(FileNotFoundError):
        write_new_or_replace(tmp_path / "missing" / "report.txt", "x")
    assert not (tmp_path / "missing").exists()
    result = CliRunner().invoke(main, ["graph", str(HOSTILE / "inside"), "-o", str(tmp_path / "missing" / "g.dot"), "--no-cache"])
    assert result.exit_code == 2 and f"cannot write {tmp_path / 'missing' / 'g.dot'}" in result.output


# --- probe: a server name stays one file inside .riskscan/probe ----------------------------------

SERVER = str(REPO / "tests" / "mcp_stdio_server.py")
HOSTILE_NAMES = ["../../../../escaped", "{outside}/absolute", "a/b", "nul\u0000name", "..", "notes"]


def test_probe_server_names_from_a_config_stay_inside_the_probe_folder(tmp_path):
    pytest.importorskip("mcp")
    from riskscan.mcp.probe import probe

    outside, repo = project(tmp_path, committed=False)
    names = [name.format(outside=outside) for name in HOSTILE_NAMES]  # an absolute name: into the user's folder
    before = snapshot(outside)
    servers = {name: {"command": sys.executable, "args": [SERVER]} for name in names}
    (repo / ".mcp.json").write_text(json.dumps({"mcpServers": servers}))
    results = probe(str(repo / ".mcp.json"), root=str(repo), timeout=30)
    assert [(r.server, r.status) for r in results] == [(name, "ok") for name in sorted(names)], results
    assert snapshot(outside) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["outside", "repo"]
    saved = sorted((repo / ".riskscan" / "probe" / ".mcp.json").iterdir())
    assert len(saved) == len(names) and all(p.is_file() for p in saved)
    assert {json.loads(p.read_text())["probe"]["server"] for p in saved} == set(names)
    assert (repo / ".riskscan" / "probe" / ".mcp.json" / "notes.json").is_file()  # a plain name is kept as it is
    assert sorted(p.relative_to(repo).as_posix() for p in repo.iterdir()) == [".mcp.json", ".riskscan", "pkg"]


def test_probe_refuses_a_probe_folder_that_is_a_link_out_of_the_root(tmp_path):
    pytest.importorskip("mcp")
    from riskscan.mcp.probe import ProbeError, probe

    outside, repo = project(tmp_path, committed=False)
    (repo / ".riskscan").symlink_to(outside, target_is_directory=True)
    (repo / ".mcp.json").write_text(json.dumps({"mcpServers": {"notes": {"command": sys.executable, "args": [SERVER]}}}))
    before = snapshot(outside)
    with pytest.raises(ProbeError, match=r"\.riskscan: a symbolic link to .*, outside .*; nothing written"):
        probe(str(repo / ".mcp.json"), root=str(repo), timeout=30)
    assert snapshot(outside) == before


# --- the Action: its fixed file names are created fresh ------------------------------------------


def test_the_action_replaces_a_sarif_file_the_repository_ships_as_a_link(tmp_path):
    from test_action import run_step

    workspace = tmp_path / "workspace"
    workspace.mkdir()
    home = tmp_path / "home"
    home.mkdir()
    (home / ".bashrc").write_text(ORIGINAL)
    (workspace / "riskscan.sarif").symlink_to(home / ".bashrc")
    run = run_step("scan", workspace, {"path": str(HOSTILE / "inside")})
    assert run.completed.returncode == 0, run.completed.stderr
    assert (home / ".bashrc").read_text() == ORIGINAL
    sarif = workspace / "riskscan.sarif"
    assert not sarif.is_symlink() and json.loads(sarif.read_text())["version"] == "2.1.0"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs")
def test_a_device_or_fifo_named_by_the_user_is_written_into_and_a_link_to_one_is_refused(tmp_path):
    """`-o /dev/null` or a named pipe must stay what it is (replacing /dev/null, as root, would
    break the machine), and a link to one (/dev/stdout, or a repository's link to /dev/sda) is
    neither replaced nor followed. Shown on a FIFO, which a test may create."""
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    write_new_or_replace(fifo, "report\n")
    reader.join(timeout=30)
    assert received == ["report\n"] and stat.S_ISFIFO(os.lstat(fifo).st_mode)
    link = tmp_path / "stdout"
    link.symlink_to(fifo)
    with pytest.raises(OSError, match="a symbolic link to a device, a pipe or a folder"):
        write_new_or_replace(link, "report\n")
    assert link.is_symlink() and os.readlink(link) == str(fifo)


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="Linux /proc")
def test_a_descriptor_link_such_as_dev_stdout_is_written_into_not_replaced(tmp_path):
    """`-o /dev/stdout` (a link to /proc/self/fd/1): replacing it, as root, replaced the machine's
    /dev/stdout with a file. Shown with /proc/self/fd/N, which nothing can replace."""
    with open(tmp_path / "captured", "w") as handle:
        descriptor_link = Path(f"/proc/self/fd/{handle.fileno()}")
        write_new_or_replace(descriptor_link, "report\n")
    assert (tmp_path / "captured").read_text() == "report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["captured"]

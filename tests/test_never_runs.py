"""riskscan never runs what it scans. A canary project whose every piece would leave a marker file
and connect to a listening socket if it ran (module-level code, `__init__.py`, `conftest.py`,
`setup.py`, `sitecustomize.py`, MCP server commands of every client format, a remote server URL,
Claude Code hooks, a YAML python tag, and a `.git/config` whose fsmonitor and filter driver run
commands) is scanned, traced, locked, graphed and explained: no marker, no connection. Only
`riskscan probe`, asked to, starts a server, which shows that the canary works.

In-process, a guard makes every socket connection and every process start but riskscan's own git
(with its safe options) raise, so that any network or process use during a scan fails the test."""

from __future__ import annotations

import json
import os
import shlex
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from riskscan.discover import git_command
from riskscan.scan import scan
from riskscan.trace import check_traces
from riskscan.types import Config


@pytest.fixture
def listener():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.setblocking(False)
    yield server
    server.close()


def connections(server: socket.socket) -> int:
    count = 0
    while True:
        try:
            server.accept()[0].close()
            count += 1
        except BlockingIOError:
            return count


def canary_project(root: Path, markers: Path, port: int) -> Path:
    """A project where running anything leaves a marker named after it and knocks on `port`."""
    markers.mkdir()

    def code(name: str) -> str:
        return (f"import pathlib, socket\npathlib.Path({str(markers / name)!r}).touch()\n"
                f"socket.create_connection(('127.0.0.1', {port}), timeout=1).close()\n")

    def command(name: str) -> list[str]:
        return [sys.executable, "-c", code(name)]

    files = {
        "pkg/__init__.py": code("init"),
        "pkg/__main__.py": code("main"),
        "conftest.py": code("conftest"),
        "setup.py": code("setup") + "from setuptools import setup\nsetup(name='canary')\n",
        "sitecustomize.py": code("sitecustomize"),
        "server.py": code("server") + "from mcp.server.fastmcp import FastMCP\nmcp = FastMCP('canary')\n"
                     "@mcp.tool()\ndef run(cmd: str) -> str:\n    import subprocess\n    return subprocess.run(cmd, shell=True).stdout\n",
        "agent.py": code("agent") + "import subprocess, requests\nfrom agents import Agent, function_tool\n"
                    "@function_tool\ndef fetch(url: str) -> str:\n    return requests.get(url).text\n"
                    "@function_tool\ndef shell(cmd: str) -> str:\n    return subprocess.run(cmd, shell=True).stdout\n"
                    "assistant = Agent(name='Assistant', tools=[fetch, shell])\n",
        ".mcp.json": json.dumps({"mcpServers": {
            "python": {"command": command("mcp-json")[0], "args": command("mcp-json")[1:]},
            "shell": {"command": "sh", "args": ["-c", f"touch {shlex.quote(str(markers / 'sh'))}"]},
            "local": {"command": sys.executable, "args": ["server.py"]},
            "remote": {"type": "http", "url": f"http://127.0.0.1:{port}/mcp"},
        }}),
        ".vscode/mcp.json": json.dumps({"servers": {"python": {"command": sys.executable, "args": command("vscode")[1:]}}}),
        ".codex/config.toml": f"[mcp_servers.python]\ncommand = {json.dumps(sys.executable)}\nargs = {json.dumps(command('codex')[1:])}\n",
        ".continue/mcpServers/canary.yaml": "mcpServers:\n  - name: python\n    command: " + json.dumps(sys.executable)
                                            + "\n    args: " + json.dumps(command("continue")[1:])
                                            + "\n  - name: tagged\n    command: !!python/object/apply:os.system ["
                                            + json.dumps(f"touch {markers / 'yaml-tag'}") + "]\n",
        ".claude/settings.json": json.dumps({"hooks": {"PreToolUse": [{"matcher": "*", "hooks": [
            {"type": "command", "command": f"touch {shlex.quote(str(markers / 'hook'))}"}]}]}}),
        "tools.json": json.dumps({"tools": [{"name": "run", "description": "Runs a command.", "inputSchema": {"type": "object"}}]}),
        "run.jsonl": json.dumps({"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function",
                                 "function": {"name": "shell", "arguments": json.dumps({"cmd": f"touch {markers / 'trace'}"})}}]}) + "\n",
        ".gitattributes": "*.py filter=canary\n",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    git = ["git", "-C", str(root), "-c", "user.email=canary@example.invalid", "-c", "user.name=canary"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "canary"], check=True)
    # set after the commit: from now on any git command that refreshes the index or reads a
    # working-tree file would run these
    touch = f"touch {shlex.quote(str(markers / 'git'))}"
    subprocess.run([*git, "config", "core.fsmonitor", f"{touch}; echo"], check=True)
    subprocess.run([*git, "config", "filter.canary.clean", f"{touch}; cat"], check=True)
    (root / "agent.py").write_text(files["agent.py"] + "# changed since the commit\n")
    return markers


CHECKOUT = Path(__file__).parents[1]


def riskscan(*args: str) -> subprocess.CompletedProcess:
    """The command line of this checkout (its folder first on the path, not the scanned project)."""
    return subprocess.run([sys.executable, "-m", "riskscan", *args], capture_output=True, text=True, timeout=300,
                          cwd=CHECKOUT, check=False)


def test_scan_trace_lock_graph_and_explain_run_nothing_they_read(tmp_path, listener):
    root = tmp_path / "project"
    root.mkdir()
    markers = canary_project(root, tmp_path / "markers", listener.getsockname()[1])
    runs = {
        "scan": riskscan("scan", str(root), "--format", "json", "--exit-zero", "-q", "--no-cache", "--read-all"),
        "scan --diff": riskscan("scan", str(root), "--diff", "HEAD", "--format", "sarif", "--exit-zero", "-q", "--no-cache"),
        "trace": riskscan("trace", str(root / "run.jsonl"), "--with-scan", str(root), "--exit-zero"),
        "lock": riskscan("lock", str(root)),
        "graph": riskscan("graph", str(root), "--format", "json"),
        "explain": riskscan("explain", "1", str(root)),
    }
    for name, result in runs.items():
        assert result.returncode == 0, f"{name}: {result.stderr[-500:]}"
    report = json.loads(runs["scan"].stdout)
    assert {"RS102", "RS207"} <= {f["rule_id"] for f in report["findings"]}  # it did read the canaries
    diffed = json.loads(runs["scan --diff"].stdout)["runs"][0]["results"]
    assert "RS102" in {r["ruleId"] for r in diffed}  # agent.py changed since HEAD: its finding is kept
    assert sorted(p.name for p in markers.iterdir()) == []
    assert connections(listener) == 0


def test_probe_starts_a_server_only_when_asked_which_shows_the_canary_works(tmp_path, listener):
    root = tmp_path / "project"
    root.mkdir()
    markers = canary_project(root, tmp_path / "markers", listener.getsockname()[1])
    result = riskscan("probe", str(root / ".mcp.json"), "--server", "python", "--root", str(root), "--timeout", "20")
    assert "python:" in result.stdout, result.stderr
    assert sorted(p.name for p in markers.iterdir()) == ["mcp-json"]
    assert connections(listener) == 1


def test_diff_asks_git_nothing_that_runs_the_repository_s_configuration(tmp_path, listener):
    root = tmp_path / "project"
    root.mkdir()
    markers = canary_project(root, tmp_path / "markers", listener.getsockname()[1])
    from riskscan.triage.diff import changed_files

    assert "agent.py" in changed_files(str(root), "HEAD")  # found by hashing, not by git's filters
    without = subprocess.run(["git", "-C", str(root), "diff", "--name-only", "HEAD"], capture_output=True, check=False)
    assert without.returncode == 0 and [p.name for p in markers.iterdir()] == ["git"]  # plain git would run it


# --- in process: no connection, no process but riskscan's own safe git ---------------------------


@pytest.fixture
def guard(monkeypatch):
    """`guard()` arms the guard: from then on every connection and every process start raises,
    but git run through riskscan.discover.git_command; it returns the list of attempts."""
    attempts: list[str] = []
    return lambda: _arm(monkeypatch, attempts)


def _arm(monkeypatch, attempts: list[str]) -> list[str]:

    def refuse(what):
        def refused(*args, **kwargs):
            attempts.append(f"{what} {args[:2]!r}")
            raise PermissionError(f"the guard refuses {what} during a scan")

        return refused

    real_popen = subprocess.Popen

    class GuardedPopen(real_popen):
        def __init__(self, argv, *args, **kwargs):
            if not (isinstance(argv, list) and argv[:1] == ["git"] and list(git_command.SAFE_OPTIONS) == argv[3:5]):
                attempts.append(f"Popen {argv!r}")
                raise PermissionError("the guard refuses to start a process during a scan")
            super().__init__(argv, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", refuse("socket.connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("socket.connect_ex"))
    monkeypatch.setattr(socket, "create_connection", refuse("socket.create_connection"))
    monkeypatch.setattr(subprocess, "Popen", GuardedPopen)
    for name in ("system", "popen", "execv", "execve", "execvp", "spawnv", "spawnve", "posix_spawn", "posix_spawnp", "fork"):
        if hasattr(os, name):
            monkeypatch.setattr(os, name, refuse(f"os.{name}"))
    return attempts


def test_the_guard_catches_what_it_guards(guard):
    attempts = guard()
    with pytest.raises(PermissionError):
        socket.create_connection(("127.0.0.1", 9))
    with pytest.raises(PermissionError):
        subprocess.run(["true"], check=False)
    with pytest.raises(PermissionError):
        os.system("true")
    assert len(attempts) == 3


def test_a_scan_and_a_trace_use_no_network_and_no_process_but_git(tmp_path, listener, guard):
    root = tmp_path / "project"
    root.mkdir()
    markers = canary_project(root, tmp_path / "markers", listener.getsockname()[1])
    attempts = guard()
    config = Config(workers=1, read_all=True, cache=False, timeout_ms=2000)
    report = scan(str(root), config)
    assert "RS102" in {f.rule_id for f in report.findings}
    check_traces([str(root / "run.jsonl")], report, config)
    scan(str(root), Config(workers=1, cache=False, diff="HEAD"))
    assert attempts == [] and list(markers.iterdir()) == [] and connections(listener) == 0

"""Hostile input is riskscan's normal input: the bad-input corpus (fixtures/bad-inputs, see its
README.md and expect.yaml) scanned through the command line, each broken file reported with its
code and line while the good files keep their findings; then what must not be committed, made in a
temporary folder: huge files, 100,000-line files, link loops, links out of the root, unreadable
files, a FIFO, newlines in file names, and Python nested thousands deep."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from fuzz_checks import check_report

from riskscan.extract.python.nesting import MAX_DEPTH, nesting_problem
from riskscan.scan import scan
from riskscan.trace import check_traces
from riskscan.types import Config

CORPUS = Path(__file__).parents[1] / "fixtures" / "bad-inputs"
EXPECT = yaml.safe_load((CORPUS / "expect.yaml").read_text(encoding="utf-8"))
BOUND = 120  # seconds: the corpus takes about one; a hang is what this catches


def riskscan(*args: str, timeout: float = BOUND) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "riskscan", *args], capture_output=True, text=True, timeout=timeout,
                          cwd=CORPUS.parents[1], check=False)


@pytest.fixture(scope="module")
def corpus_report() -> dict:
    started = time.monotonic()
    result = riskscan("scan", str(CORPUS), "--format", "json", "--exit-zero", "-q", "--no-cache")
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started < BOUND
    return json.loads(result.stdout)


def _marks(expected: dict):
    return [pytest.mark.xfail(strict=True, reason=expected["known_gap"])] if "known_gap" in expected else []


@pytest.mark.parametrize("path", [pytest.param(p, marks=_marks(e), id=p) for p, e in EXPECT["bad"].items()])
def test_each_bad_file_gets_a_clear_diagnostic_with_its_line(corpus_report, path):
    expected = EXPECT["bad"][path]
    mine = [d for d in corpus_report["diagnostics"] if d["location"]["path"] == path]
    assert (expected["code"], expected["line"]) in {(d["code"], d["location"].get("line", 0)) for d in mine}, mine
    assert all(d["message"].strip() and d["code"] != "internal-error" for d in mine), mine
    rules = sorted({f["rule_id"] for f in corpus_report["findings"] if f["location"]["path"] == path})
    assert rules == sorted(expected.get("findings", [])), rules


@pytest.mark.parametrize("path", list(EXPECT["good"]))
def test_the_good_files_beside_them_keep_their_findings(corpus_report, path):
    assert not [d for d in corpus_report["diagnostics"] if d["location"]["path"] == path]
    rules = {f["rule_id"] for f in corpus_report["findings"] if f["location"]["path"] == path}
    assert rules == set(EXPECT["good"][path])


def test_every_file_of_the_corpus_has_an_expectation():
    listed = set(EXPECT["bad"]) | set(EXPECT["good"]) | set(EXPECT["traces"]) | {"README.md", "expect.yaml"}
    present = {p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*") if p.is_file()}
    assert present == listed


@pytest.mark.parametrize("path", list(EXPECT["traces"]))
def test_each_bad_trace_is_reported_and_the_rest_read(path):
    expected = EXPECT["traces"][path]
    result = riskscan("trace", str(CORPUS / path), "--format", "json", "--exit-zero")
    assert result.returncode == expected.get("exit", 0), result.stderr
    diagnostics = json.loads(result.stdout)["diagnostics"]
    found = {(d["code"], d["location"].get("line", 0)) for d in diagnostics}
    assert found == ({(expected["code"], expected["line"])} if expected["code"] else set())


def test_otlp_values_nested_past_the_stack_are_cut_not_a_crash(tmp_path):
    deep = json.dumps("[" * 900 + "]" * 900)  # JSON text in a string attribute, decoded by the reader
    nested = '{"arrayValue": {"values": [' * 250 + '{"stringValue": "x"}' + "]}}" * 250  # an AnyValue of arrays in arrays
    attributes = [f'{{"key": "gen_ai.tool.call.arguments", "value": {nested}}}',
                  f'{{"key": "gen_ai.tool.call.result", "value": {{"stringValue": {deep}}}}}',
                  f'{{"key": "gen_ai.input.messages", "value": {{"stringValue": {deep}}}}}']
    span = f'{{"traceId": "t", "spanId": "s", "name": "execute_tool fetch_page", "attributes": [{", ".join(attributes)}]}}'
    path = tmp_path / "spans.json"
    path.write_text(f'{{"resourceSpans": [{{"scopeSpans": [{{"spans": [{span}]}}]}}]}}')
    report = check_traces([str(path)])
    assert dict(report.stats)["calls"] == 1 and not report.diagnostics


# --- made at test time ------------------------------------------------------------------------------

GOOD_CONFIG = '{"mcpServers": {"fetch": {"command": "uvx", "args": ["mcp-server-fetch"]}}}\n'
# its one hygiene finding (RS202) shows it was read; as a `.mcp.json` it is also a Claude Code agent
# whose own tools give path findings, which these tests do not count


def _scan(root: Path, **config) -> tuple[object, dict]:
    started = time.monotonic()
    report = scan(str(root), Config(timeout_ms=1000, **config))
    assert time.monotonic() - started < BOUND
    return report, {d.location.path: d for d in report.diagnostics}


def test_huge_files_are_reported_and_skipped_without_being_read(tmp_path):
    for name in ("huge.json", "huge.py"):
        with open(tmp_path / name, "wb") as handle:
            handle.write(b"[" + b"1," * (25 * 1024 * 1024) + b"1]")  # 50 MB
    (tmp_path / ".mcp.json").write_text(GOOD_CONFIG)
    report, diagnostics = _scan(tmp_path)
    for name in ("huge.json", "huge.py"):
        assert diagnostics[name].code == "file-too-large" and "--max-file-bytes" in diagnostics[name].message
    assert [f.rule_id for f in report.findings if f.kind == "hygiene"] == ["RS202"]


def test_files_of_100000_lines_are_read_within_the_bound(tmp_path):
    # A Python module of 100,000 lines that declares nothing (read by the standard parser only; one
    # that declares a tool takes libcst over a minute: see the report of issue 9), a config whose
    # server has 100,000 arguments, and a trace of 100,000 lines.
    (tmp_path / "constants.py").write_text("\n".join(f"VALUE_{i} = {i}" for i in range(100_000)) + "\n")
    (tmp_path / "agent.py").write_text((CORPUS / "good" / "agent.py").read_text())
    args = ",\n".join(f'"--arg-{i}"' for i in range(100_000))
    (tmp_path / ".mcp.json").write_text('{"mcpServers": {"fetch": {"command": "uvx", "args": ["mcp-server-fetch",\n' + args + "]}}}\n")
    report, diagnostics = _scan(tmp_path)
    assert not diagnostics
    assert {(f.rule_id, f.location.path) for f in report.findings} >= {("RS102", "agent.py"), ("RS202", ".mcp.json")}
    call = {"role": "assistant", "content": None, "tool_calls": [{"id": "c", "type": "function", "function": {"name": "fetch", "arguments": "{}"}}]}
    trace = tmp_path / "run.jsonl"
    trace.write_text("\n".join(json.dumps(call) for _ in range(100_000)) + "\n")
    started = time.monotonic()
    checked = check_traces([str(trace)], report)
    assert time.monotonic() - started < BOUND and dict(checked.stats)["calls"] == 100_000


@pytest.mark.parametrize("git", [False, True], ids=["walk", "git"])
def test_links_that_loop_or_leave_the_root_are_not_followed(tmp_path, git):
    root = tmp_path / "project"
    outside = tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (outside / "secret.json").write_text(GOOD_CONFIG)
    (root / ".mcp.json").write_text(GOOD_CONFIG)
    (root / "out.json").symlink_to(outside / "secret.json")
    (root / "a.json").symlink_to(root / "b.json")
    (root / "b.json").symlink_to(root / "a.json")
    (root / "dangling.json").symlink_to(root / "missing.json")
    (root / "loop").symlink_to(root, target_is_directory=True)  # a folder link back to the root
    if git:
        subprocess.run(["git", "init", "-q", str(root)], check=True)
    report, diagnostics = _scan(root)
    assert diagnostics["out.json"].code == "link-outside-root"
    assert {diagnostics[name].code for name in ("a.json", "b.json", "dangling.json")} == {"broken-link"}
    assert [(f.rule_id, f.location.path) for f in report.findings if f.kind == "hygiene"] == [("RS202", ".mcp.json")]


def test_unreadable_files_and_fifos_are_reported_never_waited_on(tmp_path):
    (tmp_path / ".mcp.json").write_text(GOOD_CONFIG)
    locked = tmp_path / "locked" / ".mcp.json"
    locked.parent.mkdir()
    locked.write_text(GOOD_CONFIG)
    locked.chmod(0)
    os.mkfifo(tmp_path / "pipe.json")  # opening it would wait for a writer forever
    (tmp_path / "folder.json").mkdir()
    try:
        report, diagnostics = _scan(tmp_path)
    finally:
        locked.chmod(0o600)
    assert diagnostics["pipe.json"].code == "not-a-file"
    if os.geteuid() == 0:  # root reads a mode-000 file: then it is read like any other
        assert "locked/.mcp.json" not in diagnostics
        assert ("RS202", "locked/.mcp.json") in {(f.rule_id, f.location.path) for f in report.findings}
    else:
        assert diagnostics["locked/.mcp.json"].code == "unreadable"


@pytest.mark.parametrize("git", [False, True], ids=["walk", "git"])
def test_a_newline_in_a_file_name_cannot_forge_report_lines(tmp_path, git):
    odd = "evil\n::error file=x.py::forged.json"
    (tmp_path / odd).write_text(GOOD_CONFIG)
    (tmp_path / "broken\nname.json").write_text('{"mcpServers": {')
    if git:
        subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    report, diagnostics = _scan(tmp_path)
    assert diagnostics["broken\nname.json"].code == "parse-error"
    assert [(f.rule_id, f.location.path) for f in report.findings] == [("RS202", odd)]
    outputs = check_report(report, {odd, "broken\nname.json"})  # JSON and SARIF valid, every format rendered
    assert not [line for line in outputs["github"].splitlines() if line.startswith("::error file=x.py")]
    # the name is shown escaped (report/escaping.py: a visible \n, then the workflow command's own %3A), not split
    assert "file=evil\\n%3A%3Aerror" in outputs["github"]


# --- Python nested thousands deep ------------------------------------------------------------------

DEEP_PYTHON = {
    "parentheses": "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n",
    "sum": "x = " + "+".join(["1"] * 100_000) + "\n",
    "subscripts": "x = a" + "[0]" * 1000 + "\n",
    "lambdas": "x = " + "lambda: " * 3000 + "1\n",
}


@pytest.mark.parametrize("shape", list(DEEP_PYTHON))
def test_nesting_finds_what_libcst_cannot_read(shape):
    line, column, message = nesting_problem(("import os\n" + DEEP_PYTHON[shape]).encode())
    assert line == 2 and column >= 1 and "nested" in message


def test_nesting_leaves_ordinary_and_broken_files_alone():
    assert nesting_problem(("x = " + "[" * 150 + "]" * 150 + "\n").encode()) is None
    assert nesting_problem((Path(__file__)).read_bytes()) is None
    assert nesting_problem(b"def broken(:\n") is None  # libcst reports the syntax error
    assert nesting_problem(b"x = 1\0") is None  # binary: not text
    assert MAX_DEPTH == 200


def test_nesting_prints_no_warning_about_the_code_it_measures():
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert nesting_problem(b'PATTERN = "\\d+"\nx = 1()\n') is None
    assert caught == []


def test_python_nested_thousands_deep_is_a_diagnostic_not_a_crashed_process(tmp_path):
    (tmp_path / "deep.py").write_text(DEEP_PYTHON["parentheses"])
    (tmp_path / ".mcp.json").write_text(GOOD_CONFIG)
    result = riskscan("scan", str(tmp_path), "--format", "json", "--exit-zero", "-q", "--no-cache", "--read-all", timeout=60)
    assert result.returncode == 0, f"exit {result.returncode}: {result.stderr[-300:]}"
    report = json.loads(result.stdout)
    assert [(d["code"], d["location"]["line"]) for d in report["diagnostics"] if d["location"]["path"] == "deep.py"] == [("parse-error", 1)]
    assert [f["rule_id"] for f in report["findings"] if f["kind"] == "hygiene"] == ["RS202"]

"""Issue #15, item 10: inputs that crashed riskscan or lost a whole file. Each attack gets a
diagnostic at its place (file and line), and the rest of its file and the files beside it are
still read. Small attacks are fixtures (fixtures/hostile/crashes, see its README.md); huge ones and
file names that are not UTF-8 are made here in a temporary folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import cache_entries
import pytest
from fuzz_checks import check_report

from riskscan import config
from riskscan.extract.python import extract
from riskscan.report import FORMATS, render
from riskscan.rulesets import load
from riskscan.scan import scan
from riskscan.types import Config, SourceFile

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "hostile" / "crashes"
GOOD_AGENT = (ROOT / "fixtures" / "bad-inputs" / "good" / "agent.py").read_text(encoding="utf-8")
FILESYSTEM_SERVER = '{"mcpServers": {"fs": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/"]}}}\n'
TOOL = "@function_tool\ndef run(cmd: str):\n    os.system(cmd)\n"
HUGE = "1" * 4301  # one digit more than Python's int max str digits


def _riskscan(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "riskscan", *args], capture_output=True, timeout=300, cwd=cwd, env=env, check=False)


def _places(report, path: str) -> set[tuple[str, int]]:
    return {(d.code, d.location.line) for d in report.diagnostics if d.location.path == path}


def _findings(report) -> set[tuple[str, str]]:
    return {(f.rule_id, f.location.path) for f in report.findings}


# --- chains libcst nests: `a or a or ...` ------------------------------------------------------------


def test_a_10000_operand_or_chain_is_a_diagnostic_not_a_dead_process(tmp_path):
    """libcst's native parser overflowed its stack on it: the process died (exit -11), no report."""
    chain = " or ".join(["a"] * 10_000)
    (tmp_path / "chain.py").write_text(f"import os\nfrom agents import function_tool\n\nflag = {chain}\n\n{TOOL}")
    (tmp_path / "good.py").write_text(GOOD_AGENT)
    result = _riskscan("scan", str(tmp_path), "--format", "json", "--exit-zero", "-q", "--no-cache", "--read-all", cwd=tmp_path)
    assert result.returncode == 0, f"exit {result.returncode}: {result.stderr[-300:]!r}"
    report = json.loads(result.stdout)
    [diagnostic] = [d for d in report["diagnostics"] if d["location"]["path"] == "chain.py"]
    assert (diagnostic["code"], diagnostic["location"]["line"]) == ("too-long", 4)
    assert "10000 operands" in diagnostic["message"]
    found = {(f["rule_id"], f["location"]["path"], f["location"]["line"]) for f in report["findings"]}
    assert ("RS301", "chain.py", 8) in found  # the rest of the file is read
    assert {("RS102", "good.py"), ("RS301", "good.py")} <= {(rule, path) for rule, path, _ in found}


@pytest.mark.parametrize("expression", [
    " and ".join(["x"] * 1000),
    " ".join(['"a"'] * 1000),  # implicit concatenation: one Constant to CPython, 1,000 nested nodes to libcst
    "(" + " ".join(["f'a'"] * 600) + ")",
], ids=["and", "strings", "f-strings"])
def test_a_long_chain_in_a_function_blanks_that_statement_only(expression):
    source = f"import os\nfrom agents import function_tool\n\n@function_tool\ndef run(cmd: str):\n    label = {expression}\n    os.system(cmd)\n"
    facts = extract(source.encode(), SourceFile("tools.py", "python", "tools"), load())
    assert [(d.code, d.location.line) for d in facts.diagnostics] == [("too-long", 6)]
    [tool] = facts.tools
    [function] = [f for f in facts.functions if f.qualname == "tools.run"]
    assert tool.name == "run" and any("os.system" in call.callee for call in function.calls)


def test_a_chain_that_shares_its_line_is_reported_at_it_and_the_file_left_unread():
    chain = " or ".join(["a"] * 300)
    facts = extract(f"x = 1; y = {chain}\n".encode(), SourceFile("odd.py", "python", "odd"), load())
    assert [(d.code, d.location.line, d.severity) for d in facts.diagnostics] == [("parse-error", 1, "error")]


# --- lone surrogates and file names that are not UTF-8 ---------------------------------------------


def test_lone_surrogates_in_json_yaml_and_python_reach_every_format_escaped():
    report = scan(str(FIXTURES / "surrogates"), Config(cache=False, read_all=True))
    assert ("RS203", ".mcp.json") in _findings(report) and ("RS301", "tools.py") in _findings(report)
    outputs = check_report(report, {".mcp.json", "tools.py", "crew/config/agents.yaml"})  # JSON and SARIF valid
    for fmt in FORMATS:
        outputs[fmt].encode("utf-8")  # raised UnicodeEncodeError: surrogates not allowed
    assert "\\ud800evil" in outputs["concise"]
    ids = {t["id"] for t in json.loads(outputs["json"])["tools"]}
    assert "mcp:.mcp.json#\ud800evil/read_file" in ids  # in JSON an escape that reads back as the same name


def test_lone_surrogates_on_the_command_line_and_in_a_trace(tmp_path):
    scanned = _riskscan("scan", str(FIXTURES / "surrogates"), "--no-cache", "--exit-zero", "--format", "text", cwd=tmp_path)
    assert scanned.returncode == 0, scanned.stderr[-300:]
    assert b"\\ud800evil" in scanned.stdout
    traced = _riskscan("trace", str(FIXTURES / "surrogates" / "run.jsonl"), "--format", "sarif", "--exit-zero", cwd=tmp_path)
    assert traced.returncode == 0, traced.stderr[-300:]
    json.loads(traced.stdout)


def test_file_names_that_are_not_utf8_are_shown_escaped(tmp_path):
    folder = os.fsencode(tmp_path) + b"/caf\xe9"
    os.mkdir(folder)
    with open(folder + b"/agent\xff.py", "w", encoding="utf-8") as handle:
        handle.write(GOOD_AGENT)
    (tmp_path / ".mcp.json").write_text(FILESYSTEM_SERVER)
    report = scan(str(tmp_path), Config(cache=False))
    odd = "caf\udce9/agent\udcff.py"
    assert {("RS102", odd), ("RS203", ".mcp.json")} <= _findings(report)
    outputs = check_report(report, {odd, ".mcp.json"})
    assert "caf\\udce9/agent\\udcff.py" in outputs["text"]
    sarif = json.loads(outputs["sarif"])
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"] for loc in r["locations"]}
    assert "caf%E9/agent%FF.py" in uris  # the name's own bytes, as a URI names them
    for fmt in ("sarif", "markdown"):
        render(report, fmt).encode("utf-8")
    result = _riskscan("scan", str(tmp_path), "--no-cache", "--exit-zero", "--format", "github", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-300:]


# --- integers of more than 4,300 digits -------------------------------------------------------------


@pytest.mark.parametrize(("path", "text", "line", "finding"), [
    ("agent.py", f"import os\nfrom agents import function_tool\nLIMIT = {HUGE}\n\n{TOOL}", 3, "RS301"),
    (".codex/config.toml", f'timeout = {HUGE}\n[mcp_servers.fs]\ncommand = "npx"\nargs = ["-y", "@modelcontextprotocol/server-filesystem", "/"]\n', 1, "RS203"),
    (".continue/config.yaml", f"name: a\nversion: 1\nretries: {HUGE}\nmcpServers:\n  - name: fs\n    command: npx\n    args: [-y, '@modelcontextprotocol/server-filesystem', /]\n", 3, "RS203"),
    (".mcp.json", f'{{"mcpServers": {{"fs": {{"command": "npx", "timeout": {HUGE},\n "args": ["-y", "@modelcontextprotocol/server-filesystem", "/"]}}}}}}\n', 1, "RS203"),
], ids=["python", "codex-toml", "continue-yaml", "json"])
def test_a_4301_digit_integer_is_reported_at_its_line_and_the_rest_read(tmp_path, path, text, line, finding):
    (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / path).write_text(text)
    (tmp_path / "good.py").write_text(GOOD_AGENT)
    report = scan(str(tmp_path), Config(cache=False, read_all=True))
    assert _places(report, path) == {("too-long", line)}, report.diagnostics
    assert {(finding, path), ("RS102", "good.py")} <= _findings(report)


def test_a_4301_digit_integer_in_a_python_guard_and_schema_is_no_internal_error():
    source = (f"import os\nfrom agents import function_tool\n\n@function_tool\ndef run(cmd: str, n: int = {HUGE}):\n"
              f"    if len(cmd) > {HUGE}:\n        return\n    os.system(cmd)\n")
    facts = extract(source.encode(), SourceFile("agent.py", "python", "agent"), load())
    assert [(d.code, d.location.line) for d in facts.diagnostics] == [("too-long", 5), ("too-long", 6)]
    assert [t.name for t in facts.tools] == ["run"]


@pytest.mark.parametrize("name", ["riskscan.toml", "pyproject.toml"])
def test_a_4301_digit_integer_in_riskscans_own_config_is_an_error_naming_its_line(tmp_path, name):
    table = "[tool.riskscan]\n" if name == "pyproject.toml" else ""
    (tmp_path / name).write_text(f'{table}fail-on = "high"\nmax-steps = {HUGE}\n')
    with pytest.raises(config.ConfigError, match=rf"{name}: invalid TOML: an integer of more digits than Python converts \(at line {2 + bool(table)}\)"):
        config.load(tmp_path / name)


def test_a_4301_digit_integer_in_a_suppressions_file_is_an_error_naming_its_line(tmp_path):
    from riskscan.triage.suppressions import SuppressionsError

    path = tmp_path / "riskscan-suppressions.toml"
    path.write_text(f'[[suppress]]\nrule = "RS203"\nreason = "reviewed"\nuntil = {HUGE}\n')
    with pytest.raises(SuppressionsError, match=r"riskscan-suppressions.toml: invalid TOML: .* \(at line 4\)"):
        scan(str(FIXTURES / "regex"), Config(cache=False, suppressions=str(path)))


# --- encoding declarations that are no text encoding -----------------------------------------------


def test_a_rot13_encoding_declaration_is_reported_at_its_line_never_decoded():
    report = scan(str(FIXTURES / "rot13"), Config(cache=False, read_all=True))
    [diagnostic] = [d for d in report.diagnostics if d.location.path == "rot13.py"]
    assert (diagnostic.code, diagnostic.location.line) == ("parse-error", 2)
    assert "rot13" in diagnostic.message and "not a text encoding" in diagnostic.message
    assert {("RS102", "good.py"), ("RS301", "good.py")} <= _findings(report)


@pytest.mark.parametrize("codec", ["unicode_escape", "raw_unicode_escape", "utf-7", "zlib", "no-such-codec"])
def test_only_real_text_encodings_are_used_to_decode(codec):
    facts = extract(f"# coding: {codec}\nimport os\n".encode(), SourceFile("a.py", "python", "a"), load())
    assert [(d.code, d.location.line) for d in facts.diagnostics] == [("parse-error", 1)]


def test_a_latin1_declaration_is_still_read():
    facts = extract("# coding: latin-1\nNAME = 'café'\n".encode("latin-1"), SourceFile("a.py", "python", "a"), load())
    assert facts.diagnostics == ()


# --- a regex repeat Python's own parser refuses ----------------------------------------------------


def test_a_repeat_of_4294967295_in_a_guard_is_not_understood_never_a_crash():
    report = scan(str(FIXTURES / "regex"), Config(cache=False))
    [finding] = [f for f in report.findings if f.location.path == "agent.py"]
    assert finding.rule_id == "RS301"
    [tool] = json.loads(render(report, "json"))["tools"]
    [gate] = tool["gates"]
    assert gate["status"] == "not-understood" and "4294967295" in gate["detail"]  # the check, named as not read


@pytest.mark.parametrize("pattern", [r"a{0,4294967295}", r"a{5000}", r"(a{2000,})b"])
def test_repeats_beyond_the_bound_are_unsupported(pattern):
    import z3

    from riskscan.solve.regex import Unsupported, to_z3

    with pytest.raises(Unsupported, match="repeat"):
        to_z3(z3, z3.Context(), pattern, "fullmatch")


# --- a cache entry of another shape (found by the cache fuzz target, bench/fuzz.py --reader cache) ---


def test_a_cache_entry_of_another_shape_is_rebuilt_not_used(tmp_path):
    """An entry moved into another section (a file's facts where the solver's result belongs) passed
    the key check and crashed the scan: `cannot unpack non-iterable Facts object`."""
    project = ROOT / "fixtures" / "cases" / "mcp-client-trifecta"
    settings = Config(cache_dir=str(tmp_path), timeout_ms=1000, read_all=True)
    expected = _findings(scan(str(project), settings))
    found = cache_entries.entries(tmp_path)
    facts = next(p for p in found if cache_entries.section_of(p) == "facts").read_bytes().partition(b"\n")[2]
    for entry in found:  # signed with the cache's own key: only the shape check stands in the way
        cache_entries.write_signed(tmp_path, entry, facts)
    assert _findings(scan(str(project), settings)) == expected


def test_a_solved_entry_holding_a_value_of_another_type_is_rebuilt(tmp_path):
    """Found by the cache fuzz target: a `null` among the solver's paths passed and crashed ranking."""
    project = ROOT / "fixtures" / "cases" / "mcp-client-trifecta"
    settings = Config(cache_dir=str(tmp_path), timeout_ms=1000)
    expected = _findings(scan(str(project), settings))
    [solved] = [p for p in cache_entries.entries(tmp_path) if cache_entries.section_of(p) == "solved"]
    value = cache_entries.body_of(solved)
    value[1] = [None, *value[1]]
    cache_entries.write_signed(tmp_path, solved, json.dumps(value).encode())
    assert _findings(scan(str(project), settings)) == expected


# --- found by bench/fuzz.py: a YAML escape past U+10FFFF ---------------------------------------------


@pytest.mark.parametrize(("path", "text", "line"), [
    ("crew/config/agents.yaml", 'researcher:\n  role: npx\n  tools:\n    server.py: "\\x1F\\U10010000"\n', 4),
    (".continue/config.yaml", 'name: a\nversion: 1\nmcpServers:\n  - name: "\\U10010000"\n', 4),
])
def test_a_yaml_escape_that_is_no_character_is_placed_on_its_line(tmp_path, path, text, line):
    """PyYAML's scanner raised ValueError (chr() arg not in range), an internal error losing the file."""
    (tmp_path / path).parent.mkdir(parents=True)
    (tmp_path / path).write_text(text)
    (tmp_path / "good.py").write_text(GOOD_AGENT)
    report = scan(str(tmp_path), Config(cache=False))
    assert _places(report, path) == {("parse-error", line)}
    assert ("RS102", "good.py") in _findings(report)


@pytest.mark.parametrize("kind", ["jsonl", "json"])
def test_a_4301_digit_integer_in_a_trace_is_a_warning_at_its_line_and_the_run_still_replayed(tmp_path, kind):
    """The OpenAI messages trace of an injection, with a huge integer added to its first message:
    a `too-long` warning at that line, and the same RS101 finding as without it."""
    lines = (ROOT / "fixtures" / "traces" / "openai" / "injected.jsonl").read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    lines[0] = json.dumps(first)[:-1] + f', "tokens": {HUGE}}}'
    if kind == "jsonl":
        trace, line = tmp_path / "run.jsonl", 1
        trace.write_text("\n".join(lines) + "\n")
    else:
        trace, line = tmp_path / "run.json", 2
        trace.write_text("[\n" + ",\n".join(lines) + "\n]\n")
    result = _riskscan("trace", str(trace), "--format", "json", cwd=tmp_path)
    document = json.loads(result.stdout)
    assert [f["rule_id"] for f in document["findings"]] == ["RS101"], result.stderr[-300:]
    assert [(d["code"], d["location"]["line"]) for d in document["diagnostics"]] == [("too-long", line)]

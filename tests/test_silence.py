"""A run that read nothing must not pass silently (fixtures/silence, see its README.md): the summary
says what was not read and what was not recognised, SARIF marks the files that could not be read
as error notifications of an unsuccessful execution, `--strict` (or `strict = true`) exits 2 on
them, and `riskscan trace` on a file that is not a trace exits 2 naming the file and line."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from report_samples import sample_report

from riskscan.cli import main
from riskscan.discover import discover
from riskscan.report import render
from riskscan.scan import scan
from riskscan.types import Config, Coverage

REPO = Path(__file__).resolve().parents[1]
SILENCE = REPO / "fixtures" / "silence"
TYPESCRIPT = SILENCE / "typescript-mcp-server"
BROKEN_BESIDE_GOOD = SILENCE / "broken-config-beside-agent"
UNKNOWN_FRAMEWORK = SILENCE / "unknown-framework"
TRACES = SILENCE / "traces"
GOOD = REPO / "fixtures" / "bad-inputs" / "good"
REPORT_SCHEMA = json.loads((REPO / "riskscan" / "schemas" / "report.schema.json").read_text(encoding="utf-8"))
SARIF_SCHEMA = json.loads((Path(__file__).parent / "schemas" / "sarif-2.1.0.json").read_text(encoding="utf-8"))
NOTHING = "nothing recognised: no agents, tools or MCP configs found"


def riskscan(*args: str):
    return CliRunner().invoke(main, [*args], catch_exceptions=False)


def summary_of(result) -> str:
    """The summary line: the last line, or the one before the closing `next:` hint."""
    lines = result.stdout.rstrip("\n").splitlines()
    return lines[-2] if lines[-1].startswith("next: ") else lines[-1]


def validate(document: dict, schema: dict) -> None:
    jsonschema.validators.validator_for(schema)(schema).validate(document)


# --- the summary line says what was not read and not recognised --------------------------------


def test_a_typescript_mcp_server_is_not_a_clean_scan():
    result = riskscan("scan", str(TYPESCRIPT), "-q", "--no-cache")
    assert result.exit_code == 0, result.output
    assert summary_of(result) == f"0 findings; 2 TypeScript files not read; {NOTHING}"


def test_an_empty_folder_says_nothing_was_recognised(tmp_path):
    result = riskscan("scan", str(tmp_path), "-q", "--no-cache")
    assert result.exit_code == 0
    assert summary_of(result) == f"0 findings; {NOTHING}"


def test_a_framework_riskscan_does_not_know_is_read_but_not_recognised():
    result = riskscan("scan", str(UNKNOWN_FRAMEWORK), "-q", "--no-cache")
    assert summary_of(result) == f"0 findings; {NOTHING}"


def test_a_broken_config_beside_a_good_agent_is_counted_and_the_agent_still_reported():
    result = riskscan("scan", str(BROKEN_BESIDE_GOOD), "-q", "--no-cache")
    assert result.exit_code == 1  # the agent's critical finding
    assert summary_of(result) == "2 findings: 1 critical, 1 high; 1 diagnostic; 1 file could not be read or parsed"
    assert "  error parse-error .mcp.json:4:1: invalid JSON: Expecting ',' delimiter" in result.stdout.splitlines()


def test_a_scan_that_read_everything_says_nothing_more():
    result = riskscan("scan", str(GOOD), "-q", "--no-cache")
    summary = summary_of(result)
    assert summary.split(":")[0].endswith("findings") and summary.count(";") == 0, summary


def test_files_of_other_languages_are_counted_by_language_most_first(tmp_path):
    for name in ("web/app.ts", "web/view.tsx", "web/api.mts", "cmd/main.go", "lib.rs", "Main.java",
                 "build.js", "node_modules/dep/index.js", "README.md", "agent.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x = 1\n" if name.endswith(".py") else "// not read\n", encoding="utf-8")
    found = discover(tmp_path)
    assert [f.path for f in found.files] == ["agent.py"]
    assert found.others == (("Main.java", "Java"), ("build.js", "JavaScript"), ("cmd/main.go", "Go"),
                            ("lib.rs", "Rust"), ("web/api.mts", "TypeScript"), ("web/app.ts", "TypeScript"),
                            ("web/view.tsx", "TypeScript"))
    report = scan(str(tmp_path), Config(cache=False, exclude=("cmd/**",)))
    assert report.coverage == Coverage(read=1, not_read=(("TypeScript", 3), ("Java", 1), ("JavaScript", 1), ("Rust", 1)),
                                       unreadable=(), recognised=False)
    text = render(report, "text")
    assert text.splitlines()[-1] == (
        "0 findings; 3 TypeScript files not read; 1 Java file not read; 1 JavaScript file not read;"
        f" 1 Rust file not read; {NOTHING}"
    )


def test_one_file_of_another_language_given_as_the_root_is_counted():
    report = scan(str(TYPESCRIPT / "src" / "index.ts"), Config(cache=False))
    assert report.coverage == Coverage(read=0, not_read=(("TypeScript", 1),), recognised=False)


def test_json_carries_the_same_facts_and_validates():
    result = riskscan("scan", str(BROKEN_BESIDE_GOOD), "-q", "--no-cache", "--format", "json")
    document = json.loads(result.stdout)
    validate(document, REPORT_SCHEMA)
    assert document["summary"]["coverage"] == {"read": 1, "not_read": [], "unreadable": [".mcp.json"], "recognised": True}
    typescript = json.loads(riskscan("scan", str(TYPESCRIPT), "-q", "--no-cache", "--format", "json").stdout)
    validate(typescript, REPORT_SCHEMA)
    assert typescript["summary"]["coverage"] == {"read": 0, "not_read": [{"language": "TypeScript", "files": 2}],
                                                 "unreadable": [], "recognised": False}


def test_markdown_and_github_summaries_say_it_too():
    report = replace(sample_report(), coverage=Coverage(read=3, not_read=(("TypeScript", 12),), unreadable=("a.py",)))
    footnote = [line for line in render(report, "markdown").splitlines() if line.startswith("<sub>")]
    assert footnote == ["<sub>riskscan 0.1.0 · 5 findings · 2 diagnostics · 1 file could not be read or parsed"
                        " · 12 TypeScript files not read</sub>"]
    assert render(report, "github").splitlines()[-1].endswith("; 1 file could not be read or parsed; 12 TypeScript files not read")


# --- SARIF: unreadable files make an unsuccessful execution ------------------------------------


def test_sarif_records_the_unreadable_file_as_an_error_notification():
    result = riskscan("scan", str(BROKEN_BESIDE_GOOD), "-q", "--no-cache", "--format", "sarif")
    log = json.loads(result.stdout)
    validate(log, SARIF_SCHEMA)
    [invocation] = log["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    [notification] = invocation["toolExecutionNotifications"]
    assert notification["level"] == "error" and notification["descriptor"] == {"id": "parse-error"}
    assert notification["message"]["text"] == "invalid JSON: Expecting ',' delimiter"
    [where] = notification["locations"]
    # the uri is relative to the repository root (%SRCROOT%), which names the broken file itself
    from urllib.parse import unquote, urlparse

    artifact = where["physicalLocation"]["artifactLocation"]
    base = log["runs"][0]["originalUriBaseIds"][artifact["uriBaseId"]]["uri"]
    assert Path(unquote(urlparse(base).path), artifact["uri"]) == BROKEN_BESIDE_GOOD / ".mcp.json"
    assert where["physicalLocation"]["region"] == {"startLine": 4, "startColumn": 1}
    assert {r["ruleId"] for r in log["runs"][0]["results"]} == {"RS102", "RS301"}


def test_sarif_of_a_scan_that_read_everything_is_successful():
    log = json.loads(riskscan("scan", str(GOOD), "-q", "--no-cache", "--format", "sarif").stdout)
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is True


@pytest.mark.parametrize("name,data", [("binary.py", b"\x7fELF\x00\x00\x00binary"), ("cut.py", b"def tool(:\n")])
def test_a_python_file_that_cannot_be_read_is_an_error_of_the_run(tmp_path, name, data):
    (tmp_path / name).write_bytes(data)
    report = scan(str(tmp_path), Config(cache=False))
    assert report.coverage.unreadable == (name,)
    assert [(d.location.path, d.severity) for d in report.diagnostics] == [(name, "error")]
    assert json.loads(render(report, "sarif"))["runs"][0]["invocations"][0]["executionSuccessful"] is False


# --- --strict and `strict = true` ---------------------------------------------------------------


@pytest.mark.parametrize("folder,errors", [
    (TYPESCRIPT, [NOTHING]),
    (UNKNOWN_FRAMEWORK, [NOTHING]),
    (BROKEN_BESIDE_GOOD, [".mcp.json:4:1: invalid JSON: Expecting ',' delimiter"]),
], ids=["typescript", "unknown-framework", "broken-config"])
def test_strict_exits_2_after_the_report(folder, errors):
    result = riskscan("scan", str(folder), "-q", "--no-cache", "--strict")
    assert result.exit_code == 2
    assert summary_of(result).startswith(("0 findings", "2 findings"))  # the report was printed first
    assert result.stderr.splitlines() == [f"riskscan: error: {error} (--strict)" for error in errors]


def test_strict_exits_2_on_an_empty_folder_even_with_exit_zero(tmp_path):
    result = riskscan("scan", str(tmp_path), "-q", "--no-cache", "--strict", "--exit-zero")
    assert result.exit_code == 2 and result.stderr == f"riskscan: error: {NOTHING} (--strict)\n"


def test_strict_does_not_change_a_scan_that_read_everything():
    assert riskscan("scan", str(GOOD), "-q", "--no-cache", "--strict").exit_code == 1
    assert riskscan("scan", str(GOOD), "-q", "--no-cache", "--strict", "--exit-zero").exit_code == 0


def test_strict_is_a_config_key(tmp_path):
    assert riskscan("scan", str(tmp_path), "-q", "--no-cache").exit_code == 0
    (tmp_path / "riskscan.toml").write_text("strict = true\n", encoding="utf-8")
    named = ("--config", str(tmp_path / "riskscan.toml"))  # exit behaviour: a file the operator names, not the repository's own
    result = riskscan("scan", str(tmp_path), "-q", "--no-cache", *named)
    assert result.exit_code == 2 and result.stderr == f"riskscan: error: {NOTHING} (--strict)\n"
    (tmp_path / "riskscan.toml").write_text('strict = "yes"\n', encoding="utf-8")
    wrong = riskscan("scan", str(tmp_path), "-q", "--no-cache", *named)
    assert wrong.exit_code == 2 and "strict: expected true or false, got str 'yes'" in wrong.stderr


def test_strict_is_documented_in_help():
    text = " ".join(riskscan("scan", "--help").output.split())
    assert "--strict Exit 2, after the report, when a file could not be read or parsed, a construct could not be followed" in text
    assert "(and with --strict: a file that could not be read or parsed, a construct not followed, or nothing recognised)" in text


# --- riskscan trace on a file that is not a trace -----------------------------------------------


@pytest.mark.parametrize("name,data,error", [
    ("run.log", None, "plain-text.log:1: neither JSON nor JSON Lines (line 1: Expecting value)"),
    ("other.json", b'{"name": "my-package", "version": "1.0.0"}\n',
     "other.json: not a trace riskscan reads: expected OpenAI or Anthropic messages, OTLP spans, or OpenAI Agents SDK spans"),
    ("empty.jsonl", b"", "empty.jsonl: the file is empty"),
], ids=["plain-text", "wrong-json-shape", "empty"])
def test_trace_of_a_file_that_is_not_a_trace_exits_2_naming_it(tmp_path, monkeypatch, name, data, error):
    if data is None:
        path = TRACES / "plain-text.log"
        monkeypatch.chdir(TRACES)
    else:
        path = tmp_path / name
        path.write_bytes(data)
        monkeypatch.chdir(tmp_path)
    result = riskscan("trace", path.name)
    assert result.exit_code == 2
    assert result.stderr == f"riskscan: error: {error}\n"
    assert summary_of(result) == "0 findings; 1 diagnostic; 1 file could not be read or parsed"


def test_trace_with_no_tool_calls_is_a_valid_trace():
    result = riskscan("trace", str(TRACES / "no-tool-calls.json"))
    assert result.exit_code == 0 and result.stderr == ""
    assert summary_of(result) == "0 findings"


def test_a_bad_trace_among_good_ones_still_reports_the_good_and_exits_2(monkeypatch):
    monkeypatch.chdir(REPO)
    good, bad = "fixtures/traces/openai/injected.jsonl", "fixtures/silence/traces/plain-text.log"
    result = riskscan("trace", good, bad, "--format", "sarif", "--exit-zero")
    assert result.exit_code == 2
    log = json.loads(result.stdout)
    validate(log, SARIF_SCHEMA)
    run = log["runs"][0]
    assert run["results"] and run["invocations"][0]["executionSuccessful"] is False
    [notification] = run["invocations"][0]["toolExecutionNotifications"]
    assert notification["level"] == "error"
    assert notification["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == bad


def test_strict_fails_on_a_construct_not_followed(tmp_path):
    """A tool list riskscan cannot resolve is a diagnostic counted as not followed; --strict exits 2
    naming it, while its look-alike, a list it resolves, passes."""
    (tmp_path / "unfollowed").mkdir()
    (tmp_path / "unfollowed" / "agent.py").write_text(
        "from agents import Agent\n\nfrom toolbox import load_tools\n\nbot = Agent(name='bot', tools=load_tools())\n")
    (tmp_path / "followed").mkdir()
    (tmp_path / "followed" / "agent.py").write_text(
        "from agents import Agent, function_tool\n\n\n@function_tool\ndef ping() -> str:\n    \"\"\"Ping.\"\"\"\n"
        "    return 'pong'\n\n\nbot = Agent(name='bot', tools=[ping])\n")
    unfollowed = riskscan("scan", str(tmp_path / "unfollowed"), "--strict", "--no-cache")
    assert unfollowed.exit_code == 2, unfollowed.output
    assert "not followed" in unfollowed.output and "(--strict)" in unfollowed.output
    followed = riskscan("scan", str(tmp_path / "followed"), "--strict", "--no-cache")
    assert followed.exit_code == 0, followed.output


KNOWN_UNREAD = SILENCE / "known-unread-framework"


def test_a_framework_riskscan_knows_of_but_does_not_read_is_named_at_the_file_and_fails_strict():
    report = scan(str(KNOWN_UNREAD))
    notes = [(d.location.path, d.severity, d.message) for d in report.diagnostics if d.code == "framework-not-read"]
    assert notes == [("finder/app.py", "warning",
                      "imports mcp_agent (mcp-agent), an agent framework riskscan does not read: the agents and tools declared with it are not in the graph")]
    assert riskscan("scan", str(KNOWN_UNREAD), "-q", "--no-cache", "--strict").exit_code == 2

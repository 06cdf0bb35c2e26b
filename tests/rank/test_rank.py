"""Rank: severity and confidence as separate axes, scores as products of named factors, and
fingerprints that survive code moving."""

from dataclasses import replace

from riskscan import rank, rulesets
from riskscan.types import (
    Agent,
    Atom,
    Capability,
    Evidence,
    Gate,
    Handoff,
    Holding,
    HygieneFact,
    Location,
    Path,
    PathStep,
    SystemModel,
    Tool,
)

RULES = rulesets.load().rules


def cap(label, confidence=0.9, line=1):
    return Capability(label, confidence, (Evidence("api-call", f"calls something for {label}", Location("t.py", line)),))


def system(shift=0, send_gates=()):
    tools = (
        Tool("t.fetch", "fetch", "openai-agents", Location("t.py", 3 + shift), capabilities=(cap("untrusted_input"),)),
        Tool("t.records", "records", "openai-agents", Location("t.py", 9 + shift), capabilities=(cap("private_data", 0.4),)),
        Tool("t.send", "send", "openai-agents", Location("t.py", 15 + shift), capabilities=(cap("external_send"),), gates=send_gates),
    )
    agents = (
        Agent("a.reader", "Reader", "openai-agents", Location("a.py", 2 + shift),
              tools=(Holding("t.fetch", Location("a.py", 2 + shift)),),
              handoffs=(Handoff("a.writer", "handoff", Location("a.py", 4 + shift)),)),
        Agent("a.writer", "Writer", "openai-agents", Location("a.py", 7 + shift),
              tools=(Holding("t.records", Location("a.py", 7)), Holding("t.send", Location("a.py", 7)))),
    )
    return SystemModel("/repo", agents, tools, hygiene=(HygieneFact("unpinned-package", Location(".mcp.json", 4 + shift), "fetch", "uvx mcp-server-fetch has no version"),))


def by_rule(findings):
    return {f.rule_id: f for f in findings}


PATH = Path("RS101", (
    PathStep("call", "a.reader", tool="t.fetch"),
    PathStep("handoff", "a.reader", target="a.writer"),
    PathStep("call", "a.writer", tool="t.records"),
    PathStep("call", "a.writer", tool="t.send"),
))


def test_a_path_becomes_a_finding_with_steps_evidence_and_named_factors():
    findings = rank.rank(system(), RULES, [PATH])
    path_finding, hygiene = by_rule(findings)["RS101"], by_rule(findings)["RS202"]
    assert [f.rule_id for f in findings] == ["RS101", "RS202"]  # critical before medium, though 3.0 < 4.5: severity first
    assert (path_finding.rule_id, path_finding.rule_name, path_finding.severity) == ("RS101", "injection-to-exfiltration", "critical")
    assert [(s.kind, s.agent, s.tool, s.target, s.location.line) for s in path_finding.steps] == [
        ("call", "Reader", "fetch", None, 3),
        ("handoff", "Reader", None, "Writer", 4),
        ("call", "Writer", "records", None, 9),
        ("call", "Writer", "send", None, 15),
    ]
    assert path_finding.steps[0].labels == ("untrusted_input",)
    assert path_finding.steps[3].labels == ("external_send",)
    assert path_finding.location == Location("t.py", 15)
    # the weakest label (private_data at 0.4) sets the confidence axis; severity stays critical
    assert path_finding.confidence == "low"
    assert [(f.name, f.value) for f in path_finding.factors] == [("severity", 10.0), ("confidence", 0.4), ("length", 0.75)]
    assert path_finding.score == 3.0
    assert "agent 'Writer' can call `send` after calling `fetch`, `records` across 1 handoff" in path_finding.message
    assert hygiene.rule_id == "RS202" and hygiene.kind == "hygiene"


def test_gates_and_conditions_lower_the_score_and_are_named():
    gate = Gate("approval", "needs_approval=True", Location("t.py", 14))
    conditional = replace(PATH, conditions=(Atom("env.ENABLE_SEND", "1"),))
    finding = by_rule(rank.rank(system(send_gates=(gate,)), RULES, [conditional]))["RS101"]
    assert ("gate:approval", 0.4) in [(f.name, f.value) for f in finding.factors]
    assert ("conditional", 0.8) in [(f.name, f.value) for f in finding.factors]
    assert finding.gates == (gate,)
    assert finding.conditions == ('env.ENABLE_SEND == "1"',)
    assert finding.score == round(10.0 * 0.4 * 0.75 * 0.4 * 0.8, 2)


def test_fingerprints_do_not_change_when_lines_move():
    before = rank.rank(system(), RULES, [PATH])
    after = rank.rank(system(shift=40), RULES, [PATH])
    assert [f.fingerprint for f in before] == [f.fingerprint for f in after]
    assert before[0].location != after[0].location


def test_undecided_paths_are_reported_as_unknown():
    finding = by_rule(rank.rank(system(), RULES, [Path("RS102", (), status="unknown")]))["RS102"]
    assert (finding.kind, finding.rule_id, finding.confidence) == ("unknown", "RS102", "low")
    assert "could not decide" in finding.message


def test_threshold():
    found = by_rule(rank.rank(system(), RULES, [PATH]))
    path_finding, hygiene = found["RS101"], found["RS202"]
    assert rank.at_or_above(path_finding, "critical")
    assert not rank.at_or_above(hygiene, "high") and rank.at_or_above(hygiene, "medium")


# --- severity: gates and evidence move it (issue #17) -------------------------------------------

from pathlib import Path as FilePath  # noqa: E402

from riskscan.scan import scan  # noqa: E402
from riskscan.types import Config  # noqa: E402

CASES = FilePath(__file__).resolve().parents[2] / "fixtures" / "cases"


def findings_of(folder) -> dict:
    report = scan(str(folder), Config(cache=False))
    return {(f.rule_id, f.steps[-1].tool): f for f in report.findings if f.kind == "path"}


def test_a_sandbox_around_code_execution_takes_two_levels_off_and_says_so():
    [sandboxed] = findings_of(CASES / "smolagents-sandboxed-analyst").values()
    assert sandboxed.severity == "medium"
    assert sandboxed.message.endswith("Lowered from critical to medium by the sandbox gate (executor_type='docker').")
    local = findings_of(CASES / "smolagents-web-coder")[("RS102", "python_code")]  # the same agent kind, its code run locally
    assert local.severity == "critical" and "Lowered" not in local.message


def test_an_approval_takes_two_levels_off_only_the_paths_it_stands_on():
    found = findings_of(CASES / "langchain-hitl-files")
    assert found[("RS101", "publish")].severity == "medium"  # interrupt_on['publish']
    assert "by the approval gate (HumanInTheLoopMiddleware interrupt_on['publish'])" in found[("RS101", "publish")].message
    assert found[("RS103", "file_management")].severity == "low"  # high, two levels down
    assert found[("RS101", "requests_all")].severity == "critical"  # no interrupt on requests_all


def test_the_strongest_gate_counts_not_the_sum_of_them():
    gates = (Gate("allowlist", "only example.com"), Gate("approval", "a human confirms"))
    g = system(send_gates=gates)
    [finding] = [f for f in rank.rank(g, RULES, [PATH]) if f.kind == "path"]
    assert finding.severity == "medium" and "by the approval gate (a human confirms)" in finding.message


MAILER = '''
from agents import Agent, function_tool
from {module} import {client}

mail = {client}()


@function_tool
def read_inbox_email(folder: str) -> str:
    """Read the newest email of a folder."""
    return {read}


@function_tool
def send_email_reply(to: str, body: str) -> str:
    """Reply to an email."""
    return {send}


assistant = Agent(name="Assistant", instructions="Answer mail.", tools=[read_inbox_email, send_email_reply])
'''


def test_a_path_resting_on_words_alone_is_at_most_medium_and_says_why(tmp_path):
    (tmp_path / "words").mkdir()
    (tmp_path / "words" / "agent.py").write_text(MAILER.format(module="acme_mail", client="Mailbox", read="mail.latest(folder)",
                                                              send="mail.reply(to, body)"))
    [guess] = findings_of(tmp_path / "words").values()
    assert guess.severity == "medium" and guess.rule_id == "RS101"
    assert guess.message.endswith("Possible: it rests on the words of `read_inbox_email`'s name or description only, so at most medium.")
    # its look-alike, whose calls say what the names say (imaplib and smtplib are catalogued)
    (tmp_path / "calls").mkdir()
    (tmp_path / "calls" / "agent.py").write_text("import smtplib\n" + MAILER.format(
        module="imaplib", client="IMAP4", read="str(mail.fetch(folder, '(RFC822)'))",
        send="str(smtplib.SMTP('localhost').sendmail('me@example.com', [to], body))"))
    found = findings_of(tmp_path / "calls")
    assert {f.severity for f in found.values()} == {"critical"} and not any("Possible" in f.message for f in found.values())


def test_the_fix_set_aims_at_the_findings_that_fail_the_run_not_at_those_a_gate_already_lowered():
    report = scan(str(CASES / "langchain-hitl-files"), Config(cache=False))
    critical = [f for f in report.findings if f.kind == "path" and f.severity == "critical"]
    assert [f.steps[-1].tool for f in critical] == ["requests_all"]
    [fix] = report.fixes  # the approved publish and file_management paths need nothing more
    assert (fix.kind, fix.tool, fix.removes) == ("require-approval", "requests_all", (critical[0].fingerprint,))


def test_findings_are_ordered_by_severity_then_confidence_then_score():
    sure = replace(rank.rank(system(), RULES, [PATH])[0], severity="high", confidence="high", score=1.0)
    unsure = replace(sure, confidence="low", score=9.0, fingerprint="b")
    higher = replace(sure, confidence="high", score=2.0, fingerprint="c")
    critical = replace(sure, severity="critical", confidence="low", score=0.5, fingerprint="d")
    ordered = sorted([unsure, sure, higher, critical], key=rank.order)
    assert [(f.severity, f.confidence, f.score) for f in ordered] == [
        ("critical", "low", 0.5), ("high", "high", 2.0), ("high", "high", 1.0), ("high", "low", 9.0)]


ANNOTATED_SERVER = '''\
import shutil

import httpx
from mcp.server.fastmcp import FastMCP

app = FastMCP("notes")


@app.tool()
def fetch_page(url: str) -> str:
    """Fetch a web page."""
    return httpx.get(url).text


@app.tool(annotations={"destructiveHint": True})
def tidy_folder(folder: str) -> str:
    """Tidy a folder of notes."""
    {body}
'''


def test_a_path_resting_on_mcp_annotations_alone_is_at_most_medium_and_says_why(tmp_path):
    # the sink's deletion is only what its annotation suggests: its body calls a helper riskscan cannot see
    (tmp_path / "hints").mkdir()
    (tmp_path / "hints" / "server.py").write_text(ANNOTATED_SERVER.replace("{body}", "return tidy_elsewhere(folder)"))
    [guess] = [f for (rule, tool), f in findings_of(tmp_path / "hints").items() if rule == "RS103" and tool.endswith("tidy_folder")]
    assert guess.severity == "medium"
    assert guess.message.endswith("Possible: it rests on the MCP annotations of `tidy_folder` only (hints its author "
                                  "gives, not what its code shows), so at most medium.")
    # its look-alike, whose code deletes the folder the model names
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "server.py").write_text(ANNOTATED_SERVER.replace("{body}", "shutil.rmtree(folder)\n    return 'tidy'"))
    [sure] = [f for (rule, tool), f in findings_of(tmp_path / "code").items() if rule == "RS103" and tool.endswith("tidy_folder")]
    assert sure.severity == "high" and "Possible" not in sure.message

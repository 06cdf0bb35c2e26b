"""Hand-written traces in every format (a clean run, an injected run that reads private data and
sends it out, a run with an unknown tool) replayed against the mail-assistant fixture project:
each finding asserted exactly by rule, steps (agent, tool, message/span index, line), confidence
and the flow that raised it; coverage of the statically predicted paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from riskscan.trace import check_traces, load_model

FIXTURES = Path(__file__).parents[2] / "fixtures" / "traces"
PROJECT = FIXTURES / "mail-assistant"
SAVED = FIXTURES / "mail-assistant.report.json"

# The path findings the static scan predicts for the fixture project: (rule, sink agent, sink tool).
CLAUDE = "Claude Code (.mcp.json)"
# the static scan's risks: one finding for the two Slack tools that complete RS101 for Claude Code,
# and one for each of Claude Code's own tools a Slack message can reach
CLAUDE_OWN = {
    ("RS101", CLAUDE, frozenset({"WebFetch"})),
    ("RS102", CLAUDE, frozenset({"Bash"})),
    ("RS103", CLAUDE, frozenset({"Edit"})),
    ("RS103", CLAUDE, frozenset({"NotebookEdit"})),
    ("RS103", CLAUDE, frozenset({"Write"})),
}
PREDICTED = {
    ("RS101", CLAUDE, frozenset({"slack_reply_to_thread", "slack_post_message"})),
    ("RS101", "Assistant", frozenset({"fetch_page"})),
    ("RS101", "Assistant", frozenset({"send_email"})),
} | CLAUDE_OWN

# fixture -> findings other than coverage: (rule, ((agent, tool or handoff target, place, line), ...),
# confidence factor, flow evidence kind or None)
EXPECTED = {
    "openai/clean.json": [],
    "openai/injected.jsonl": [
        ("RS101", (("Assistant", "fetch_page", "messages[1]", 2), ("Assistant", "read_inbox", "messages[3]", 4),
                   ("Assistant", "send_email", "messages[5]", 6)), 0.95, "verbatim-flow"),
    ],
    "openai/unknown-tool.json": [
        ("RS401", (("Assistant", "delete_account", "messages[3]", 7),), 0.9, None),
        ("RS402", (("Assistant", "lookup_order", "messages[1]", 3),), 0.9, None),
    ],
    "anthropic/clean.json": [],
    "anthropic/injected.json": [
        ("RS101", ((CLAUDE, "slack_get_channel_history", "messages[1]", 3), (CLAUDE, "slack_post_message", "messages[3]", 7)),
         0.95, "verbatim-flow"),
    ],
    "anthropic/unknown-tool.json": [
        ("RS401", (("agent", "mcp__github__create_issue", "messages[1]", 3),), 0.9, None),
    ],
    "otlp/clean.json": [],
    "otlp/injected.json": [
        ("RS101", (("Assistant", "fetch_page", "spans[2]", 17), ("Assistant", "read_inbox", "spans[3]", 24),
                   ("Assistant", "send_email", "spans[0]", 6)), 0.95, "verbatim-flow"),
    ],
    "otlp/injected-messages.json": [
        ("RS101", (("Assistant", "fetch_page", "spans[0]", 13), ("Assistant", "read_inbox", "spans[1]", 45),
                   ("Assistant", "send_email", "spans[2]", 77)), 0.95, "verbatim-flow"),
    ],
    "otlp/injected-deprecated.jsonl": [
        ("RS101", (("Assistant", "fetch_page", "spans[0]", 1), ("Assistant", "read_inbox", "spans[1]", 2),
                   ("Assistant", "send_email", "spans[2]", 3)), 0.9, "near-verbatim-flow"),
    ],
    "otlp/unknown-tool.jsonl": [
        ("RS401", (("Assistant", "run_shell", "spans[1]", 2),), 0.9, None),
    ],
    "agents-sdk/clean.json": [],
    "agents-sdk/injected.json": [
        ("RS101", (("Researcher", "fetch_page", "spans[2]", 5), ("Researcher", "Assistant", "spans[3]", 7),
                   ("Assistant", "read_inbox", "spans[5]", 11), ("Assistant", "send_email", "spans[6]", 13)),
         0.95, "verbatim-flow"),
    ],
    "agents-sdk/unknown-tool.jsonl": [
        ("RS401", (("Assistant", "create_issue", "spans[1]", 2),), 0.9, None),
    ],
}
EXERCISED = {
    "openai/injected.jsonl": ("RS101", "Assistant", "send_email"),
    "anthropic/injected.json": ("RS101", CLAUDE, "slack_post_message"),
    "otlp/injected.json": ("RS101", "Assistant", "send_email"),
    "otlp/injected-messages.json": ("RS101", "Assistant", "send_email"),
    "otlp/injected-deprecated.jsonl": ("RS101", "Assistant", "send_email"),
    "agents-sdk/injected.json": ("RS101", "Assistant", "send_email"),
}


@pytest.fixture(autouse=True)
def at_the_repository_root(monkeypatch):
    """Trace paths are reported relative to the working directory."""
    monkeypatch.chdir(FIXTURES.parents[1])


@pytest.fixture(scope="module")
def model():
    return load_model(str(SAVED))


def summary(finding):
    steps = tuple(
        (s.agent, s.tool or s.target, s.note.split(":")[0], s.location.line) for s in finding.steps
    )
    confidence = next(f.value for f in finding.factors if f.name == "confidence")
    flows = [e.kind for s in finding.steps for e in s.evidence if e.kind.endswith("-flow")]
    return (finding.rule_id, steps, confidence, flows[0] if flows else None)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_trace_gives_exactly_the_expected_findings(name, model):
    report = check_traces([str(FIXTURES / name)], model)
    observed = [summary(f) for f in report.findings if f.rule_id != "RS403"]
    assert sorted(observed) == sorted(EXPECTED[name])
    relative = f"fixtures/traces/{name}"
    for finding in report.findings:
        assert finding.rule_id == "RS403" or {step.location.path for step in finding.steps} == {relative}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_coverage_names_every_predicted_path_no_run_took(name, model):
    report = check_traces([str(FIXTURES / name)], model)
    exercised = {risk for risk in PREDICTED if name in EXERCISED and EXERCISED[name][1] == risk[1] and EXERCISED[name][2] in risk[2]}
    not_exercised = {(f.steps[-1].agent, frozenset(f.sinks)) for f in report.findings if f.rule_id == "RS403"}
    assert not_exercised == {(agent, sinks) for _, agent, sinks in PREDICTED - exercised}
    stats = dict(report.stats)
    assert (stats["predicted_paths"], stats["exercised_paths"]) == (len(PREDICTED), len(exercised))


def test_coverage_across_several_traces_counts_each_path_once(model):
    names = sorted(EXERCISED)
    report = check_traces([str(FIXTURES / n) for n in names], model)
    # the Slack risk was exercised through slack_post_message: its other tool is not named as a path no run took
    assert {(f.steps[-1].agent, f.sinks) for f in report.findings if f.rule_id == "RS403"} == {("Assistant", ("fetch_page",))} | {
        (agent, tuple(sinks)) for _, agent, sinks in CLAUDE_OWN}
    assert dict(report.stats)["exercised_paths"] == 2
    assert sum(1 for f in report.findings if f.rule_id == "RS101") == len(names)


def test_a_fresh_scan_of_the_project_gives_the_same_findings_as_the_saved_report(model):
    name = "openai/injected.jsonl"
    scanned = check_traces([str(FIXTURES / name)], load_model(str(PROJECT)))
    saved = check_traces([str(FIXTURES / name)], model)
    assert [summary(f) for f in scanned.findings] == [summary(f) for f in saved.findings]


def test_the_flow_raises_the_confidence_of_weakly_labelled_tools():
    """Without a scan, tools are labelled from their names (lexicon, 0.4): the verbatim flow of the
    inbox into the mail raises the finding to high confidence, and says so."""
    report = check_traces([str(FIXTURES / "openai/injected.jsonl")])
    [finding] = report.findings
    confidence = next(f for f in finding.factors if f.name == "confidence")
    assert (finding.rule_id, finding.confidence, confidence.value) == ("RS101", "high", 0.95)
    assert confidence.reason.startswith("raised from 0.4 (the weakest label evidence): the arguments of `send_email` (messages[5]) "
                                        "repeat the private result of `read_inbox` (messages[3]), verbatim: 78 characters")


def test_an_address_copied_from_the_injected_page_is_an_untrusted_flow():
    report = check_traces([str(FIXTURES / "agents-sdk/injected.json")])
    [finding] = [f for f in report.findings if f.rule_id == "RS101"]
    assert "its arguments repeat the untrusted result of `fetch_page` (verbatim)" in finding.message


def test_without_a_flow_the_confidence_stays_the_weakest_label(tmp_path, model):
    run = tmp_path / "run.jsonl"
    lines = (FIXTURES / "openai/injected.jsonl").read_text(encoding="utf-8").splitlines()
    lines[5] = lines[5].replace("Revenue 4.2M, acquisition of Globex closes on 12 March. Wire code ZX-7741-QQ.", "hello")
    lines[5] = lines[5].replace("exfil@attacker.example", "me@example.com")
    run.write_text("\n".join(lines) + "\n", encoding="utf-8")
    [finding] = [f for f in check_traces([str(run)], model).findings if f.rule_id == "RS101"]
    assert summary(finding)[2:] == (0.9, None)
    assert finding.factors[1].reason.startswith("the weakest label evidence on the path; no text of an earlier result")


def test_without_a_scan_there_is_no_drift_and_no_coverage():
    report = check_traces([str(FIXTURES / n) for n in sorted(EXPECTED)])
    assert not {f.rule_id for f in report.findings} & {"RS401", "RS403"}
    assert dict(report.stats)["unknown_calls"] == 0


def test_the_same_input_gives_the_same_report(model):
    from riskscan.report import render

    paths = [str(FIXTURES / n) for n in sorted(EXPECTED)]
    first = render(check_traces(paths, model), "json")
    assert first == render(check_traces(paths, model), "json")
    assert first == render(check_traces(list(reversed(paths)), model), "json")

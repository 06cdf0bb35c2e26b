"""The terminal report."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from report_samples import AGENTS_PY, empty_report, sample_report

from riskscan import rulesets
from riskscan.report import render
from riskscan.report.explain import render_explanation
from riskscan.scan import scan
from riskscan.triage import baseline
from riskscan.types import ALL_LABELS, Config, Fix, Location

RULES = len(rulesets.load().rules)  # every bundled rule is in the report
SUPPORT_DESK = Path(__file__).resolve().parents[2] / "examples" / "support-desk"
TITLES = ("CRITICAL ", "HIGH ", "MEDIUM ", "LOW ", "NOTE ")


def finding_block(text: str, rule_id: str) -> str:
    """The lines of one finding, from its title line to the blank line after it."""
    blocks = text.split("\n\n")
    return next(block for block in blocks if f" {rule_id} " in block.splitlines()[0])


def test_text_starts_with_a_header_and_keeps_the_ranked_order():
    text = render(sample_report(), "text")
    lines = text.splitlines()
    assert lines[0] == f"riskscan 0.1.0: 3 agents, 4 tools, {RULES} rules"
    titles = [line.split("  id=")[0] for line in lines if line.startswith(TITLES)]
    ids = [line.split("  id=")[1] for line in lines if "  id=" in line]
    assert ids == [f.fingerprint[:8] for f in sample_report().findings]
    assert titles == [
        "CRITICAL RS102 injection-to-code-execution  score=8.55 confidence=high",
        "HIGH RS201 plaintext-secret-in-config  score=7.2 confidence=high",
        "MEDIUM RS204 remote-server-over-http  score=4.95 confidence=high",
        "HIGH RS103 injection-to-destructive-action  score=3.6 confidence=high",
        "LOW RS101 injection-to-exfiltration  score=0.75 confidence=low",
    ]


def test_text_shows_every_step_with_its_place_and_evidence():
    block = finding_block(render(sample_report(), "text"), "RS102").splitlines()
    assert block[1] == "  A web page fetched by `researcher` can make `coder` run a shell command of its choosing."
    assert block[2] == "  at app/tools.py:31:5"
    assert block[3:8] == [
        "  1. researcher calls fetch_page [untrusted input] — reads untrusted content  (app/agents.py:13:12)",
        "       evidence api-call: requests.get(url) with url from parameter `url`  (app/tools.py:14:12)",
        "  2. researcher hands off to coder — passes its context on  (app/agents.py:14:15)",
        "  3. coder calls run_shell [code execution] — runs a command the model chose  (app/agents.py:6:12)",
        "       evidence api-call: subprocess.run(cmd, shell=True)  (app/tools.py:31:5)",
    ]
    assert block[8:10] == ["  other routes to the same risk:", "       coder: read_issue -> coder: run_shell"]


def test_the_score_arithmetic_is_explain_s_not_the_report_s():
    report = sample_report()
    block = finding_block(render(report, "text"), "RS102")
    assert "score=8.55" in block.splitlines()[0]
    assert not [line for line in block.splitlines() if line.lstrip().startswith(("score ", "confidence:", "severity:"))]
    explained = render_explanation(report, report.findings[0]).splitlines()
    assert "  confidence 0.9: every label comes from a catalogued API call" in explained
    assert "  = 9.5 × 0.9 × 1.0 = 8.55" in explained


def test_every_finding_ends_with_its_fix():
    report = sample_report()
    text = render(report, "text")
    rules = {rule.id: rule for rule in report.rules}
    for finding in report.findings[:-1]:
        last = finding_block(text, finding.rule_id).splitlines()[-1]
        assert last == f"  fix: {' '.join(rules[finding.rule_id].remediation.split())}", finding.rule_id
    undecided = finding_block(text, "RS101").splitlines()[-1]  # the solver did not decide: no path to fix yet
    assert undecided == "  fix: raise --timeout-ms until the solver decides, then fix the paths it finds"
    # a change of the smallest fix that removes the finding is its fix, in place of the rule's advice
    shell = report.findings[0]
    cut = Fix("remove-tool", "coder", "run_shell", location=Location(AGENTS_PY, 6, 12), removes=(shell.fingerprint,))
    fixed = render(replace(report, fixes=(cut,)), "text")
    assert finding_block(fixed, "RS102").splitlines()[-1] == "  fix: remove `run_shell` from agent 'coder'  (app/agents.py:6:12)"
    assert "smallest fix: 1 change removes every path at or above the threshold" in fixed


def test_text_shows_conditions_and_gates():
    block = finding_block(render(sample_report(), "text"), "RS103").splitlines()
    assert '  only when env.ENABLE_REFUNDS == "1"' in block
    assert "  gate: approval — needs_approval=True on issue_refund  (app/tools.py:61:5)" in block
    assert "  2. support calls issue_refund [money movement] — moves money  (app/agents.py:24:16)" in block


def test_text_ends_with_diagnostics_a_summary_and_what_to_run_next():
    lines = render(sample_report(), "text").splitlines()
    first = sample_report().findings[0]
    assert lines[-6:] == [
        "diagnostics:",
        "  warning unresolved-tool .vscode/mcp.json: server `local` names no command",
        "  error parse-error app/broken.py:3:9: invalid syntax: expected ':'",
        "",
        "5 findings: 1 critical, 2 high, 1 medium, 1 low; 2 diagnostics (1 not followed)",
        f"next: `riskscan explain {first.fingerprint[:8]} PATH` shows how a finding was reached and scored,"
        " `riskscan rule RS102` what its rule means",
    ]


def test_the_summary_counts_what_it_hides_and_a_baseline_of_everything_shows_no_fix():
    report = sample_report()
    shell, secret, *rest = report.findings
    cut = Fix("remove-tool", "coder", "run_shell", location=Location(AGENTS_PY, 6, 12), removes=(shell.fingerprint,))
    marked = baseline.compare(replace(report, findings=(shell, *rest), suppressed=(secret,), fixes=(cut,)),
                              tuple(baseline.entry_of(f) for f in (shell, *rest)))
    for fmt in ("text", "concise"):
        text = render(baseline.new_only(marked), fmt)
        assert "0 findings; 2 diagnostics (1 not followed); 5 hidden (1 suppressed, 4 baselined)" in text.splitlines(), fmt
        assert "smallest fix" not in text and "RS102" not in text and "next:" not in text, fmt


def test_a_real_scan_words_labels_and_plurals_for_people():
    report = scan(str(SUPPORT_DESK), Config(cache=False))
    text = render(report, "text")
    assert "(1 other route)" in text and "(3 other routes)" in text
    assert "(s)" not in text and "(1 other routes)" not in text
    assert "completes the path: sends data out" in text
    assert not [label for label in ALL_LABELS if label in text]  # no snake_case label left
    assert len(text.splitlines()) < 20 * 12  # 305 lines for its 20 findings before: no score arithmetic


def test_text_of_an_empty_report():
    assert render(empty_report(), "text") == f"riskscan 0.1.0: 0 agents, 0 tools, {RULES} rules\n\n0 findings\n"
    assert render(empty_report(), "concise") == "0 findings\n"


def test_text_is_plain_unless_colour_is_asked_for():
    report = sample_report()
    assert "\x1b[" not in render(report, "text")
    coloured = render(report, "text", color=True)
    assert "\x1b[1;31mCRITICAL\x1b[0m RS102" in coloured
    assert "\x1b[" not in render(report, "json", color=True)


def test_concise_is_one_line_per_finding_by_place_then_the_summary():
    report = sample_report()
    lines = render(report, "concise").splitlines()
    assert lines[0].startswith(".: RS101 [low] ")  # the undecided search belongs to the whole project: "." first
    findings = lines[:-2]
    assert len(findings) == len(report.findings)
    places = [line.split(": RS")[0] for line in findings]
    keys = [(place.split(":")[0], *(int(n) for n in place.split(":")[1:])) for place in places]
    assert keys == sorted(keys)
    shell = report.findings[0]
    assert f"{shell.location}: RS102 [critical] {' '.join(shell.message.split())}" in findings
    assert lines[-2] == "5 findings: 1 critical, 2 high, 1 medium, 1 low; 2 diagnostics (1 not followed)"
    assert lines[-1].startswith("next: `riskscan explain RS102 PATH`")  # the highest ranked finding's rule

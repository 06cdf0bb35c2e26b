"""The terminal report."""

from __future__ import annotations

from report_samples import empty_report, sample_report

from riskscan import rulesets
from riskscan.report import render

RULES = len(rulesets.load().rules)  # every bundled rule is in the report


def finding_block(text: str, rule_id: str) -> str:
    """The lines of one finding, from its title line to the blank line after it."""
    blocks = text.split("\n\n")
    return next(block for block in blocks if f" {rule_id} " in block.splitlines()[0])


def test_text_starts_with_a_header_and_keeps_the_ranked_order():
    text = render(sample_report(), "text")
    lines = text.splitlines()
    assert lines[0] == f"riskscan 0.1.0: 3 agents, 4 tools, {RULES} rules"
    titles = [line.split("  id=")[0] for line in lines if line and not line.startswith(" ") and " RS" in line]
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
        "  1. researcher calls fetch_page [untrusted_input] — reads untrusted content  (app/agents.py:13:12)",
        "       evidence api-call: requests.get(url) with url from parameter `url`  (app/tools.py:14:12)",
        "  2. researcher hands off to coder — passes its context on  (app/agents.py:14:15)",
        "  3. coder calls run_shell [code_exec] — runs a command the model chose  (app/agents.py:6:12)",
        "       evidence api-call: subprocess.run(cmd, shell=True)  (app/tools.py:31:5)",
    ]
    assert block[8:10] == ["  other paths to the same call:", "       coder: read_issue -> coder: run_shell"]


def test_text_shows_the_factors_of_the_score():
    block = finding_block(render(sample_report(), "text"), "RS102")
    assert "  score 8.55 = severity 9.5 × confidence 0.9 × gates 1.0" in block.splitlines()
    assert "    confidence: every label comes from a catalogued API call" in block.splitlines()


def test_text_shows_conditions_and_gates():
    block = finding_block(render(sample_report(), "text"), "RS103").splitlines()
    assert '  only when env.ENABLE_REFUNDS == "1"' in block
    assert "  gate: approval — needs_approval=True on issue_refund  (app/tools.py:61:5)" in block
    assert "  score 3.6 = severity 8.0 × confidence 0.9 × gates 0.5" in block


def test_text_ends_with_diagnostics_and_a_summary():
    lines = render(sample_report(), "text").splitlines()
    assert lines[-5:] == [
        "diagnostics:",
        "  warning unresolved-tool .vscode/mcp.json: server `local` names no command",
        "  error parse-error app/broken.py:3:9: invalid syntax: expected ':'",
        "",
        "5 findings: 1 critical, 2 high, 1 medium, 1 low; 2 diagnostics",
    ]


def test_text_of_an_empty_report():
    assert render(empty_report(), "text") == f"riskscan 0.1.0: 0 agents, 0 tools, {RULES} rules\n\n0 findings\n"


def test_text_is_plain_unless_colour_is_asked_for():
    report = sample_report()
    assert "\x1b[" not in render(report, "text")
    coloured = render(report, "text", color=True)
    assert "\x1b[1;31mCRITICAL\x1b[0m RS102" in coloured
    assert "\x1b[" not in render(report, "json", color=True)

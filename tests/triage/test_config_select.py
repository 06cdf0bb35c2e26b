"""Rule selection by code prefix (ruff semantics), per-path ignores, exclude, and the rule docs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from riskscan import rulesets
from riskscan.cli import main
from riskscan.report.rule_docs import OWASP_NAMES, sections
from riskscan.scan import scan
from riskscan.triage.select import Selection, SelectionError, from_config, path_matches
from riskscan.types import Config

REPO = Path(__file__).resolve().parents[2]
OPS = REPO / "fixtures" / "cases" / "fastmcp-ops-server"  # RS102 (path) and RS301 (hygiene), both in server.py
CODES = tuple(rule.id for rule in rulesets.load().rules)


def rules_of(report):
    return sorted(f.rule_id for f in report.findings)


def test_the_most_specific_prefix_wins_and_ignore_wins_a_tie():
    chosen = from_config(Config(select=("RS1",), ignore=("RS10",), extend_select=("RS102",)), CODES)
    assert [code for code in ("RS101", "RS102", "RS103", "RS201") if chosen.enabled(code)] == ["RS102"]
    assert not Selection(select=("RS1",), ignore=("RS1",)).enabled("RS101")
    assert Selection(select=("ALL",), ignore=("RS2",)).enabled("RS101")
    assert not Selection(select=("ALL",), ignore=("RS2",)).enabled("RS201")
    assert from_config(Config(), CODES).enabled("RS313")  # default: every rule


@pytest.mark.parametrize(("config", "message"), [
    (Config(select=("RS9",)), "select: 'RS9' matches no rule"),
    (Config(ignore=("rs1",)), "ignore: 'rs1' is not a rule code prefix"),
    (Config(per_path_ignores=(("tests/**", ("X1",)),)), "per-path-ignores: 'X1' matches no rule"),
])
def test_a_selector_that_selects_nothing_is_an_error(config, message):
    with pytest.raises(SelectionError, match=message):
        from_config(config, CODES)


@pytest.mark.parametrize(("path", "glob", "expected"), [
    ("tests/a/b.py", "tests/**", True), ("src/tests/b.py", "tests/**", False), ("src/tests/b.py", "**/tests/*.py", True),
    ("a/b/.mcp.json", "*.json", True), ("a/b.py", "a/*.py", True), ("a/c/b.py", "a/*.py", False), ("a/c/b.py", "a", True),
])
def test_globs(path, glob, expected):
    assert path_matches(path, glob) is expected


def test_selection_filters_findings_and_skips_solving_unselected_path_rules():
    assert rules_of(scan(str(OPS))) == ["RS102", "RS301"]
    assert rules_of(scan(str(OPS), Config(select=("RS3",)))) == ["RS301"]
    assert rules_of(scan(str(OPS), Config(ignore=("RS1",)))) == ["RS301"]
    assert rules_of(scan(str(OPS), Config(select=("RS2",), extend_select=("RS102",)))) == ["RS102"]


def test_per_path_ignores_and_exclude(tmp_path):
    assert rules_of(scan(str(OPS), Config(per_path_ignores=(("server.py", ("RS1",)),)))) == ["RS301"]
    assert rules_of(scan(str(OPS), Config(per_path_ignores=(("other/**", ("RS1",)),)))) == ["RS102", "RS301"]
    assert rules_of(scan(str(OPS), Config(exclude=("server.py",)))) == []


def test_the_command_line_takes_comma_lists_and_glob_code_pairs():
    runner = CliRunner()
    listed = runner.invoke(main, ["scan", str(OPS), "--select", "RS1,RS3", "--ignore", "RS301", "--statistics"])
    assert listed.output.splitlines()[0].split() == ["1", "RS102", "injection-to-code-execution", "critical"]
    pairs = runner.invoke(main, ["scan", str(OPS), "--per-path-ignores", "server.py:RS102,RS301"])
    assert pairs.exit_code == 0
    assert runner.invoke(main, ["scan", str(OPS), "--per-path-ignores", "server.py"]).exit_code == 2


def test_rules_lists_every_rule_of_the_rulesets():
    result = CliRunner().invoke(main, ["rules"])
    assert result.exit_code == 0
    # the trace rules (rulesets/trace/rules.yaml) too
    assert [line.split()[0] for line in result.output.splitlines()] == sorted(rule.id for rule in rulesets.load_every_rule().rules)
    assert set(CODES) < {line.split()[0] for line in result.output.splitlines()}
    assert "RS101  critical  path     injection-to-exfiltration" in result.output


def test_rule_explains_one_rule_in_a_fixed_shape():
    result = CliRunner().invoke(main, ["rule", "RS101"])
    assert result.exit_code == 0
    headings = [line for line in result.output.splitlines() if line.startswith("## ")]
    assert headings == ["## What it does", "## Why is this bad?", "## Example", "## How to fix", "## References"]
    assert "OWASP Top 10 for LLM Applications LLM01: Prompt Injection" in result.output
    assert "CWE-200 — https://cwe.mitre.org/data/definitions/200.html" in result.output
    assert CliRunner().invoke(main, ["rule", "tool-shadowing"]).output.startswith("# RS210 tool-shadowing")
    missing = CliRunner().invoke(main, ["rule", "RS999"])
    assert missing.exit_code == 2 and "no rule 'RS999'" in missing.output


@pytest.mark.parametrize("rule", rulesets.load().rules, ids=lambda rule: rule.id)
def test_every_rule_has_what_why_fix_and_named_references(rule):
    shown = dict(sections(rule))
    assert shown["What it does"] and shown["Why is this bad?"] and shown["How to fix"]
    assert all(tag in OWASP_NAMES for tag in rule.tags)
    assert shown["References"] != "- none"


def test_a_copied_project_keeps_its_selection(tmp_path):
    target = tmp_path / "ops"
    shutil.copytree(OPS, target)
    (target / "riskscan.toml").write_text('select = ["RS3"]\n')
    result = CliRunner().invoke(main, ["scan", str(target), "--statistics"])
    lines = result.output.splitlines()
    assert lines[0].split()[1] == "RS301" and not [line for line in lines if "RS102" in line and not line.startswith("suppressed:")]
    assert "suppressed: RS102 1" in result.output  # what the repository's own selection left out stays in the report


# --- --min-confidence: guesses hidden, counted, kept in the machine formats ---------------------

SAMPLE = REPO / "bench" / "realworld" / "sample" / "project"  # a word-only RS101 beside a catalogued RS102


def test_min_confidence_hides_the_guesses_counts_them_and_keeps_them_in_json(tmp_path):
    everything = scan(str(SAMPLE), Config(cache=False))
    assert {f.rule_id: f.confidence for f in everything.findings if f.kind == "path"} == {"RS101": "low", "RS102": "high"}
    sure = scan(str(SAMPLE), Config(cache=False, min_confidence="medium"))
    assert rules_of(sure) == ["RS102", "RS301"]  # the hygiene finding is a fact read directly: kept
    [hidden] = sure.suppressed
    assert hidden.rule_id == "RS101" and hidden.suppression.reason.startswith("below --min-confidence: its confidence is low")
    result = CliRunner().invoke(main, ["scan", str(SAMPLE), "--no-cache", "--format", "concise", "--min-confidence", "medium"])
    assert "1 hidden (1 below --min-confidence)" in result.output and "RS101" not in result.output.split("hidden")[0]
    (tmp_path / "operator.toml").write_text('min-confidence = "high"\n')
    named = CliRunner().invoke(main, ["scan", str(SAMPLE), "--no-cache", "--format", "json", "--config", str(tmp_path / "operator.toml")])
    import json

    document = json.loads(named.output)
    assert {f["rule_id"]: f["suppressed"] for f in document["findings"]} == {"RS101": True, "RS102": False, "RS301": False}


def test_a_scanned_repository_cannot_hide_its_own_findings_by_confidence(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(SAMPLE, project)
    (project / "riskscan.toml").write_text('min-confidence = "high"\n')
    result = CliRunner().invoke(main, ["scan", str(project), "--no-cache", "--format", "concise"])
    assert "RS101" in result.output and "RS215" in result.output  # not obeyed, and said so

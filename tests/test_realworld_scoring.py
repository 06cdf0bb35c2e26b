"""The real-project benchmark's scoring (bench/realworld/scoring.py), run on its vendored sample:
a scan of bench/realworld/sample/project judged by sample/expectations.yaml, as run.py judges the
pinned projects, so that the scoring keeps working with the report format it reads."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml

from riskscan.report import render
from riskscan.scan import scan
from riskscan.types import Config

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "bench" / "realworld" / "sample"
sys.path.insert(0, str(REPO / "bench" / "realworld"))

import scoring  # noqa: E402


@pytest.fixture(scope="module")
def report() -> dict:
    return json.loads(render(scan(str(SAMPLE / "project"), Config(cache=False)), "json"))


def expectations(document=None):
    return scoring.parse_expectations(document or yaml.safe_load((SAMPLE / "expectations.yaml").read_text()), "expectations.yaml")


def test_every_finding_of_the_sample_is_judged_and_counted(report):
    result = scoring.score("sample", report, *expectations())
    assert (result.findings, result.path_findings, result.true, result.false, result.disputed) == (3, 2, 2, 1, 0)
    assert (result.path_true, result.path_false, result.known_misses) == (1, 1, 1)
    assert result.precision == 0.5 and result.recall == 0.5
    assert result.unreviewed == [] and result.unused == [] and result.now_found == []
    assert result.false_findings == ["RS101 at agent.py:31 (steps: \"read_inbox_email -> send_email_reply\") "
                                     f"[{result_severity(report, 'RS101')}]: both tools only format text with the templating library: "
                                     "'email', 'inbox' and 'send' are words of their names"]


def result_severity(report, rule):
    return next(f["severity"] for f in report["findings"] if f["rule_id"] == rule)


def test_a_path_resting_on_words_alone_is_counted_as_such(report):
    by_rule = {f["rule_id"]: f for f in report["findings"]}
    assert scoring.evidence_basis(by_rule["RS101"]) == "words"
    assert scoring.evidence_basis(by_rule["RS102"]) == "evidence"
    assert scoring.score("sample", report, *expectations()).word_only == 1


def test_a_finding_without_a_verdict_is_unreviewed_and_a_verdict_without_a_finding_is_unused(report):
    document = yaml.safe_load((SAMPLE / "expectations.yaml").read_text())
    document["findings"] = [entry for entry in document["findings"] if entry["rule"] != "RS102"]
    document["findings"].append({"rule": "RS104", "at": "agent.py:1", "verdict": "true", "why": "gone"})
    result = scoring.score("sample", report, *expectations(document))
    assert result.unreviewed == [f"RS102 at agent.py:19 (steps: \"fetch_page -> run_command\") [{result_severity(report, 'RS102')}]"]
    assert result.unused == ["RS104 at agent.py:1"]
    assert result.precision == 0.0  # the only judged path finding left is the false one


def test_a_known_miss_that_a_finding_now_matches_asks_for_review(report):
    document = yaml.safe_load((SAMPLE / "expectations.yaml").read_text())
    document["missed"] = [{"rule": "RS102", "at": "agent.py:19", "why": "found now"}]
    result = scoring.score("sample", report, *expectations(document))
    assert result.known_misses == 0 and result.now_found == ["RS102 at agent.py:19: found now"]


@pytest.mark.parametrize("entry, message", [
    ({"rule": "RS101", "at": "a.py:1", "verdict": "maybe", "why": "x"}, "verdict must be one of true, false, disputed"),
    ({"rule": "RS101", "at": "a.py:1", "verdict": "true"}, "needs rule, at, verdict and why"),
])
def test_a_malformed_verdict_is_an_error_naming_its_place(entry, message):
    with pytest.raises(scoring.ExpectationError, match=rf"expectations.yaml: findings\[0\]: {message}"):
        expectations({"findings": [entry]})


def test_the_table_totals_the_projects(report):
    first = scoring.score("sample", report, *expectations())
    second = scoring.score("again", report, *expectations())
    text = scoring.table([first, second])
    total = text.splitlines()[-1].split()
    assert total[:8] == ["total", "6", "4", "4", "2", "0", "2", "50"]
    markdown = scoring.table([first], markdown=True).splitlines()
    assert markdown[0].startswith("| project | findings | path |") and markdown[-1].startswith("| total | 3 | 2 |")

"""docs/rules.md is generated from the rulesets and must not drift from them."""

from pathlib import Path

from riskscan import rulesets
from riskscan.report.rule_docs import reference

REPO = Path(__file__).resolve().parents[2]


def test_the_rules_reference_is_in_sync_with_the_rulesets():
    written = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    assert written == reference(rulesets.load_every_rule().rules), "regenerate: python -m riskscan.report.rule_docs > docs/rules.md"


def test_every_rule_has_its_section():
    written = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    for rule in rulesets.load_every_rule().rules:
        assert f"\n## {rule.id} {rule.name}\n" in written

"""scripts/catalog_coverage.py counts what tool bodies call and how much of it the catalog knows."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SPEC = importlib.util.spec_from_file_location("catalog_coverage", REPO / "scripts" / "catalog_coverage.py")
coverage = importlib.util.module_from_spec(SPEC)
sys.modules["catalog_coverage"] = coverage  # dataclasses look their module up
SPEC.loader.exec_module(coverage)


def test_every_gitpython_call_of_the_release_desk_resolves():
    measured = coverage.measure(REPO / "fixtures" / "cases" / "gitpython-release-desk")
    assert measured.tools == 6 and measured.read == 6
    # git.Repo (5), remote, ls_files, rev_parse: harmless; requests.get, diff, push, delete_head: catalogued
    assert measured.kinds["harmless"] == 8 and measured.kinds["catalogued"] == 4
    assert measured.third_party == measured.resolved == 12 and not measured.unknown
    assert measured.word_only == []


def test_unknown_calls_are_listed_by_frequency(tmp_path):
    (tmp_path / "bot").mkdir()
    (tmp_path / "bot" / "tools.py").write_text(
        "import acme_sdk\nfrom agents import Agent, function_tool\n\n"
        "@function_tool\ndef sync(record: str) -> str:\n"
        "    \"\"\"Sync a record.\"\"\"\n    acme_sdk.push(record)\n    acme_sdk.push(record)\n    return record.upper()\n\n"
        "bot = Agent(name='bot', tools=[sync])\n")
    measured = coverage.measure(tmp_path)
    assert measured.unknown == {"acme_sdk.push": 2} and measured.third_party == 2 and measured.resolved == 0
    text = coverage.report([measured], top=5, markdown=False)
    assert "     2  acme_sdk.push" in text and "0 %" in text

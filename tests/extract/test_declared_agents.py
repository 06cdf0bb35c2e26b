"""Agents declared in configuration: the facts a pyproject.toml or riskscan.toml gives."""

from __future__ import annotations

from riskscan.discover import kind_of
from riskscan.extract.declared import declared_agents, extract
from riskscan.rulesets import load
from riskscan.types import Location, Ref, SourceFile

RISKSCAN_TOML = """\
[[agents]]
name = "Ops"
tools = ["ops.tools:restart", "status", "bad:"]
handoffs = ["Pager"]

[[agents]]
tools = ["x.y:z"]
"""


def test_references_names_and_handoffs_become_facts_on_their_lines():
    import tomllib

    facts = declared_agents(tomllib.loads(RISKSCAN_TOML), "riskscan.toml", RISKSCAN_TOML)
    (ops,) = facts.agents
    assert (ops.id, ops.name) == ("declared:riskscan.toml#Ops", "Ops")
    assert ops.tools == (Ref("ops.tools.restart", Location("riskscan.toml", 3, 10)), Ref("declared:riskscan.toml#Ops/status", Location("riskscan.toml", 3, 31)))
    assert ops.handoffs == (Ref("declared:riskscan.toml#Pager", Location("riskscan.toml", 4, 13)),)
    assert [(t.name, t.function) for t in facts.tools] == [("status", None)]
    assert sorted((d.code, d.location.line) for d in facts.diagnostics) == [("invalid-agent", 1), ("invalid-agent", 3)]


def test_pyproject_agents_live_under_tool_riskscan_and_other_keys_are_ignored():
    text = b'[tool.riskscan]\nfail-on = "high"\n[[tool.riskscan.agents]]\nname = "A"\ntools = ["m:f"]\n[[agents]]\nname = "B"\n'
    facts = extract(text, SourceFile("pyproject.toml", "agents-config"), load())
    assert [a.name for a in facts.agents] == ["A"] and not facts.diagnostics


def test_unreadable_toml_is_a_diagnostic_and_only_the_root_files_are_read():
    facts = extract(b"[[agents]\n", SourceFile("riskscan.toml", "agents-config"), load())
    assert [d.code for d in facts.diagnostics] == ["parse-error"]
    assert kind_of("pyproject.toml") == kind_of("riskscan.toml") == "agents-config"
    assert kind_of("vendor/pkg/pyproject.toml") is None

"""YAML aliases are bounded: a "billion laughs" document or one that contains itself is refused
with its line, by every YAML reader (Continue configs, CrewAI YAML, rulesets), in no time."""

from __future__ import annotations

import time

import pytest

from riskscan import rulesets
from riskscan.extract import crewai_config
from riskscan.extract.configs import continue_config
from riskscan.formats import yaml_input
from riskscan.types import SourceFile

LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
)  # *i stands for 9**9 = 387,420,489 strings


def test_a_billion_laughs_is_refused_at_the_node_that_crosses_the_bound():
    with pytest.raises(yaml_input.YamlTooLarge) as caught:
        yaml_input.load(LAUGHS)
    assert caught.value.problem_mark.line + 1 == 6  # e: 9**5 values, the first past 100,000
    assert "more than 100000 values" in str(caught.value)


def test_a_value_that_contains_itself_is_refused():
    with pytest.raises(yaml_input.YamlTooLarge, match="contains it"):
        yaml_input.load("a: &a [1, *a]\n")


def test_shared_aliases_within_the_bound_load_as_safe_load_does():
    import yaml

    text = "base: &b {command: npx, args: [-y, pkg]}\nservers: [*b, *b, *b]\n"
    assert yaml_input.load(text) == yaml.safe_load(text)
    assert yaml_input.load("") is None


@pytest.mark.parametrize("reader, path, tail", [
    (continue_config, ".continue/config.yaml", "mcpServers:\n  - name: s\n    command: npx\n    args: *i\n"),
    (crewai_config, "crew/config/agents.yaml", "researcher:\n  role: R\n  goal: g\n  tools: *i\n"),
])
def test_the_yaml_readers_refuse_a_billion_laughs_with_its_line(reader, path, tail):
    started = time.monotonic()
    facts = reader.extract((LAUGHS + tail).encode(), SourceFile(path, "yaml"), rulesets.load())
    assert time.monotonic() - started < 5
    [diagnostic] = facts.diagnostics
    assert (diagnostic.code, diagnostic.location.path, diagnostic.location.line) == ("parse-error", path, 6)
    assert "aliases expand" in diagnostic.message


def test_a_ruleset_that_expands_too_far_is_a_ruleset_error_naming_it(tmp_path):
    words = ", ".join(f"w{i}" for i in range(1000))
    path = tmp_path / "amplified.yaml"
    path.write_text(f"kind: lexicon\nversion: 1\nentries: [&E {{label: financial, groups: [[{words}]]}}, {', '.join(['*E'] * 1000)}]\n")
    with pytest.raises(rulesets.RulesetError, match=r"amplified.yaml:3: invalid YAML: aliases expand"):
        rulesets.load((str(path),))

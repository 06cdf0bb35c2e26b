"""Fuzzing every reader (tests/fuzz_readers.py) with the properties of tests/fuzz_checks.py: a short,
derandomised run here, so that CI is deterministic; the long run is bench/fuzz.py. Below it, the
inputs that fuzzing found to break a reader, each a regression test."""

from __future__ import annotations

from pathlib import Path

import pytest
from fuzz_checks import check_input
from fuzz_readers import READERS
from hypothesis import HealthCheck, given, settings

from riskscan import config
from riskscan.extract.declared import extract as extract_declared
from riskscan.rulesets import load as load_rulesets
from riskscan.types import SourceFile

# Examples per reader in the suite: a few each, more where a case is cheap.
EXAMPLES = {"python": 6, "ruleset": 3, "config": 4, "config-pyproject": 4, "suppressions": 4, "trace": 12, "cache": 4}


@pytest.mark.parametrize("name", sorted(READERS))
def test_reader_keeps_its_properties_on_fuzzed_input(name):
    reader = READERS[name]

    @settings(max_examples=EXAMPLES.get(name, 6), deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
    @given(reader.files)
    def run(data):
        check_input(reader, data)

    run()


# --- found by fuzzing ----------------------------------------------------------------------------


def test_a_config_file_that_is_not_utf8_is_a_config_error_naming_it(tmp_path):
    path = tmp_path / "riskscan.toml"
    path.write_bytes(b"\n\ncaf\xe9")
    with pytest.raises(config.ConfigError, match="riskscan.toml: not UTF-8 text"):
        config.load(path)


@pytest.mark.parametrize("text", ["tool = 1\n", "tool = 'riskscan'\n", "[tool]\nriskscan = 3\n"])
def test_a_pyproject_whose_tool_is_not_a_table_is_no_crash(tmp_path, text):
    path = tmp_path / "pyproject.toml"
    path.write_text(text)
    found = config.find(tmp_path)
    if found is not None:  # a [tool.riskscan] that is not a table is an error naming the file
        with pytest.raises(config.ConfigError, match="pyproject.toml"):
            config.load(found)
    facts = extract_declared(text.encode(), SourceFile("pyproject.toml", "agents-config"), load_rulesets())
    assert facts.agents == () and facts.diagnostics == ()


@pytest.mark.parametrize(("data", "line", "code"), [
    (b'name = "x"\n[a]\nx = 1\n[a]\nx = 2\n', 4, "parse-error"),
    (b"[[agents]]\nname = \"A\"\ntools = [\n", 4, "parse-error"),
    (b"[[agents]]\nname = \"caf\xe9\"\n", 2, "decode-error"),
])
def test_a_broken_declared_agents_file_is_placed_on_its_line(data, line, code):
    facts = extract_declared(data, SourceFile("riskscan.toml", "agents-config"), load_rulesets())
    [diagnostic] = facts.diagnostics
    assert (diagnostic.code, diagnostic.location.path, diagnostic.location.line) == (code, "riskscan.toml", line)


def test_a_declared_agents_file_with_a_bom_is_read():
    data = '\ufeff[[agents]]\nname = "Support"\ntools = ["lookup_order"]\n'.encode()
    facts = extract_declared(data, SourceFile("riskscan.toml", "agents-config"), load_rulesets())
    assert [agent.name for agent in facts.agents] == ["Support"] and not facts.diagnostics


def test_a_saved_report_of_the_wrong_shape_is_a_model_error_naming_the_place(tmp_path):
    import json

    from riskscan.trace import ModelError, load_model

    document = json.loads((Path(__file__).parents[1] / "fixtures" / "traces" / "mail-assistant.report.json").read_text())
    document["agents"][0]["id"] = None  # crashed check_traces (sorting agents by id) before
    path = tmp_path / "report.json"
    path.write_text(json.dumps(document))
    with pytest.raises(ModelError, match=r"report.json: not a valid riskscan JSON report: at agents/0/id: None is not of type 'string'"):
        load_model(str(path))
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ModelError, match="not a JSON document"):
        load_model(str(path))


def test_a_suppression_entry_is_placed_on_its_line(tmp_path):
    from riskscan.scan import scan
    from riskscan.types import Config

    path = tmp_path / "riskscan-suppressions.toml"
    path.write_text('# reviewed\n\n[[suppress]]\nrule = "RS101"\npath = "*.json"\n')
    project = Path(__file__).parents[1] / "fixtures" / "cases" / "mcp-client-trifecta"
    report = scan(str(project), Config(suppressions=str(path), timeout_ms=1000))
    [diagnostic] = [d for d in report.diagnostics if d.code == "suppression-without-reason"]
    assert (diagnostic.location.path, diagnostic.location.line) == ("riskscan-suppressions.toml", 3)

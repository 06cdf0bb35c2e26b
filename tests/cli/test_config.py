"""Configuration files: found upward, keys are the long flags, errors name file and key, the CLI wins."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from riskscan import config
from riskscan.cli import main

REPO = Path(__file__).resolve().parents[2]
HIGH_ONLY = REPO / "fixtures" / "cases" / "lowlevel-notes-server"  # its only findings are high (RS103)


def project(tmp_path: Path) -> Path:
    target = tmp_path / "repo" / "services" / "notes"
    shutil.copytree(HIGH_ONLY, target)
    return target


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_the_nearest_file_upward_wins_and_pyproject_needs_its_table(tmp_path):
    target = project(tmp_path)
    (tmp_path / "repo" / "riskscan.toml").write_text('fail-on = "critical"\n')
    (tmp_path / "repo" / "services" / "pyproject.toml").write_text("[project]\nname = 'x'\n")  # no [tool.riskscan]
    assert config.find(target) == tmp_path / "repo" / "riskscan.toml"
    (target / "pyproject.toml").write_text('[tool.riskscan]\nfail-on = "medium"\n')
    assert config.find(target) == target / "pyproject.toml"
    assert config.find(target / "server.py") == target / "pyproject.toml"  # from a file: its folder
    assert config.load(target / "pyproject.toml").values == {"fail_on": "medium"}


def test_a_named_file_sets_the_threshold_and_the_command_line_overrides_it(tmp_path):
    target = project(tmp_path)
    assert run("scan", target).exit_code == 1  # default high
    named = write(tmp_path / "repo" / "riskscan.toml", 'fail-on = "critical"\n')
    assert run("scan", target, "--config", named).exit_code == 0  # a file the operator names is trusted
    assert run("scan", target, "--config", named, "--fail-on", "high").exit_code == 1
    assert run("scan", target, "--fail-on", "critical", "--config", write(tmp_path / "other.toml", 'fail-on = "medium"\n')).exit_code == 0


def test_the_user_configuration_sets_the_threshold(tmp_path, monkeypatch):
    target = project(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home-config"))
    (tmp_path / "home-config" / "riskscan").mkdir(parents=True)
    write(tmp_path / "home-config" / "riskscan" / "config.toml", 'fail-on = "critical"\n')
    assert config.user_file() == tmp_path / "home-config" / "riskscan" / "config.toml"
    assert run("scan", target).exit_code == 0


def test_the_repository_file_may_not_set_the_threshold(tmp_path):
    """fail-on in the scanned repository's own file is the operator's: refused, and a RS215 finding at its line."""
    target = project(tmp_path)
    write(tmp_path / "repo" / "riskscan.toml", '# the team\'s settings\nfail-on = "critical"\n')
    result = run("scan", target, "--format", "json")
    assert result.exit_code == 1
    import json

    document = json.loads(result.output)
    warnings = [f for f in document["findings"] if f["rule_id"] == "RS215"]
    assert [(w["location"]["path"], w["location"]["line"]) for w in warnings] == [("../../riskscan.toml", 2)]
    assert "`fail-on = \"critical\"` was not applied" in warnings[0]["message"]
    assert document["repository_config"]["refused"][0]["key"] == "fail-on"


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('fail_on = "high"\n', "riskscan.toml: fail_on: unknown key"),
        ('fail-on = "hgh"\n', "riskscan.toml: fail-on: expected one of critical, high, medium, low, got 'hgh'"),
        ("max-steps = \"6\"\n", "riskscan.toml: max-steps: expected an integer, got str '6'"),
        ("max-steps = 99\n", "riskscan.toml: max-steps: expected an integer from 1 to 20, got 99"),
        ('select = "RS1"\n', "riskscan.toml: select: expected a list of strings, got str 'RS1'"),
        ("exit-zero = 1\n", "riskscan.toml: exit-zero: expected true or false, got int 1"),
        ('per-path-ignores = {"tests/**" = "RS1"}\n', "riskscan.toml: per-path-ignores: 'tests/**': expected a list of rule codes"),
        ("fail-on = \n", "riskscan.toml: invalid TOML"),
        ('select = ["RS9"]\n', "select: 'RS9' matches no rule"),
    ],
)
def test_bad_keys_and_values_exit_2_naming_the_file_and_the_key(tmp_path, text, expected):
    """Operator keys are checked in a file the operator names (a repository's own file does not get them applied)."""
    target = project(tmp_path)
    write(target / "riskscan.toml", text)
    named = ("--config", target / "riskscan.toml") if text.split()[0] in ("fail-on", "max-steps", "exit-zero") else ()
    result = run("scan", target, *named)
    assert result.exit_code == 2
    assert expected in result.output
    if "matches no rule" not in expected:
        assert str(target / "riskscan.toml") in result.output


def test_pyproject_errors_name_the_table(tmp_path):
    target = project(tmp_path)
    write(target / "pyproject.toml", "[tool.riskscan]\ncolour = true\n")
    result = run("scan", target)
    assert result.exit_code == 2 and f"{target / 'pyproject.toml'}: [tool.riskscan] colour: unknown key" in result.output


def test_the_agents_key_is_accepted_and_left_to_its_reader(tmp_path):
    target = project(tmp_path)
    write(target / "riskscan.toml", '[[agents]]\nname = "planner"\ntools = ["notes.delete"]\n')
    loaded = config.load(target / "riskscan.toml")
    assert loaded.values == {} and loaded.raw["agents"][0]["name"] == "planner"
    assert run("scan", target).exit_code == 1


def test_paths_in_the_file_are_relative_to_it(tmp_path):
    target = project(tmp_path)
    (target / "rules").mkdir()
    write(target / "rules" / "bad.yaml", "kind: rules\nversion: 1\nrules: [{id: X1}]\n")
    write(target / "riskscan.toml", 'ruleset = ["rules/bad.yaml"]\n')
    assert config.load(target / "riskscan.toml").values["rulesets"] == (str(target / "rules" / "bad.yaml"),)
    result = run("scan", target, "--config", target / "riskscan.toml")
    assert result.exit_code == 2 and "bad.yaml: at rules/0" in result.output


def test_select_and_ignore_from_the_file_and_from_the_command_line(tmp_path):
    target = project(tmp_path)
    write(target / "riskscan.toml", 'ignore = ["RS103"]\n')
    assert run("scan", target, "--format", "json").exit_code == 0
    assert run("scan", target, "--ignore", "RS2").exit_code == 1  # the command line replaces the file's list


def test_the_readme_examples_are_valid(tmp_path):
    import datetime
    import re

    from riskscan.scan import scan
    from riskscan.triage.suppressions import read_file
    from riskscan.types import Config

    readme = (REPO / "README.md").read_text()
    settings, suppressions = re.findall(r"^```toml\n(.*?)^```$", readme, flags=re.S | re.M)
    write(tmp_path / "pyproject.toml", settings)
    values = config.load(tmp_path / "pyproject.toml").values
    assert values["select"] == ("RS1", "RS2") and values["per_path_ignores"][0] == ("*.test.json", ("RS201",))
    selection = {k: v for k, v in values.items() if k in ("select", "ignore", "extend_select", "per_path_ignores", "exclude")}
    scan(str(HIGH_ONLY), Config(**selection))  # every selector matches a rule
    [entry] = read_file(str(tmp_path), str(write(tmp_path / "s.toml", suppressions)), datetime.date(2026, 1, 1), [])
    assert (entry.codes, entry.server, entry.reason) == (("RS202",), "fetch", "pinned by our container image")

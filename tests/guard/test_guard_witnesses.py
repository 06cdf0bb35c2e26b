"""Argument-check witnesses, checked by running the tool's own code on them.

The fixture's tools are plain functions in a module that needs only the standard library. Each
witness the solver reports is passed to the real tool with its dangerous call replaced by a
recorder: the tool's own checks must let it through, and the recorded argument must be
dangerous. Sound checks must hold, and their tools must not complete a path."""

from __future__ import annotations

import importlib.util
import os.path
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from riskscan.scan import scan
from riskscan.solve.arguments import judge

CASE = Path(__file__).resolve().parents[2] / "fixtures" / "cases" / "guarded-tools"
SHELL_METACHARACTERS = (";", "&", "|", "`", "$(", "\n", ">", "<")


class ReachedSink(Exception):
    def __init__(self, value):
        super().__init__(value)
        self.value = value


def _record(value, *args, **kwargs):
    raise ReachedSink(value)


@pytest.fixture(scope="module")
def report():
    return scan(str(CASE))


@pytest.fixture()
def tools(monkeypatch):
    spec = importlib.util.spec_from_file_location("guarded_ops_tools", CASE / "ops_tools.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module.urllib.request, "urlopen", _record)
    monkeypatch.setattr(module.os, "remove", _record)
    monkeypatch.setattr(module.os, "popen", _record)
    monkeypatch.setattr(module, "open", _record, raising=False)
    return module


def verdicts(report, tool_name):
    tool = next(t for t in report.tools if t.name == tool_name)
    return [judge(argument) for capability in tool.capabilities for argument in capability.arguments]


@pytest.mark.parametrize(
    "tool_name, dangerous",
    [
        ("fetch_report", lambda url: urlsplit(url).hostname != "reports.example.com"),
        ("read_note", lambda path: not os.path.realpath(path).startswith("/srv/notes/")),
        ("delete_note", lambda path: not os.path.realpath(path).startswith("/srv/notes/")),
        ("search_logs", lambda command: any(m in command for m in SHELL_METACHARACTERS)),
    ],
)
def test_a_bypass_witness_passes_the_tools_own_checks_and_reaches_the_sink_dangerously(report, tools, tool_name, dangerous):
    found = verdicts(report, tool_name)
    assert found and all(v.status == "bypassed" for v in found)
    for verdict in found:
        with pytest.raises(ReachedSink) as reached:
            getattr(tools, tool_name)(**dict(verdict.witness))
        assert dangerous(reached.value.value), f"{tool_name} reached its sink with a harmless {reached.value.value!r}"


@pytest.mark.parametrize("tool_name", ["fetch_status", "delete_draft", "run_diagnostic", "ping"])
def test_sound_checks_hold_and_their_tools_complete_no_path(report, tool_name):
    assert {v.status for v in verdicts(report, tool_name)} == {"holds"}
    sinks = {f.steps[-1].tool for f in report.findings if f.kind == "path"}
    assert tool_name not in sinks
    shell_findings = {f.message for f in report.findings if f.rule_id == "RS301"}
    assert not any(f"({tool_name})" in message for message in shell_findings)


def test_the_finding_names_the_bypass_and_its_witness(report):
    [exfiltration] = [f for f in report.findings if f.rule_id == "RS101"]
    [gate] = [g for g in exfiltration.gates if g.kind == "argument-check"]
    assert gate.status == "bypassed" and gate.witness.startswith("url='https://reports.example.com")
    assert ("gate:argument-check (bypassed)", 1.0) in [(f.name, f.value) for f in exfiltration.factors]
    assert "Its argument check does not hold" in exfiltration.message

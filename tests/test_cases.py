"""Every fixture case under fixtures/cases/ scanned end to end, against its expect.yaml.

An expect.yaml lists the findings of the case, exactly: path findings by rule and sink call, each
with the paths that must reach it (a step is `Agent: tool (file:line)` or `Agent => Agent
(file:line)`, the place `nb.ipynb[cell 4]:12` in a notebook; the last step is the sink, the
others may come in any order the solver chose), and hygiene findings by rule and place;
optionally `labels` of named tools as `label@evidence-kind`, `gates` of named tools as
`kind: detail`, a finding's `severity` where a gate or word-only evidence makes it other than
its rule's, and `agents` by name, each with exactly the `tools` it holds and the context
`flows` it sends (`kind => Agent`), both spelled with ` when <condition>` if they have one. A
case whose expectation riskscan does not meet yet says so with `known_miss: <reason>`; it runs
as a strict xfail, so fixing it is noticed.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from riskscan import graph
from riskscan.report import render
from riskscan.scan import scan
from riskscan.types import Finding, PathStep, SystemModel

CASES = Path(__file__).resolve().parents[1] / "fixtures" / "cases"
REPORT_SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "riskscan" / "schemas" / "report.schema.json").read_text())
SARIF_SCHEMA = json.loads((Path(__file__).parent / "schemas" / "sarif-2.1.0.json").read_text())


def case_params():
    for case in sorted(p for p in CASES.iterdir() if (p / "expect.yaml").is_file()):
        expected = yaml.safe_load((case / "expect.yaml").read_text())
        marks = [pytest.mark.xfail(reason=expected["known_miss"], strict=True)] if expected.get("known_miss") else []
        yield pytest.param(case, expected, id=case.name, marks=marks)


def spelled(step) -> str:
    at = step.location.spelled(column=False)  # path:line, or nb.ipynb[cell 4]:12 in a notebook
    return f"{step.agent}: {step.tool} ({at})" if step.kind == "call" else f"{step.agent} => {step.target} ({at})"


def path_key(steps) -> tuple[frozenset[str], str]:
    return frozenset(steps[:-1]), steps[-1]


def exists_in_system(report, rule_id: str, spelled_steps: list[str]) -> bool:
    """Re-simulate a path written as in expect.yaml on the scanned system: each step must name a
    real holding or handoff at the place written, and the path must complete the rule."""
    agents = {agent.name: agent for agent in report.agents}
    tools = {tool.id: tool for tool in report.tools}
    steps = []
    for text in spelled_steps:
        body, _, place = text.rpartition(" (")
        place = place.rstrip(")")
        if " => " in body:
            source, target = body.split(" => ")
            steps.append(PathStep("handoff", agents[source].id, target=agents[target].id))
            continue
        agent_name, tool_name = body.rsplit(": ", 1)
        agent = agents[agent_name]
        matches = [h.tool for h in agent.tools if tools[h.tool].name == tool_name
                   and tools[h.tool].location.spelled(column=False) == place]
        if not matches:
            return False
        steps.append(PathStep("call", agent.id, tool=matches[0]))
    system = SystemModel(report.root, report.agents, report.tools)
    rule = next(r for r in report.rules if r.id == rule_id)
    return graph.path_reaches_goal(graph.build(system), steps, rule)


def finding_keys(finding: Finding) -> list[tuple]:
    """A path finding by each of its sinks (one finding per risk holds every sink tool of one MCP
    server), a hygiene finding by its place."""
    if finding.kind == "path":
        agent = finding.steps[-1].agent
        return [(finding.rule_id, f"{agent}: {sink}") for sink in finding.sinks]
    return [(finding.rule_id, finding.location.spelled(column=False))]


@pytest.mark.parametrize("case, expected", list(case_params()))
def test_case(case, expected):
    report = scan(str(case))
    findings = {key: f for f in report.findings for key in finding_keys(f)}
    wanted = {}
    for item in expected.get("findings", []):
        key = (item["rule"], item.get("sink") or item["at"])
        wanted[key] = item
    assert sorted(findings) == sorted(wanted), "the case's findings differ from expect.yaml"
    for key, item in wanted.items():
        finding = findings[key]
        found_paths = {path_key([spelled(s) for s in steps]) for steps in (finding.steps, *finding.alternatives) if steps}
        for path in item.get("paths", []):
            # shown, or (the solver shows a bounded sample per sink) a real path of the system
            assert path_key(path) in found_paths or exists_in_system(report, finding.rule_id, path), (
                f"{key}: path {path} neither shown ({found_paths}) nor a path of the scanned system"
            )
        if "conditions" in item:
            assert list(finding.conditions) == item["conditions"]
        if "severity" in item:  # a gate, or evidence of words only, lowers the rule's severity
            assert finding.severity == item["severity"], f"{key}: {finding.severity}: {' '.join(finding.notes)}"
    tools = {tool.name: tool for tool in report.tools}
    for name, labels in expected.get("labels", {}).items():
        assert {f"{c.label}@{c.evidence[0].kind}" for c in tools[name].capabilities} == set(labels), name
    for name, gates in expected.get("gates", {}).items():
        assert {f"{g.kind}: {g.detail}" for g in tools[name].gates} == set(gates), name
    agents = {agent.name: agent for agent in report.agents}
    if "agents" in expected:
        assert sorted(agents) == sorted(expected["agents"]), "the case's agents differ from expect.yaml"
    for name, wanted_agent in (expected.get("agents") or {}).items():
        agent = agents[name]
        by_id = {tool.id: tool.name for tool in report.tools}
        held = {_when(by_id[h.tool], h.condition) for h in agent.tools}
        assert held == set(wanted_agent.get("tools", [])), f"tools of {name}"
        names = {a.id: a.name for a in report.agents}
        flows = {_when(f"{h.kind} => {names[h.target]}", h.condition) for h in agent.handoffs}
        assert flows == set(wanted_agent.get("flows", [])), f"flows of {name}"
    for code in expected.get("diagnostics", []):
        assert code in {d.code for d in report.diagnostics}


def _when(text: str, condition) -> str:
    return f"{text} when {' and '.join(str(atom) for atom in condition)}" if condition else text


FIXTURES = CASES.parent
EVERY_FIXTURE = sorted(p for group in ("cases", "mcp", "python") for p in (FIXTURES / group).iterdir() if p.is_dir())


@pytest.mark.parametrize("case", EVERY_FIXTURE, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_case_outputs_validate_and_are_deterministic(case):
    first = scan(str(case))
    document = json.loads(render(first, "json"))
    jsonschema.Draft202012Validator(REPORT_SCHEMA).validate(document)
    jsonschema.validators.validator_for(SARIF_SCHEMA)(SARIF_SCHEMA).validate(json.loads(render(first, "sarif")))
    second = scan(str(case))
    for fmt in ("text", "json", "sarif"):
        assert render(first, fmt) == render(second, fmt)

"""The solver ends within its time limits on adversarial systems, and says `unknown` for what it
did not decide: argument checks with pathological regular expressions (catastrophic backtracking
for a backtracking engine, nested and counted repetitions), and a dense, cyclic system of agents
whose tools exist only under many (some contradictory) configuration conditions."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from riskscan.scan import scan
from riskscan.types import Config

PATTERNS = [r"(a+)+$", r"((a|b)*c)*(d+)+$", r"(?:(?:a*)*b)*c$", r"(x+x+)+y", r"^(([a-z])+.)+[A-Z]([a-z])+$",
            r"(\w+\s?)*$", r"(a{1,100}){1,100}$", r"[a-z]{5000}", r"((ab)*|(ba)*)*(a|b){20}c", r"(.*a){30}"]
BOUND = 90  # seconds for a whole scan; each solver query has the configured timeout


def regex_project(root: Path) -> None:
    lines = ["import re, subprocess, requests", "from agents import Agent, function_tool", "",
             "@function_tool", "def fetch(url: str) -> str:", "    return requests.get(url).text", ""]
    for i, pattern in enumerate(PATTERNS):
        lines += ["@function_tool", f"def run_{i}(cmd: str) -> str:"]
        for check in PATTERNS[max(0, i - 2): i + 1]:  # nested: each tool checks its pattern and the two before
            lines += [f"    if not re.fullmatch(r'{check}', cmd):", "        raise ValueError('refused')"]
        lines += [f"    if re.search(r'{PATTERNS[(i + 3) % len(PATTERNS)]}', cmd):", "        raise ValueError('refused')",
                  "    if len(cmd) < 200 or not cmd.startswith('a'):", "        raise ValueError('refused')",
                  "    return subprocess.run(cmd, shell=True).stdout", ""]
    lines.append(f"assistant = Agent(name='Assistant', tools=[fetch, {', '.join(f'run_{i}' for i in range(len(PATTERNS)))}])")
    (root / "agents.py").write_text("\n".join(lines) + "\n")


def conditions_project(root: Path, agents: int = 15, tools: int = 30) -> None:
    bodies = ["requests.get(x).text", "open('/srv/private/' + x).read()", "requests.post('https://h.example', data=x).text",
              "subprocess.run(x, shell=True).stdout", "shutil.rmtree(x)"]
    lines = ["import os, shutil, subprocess, requests", "from agents import function_tool", "", "TOOLS = []"]
    for i in range(tools):
        condition = f"os.environ.get('F_{i % 17}') == 'v{i % 5}' and os.environ.get('G_{i % 11}') != 'off'"
        if i % 4 == 0:
            condition += f" and os.environ.get('F_{i % 17}') == 'other'"  # contradicts the first test
        lines += ["@function_tool", f"def tool_{i}(x: str) -> str:", f"    return {bodies[i % len(bodies)]}",
                  f"if {condition}:", f"    TOOLS.append(tool_{i})"]
    (root / "app").mkdir()
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "tools.py").write_text("\n".join(lines) + "\n")
    declared = []
    for a in range(agents):  # every agent hands off to three others: a dense graph full of cycles
        held = [f'"app.tools:tool_{(a * 7 + k) % tools}"' for k in range(5)] + ['"app.tools:TOOLS"']
        handoffs = [f'"A{(a + d) % agents}"' for d in (1, 3, 8)]
        declared.append(f'[[agents]]\nname = "A{a}"\ntools = [{", ".join(held)}]\nhandoffs = [{", ".join(handoffs)}]\n')
    (root / "riskscan.toml").write_text("\n".join(declared))


def timed_scan(root: Path, timeout_ms: int):
    started = time.monotonic()
    report = scan(str(root), Config(timeout_ms=timeout_ms, cache=False, workers=1))
    elapsed = time.monotonic() - started
    assert elapsed < BOUND, f"{elapsed:.1f}s"
    return report


def gate_statuses(report) -> Counter:
    return Counter(gate.status for finding in report.findings for gate in finding.gates if gate.kind == "argument-check")


@pytest.mark.parametrize("timeout_ms", [1, 300])
def test_pathological_regular_expressions_end_in_time_with_unknown_where_undecided(tmp_path, timeout_ms):
    regex_project(tmp_path)
    report = timed_scan(tmp_path, timeout_ms)
    tools = {tool.name: tool for tool in report.tools}
    verdicts = {name: {gate.status for gate in tool.gates if gate.kind == "argument-check"} for name, tool in tools.items()}
    assert set().union(*verdicts.values()) <= {"holds", "unknown", "bypassed", "not-understood"}
    assert "unknown" in verdicts["run_9"]  # `(.*a){30}`, nested twice: not decided in this time
    undecided = [f for f in report.findings if f.rule_id == "RS102" and any(g.status == "unknown" for g in f.gates)]
    assert undecided, "a path whose guard the solver could not judge is still reported"
    if timeout_ms == 1:
        assert gate_statuses(report)["unknown"] >= 1 and sum(1 for v in verdicts.values() if "unknown" in v) >= 5


@pytest.mark.parametrize("timeout_ms", [1, 200])
def test_a_dense_cyclic_system_with_many_conditions_ends_in_time(tmp_path, timeout_ms):
    conditions_project(tmp_path)
    report = timed_scan(tmp_path, timeout_ms)
    notes = [d.message for d in report.diagnostics if d.code in ("solver", "fix-set")]
    paths = [f for f in report.findings if f.kind == "path"]
    if timeout_ms == 1:
        assert any("unknown within its allowance (100 solver steps, --timeout-ms 1)" in note for note in notes), notes
    else:
        assert {"RS101", "RS102", "RS103"} <= {f.rule_id for f in paths}
    for finding in paths:  # no reported path needs a contradictory configuration
        values = {}
        for condition in finding.conditions:
            variable, _, value = condition.partition(" == ")
            assert values.setdefault(variable, value) == value, finding.conditions


def test_path_queries_are_bounded_by_solver_steps_not_by_the_clock(monkeypatch):
    """The unrolling, the configuration checks and the fix-set optimisation end by Z3's step count
    (PATH_RLIMIT_PER_MS, or OPTIMIZE_RLIMIT_PER_MS, x timeout_ms), not by the clock: with a second of time for each query, a
    million steps decide it on every run, and one step leaves it unknown."""
    from test_solve_reachability import EXECUTION, long_way_system

    from riskscan import graph
    from riskscan.solve import backend, budget, fixes
    from riskscan.solve.cone import prune
    from riskscan.solve.encoding import Configurations, Unrolling
    from riskscan.types import Atom
    from riskscan.types import Path as SolvedPath

    cone = prune(graph.actions(long_way_system()), EXECUTION, 5)
    atoms = tuple(Atom(f"env.V{index}", str(index % 3)) for index in range(12))
    changes = [fixes.Change("remove-tool", f"agent{index}", f"tool{index}") for index in range(12)]
    options = {SolvedPath("RS102", (), (Atom(f"path{index}", None),)): frozenset(changes[index:index + 4:2])
               for index in range(10)}

    def outcomes(steps_per_ms: int):
        monkeypatch.setattr(budget, "PATH_RLIMIT_PER_MS", steps_per_ms)
        monkeypatch.setattr(budget, "OPTIMIZE_RLIMIT_PER_MS", steps_per_ms * 50)
        unrolling = Unrolling(cone, EXECUTION.requires, 1000)
        unrolling.deepen_to(5)
        return (unrolling.find().status, Configurations(1000, backend.z3().Context()).satisfiable(atoms),
                fixes._optimise(backend.z3(), options, 1000) is not None)

    for _ in range(3):
        assert outcomes(1000) == ("sat", True, True)
        assert outcomes(0) == ("unknown", None, False)  # max(1, 0 x 1000): one step

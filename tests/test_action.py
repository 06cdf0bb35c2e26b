"""action.yml: a well-formed composite action whose scan step really scans.

GitHub publishes no schema for action metadata, so the structure GitHub requires is checked here:
name, description, `runs.using: composite`, every `run` step with a `shell`, every `uses` step
with a pinned ref, every `${{ inputs.X }}` declared, outputs wired to a step that exists. Inputs
must reach scripts only through `env` (an input spliced into a script is shell injection). The
scan step's script is then run with bash, its expressions filled in from the inputs' defaults, on
the bundled example."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
ACTION = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def steps():
    return ACTION["runs"]["steps"]


def expressions(value) -> list[str]:
    if isinstance(value, dict):
        return [e for item in value.values() for e in expressions(item)]
    if isinstance(value, list):
        return [e for item in value for e in expressions(item)]
    return EXPRESSION.findall(value) if isinstance(value, str) else []


def test_the_metadata_github_requires():
    assert {"name", "description", "runs"} <= ACTION.keys()
    assert ACTION["runs"]["using"] == "composite"
    assert ACTION["branding"]["icon"] and ACTION["branding"]["color"]
    for name, spec in ACTION["inputs"].items():
        assert re.fullmatch(r"[a-z][a-z0-9-]*", name) and spec["description"], name
        assert isinstance(spec.get("default", ""), str), name  # YAML true would reach the runner as a boolean
    for name, spec in ACTION["outputs"].items():
        assert spec["description"] and EXPRESSION.fullmatch(spec["value"]), name


def test_every_step_is_runnable_by_a_composite_action():
    ids = [step["id"] for step in steps() if "id" in step]
    assert len(ids) == len(set(ids))
    for step in steps():
        assert ("run" in step) != ("uses" in step), step
        if "run" in step:
            assert step["shell"] == "bash", step["name"]
        else:
            action, _, ref = step["uses"].partition("@")
            assert ref, f"{action} is not pinned to a ref"
    assert "github/codeql-action/upload-sarif@v3" in [step.get("uses") for step in steps()]
    [upload] = [step for step in steps() if step.get("uses", "").startswith("github/codeql-action/upload-sarif")]
    assert upload["with"]["sarif_file"] == "${{ inputs.sarif-file }}"


def test_every_reference_is_declared_and_inputs_never_reach_a_script_directly():
    inputs = set(ACTION["inputs"])
    step_ids = {step["id"] for step in steps() if "id" in step}
    for expression in expressions(ACTION):
        for name in re.findall(r"inputs\.([a-z0-9-]+)", expression):
            assert name in inputs, expression
        for step_id in re.findall(r"steps\.([a-z0-9-]+)\.outputs", expression):
            assert step_id in step_ids, expression
    for step in steps():
        assert not EXPRESSION.search(step.get("run", "")), f"{step['name']}: use env, not expressions, in scripts"


def test_the_scan_commands_use_formats_the_cli_has():
    from riskscan.cli import FORMATS

    commands = [line for step in steps() for line in step.get("run", "").splitlines() if "riskscan scan" in line]
    formats = [re.search(r"--format (\w+)", line).group(1) for line in commands]
    assert formats == ["sarif", "markdown"]
    assert "sarif" in FORMATS  # markdown is the PR comment format (`--format markdown`)


def run_step(step_id: str, workspace: Path, overrides: dict[str, str]) -> tuple[subprocess.CompletedProcess, dict]:
    """Run one `run` step like the runner would: its env with expressions filled in from the
    inputs' defaults (and `overrides`), GITHUB_OUTPUT a file."""
    [step] = [s for s in steps() if s.get("id") == step_id]
    values = {f"inputs.{name}": spec.get("default", "") for name, spec in ACTION["inputs"].items()}
    values.update({f"inputs.{name}": value for name, value in overrides.items()})
    values["github.action_path"] = str(REPO)
    env = dict(os.environ)
    for name, value in step.get("env", {}).items():
        env[name] = EXPRESSION.sub(lambda match: values[match.group(1)], value)
    output = workspace / "github_output"
    output.write_text("")
    env["GITHUB_OUTPUT"] = str(output)
    completed = subprocess.run(
        ["bash", "-e", "-c", step["run"]], cwd=workspace, env=env, capture_output=True, text=True, timeout=300
    )
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())
    return completed, outputs


@pytest.mark.parametrize("folder, fail_on, expected", [
    ("examples/support-desk", "high", "1"),
    ("fixtures/cases/lowlevel-notes-server", "critical", "0"),  # its findings are high only
])
def test_the_scan_step_writes_sarif_and_reports_the_exit_code(tmp_path, folder, fail_on, expected):
    completed, outputs = run_step("scan", tmp_path, {"path": str(REPO / folder), "fail-on": fail_on})
    assert completed.returncode == 0, completed.stderr  # findings do not stop the upload
    assert outputs == {"sarif-file": "riskscan.sarif", "exit-code": expected}
    sarif = json.loads((tmp_path / "riskscan.sarif").read_text())
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"]


def test_the_scan_step_is_clean_on_a_safe_project_and_fails_on_a_usage_error(tmp_path):
    _, outputs = run_step("scan", tmp_path, {"path": str(REPO / "fixtures" / "cases" / "safe-newsletter")})
    assert outputs["exit-code"] == "0"
    completed, outputs = run_step("scan", tmp_path, {"path": str(tmp_path / "missing")})
    assert completed.returncode == 2 and outputs["exit-code"] == "2"
    assert "::error::riskscan could not scan" in completed.stdout


def test_hostile_input_values_stay_arguments(tmp_path):
    """A path input carrying shell syntax is one argument, never run."""
    marker = tmp_path / "pwned"
    completed, outputs = run_step("scan", tmp_path, {"path": f"$(touch {marker}); `touch {marker}`"})
    assert outputs["exit-code"] == "2" and not marker.exists()

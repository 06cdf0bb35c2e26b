"""`.ci/run` runs the README's test command the way the README does: in a fresh virtual environment
holding riskscan's test extra, with that environment's python. The script itself is run, with
stand-ins on PATH for the programs it calls (python, npm, the browser): the stand-in python makes
a real virtual environment (a real `activate`) and logs every call instead of installing or
testing, so this checks what CI does, offline and in a second, without running the suite inside
the suite.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / ".ci" / "run"

# The stand-in python: logs each call; `-m venv DIR` makes a real venv whose pythons are this stand-in.
STAND_IN_PYTHON = '''#!INTERPRETER
import json, os, shutil, sys, venv
from pathlib import Path

args = sys.argv[1:]
call = {"program": sys.argv[0], "args": args, "cwd": os.getcwd(), "virtual_env": os.environ.get("VIRTUAL_ENV"),
        "require": {k: v for k, v in os.environ.items() if k.startswith("RISKSCAN_REQUIRE_")}}
if args[:2] == ["-m", "venv"]:
    target = Path(args[-1])
    call["existed"] = target.exists()
    venv.EnvBuilder(with_pip=False).create(target)
    for interpreter in (target / "bin").glob("python*"):
        interpreter.unlink()
        shutil.copy(__file__, interpreter)
with open(os.environ["STAND_IN_LOG"], "a") as log:
    log.write(json.dumps(call) + "\\n")
if args[:2] == ["-m", "pytest"]:
    sys.exit(int(os.environ["STAND_IN_PYTEST_EXIT"]))
'''


def readme_commands() -> list[list[list[str]]]:
    """The lines of the README's first code block, each as its `&&`-joined commands (shell words)."""
    lines, inside = [], False
    for line in (REPO / "README.md").read_text().splitlines():
        if line.startswith("```") and not inside:
            inside = True
        elif line.startswith("```"):
            break
        elif inside:
            lines.append(line)
    commands = []
    for line in lines:
        words, steps = shlex.split(line, comments=True), [[]]
        for word in words:
            if word == "&&":
                steps.append([])
            else:
                steps[-1].append(word)
        commands.append(steps)
    return commands


def test_the_readme_runs_the_suite_inside_a_fresh_virtual_environment():
    [_, test_line] = readme_commands()
    create, activate, install, run = test_line
    assert create[1:3] == ["-m", "venv"]
    assert activate[0] in (".", "source") and activate[1] == f"{create[3]}/bin/activate"
    assert install == ["pip", "install", ".[test]"]
    assert run[0] == "python" and run[1:3] == ["-m", "pytest"]


def run_ci(tmp_path: Path, pytest_exit: int) -> tuple[subprocess.CompletedProcess, list[dict]]:
    stand_ins = tmp_path / "bin"
    stand_ins.mkdir(exist_ok=True)
    for name in ("python", "python3"):
        (stand_ins / name).write_text(STAND_IN_PYTHON.replace("INTERPRETER", sys.executable))
    global_modules = tmp_path / "node_modules"  # as if mermaid and jsdom were installed already
    (global_modules / "mermaid" / "dist").mkdir(parents=True, exist_ok=True)
    (global_modules / "mermaid" / "dist" / "mermaid.min.js").write_text("")
    (global_modules / "jsdom").mkdir(exist_ok=True)
    (stand_ins / "npm").write_text(f"#!/bin/sh\n[ \"$1\" = root ] && echo {shlex.quote(str(global_modules))} && exit 0\n"
                                   f"echo npm \"$@\" >> {shlex.quote(str(tmp_path / 'installs'))}\n")
    for name in ("sarif-multitool", "chromium", "chromedriver"):
        (stand_ins / name).write_text("#!/bin/sh\n")
    (stand_ins / "apt-get").write_text(f"#!/bin/sh\necho apt-get \"$@\" >> {shlex.quote(str(tmp_path / 'installs'))}\n")
    for stand_in in stand_ins.iterdir():
        stand_in.chmod(0o755)
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir(exist_ok=True)
    log = tmp_path / "calls.jsonl"
    log.write_text("")
    env = {name: value for name, value in os.environ.items()
           if name not in ("PYTHON", "VIRTUAL_ENV", "PYTHONPATH") and not name.startswith("RISKSCAN_REQUIRE_")}
    env.update(PATH=f"{stand_ins}{os.pathsep}{os.environ['PATH']}", RUNNER_TEMP=str(runner_temp),
               STAND_IN_LOG=str(log), STAND_IN_PYTEST_EXIT=str(pytest_exit))
    result = subprocess.run(["bash", str(SCRIPT)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    return result, [json.loads(line) for line in log.read_text().splitlines()]


def test_ci_makes_a_fresh_venv_installs_the_test_extra_and_runs_the_readme_command_with_its_python(tmp_path):
    result, calls = run_ci(tmp_path, pytest_exit=0)
    assert result.returncode == 0, result.stderr
    [creation] = [call for call in calls if call["args"][:2] == ["-m", "venv"]]
    environment = Path(creation["args"][-1])
    assert not creation["existed"] and environment.is_relative_to(tmp_path / "runner-temp")
    venv_python = str(environment / "bin" / "python")
    after = calls[calls.index(creation) + 1:]
    assert after and all(call["program"] == venv_python and call["virtual_env"] == str(environment) for call in after)
    installs = [call for call in after if call["args"][:3] == ["-m", "pip", "install"]]
    assert any(".[test]" in call["args"] for call in installs) and all(call["cwd"] == str(REPO) for call in installs)

    [_, test_line] = readme_commands()
    [run] = [call for call in after if call["args"][:2] == ["-m", "pytest"]]
    assert ["python", *run["args"]] == test_line[-1]  # exactly the README's test command
    assert run["cwd"] == str(REPO) and calls[-1] is run  # installs first, the suite last
    assert run["require"] == {"RISKSCAN_REQUIRE_MULTITOOL": "1", "RISKSCAN_REQUIRE_BROWSER": "1", "RISKSCAN_REQUIRE_MERMAID": "1"}
    assert not environment.exists()  # the temporary venv is removed; the next run starts from nothing
    assert not (tmp_path / "installs").exists()  # the tools present already are not installed again


def test_ci_makes_a_new_venv_on_every_run(tmp_path):
    first = [call for call in run_ci(tmp_path, 0)[1] if call["args"][:2] == ["-m", "venv"]]
    second = [call for call in run_ci(tmp_path, 0)[1] if call["args"][:2] == ["-m", "venv"]]
    assert first[0]["args"][-1] != second[0]["args"][-1] and not second[0]["existed"]


@pytest.mark.parametrize("pytest_exit", [1, 2, 5], ids=["tests failed", "interrupted or usage error", "no tests collected"])
def test_ci_fails_when_the_suite_does_not_pass(tmp_path, pytest_exit):
    result, calls = run_ci(tmp_path, pytest_exit)
    assert any(call["args"][:2] == ["-m", "pytest"] for call in calls)
    assert result.returncode != 0

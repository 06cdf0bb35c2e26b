"""A process start is code execution only where the model can choose what runs: the program, or
the code an interpreter or launcher named in the code is given. A fixed program with a
model-chosen argument is argument injection (RS302): an option the model picks."""

from __future__ import annotations

import textwrap

import pytest

from riskscan.scan import scan
from riskscan.types import Config

CASES = {
    # body of `def tool(value: str)`: (labels of the tool, whether RS302 is reported)
    'subprocess.run(["git", "log", value])': ((), True),
    'subprocess.run(("git", "log", f"{value}"))': ((), True),
    'subprocess.run(["git", "log", "--end-of-options", value])': ((), False),
    'subprocess.run(["grep", "-r", "--", value, "."])': ((), False),
    'subprocess.run(["git", "log", f"--since={value}"])': ((), False),
    'subprocess.run(["git", "status"])': ((), False),
    'subprocess.run(["bash", "-c", value])': (("code_exec",), False),
    'subprocess.run(["/usr/bin/python3.12", "-c", value])': (("code_exec",), False),
    'subprocess.run(["env", value])': (("code_exec",), False),
    'subprocess.run([value, "--version"])': (("code_exec",), False),
    'subprocess.run(value.split())': (("code_exec",), False),
    'asyncio.run(asyncio.create_subprocess_exec("grep", "-r", value, "."))': ((), True),
    'asyncio.run(asyncio.create_subprocess_exec("node", "-e", value))': (("code_exec",), False),
    'asyncio.run(asyncio.create_subprocess_exec(value))': (("code_exec",), False),
    'os.execv("/bin/ls", ["ls", value])': ((), True),
}


def project(tmp_path, body: str, annotation: str = "str", prelude: str = ""):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "tools.py").write_text(textwrap.dedent(f'''\
        import asyncio
        import os
        import subprocess

        from agents import Agent, function_tool

        {{prelude}}

        @function_tool
        def tool(value: {annotation}) -> str:
            """Do one thing."""
            {body}
            return "done"


        bot = Agent(name="bot", tools=[tool])
        ''').replace("{prelude}", prelude))
    return scan(str(tmp_path), Config(cache=False))


@pytest.mark.parametrize("body", CASES, ids=list(CASES))
def test_what_a_process_start_gives_its_tool(tmp_path, body):
    labels, injection = CASES[body]
    report = project(tmp_path, body)
    [tool] = [t for t in report.tools if t.name == "tool"]
    assert tuple(sorted({c.label for c in tool.capabilities})) == labels
    assert any(f.rule_id == "RS302" for f in report.findings) is injection


def test_a_number_parameter_is_no_option(tmp_path):
    report = project(tmp_path, 'subprocess.run(["git", "log", "-n", str(value)])', annotation="int")
    assert not any(f.rule_id == "RS302" for f in report.findings)


@pytest.mark.parametrize("target, labels", [
    ("TEMPLATE", ()),                 # the project's own file
    ("SECRETS", ("secret_read",)),    # a fixed place where secrets are kept
    ("value", ("private_data",)),     # the model names the file
])
def test_a_module_constant_is_a_fixed_target(tmp_path, target, labels):
    prelude = 'TEMPLATE = "config/templates.json"\nSECRETS = "deploy/.env"\n'
    report = project(tmp_path, f"open({target}).read()", prelude=prelude)
    [tool] = [t for t in report.tools if t.name == "tool"]
    assert tuple(sorted({c.label for c in tool.capabilities})) == labels

"""The README's examples work as written."""

import contextlib
import io
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def python_blocks(text: str) -> list[str]:
    blocks, inside, current = [], False, []
    for line in text.splitlines():
        if line.strip() == "```python":
            inside, current = True, []
        elif inside and line.strip() == "```":
            inside = False
            blocks.append("\n".join(current))
        elif inside:
            current.append(line)
    return blocks


def test_the_guard_example_denies_the_call_that_completes_the_path():
    [example] = python_blocks((REPO / "README.md").read_text())
    printed = io.StringIO()
    cwd = os.getcwd()
    os.chdir(REPO)
    try:
        with contextlib.redirect_stdout(printed):
            exec(compile(example, "README.md", "exec"), {})
    finally:
        os.chdir(cwd)
    assert printed.getvalue().startswith("deny RS101 injection-to-exfiltration")


def test_the_first_lines_give_the_install_and_test_commands():
    head = (REPO / "README.md").read_text().splitlines()[:6]
    assert any(line.startswith("pip install . && riskscan scan examples/support-desk") for line in head)
    assert any(line.startswith("python3 -m venv .venv && . .venv/bin/activate && pip install '.[test]' && python -m pytest -q")
               for line in head)  # what .ci/run does (tests/test_ci_script.py)

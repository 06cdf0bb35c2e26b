"""The README's examples work as written."""

import contextlib
import io
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def code_blocks(text: str, language: str) -> list[str]:
    blocks, inside, current = [], False, []
    for line in text.splitlines():
        if line.strip() == "```" + language:
            inside, current = True, []
        elif inside and line.strip() == "```":
            inside = False
            blocks.append("\n".join(current))
        elif inside:
            current.append(line)
    return blocks


def test_the_guard_example_denies_the_call_that_completes_the_path():
    [example] = code_blocks((REPO / "README.md").read_text(), "python")
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
    assert any(line.startswith("python3 -m venv .venv && . .venv/bin/activate && pip install . && riskscan scan examples/support-desk")
               for line in head)  # a fresh machine's Python may refuse installs outside a venv (PEP 668)
    assert any(line.startswith("python3 -m venv .venv && . .venv/bin/activate && pip install '.[test]' && python -m pytest -q")
               for line in head)  # what .ci/run does (tests/test_ci_script.py)
    assert "python -m pytest -q" in (REPO / ".ci" / "run").read_text()


def test_no_example_has_an_expiry_date_in_the_past(tmp_path):
    """An example suppression that has already expired would be reported, not applied, by the
    version that documents it; every `expires` in the README's and docs' TOML examples is checked
    against today's date, and the suppression examples are read as riskscan reads them."""
    import datetime
    import tomllib

    from riskscan.triage.suppressions import read_file

    today = datetime.date.today()

    def expiries(value):
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "expires":
                    yield item
                yield from expiries(item)
        elif isinstance(value, list):
            for item in value:
                yield from expiries(item)

    checked = 0
    for page in (REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))):
        for block in code_blocks(page.read_text(encoding="utf-8"), "toml"):
            document = tomllib.loads(block)
            for expires in expiries(document):
                assert isinstance(expires, datetime.date) and expires >= today, f"{page.name}: expires = {expires} is in the past"
                checked += 1
            if "suppress" in document:
                (tmp_path / "riskscan-suppressions.toml").write_text(block, encoding="utf-8")
                diagnostics = []
                markers = read_file(str(tmp_path), None, today, diagnostics)
                assert len(markers) == len(document["suppress"]) and not diagnostics, (page.name, diagnostics)
    assert checked, "the README's suppression example has an expiry date"

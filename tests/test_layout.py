"""The layout is the pipeline: each stage a package that imports only the stages before it, no
import circles, every top-level module placed in a stage on purpose, each heavy library imported
in one place (the import-linter contracts in pyproject.toml), and few modules loose at the top.
Each rule is shown to fail on a copy of the package broken in that one way."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
MOST_TOP_LEVEL_MODULES = 8


def lint(root: Path) -> subprocess.CompletedProcess:
    """import-linter's contracts of pyproject.toml, checked on the `riskscan` package under root."""
    command = [sys.executable, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()",
               "--config", str(REPO / "pyproject.toml"), "--no-cache", "--no-logo"]
    return subprocess.run(command, cwd=root, env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, check=False, timeout=300)


@pytest.fixture
def copy(tmp_path):
    shutil.copytree(REPO / "riskscan", tmp_path / "riskscan", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def add_line(path: Path, line: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")


def test_the_stages_import_only_earlier_stages_without_circles():
    result = lint(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


BREAKS = {
    "an earlier stage importing a later one": (
        [("extract/manifest.py", "from riskscan.solve import budget  # noqa")],
        "riskscan.extract.manifest -> riskscan.solve.budget"),
    # a lazy import is how a circle hides: it loads fine, and the layers are still crossed
    "an import inside a function, as much as one at the top": (
        [("formats/toml_input.py", "def later():\n    from riskscan import rank  # noqa")],
        "riskscan.formats.toml_input -> riskscan.rank"),
    "a circle between two modules of one package": (
        [("formats/yaml_input.py", "from riskscan.formats import json_input  # noqa"),
         ("formats/json_input.py", "def later():\n    from riskscan.formats import yaml_input  # noqa")],
        "No import circles between the modules of one package BROKEN"),
    # z3 belongs to solve/backend.py; a report that imported it would load the solver for --help
    "a heavy library imported outside its one place": (
        [("report/text.py", "def later():\n    import z3  # noqa")],
        "riskscan.report.text -> z3"),
}


@pytest.mark.parametrize("case", sorted(BREAKS))
def test_each_rule_breaks_on_a_copy_broken_that_one_way(copy, case):
    lines, named = BREAKS[case]
    for module, line in lines:
        add_line(copy / "riskscan" / module, line)
    result = lint(copy)
    assert result.returncode == 1
    assert named in result.stdout


def test_a_new_top_level_module_must_be_placed_in_a_stage(copy):
    (copy / "riskscan" / "helpers.py").write_text('"""Anything."""\n', encoding="utf-8")
    result = lint(copy)
    assert result.returncode == 1
    assert "riskscan.helpers" in result.stdout


def test_few_modules_sit_at_the_top_beside_the_stage_packages():
    loose = sorted(p.name for p in (REPO / "riskscan").glob("*.py"))
    assert len(loose) <= MOST_TOP_LEVEL_MODULES, loose
    packages = {p.name for p in (REPO / "riskscan").iterdir() if (p / "__init__.py").is_file()}
    assert {"discover", "extract", "model", "solve", "report", "triage", "scan", "cli"} <= packages

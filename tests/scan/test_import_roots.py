"""Each file's absolute imports come from its own roots, in the order sys.path would try them: the
folder above its top-level package (a script's own folder), the nearest folder that declares a
project (or its src/), then the scan root (riskscan/scan/import_roots.py)."""

from __future__ import annotations

from pathlib import Path

from riskscan import discover
from riskscan.scan.import_roots import import_aliases, renamed
from riskscan.types import Binding, CallSite, Facts, FunctionFact, Location, Ref


def aliases(tmp_path: Path, files: dict[str, str]) -> dict[str, dict[str, str]]:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return import_aliases(tmp_path, discover.discover(str(tmp_path)).files)


def test_two_apps_with_the_same_package_names_each_import_their_own(tmp_path):
    found = aliases(tmp_path, {
        "a/pyproject.toml": "", "a/main.py": "", "a/tools/__init__.py": "", "a/tools/web.py": "",
        "b/pyproject.toml": "", "b/main.py": "", "b/tools/__init__.py": "", "b/tools/web.py": "",
    })
    assert found["a/main.py"]["tools"] == "a.tools" and found["b/main.py"]["tools"] == "b.tools"
    assert found["a/tools/web.py"]["tools"] == "a.tools"  # a module of the package: the folder above it


def test_a_src_layout_imports_from_src_and_the_scan_root_gives_no_alias(tmp_path):
    found = aliases(tmp_path, {
        "svc/pyproject.toml": "", "svc/src/svc_pkg/__init__.py": "", "svc/src/svc_pkg/server.py": "",
        "svc/scripts/run.py": "", "top.py": "", "lib/__init__.py": "", "lib/helpers.py": "",
    })
    assert found["svc/scripts/run.py"]["svc_pkg"] == "svc.src.svc_pkg"  # the project's src/, after the script's folder
    assert found["svc/src/svc_pkg/server.py"]["svc_pkg"] == "svc.src.svc_pkg"
    assert "top.py" not in found and "lib/helpers.py" not in found  # the scan root's names are the names


def test_a_notebook_in_an_app_folder_imports_from_that_folder(tmp_path):
    found = aliases(tmp_path, {"app/pyproject.toml": "", "app/tools/__init__.py": "", "app/tools/web.py": "",
                               "app/explore.ipynb": '{"cells": [], "nbformat": 4, "nbformat_minor": 5, "metadata": {}}'})
    assert found["app/explore.ipynb"]["tools"] == "app.tools"
    assert "explore" not in found["app/explore.ipynb"]  # a notebook is not importable


def test_the_scripts_own_folder_comes_before_the_project_folder(tmp_path):
    found = aliases(tmp_path, {
        "app/pyproject.toml": "", "app/tools.py": "", "app/bin/run.py": "", "app/bin/tools.py": "",
    })
    assert found["app/bin/run.py"]["tools"] == "app.bin.tools"


def test_renamed_facts_name_imports_by_their_scan_root_names_and_nothing_else():
    here = Location("a/main.py", 1)
    facts = Facts("a/main.py", "python", "a.main", functions=(
        FunctionFact("a.main.run", "run", here, calls=(CallSite(("tools.web.fetch", "requests.get"), here),)),),
        bindings=(Binding("a.main.fetch", Ref("tools.web.fetch", here)),))
    out = renamed(facts, {"tools": "a.tools"})
    assert out.functions[0].calls[0].callee == ("a.tools.web.fetch", "requests.get")  # requests is no root's
    assert out.bindings[0].value.qualname == "a.tools.web.fetch"
    assert (out.functions[0].qualname, out.bindings[0].qualname) == ("a.main.run", "a.main.fetch")  # own names stay
    assert renamed(facts, {}) is facts


def test_source_roots_replace_every_files_own_roots():
    from riskscan.scan import scan
    from riskscan.types import Config

    case = Path(__file__).resolve().parents[2] / "fixtures" / "cases" / "two-apps-one-repo"
    own = {a.name: len(a.tools) for a in scan(str(case), Config(cache=False)).agents}
    forced = scan(str(case), Config(cache=False, source_roots=("reporter",)))
    held = {a.name: len(a.tools) for a in forced.agents}
    assert own == {"Reporter": 3, "Archivist": 2}
    # with reporter/ as everyone's root, the Archivist's `tools.web` is the Reporter's, which lacks its tools
    assert held["Reporter"] == 3 and held["Archivist"] < 2
    assert any("read_handbook" in d.message or "file_page" in d.message for d in forced.diagnostics)


def test_an_app_folder_named_like_its_package_keeps_its_own_names_and_its_relative_imports(tmp_path):
    # adk-samples' layout: agents/academic-research/academic_research/agent.py is, from the scan
    # root, academic_research.academic_research.agent: its own names start with the same word
    # as the imports its roots rename, and must not be renamed again
    from riskscan.scan import scan

    files = {
        "academic-research/pyproject.toml": "",
        "academic-research/academic_research/__init__.py": "from . import agent\n",
        "academic-research/academic_research/agent.py": (
            "from google.adk.agents import LlmAgent\n"
            "from google.adk.tools.agent_tool import AgentTool\n"
            "from .sub_agents.search import search_agent\n"
            "from academic_research.tools import read_notes\n\n"
            "coordinator = LlmAgent(name='coordinator', tools=[AgentTool(agent=search_agent), read_notes])\n"
        ),
        "academic-research/academic_research/tools.py": "def read_notes(topic: str) -> str:\n    return open(topic).read()\n",
        "academic-research/academic_research/sub_agents/__init__.py": "",
        "academic-research/academic_research/sub_agents/search.py": (
            "from google.adk.agents import LlmAgent\nfrom google.adk.tools import google_search\n\n"
            "search_agent = LlmAgent(name='search_agent', tools=[google_search])\n"
        ),
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    report = scan(str(tmp_path))
    names = {tool.id: tool.name for tool in report.tools}
    held = {agent.name: {names[h.tool] for h in agent.tools} for agent in report.agents}
    assert held["coordinator"] == {"search_agent", "read_notes"}
    assert held["search_agent"] == {"google_search"}
    assert not [d for d in report.diagnostics if d.code.startswith("unresolved")]

"""Reading only what the declarations need, in worker processes, through the cache: none of it
may change a finding. Every fixture project is scanned reading every file and reading by need,
with and without the cache, with one worker and with a pool, and the JSON reports compared."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from riskscan import discover, rulesets
from riskscan.cache import Cache, decode, encode
from riskscan.extract import extract_file
from riskscan.extract.python.adapters import triggers
from riskscan.extract.python.survey import DECLARES, DISPATCHES, survey
from riskscan.report.json_format import render_json
from riskscan.scan import reading, scan
from riskscan.types import Config, Facts

REPO = Path(__file__).resolve().parents[2]
PROJECTS = sorted(
    [p for p in (REPO / "fixtures" / "cases").iterdir() if p.is_dir()]
    + [REPO / "examples" / "support-desk", REPO / "fixtures" / "python"]
)
NO_CACHE = Config(cache=False)


def report_text(root: Path, config: Config) -> str:
    return render_json(scan(str(root), config))


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p.name)
def test_reading_by_need_gives_the_report_of_reading_everything(project):
    assert report_text(project, NO_CACHE) == report_text(project, replace(NO_CACHE, read_all=True))


def python_files():
    for root in (REPO / "fixtures", REPO / "examples"):
        yield from sorted(root.rglob("*.py"))


def test_the_survey_finds_every_file_that_declares_something():
    """The full extractor's declarations in a file the survey passed over would be lost."""
    loaded = rulesets.load(())
    found_triggers = triggers(frozenset(loaded.builtin_index()))
    checked = 0
    for path in python_files():
        found = discover.discover(str(path))
        source = found.files[0]
        facts = extract_file(found.root, source, loaded)
        declared = facts.tools or facts.agents or facts.links or facts.registrations or facts.hygiene
        dispatches = {d.tool_name for d in facts.dispatches}
        module = source.module or ""
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        result = survey(path.read_bytes(), module, package, found_triggers)
        if declared:
            assert DECLARES in result, f"{path}: declares {len(facts.tools)} tools, {len(facts.agents)} agents"
            checked += 1
        if "*" in dispatches:
            assert DISPATCHES in result or DECLARES in result, path
    assert checked > 40


def test_the_survey_passes_over_files_that_only_use_a_framework(tmp_path):
    """Type hints on variables and plain imports of a framework declare nothing."""
    loaded = rulesets.load(())
    found_triggers = triggers(frozenset(loaded.builtin_index()))
    quiet = b"from agents import Agent, Runner\n\ndef describe(agent) -> str:\n    return agent.name\n"
    assert survey(quiet, "app.describe", "app", found_triggers) == frozenset()
    aliased = b"from agents import Agent as A\n\nbot = A(name='x', tools=[])\n"
    assert survey(aliased, "app.bot", "app", found_triggers) == {DECLARES}
    relative = b"from ..tool import function_tool as ft\n\n@ft\ndef run(x: str) -> str:\n    return x\n"
    assert survey(relative, "agents.extensions.run", "agents.extensions", found_triggers) == {DECLARES}
    assert survey(b"def broken(:\n", "app.x", "app", found_triggers) == {"unreadable"}


# Files reading by need once passed over, found on langchain-community's tests by
# scripts/compare_reading.py: (what the file shows, its source, what the report must name).
DECLARING_ONLY_INDIRECTLY = {
    # a toolkit's tools are catalogued by its get_tools method; the file calls the class (seven
    # toolkit tools were missed)
    "toolkit made, tools asked of it": (
        "from langchain_community.agent_toolkits.file_management.toolkit import FileManagementToolkit\n\n"
        "def tools(folder):\n"
        "    toolkit = FileManagementToolkit(root_dir=folder)\n"
        "    return toolkit.get_tools()\n",
        "file_management",
    ),
    # LangChain flags allow_dangerous_requests=True on whatever call takes it, here a chain built by
    # a classmethod the catalog does not list (six hygiene findings were missed)
    "dangerous switch passed to any call": (
        "from langchain_community.chains.graph_qa.cypher import GraphCypherQAChain\n\n"
        "def build(llm, graph):\n"
        "    return GraphCypherQAChain.from_llm(llm, graph=graph, allow_dangerous_requests=True)\n",
        "allow_dangerous_requests=True",
    ),
}


@pytest.mark.parametrize("case", sorted(DECLARING_ONLY_INDIRECTLY))
def test_files_that_declare_only_indirectly_are_read(tmp_path, case):
    source, named = DECLARING_ONLY_INDIRECTLY[case]
    (tmp_path / "module.py").write_text(source)
    found_triggers = triggers(frozenset(rulesets.load(()).builtin_index()))
    assert survey(source.encode(), "module", "", found_triggers) == {DECLARES}
    report = report_text(tmp_path, NO_CACHE)
    assert named in report
    assert report == report_text(tmp_path, replace(NO_CACHE, read_all=True))


def write_project(root: Path) -> None:
    (root / "app").mkdir(parents=True)
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "bot.py").write_text(
        "from agents import Agent, function_tool\n"
        "from app.helpers import run_command\n\n"
        "@function_tool\n"
        "def shell(command: str) -> str:\n"
        '    """Run a shell command."""\n'
        "    return run_command(command)\n\n"
        "@function_tool\n"
        "def fetch(url: str) -> str:\n"
        '    """Fetch a web page."""\n'
        "    import requests\n"
        "    return requests.get(url).text\n\n"
        "bot = Agent(name='bot', tools=[shell, fetch])\n"
    )
    (root / "app" / "helpers.py").write_text(
        "import subprocess\n\n"
        "def run_command(command: str) -> str:\n"
        "    return subprocess.run(command, shell=True, capture_output=True, text=True).stdout\n"
    )
    (root / "app" / "unrelated.py").write_text("def add(a: int, b: int) -> int:\n    return a + b\n")


def test_a_helper_module_is_read_because_a_tool_calls_into_it(tmp_path):
    write_project(tmp_path)
    loaded = rulesets.load(())
    result = reading.read(discover.discover(str(tmp_path)), loaded, NO_CACHE)
    read = {f.path for f in result.facts if f.functions}
    assert "app/helpers.py" in read and "app/unrelated.py" not in read
    assert result.skipped == 1 and result.rounds == 2  # unrelated.py; app/__init__.py may re-export the helper
    shell = next(t for t in result.system.tools if t.name == "shell")
    assert "code_exec" in {c.label for c in shell.capabilities}


def test_the_cache_gives_the_same_report_and_reads_nothing_the_second_time(tmp_path):
    write_project(tmp_path / "project")
    config = Config(cache_dir=str(tmp_path / "cache"))
    first = report_text(tmp_path / "project", config)
    loaded = rulesets.load(())
    again = reading.read(discover.discover(str(tmp_path / "project")), loaded, config)
    assert again.read == 0 and again.cached >= 2
    assert report_text(tmp_path / "project", config) == first == report_text(tmp_path / "project", NO_CACHE)


def test_a_broken_cache_entry_is_ignored_and_rebuilt(tmp_path):
    write_project(tmp_path / "project")
    config = Config(cache_dir=str(tmp_path / "cache"))
    first = report_text(tmp_path / "project", config)
    entries = sorted((tmp_path / "cache").rglob("*.json"))
    assert entries
    damage = [b"", b"{not json", b'{"key": "other", "value": null}', b'{"key": "%s", "value": {"@": "os.system"}}']
    for number, entry in enumerate(entries):
        text = damage[number % len(damage)]
        entry.write_bytes(text.replace(b"%s", entry.stem.encode()) if b"%s" in text else text)
    damaged = scan(str(tmp_path / "project"), config)
    notes = [d for d in damaged.diagnostics if d.code == "cache-discarded"]
    assert len(notes) == 1 and 0 < int(notes[0].message.split()[0]) <= len(entries)  # each one read was discarded
    assert render_json(replace(damaged, diagnostics=tuple(d for d in damaged.diagnostics if d not in notes))) == first
    rebuilt = [entry for entry in entries if entry.parts[-3] in ("facts", "solved")]
    assert rebuilt and all(entry.read_bytes() not in damage for entry in rebuilt)
    assert report_text(tmp_path / "project", config) == first  # rebuilt entries pass their check


def test_the_cache_folder_changes_with_the_rulesets(tmp_path):
    one = Cache(tmp_path, "1.0", "rules-a")
    kept = Facts("kept.py", "python")  # of the shape a "facts" entry holds (another shape is rebuilt)
    one.put("facts", "ab" * 32, kept)
    assert one.get("facts", "ab" * 32) == kept
    assert Cache(tmp_path, "1.0", "rules-b").get("facts", "ab" * 32) is None
    assert Cache(tmp_path, "1.1", "rules-a").get("facts", "ab" * 32) is None


def test_facts_survive_the_cache_encoding_exactly():
    loaded = rulesets.load(())
    for path in python_files():
        found = discover.discover(str(path))
        facts = extract_file(found.root, found.files[0], loaded)
        assert decode(json.loads(json.dumps(encode(facts)))) == facts, path


@pytest.mark.parametrize("project", [REPO / "examples" / "support-desk", REPO / "fixtures" / "cases" / "crewai-market-crew"], ids=lambda p: p.name)
def test_worker_processes_give_the_report_of_one_process(project, monkeypatch):
    monkeypatch.setattr(reading, "POOL_THRESHOLD", 1)
    one = report_text(project, replace(NO_CACHE, workers=1, read_all=True))
    assert report_text(project, replace(NO_CACHE, workers=2, read_all=True)) == one
    assert report_text(project, replace(NO_CACHE, workers=2)) == report_text(project, replace(NO_CACHE, workers=1))


def test_the_command_line_and_the_config_file_choose_the_cache(tmp_path):
    import subprocess
    import sys

    write_project(tmp_path / "project")
    command = [sys.executable, "-m", "riskscan", "scan", str(tmp_path / "project"), "-q", "--format", "json"]
    subprocess.run([*command, "--cache-dir", str(tmp_path / "chosen")], capture_output=True, check=False)
    assert list((tmp_path / "chosen").rglob("*.json"))
    subprocess.run([*command, "--no-cache", "--cache-dir", str(tmp_path / "unused")], capture_output=True, check=False)
    assert not (tmp_path / "unused").exists()
    (tmp_path / "project" / "riskscan.toml").write_text('cache-dir = "../from-config"\nworkers = 1\nread-all = true\n')
    result = subprocess.run([*command, "--config", str(tmp_path / "project" / "riskscan.toml")], capture_output=True, text=True, check=False)
    assert list((tmp_path / "from-config").rglob("*.json")) and json.loads(result.stdout)["findings"]  # a file the operator names
    shutil.rmtree(tmp_path / "from-config")
    found = subprocess.run(command, capture_output=True, text=True, check=False)  # the repository's own file may not choose the cache
    assert not (tmp_path / "from-config").exists()
    assert {f["rule_id"] for f in json.loads(found.stdout)["findings"]} >= {"RS215"}


def test_a_dispatch_table_in_a_module_nothing_names_is_found_by_the_tool_name(tmp_path):
    """Plain function calling: the schema is declared where the model is called; the table that
    maps its name to the implementation lives in a module only a helper imports."""
    (tmp_path / "main.py").write_text(
        "from openai import OpenAI\n"
        "from registry import run_tool\n\n"
        "client = OpenAI()\n"
        'TOOLS = [{"type": "function", "function": {"name": "run_shell", "description": "Run a command.",\n'
        '          "parameters": {"type": "object", "properties": {"command": {"type": "string"}}}}}]\n\n'
        "def answer(messages):\n"
        '    response = client.chat.completions.create(model="gpt-4o", messages=messages, tools=TOOLS)\n'
        "    call = response.choices[0].message.tool_calls[0]\n"
        "    return run_tool(call.function.name, call.function.arguments)\n"
    )
    (tmp_path / "registry.py").write_text(
        "import json\n"
        "from actions import run_shell\n\n"
        'HANDLERS = {"run_shell": run_shell}\n\n'
        "def run_tool(name, arguments):\n"
        "    return HANDLERS[name](**json.loads(arguments))\n"
    )
    (tmp_path / "actions.py").write_text(
        "import subprocess\n\n"
        "def run_shell(command: str) -> str:\n"
        "    return subprocess.run(command, shell=True, capture_output=True, text=True).stdout\n"
    )
    loaded = rulesets.load(())
    by_need = reading.read(discover.discover(str(tmp_path)), loaded, NO_CACHE)
    shell = next(t for t in by_need.system.tools if t.name == "run_shell")
    assert "code_exec" in {c.label for c in shell.capabilities}
    assert report_text(tmp_path, NO_CACHE) == report_text(tmp_path, replace(NO_CACHE, read_all=True))


def test_a_bug_of_riskscan_on_one_file_is_a_diagnostic_of_that_file_and_the_rest_is_read(tmp_path, monkeypatch):
    from riskscan.extract import python as python_extractor

    write_project(tmp_path)
    original = python_extractor.extract

    def failing(data, source, rulesets):
        if source.path == "app/helpers.py":
            raise KeyError("a bug")
        return original(data, source, rulesets)

    monkeypatch.setattr(python_extractor, "extract", failing)
    report = scan(str(tmp_path), NO_CACHE)
    problems = [d for d in report.diagnostics if d.code == "internal-error"]
    assert [d.location.path for d in problems] == ["app/helpers.py"] and "KeyError" in problems[0].message
    assert {t.name for t in report.tools} == {"shell", "fetch"}


def test_a_frameworks_words_count_only_where_its_package_is_named_or_the_file_belongs_to_it():
    # the byte prefilter checks a framework's names only in files that name its package (any
    # import of it does) or that are modules of it (the framework's own source, relative imports)
    found = triggers(frozenset(rulesets.load(()).builtin_index()))
    uses = "from .agent import Agent\n\nhelper = Agent(name='helper', tools=[])\n"
    assert DECLARES in survey(uses.replace(".agent", "agno.agent").encode(), "app.main", "app", found)
    assert DECLARES in survey(uses.encode(), "agno.team", "agno", found)  # agno's own module
    assert survey(uses.encode(), "app.main", "app", found) == frozenset()  # nothing names agno

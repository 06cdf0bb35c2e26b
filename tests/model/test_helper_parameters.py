"""Agents assembled in helpers (issue #19, item 3): a parameter holds what the project's calls of
its function pass, each call its own configuration when there are several; what cannot be
followed is a diagnostic at its place."""

from __future__ import annotations

import textwrap
from dataclasses import replace
from pathlib import Path

from riskscan import discover, rulesets
from riskscan.scan import reading, scan
from riskscan.types import Config

NO_CACHE = Config(cache=False)

TOOLS = '''
import subprocess

import requests
from agents import function_tool


@function_tool
def fetch_page(url: str) -> str:
    """Read a web page."""
    return requests.get(url, timeout=10).text


@function_tool
def read_notes(name: str) -> str:
    """Read one of the user's notes."""
    with open(f"/srv/notes/{name}.txt") as handle:
        return handle.read()


@function_tool
def run_shell(command: str) -> str:
    """Run a command."""
    return subprocess.run(["bash", "-c", command], capture_output=True, text=True).stdout


@function_tool
def word_count(text: str) -> int:
    """Count the words of a text."""
    return len(text.split())
'''


def project(root: Path, files: dict[str, str]) -> Path:
    (root / "app").mkdir()
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "tools.py").write_text(TOOLS)
    for name, text in files.items():
        (root / "app" / name).write_text(textwrap.dedent(text))
    return root


def held(report, agent_name: str) -> set[str]:
    names = {t.id: t.name for t in report.tools}
    agent = next(a for a in report.agents if a.name == agent_name)
    return {names[h.tool] + "".join(f" when {atom}" for atom in h.condition) for h in agent.tools}


def messages(report, code: str) -> list[str]:
    return [f"{d.location.path}:{d.location.line}: {d.message}" for d in report.diagnostics if d.code == code]


FACTORY = """
    from agents import Agent


    def make_agent(tools):
        return Agent(name="helper", tools=tools)
"""


def test_one_call_of_a_factory_gives_the_agent_its_tools_unconditionally(tmp_path):
    root = project(tmp_path, {"factory.py": FACTORY, "main.py": """
        from app.factory import make_agent
        from app.tools import fetch_page, run_shell

        agent = make_agent([fetch_page, run_shell])
    """})
    report = scan(str(root), NO_CACHE)
    assert held(report, "helper") == {"fetch_page", "run_shell"}
    assert [(f.rule_id, f.conditions) for f in report.findings if f.kind == "path"] == [("RS102", ())]


def test_two_calls_are_two_configurations_never_their_union(tmp_path):
    # neither call alone gives untrusted input and a shell; their union would
    root = project(tmp_path, {"factory.py": FACTORY, "main.py": """
        from app.factory import make_agent
        from app.tools import fetch_page, run_shell, word_count

        reader = make_agent([fetch_page, word_count])
        operator = make_agent([run_shell])
    """})
    report = scan(str(root), NO_CACHE)
    first, second = 'call.app.factory.make_agent == "app/main.py:5"', 'call.app.factory.make_agent == "app/main.py:6"'
    assert held(report, "helper") == {f"fetch_page when {first}", f"word_count when {first}", f"run_shell when {second}"}
    assert [f for f in report.findings if f.kind == "path"] == []


def test_the_agent_a_call_returns_is_that_calls_configuration(tmp_path):
    root = project(tmp_path, {"factory.py": FACTORY, "main.py": """
        from agents import Agent

        from app.factory import make_agent
        from app.tools import fetch_page, read_notes, run_shell

        browser = make_agent([fetch_page])
        operator = make_agent([run_shell])
        triage = Agent(name="triage", tools=[read_notes], handoffs=[browser, operator])
    """})
    report = scan(str(root), NO_CACHE)
    triage = next(a for a in report.agents if a.name == "triage")
    assert sorted(str(h.condition[0]) for h in triage.handoffs) == [
        'call.app.factory.make_agent == "app/main.py:7"',
        'call.app.factory.make_agent == "app/main.py:8"',
    ]
    # the browser's untrusted page never reaches the operator's shell: different calls
    assert [f for f in report.findings if f.kind == "path" and f.rule_id == "RS102"] == []


def test_keywords_defaults_and_helpers_that_pass_their_parameter_on(tmp_path):
    root = project(tmp_path, {"factory.py": """
        from agents import Agent

        from app.tools import word_count

        BASIC = [word_count]


        def make_agent(name, *, tools=BASIC, extra=None):
            return Agent(name="helper", tools=tools + (extra or []))


        def make_ops_agent(tools):
            return make_agent("ops", tools=tools)
    """, "main.py": """
        from app.factory import make_agent, make_ops_agent
        from app.tools import fetch_page, run_shell

        plain = make_agent("plain")
        ops = make_ops_agent([fetch_page, run_shell])
    """})
    report = scan(str(root), NO_CACHE)
    first = 'call.app.factory.make_agent == "app/factory.py:14"'
    second = 'call.app.factory.make_agent == "app/main.py:5"'
    assert held(report, "helper") == {f"fetch_page when {first}", f"run_shell when {first}", f"word_count when {second}"}
    assert [f.conditions for f in report.findings if f.rule_id == "RS102"] == [(first,)]


def test_a_class_that_stores_its_tools_for_the_method_that_builds_the_agent(tmp_path):
    root = project(tmp_path, {"desk.py": """
        from agents import Agent


        class Desk:
            def __init__(self, tools, name="desk"):
                self.tools = tools
                self.name = name

            def build(self):
                return Agent(name="desk", tools=self.tools)

            def build_with(self, extra):
                return Agent(name="desk plus", tools=[*self.tools, *extra])
    """, "main.py": """
        from app.desk import Desk
        from app.tools import fetch_page, run_shell, word_count

        desk = Desk([fetch_page, run_shell])
        agent = desk.build()
        other = desk.build_with([word_count])
    """})
    report = scan(str(root), NO_CACHE)
    assert held(report, "desk") == {"fetch_page", "run_shell"}
    assert held(report, "desk plus") == {"fetch_page", "run_shell", "word_count"}


def test_an_mcp_server_passed_to_the_helper_that_builds_the_agent(tmp_path):
    root = project(tmp_path, {"main.py": """
        from agents import Agent, Runner
        from agents.mcp import MCPServerStdio

        from app.tools import read_notes


        async def run(mcp_server, question):
            agent = Agent(name="researcher", tools=[read_notes], mcp_servers=[mcp_server])
            return await Runner.run(agent, question)


        async def main():
            async with MCPServerStdio(params={"command": "uvx", "args": ["mcp-server-fetch"]}) as server:
                await run(server, "What changed?")
            await run(MCPServerStdio(params={"command": "uvx", "args": ["mcp-server-time"]}), "What time is it?")
    """})
    report = scan(str(root), NO_CACHE)
    first, second = 'call.app.main.run == "app/main.py:15"', 'call.app.main.run == "app/main.py:16"'
    assert "fetch when " + first in held(report, "researcher")
    assert {t for t in held(report, "researcher") if t.endswith(second)} >= {"get_current_time when " + second}
    assert [f.conditions for f in report.findings if f.rule_id == "RS101"] == [(first,)]


def test_what_cannot_be_followed_is_a_diagnostic_at_its_place(tmp_path):
    root = project(tmp_path, {"factory.py": FACTORY + """

    def exported(tools):
        return Agent(name="exported", tools=tools)
    """, "main.py": """
        from app.factory import make_agent

        CHOICES = {"web": []}

        def pick(*args):
            return make_agent(*args)

        agent = make_agent(CHOICES["web"])
    """})
    report = scan(str(root), NO_CACHE)
    found = messages(report, "unresolved-tool")
    assert "app/factory.py:10: could not resolve a tool of agent 'exported': parameter tools of exported(): no call of it in the scanned files passes a value riskscan can follow" in found
    assert "app/main.py:7: could not resolve a tool of agent 'helper': parameter tools of make_agent(): the call at app/main.py:7:12 unpacks *args, so which argument fills it is not known" in found
    assert "app/main.py:9: could not resolve a tool of agent 'helper': subscript" in found


def test_a_function_tool_made_from_a_parameter_stays_unresolved_as_before(tmp_path):
    root = project(tmp_path, {"main.py": """
        from agents import Agent, function_tool


        def wrap(fn):
            return function_tool(fn)
    """})
    report = scan(str(root), NO_CACHE)
    assert not [t for t in report.tools if "<param>" in t.id or "<param>" in (t.name or "")]


def test_a_caller_that_declares_nothing_is_read_for_the_parameter(tmp_path):
    root = project(tmp_path, {"factory.py": FACTORY, "main.py": """
        from app.factory import make_agent
        from app.tools import fetch_page, run_shell

        agent = make_agent([fetch_page, run_shell])
    """, "unrelated.py": """
        def helper(value):
            return value * 2
    """})
    loaded = rulesets.load(())
    result = reading.read(discover.discover(str(root)), loaded, NO_CACHE)
    assert "app/main.py" in {f.path for f in result.facts if f.invocations}
    assert "app/unrelated.py" not in {f.path for f in result.facts if f.functions}
    everything = reading.read(discover.discover(str(root)), loaded, replace(NO_CACHE, read_all=True))
    assert result.system == everything.system


def test_a_factory_imported_from_the_apps_own_root_is_followed(tmp_path):
    # `from helpers.factory import make_agent` in app/main.py means app/helpers/factory.py
    # (riskscan/scan/import_roots.py); its calls are renamed with it
    app = tmp_path / "app"
    (app / "helpers").mkdir(parents=True)
    (app / "pyproject.toml").write_text('[project]\nname = "app"\n')
    (app / "helpers" / "__init__.py").write_text("")
    (app / "helpers" / "tools.py").write_text(TOOLS)
    (app / "helpers" / "factory.py").write_text(textwrap.dedent(FACTORY))
    (app / "main.py").write_text(textwrap.dedent("""
        from helpers.factory import make_agent
        from helpers.tools import fetch_page, run_shell

        agent = make_agent([fetch_page, run_shell])
    """))
    report = scan(str(tmp_path), NO_CACHE)
    assert held(report, "helper") == {"fetch_page", "run_shell"}


def test_a_helper_that_passes_its_parameter_to_itself_is_followed_once(tmp_path):
    root = project(tmp_path, {"factory.py": """
        from agents import Agent


        def make_agent(tools, depth=0):
            if depth > 3:
                return Agent(name="helper", tools=tools)
            left = make_agent(tools, depth + 1)
            right = make_agent(tools, depth + 2)
            return left or right
    """, "main.py": """
        from app.factory import make_agent
        from app.tools import fetch_page, run_shell

        agent = make_agent([fetch_page, run_shell])
    """})
    report = scan(str(root), NO_CACHE)
    assert held(report, "helper") == {"fetch_page", "run_shell"}
    assert not messages(report, "unresolved-tool")


def test_an_attribute_stored_from_what_riskscan_cannot_follow_says_so(tmp_path):
    root = project(tmp_path, {"desk.py": """
        import importlib

        from agents import Agent


        class Desk:
            def __init__(self):
                self.tools = importlib.import_module("plugins").TOOLS

            def build(self):
                return Agent(name="desk", tools=self.tools)
    """})
    report = scan(str(root), NO_CACHE)
    assert messages(report, "unresolved-tool") == [
        "app/desk.py:12: could not resolve a tool of agent 'desk': self.tools of Desk: what its methods store there is not known statically"
    ]

"""Reading a declaring file in part: the definitions nothing declaring needs are blanked before
libcst reads it (extract/python/focus.py). What is left out must be exactly what no declaration
uses, the kept lines must keep their places, and a definition left out that another file asks for
must bring the whole file back (reading.py)."""

from __future__ import annotations

import ast
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

from riskscan import discover, rulesets
from riskscan.extract import extract_data
from riskscan.extract.python.adapters import triggers
from riskscan.extract.python.focus import blank
from riskscan.extract.python.survey import DECLARES, look
from riskscan.report.json_format import render_json
from riskscan.scan import reading, scan
from riskscan.types import Config, SourceFile

NO_CACHE = Config(cache=False)


@pytest.fixture(scope="module")
def found_triggers():
    return triggers(frozenset(rulesets.load(()).builtin_index()))


def left_out(source: str, found_triggers, module: str = "app.bot") -> list[str]:
    flags, spans = look(textwrap.dedent(source).encode(), module, "app", found_triggers)
    assert DECLARES in flags
    return [name for _, _, name in spans]


def test_functions_nothing_declaring_uses_are_left_out_and_the_rest_is_kept(found_triggers):
    source = """
        import subprocess
        from agents import Agent, function_tool

        def run(command):
            return subprocess.run(command, shell=True).stdout

        def quote(text):
            return repr(text)

        @function_tool
        def shell(command: str) -> str:
            return run(quote(command))

        def unrelated():
            return 42

        def also_unrelated():
            return unrelated()

        bot = Agent(name="bot", tools=[shell])
    """
    # the tool and what it calls, transitively, are kept
    assert left_out(source, found_triggers) == ["unrelated", "also_unrelated"]


def test_a_function_that_uses_a_name_bound_to_a_declaration_is_kept(found_triggers):
    source = """
        from mcp.server.fastmcp import FastMCP

        server = FastMCP("ops")
        registry = server

        def setup(handler):
            registry.add_tool(handler)

        def helper():
            return 1
    """
    assert left_out(source, found_triggers) == ["helper"]


def test_functions_decorated_by_a_function_of_the_module_and_named_in_strings_are_kept(found_triggers):
    source = """
        from openai import OpenAI

        HANDLERS = {}

        def register(function):
            HANDLERS[function.__name__] = function
            return function

        @register
        def delete_file(path):
            import os
            os.remove(path)

        def by_name(path):
            return path

        def unused(path):
            return path

        client = OpenAI()
        TOOLS = [{"type": "function", "function": {"name": "by_name"}}]
    """
    assert left_out(source, found_triggers) == ["unused"]


def test_methods_of_a_test_class_are_left_out_one_by_one(found_triggers):
    source = """
        from agents import Agent

        class TestBots:
            def setup_method(self):
                self.bot = Agent(name="bot")

            def test_uses_the_bot(self):
                assert self.bot.name == "bot"

            def test_arithmetic(self):
                assert 1 + 1 == 2

            def __repr__(self):
                return "TestBots"

        class TestNothing:
            def test_strings(self):
                assert "a" * 2 == "aa"
    """
    assert left_out(source, found_triggers) == ["TestBots.test_arithmetic", "TestNothing"]


def test_a_class_that_is_a_declaration_is_read_whole(found_triggers):
    source = """
        from langchain_core.tools import BaseTool

        class Shell(BaseTool):
            name: str = "shell"

            def _run(self, command: str) -> str:
                import subprocess
                return subprocess.check_output(command, shell=True)

            def _unused(self):
                return None

        def helper():
            return None
    """
    assert left_out(source, found_triggers) == ["helper"]


def test_blanking_keeps_every_kept_line_in_its_place(found_triggers):
    source = (
        "from agents import Agent\r\n"
        "\r\n"
        "class TestBots:\r\n"
        "    @staticmethod\r\n"
        "    def test_other():\r\n"
        "        return '''a\r\n"
        "        multi-line string'''\r\n"
        "\r\n"
        "    def test_bot(self):\r\n"
        "        return Agent(name='bot')\r\n"
        "\r\n"
        "def unused():\r\n"
        "    pass\r\n"
        "bot = Agent(name='top')  # a comment\r\n"
    ).encode()
    flags, spans = look(source, "app.bot", "app", found_triggers)
    assert [name for _, _, name in spans] == ["TestBots.test_other", "unused"]
    blanked = blank(source, spans)
    assert blanked.count(b"\r\n") == source.count(b"\r\n")
    kept = ast.parse(blanked)
    original = ast.parse(source)

    def places(tree):
        return sorted((n.lineno, n.col_offset, type(n).__name__) for n in ast.walk(tree) if isinstance(n, ast.Call))

    assert places(kept) == places(original)
    assert blanked.splitlines()[3] == b"    pass"  # the method's first line, so the body is never empty


def test_the_facts_of_a_partial_reading_are_those_of_the_full_reading_for_what_is_kept(found_triggers):
    source = textwrap.dedent(
        """
        from agents import Agent, function_tool
        import subprocess

        @function_tool
        def shell(command: str) -> str:
            return subprocess.run(command, shell=True).stdout

        class TestBot:
            def test_one(self):
                bot = Agent(name="one", tools=[shell])
                assert bot

            def test_two(self):
                assert subprocess.run(["true"]).returncode == 0
        """
    ).encode()
    loaded = rulesets.load(())
    source_file = SourceFile("app/bot.py", "python", "app.bot")
    full = extract_data(source_file, source, loaded)
    _, spans = look(source, "app.bot", "app", found_triggers)
    assert [name for _, _, name in spans] == ["TestBot.test_two"]
    partial = extract_data(source_file, blank(source, spans), loaded)
    assert partial.tools == full.tools and partial.agents == full.agents
    assert set(partial.functions) < set(full.functions)
    assert {f.qualname for f in full.functions} - {f.qualname for f in partial.functions} == {"app.bot.TestBot.test_two"}


def write_project(root: Path) -> None:
    """A tool in one declaring file calls a helper defined in another declaring file, where
    nothing else uses it: the first reading of that file leaves the helper out."""
    (root / "app").mkdir(parents=True)
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "bot.py").write_text(
        "from agents import Agent, function_tool\n"
        "from app.ops import run_command\n\n"
        "@function_tool\n"
        "def shell(command: str) -> str:\n"
        '    """Run a shell command."""\n'
        "    return run_command(command)\n\n"
        "bot = Agent(name='bot', tools=[shell])\n"
    )
    (root / "app" / "ops.py").write_text(
        "import subprocess\n"
        "from agents import Agent\n\n"
        "def run_command(command: str) -> str:\n"
        "    return subprocess.run(command, shell=True, capture_output=True, text=True).stdout\n\n"
        "reviewer = Agent(name='reviewer')\n"
    )


def test_a_definition_left_out_that_another_file_needs_brings_the_whole_file_back(tmp_path):
    write_project(tmp_path)
    result = reading.read(discover.discover(str(tmp_path)), rulesets.load(()), NO_CACHE)
    shell = next(t for t in result.system.tools if t.name == "shell")
    assert "code_exec" in {c.label for c in shell.capabilities}
    assert result.rounds == 2
    assert render_json(scan(str(tmp_path), NO_CACHE)) == render_json(scan(str(tmp_path), replace(NO_CACHE, read_all=True)))


def test_a_file_asked_for_names_keeps_those_and_what_they_need():
    from riskscan.extract.python.focus import needless_for

    source = textwrap.dedent(
        """
        import subprocess

        TIMEOUT = 10

        def run_command(command):
            return subprocess.run(quoted(command), shell=True, timeout=TIMEOUT).stdout

        def quoted(command):
            return command

        class Runner:
            def run(self, command):
                return run_command(command)

        def unrelated():
            return Runner()

        def __getattr__(name):
            return globals()[name]
        """
    ).encode()
    assert [name for _, _, name in needless_for(source, {"run_command"})] == ["Runner", "unrelated"]
    assert [name for _, _, name in needless_for(source, {"Runner"})] == ["unrelated"]
    assert needless_for(b"def broken(:\n", {"x"}) == ()


def write_chain(root: Path) -> None:
    """A tool calls ops.run_command, which calls util.go, which calls back into ops.remove_all:
    ops is first read for run_command alone, util for go, then ops again in full."""
    (root / "app").mkdir(parents=True)
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "bot.py").write_text(
        "from agents import Agent, function_tool\n"
        "from app import ops\n\n"
        "@function_tool\n"
        "def clean(folder: str) -> str:\n"
        '    """Clean a folder."""\n'
        "    return ops.run_command(folder)\n\n"
        "bot = Agent(name='bot', tools=[clean])\n"
    )
    (root / "app" / "ops.py").write_text(
        "import shutil\n"
        "from app import util\n\n"
        "def run_command(folder):\n"
        "    return util.go(folder)\n\n"
        "def remove_all(folder):\n"
        "    shutil.rmtree(folder)\n\n"
        "def unrelated():\n"
        "    return 1\n"
    )
    (root / "app" / "util.py").write_text(
        "from app import ops\n\n"
        "def go(folder):\n"
        "    return ops.remove_all(folder)\n\n"
        "def other():\n"
        "    return 2\n"
    )


def test_files_asked_for_names_are_read_in_part_then_in_full_when_more_is_asked(tmp_path, monkeypatch):
    write_chain(tmp_path)
    jobs = []
    original = reading._extract_job

    def recorded(item):
        jobs.append((item[0].path, item[3]))
        return original(item)

    monkeypatch.setattr(reading, "_extract_job", recorded)
    result = reading.read(discover.discover(str(tmp_path)), rulesets.load(()), NO_CACHE)
    clean = next(t for t in result.system.tools if t.name == "clean")
    assert "fs_delete" in {c.label for c in clean.capabilities}
    assert ("app/ops.py", frozenset({"run_command"})) in jobs and ("app/util.py", frozenset({"go"})) in jobs
    assert ("app/ops.py", None) in jobs  # remove_all was left out of the first reading
    assert render_json(scan(str(tmp_path), NO_CACHE)) == render_json(scan(str(tmp_path), replace(NO_CACHE, read_all=True)))


@pytest.mark.parametrize(("write", "files"), [(write_project, 3), (write_chain, 4)], ids=["left-out definitions", "names asked"])
def test_partial_readings_come_from_the_cache_the_second_time(tmp_path, write, files):
    """Cached apart from full readings (a partial reading is not the file's facts)."""
    write(tmp_path / "project")
    config = Config(cache_dir=str(tmp_path / "cache"))
    first = render_json(scan(str(tmp_path / "project"), config))
    again = reading.read(discover.discover(str(tmp_path / "project")), rulesets.load(()), config)
    assert again.read == 0 and again.cached == files
    assert render_json(scan(str(tmp_path / "project"), config)) == first == render_json(scan(str(tmp_path / "project"), NO_CACHE))

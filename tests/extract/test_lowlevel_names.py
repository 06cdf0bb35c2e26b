"""Low-level MCP servers whose tools are named with constants, declared in other modules, or
implemented by project helpers the dispatch calls: the facts of fixtures/python/lowlevel_names and
what the model makes of them (fixtures/cases/lowlevel-* hold the same end to end)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from riskscan import discover
from riskscan.extract.python import extract
from riskscan.model.references import index
from riskscan.rulesets import load
from riskscan.scan import scan
from riskscan.scan.reading import read
from riskscan.types import Config, Constant, Dispatch, Location, Ref, SourceFile

FIXTURES = Path(__file__).parents[2] / "fixtures"
DESK = FIXTURES / "python" / "lowlevel_names"
NO_CACHE = Config(cache=False, workers=1)


@pytest.fixture(scope="module")
def rulesets():
    return load()


def facts_of(rulesets, path: str, module: str):
    return extract((DESK / path).read_bytes(), SourceFile(path, "python", module), rulesets)


def test_a_module_exports_the_name_like_texts_of_its_constants_and_enum_members(rulesets):
    facts = facts_of(rulesets, "desk/names.py", "desk.names")
    assert facts.constants == (
        Constant("desk.names.Kinds.DRAFT", "draft"),  # StrEnum auto(): the member's name, lower-cased
        Constant("desk.names.Kinds.DRAFT.value", "draft"),
        Constant("desk.names.PREFIX", "desk"),
        Constant("desk.names.Plain.ARCHIVE.value", "archive_note"),  # a plain Enum's member is not its text
        Constant("desk.names.Tools.SEARCH", "search_notes"),
        Constant("desk.names.Tools.SEARCH.value", "search_notes"),
    )  # neither the greeting (no name) nor the token (a secret)


def test_names_this_file_knows_are_joined_and_the_others_are_left_to_the_model(rulesets):
    facts = facts_of(rulesets, "desk/server.py", "desk.server")
    names = {tool.name: tool.name_parts for tool in facts.tools}
    assert names == {
        "run_job": (),  # a member of this module's (str, Enum), without .value
        "export_notes": (),  # a module constant made by +
        'f"{PREFIX}_notes"': (("ref", "desk.names.PREFIX"), ("text", "_notes")),
        "Tools.SEARCH.value": (("ref", "desk.Tools.SEARCH.value"),),  # through the package's re-export
        "Plain.ARCHIVE.value": (("ref", "desk.names.Plain.ARCHIVE.value"),),
    }
    # f"{Local.RUN}" formats a (str, Enum) member by its name since Python 3.11: not a constant name
    assert [(d.location.line, d.code) for d in facts.diagnostics] == [(28, "unresolved-tool")]
    at = lambda line, column: Location("desk/server.py", line, column)  # noqa: E731
    assert facts.dispatches == (
        Dispatch("run_job", Ref("desk.server.call_tool#run_job", at(34, 8)), at(34, 8)),
        Dispatch("Tools.SEARCH", Ref("desk.server.call_tool#Tools.SEARCH", at(36, 8)), at(36, 8), (("ref", "desk.Tools.SEARCH"),)),
        Dispatch("export_notes", Ref("desk.server.call_tool#export_notes", at(36, 8)), at(36, 8)),
        Dispatch(
            "Plain.ARCHIVE.value", Ref("desk.server.call_tool#Plain.ARCHIVE.value", at(39, 14)), at(39, 14), (("ref", "desk.names.Plain.ARCHIVE.value"),)
        ),
    )


def test_the_model_joins_names_of_other_modules_constants_for_tools_and_dispatches(rulesets):
    project = index(read(discover.discover(str(DESK)), rulesets, NO_CACHE).facts)
    names = sorted(tool.name for tool in project.tools.values())
    assert names == ["archive_note", "desk_notes", "export_notes", "run_job", "search_notes"]
    assert sorted(project.dispatches) == ["archive_note", "export_notes", "run_job", "search_notes"]


def test_a_call_of_a_reexported_handler_names_the_handler_itself(rulesets):
    case = FIXTURES / "cases" / "lowlevel-split-tools"
    project = index(read(discover.discover(str(case)), rulesets, NO_CACHE).facts)
    [call] = [c for c in project.functions["shelf.server.call_tool#fetch_paper"].calls if "shelf.tools.handle_fetch" in c.callee]
    assert call.callee == ("shelf.tools.fetch.handle_fetch", "shelf.tools.handle_fetch")


def tool_labels(tmp_path, files: dict[str, str]) -> dict[str, set[str]]:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(textwrap.dedent(text))
    return {tool.name: {c.label for c in tool.capabilities} for tool in scan(str(tmp_path), NO_CACHE).tools}


SERVER = """\
    import mcp.types as types
    from mcp.server import Server

    from app.tools import {imported}

    server = Server("app")


    @server.list_tools()
    async def list_tools() -> list[types.Tool]:
        return {listed}


    @server.call_tool()
    async def call_tool(name: str, arguments: dict) -> list[types.TextContent]:
        {dispatch}
    """


def test_module_level_tools_in_an_mcp2_list_tools_result_are_the_servers(tmp_path):
    labels = tool_labels(tmp_path, {
        "app/__init__.py": "",
        "app/tools.py": """\
            import subprocess

            import mcp.types as types

            RUN = types.Tool(name="run", input_schema={"type": "object"})
            PING = types.Tool(name="ping", input_schema={"type": "object"})


            def run(command: str) -> str:
                return subprocess.check_output(command, shell=True, text=True)
            """,
        "app/server.py": SERVER.format(
            imported="PING, RUN, run",
            listed="types.ListToolsResult(tools=[RUN, PING])",
            dispatch='if name == "run":\n            return run(arguments["command"])\n        if name == "ping":\n            return []',
        ),
    })
    assert labels == {"run": {"code_exec"}, "ping": set()}


@pytest.mark.parametrize("opened, labels", [
    ("closing(sqlite3.connect(path))", {"private_data", "db_write"}),
    ("contextlib.nullcontext(sqlite3.connect(path))", {"private_data", "db_write"}),
])
def test_a_connection_opened_through_a_wrapper_keeps_its_type(tmp_path, opened, labels):
    found = tool_labels(tmp_path, {
        "app/__init__.py": "",
        "app/tools.py": f"""\
            import contextlib
            import sqlite3
            from contextlib import closing

            import mcp.types as types

            QUERY = types.Tool(name="query", inputSchema={{"type": "object"}})


            def run(path: str, sql: str):
                with {opened} as conn:
                    with closing(conn.cursor()) as cursor:
                        cursor.execute(sql)
                        return cursor.fetchall()
            """,
        "app/server.py": SERVER.format(
            imported="QUERY, run", listed="[QUERY]", dispatch='if name == "query":\n            return run("ledger.db", arguments["sql"])',
        ),
    })
    assert found == {"query": labels}

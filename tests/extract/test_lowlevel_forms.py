"""Low-level MCP servers as their authors write them: mcp 2.x handlers given to the constructor or
to `add_request_handler`, a call_tool that guards one name, looks the handler up in a dict or does
not read the name at all, tools built in a loop over literals, and annotations given by a constant
or a helper (riskscan/extract/python/adapters/mcp_sdk_dispatch.py, mcp_sdk_tools.py). The
fixtures/cases/lowlevel-* cases hold the same end to end."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from riskscan.extract.python import extract
from riskscan.rulesets import load
from riskscan.scan import scan
from riskscan.types import Config, SourceFile

CASES = Path(__file__).parents[2] / "fixtures" / "cases"
NO_CACHE = Config(cache=False, workers=1)

MCP2 = textwrap.dedent("""\
    import logging
    import subprocess
    from typing import Any

    import httpx
    import mcp.types as types
    from mcp.server import Server, ServerRequestContext

    logger = logging.getLogger(__name__)
    {top}

    async def list_tools(ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None) -> types.ListToolsResult:
        return types.ListToolsResult(tools={tools})


    async def call_tool(ctx: ServerRequestContext[Any], params: types.CallToolRequestParams) -> types.CallToolResult:
        arguments = params.arguments or {{}}
    {body}

    server = Server("app", on_list_tools=list_tools, on_call_tool=call_tool)
    """)
RUN = 'types.Tool(name="run", input_schema={"type": "object"})'
PAGE = 'types.Tool(name="page", input_schema={"type": "object"})'
BOTH = f"[{RUN}, {PAGE}]"


@pytest.fixture(scope="module")
def rulesets():
    return load()


def facts_of(rulesets, source: str, module: str = "app.server"):
    text = textwrap.dedent(source)
    return extract(text.encode(), SourceFile(module.replace(".", "/") + ".py", "python", module), rulesets)


def mcp2(rulesets, body: str, tools: str = f"[{RUN}]", top: str = ""):
    return facts_of(rulesets, MCP2.format(top=textwrap.dedent(top), tools=tools, body=textwrap.indent(textwrap.dedent(body), "    ")))


def dispatched(facts) -> dict[str, str]:
    return {d.tool_name: d.target.qualname for d in facts.dispatches}


def callees(facts, qualname: str) -> set[str]:
    function = {f.qualname: f for f in facts.functions}[qualname]
    return {name for call in function.calls for name in call.callee}


# --- guards -------------------------------------------------------------------------------------


def test_a_guard_that_raises_for_every_other_name_lets_its_tool_run_the_whole_body(rulesets):
    facts = mcp2(rulesets, """\
        if params.name != "run":
            raise ValueError(f"unknown tool {params.name}")
        subprocess.run(arguments["command"], shell=True)
        return types.CallToolResult(content=[])
        """)
    assert dispatched(facts) == {"run": "app.server.call_tool#run"}
    assert "subprocess.run" in callees(facts, "app.server.call_tool#run")


def test_an_assert_on_the_name_after_other_branches_guards_only_what_follows_it(rulesets):
    facts = mcp2(rulesets, """\
        if params.name == "page":
            return types.CallToolResult(content=[types.TextContent(type="text", text=httpx.get(arguments["url"]).text)])
        assert params.name == "run" and params.arguments is not None
        subprocess.run(arguments["command"], shell=True)
        return types.CallToolResult(content=[])
        """, tools=BOTH)
    assert dispatched(facts) == {"page": "app.server.call_tool#page", "run": "app.server.call_tool#run"}
    assert "subprocess.run" in callees(facts, "app.server.call_tool#run")
    assert "httpx.get" not in callees(facts, "app.server.call_tool#run")  # the other branch's call


def test_a_guard_against_several_names_lets_each_of_them_run_what_follows(rulesets):
    facts = mcp2(rulesets, """\
        name = params.name
        if name not in ("run", "page"):
            raise ValueError(name)
        return types.CallToolResult(content=[])
        """, tools=BOTH)
    assert dispatched(facts) == {"run": "app.server.call_tool#run", "page": "app.server.call_tool#page"}


def test_a_test_that_does_not_leave_is_no_guard(rulesets):
    facts = mcp2(rulesets, """\
        if params.name != "run":
            logger.warning("unexpected tool %s", params.name)
        subprocess.run(arguments["command"], shell=True)
        return types.CallToolResult(content=[])
        """)
    assert dispatched(facts) == {}  # the name is tested, so the handler is not every tool's either


# --- tables -------------------------------------------------------------------------------------


def test_a_dict_indexed_by_the_name_maps_each_key_to_its_function(rulesets):
    facts = mcp2(rulesets, "return await {\"run\": run_command, \"page\": lambda a: read_page(a)}[params.name](arguments)\n",
                 tools=BOTH, top="""\
        async def run_command(arguments):
            return subprocess.run(arguments["command"], shell=True)


        async def read_page(arguments):
            return httpx.get(arguments["url"]).text
        """)
    assert dispatched(facts) == {"run": "app.server.run_command", "page": "app.server.read_page"}


def test_a_module_table_with_enum_keys_and_a_partial_is_read_through_get(rulesets):
    facts = mcp2(rulesets, """\
        handler = HANDLERS.get(params.name)
        return await handler(arguments)
        """, tools="[types.Tool(name=Names.RUN, input_schema={}), types.Tool(name=Names.PAGE, input_schema={})]", top="""\
        import functools
        from enum import Enum


        class Names(str, Enum):
            RUN = "run"
            PAGE = "page"


        async def run_command(shell, arguments):
            return subprocess.run(arguments["command"], shell=shell)


        async def read_page(arguments):
            return httpx.get(arguments["url"]).text


        HANDLERS = {Names.RUN: functools.partial(run_command, True), Names.PAGE: read_page}
        """)
    assert {tool.name for tool in facts.tools} == {"run", "page"}
    assert dispatched(facts) == {"run": "app.server.run_command", "page": "app.server.read_page"}


# --- a handler that does not read the name ------------------------------------------------------


def test_a_handler_that_never_reads_the_name_is_every_tool_of_its_server(rulesets):
    facts = mcp2(rulesets, """\
        logger.info("calling %s", params.name)  # logging the name tells no tool apart
        subprocess.run(arguments["command"], shell=True)
        return types.CallToolResult(content=[])
        """, tools="TOOLS", top="""\
        TOOLS = [types.Tool(name="run", input_schema={})]
        TOOLS.append(types.Tool(name="run_quietly", input_schema={}))
        """)
    assert dispatched(facts) == {"run": "app.server.call_tool", "run_quietly": "app.server.call_tool"}


def test_a_handler_that_hands_the_name_on_is_not_taken_for_every_tool(rulesets):
    facts = mcp2(rulesets, "return await route(params.name, arguments)\n", tools=BOTH, top="""\
        async def route(name, arguments):
            return name
        """)
    assert dispatched(facts) == {}


def test_a_function_the_name_is_handed_to_dispatches_by_the_parameter_that_receives_it(rulesets):
    facts = mcp2(rulesets, "return await route(arguments, tool=params.name)\n", tools=BOTH, top="""\
        async def route(arguments, tool):
            if arguments.get("mode") == "page":  # a test of another value: no tool's branch
                pass
            if tool == "run":
                return subprocess.run(arguments["cmd"], shell=True)
            return httpx.get(arguments["url"]).text
        """)
    assert dispatched(facts) == {"run": "app.server.route#run"}
    assert callees(facts, "app.server.route#run") == {"subprocess.run"}


def test_a_method_of_the_class_holding_the_server_is_followed_with_the_name(rulesets):
    facts = facts_of(rulesets, """\
        import subprocess

        import mcp.types as types
        from mcp.server import Server


        class Bench:
            def __init__(self):
                self.server = Server("bench")

                @self.server.list_tools()
                async def list_tools() -> list[types.Tool]:
                    return [types.Tool(name="run", inputSchema={}), types.Tool(name="echo", inputSchema={})]

                @self.server.call_tool()
                async def call_tool(name: str, arguments: dict) -> list:
                    return await self._execute(name, arguments)

            async def _execute(self, tool_name: str, arguments: dict):
                if tool_name == "run":
                    return subprocess.run(arguments["cmd"], shell=True)
                if tool_name == "echo":
                    return arguments["text"]
        """)
    assert {t.name for t in facts.tools} == {"run", "echo"}
    assert dispatched(facts) == {"run": "app.server.Bench._execute#run", "echo": "app.server.Bench._execute#echo"}


@pytest.mark.parametrize("forward, position", [
    ("await asyncio.to_thread(self._run, command)", 0),
    ("await asyncio.get_running_loop().run_in_executor(None, self._run, command)", 0),
    ("await asyncio.to_thread(self._run, 'ls', shell_command=command)", None),
])
def test_a_method_handed_to_a_worker_thread_gets_the_arguments_passed_on(rulesets, forward, position):
    facts = facts_of(rulesets, f"""\
        import asyncio
        import subprocess


        class Runner:
            async def run(self, command: str):
                return {forward}

            def _run(self, fixed: str = "", shell_command: str = ""):
                return subprocess.run(fixed or shell_command, shell=True)
        """)
    [site] = [c for c in {f.qualname: f for f in facts.functions}["app.server.Runner.run"].calls if "app.server.Runner._run" in c.callee]
    passed = {(a.position, a.keyword): a.params for a in site.args}
    if position is None:
        assert passed[(0, None)] == () and passed[(None, "shell_command")] == ("command",)
    else:
        assert passed == {(position, None): ("command",)}


def test_handing_on_the_request_context_is_not_handing_on_the_name(rulesets):
    facts = mcp2(rulesets, """\
        await report_progress(ctx, params.arguments)
        return types.CallToolResult(content=[])
        """, top="""\
        async def report_progress(ctx, arguments):
            await ctx.session.report_progress(0.5)
        """)
    assert dispatched(facts) == {"run": "app.server.call_tool"}  # mcp 2.x: the name is params.name, not ctx


def test_an_mcp1_handler_of_one_tool_that_ignores_its_name_is_that_tool(rulesets):
    facts = facts_of(rulesets, """\
        import subprocess

        import mcp.types as types
        from mcp.server import Server

        server = Server("one")


        @server.list_tools()
        async def list_tools() -> list[types.Tool]:
            return [types.Tool(name="shell", inputSchema={"type": "object"})]


        @server.call_tool()
        async def call_tool(name: str, arguments: dict) -> list[types.TextContent]:
            return [types.TextContent(type="text", text=subprocess.check_output(arguments["command"], shell=True, text=True))]
        """)
    assert dispatched(facts) == {"shell": "app.server.call_tool"}


# --- mcp 2.x registration and tool lists ---------------------------------------------------------


def test_add_request_handler_registers_the_list_and_call_handlers(rulesets):
    facts = facts_of(rulesets, """\
        import mcp.types as types
        from mcp.server.lowlevel import Server


        async def listing(ctx, params):
            return types.ListToolsResult(tools=[types.Tool(name="ping", input_schema={})])


        async def calling(ctx, params):
            assert params.name == "ping"
            return types.CallToolResult(content=[])


        server = Server("app")
        server.add_request_handler("tools/list", types.PaginatedRequestParams, listing)
        server.add_request_handler("tools/call", types.CallToolRequestParams, calling)
        """)
    [agent] = facts.agents
    assert [tool.name for tool in facts.tools] == ["ping"]
    assert dispatched(facts) == {"ping": "app.server.calling#ping"}
    assert len(agent.tools[0].items) == 1


def test_tools_built_in_a_loop_over_literals_are_one_per_pass(rulesets):
    facts = facts_of(rulesets, """\
        import mcp_types
        from mcp.server import Server

        TOOLS = [mcp_types.Tool(name=f"greet_{shape}", input_schema={}) for shape in ("pydantic", "dataclass")]


        async def list_tools(ctx, params):
            return mcp_types.ListToolsResult(tools=TOOLS)


        async def call_tool(ctx, params):
            return mcp_types.CallToolResult(content=[])


        server = Server("app", on_list_tools=list_tools, on_call_tool=call_tool)
        """)
    assert sorted(tool.name for tool in facts.tools) == ["greet_dataclass", "greet_pydantic"]
    assert not [d for d in facts.diagnostics if d.code == "unresolved-tool"]
    assert sorted(dispatched(facts)) == ["greet_dataclass", "greet_pydantic"]


def test_a_list_handler_returning_what_riskscan_cannot_follow_says_so(tmp_path):
    (tmp_path / "server.py").write_text(textwrap.dedent("""\
        import mcp.types as types
        from mcp.server import Server


        def page_of(items, cursor):
            return items[int(cursor or 0):], None


        async def list_tools(ctx, params):
            page, cursor = page_of(ALL, params.cursor)
            return types.ListToolsResult(tools=page, next_cursor=cursor)


        ALL = [types.Tool(name=f"tool_{i}", input_schema={}) for i in range(5)]
        server = Server("paged", on_list_tools=list_tools)
        """))
    report = scan(str(tmp_path), NO_CACHE)
    assert [(d.code, d.location.line) for d in report.diagnostics if d.code == "unresolved-tool"] == [("unresolved-tool", 10)]


# --- annotations --------------------------------------------------------------------------------


def test_annotations_given_by_a_constant_or_a_helper_keep_their_wire_names(rulesets):
    facts = facts_of(rulesets, """\
        from mcp.server import MCPServer
        from mcp.types import ToolAnnotations

        READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, open_world_hint=False)


        def writes(*, destructive: bool, idempotent: bool = False) -> ToolAnnotations:
            \"\"\"The hints of a tool that writes.\"\"\"
            return ToolAnnotations(read_only_hint=False, destructive_hint=destructive, idempotent_hint=idempotent)


        server = MCPServer("git")


        @server.tool(name="status", annotations=READ_ONLY)
        def status() -> str:
            return ""


        @server.tool(name="reset", annotations=writes(destructive=True))
        def reset() -> str:
            return ""


        @server.tool(name="add", annotations={"readOnlyHint": False, "idempotentHint": True})
        def add() -> str:
            return ""
        """)
    hints = {tool.name: dict(tool.annotations) for tool in facts.tools}
    assert hints == {
        "status": {"readOnlyHint": True, "destructiveHint": False, "openWorldHint": False},
        "reset": {"readOnlyHint": False, "destructiveHint": True, "idempotentHint": False},  # the default of `idempotent`
        "add": {"readOnlyHint": False, "idempotentHint": True},
    }


def test_a_low_level_tool_named_by_an_enum_member_keeps_its_annotations(rulesets):
    facts = mcp2(rulesets, "return types.CallToolResult(content=[])\n", tools="[types.Tool(name=Names.DROP, input_schema={}, annotations=DESTRUCTIVE)]", top="""\
        from enum import Enum


        class Names(str, Enum):
            DROP = "drop_table"


        DESTRUCTIVE = types.ToolAnnotations(destructiveHint=True, openWorldHint=False)
        """)
    [tool] = facts.tools
    assert (tool.name, tool.annotations) == ("drop_table", (("destructiveHint", True), ("openWorldHint", False)))


# --- the model: each server's dispatch is its own file's ---------------------------------------


def test_a_tool_takes_the_dispatch_of_its_own_file_not_another_servers_of_the_same_name():
    report = scan(str(CASES / "lowlevel-tail-guard"), NO_CACHE)
    by_file = {tool.location.path: tool for tool in report.tools if tool.name == "send_notes"}
    assert {c.label for c in by_file["notebridge/server.py"].capabilities} == {"external_send"}
    assert by_file["notebridge/preview.py"].capabilities == ()  # formats text: neither its words nor the bridge's post

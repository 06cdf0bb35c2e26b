"""The Strands Agents adapter on small sources: what each idiom records, and what it must not."""

from __future__ import annotations

import textwrap

import pytest

from riskscan.extract.python import extract
from riskscan.model import build
from riskscan.rulesets import load
from riskscan.types import Items, Opaque, Ref, SourceFile


@pytest.fixture(scope="module")
def rulesets():
    return load()


def facts(rulesets, source: str, path: str = "app/agent.py", module: str = "app.agent"):
    return extract(textwrap.dedent(source).encode(), SourceFile(path, "python", module), rulesets)


def items(value):
    return value.items if isinstance(value, Items) else (value,)


def test_tool_decorator_bare_called_and_as_a_call_with_the_tool_context_left_out(rulesets):
    found = facts(rulesets, """
        from strands import Agent, ToolContext, tool

        @tool
        def lookup(key: str) -> str:
            "Look a key up."
            return key

        @tool(name="fetcher", description="Fetch a page.", context=True)
        def fetch(url: str, tool_context: ToolContext) -> str:
            return url

        def plain(x: str) -> str:
            return x

        wrapped = tool(plain)
        helper = 1
    """)
    tools = {t.name: t for t in found.tools}
    assert set(tools) == {"lookup", "fetcher", "plain"}
    assert tools["lookup"].description == "Look a key up." and tools["lookup"].framework == "strands"
    assert (tools["fetcher"].description, tools["fetcher"].params) == ("Fetch a page.", ("url",))
    assert tools["plain"].id == "app.agent.wrapped"


def test_an_agent_holds_functions_catalogued_modules_and_names_given_as_strings(rulesets):
    found = facts(rulesets, """
        from strands import Agent, tool
        from strands_tools import shell, file_read
        import strands_tools

        @tool
        def lookup(key: str) -> str:
            return key

        agent = Agent(name="ops", tools=[lookup, shell, strands_tools.http_request, "strands_tools.calculator", "./tools/deploy.py"])
        default = Agent(tools=[file_read])
    """)
    (ops, default) = sorted(found.agents, key=lambda a: a.name != "ops")
    assert (ops.name, default.name) == ("ops", "default")
    held = items(ops.tools[0])
    assert [found_tool.builtin for found_tool in found.tools if found_tool.builtin] == [
        "strands_tools.shell", "strands_tools.http_request", "strands_tools.calculator", "strands_tools.file_read"]
    assert held[0] == Ref("app.agent.lookup", held[0].location)
    assert isinstance(held[4], Opaque) and "'./tools/deploy.py' is loaded by name at run time" in held[4].reason


def test_a_module_level_tools_list_and_a_helper_list_get_the_built_in_tools(rulesets):
    found = facts(rulesets, """
        from strands_tools import editor, file_read

        TOOLS = [editor, file_read]

        def more():
            return [file_read]
    """)
    bindings = {b.qualname: b.value for b in found.bindings}
    tools = {t.id: t for t in found.tools}
    assert [tools[r.qualname].builtin for r in bindings["app.agent.TOOLS"].items] == ["strands_tools.editor", "strands_tools.file_read"]
    (returned,) = bindings["app.agent.more.<return>"].items
    assert tools[returned.items[0].qualname].builtin == "strands_tools.file_read"
    # the import itself is no tool: nothing is recorded for a module that no list names
    assert bindings["app.agent.editor"] == Ref("strands_tools.editor", bindings["app.agent.editor"].location)


def test_consent_prompts_are_approval_gates_unless_the_file_turns_them_off(rulesets):
    source = """
        import os
        from strands import Agent
        from strands_tools import shell, http_request, file_write
        {switch}
        agent = Agent(tools=[shell, http_request, file_write])
    """
    gated = {t.name: [g.detail for g in t.gates] for t in facts(rulesets, source.format(switch="")).tools}
    assert gated == {
        "shell": ["strands_tools.shell asks the user to confirm each command unless BYPASS_TOOL_CONSENT=true"],
        "http_request": [],  # a GET goes out unasked
        "file_write": ["strands_tools.file_write asks the user to confirm each write unless BYPASS_TOOL_CONSENT=true"],
    }
    off = facts(rulesets, source.format(switch='os.environ["BYPASS_TOOL_CONSENT"] = "true"'))
    assert all(not t.gates for t in off.tools)
    assert {d.code for d in off.diagnostics} == {"gate-turned-off"}
    # STRANDS_NON_INTERACTIVE skips the shell's prompt, not file_write's
    quiet = facts(rulesets, source.format(switch='os.environ.setdefault("STRANDS_NON_INTERACTIVE", "True")'))
    assert {t.name: bool(t.gates) for t in quiet.tools} == {"shell": False, "http_request": False, "file_write": True}


def test_mcp_client_servers_are_read_from_the_transport_lambda_or_the_url(rulesets):
    found = facts(rulesets, """
        from mcp import StdioServerParameters, stdio_client
        from mcp.client.streamable_http import streamablehttp_client
        from strands import Agent
        from strands.tools.mcp import MCPClient

        params = StdioServerParameters(command="npx", args=["-y", "@modelcontextprotocol/server-filesystem", "/srv"])
        files = MCPClient(lambda: stdio_client(params), tool_filters={"allowed": ["read_file", "write_file"]})
        remote = MCPClient(lambda: streamablehttp_client("https://tools.example.com/mcp"))
        direct = MCPClient(url="https://other.example.com/mcp")
        unknown = MCPClient(make_transport)
        with files:
            agent = Agent(tools=files.list_tools_sync() + [remote, direct, unknown])
    """)
    by_id = {t.id: t for t in found.tools}
    assert sorted(i for i in by_id if "#files/" in i) == ["mcp:app/agent.py#files/read_file", "mcp:app/agent.py#files/write_file"]
    assert "mcp:app/agent.py#remote/*" in by_id and "mcp:app/agent.py#direct/*" in by_id
    assert [d.code for d in found.diagnostics] == ["unresolved-server"]
    (agent,) = found.agents
    held = items(agent.tools[0])
    assert held[0] == Ref("app.agent.files", held[0].location)  # the client's tools, through its binding


def test_agents_as_tools_through_the_list_as_tool_and_a_tool_body(rulesets):
    found = facts(rulesets, """
        from strands import Agent, tool
        from app.team import writer

        researcher = Agent(name="researcher")

        @tool
        def research(question: str) -> str:
            "Ask the researcher."
            return str(researcher(question))

        @tool
        def local(question: str) -> str:
            helper = Agent(tools=[])
            return str(helper(question))

        @tool
        async def draft(topic: str) -> str:
            return str(await writer.invoke_async(topic))

        @tool
        def shout(text: str) -> str:
            return text.upper()

        lead = Agent(name="lead", tools=[researcher, research, researcher.as_tool(name="ask", description="Ask.")])
    """)
    invokes = {t.name: t.invokes for t in found.tools}
    assert invokes["research"].qualname == "app.agent.researcher"
    assert invokes["local"].qualname == "app.agent.local.<locals>.helper"
    assert invokes["draft"].qualname == "app.team.writer"
    assert invokes["shout"] is None
    assert invokes["ask"].qualname == "app.agent.researcher"
    lead = next(a for a in found.agents if a.name == "lead")
    assert items(lead.tools[0])[0].qualname == "app.agent.researcher"  # the model stage makes it agent-as-tool


def test_swarm_shares_one_context_and_a_graph_edge_hands_output_on(rulesets):
    found = facts(rulesets, """
        from strands import Agent
        from strands.multiagent import GraphBuilder, Swarm

        a = Agent(name="a")
        b = Agent(name="b")
        c = Agent(name="c")
        team = Swarm([a, b])
        builder = GraphBuilder()
        builder.add_node(a, "first")
        second = builder.add_node(c, "second")
        builder.add_edge("first", second)
        graph = builder.build()
    """)
    links = {(link.kind, tuple(m.qualname for m in link.members), link.source.qualname if link.source else None, link.both_ways)
             for link in found.links}
    # `second` stands for the agent its node runs (the model follows the binding)
    assert links == {("shared-context", ("app.agent.a", "app.agent.b"), None, True), ("task-context", ("app.agent.second",), "app.agent.a", False)}
    assert {b.qualname: b.value for b in found.bindings}["app.agent.second"].qualname == "app.agent.c"


def test_hooks_that_ask_a_human_or_cancel_and_the_human_in_the_loop_intervention(rulesets):
    found = facts(rulesets, """
        from strands import Agent, tool
        from strands.hooks import BeforeToolCallEvent, HookProvider, HookRegistry
        from strands.vended_interventions.hitl import HumanInTheLoop

        @tool
        def delete(key: str) -> None: ...

        @tool
        def read(key: str) -> str: ...

        class Approve(HookProvider):
            def register_hooks(self, registry: HookRegistry) -> None:
                registry.add_callback(BeforeToolCallEvent, self.check)

            def check(self, event: BeforeToolCallEvent) -> None:
                if event.tool_use["name"] != "delete":
                    return
                if event.interrupt("ok?", reason="delete") != "y":
                    event.cancel_tool = "denied"

        def block(event: BeforeToolCallEvent) -> None:
            event.cancel_tool = "never"

        def log(event) -> None:
            print(event)

        asked = Agent(name="asked", tools=[delete, read], hooks=[Approve()])
        blocked = Agent(name="blocked", tools=[delete], hooks=[block, log])
        hitl = Agent(name="hitl", tools=[delete, read], interventions=[HumanInTheLoop(allowed_tools=["read"])])
        everything = Agent(name="everything", tools=[delete], interventions=[HumanInTheLoop()])
        judged = Agent(name="judged", tools=[delete], interventions=[HumanInTheLoop(classifier=True)])
    """)
    gates = {a.name: [(name, g.kind) for name, g in a.tool_gates] for a in found.agents}
    assert gates == {
        "asked": [("delete", "approval")],
        "blocked": [("*", "guardrail")],
        "hitl": [("delete", "approval")],
        "everything": [("*", "approval")],
        "judged": [],
    }
    assert [d.code for d in found.diagnostics] == ["gate-not-modelled"]


def test_a_docker_sandbox_gates_the_sandbox_routed_tools_and_vends_its_own(rulesets):
    found = facts(rulesets, """
        from strands import Agent
        from strands.sandbox.docker import DockerSandbox
        from strands.vended_tools import http_request, make_shell, python_repl, shell

        box = DockerSandbox("worker")
        boxed = Agent(name="boxed", tools=[shell, python_repl, http_request], sandbox=box)
        host = Agent(name="host", tools=[shell, make_shell(sandbox=DockerSandbox("other"))])
    """)
    tools = {t.id: t for t in found.tools}
    gated = {a.name: sorted((tools[r.qualname].name, bool(tools[r.qualname].gates)) for v in a.tools for r in items(v)) for a in found.agents}
    assert gated == {
        "boxed": [("http_request", False), ("python_repl", True), ("sandbox_file_editor", True), ("sandbox_shell", True), ("shell", True)],
        "host": [("shell", False), ("shell", True)],
    }


def test_a_tool_spec_module_and_a_module_of_tools_are_tools_when_passed_as_modules(rulesets):
    spec_module = facts(rulesets, """
        from strands.types.tools import ToolUse

        TOOL_SPEC = {"name": "update_row", "description": "Update a row.",
                     "inputSchema": {"json": {"type": "object", "properties": {"row": {"type": "string"}}}}}

        def update_row(tool: ToolUse, **kwargs):
            return tool["input"]["row"]
    """, "app/update_row.py", "app.update_row")
    (spec,) = spec_module.tools
    assert (spec.id, spec.name, spec.function, spec.params) == ("app.update_row.update_row", "update_row", "app.update_row.update_row", ("row",))
    tools_module = facts(rulesets, """
        from strands import tool

        @tool
        def first() -> str: ...

        @tool
        def second() -> str: ...
    """, "app/toolbox.py", "app.toolbox")
    bindings = {b.qualname: b.value for b in tools_module.bindings}
    assert [r.qualname for r in bindings["app.toolbox"].items] == ["app.toolbox.first", "app.toolbox.second"]
    agent = facts(rulesets, """
        from strands import Agent
        from app import toolbox, update_row
        agent = Agent(tools=[toolbox, update_row])
    """)
    system = build("/x", [spec_module, tools_module, agent], load())
    (held,) = system.agents
    assert sorted(h.tool for h in held.tools) == ["app.toolbox.first", "app.toolbox.second", "app.update_row.update_row"]


def test_a_file_without_strands_records_nothing(rulesets):
    found = facts(rulesets, """
        from mytools import tool, Agent

        @tool
        def f(x: str) -> str:
            return x

        agent = Agent(tools=[f])
    """)
    assert (found.tools, found.agents) == ((), ())


def test_a_tool_that_calls_an_agents_tool_directly_runs_that_agent(rulesets):
    found = facts(rulesets, """
        from strands import Agent, tool
        from strands_tools import python_repl

        @tool
        def execute(code: str) -> str:
            runner = Agent(tools=[python_repl])
            return runner.tool.python_repl(code=code)
    """)
    assert {t.name: t.invokes.qualname for t in found.tools if t.invokes} == {"execute": "app.agent.execute.<locals>.runner"}


def test_a_browser_instance_is_no_tool_until_its_tool_attribute_is_handed_over(rulesets):
    found = facts(rulesets, """
        from strands import Agent
        from strands_tools.browser import LocalChromiumBrowser

        browser = LocalChromiumBrowser()
        agent = Agent(tools=[browser.browser])
    """)
    assert [(t.name, t.builtin) for t in found.tools] == [("browser", "strands_tools.browser.LocalChromiumBrowser")]

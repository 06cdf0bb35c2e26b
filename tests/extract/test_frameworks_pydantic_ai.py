"""The Pydantic AI adapter on small sources: what each idiom records, and what it must not."""

from __future__ import annotations

import textwrap

import pytest

from riskscan.extract.python import extract
from riskscan.model import build
from riskscan.rulesets import load
from riskscan.types import Gate, Items, Location, Opaque, Ref, SourceFile


@pytest.fixture(scope="module")
def rulesets():
    return load()


def facts(rulesets, source: str, path: str = "app/agent.py", module: str = "app.agent"):
    return extract(textwrap.dedent(source).encode(), SourceFile(path, "python", module), rulesets)


def test_a_tool_decorated_on_an_agent_of_the_same_file_is_recorded_once_without_its_run_context(rulesets):
    found = facts(rulesets, """
        from pydantic_ai import Agent, RunContext

        agent = Agent("openai:gpt-4o", name="helper")

        @agent.tool
        def lookup(ctx: RunContext[int], key: str, limit: int = 3) -> str:
            "Look a key up."
            return key
    """)
    assert [(t.id, t.name, t.framework, t.params) for t in found.tools] == [("app.agent.lookup", "lookup", "pydantic-ai", ("key", "limit"))]
    assert [(r.target, r.value.qualname) for r in found.registrations] == [("app.agent.agent", "app.agent.lookup")]
    assert [(a.id, a.name) for a in found.agents] == [("app.agent.agent", "helper")]


def test_requires_approval_and_raise_approval_required_are_approval_gates(rulesets):
    found = facts(rulesets, """
        from pydantic_ai import Agent, ApprovalRequired, Tool

        agent = Agent("openai:gpt-4o")

        @agent.tool_plain(requires_approval=True)
        def delete_file(path: str) -> None:
            ...

        def pay(amount: int) -> None:
            if amount > 10:
                raise ApprovalRequired()

        def plain(x: str) -> str:
            return x

        other = Agent("openai:gpt-4o", tools=[Tool(pay), Tool(plain, requires_approval=False)])
    """)
    gates = {t.name: t.gates for t in found.tools}
    assert gates["delete_file"] == (Gate("approval", "requires_approval=True", Location("app/agent.py", 6, 37)),)
    assert gates["pay"] == (Gate("approval", "raise ApprovalRequired in the tool's body", Location("app/agent.py", 12, 9)),)
    assert gates["plain"] == ()


def test_a_toolset_gets_the_tools_decorated_on_it_and_its_approval_flag(rulesets):
    found = facts(rulesets, """
        from pydantic_ai import FunctionToolset

        def rm(path: str) -> None:
            ...

        guarded = FunctionToolset([rm], requires_approval=True)
        files = FunctionToolset()

        @files.tool_plain
        def read(path: str) -> str:
            return open(path).read()
    """)
    assert not found.registrations
    bindings = {b.qualname: b.value for b in found.bindings}
    assert bindings["app.agent.files"] == Items((Items(()), Ref("app.agent.read", Location("app/agent.py", 11, 5))))
    rm = {t.name: t for t in found.tools}["rm"]
    assert [g.detail for g in rm.gates] == ["requires_approval=True"]


def test_mcp_servers_become_catalogued_opaque_or_project_tools(rulesets):
    found = facts(rulesets, """
        from pydantic_ai import Agent
        from pydantic_ai.mcp import MCPServerStdio, MCPServerStreamableHTTP, MCPToolset

        remote = MCPServerStreamableHTTP("https://tools.example.com/mcp")
        local = MCPToolset("servers/notes.py")
        fs = MCPServerStdio("npx", args=["-y", "@modelcontextprotocol/server-filesystem", "/srv"])
        unknown = MCPServerStdio(command, args=ARGS)
        agent = Agent("openai:gpt-4o", toolsets=[remote, local, fs, unknown])
    """)
    by_id = {t.id: t for t in found.tools}
    assert by_id["mcp:app/agent.py#remote/*"].launches is None
    assert by_id["mcp:app/agent.py#local/*"].launches == "servers/notes.py"
    assert any(t.server == "filesystem" for t in found.tools)
    unknown = {b.qualname: b.value for b in found.bindings}["app.agent.unknown"]
    assert isinstance(unknown, Opaque) and "not known statically" in unknown.reason


def test_an_agent_run_in_a_tool_body_is_agent_as_tool_and_other_runs_are_not(rulesets):
    found = facts(rulesets, """
        import asyncio
        import subprocess

        from pydantic_ai import Agent
        from app.team import writer

        helper = Agent("openai:gpt-4o")
        boss = Agent("openai:gpt-4o")

        @boss.tool_plain
        async def ask(question: str) -> str:
            return (await helper.run(question)).output

        @boss.tool_plain
        def draft(topic: str) -> str:
            return writer.run_sync(topic).output

        @boss.tool_plain
        def shell(cmd: str) -> str:
            asyncio.run(asyncio.sleep(1))
            return subprocess.run(cmd).stdout
    """)
    invokes = {t.name: t.invokes for t in found.tools}
    assert invokes["ask"] == Ref("app.agent.helper", Location("app/agent.py", 13, 19))
    assert invokes["draft"] == Ref("app.team.writer", Location("app/agent.py", 17, 12))
    assert invokes["shell"] is None


def test_a_tool_registered_on_an_imported_agent_joins_it_with_its_gate(rulesets):
    agents = facts(rulesets, """
        from pydantic_ai import Agent
        desk = Agent("openai:gpt-4o", name="desk")
    """, "app/agents.py", "app.agents")
    extra = facts(rulesets, """
        from app.agents import desk

        @desk.tool(requires_approval=True)
        def refund(ctx, order: str) -> str:
            return order
    """, "app/billing.py", "app.billing")
    system = build("/x", [agents, extra], load())
    (desk,) = system.agents
    assert [h.tool for h in desk.tools] == ["app.billing.refund"]
    (refund,) = system.tools
    assert (refund.framework, [g.detail for g in refund.gates]) == ("pydantic-ai", ["requires_approval=True"])


def test_mcp_toolsets_over_fastmcp_transports_and_clients_are_the_servers_they_launch(rulesets):
    found = facts(rulesets, """
        from fastmcp import Client
        from fastmcp.client.transports import NpxStdioTransport, StdioTransport, StreamableHttpTransport, UvxStdioTransport
        from pydantic_ai import Agent
        from pydantic_ai.mcp import MCPToolset
        from pydantic_ai.toolsets.fastmcp import FastMCPToolset

        git = MCPToolset(StdioTransport(command="uvx", args=["mcp-server-git", "--repository", "."]))
        transport = NpxStdioTransport("@modelcontextprotocol/server-filesystem", ["/srv/shared"])
        files = MCPToolset(transport)
        fetch = FastMCPToolset(Client(UvxStdioTransport("mcp-server-fetch")))
        notes = MCPToolset(Client(StreamableHttpTransport("https://notes.example.com/mcp")))
        unknown = MCPToolset(StdioTransport(command=COMMAND, args=[]))
        agent = Agent("openai:gpt-4o", toolsets=[git, files, fetch, notes, unknown])
    """)
    servers = {t.id.split("#")[1].split("/")[0]: t.server for t in found.tools if t.id.startswith("mcp:")}
    assert servers["git"] == "git" and servers["files"] == "filesystem" and servers["fetch"] == "fetch"
    assert servers["notes"] is None  # a remote server the catalog does not know: its tools are unknown
    unknown = {b.qualname: b.value for b in found.bindings}["app.agent.unknown"]
    assert isinstance(unknown, Opaque) and "not known statically" in unknown.reason


def test_approval_required_on_a_toolset_gates_its_tools_and_a_deciding_function_does_not(rulesets):
    found = facts(rulesets, """
        from pydantic_ai import Agent
        from pydantic_ai.mcp import MCPToolset

        def risky(ctx, tool_def, args):
            return tool_def.name.startswith("write")

        files = MCPToolset("servers/files.py")
        mail = MCPToolset("servers/mail.py")
        agent = Agent("openai:gpt-4o", toolsets=[files.approval_required(), mail.approval_required(risky)])
    """)
    gated = {t.id: [g.detail for g in t.gates] for t in found.tools}
    assert gated["mcp:app/agent.py#files/*<approval>"] == ["approval_required() on the toolset"]
    assert "mcp:app/agent.py#mail/*<approval>" not in gated
    assert any(d.code == "partial-gate" and "risky" in d.message for d in found.diagnostics)

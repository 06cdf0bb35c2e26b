"""The OpenAI Agents SDK adapter beyond the spine: MCP servers attached to agents, their tool
filters and approval policies, and guardrails."""

from __future__ import annotations

import textwrap

import pytest

from riskscan.extract.python import extract
from riskscan.model import build
from riskscan.rulesets import load
from riskscan.types import Gate, Location, SourceFile


@pytest.fixture(scope="module")
def rulesets():
    return load()


def facts(rulesets, source: str, path: str = "app/agent.py", module: str = "app.agent"):
    return extract(textwrap.dedent(source).encode(), SourceFile(path, "python", module), rulesets)


def held(agent) -> list[str]:
    """The ids of the tools an agent fact holds, in order."""
    found = []

    def walk(value):
        if hasattr(value, "items"):
            for item in value.items:
                walk(item)
        else:
            found.append(value.qualname)

    for value in agent.tools:
        walk(value)
    return found


SERVERS = """
    from agents import Agent
    from agents.mcp import MCPServerSse, MCPServerStdio, MCPServerStreamableHttp, create_static_tool_filter

    async def main():
        async with MCPServerStdio(
            name="fs",
            params={"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/srv/docs"]},
            tool_filter=create_static_tool_filter(allowed_tool_names=["read_file", "write_file", "move_file"], blocked_tool_names=["write_file"]),
            require_approval={"always": {"tool_names": ["move_file"]}},
        ) as fs:
            local = MCPServerStdio(params={"command": "python", "args": ["servers/notes.py"]}, require_approval="always")
            remote = MCPServerStreamableHttp(name="remote", params={"url": "https://tools.example.com/mcp"}, tool_filter={"allowed_tool_names": ["lookup"]})
            sse = MCPServerSse(name="events", params={"url": "https://events.example.com/sse"}, require_approval={"publish": "always", "read": "never"})
            agent = Agent(name="worker", mcp_servers=[fs, local, remote, sse])
"""


def test_each_mcp_server_of_an_agent_becomes_its_tools(rulesets):
    found = facts(rulesets, SERVERS)
    (agent,) = found.agents
    assert held(agent) == [
        "mcp:app/agent.py#fs/read_file",
        "mcp:app/agent.py#fs/move_file",
        "mcp:app/agent.py#local/*",
        "mcp:app/agent.py#remote/lookup",
        "mcp:app/agent.py#events/*",
    ]
    by_id = {t.id: t for t in found.tools}
    assert by_id["mcp:app/agent.py#fs/read_file"].server == "filesystem"
    assert by_id["mcp:app/agent.py#local/*"].launches == "servers/notes.py"
    assert by_id["mcp:app/agent.py#remote/lookup"].launches is None
    assert by_id["mcp:app/agent.py#remote/lookup"].server is None


def test_require_approval_gates_the_tools_it_names(rulesets):
    found = facts(rulesets, SERVERS)
    gates = {t.id: t.gates for t in found.tools}
    assert gates["mcp:app/agent.py#fs/move_file"] == (Gate("approval", "require_approval names move_file", Location("app/agent.py", 10, 26)),)
    assert gates["mcp:app/agent.py#fs/read_file"] == ()
    assert gates["mcp:app/agent.py#local/*"] == (Gate("approval", 'require_approval="always"', Location("app/agent.py", 12, 109)),)
    assert gates["mcp:app/agent.py#remote/lookup"] == ()
    # a dict of tool names on a server whose tools are unknown: nothing to gate, said so
    assert gates["mcp:app/agent.py#events/*"] == ()
    assert [(d.code, d.location.line) for d in found.diagnostics] == [("partial-gate", 14)]


def test_a_server_whose_command_is_not_literal_is_the_worst_case_and_a_diagnostic(rulesets):
    found = facts(rulesets, """
        import os
        from agents import Agent
        from agents.mcp import MCPServerStdio

        server = MCPServerStdio(params={"command": os.environ["SERVER"]}, tool_filter=lambda ctx, tool: True)
        agent = Agent(name="a", mcp_servers=[server])
    """)
    assert [t.id for t in found.tools] == ["mcp:app/agent.py#server/*"]
    assert [d.code for d in found.diagnostics] == ["unresolved-server", "unresolved-filter"]
    (agent,) = build("/x", [found], rulesets).agents
    assert [h.tool for h in agent.tools] == ["mcp:app/agent.py#server/*"]


NOTES_SERVER = """
    import os
    from pathlib import Path
    from mcp.server.fastmcp import FastMCP

    mcp = FastMCP("notes")

    @mcp.tool()
    def read_note(name: str) -> str:
        return Path("/notes", name).read_text()

    @mcp.tool()
    def delete_note(name: str) -> None:
        os.remove(Path("/notes", name))
"""


def test_the_projects_own_server_gives_its_real_tools_filtered_and_gated(rulesets):
    agent = facts(rulesets, """
        from agents import Agent
        from agents.mcp import MCPServerStdio, create_static_tool_filter

        notes = MCPServerStdio(
            name="notes",
            params={"command": "python", "args": ["servers/notes.py"]},
            tool_filter=create_static_tool_filter(allowed_tool_names=["delete_note"]),
            require_approval=True,
        )
        agent = Agent(name="clerk", mcp_servers=[notes])
    """)
    server = facts(rulesets, NOTES_SERVER, "servers/notes.py", "servers.notes")
    system = build("/x", [agent, server], rulesets)
    (clerk,) = system.agents
    assert [h.tool for h in clerk.tools] == ["servers.notes.delete_note"]
    tools = {t.id: t for t in system.tools}
    assert tools["servers.notes.delete_note"].gates == (Gate("approval", "require_approval=True", Location("app/agent.py", 9, 22)),)
    assert "mcp:app/agent.py#notes/delete_note" not in tools


def test_blocked_names_on_a_server_whose_tools_are_unknown_are_a_diagnostic(rulesets):
    found = facts(rulesets, """
        from agents import Agent
        from agents.mcp import MCPServerStdio, create_static_tool_filter

        notes = MCPServerStdio(name="notes", params={"command": "python", "args": ["servers/notes.py"]},
                               tool_filter=create_static_tool_filter(blocked_tool_names=["delete_note"]))
        agent = Agent(name="clerk", mcp_servers=[notes])
    """)
    assert [t.id for t in found.tools] == ["mcp:app/agent.py#notes/*"]
    assert [(d.code, d.location.line) for d in found.diagnostics] == [("partial-filter", 5)]


GUARDED = """
    from agents import Agent, FunctionTool, ToolInputGuardrail, function_tool, input_guardrail, tool_input_guardrail
    from agents.mcp import MCPServerStreamableHttp

    @tool_input_guardrail
    def no_outside_urls(data):
        ...

    @input_guardrail
    def on_topic(ctx, agent, text):
        ...

    @function_tool(tool_input_guardrails=[no_outside_urls, ToolInputGuardrail(guardrail_function=no_outside_urls)])
    def post(url: str) -> str:
        return url

    @function_tool
    def plain(x: str) -> str:
        return x

    raw = FunctionTool(name="raw", description="", params_json_schema={}, on_invoke_tool=plain, tool_input_guardrails=[no_outside_urls])
    server = MCPServerStreamableHttp(name="remote", params={"url": "https://tools.example.com/mcp"}, tool_input_guardrails=[no_outside_urls])
    agent = Agent(name="a", tools=[post, plain, raw], mcp_servers=[server], input_guardrails=[on_topic, no_outside_urls], output_guardrails=[on_topic])
"""


def guardrail(line: int, column: int, name: str = "no_outside_urls") -> Gate:
    return Gate("guardrail", f"tool input guardrail {name} checks each call before it runs", Location("app/agent.py", line, column))


def test_tool_input_guardrails_are_guardrail_gates_naming_the_function(rulesets):
    found = facts(rulesets, GUARDED)
    gates = {t.id: t.gates for t in found.tools}
    assert gates["app.agent.post"] == (guardrail(13, 39), guardrail(13, 56))
    assert gates["app.agent.plain"] == ()
    assert gates["app.agent.raw"] == (guardrail(21, 116),)
    assert gates["mcp:app/agent.py#remote/*"] == (guardrail(22, 121),)


def test_only_tool_guardrails_among_an_agents_guardrails_gate_its_tools(rulesets):
    found = facts(rulesets, GUARDED)
    (agent,) = found.agents
    assert agent.tool_gates == (("*", guardrail(23, 101)),)
    assert [(d.code, d.location.line, d.location.column, d.severity) for d in found.diagnostics] == [
        ("guardrail-not-modelled", 23, 91, "info"),
        ("guardrail-not-modelled", 23, 138, "info"),
    ]
    system = build("/x", [found], rulesets)
    plain = next(t for t in system.tools if t.id == "app.agent.plain")
    assert plain.gates == (guardrail(23, 101),)


def test_a_guardrail_gate_lowers_a_paths_score_by_its_weight():
    from pathlib import Path

    from riskscan.scan import scan
    from riskscan.types import Factor

    case = Path(__file__).resolve().parents[2] / "fixtures" / "cases" / "openai-agents-guardrails"
    report = scan(str(case))
    scores = {f.steps[-1].tool: (f.score, [x for x in f.factors if x.name.startswith("gate:")]) for f in report.findings}
    detail = "tool input guardrail only_our_ledger checks each call before it runs"
    assert scores == {
        "fetch_page": (9.0, []),
        "upload_report": (6.3, [Factor("gate:guardrail", 0.7, detail)]),
    }


def test_tool_output_guardrails_run_after_the_call_and_are_no_gate(rulesets):
    found = facts(rulesets, """
        from agents import function_tool, tool_output_guardrail
        from agents.mcp import MCPServerSse

        @tool_output_guardrail
        def redact(data):
            ...

        @function_tool(tool_output_guardrails=[redact])
        def lookup(key: str) -> str:
            return key

        server = MCPServerSse(name="s", params={"url": "https://s.example.com/sse"}, tool_output_guardrails=[redact])
    """)
    assert all(t.gates == () for t in found.tools)
    assert [(d.code, d.location.line, d.severity) for d in found.diagnostics] == [
        ("guardrail-not-modelled", 9, "info"),
        ("guardrail-not-modelled", 13, "info"),
    ]


def test_messages_appended_to_a_list_are_not_taken_for_hosted_tools(rulesets):
    """Found on autogen-agentchat and langchain-community: `messages.append(UserMessage(...))`
    was read as a tools context and every message class became a hosted tool of an unknown
    framework (174 such tools over the five framework packages)."""
    found = facts(rulesets, """
        from agents import Agent, WebSearchTool
        from autogen_core.models import SystemMessage, UserMessage

        def prompt(instruction: str):
            messages = [SystemMessage(content=instruction)]
            messages.append(UserMessage(content="hi", source="user"))
            return messages

        tools = []
        tools.append(WebSearchTool())
        bot = Agent(name="bot", tools=tools)
    """)
    assert [t.name for t in found.tools] == ["WebSearchTool"]
    (agent,) = build("/x", [found], rulesets).agents
    assert [holding.tool for holding in agent.tools] == [found.tools[0].id]


SANDBOX = """
    from agents import Agent, WebSearchTool
    from agents.sandbox import SandboxAgent
    from agents.sandbox.capabilities import Capabilities, Compaction, Filesystem, Memory, Shell, Skills
    from agents.sandbox.sandboxes.docker import DockerSandboxClient

    from app.caps import WorkspaceShell

    default = SandboxAgent(name="default", tools=[WebSearchTool()])
    shell = SandboxAgent(name="shell", capabilities=[Shell(), Compaction(), Memory()])
    more = SandboxAgent(name="more", capabilities=Capabilities.default() + [Skills(skills=[])])
    custom = SandboxAgent(name="custom", capabilities=[WorkspaceShell()])
    desk = Agent(name="desk", handoffs=[default], tools=[shell.as_tool("shell", "run the shell agent")])
    client = DockerSandboxClient()
"""


def tool_names(found, agent) -> list[str]:
    tools = {t.id: t.name for t in found.tools}
    return sorted(tools.get(name, name) for name in held(agent))


def test_a_sandbox_agent_holds_its_capabilities_tools_and_its_own(rulesets):
    found = facts(rulesets, SANDBOX)
    agents = {a.name: a for a in found.agents}
    assert tool_names(found, agents["default"]) == ["WebSearchTool", "apply_patch", "exec_command", "view_image", "write_stdin"]
    assert tool_names(found, agents["shell"]) == ["exec_command", "write_stdin"]
    assert tool_names(found, agents["more"]) == ["apply_patch", "exec_command", "load_skill", "view_image", "write_stdin"]
    assert tool_names(found, agents["custom"]) == ["app.caps.WorkspaceShell.tools.<return>"]
    assert [d.code for d in found.diagnostics if d.code == "memory-not-modelled"] == ["memory-not-modelled"]
    # the normal Agent handling still applies: handoffs and as_tool
    assert [h.qualname for h in agents["desk"].handoffs[0].items] == ["app.agent.default"]
    assert any(t.name == "shell" and t.invokes is not None for t in found.tools)


def test_a_container_client_gates_the_capability_tools_only(rulesets):
    found = facts(rulesets, SANDBOX)
    tools = {t.id: t for t in found.tools}
    shell = tools["app.agent.shell.<exec_command>"]
    assert [(g.kind, g.detail) for g in shell.gates] == [("sandbox", "DockerSandboxClient runs the sandbox session in a container")]
    search = next(t for t in found.tools if t.builtin == "agents.WebSearchTool")
    assert search.gates == ()
    assert any(d.code == "partial-gate" and "WorkspaceShell" in d.message for d in found.diagnostics)


def test_a_host_client_is_hygiene_and_no_client_is_a_diagnostic(rulesets):
    local = facts(rulesets, """
        from agents.sandbox import SandboxAgent, SandboxRunConfig
        from agents.sandbox.sandboxes import UnixLocalSandboxClient

        agent = SandboxAgent(name="local")
        config = SandboxRunConfig(client=UnixLocalSandboxClient())
    """)
    assert [(h.check, h.subject) for h in local.hygiene] == [("local-code-executor", "local")]
    assert all(t.gates == () for t in local.tools)
    elsewhere = facts(rulesets, """
        from agents.sandbox import SandboxAgent

        agent = SandboxAgent(name="elsewhere")
    """)
    assert [d.code for d in elsewhere.diagnostics] == ["unresolved-sandbox-client"]
    assert not elsewhere.hygiene

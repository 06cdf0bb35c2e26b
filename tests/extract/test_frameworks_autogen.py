"""The AutoGen adapter on small sources: prebuilt agents and their catalogued tools, code
executors, MCP workbenches, teams, and AutoGen Core registrations and messages."""

from __future__ import annotations

import textwrap

import pytest

from riskscan.extract.python import extract
from riskscan.rulesets import load
from riskscan.types import Items, Ref, SourceFile


@pytest.fixture(scope="module")
def rulesets():
    return load()


def facts(rulesets, source: str, path: str = "app/team.py", module: str = "app.team"):
    return extract(textwrap.dedent(source).encode(), SourceFile(path, "python", module), rulesets)


def held(found, agent_name: str) -> list[str]:
    """The names of the tools an agent fact holds, through refs to tools of the file."""
    agent = next(a for a in found.agents if a.name == agent_name)
    tools = {t.id: t for t in found.tools}
    names = []

    def walk(value):
        if isinstance(value, Items):
            for item in value.items:
                walk(item)
        elif isinstance(value, Ref):
            names.append(tools[value.qualname].name if value.qualname in tools else value.qualname)

    for value in agent.tools:
        walk(value)
    return sorted(names)


def test_prebuilt_agents_hold_the_catalogued_tools_of_their_implementation(rulesets):
    found = facts(rulesets, """
        from autogen_ext.agents.file_surfer import FileSurfer
        from autogen_ext.agents.video_surfer import VideoSurfer
        from autogen_ext.agents.web_surfer import MultimodalWebSurfer

        def describe(path: str) -> str:
            return path

        surfer = MultimodalWebSurfer("surfer", model_client=client)
        files = FileSurfer("files", model_client=client)
        video = VideoSurfer("video", model_client=client)
        custom = VideoSurfer("custom", model_client=client, tools=[describe])
    """)
    assert {"visit_url", "web_search", "click", "input_text"} <= set(held(found, "surfer"))
    assert len(held(found, "surfer")) == 13
    assert held(found, "files") == ["find_next", "find_on_page_ctrl_f", "open_path", "page_down", "page_up"]
    assert "transcribe_audio_with_timestamps" in held(found, "video")
    assert held(found, "custom") == ["app.team.describe"]  # tools= replaces the defaults
    visit = next(t for t in found.tools if t.name == "visit_url")
    assert visit.builtin == "autogen_ext.agents.web_surfer.MultimodalWebSurfer.visit_url"


def test_openai_assistant_hosted_tools_by_string_and_function_tools(rulesets):
    found = facts(rulesets, """
        from autogen_ext.agents.openai import OpenAIAssistantAgent

        def lookup(key: str) -> str:
            return key

        helper = OpenAIAssistantAgent("helper", "d", client, "gpt-4o", "i", tools=["code_interpreter", "file_search", lookup, "retrieval"])
    """)
    assert held(found, "helper") == ["app.team.lookup", "code_interpreter", "file_search"]
    assert any(d.code == "unknown-tool-class" and '"retrieval"' in d.message for d in found.diagnostics)


def test_executors_decide_the_code_tools_gates_and_hygiene(rulesets):
    found = facts(rulesets, """
        from autogen_agentchat.agents import AssistantAgent, CodeExecutorAgent
        from autogen_ext.code_executors import create_default_code_executor
        from autogen_ext.code_executors.docker import DockerCommandLineCodeExecutor
        from autogen_ext.code_executors.local import LocalCommandLineCodeExecutor
        from autogen_ext.tools.code_execution import PythonCodeExecutionTool

        boxed = PythonCodeExecutionTool(DockerCommandLineCodeExecutor())
        local = PythonCodeExecutionTool(LocalCommandLineCodeExecutor())
        default = create_default_code_executor()
        runner = CodeExecutorAgent("runner", code_executor=default, approval_func=ask)
    """)
    tools = {t.id: t for t in found.tools}
    assert [g.kind for g in tools["app.team.boxed"].gates] == ["sandbox"]
    assert tools["app.team.local"].gates == ()
    runner = tools["app.team.runner.<execute_code>"]
    assert [(g.kind, g.detail) for g in runner.gates] == [("approval", "approval_func=ask")]
    details = sorted(h.detail for h in found.hygiene)
    assert details == ["LocalCommandLineCodeExecutor runs code on the host", "create_default_code_executor() runs the code on the host when Docker is not running"]


def test_magentic_one_is_its_four_agents_in_one_conversation(rulesets):
    found = facts(rulesets, """
        from autogen_ext.teams.magentic_one import MagenticOne

        m1 = MagenticOne(client)
    """)
    assert sorted(a.name for a in found.agents) == ["Coder", "ComputerTerminal", "FileSurfer", "WebSurfer"]
    assert held(found, "ComputerTerminal") == ["execute_code"]
    assert [(link.kind, len(link.members)) for link in found.links] == [("shared-context", 4)]
    assert [h.check for h in found.hygiene] == ["local-code-executor"]  # no code_executor: the default may be the host


def test_teams_share_with_nested_members_and_drop_the_human(rulesets):
    found = facts(rulesets, """
        from autogen_agentchat.agents import AssistantAgent, SocietyOfMindAgent, UserProxyAgent
        from autogen_agentchat.teams import RoundRobinGroupChat
        from autogen_agentchat.tools import AgentTool

        a = AssistantAgent("a", client)
        b = AssistantAgent("b", client)
        user = UserProxyAgent("user")
        inner = RoundRobinGroupChat([a, b, user])
        mind = SocietyOfMindAgent("mind", team=inner, model_client=client)
        boss = AssistantAgent("boss", client, tools=[AgentTool(mind)])
    """)
    kinds = [(link.kind, [m.qualname for m in link.members]) for link in found.links]
    assert ("shared-context", ["app.team.a", "app.team.b"]) in kinds
    supervisor = next(link for link in found.links if link.kind == "supervisor")
    assert supervisor.source.qualname == "app.team.mind"
    assert [d.code for d in found.diagnostics] == ["human-participant"]
    assert not any(a.name == "user" for a in found.agents)
    tool = next(t for t in found.tools if t.name == "mind")
    assert tool.invokes == Ref("app.team.mind", tool.invokes.location)


def test_mcp_workbench_and_server_tools_become_the_servers_tools(rulesets):
    found = facts(rulesets, """
        from autogen_agentchat.agents import AssistantAgent
        from autogen_ext.tools.mcp import McpWorkbench, SseServerParams, StdioServerParams, mcp_server_tools

        params = StdioServerParams(command="npx", args=["-y", "@modelcontextprotocol/server-filesystem", "/srv"])

        async def main():
            async with McpWorkbench(params) as wb:
                fs = AssistantAgent("fs", client, workbench=wb)
            remote = await mcp_server_tools(SseServerParams(url="https://tools.example.com/sse"))
            web = AssistantAgent("web", client, tools=remote)
            unknown = McpWorkbench(make_params())
    """)
    assert "write_file" in held(found, "fs") and any(t.server == "filesystem" for t in found.tools)
    assert held(found, "web") == ["remote/*"]
    assert any(d.code == "unresolved-server" for d in found.diagnostics)


CORE = """
    from autogen_core import AgentId, RoutedAgent, TopicId, TypeSubscription, default_subscription, message_handler, type_subscription
    from autogen_core.tool_agent import ToolAgent
    from autogen_core.tools import FunctionTool

    def fetch(url: str) -> str:
        return url

    def mail(to: str) -> str:
        return to

    @type_subscription(topic_type="research")
    class Researcher(RoutedAgent):
        def __init__(self, client, tools):
            super().__init__("r")
            self._tools = tools

        @message_handler
        async def on_task(self, message, ctx):
            await self.publish_message(message, topic_id=TopicId("writing", source="s"))
            await self.send_message(message, AgentId("checker", "default"))
            await self.publish_message(message, topic_id=TopicId(self._next, source="s"))

    class Writer(RoutedAgent):
        def __init__(self, client):
            super().__init__("w")
            self._tools = [FunctionTool(mail, description="Mail")]

    class Checker(RoutedAgent):
        pass

    async def main(runtime):
        web = [FunctionTool(fetch, description="Fetch")]
        await Researcher.register(runtime, "researcher", lambda: Researcher(client, web))
        writer = await Writer.register(runtime, "writer", lambda: Writer(client))
        await Checker.register(runtime, "checker", Checker)
        await ToolAgent.register(runtime, "tools", lambda: ToolAgent("runs tools", tools=[t.schema for t in web]))
        await runtime.add_subscription(TypeSubscription(topic_type="writing", agent_type=writer.type))
        registry.register(runtime, "x", lambda: Other())
"""


def test_core_registrations_are_agents_with_the_tools_their_factory_passes(rulesets):
    found = facts(rulesets, CORE)
    agents = {a.name: a for a in found.agents}
    assert sorted(agents) == ["checker", "researcher", "tools", "writer"]  # `registry.register` of no agent class is none
    assert held(found, "researcher") == ["app.team.Researcher.<tools>", "fetch"]  # the factory's tools, and the class's own
    assert held(found, "tools") == ["fetch"]  # [t.schema for t in web]: the tools themselves
    bindings = {b.qualname: b.value for b in found.bindings}
    assert [r.qualname for r in bindings["app.team.Writer.<tools>"].items] == ["app.team.Writer.<self>._tools"]
    assert bindings["app.team.Researcher.<tools>"] == Items(())  # its _tools come from its constructor
    assert [r.qualname for r in bindings["app.team.Researcher.<agents>"].items] == ["app.team.<agent researcher>"]


def test_core_messages_link_publisher_to_subscribers_and_sender_to_recipient(rulesets):
    found = facts(rulesets, CORE)
    links = sorted((link.source.qualname, [m.qualname for m in link.members], link.both_ways) for link in found.links)
    assert links == [
        ("app.team.Researcher.<agents>", ["app.team.<agent checker>"], True),  # send_message: the reply comes back
        ("app.team.Researcher.<agents>", ["app.team.<agent writer>"], False),  # TypeSubscription("writing", writer.type)
    ]
    assert any(d.code == "unresolved-topic" and "not known statically" in d.message for d in found.diagnostics)

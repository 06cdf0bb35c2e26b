"""The Haystack adapter on small sources: what each idiom records, and what it must not."""

from __future__ import annotations

import textwrap

import pytest

from riskscan.extract.python import extract
from riskscan.model import build
from riskscan.rulesets import load
from riskscan.types import SourceFile


@pytest.fixture(scope="module")
def rulesets():
    return load()


def facts(rulesets, source: str, path: str = "app/agent.py", module: str = "app.agent"):
    return extract(textwrap.dedent(source).encode(), SourceFile(path, "python", module), rulesets)


def system_of(rulesets, *files):
    return build("/x", list(files), rulesets)


def held(system, agent_name: str) -> dict[str, tuple[str, ...]]:
    """tool name -> its gate kinds, for the tools one agent holds."""
    tools = {t.id: t for t in system.tools}
    (agent,) = [a for a in system.agents if a.name == agent_name]
    return {tools[h.tool].name: tuple(sorted(g.kind for g in tools[h.tool].gates)) for h in agent.tools}


def flows(system, agent_name: str) -> set[tuple[str, str]]:
    names = {a.id: a.name for a in system.agents}
    (agent,) = [a for a in system.agents if a.name == agent_name]
    return {(h.kind, names[h.target]) for h in agent.handoffs}


def test_function_tools_toolsets_and_the_agent_named_by_its_variable(rulesets):
    found = facts(rulesets, """
        from haystack.components.agents import Agent
        from haystack.components.generators.chat import OpenAIChatGenerator
        from haystack.tools import Tool, Toolset, create_tool_from_function, tool

        @tool
        def search(query: str) -> str:
            "Search the docs."
            return query

        @tool(name="word_count", description="Count words.")
        def count(text: str) -> int:
            return len(text.split())

        def send(to: str) -> str:
            return to

        def shout(text: str) -> str:
            return text.upper()

        mail = Tool(name="send_mail", description="Send mail.", parameters={"type": "object"}, function=send)
        loud = create_tool_from_function(shout, name="shout_it")
        helper = Agent(chat_generator=OpenAIChatGenerator(), tools=Toolset([search, count, mail]) )
        other = Agent(chat_generator=OpenAIChatGenerator(), tools=[loud, tool(shout)])
    """)
    assert [(a.id, a.name, a.framework) for a in found.agents] == [("app.agent.helper", "helper", "haystack"), ("app.agent.other", "other", "haystack")]
    system = system_of(rulesets, found)
    assert held(system, "helper") == {"search": (), "word_count": (), "send_mail": ()}
    assert held(system, "other") == {"shout_it": (), "shout": ()}
    assert {t.name: t.description for t in system.tools}["word_count"] == "Count words."


def test_component_tools_are_catalogued_components_or_the_projects_own_run(rulesets):
    found = facts(rulesets, """
        import subprocess

        from haystack import component
        from haystack.components.agents import Agent
        from haystack.components.fetchers import LinkContentFetcher
        from haystack.tools import ComponentTool
        from haystack_integrations.tools.github import GitHubIssueCommenterTool

        @component
        class Shell:
            @component.output_types(out=str)
            def run(self, command: str):
                return {"out": subprocess.run(command, shell=True, capture_output=True, text=True).stdout}

        fetcher = LinkContentFetcher()
        agent = Agent(chat_generator=generator, tools=[
            ComponentTool(component=fetcher, name="fetch_page"),
            ComponentTool(component=Shell()),
            GitHubIssueCommenterTool(),
        ])
    """)
    assert {t.name: (t.builtin, t.function) for t in found.tools} == {
        "fetch": ("haystack.components.fetchers.LinkContentFetcher", None),  # the variable's own builtin fact
        "fetch_page": (None, None),  # the catalog's labels as its own, under its name
        "shell": (None, "app.agent.Shell.run"),
        "issue_commenter": ("haystack_integrations.tools.github.GitHubIssueCommenterTool", None),
    }
    system = system_of(rulesets, found)
    labels = {t.id: sorted(c.label for c in t.capabilities) for t in system.tools}
    assert labels["app.agent.<component tool fetch_page>"] == ["external_send", "untrusted_input"]
    assert [labels[t.id] for t in found.tools if t.name == "shell"] == [["code_exec"]]
    assert set(held(system, "agent")) == {"fetch_page", "shell", "issue_commenter"}


def test_agent_tool_is_agent_as_tool_and_mcp_toolsets_keep_the_named_tools(rulesets):
    found = facts(rulesets, """
        from haystack.components.agents import Agent
        from haystack.tools import AgentTool
        from haystack_integrations.tools.mcp import MCPTool, MCPToolset, StdioServerInfo, StreamableHttpServerInfo

        files = StdioServerInfo(command="npx", args=["-y", "@modelcontextprotocol/server-filesystem", "/srv"])
        reader = MCPToolset(server_info=files, tool_names=["read_text_file", "list_directory"])
        remote = MCPTool(name="lookup", server_info=StreamableHttpServerInfo(url="https://tools.example.com/mcp"))
        researcher = Agent(chat_generator=generator, tools=reader)
        boss = Agent(chat_generator=generator, tools=[AgentTool(agent=researcher, name="research", description="Ask the researcher."), remote])
    """)
    system = system_of(rulesets, found)
    assert held(system, "researcher") == {"read_text_file": (), "list_directory": ()}
    assert held(system, "boss") == {"research": (), "lookup": ()}
    assert {t.name: t.invokes_agent for t in system.tools}["research"] == "app.agent.researcher"


CONFIRMED = """
    from haystack.components.agents import Agent
    from haystack.hooks.human_in_the_loop import (
        AlwaysAskPolicy, AskOncePolicy, BlockingConfirmationStrategy, ConfirmationHook, NeverAskPolicy, RichConsoleUI,
    )
    from haystack.tools import tool

    @tool
    def delete_file(path: str) -> str:
        "Delete a file."
        return path

    @tool
    def move_file(path: str) -> str:
        "Move a file."
        return path

    @tool
    def read_file(path: str) -> str:
        "Read a file."
        return path
"""


def test_confirmation_hooks_put_approval_gates_on_the_tools_they_ask_for(rulesets):
    found = facts(rulesets, CONFIRMED + """
    always = BlockingConfirmationStrategy(confirmation_policy=AlwaysAskPolicy(), confirmation_ui=RichConsoleUI())
    hook = ConfirmationHook(confirmation_strategies={
        "delete_file": always,
        ("move_file",): BlockingConfirmationStrategy(confirmation_policy=AskOncePolicy(), confirmation_ui=RichConsoleUI()),
        "read_file": BlockingConfirmationStrategy(confirmation_policy=NeverAskPolicy(), confirmation_ui=RichConsoleUI()),
    })
    agent = Agent(chat_generator=generator, tools=[delete_file, move_file, read_file], hooks={"before_tool": [hook]})
    """)
    system = system_of(rulesets, found)
    assert held(system, "agent") == {"delete_file": ("approval",), "move_file": ("approval",), "read_file": ()}
    details = {t.name: [g.detail for g in t.gates] for t in system.tools}
    assert details["move_file"] == ["BlockingConfirmationStrategy with AskOncePolicy for 'move_file'"]


def test_haystack_2_confirmation_strategies_on_the_agent_and_a_custom_strategy(rulesets):
    found = facts(rulesets, CONFIRMED.replace("haystack.hooks.human_in_the_loop", "haystack.human_in_the_loop") + """
    agent = Agent(chat_generator=generator, tools=[delete_file, read_file], confirmation_strategies={
        "*": BlockingConfirmationStrategy(confirmation_policy=AlwaysAskPolicy(), confirmation_ui=RichConsoleUI()),
    })
    loose = Agent(chat_generator=generator, tools=[move_file], confirmation_strategies={"move_file": MyStrategy()})
    """)
    system = system_of(rulesets, found)
    assert held(system, "agent") == {"delete_file": ("approval",), "read_file": ("approval",)}
    assert held(system, "loose") == {"move_file": ()}
    assert [d.code for d in found.diagnostics] == ["unresolved-gate"]


def test_a_pipeline_carries_context_along_its_connections(rulesets):
    found = facts(rulesets, """
        from haystack import Pipeline
        from haystack.components.agents import Agent
        from haystack.components.builders import ChatPromptBuilder
        from haystack.components.retrievers.in_memory import InMemoryBM25Retriever
        from haystack.components.tools import ToolInvoker
        from haystack.tools import PipelineTool, tool
        from haystack_integrations.components.connectors.github import GitHubIssueViewer

        @tool
        def comment(text: str) -> str:
            "Comment."
            return text

        reviewer = Agent(chat_generator=generator, tools=[comment])
        pipe = Pipeline()
        pipe.add_component("issue", GitHubIssueViewer())
        pipe.add_component("builder", ChatPromptBuilder(template=[]))
        pipe.add_component("triage", Agent(chat_generator=generator))
        pipe.add_component("reviewer", reviewer)
        pipe.connect("issue.documents", "builder.documents")
        pipe.connect("builder.prompt", "triage.messages")
        pipe.connect("triage.last_message", "reviewer.messages")

        rag = Pipeline()
        rag.add_components({"retriever": InMemoryBM25Retriever(document_store=store), "invoker": ToolInvoker(tools=[comment])})
        rag.connect_many([("retriever.documents", "invoker.messages")])
        ask = PipelineTool(pipeline=rag, name="ask_docs", description="Ask the docs.")
        boss = Agent(chat_generator=generator, tools=[ask])
    """)
    system = system_of(rulesets, found)
    assert held(system, "triage") == {"issue": ()}  # the issue viewer feeds its messages: a tool named after the component
    assert flows(system, "triage") == {("task-context", "reviewer")} and flows(system, "reviewer") == set()
    assert held(system, "invoker") == {"comment": (), "retriever": ()}
    tools = {t.name: t for t in system.tools}
    assert sorted(c.label for c in tools["ask_docs"].capabilities) == ["private_data"]
    assert tools["ask_docs"].invokes_agent == "app.agent.<agent tool_invoker>"


def test_a_tool_subclass_runs_the_method_its_init_hands_to_tool(rulesets):
    found = facts(rulesets, """
        import subprocess

        from haystack.components.agents import Agent
        from haystack.tools import SkillToolset, Tool

        class BashTool(Tool):
            def __init__(self, timeout: int = 60) -> None:
                self._timeout = timeout
                super().__init__(name="bash", description="Run bash.", parameters={"type": "object"}, function=self._run)

            def _run(self, command: str) -> str:
                return subprocess.run(command, shell=True, capture_output=True, text=True).stdout

        agent = Agent(chat_generator=generator, tools=[BashTool(), SkillToolset(store)])
    """)
    assert [(t.id, t.name, t.function) for t in found.tools if t.name == "bash"] == [("app.agent.BashTool", "bash", "app.agent.BashTool._run")]
    system = system_of(rulesets, found)
    assert held(system, "agent") == {"bash": (), "load_skill": ()}
    assert {t.name: sorted(c.label for c in t.capabilities) for t in system.tools}["bash"] == ["code_exec"]


def test_an_upstream_fetcher_hands_an_agent_what_it_read_but_not_its_way_out(rulesets):
    found = facts(rulesets, """
        from haystack import Pipeline
        from haystack.components.agents import Agent
        from haystack.components.converters import HTMLToDocument
        from haystack.components.fetchers import LinkContentFetcher

        fetcher = LinkContentFetcher()
        pipe = Pipeline()
        pipe.add_component("fetcher", fetcher)
        pipe.add_component("converter", HTMLToDocument())
        pipe.add_component("summarizer", Agent(chat_generator=generator))
        pipe.connect("fetcher.streams", "converter.sources")
        pipe.connect("converter.documents", "summarizer.messages")
    """)
    system = system_of(rulesets, found)
    assert held(system, "summarizer") == {"fetcher": ()}
    (fed,) = [t for t in system.tools if t.id.endswith(".<input fetcher>")]
    assert [c.label for c in fed.capabilities] == ["untrusted_input"]

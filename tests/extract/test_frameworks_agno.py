"""The Agno adapter on small sources: what each idiom records, and what it must not."""

from __future__ import annotations

import textwrap

import pytest

from riskscan.extract.python import extract
from riskscan.model import build
from riskscan.rulesets import load
from riskscan.types import Items, Ref, SourceFile


@pytest.fixture(scope="module")
def rulesets():
    return load()


def facts(rulesets, source: str, path: str = "app/agent.py", module: str = "app.agent"):
    return extract(textwrap.dedent(source).encode(), SourceFile(path, "python", module), rulesets)


def flat(value):
    if isinstance(value, Items):
        for item in value.items:
            yield from flat(item)
    else:
        yield value


def held(found, agent_name):
    """The names of the tools of this file an agent holds, with their gates' kinds."""
    tools = {t.id: t for t in found.tools}
    agent = next(a for a in found.agents if a.name == agent_name)
    return sorted((tools[r.qualname].name, tuple(g.kind for g in tools[r.qualname].gates))
                  for v in agent.tools for r in flat(v) if isinstance(r, Ref) and r.qualname in tools)


def test_plain_functions_tool_decorators_and_function_wrappers_are_tools(rulesets):
    found = facts(rulesets, """
        from agno.agent import Agent
        from agno.tools import Function, tool
        from agno.run import RunContext

        def lookup(run_context: RunContext, key: str) -> str:
            "Look a key up."
            return key

        @tool(name="fetcher", description="Fetch a page.")
        def fetch(url: str) -> str:
            return url

        def shout(text: str) -> str:
            return text.upper()

        def unused(x: str) -> str:
            return x

        agent = Agent(name="helper", tools=[lookup, fetch, Function.from_callable(shout)])
    """)
    tools = {t.name: t for t in found.tools}
    assert set(tools) == {"lookup", "fetcher", "shout"}
    assert tools["lookup"].params == ("key",) and tools["lookup"].description == "Look a key up."
    assert tools["fetcher"].description == "Fetch a page."
    (agent,) = found.agents
    assert (agent.name, agent.framework) == ("helper", "agno")


def test_confirmation_user_input_and_approval_are_gates_external_execution_is_not(rulesets):
    found = facts(rulesets, """
        from agno.agent import Agent
        from agno.approval import approval
        from agno.tools import tool

        @tool(requires_confirmation=True)
        def delete(path: str) -> None: ...

        @tool(requires_user_input=True, user_input_fields=["to"])
        def send(to: str, body: str) -> None: ...

        @approval
        @tool
        def pay(amount: int) -> None: ...

        @approval(type="audit")
        @tool(stop_after_tool_call=True)
        def log(text: str) -> None: ...

        @tool(external_execution=True)
        def deploy(ref: str) -> None: ...

        agent = Agent(tools=[delete, send, pay, log, deploy])
    """)
    gates = {t.name: [g.detail for g in t.gates] for t in found.tools}
    assert gates == {
        "delete": ["requires_confirmation=True: the run pauses until the user confirms the call"],
        "send": ["requires_user_input=True: the run pauses for the user to fill in its arguments (to)"],
        "pay": ["@approval: the run waits until the approval is resolved"],
        "log": [],
        "deploy": [],
    }
    assert [d.code for d in found.diagnostics] == ["gate-not-modelled"]


def test_a_built_in_toolkit_gives_the_tools_its_flags_enable_and_the_gates_it_names(rulesets):
    found = facts(rulesets, """
        from agno.agent import Agent
        from agno.tools.file import FileTools
        from agno.tools.shell import ShellTools
        from agno.tools.yfinance import YFinanceTools

        files = Agent(name="files", tools=[FileTools(enable_delete_file=True, exclude_tools=["search_files", "search_content"], enable_list_files=False)])
        shell = Agent(name="shell", tools=[ShellTools(requires_confirmation_tools=["run_shell_command"])])
        money = Agent(name="money", tools=[YFinanceTools(all=True, enable_technical_indicators=False)])
        default = Agent(name="default", tools=[YFinanceTools()])
    """)
    assert held(found, "files") == [(n, ()) for n in ("delete_file", "read_file", "read_file_chunk", "replace_file_chunk", "save_file")]
    assert held(found, "shell") == [("run_shell_command", ("approval",))]
    assert [n for n, _ in held(found, "money")] == sorted(
        ["get_current_stock_price", "get_company_info", "get_stock_fundamentals", "get_income_statements", "get_key_financial_ratios",
         "get_analyst_recommendations", "get_company_news", "get_historical_stock_prices"])
    assert held(found, "default") == [("get_current_stock_price", ())]
    assert {t.builtin for t in found.tools if t.name == "run_shell_command"} == {"agno.tools.shell.ShellTools.run_shell_command"}


def test_a_toolkit_of_the_project_holds_the_methods_its_init_registers(rulesets):
    found = facts(rulesets, """
        from agno.agent import Agent
        from agno.tools import Toolkit

        class Notes(Toolkit):
            def __init__(self, root: str = "/srv", **kwargs):
                self.root = self.normalise(root)
                tools = [self.read_note]
                tools.append(self.write_note)
                super().__init__(name="notes", tools=tools, requires_confirmation_tools=["write_note"], **kwargs)

            def normalise(self, root: str) -> str:
                return root.rstrip("/")

            def read_note(self, name: str) -> str:
                "Read a note."
                return open(self.root + name).read()

            def write_note(self, name: str, text: str) -> str:
                return text

        agent = Agent(name="notes", tools=[Notes()])
        narrow = Agent(name="narrow", tools=[Notes(include_tools=["read_note"], requires_confirmation_tools=["read_note"])])
    """)
    tools = {t.id: t for t in found.tools}
    assert sorted((t.name, t.params, tuple(g.kind for g in t.gates)) for t in tools.values() if "<at" not in t.id) == [
        ("read_note", ("name",), ()), ("write_note", ("name", "text"), ("approval",))]
    bindings = {b.qualname: b.value for b in found.bindings}
    assert [r.qualname for r in bindings["app.agent.Notes.<instance>"].items] == ["app.agent.Notes.read_note", "app.agent.Notes.write_note"]
    assert held(found, "narrow") == [("read_note", ("approval",))]
    system = build("/x", [found], load())
    agent = next(a for a in system.agents if a.name == "notes")
    assert sorted(h.tool for h in agent.tools) == ["app.agent.Notes.read_note", "app.agent.Notes.write_note"]


def test_mcp_tools_from_a_command_line_a_url_server_params_and_multi_mcp(rulesets):
    found = facts(rulesets, """
        from agno.agent import Agent
        from agno.tools.mcp import MCPTools, MultiMCPTools, StreamableHTTPClientParams
        from mcp import StdioServerParameters

        fetch = MCPTools(command="uvx mcp-server-fetch", requires_confirmation_tools=["fetch"])
        files = MCPTools(server_params=StdioServerParameters(command="npx", args=["-y", "@modelcontextprotocol/server-filesystem", "/srv"]),
                         include_tools=["read_file"])
        remote = MCPTools(server_params=StreamableHTTPClientParams(url="https://tools.example.com/mcp"))
        unknown = MCPTools(command=COMMAND)
        folder = MCPTools(f"npx -y @modelcontextprotocol/server-filesystem {ROOT}")
        many = MultiMCPTools(["uvx mcp-server-time"], urls=["https://docs.example.com/mcp"])
        agent = Agent(tools=[fetch, files, remote, unknown, many])
    """)
    by_id = {t.id: t for t in found.tools}
    assert [g.kind for g in by_id["mcp:app/agent.py#fetch/fetch"].gates] == ["approval"]
    assert sorted(i for i in by_id if "#files/" in i) == ["mcp:app/agent.py#files/read_file"]
    assert "mcp:app/agent.py#remote/*" in by_id and "mcp:app/agent.py#unknown/*" in by_id
    assert any(t.server == "filesystem" for t in by_id.values() if t.id.startswith("mcp:app/agent.py#folder/"))
    assert "mcp:app/agent.py#many-2/*" in by_id and any(i.startswith("mcp:app/agent.py#many-1/") for i in by_id)
    assert [d.code for d in found.diagnostics] == ["unresolved-server"]


def test_a_team_supervises_its_members_and_may_share_their_interactions(rulesets):
    found = facts(rulesets, """
        from agno.agent import Agent
        from agno.team import Team

        a = Agent(name="a")
        b = Agent(name="b")
        plain = Team(name="plain", members=[a, b], mode="route")
        shared = Team(members=[a, b], share_member_interactions=True)
    """)
    links = sorted((link.kind, tuple(m.qualname for m in link.members), link.source.qualname if link.source else None) for link in found.links)
    assert links == [
        ("shared-context", ("app.agent.a", "app.agent.b"), None),
        ("supervisor", ("app.agent.a", "app.agent.b"), "app.agent.plain"),
        ("supervisor", ("app.agent.a", "app.agent.b"), "app.agent.shared"),
    ]
    assert sorted(a.name for a in found.agents) == ["a", "b", "plain", "shared"]


def test_knowledge_gives_the_search_tool_and_a_tool_body_running_an_agent_is_agent_as_tool(rulesets):
    found = facts(rulesets, """
        from agno.agent import Agent
        from app.team import writer

        researcher = Agent(name="researcher", knowledge=kb, update_knowledge=True)
        quiet = Agent(name="quiet", knowledge=kb, search_knowledge=False)

        def research(question: str) -> str:
            return researcher.run(question).content

        async def draft(topic: str) -> str:
            return (await writer.arun(topic)).content

        def shout(text: str) -> str:
            return text.upper()

        lead = Agent(name="lead", tools=[research, draft, shout])
    """)
    assert held(found, "researcher") == [("add_to_knowledge", ()), ("search_knowledge_base", ())]
    assert held(found, "quiet") == []
    invokes = {t.name: t.invokes.qualname if t.invokes else None for t in found.tools if t.function}
    assert invokes == {"research": "app.agent.researcher", "draft": "app.team.writer", "shout": None}


def test_a_file_without_agno_records_nothing(rulesets):
    found = facts(rulesets, """
        from toolkit import Toolkit, tool, Agent

        class Mine(Toolkit):
            def __init__(self):
                super().__init__(tools=[self.x])

            def x(self) -> str: ...

        @tool
        def f() -> str: ...

        agent = Agent(tools=[f, Mine()])
    """)
    assert (found.tools, found.agents) == ((), ())


def test_a_toolkit_of_agno_the_catalog_lacks_is_one_tool_labelled_by_its_name(rulesets):
    found = facts(rulesets, """
        from agno.agent import Agent
        from agno.tools.google.auth import AuthConfig
        from agno.tools.zoom import ZoomTools

        zoom = ZoomTools(account_id="x")
        auth = AuthConfig()
        agent = Agent(tools=[zoom])
    """)
    assert [(t.name, t.builtin) for t in found.tools] == [("ZoomTools", "agno.tools.zoom.ZoomTools")]
    system = build("/x", [found], load())
    assert [d.code for d in system.diagnostics] == ["unknown-tool-class"]


def test_a_callable_given_for_the_tools_or_the_members_stands_for_what_it_returns(rulesets):
    found = facts(rulesets, """
        from agno.agent import Agent
        from agno.team import Team

        def search(query: str) -> str:
            return query

        def tools_for(run_context):
            return [search]

        helper = Agent(name="helper")

        def members_for(run_context):
            return [helper]

        agent = Agent(name="dynamic", tools=tools_for)
        team = Team(name="team", members=members_for)
    """)
    agent = next(a for a in found.agents if a.name == "dynamic")
    assert [v.qualname for v in agent.tools] == ["app.agent.tools_for.<return>"]
    (link,) = found.links
    assert [m.qualname for m in link.members] == ["app.agent.members_for.<return>"]
    system = build("/x", [found], load())
    dynamic = next(a for a in system.agents if a.name == "dynamic")
    assert [h.tool for h in dynamic.tools] == ["app.agent.search"]
    assert [(h.kind, h.target) for h in next(a for a in system.agents if a.name == "team").handoffs] == [("supervisor", "app.agent.helper")]


def test_one_risk_through_a_toolkit_is_one_finding_naming_its_tools(tmp_path):
    # GithubTools gives a dozen tools that write: one toolkit call is one group, as one MCP server is
    from riskscan.scan import scan

    (tmp_path / "agent.py").write_text(textwrap.dedent("""
        from agno.agent import Agent
        from agno.tools.github import GithubTools

        maintainer = Agent(name="maintainer", tools=[GithubTools()])
    """))
    report = scan(str(tmp_path))
    rs103 = [f for f in report.findings if f.rule_id == "RS103"]
    assert len(rs103) == 1 and len(rs103[0].sinks) > 1
    assert "tools of toolkit `GithubTools`" in rs103[0].message

"""The DSPy adapter on small sources: what each idiom records, and what it must not."""

from __future__ import annotations

import textwrap

import pytest

from riskscan.extract.python import extract
from riskscan.model import build
from riskscan.rulesets import load
from riskscan.types import Items, Location, Opaque, Ref, SourceFile


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


def test_react_holds_plain_functions_and_wrapped_tools_and_is_named_by_its_variable(rulesets):
    found = facts(rulesets, """
        import dspy
        from dspy import Tool

        def search(query: str) -> str:
            "Search."
            return query

        def send(to: str) -> str:
            return to

        agent = dspy.ReAct("question -> answer", tools=[search, Tool(send, name="mail", desc="Send mail.")])
        second = dspy.ReActV2("question -> answer", [search])
    """)
    assert [(a.id, a.name, a.framework) for a in found.agents] == [("app.agent.agent", "agent", "dspy"), ("app.agent.second", "second", "dspy")]
    assert [(t.name, t.description, t.function) for t in found.tools] == [("mail", "Send mail.", "app.agent.send")]
    system = system_of(rulesets, found)
    assert held(system, "agent") == {"search": (), "mail": ()}
    assert held(system, "second") == {"search": ()}


def test_an_agent_stored_on_self_is_the_class_attribute_and_bound_methods_are_its_tools(rulesets):
    found = facts(rulesets, """
        import dspy

        class Store:
            def search(self, query: str) -> str:
                return query

        def clock() -> str:
            return "now"

        class Desk(dspy.Module):
            def __init__(self):
                super().__init__()
                self.store = Store()
                self.tools = [self.store.search, self.remember]
                self.react = dspy.ReAct("request -> reply", tools=self.tools + [clock])

            def remember(self, text: str) -> str:
                return text

            def forward(self, request):
                return self.react(request=request)
    """)
    assert [(a.id, a.name) for a in found.agents] == [("app.agent.Desk.react", "Desk.react")]
    system = system_of(rulesets, found)
    assert held(system, "Desk.react") == {"search": (), "remember": (), "clock": ()}
    assert not [d for d in system.diagnostics if d.code == "unresolved-tool"]


def test_a_tool_running_an_agent_or_a_module_holding_one_is_agent_as_tool(rulesets):
    found = facts(rulesets, """
        import dspy

        def fetch(url: str) -> str:
            return url

        researcher = dspy.ReAct("q -> notes", tools=[fetch])

        class Writer(dspy.Module):
            def __init__(self):
                self.agent = dspy.ReAct("notes -> text", tools=[fetch])

        writer = Writer()

        def ask(question: str) -> str:
            return researcher(question=question).notes

        async def draft(notes: str) -> str:
            return (await writer.acall(notes=notes)).text

        def count(text: str) -> int:
            return len(text)

        boss = dspy.ReAct("q -> a", tools=[ask, draft, count])
        direct = dspy.ReAct("q -> a", tools=[Writer(), researcher])
    """)
    invokes = {t.name: t.invokes for t in found.tools}
    assert invokes == {"ask": Ref("app.agent.researcher", Location("app/agent.py", 16, 12)),
                       "draft": Ref("app.agent.writer", Location("app/agent.py", 19, 19))}
    bindings = {b.qualname: b.value for b in found.bindings}
    assert bindings["app.agent.Writer.<instance>"] == Items((Ref("app.agent.Writer.agent", Location("app/agent.py", 11, 22)),))
    system = system_of(rulesets, found)
    tools = {t.name: t for t in system.tools}
    assert (tools["ask"].invokes_agent, tools["draft"].invokes_agent, tools["count"].invokes_agent) == ("app.agent.researcher", "app.agent.Writer.agent", None)
    (direct,) = [a for a in system.agents if a.name == "direct"]
    assert sorted((h.target, h.kind) for h in direct.handoffs) == [("app.agent.Writer.agent", "agent-as-tool"), ("app.agent.researcher", "agent-as-tool")]


def test_code_modules_run_model_code_in_the_sandbox_by_default_and_on_the_host_with_local_interpreter(rulesets):
    found = facts(rulesets, """
        import dspy
        from dspy import LocalInterpreter, PythonInterpreter

        def fetch(url: str) -> str:
            return url

        pot = dspy.ProgramOfThought("q -> a")
        rlm = dspy.RLM("context, q -> a", tools=[fetch], interpreter_factory=lambda: PythonInterpreter(enable_network_access=["api.example.com"]))
        local = dspy.RLM("q -> a", interpreter_factory=LocalInterpreter)
        unknown = dspy.RLM("q -> a", interpreter_factory=make_sandbox)
    """)
    code = {t.id.rsplit(".", 2)[-2]: t for t in found.tools if t.name == "python_code"}
    assert [g.detail for g in code["pot"].gates] == ["PythonInterpreter (the default) runs code in Deno/Pyodide, a WASM sandbox"]
    assert [g.detail for g in code["rlm"].gates] == ["PythonInterpreter runs code in Deno/Pyodide, a WASM sandbox (enable_network_access open it up)"]
    assert code["local"].gates == () and code["unknown"].gates == ()
    assert all([c.label for c in t.capabilities] == ["code_exec"] for t in code.values())
    assert [(h.check, h.subject, h.location.line) for h in found.hygiene] == [("local-code-executor", "local", 10)]
    assert [(d.code, d.location.line) for d in found.diagnostics] == [("unresolved-executor", 11)]
    system = system_of(rulesets, found)
    assert held(system, "rlm") == {"fetch": (), "python_code": ("sandbox",)}  # RLM's tools run on the host


def test_configure_sets_the_interpreter_of_modules_without_their_own(rulesets):
    found = facts(rulesets, """
        import dspy

        pot = dspy.ProgramOfThought("q -> a")
        dspy.configure(lm=dspy.LM("openai/gpt-4o"), interpreter_factory=dspy.LocalInterpreter)
    """)
    (code,) = found.tools
    assert code.gates == ()
    assert [(h.check, h.location.line) for h in found.hygiene] == [("local-code-executor", 5)]


def test_codeact_runs_its_tools_inside_its_interpreter(rulesets):
    found = facts(rulesets, """
        import dspy
        from app.tools import imported

        def fetch(url: str) -> str:
            return url

        act = dspy.CodeAct("task -> result", tools=[fetch, imported])
        react = dspy.ReAct("task -> result", tools=[fetch])
    """)
    tools = facts(rulesets, """
        def imported(path: str) -> str:
            return open(path).read()
    """, "app/tools.py", "app.tools")
    system = system_of(rulesets, found, tools)
    assert held(system, "act") == {"python_code": ("sandbox",), "fetch": ("sandbox",), "imported": ()}
    assert held(system, "react") == {"fetch": ()}  # the same function, held outside CodeAct
    assert [d.code for d in found.diagnostics] == ["partial-gate"]


def test_an_interpreter_handed_over_as_a_tool_is_the_catalogued_builtin(rulesets):
    found = facts(rulesets, """
        import dspy

        agent = dspy.ReAct("q -> a", tools=[dspy.PythonInterpreter(), dspy.LocalInterpreter()])
    """)
    system = system_of(rulesets, found)
    assert held(system, "agent") == {"PythonInterpreter": ("sandbox",), "LocalInterpreter": ()}
    assert {t.name: [c.label for c in t.capabilities] for t in system.tools} == {"PythonInterpreter": ["code_exec"], "LocalInterpreter": ["code_exec"]}


def test_mcp_tools_come_from_the_connection_of_the_function_or_else_the_file(rulesets):
    found = facts(rulesets, """
        import dspy
        from mcp import ClientSession, StdioServerParameters
        from mcp.client.stdio import stdio_client
        from mcp.client.streamable_http import streamablehttp_client

        params = StdioServerParameters(command="npx", args=["-y", "@modelcontextprotocol/server-filesystem", "/srv"])

        async def local():
            async with stdio_client(params) as (read, write):
                async with ClientSession(read, write) as session:
                    listed = await session.list_tools()
                    tools = [dspy.Tool.from_mcp_tool(session, t) for t in listed.tools]
                    files = dspy.ReAct("task -> result", tools=tools)

        async def remote():
            async with streamablehttp_client("https://tools.example.com/mcp") as (read, write):
                async with ClientSession(read, write) as session:
                    listed = await session.list_tools()
                    web = dspy.ReAct("task -> result", tools=[dspy.Tool.from_mcp_tool(session, t) for t in listed.tools])
    """)
    system = system_of(rulesets, found)
    assert {"read_text_file", "write_file", "move_file"} <= set(held(system, "files"))
    assert held(system, "web") == {"mcp/*": ()}  # the remote server, not catalogued: one opaque tool
    elsewhere = facts(rulesets, """
        import dspy

        def build(session, listed):
            return dspy.ReAct("q -> a", tools=[dspy.Tool.from_mcp_tool(session, t) for t in listed.tools])
    """)
    (agent,) = elsewhere.agents
    assert isinstance(agent.tools[0], Opaque) and "no MCP client connection" in agent.tools[0].reason


def test_from_langchain_is_the_langchain_tool_and_other_modules_are_no_agents(rulesets):
    found = facts(rulesets, """
        import dspy
        from langchain_community.tools import DuckDuckGoSearchRun

        agent = dspy.ReAct("q -> a", tools=[dspy.Tool.from_langchain(DuckDuckGoSearchRun())])
        cot = dspy.ChainOfThought("q -> a")
        predict = dspy.Predict("q -> a")
    """)
    assert [a.name for a in found.agents] == ["agent"]
    system = system_of(rulesets, found)
    assert held(system, "agent") == {"duckduckgo_search": ()}

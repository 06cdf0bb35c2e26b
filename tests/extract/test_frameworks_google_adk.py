"""The Google ADK adapter on small sources: what each idiom records, and what it must not."""

from __future__ import annotations

import textwrap

import pytest

from riskscan.extract.python import extract
from riskscan.model import build
from riskscan.rulesets import load
from riskscan.types import Gate, Items, Location, Ref, SourceFile


@pytest.fixture(scope="module")
def rulesets():
    return load()


def facts(rulesets, source: str, path: str = "app/agent.py", module: str = "app.agent"):
    return extract(textwrap.dedent(source).encode(), SourceFile(path, "python", module), rulesets)


def system(rulesets, *files):
    return build("/x", [facts(rulesets, source, path, module) for source, path, module in files], rulesets)


def test_plain_functions_and_bare_builtins_in_a_tools_list_are_tools(rulesets):
    found = facts(rulesets, """
        import httpx
        from google.adk.agents import LlmAgent
        from google.adk.tools import ToolContext, google_search
        from google.adk.tools import load_memory as memory

        def fetch(url: str, tool_context: ToolContext) -> str:
            return httpx.get(url).text

        def note(text, tool_context):
            return text

        agent = LlmAgent(name="researcher", model="gemini-2.0-flash", tools=[google_search, fetch, note, memory])
    """)
    tools = {t.name: t for t in found.tools}
    assert sorted(tools) == ["fetch", "google_search", "load_memory", "note"]
    assert (tools["fetch"].params, tools["note"].params) == (("url",), ("text",))
    assert (tools["google_search"].builtin, tools["load_memory"].builtin) == ("google.adk.tools.google_search", "google.adk.tools.load_memory")
    assert tools["google_search"].location == Location("app/agent.py", 13, 70)
    (agent,) = found.agents
    assert (agent.id, agent.name, agent.framework) == ("app.agent.agent", "researcher", "google-adk")
    bindings = {b.qualname: b.value for b in found.bindings}
    assert bindings["app.agent.google_search"] == Ref("google.adk.tools.google_search", Location("app/agent.py", 4, 1))  # the import stays a name


def test_a_bare_builtin_in_a_list_of_another_module_reaches_the_agent(rulesets):
    built = system(
        rulesets,
        ("from google.adk.tools import url_context\nfrom google.adk.tools.load_web_page import load_web_page\nTOOLS = [url_context, load_web_page]\n", "app/tools.py", "app.tools"),
        ("from google.adk import Agent\nfrom app.tools import TOOLS\nroot = Agent(name='root', tools=TOOLS)\n", "app/agent.py", "app.agent"),
    )
    (root,) = built.agents
    tools = {t.id: t for t in built.tools}
    held = {tools[h.tool].name: {c.label for c in tools[h.tool].capabilities} for h in root.tools}
    assert held == {"url_context": {"untrusted_input"}, "load_web_page": {"untrusted_input", "external_send"}}


def test_sub_agents_are_transfer_targets_both_ways_and_workflow_agents_share_one_context(rulesets):
    built = system(rulesets, ("""
from google.adk.agents import Agent, LoopAgent, SequentialAgent

billing = Agent(name="billing")
support = Agent(name="support")
root = Agent(name="root", sub_agents=[billing, support])
writer = Agent(name="writer")
critic = Agent(name="critic")
loop = LoopAgent(name="refine", sub_agents=[writer, critic])
pipeline = SequentialAgent(name="pipeline", sub_agents=[loop])
""", "app/agent.py", "app.agent"))
    flows = {a.name: sorted((h.kind, h.target.rsplit(".", 1)[-1]) for h in a.handoffs) for a in built.agents}
    assert flows["root"] == [("transfer", "billing"), ("transfer", "support")]
    assert flows["billing"] == [("transfer", "root")]  # and to support only through root
    assert flows["writer"] == [("shared-context", "critic"), ("shared-context", "loop")]
    assert flows["refine"] == [("shared-context", "critic"), ("shared-context", "pipeline"), ("shared-context", "writer")]
    assert flows["pipeline"] == [("shared-context", "loop")]
    assert [t for t in built.tools] == []  # workflow agents hold no tools


def test_a_workflow_graph_shares_one_context_between_its_agent_nodes_only(rulesets):
    found = facts(rulesets, """
        from google.adk import Agent, Workflow
        from google.adk.workflow import START, Edge

        def route(text):
            return text

        triage = Agent(name="triage")
        refunds = Agent(name="refunds")
        answers = Agent(name="answers")
        flow = Workflow(name="desk", edges=[(START, triage, route, {"refund": refunds}), Edge(from_node=route, to_node=answers)])
    """)
    (link,) = found.links
    assert link.kind == "shared-context" and link.source is None
    assert [m.qualname for m in link.members] == ["app.agent.flow", "app.agent.triage", "app.agent.route", "app.agent.refunds", "app.agent.answers"]
    assert {a.name for a in found.agents} == {"triage", "refunds", "answers", "desk"}


def test_function_tools_and_their_confirmations_are_approval_gates(rulesets):
    found = facts(rulesets, """
        from google.adk.agents import Agent
        from google.adk.tools import FunctionTool, LongRunningFunctionTool, ToolContext

        def refund(order: str, amount: float, tool_context: ToolContext) -> str:
            if amount > 100 and not tool_context.tool_confirmation:
                tool_context.request_confirmation(hint="refund?")
                return "waiting"
            return order

        def delete(path: str) -> None: ...
        def pay(amount: float) -> None: ...
        def wait(ticket: str) -> str: ...

        def needs(amount: float) -> bool:
            return amount > 10

        agent = Agent(name="desk", tools=[
            refund,
            FunctionTool(delete, require_confirmation=True),
            FunctionTool(func=pay, require_confirmation=needs),
            FunctionTool(wait, require_confirmation=False),
            LongRunningFunctionTool(func=wait),
        ])
    """)
    gates = {t.id: [g.detail for g in t.gates] for t in found.tools}
    assert gates == {
        "app.agent.refund": ["tool_context.request_confirmation() in the tool's body"],
        "app.agent.delete.<tool>": ["require_confirmation=True"],
        "app.agent.pay.<tool>": ["require_confirmation=needs decides per call"],
        "app.agent.wait.<tool>": [],
        "app.agent.wait.<tool>#2": [],
    }
    assert {t.id: t.params for t in found.tools}["app.agent.refund"] == ("order", "amount")


def test_a_confirming_function_is_a_tool_for_agents_of_other_modules(rulesets):
    built = system(
        rulesets,
        ("from google.adk.tools import ToolContext\nimport os\n\ndef wipe(path: str, tool_context: ToolContext):\n    if not tool_context.tool_confirmation:\n        return tool_context.request_confirmation(hint=path)\n    os.remove(path)\n\ndef helper(x):\n    return x\n", "app/tools.py", "app.tools"),
        ("from google.adk import Agent\nfrom app.tools import wipe, helper\nroot = Agent(name='root', tools=[wipe, helper])\n", "app/agent.py", "app.agent"),
    )
    tools = {t.name: t for t in built.tools}
    assert [g.kind for g in tools["wipe"].gates] == ["approval"]
    assert tools["helper"].gates == ()
    assert {t.name for t in built.tools} == {"wipe", "helper"}


def test_a_wrapped_confirming_function_is_not_a_second_tool(rulesets):
    found = facts(rulesets, """
        from google.adk.agents import Agent
        from google.adk.tools import FunctionTool, ToolContext

        def wipe(path: str, tool_context: ToolContext):
            tool_context.request_confirmation(hint=path)

        agent = Agent(name="ops", tools=[FunctionTool(wipe)])
    """)
    assert [(t.id, [g.kind for g in t.gates]) for t in found.tools] == [("app.agent.wipe.<tool>", ["approval"])]


def test_agent_tool_runs_the_agent_and_is_named_after_it(rulesets):
    found = facts(rulesets, """
        from google.adk.agents import Agent
        from google.adk.tools.agent_tool import AgentTool
        from app.team import writer

        search = Agent(name="search_agent")
        root = Agent(name="root", tools=[AgentTool(agent=search), AgentTool(writer)])
    """)
    tools = {t.name: t.invokes for t in found.tools}
    assert tools == {"search_agent": Ref("app.agent.search", Location("app/agent.py", 7, 50)), "writer": Ref("app.team.writer", Location("app/agent.py", 7, 69))}


def test_mcp_toolsets_give_catalogued_project_or_opaque_tools(rulesets):
    found = facts(rulesets, """
        import os
        from google.adk.agents import LlmAgent
        from google.adk.tools.mcp_tool import McpToolset, StdioConnectionParams, StreamableHTTPConnectionParams
        from google.adk.tools.mcp_tool.mcp_toolset import MCPToolset, StdioServerParameters

        fs_params = StdioServerParameters(command="npx", args=["-y", "@modelcontextprotocol/server-filesystem", "/srv"])
        files = McpToolset(connection_params=StdioConnectionParams(server_params=fs_params), tool_filter=["read_file", "list_directory"])
        notes = MCPToolset(connection_params=StdioServerParameters(command="python", args=["servers/notes.py"]), require_confirmation=True)
        remote = McpToolset(connection_params=StreamableHTTPConnectionParams(url="https://tools.example.com/mcp"), tool_filter=lambda tool, ctx=None: True)
        unknown = McpToolset(connection_params=make_params())
        agent = LlmAgent(name="ops", tools=[files, notes, remote, unknown])
    """)
    by_id = {t.id: t for t in found.tools}
    assert sorted(t.name for t in found.tools if t.server == "filesystem") == ["list_directory", "read_file"]
    notes = by_id["mcp:app/agent.py#notes/*"]
    assert (notes.launches, [g.detail for g in notes.gates]) == ("servers/notes.py", ["require_confirmation=True"])
    assert by_id["mcp:app/agent.py#remote/*"].launches is None
    codes = {d.code for d in found.diagnostics}
    assert {"unresolved-filter", "unresolved-server"} <= codes
    assert "mcp:app/agent.py#unknown/*" in by_id


def test_code_executors_are_the_agent_s_code_tool_sandboxed_or_on_the_host(rulesets):
    found = facts(rulesets, """
        from google.adk.agents import Agent
        from google.adk.code_executors import BuiltInCodeExecutor, UnsafeLocalCodeExecutor

        local = UnsafeLocalCodeExecutor()
        analyst = Agent(name="analyst", code_executor=BuiltInCodeExecutor())
        hacker = Agent(name="hacker", code_executor=local)
        other = Agent(name="other", code_executor=make_executor())
        plain = Agent(name="plain")
    """)
    tools = {t.id: t.builtin for t in found.tools}
    assert tools == {
        "app.agent.analyst.<code_executor>": "google.adk.code_executors.BuiltInCodeExecutor",
        "app.agent.hacker.<code_executor>": "google.adk.code_executors.UnsafeLocalCodeExecutor",
        "app.agent.other.<code_executor>": "google.adk.code_executors.UnsafeLocalCodeExecutor",
    }
    assert [(h.check, h.subject) for h in found.hygiene] == [("local-code-executor", "hacker"), ("local-code-executor", "other")]
    assert "unresolved-executor" in {d.code for d in found.diagnostics}
    built = build("/x", [found], rulesets)
    gates = {t.id: [g.kind for g in t.gates] for t in built.tools}
    assert gates["app.agent.analyst.<code_executor>"] == ["sandbox"]
    assert gates["app.agent.hacker.<code_executor>"] == []


def test_before_tool_callback_gates_only_what_it_can_stop(rulesets):
    found = facts(rulesets, """
        from google.adk.agents import Agent
        from app.callbacks import imported_check

        def block_mail(tool, args, tool_context):
            if tool.name in ("send_email", "forward"):
                if not args["to"].endswith("@corp.example"):
                    return {"error": "outside recipients need a human"}
            return None

        def check_all(tool, args, tool_context):
            if args.get("dry_run"):
                return {"result": "skipped"}

        def log(tool, args, tool_context):
            print(tool.name)

        def no_payments(tool, args, tool_context):
            if tool.name == "pay": return {"error": "payments need a human"}

        a = Agent(name="a", before_tool_callback=block_mail)
        b = Agent(name="b", before_tool_callback=[log, check_all])
        c = Agent(name="c", before_tool_callback=imported_check)
        d = Agent(name="d", before_tool_callback=no_payments)
    """)
    gates = {a.name: [(name, g.kind, g.detail) for name, g in a.tool_gates] for a in found.agents}
    assert gates["a"] == [
        ("forward", "guardrail", "before_tool_callback block_mail may answer instead of the tool when forward is called"),
        ("send_email", "guardrail", "before_tool_callback block_mail may answer instead of the tool when send_email is called"),
    ]
    assert gates["b"] == [("*", "guardrail", "before_tool_callback check_all may answer instead of the tool")]
    assert gates["c"] == []
    assert gates["d"] == [("pay", "guardrail", "before_tool_callback no_payments may answer instead of the tool when pay is called")]
    messages = {d.code: d.message for d in found.diagnostics}
    assert "log never returns a result" in messages["callback-not-a-gate"]
    assert "imported_check is not a function of this file" in messages["unresolved-callback"]


def test_bash_and_environment_tools_carry_their_gates(rulesets):
    found = facts(rulesets, """
        from google.adk.agents import Agent
        from google.adk.environment import LocalEnvironment
        from google.adk.integrations.e2b import E2BEnvironment
        from google.adk.tools.bash_tool import BashToolPolicy, ExecuteBashTool
        from google.adk.tools.environment import EnvironmentToolset

        agent = Agent(name="ops", tools=[
            ExecuteBashTool(policy=BashToolPolicy(allowed_command_prefixes=("ls", "git status"))),
            ExecuteBashTool(),
            EnvironmentToolset(environment=E2BEnvironment()),
            EnvironmentToolset(environment=LocalEnvironment()),
        ])
    """)
    gates = sorted(tuple(g.detail for g in t.gates) for t in found.tools)
    assert gates == [
        (),
        ("EnvironmentToolset runs commands in a E2BEnvironment",),
        ("ExecuteBashTool asks the user to confirm every command",),
        ("ExecuteBashTool asks the user to confirm every command", "BashToolPolicy allows only commands starting with ls, git status"),
    ]
    assert [h.check for h in found.hygiene] == ["local-code-executor"]


def test_toolset_get_tools_a_wrapped_catalogued_function_and_a_remote_agent(rulesets):
    found = facts(rulesets, """
        from google.adk.agents import Agent
        from google.adk.agents.remote_a2a_agent import RemoteA2aAgent
        from google.adk.tools import FunctionTool
        from google.adk.tools.google_api_tool import GmailToolset
        from google.adk.tools.load_web_page import load_web_page

        gmail = GmailToolset(client_id="x", client_secret="y")
        helper = RemoteA2aAgent(name="partner", agent_card="https://partner.example/.well-known/agent.json")
        root = Agent(name="root", tools=gmail.get_tools() + [FunctionTool(load_web_page)], sub_agents=[helper])
    """)
    builtins = sorted(t.builtin for t in found.tools)
    assert builtins == ["google.adk.agents.remote_a2a_agent.RemoteA2aAgent", "google.adk.tools.google_api_tool.GmailToolset", "google.adk.tools.load_web_page.load_web_page"]
    root = {a.name: a for a in found.agents}["root"]
    (tools,) = root.tools
    assert isinstance(tools, Items) and tools.items[0] == Ref("app.agent.gmail", Location("app/agent.py", 10, 33))
    assert {a.name for a in found.agents} == {"root", "partner"}


def test_unrelated_calls_and_names_record_nothing(rulesets):
    found = facts(rulesets, """
        from google.adk.runners import Runner
        from google.adk.sessions import InMemorySessionService
        from myproject.agents import Agent

        def google_search(q):
            return q

        runner = Runner(agent=None, app_name="x", session_service=InMemorySessionService())
        mine = Agent(name="not adk", tools=[google_search])
    """, "myproject/run.py", "myproject.run")
    assert (found.agents, found.tools, found.links, found.hygiene) == ((), (), (), ())


def test_a_gate_at_its_place(rulesets):
    found = facts(rulesets, """
        from google.adk.tools import FunctionTool
        def f(x): ...
        tool = FunctionTool(f, require_confirmation=True)
    """)
    assert found.tools[0].gates == (Gate("approval", "require_confirmation=True", Location("app/agent.py", 4, 45)),)


def test_a_function_that_runs_an_agent_tool_is_a_tool_running_that_agent(rulesets):
    found = facts(rulesets, """
        from google.adk.tools import ToolContext
        from google.adk.tools.agent_tool import AgentTool
        from app.team import sql_agent, pg_agent

        async def ask_database(question: str, tool_context: ToolContext):
            agent = sql_agent if tool_context.state.get("bq") else pg_agent
            return await AgentTool(agent=agent).run_async(args={"request": question}, tool_context=tool_context)

        def make_tool():
            return AgentTool(agent=sql_agent)
    """, "app/tools.py", "app.tools")
    tools = {t.id: t for t in found.tools}
    assert sorted(tools) == ["app.tools.<agent tool sql_agent>", "app.tools.ask_database"]  # the helper's tool is what it returns
    invokes = tools["app.tools.ask_database"].invokes
    assert isinstance(invokes, Items) and [r.qualname for r in invokes.items] == ["app.team.sql_agent", "app.team.pg_agent"]
    assert tools["app.tools.ask_database"].params == ("question",)


def test_toolsets_cut_down_to_reading_methods_keep_only_their_reading_labels(rulesets):
    built = system(rulesets, ("""
from google.adk.agents import Agent
from google.adk.tools.application_integration_tool import ApplicationIntegrationToolset
from google.adk.tools.google_api_tool import CalendarToolset, GmailToolset

calendar = CalendarToolset(client_id="x", client_secret="y", tool_filter=["calendar_events_get", "calendar_events_list"])
gmail = GmailToolset(client_id="x", client_secret="y", tool_filter=["gmail_users_messages_get", "gmail_users_messages_send"])
jira = ApplicationIntegrationToolset(project="p", location="l", connection="c", entity_operations={"Issues": ["GET", "LIST"]}, actions=["get_issue_by_key"])
everything = ApplicationIntegrationToolset(project="p", location="l", connection="c", entity_operations={"Issues": []})
agent = Agent(name="assistant", tools=[calendar, gmail, jira, everything])
""", "app/agent.py", "app.agent"))
    labels = sorted((t.name, tuple(sorted(c.label for c in t.capabilities))) for t in built.tools)
    assert labels == [
        ("application_integration", ("db_write", "external_send", "private_data", "untrusted_input")),
        ("application_integration", ("private_data", "untrusted_input")),
        ("calendar", ("private_data", "untrusted_input")),
        ("gmail", ("external_send", "private_data", "untrusted_input")),
    ]


def test_a_base_tool_subclass_is_a_tool_run_by_run_async(rulesets):
    found = facts(rulesets, """
        import subprocess
        from google.adk.agents import Agent
        from google.adk.tools import BaseTool, ToolContext

        class Shell(BaseTool):
            def __init__(self):
                super().__init__(name="shell", description="Run a command.")

            async def run_async(self, *, args, tool_context: ToolContext):
                return subprocess.run(args["command"], shell=True, capture_output=True).stdout

        agent = Agent(name="ops", tools=[Shell()])
    """)
    (tool,) = found.tools
    assert (tool.id, tool.function, tool.params) == ("app.agent.Shell", "app.agent.Shell.run_async", ("args",))
    built = build("/x", [found], rulesets)
    (ops,) = built.agents
    assert [h.tool for h in ops.tools] == ["app.agent.Shell"]
    assert "code_exec" in {c.label for c in built.tools[0].capabilities}

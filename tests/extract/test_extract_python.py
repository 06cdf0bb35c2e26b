"""The Python extractor on the fixture projects in fixtures/python/: exact facts, named and placed."""

from __future__ import annotations

from pathlib import Path

import pytest

from riskscan.extract.python import extract
from riskscan.rulesets import load
from riskscan.types import (
    AgentFact,
    ArgFlow,
    Atom,
    Binding,
    CallSite,
    Dispatch,
    Facts,
    Gate,
    Items,
    Location,
    Opaque,
    Ref,
    SourceFile,
    Term,
    ToolFact,
    When,
)

FIXTURES = Path(__file__).parents[2] / "fixtures" / "python"


@pytest.fixture(scope="module")
def rulesets():
    return load()


def facts_of(rulesets, case: str, path: str, module: str) -> Facts:
    data = (FIXTURES / case / path).read_bytes()
    return extract(data, SourceFile(path, "python", module), rulesets)


def by_id(items) -> dict:
    return {getattr(item, "id", None) or item.qualname: item for item in items}


def calls(facts: Facts, qualname: str) -> list[CallSite]:
    return list(by_id(facts.functions)[qualname].calls)


# --- OpenAI Agents SDK ---------------------------------------------------------------------------

TRIAGE = "openai_agents_triage"


def test_reexport_through_package_init(rulesets):
    facts = facts_of(rulesets, TRIAGE, "app/__init__.py", "app")
    loc = Location("app/__init__.py", 3, 1)
    assert Binding("app.lookup_order", Ref("app.tools.lookup_order", loc)) in facts.bindings
    assert Binding("app.send_email", Ref("app.tools.send_email", loc)) in facts.bindings


def test_decorated_function_tools(rulesets):
    facts = facts_of(rulesets, TRIAGE, "app/tools.py", "app.tools")
    assert facts.tools == (
        ToolFact(
            "app.tools.lookup_order",
            "lookup_order",
            "openai-agents",
            Location("app/tools.py", 14, 5),
            description="Look up an order by id.",
            function="app.tools.lookup_order",
            params=("order_id",),
        ),
        ToolFact(
            "app.tools.send_email",
            "email_customer",
            "openai-agents",
            Location("app/tools.py", 21, 5),
            description="Send an email to a customer.",
            function="app.tools.send_email",
            params=("to", "body"),
        ),
    )


def test_call_sites_resolve_instances_and_carry_parameters(rulesets):
    facts = facts_of(rulesets, TRIAGE, "app/tools.py", "app.tools")
    assert calls(facts, "app.tools.lookup_order") == [
        CallSite(
            ("requests.get",),
            Location("app/tools.py", 16, 16),
            (
                ArgFlow(0, None, ("order_id",), term=Term("concat", (
                    Term("lit", value="https://orders.internal.example.com"), Term("lit", value="/orders/"),
                    Term("param", value="order_id"),
                ))),
                ArgFlow(None, "timeout", (), "10"),
            ),
        )
    ]
    send = calls(facts, "app.tools.send_email")
    assert send[0] == CallSite(
        ("smtplib.SMTP.sendmail",),
        Location("app/tools.py", 23, 5),
        (
            ArgFlow(0, None, (), "desk@example.com"),
            ArgFlow(1, None, ("to",), term=Term("list", (Term("param", value="to"),))),
            ArgFlow(2, None, ("body",), term=Term("concat", (Term("lit", value="Subject: Your order\n\n"), Term("param", value="body")))),
        ),
    )
    report = calls(facts, "app.tools.run_report")
    assert [c.callee for c in report] == [("os.path.join",), ("subprocess.run",)]
    assert report[1].args[:2] == (ArgFlow(0, None, ("name",), term=report[1].args[0].term), ArgFlow(None, "shell", (), "True"))
    fetch = calls(facts, "app.tools.fetch_page")
    assert [c.callee for c in fetch] == [("requests.Session",), ("requests.Session.get",)]
    assert fetch[1].args == (ArgFlow(0, None, ("url",), term=Term("param", value="url")),)


def test_tools_list_built_in_a_loop_and_under_an_env_var(rulesets):
    facts = facts_of(rulesets, TRIAGE, "app/main.py", "app.main")
    path = "app/main.py"
    assert Binding(
        "app.main.support_tools",
        Items(
            (
                Ref("app.lookup_order", Location(path, 15, 18)),
                Ref("app.tools.fetch_page", Location(path, 17, 26)),
                When(Ref("app.tools.run_report", Location(path, 19, 26)), (Atom("env.ENABLE_REPORTS", "1"),)),
            )
        ),
    ) in facts.bindings
    tools = by_id(facts.tools)
    assert tools["app.tools.fetch_page"] == ToolFact(
        "app.tools.fetch_page", "fetch_page", "openai-agents", Location(path, 17, 26), function="app.tools.fetch_page"
    )
    assert tools["app.tools.run_report"].gates == (Gate("approval", "needs_approval=True", Location(path, 19, 56)),)


def test_agents_with_aliased_imports_handoffs_and_agent_as_tool(rulesets):
    facts = facts_of(rulesets, TRIAGE, "app/main.py", "app.main")
    path = "app/main.py"
    agents = by_id(facts.agents)
    assert set(agents) == {"app.main.billing_agent", "app.main.research_agent", "app.main.triage_agent"}
    assert agents["app.main.billing_agent"] == AgentFact(
        "app.main.billing_agent",
        "Billing",
        "openai-agents",
        Location(path, 21, 17),
        tools=(Items((Ref("app.main.support_tools", Location(path, 24, 11)), Ref("app.send_email", Location(path, 24, 28)))),),
    )
    web = "app.main.<builtin agents.WebSearchTool>"
    assert agents["app.main.research_agent"].tools == (Items((Ref(web, Location(path, 27, 78)),)),)
    assert by_id(facts.tools)[web] == ToolFact(
        web, "WebSearchTool", "openai-agents", Location(path, 27, 78), builtin="agents.WebSearchTool"
    )
    triage = agents["app.main.triage_agent"]
    assert triage.handoffs == (Items((Ref("app.main.billing_agent", Location(path, 32, 23)),)),)
    assert triage.tools == (Items((Ref("app.main.<agent tool research>", Location(path, 33, 12)),)),)
    assert by_id(facts.tools)["app.main.<agent tool research>"] == ToolFact(
        "app.main.<agent tool research>",
        "research",
        "openai-agents",
        Location(path, 33, 12),
        description="Research a question on the web.",
        invokes=Ref("app.main.research_agent", Location(path, 33, 12)),
    )


# --- MCP Python SDK ------------------------------------------------------------------------------


def test_fastmcp_server_from_the_mcp_sdk(rulesets):
    facts = facts_of(rulesets, "fastmcp_server", "notes_server.py", "notes_server")
    path = "notes_server.py"
    assert facts.tools == (
        ToolFact(
            "notes_server.read_note",
            "read_note",
            "mcp-sdk",
            Location(path, 16, 5),
            description="Read a note by title.",
            function="notes_server.read_note",
            params=("title",),
        ),
        ToolFact(
            "notes_server.delete_note",
            "delete",
            "mcp-sdk",
            Location(path, 22, 11),
            description="Delete a note.",
            function="notes_server.delete_note",
            params=("title",),  # ctx: Context is filled by the SDK, not the model
        ),
        ToolFact(
            "notes_server.shell",
            "shell",
            "mcp-sdk",
            Location(path, 34, 5),
            description="Run a shell command.",
            function="notes_server.shell",
            params=("command",),
        ),
    )
    assert facts.agents == (
        AgentFact(
            "notes_server.mcp",
            "MCP server 'notes' (client context)",
            "mcp-sdk",
            Location(path, 12, 7),
            tools=(
                Items(
                    (
                        Ref("notes_server.read_note", Location(path, 16, 5)),
                        Ref("notes_server.delete_note", Location(path, 22, 11)),
                        When(Ref("notes_server.shell", Location(path, 34, 5)), (Atom("env.NOTES_SHELL"),)),
                    )
                ),
            ),
        ),
    )
    assert [c.callee for c in calls(facts, "notes_server.read_note")] == [("pathlib.Path.read_text",)]
    assert [c.callee for c in calls(facts, "notes_server.delete_note")] == [
        ("mcp.server.fastmcp.Context.info",),
        ("os.remove",),
        ("os.path.join",),
    ]


def test_standalone_fastmcp_package(rulesets):
    facts = facts_of(rulesets, "fastmcp_server", "web_server.py", "web_server")
    tools = by_id(facts.tools)
    assert tools["web_server.fetch"].name == "fetch"
    assert tools["web_server.post"] == ToolFact(
        "web_server.post",
        "post_json",
        "mcp-sdk",
        Location("web_server.py", 17, 5),
        description="POST JSON to a URL.",
        function="web_server.post",
        params=("url", "payload"),
        annotations=(("openWorldHint", True), ("readOnlyHint", False)),
    )
    (server,) = facts.agents
    assert (server.id, server.name) == ("web_server.app", "MCP server 'web' (client context)")
    assert calls(facts, "web_server.post")[1] == CallSite(
        ("httpx.Client.post",),
        Location("web_server.py", 20, 16),
        (
            ArgFlow(0, None, ("url",), term=Term("param", value="url")),
            ArgFlow(None, "json", ("payload",), term=Term("param", value="payload")),
        ),
    )


def test_low_level_server_tools_and_call_tool_branches(rulesets):
    facts = facts_of(rulesets, "lowlevel_mcp", "server.py", "server")
    path = "server.py"
    run = "server.server.<tool run_command>"
    assert by_id(facts.tools)[run] == ToolFact(
        run,
        "run_command",
        "mcp-sdk",
        Location(path, 15, 9),
        description="Run a shell command on the ops host.",
        params=("command",),
        input_schema='{"properties":{"command":{"type":"string"}},"required":["command"],"type":"object"}',
    )
    assert facts.agents[0].tools == (
        Items((Ref(run, Location(path, 15, 9)), Ref("server.server.<tool read_log>", Location(path, 20, 9)))),
    )
    assert facts.dispatches == (
        Dispatch("run_command", Ref("server.call_tool#run_command", Location(path, 30, 8)), Location(path, 30, 8)),
        Dispatch("read_log", Ref("server.call_tool#read_log", Location(path, 32, 10)), Location(path, 32, 10)),
    )
    branch = by_id(facts.functions)["server.call_tool#run_command"]
    assert branch.params == ("name", "arguments")
    assert branch.calls == (
        CallSite(
            ("subprocess.check_output",),
            Location(path, 31, 18),
            (
                ArgFlow(0, None, ("arguments",), term=Term("param", value="arguments['command']")),
                ArgFlow(None, "shell", (), "True"),
                ArgFlow(None, "text", (), "True"),
            ),
        ),
    )
    assert [c.callee for c in by_id(facts.functions)["server.call_tool#read_log"].calls][0] == ("builtins.open",)


# --- plain function calling -----------------------------------------------------------------------


def test_openai_function_calling_with_dispatch_dict(rulesets):
    facts = facts_of(rulesets, "openai_function_calling", "assistant/main.py", "assistant.main")
    path = "assistant/main.py"
    weather = "assistant.main.<schema get_weather>"
    assert by_id(facts.tools)[weather] == ToolFact(
        weather,
        "get_weather",
        "function-calling",
        Location(path, 13, 5),
        description="Get the current weather for a city.",
        params=("city",),
        input_schema='{"properties":{"city":{"type":"string"}},"required":["city"],"type":"object"}',
    )
    assert Binding(
        "assistant.main.TOOLS",
        Items(
            (
                Ref(weather, Location(path, 13, 5)),
                Ref("assistant.main.<schema post_webhook>", Location(path, 21, 5)),
            )
        ),
    ) in facts.bindings
    assert facts.agents == (
        AgentFact(
            "assistant.main.answer.<llm call>",
            "answer",
            "function-calling",
            Location(path, 39, 16),
            tools=(Ref("assistant.main.TOOLS", Location(path, 39, 88)),),
        ),
    )
    assert facts.dispatches == (
        Dispatch("get_weather", Ref("assistant.functions.get_weather", Location(path, 34, 28)), Location(path, 34, 13)),
        Dispatch("post_webhook", Ref("assistant.functions.post_webhook", Location(path, 34, 57)), Location(path, 34, 41)),
    )


def test_tool_functions_in_another_module(rulesets):
    facts = facts_of(rulesets, "openai_function_calling", "assistant/functions.py", "assistant.functions")
    assert calls(facts, "assistant.functions.post_webhook") == [
        CallSite(
            ("requests.post",),
            Location("assistant/functions.py", 13, 12),
            (
                ArgFlow(0, None, ("url",), term=Term("param", value="url")),
                ArgFlow(None, "json", ("text",), term=Term("unknown", value='{"text": text}')),
            ),
        )
    ]


def test_anthropic_tool_use_with_if_elif_dispatch(rulesets):
    facts = facts_of(rulesets, "anthropic_tool_use", "agent.py", "agent")
    path = "agent.py"
    assert facts.agents == (
        AgentFact(
            "agent.FileAssistant.ask.<llm call>",
            "ask",
            "function-calling",
            Location(path, 32, 19),
            tools=(
                Items(
                    (
                        Ref("agent.<schema read_file>", Location(path, 36, 17)),
                        Ref("agent.<schema delete_path>", Location(path, 41, 17)),
                    )
                ),
            ),
        ),
    )
    assert [(t.id, t.name, t.params) for t in facts.tools] == [
        ("agent.<schema read_file>", "read_file", ("path",)),
        ("agent.<schema delete_path>", "delete_path", ("path",)),
    ]
    # `if block.type == "tool_use"` is not a dispatch: one branch, not a declared tool name
    assert facts.dispatches == (
        Dispatch("read_file", Ref("agent.read_file", Location(path, 25, 20)), Location(path, 24, 12)),
        Dispatch("delete_path", Ref("agent.delete_path", Location(path, 27, 13)), Location(path, 26, 14)),
    )
    ask = calls(facts, "agent.FileAssistant.ask")
    assert ask[0].callee == ("anthropic.Anthropic.messages.create",)  # client kept on self
    assert ask[1].callee == ("agent.FileAssistant.run_tool",)
    assert facts.diagnostics == ()


# --- bad input ----------------------------------------------------------------------------------


def test_syntax_error_is_a_diagnostic(rulesets):
    facts = facts_of(rulesets, "broken", "syntax_error.py", "syntax_error")
    assert (facts.functions, facts.tools, facts.agents) == ((), (), ())
    (diagnostic,) = facts.diagnostics
    assert (diagnostic.code, diagnostic.severity, diagnostic.location) == (
        "parse-error",
        "error",
        Location("syntax_error.py", 7, 1),
    )


def test_undecodable_bytes_are_a_diagnostic(rulesets):
    facts = facts_of(rulesets, "broken", "invalid_utf8.py", "invalid_utf8")
    (diagnostic,) = facts.diagnostics
    assert (diagnostic.code, diagnostic.location.line) == ("parse-error", 3)


def test_declared_latin1_encoding_is_read(rulesets):
    facts = facts_of(rulesets, "broken", "latin1_declared.py", "latin1_declared")
    assert facts.diagnostics == ()
    assert [(t.id, t.description) for t in facts.tools] == [("latin1_declared.greet", "Say bonjour à someone.")]


def test_unevaluable_values_are_kept_as_opaque(rulesets):
    source = b"from langchain.agents import load_tools\nfrom agents import Agent\n\ntools = load_tools(['x'])\nbot = Agent(name='b', tools=[*extra()])\n"
    facts = extract(source, SourceFile("bot.py", "python", "bot"), rulesets)
    # whether load_tools is the project's is for the model stage to say: it sees every file
    assert Binding("bot.tools", Ref("langchain.agents.load_tools.<return>", Location("bot.py", 4, 9))) in facts.bindings
    (agent,) = facts.agents
    assert agent.tools == (Items((Opaque("call to an unresolved callee", Location("bot.py", 5, 31)),)),)


def test_factory_conditions_getattr_dispatch_and_unresolved_client(rulesets):
    facts = facts_of(rulesets, "factory_and_conditions", "pkg/mod.py", "pkg.mod")
    path = "pkg/mod.py"
    bindings = by_id(facts.bindings)
    assert bindings["pkg.mod.build_tools.<return>"].value == Items(
        (
            Items(
                (
                    When(Ref("pkg.mod.shell", Location(path, 18, 22)), (Atom("env.DEBUG"),)),
                    When(Ref("pkg.handlers.safe", Location(path, 20, 22)), (Atom("env.DEBUG", None, True),)),
                    When(
                        Ref("pkg.mod.shell", Location(path, 23, 26)),
                        (Atom("env.NO_SHELL", None, True), Atom("env.MODE", "admin")),
                    ),
                )
            ),
        )
    )
    agents = by_id(facts.agents)
    helper = agents["pkg.mod.make_agent.<locals>.helper"]
    assert (helper.name, helper.tools) == ("Helper", (Ref("pkg.mod.build_tools.<return>", Location(path, 28, 41)),))
    assert bindings["pkg.mod.make_agent.<return>"].value == Items(
        (Ref("pkg.mod.make_agent.<locals>.helper", Location(path, 28, 14)),)
    )
    assert "pkg.mod.run.<return>" not in bindings  # fn(**args) is not a project function
    llm = agents["pkg.mod.run.<llm call>"]
    assert llm.tools == (Items((Ref("pkg.mod.<schema lookup>", Location(path, 34, 47)),)),)
    assert by_id(facts.tools)["pkg.mod.<schema lookup>"].params == ("q",)
    assert facts.dispatches == (Dispatch("*", Ref("pkg.handlers", Location(path, 33, 18)), Location(path, 33, 10)),)
    assert [(d.code, d.severity, d.location.line) for d in facts.diagnostics] == [("unresolved-client", "info", 34)]


def test_tools_registered_on_an_imported_object_are_recorded_for_the_model(rulesets):
    source = (
        b"from app.server import mcp as server\n"
        b"from pydantic_ai import RunContext\n"
        b"from app.agents import support\n\n"
        b"@server.tool(name='fetch_page')\n"
        b"def fetch(url: str) -> str:\n"
        b"    '''Fetch a page.'''\n\n"
        b"@support.tool\n"
        b"def lookup(ctx: RunContext, order_id: str) -> str:\n"
        b"    return order_id\n"
    )
    facts = extract(source, SourceFile("app/tools.py", "python", "app.tools"), rulesets)
    assert [(r.target, r.value) for r in facts.registrations] == [
        ("app.agents.support", Ref("app.tools.lookup", Location("app/tools.py", 10, 5))),
        ("app.server.mcp", Ref("app.tools.fetch", Location("app/tools.py", 6, 5))),
    ]
    tools = {t.id: t for t in facts.tools}
    assert (tools["app.tools.fetch"].name, tools["app.tools.fetch"].description) == ("fetch_page", "Fetch a page.")
    assert tools["app.tools.lookup"].params == ("order_id",)


def test_relative_imports_above_the_scan_root_do_not_stop_the_file(rulesets):
    source = (
        b"from ..outside import thing\n"
        b"from agents import Agent, function_tool\n\n"
        b"def helper(cmd):\n    import os\n    os.system(cmd)\n\n"
        b"@function_tool\ndef tool(cmd):\n    helper(cmd)\n\n"
        b"bot = Agent(name='b', tools=[tool, thing])\n"
    )
    facts = extract(source, SourceFile("sub/tools.py", "python", "sub.tools"), rulesets)
    [tool] = [f for f in facts.functions if f.name == "tool"]
    assert tool.calls[0].callee == ("sub.tools.helper",)
    assert facts.agents[0].tools == (Items((
        Ref("sub.tools.tool", Location("sub/tools.py", 12, 30)),
        Ref("<outside>.outside.thing", Location("sub/tools.py", 12, 36)),
    )),)
    assert ("unresolved-import", 1) in {(d.code, d.location.line) for d in facts.diagnostics}

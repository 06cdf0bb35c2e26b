"""The model stage on hand-built facts: references followed across files, tools attached to
agents, function-calling tools matched to their implementation, and labels with evidence."""

import pytest

from riskscan import model, rulesets
from riskscan.types import (
    AgentFact,
    ArgFlow,
    Atom,
    Binding,
    CallSite,
    Dispatch,
    Facts,
    FunctionFact,
    Items,
    Location,
    Opaque,
    Ref,
    Registration,
    ToolFact,
    When,
)

RULESETS = rulesets.load()


def loc(path, line):
    return Location(path, line, 1)


def call(callee, line, *args, path="app/tools.py"):
    return CallSite((callee,), loc(path, line), tuple(args))


def arg(position=None, keyword=None, params=(), constant=None):
    return ArgFlow(position, keyword, tuple(params), constant)


def tool_module():
    """app/tools.py: a web fetcher, a helper-based sender, a fixed-URL poster and a shell tool."""
    functions = (
        FunctionFact("app.tools.fetch", "fetch", loc("app/tools.py", 5), ("url",), "Fetch a page.",
                     (call("requests.get", 6, arg(0, params=("url",))),)),
        FunctionFact("app.tools.notify", "notify", loc("app/tools.py", 10), ("to", "text"), "",
                     (call("app.mail.deliver", 11, arg(0, params=("to",)), arg(1, params=("text",))),)),
        FunctionFact("app.tools.ping", "ping", loc("app/tools.py", 15), ("text",), "",
                     (call("requests.post", 16, arg(0, constant="https://status.example.com"), arg(keyword="json")),)),
        FunctionFact("app.tools.shell", "shell", loc("app/tools.py", 20), ("cmd",), "",
                     (call("subprocess.run", 21, arg(0, params=("cmd",)), arg(keyword="shell", constant="True")),)),
        FunctionFact("app.tools.listing", "listing", loc("app/tools.py", 25), ("ctx",), "",
                     (call("subprocess.run", 26, arg(0, params=("ctx",)), arg(keyword="shell", constant="True")),)),
    )
    tools = tuple(
        ToolFact(f.qualname, f.name, "openai-agents", f.location, f.docstring, function=f.qualname, params=f.params)
        for f in functions
    )
    bindings = (
        Binding("app.tools.SAFE", Items((Ref("app.tools.fetch", loc("app/tools.py", 30)),))),
        Binding("app.tools.ALL", Items((
            Ref("app.tools.SAFE", loc("app/tools.py", 31)),
            When(Ref("app.tools.shell", loc("app/tools.py", 33)), (Atom("env.ENABLE_SHELL", "1"),)),
        ))),
    )
    return Facts("app/tools.py", "python", "app.tools", functions=functions, tools=tools, bindings=bindings)


def mail_module():
    deliver = FunctionFact(
        "app.mail.deliver", "deliver", loc("app/mail.py", 3), ("recipient", "body"), "",
        (CallSite(("smtplib.SMTP.sendmail",), loc("app/mail.py", 5),
                  (arg(0, constant="bot@example.com"), arg(1, params=("recipient",)), arg(2, params=("body",)))),),
    )
    return Facts("app/mail.py", "python", "app.mail", functions=(deliver,))


def agent_module():
    agents = (
        AgentFact("app.agents.helper", "Helper", "openai-agents", loc("app/agents.py", 4),
                  tools=(Ref("app.agents.TOOLS", loc("app/agents.py", 4)), Ref("app.tools.notify", loc("app/agents.py", 4)),
                         Ref("app.tools.ping", loc("app/agents.py", 4)),
                         Opaque("call to external function langchain.load_tools", loc("app/agents.py", 5))),
                  handoffs=(Ref("app.agents.other", loc("app/agents.py", 6)),)),
        AgentFact("app.agents.other", "Other", "openai-agents", loc("app/agents.py", 9),
                  handoffs=(Ref("app.tools.fetch", loc("app/agents.py", 10)),)),
    )
    bindings = (Binding("app.agents.TOOLS", Ref("app.tools.ALL", loc("app/agents.py", 1))),)
    return Facts("app/agents.py", "python", "app.agents", agents=agents, bindings=bindings)


@pytest.fixture(scope="module")
def system():
    return model.build("/repo", [tool_module(), mail_module(), agent_module()], RULESETS)


def test_references_are_followed_across_files_with_their_conditions(system):
    helper = system.agent("app.agents.helper")
    held = {(h.tool, h.condition) for h in helper.tools}
    assert held == {
        ("app.tools.fetch", ()),
        ("app.tools.shell", (Atom("env.ENABLE_SHELL", "1"),)),
        ("app.tools.notify", ()),
        ("app.tools.ping", ()),
    }
    assert [(h.target, h.kind) for h in helper.handoffs] == [("app.agents.other", "handoff")]


def test_unresolved_tools_and_handoffs_become_diagnostics_at_their_location(system):
    found = {(d.code, d.location.line, d.message) for d in system.diagnostics}
    assert ("unresolved-tool", 5, "could not resolve a tool of agent 'Helper': call to external function langchain.load_tools") in found
    assert ("unresolved-handoff", 10, "could not resolve a handoff of agent 'Other': app.tools.fetch is not an agent") in found


def test_labels_come_from_catalogued_calls_with_model_control(system):
    fetch = system.tool("app.tools.fetch")
    assert fetch.labels() == ("external_send", "untrusted_input")
    send = fetch.capability("external_send")
    assert send.model_controlled and send.confidence == 0.9
    assert send.evidence[0].detail == "calls requests.get (target from parameter `url`)"
    assert send.evidence[0].location == loc("app/tools.py", 6)


def test_labels_flow_through_project_helpers_in_other_modules(system):
    notify = system.tool("app.tools.notify").capability("external_send")
    assert notify is not None and notify.model_controlled
    assert notify.evidence[0].location == loc("app/mail.py", 5)
    assert "via deliver() at line 11" in notify.evidence[0].detail


def test_a_send_to_a_fixed_url_with_fixed_content_is_not_model_controlled(system):
    assert system.tool("app.tools.ping").capability("external_send") is None


def test_shell_with_a_model_controlled_command_is_a_hygiene_fact(system):
    shell_facts = [h for h in system.hygiene if h.check == "model-controlled-shell"]
    assert [(h.subject, h.location.line, h.detail) for h in shell_facts] == [
        ("shell", 21, "subprocess.run runs a shell command built from parameter `cmd`")
    ]


def test_framework_context_parameters_are_not_model_controlled(system):
    listing = system.tool("app.tools.listing").capability("code_exec")
    assert listing is not None and not listing.model_controlled


def function_calling_facts():
    schema_tool = ToolFact("bot.main.<schema lookup_order>", "lookup_order", "function-calling", loc("bot/main.py", 3),
                           "Look up an order")
    unmapped = ToolFact("bot.main.<schema transfer_funds>", "transfer_funds", "function-calling", loc("bot/main.py", 8),
                        "Send money to a recipient", params=("recipient", "amount"))
    impl = FunctionFact("bot.handlers.lookup_order", "lookup_order", loc("bot/handlers.py", 2), ("order_id",), "",
                        (CallSite(("sqlite3.Connection.execute",), loc("bot/handlers.py", 4),
                                  (arg(0, constant="SELECT * FROM orders WHERE id = ?"), arg(1, params=("order_id",)))),))
    agent = AgentFact("bot.main.run.<llm call>", "run", "function-calling", loc("bot/main.py", 20),
                      tools=(Items((Ref(schema_tool.id, loc("bot/main.py", 20)), Ref(unmapped.id, loc("bot/main.py", 20)))),))
    main = Facts("bot/main.py", "python", "bot.main", tools=(schema_tool, unmapped), agents=(agent,),
                 dispatches=(Dispatch("lookup_order", Ref("bot.main.lookup_order", loc("bot/main.py", 12)), loc("bot/main.py", 12)),),
                 bindings=(Binding("bot.main.lookup_order", Ref("bot.handlers.lookup_order", loc("bot/main.py", 1))),))
    handlers = Facts("bot/handlers.py", "python", "bot.handlers", functions=(impl,))
    return [main, handlers]


def test_function_calling_tools_are_labelled_through_their_dispatch():
    system = model.build("/repo", function_calling_facts(), RULESETS)
    lookup = system.tool("bot.main.<schema lookup_order>")
    assert lookup.labels() == ("private_data",)
    assert lookup.capability("private_data").evidence[0].location == loc("bot/handlers.py", 4)


def test_a_tool_with_no_implementation_is_labelled_from_its_words_and_says_so():
    system = model.build("/repo", function_calling_facts(), RULESETS)
    transfer = system.tool("bot.main.<schema transfer_funds>")
    financial = transfer.capability("financial")
    assert financial is not None and financial.confidence == 0.4
    assert financial.evidence[0].kind == "lexicon"
    assert any(d.code == "no-implementation" and "transfer_funds" in d.message for d in system.diagnostics)


def test_builtin_tools_take_the_catalog_labels_and_gates():
    interpreter = ToolFact("m.<builtin agents.CodeInterpreterTool>", "CodeInterpreterTool", "openai-agents",
                           loc("m.py", 3), builtin="agents.CodeInterpreterTool")
    mystery = ToolFact("m.<builtin vendor.DeleteEverythingTool>", "DeleteEverythingTool", "openai-agents",
                       loc("m.py", 4), builtin="vendor.DeleteEverythingTool")
    agent = AgentFact("m.a", "A", "openai-agents", loc("m.py", 5),
                      tools=(Ref(interpreter.id, loc("m.py", 5)), Ref(mystery.id, loc("m.py", 5))))
    system = model.build("/repo", [Facts("m.py", "python", "m", tools=(interpreter, mystery), agents=(agent,))], RULESETS)
    code = system.tool(interpreter.id)
    assert code.labels() == ("code_exec",)
    assert [g.kind for g in code.gates] == ["sandbox"]
    assert system.tool(mystery.id).capability("fs_delete").evidence[0].kind == "lexicon"
    assert any(d.code == "unknown-tool-class" and "vendor.DeleteEverythingTool" in d.message for d in system.diagnostics)


def test_open_reads_or_writes_by_its_literal_mode():
    reader = FunctionFact("f.read", "read_notes", loc("f.py", 1), ("name",), "",
                          (call("builtins.open", 2, arg(0, params=("name",)), path="f.py"),))
    writer = FunctionFact("f.write", "save_notes", loc("f.py", 5), ("name", "text"), "",
                          (call("builtins.open", 6, arg(0, params=("name",)), arg(1, constant="a"), path="f.py"),))
    tools = tuple(ToolFact(f.qualname, f.name, "mcp-sdk", f.location, function=f.qualname, params=f.params) for f in (reader, writer))
    system = model.build("/repo", [Facts("f.py", "python", "f", functions=(reader, writer), tools=tools)], RULESETS)
    assert system.tool("f.read").capability("private_data").evidence[0].kind == "api-call"
    assert system.tool("f.read").capability("fs_write") is None
    assert system.tool("f.write").capability("fs_write").evidence[0].kind == "api-call"


def test_tools_registered_from_another_file_join_the_agent_they_are_registered_on():
    server = Facts("app/server.py", "python", "app.server",
                   agents=(AgentFact("app.server.mcp", "MCP server 'x'", "mcp-sdk", loc("app/server.py", 3)),))
    fetch = FunctionFact("app.web.fetch", "fetch", loc("app/web.py", 6), ("url",), "",
                         (call("httpx.get", 7, arg(0, params=("url",)), path="app/web.py"),))
    web = Facts(
        "app/web.py", "python", "app.web", functions=(fetch,),
        tools=(ToolFact("app.web.fetch", "fetch", "registered", loc("app/web.py", 6), function="app.web.fetch", params=("url",)),),
        registrations=(
            Registration("app.web.mcp", Ref("app.web.fetch", loc("app/web.py", 6)), loc("app/web.py", 6)),
            Registration("app.web.router", Ref("app.web.fetch", loc("app/web.py", 6)), loc("app/web.py", 6)),
        ),
        bindings=(Binding("app.web.mcp", Ref("app.server.mcp", loc("app/web.py", 1))),),
    )
    system = model.build("/repo", [server, web], RULESETS)
    assert [h.tool for h in system.agent("app.server.mcp").tools] == ["app.web.fetch"]
    assert system.tool("app.web.fetch").framework == "mcp-sdk"
    assert ("unresolved-registration", 6) in {(d.code, d.location.line) for d in system.diagnostics}


def test_a_client_running_a_program_not_in_the_scan_keeps_its_opaque_tool_and_says_so():
    opaque = ToolFact("mcp:.mcp.json#notes/*", "notes/*", "mcp-config", loc(".mcp.json", 3), launches="/elsewhere/notes/server.py")
    client = AgentFact("mcp-client:.mcp.json", "Claude Code (.mcp.json)", "mcp-config", loc(".mcp.json", 2),
                       tools=(Items((Ref(opaque.id, loc(".mcp.json", 3)),)),))
    system = model.build("/repo", [Facts(".mcp.json", "json", tools=(opaque,), agents=(client,))], RULESETS)
    assert [h.tool for h in system.agent(client.id).tools] == [opaque.id]
    assert ("server-not-scanned", 3) in {(d.code, d.location.line) for d in system.diagnostics}


def test_a_fixed_path_reads_secrets_only_where_whole_components_name_a_secret_place():
    from riskscan.model.api_calls import _names_place

    assert _names_place("/home/me/.aws/credentials", ".aws/credentials") and _names_place("deploy/.env", ".env")
    assert _names_place("C:/Users/me/.ssh/id_rsa", ".ssh")
    assert not _names_place("docs/.envelope.md", ".env") and not _names_place("aws/credentials.txt", ".aws/credentials")


def test_a_tool_that_runs_an_agent_is_not_labelled_from_its_words_but_its_other_unknown_calls_are(tmp_path):
    # agent-as-tool: making the agent and calling it are what the body does, and the graph holds
    # what that agent can do; a call riskscan cannot follow beside it still leaves words a hint
    from riskscan.scan import scan

    (tmp_path / "assistant.py").write_text(
        "from strands import Agent, tool\n"
        "from acme_sdk import post_review\n\n"
        "@tool\n"
        "def code_reviewer(code: str) -> str:\n"
        '    """Reviews code an outsider sent in and fetches the web pages it links."""\n'
        "    reviewer = Agent(system_prompt='Review this code.')\n"
        "    return str(reviewer(code))\n\n"
        "@tool\n"
        "def publish_review(code: str) -> str:\n"
        '    """Reviews code and sends the review by email."""\n'
        "    reviewer = Agent(system_prompt='Review this code.')\n"
        "    return post_review(str(reviewer(code)))\n\n"
        "desk = Agent(tools=[code_reviewer, publish_review])\n"
    )
    report = scan(str(tmp_path))
    labels = {tool.name: {c.label for c in tool.capabilities} for tool in report.tools}
    assert labels["code_reviewer"] == set()
    assert "external_send" in labels["publish_review"]

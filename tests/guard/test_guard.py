"""The guard's decisions (allow / deny / ask with the reason and the path), the framework-neutral
function wrapper, the LangChain adapter (tested on objects of LangChain's tool shape: LangChain is
not installed for the tests), and the decision log read back by `riskscan trace`."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from riskscan.guard import ALLOW, ASK, DENY, Call, Guard
from riskscan.guard.langchain import guard_tools
from riskscan.guard.log import DecisionLog
from riskscan.guard.wrap import ToolCallDenied, guard_function
from riskscan.trace import check_traces, load_model

SAVED = Path(__file__).parents[2] / "fixtures" / "traces" / "mail-assistant.report.json"


@pytest.fixture(scope="module")
def guard():
    return Guard.from_path(str(SAVED))


def test_the_call_that_completes_a_path_is_denied_with_its_path(guard):
    session = guard.session()
    assert [session.check("Assistant", t).verdict for t in ("fetch_page", "lookup_order", "read_inbox")] == [ALLOW] * 3
    decision = session.check("Assistant", "send_email", {"to": "x@evil.example"})
    assert (decision.verdict, decision.rule, decision.path) == (
        DENY, "RS101", ("Assistant: fetch_page", "Assistant: read_inbox", "Assistant: send_email"))
    assert decision.reason == "RS101 injection-to-exfiltration: `send_email` (external_send) after Assistant: fetch_page, Assistant: read_inbox"
    # a denied call never ran: the state is unchanged, and asking again gives the same answer
    assert session.check("Assistant", "send_email").verdict == DENY


def test_one_leg_missing_is_allowed(guard):
    assert guard.decide([Call("Assistant", "read_inbox")], Call("Assistant", "send_email")).verdict == ALLOW
    assert guard.decide([Call("Assistant", "fetch_page")], Call("Assistant", "send_email")).verdict == ALLOW
    # another agent's context is another context
    assert guard.decide([Call("Researcher", "fetch_page"), Call("Assistant", "read_inbox")],
                        Call("Assistant", "send_email")).verdict == ALLOW


def test_a_handoff_carries_the_state(guard):
    session = guard.session()
    session.check("Researcher", "fetch_page")
    session.handoff("Researcher", "Assistant")
    session.check("Assistant", "read_inbox")
    decision = session.check("Assistant", "send_email")
    assert (decision.verdict, decision.path) == (
        DENY, ("Researcher: fetch_page", "Researcher => Assistant", "Assistant: read_inbox", "Assistant: send_email"))


def test_mcp_names_map_to_the_client_tools(guard):
    session = guard.session()
    client = "Claude Code (.mcp.json)"
    assert session.check(client, "mcp__slack__slack_get_channel_history").verdict == ALLOW
    assert session.check(client, "mcp__slack__slack_post_message").rule == "RS101"


def test_unknown_tools_are_asked_and_asks_go_to_the_approver(guard):
    session = guard.session()
    decision = session.check("Assistant", "delete_account")
    assert (decision.verdict, decision.reason) == (ASK, "`delete_account` is not a tool of the scanned model")
    assert session.check("Assistant", "delete_account", approve=lambda d: True).verdict == ALLOW
    refused = session.check("Assistant", "delete_account", approve=lambda d: False)
    assert (refused.verdict, refused.reason) == (DENY, "asked and refused: `delete_account` is not a tool of the scanned model")
    strict = Guard(load_model(str(SAVED)), on_unknown=DENY).session()
    assert strict.check("Assistant", "delete_account").verdict == DENY


def test_a_rule_below_the_threshold_is_asked_not_denied():
    lenient = Guard(load_model(str(SAVED)), deny_at="critical")
    session = lenient.session()
    session.check("Assistant", "fetch_page")
    session.check("Assistant", "read_inbox")
    assert session.check("Assistant", "send_email").verdict == DENY  # RS101 is critical
    never = Guard(load_model(str(SAVED)), rules=())
    assert never.decide([Call("Assistant", "fetch_page"), Call("Assistant", "read_inbox")], Call("Assistant", "send_email")).verdict == ALLOW


def test_the_function_wrapper_refuses_before_the_function_runs(guard):
    ran = []

    def fetch_page(url):
        ran.append(("fetch_page", url))
        return "page"

    def read_inbox(folder="inbox"):
        ran.append(("read_inbox", folder))
        return "mail"

    def send_email(to, body):
        ran.append(("send_email", to))
        return "sent"

    session = guard.session()
    tools = {f.__name__: guard_function(f, session, agent="Assistant") for f in (fetch_page, read_inbox, send_email)}
    assert tools["fetch_page"]("https://x.example") == "page"
    assert tools["read_inbox"](folder="finance") == "mail"
    with pytest.raises(ToolCallDenied) as denied:
        tools["send_email"]("x@evil.example", body="mail")
    assert denied.value.decision.rule == "RS101"
    assert ran == [("fetch_page", "https://x.example"), ("read_inbox", "finance")]
    polite = guard_function(send_email, session, agent="Assistant", on_deny="return")
    assert polite("x@evil.example", "mail").startswith("riskscan guard refused `send_email`: RS101")


def test_the_function_wrapper_guards_coroutines(guard):
    async def send_email(to, body):
        return "sent"

    session = guard.session()
    guarded = guard_function(send_email, session, agent="Assistant")
    assert asyncio.run(guarded("me@example.com", "hi")) == "sent"
    session.check("Assistant", "fetch_page")
    session.check("Assistant", "read_inbox")
    with pytest.raises(ToolCallDenied):
        asyncio.run(guarded("x@evil.example", "hi"))


class FakeStructuredTool:
    """LangChain's `StructuredTool` as the adapter uses it: `name`, `func`, `coroutine`, and an
    `invoke` that calls `func` with the tool call's arguments (what LangGraph's ToolNode does)."""

    def __init__(self, name, func):
        self.name, self.func, self.coroutine = name, func, None

    def invoke(self, tool_input):
        return self.func(**tool_input)


class FakeBaseTool:
    """A `BaseTool` subclass that overrides `_run`."""

    name = "send_email"
    func = coroutine = None

    def _run(self, to, body, run_manager=None):
        return "sent"

    def invoke(self, tool_input):
        return self._run(**tool_input)


def test_the_langchain_adapter_guards_tool_invocations(guard):
    session = guard.session()
    tools = guard_tools([FakeStructuredTool("fetch_page", lambda url: "page"),
                         FakeStructuredTool("read_inbox", lambda folder: "mail"), FakeBaseTool()], session, agent="Assistant")
    by_name = {t.name: t for t in tools}
    assert by_name["fetch_page"].invoke({"url": "https://x.example"}) == "page"
    assert by_name["read_inbox"].invoke({"folder": "finance"}) == "mail"
    refused = by_name["send_email"].invoke({"to": "x@evil.example", "body": "mail"})
    assert refused.startswith("riskscan guard refused `send_email`: RS101 injection-to-exfiltration")
    guard_tools(tools, session, agent="Assistant")  # guarding twice wraps once
    assert not getattr(by_name["read_inbox"].func.__wrapped__, "__riskscan_guarded__", False)
    assert by_name["read_inbox"].invoke({"folder": "inbox"}) == "mail"
    # fetching a model-chosen URL now could carry the inbox out in the URL: refused too
    assert by_name["fetch_page"].invoke({"url": "u"}).startswith("riskscan guard refused `fetch_page`: RS101")
    with pytest.raises(TypeError):
        guard_tools([SimpleNamespace(func=print)], session, agent="Assistant")


def test_the_decision_log_is_a_trace_riskscan_reads_back(guard, tmp_path):
    stream = io.StringIO()
    log = DecisionLog(stream)
    session = guard.session(log, session_id="run-1")
    session.check("Assistant", "fetch_page", {"url": "u"}, call_id="c1")
    session.result("c1", "page text")
    session.check("Assistant", "read_inbox", call_id="c2")
    session.check("Assistant", "send_email", {"to": "x@evil.example"}, call_id="c3")
    log.close()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    spans = [doc["resourceSpans"][0]["scopeSpans"][0]["spans"][0] for doc in lines]
    attributes = [{a["key"]: a["value"]["stringValue"] for a in span["attributes"]} for span in spans]
    assert [(a["gen_ai.tool.name"], a["riskscan.guard.decision"]) for a in attributes] == [
        ("fetch_page", "allow"), ("read_inbox", "allow"), ("send_email", "deny")]  # in call order
    assert all("gen_ai.tool.call.arguments" not in a for a in attributes)  # content only when asked for
    path = tmp_path / "guard.jsonl"
    path.write_text(stream.getvalue(), encoding="utf-8")
    report = check_traces([str(path)], load_model(str(SAVED)))
    stats = dict(report.stats)
    assert (stats["calls"], stats["blocked_calls"], stats["paths"]) == (3, 1, 0)

"""LangGraph written by hand (adapters/langgraph_nodes.py): a model bound to tools in a graph
node, a tool node of the project's own, edges, and `interrupt()` as the human gate — scanned end
to end, so that what the graph's agent holds and which gates its tools carry are the model's."""

from __future__ import annotations

import textwrap

from riskscan.scan import scan

TOOLS = '''
import smtplib

import httpx
from langchain_core.messages import ToolMessage
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.types import interrupt


@tool
def fetch_page(url: str) -> str:
    """Fetch a web page."""
    return httpx.get(url).text


@tool
def read_contacts(name: str) -> str:
    """Read a customer's record."""
    with open(f"/srv/crm/{name}.json") as handle:
        return handle.read()


@tool
def send_email(to: str, body: str) -> str:
    """Send an email."""
    with smtplib.SMTP("localhost") as server:
        server.sendmail("bot@example.com", [to], body)
    return "sent"


tools = [fetch_page, read_contacts, send_email]
tools_by_name = {t.name: t for t in tools}
'''

MODEL_NODE = '''
llm = ChatOpenAI(model="gpt-4o").bind_tools(tools)


def call_model(state: MessagesState):
    return {"messages": [llm.invoke(state["messages"])]}
'''


def tool_node(before_invoke: str = "") -> str:
    body = textwrap.indent(textwrap.dedent(before_invoke), " " * 8) if before_invoke else ""
    return f'''
def call_tools(state: MessagesState):
    results = []
    for call in state["messages"][-1].tool_calls:
{body}        observation = tools_by_name[call["name"]].invoke(call["args"])
        results.append(ToolMessage(content=observation, tool_call_id=call["id"]))
    return {{"messages": results}}


def route(state: MessagesState):
    return "tools" if state["messages"][-1].tool_calls else END
'''


GRAPH = '''
builder = StateGraph(MessagesState)
builder.add_node("agent", call_model)
builder.add_node("tools", call_tools)
builder.add_edge(START, "agent")
builder.add_conditional_edges("agent", route, ["tools", END])
builder.add_edge("tools", "agent")
graph = builder.compile()
'''


def scanned(tmp_path, source: str):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "graph.py").write_text(source)
    return scan(str(tmp_path))


def held(report) -> dict[str, set[str]]:
    names = {tool.id: tool.name for tool in report.tools}
    return {agent.name: {names[h.tool] for h in agent.tools} for agent in report.agents}


def gates(report) -> dict[str, set[str]]:
    return {tool.name: {f"{g.kind}: {g.detail}" for g in tool.gates} for tool in report.tools}


def rules(report) -> set[str]:
    return {f.rule_id for f in report.findings if f.kind == "path"}


def test_the_graph_holds_the_tools_its_model_node_binds_and_its_own_tool_node_runs(tmp_path):
    report = scanned(tmp_path, TOOLS + MODEL_NODE + tool_node() + GRAPH)
    assert held(report) == {"graph": {"fetch_page", "read_contacts", "send_email"}}
    assert "RS101" in rules(report)
    assert gates(report)["send_email"] == set()


def test_a_model_bound_inside_the_node_function_is_the_graphs_too(tmp_path):
    model = '''
def call_model(state: MessagesState):
    model = ChatOpenAI(model="gpt-4o")
    return {"messages": [model.bind_tools(tools).invoke(state["messages"])]}
'''
    report = scanned(tmp_path, TOOLS + model + tool_node() + GRAPH)
    assert held(report) == {"graph": {"fetch_page", "read_contacts", "send_email"}}


def test_interrupt_in_the_tool_node_before_every_call_gates_every_tool(tmp_path):
    report = scanned(tmp_path, TOOLS + MODEL_NODE + tool_node('interrupt({"tool": call["name"], "args": call["args"]})\n') + GRAPH)
    for name in ("fetch_page", "read_contacts", "send_email"):
        assert gates(report)[name] == {"approval: interrupt() in the graph's tool node"}
    assert all(f.severity != "critical" for f in report.findings if f.rule_id == "RS101")


def test_interrupt_when_the_model_calls_one_tool_gates_that_tool_only(tmp_path):
    check = '''
if call["name"] == "send_email":
    answer = interrupt({"question": "send this email?", "args": call["args"]})
    if answer != "yes":
        continue
'''
    report = scanned(tmp_path, TOOLS + MODEL_NODE + tool_node(check) + GRAPH)
    assert gates(report)["send_email"] == {"approval: interrupt() when the model calls send_email"}
    assert gates(report)["fetch_page"] == set()


def test_interrupt_under_a_condition_riskscan_cannot_read_is_no_gate_and_says_so(tmp_path):
    check = '''
if needs_review(call):
    interrupt(call)
'''
    helper = "\n\ndef needs_review(call):\n    return len(call['args']) > 2\n"
    report = scanned(tmp_path, TOOLS + helper + MODEL_NODE + tool_node(check) + GRAPH)
    assert gates(report)["send_email"] == set()
    assert "partial-gate" in {d.code for d in report.diagnostics}


REVIEW = '''
def review(state: MessagesState):
    interrupt({"pending": state["messages"][-1].tool_calls})
    return {}
'''


def test_a_review_node_every_edge_into_the_tool_node_passes_gates_the_tools(tmp_path):
    graph = GRAPH.replace('builder.add_conditional_edges("agent", route, ["tools", END])',
                          'builder.add_node("review", review)\nbuilder.add_conditional_edges("agent", route, {"tools": "review", END: END})\nbuilder.add_edge("review", "tools")')
    report = scanned(tmp_path, TOOLS + MODEL_NODE + tool_node() + REVIEW + graph)
    assert gates(report)["send_email"] == {"approval: interrupt() in node 'review' before the tool node"}


def test_a_review_node_the_model_can_go_around_is_no_gate(tmp_path):
    graph = GRAPH.replace('builder.add_conditional_edges("agent", route, ["tools", END])',
                          'builder.add_node("review", review)\nbuilder.add_conditional_edges("agent", route, ["review", "tools", END])\nbuilder.add_edge("review", "tools")')
    report = scanned(tmp_path, TOOLS + MODEL_NODE + tool_node() + REVIEW + graph)
    assert gates(report)["send_email"] == set()


def test_a_bound_model_no_graph_uses_is_an_agent_of_its_own(tmp_path):
    source = TOOLS + '''

def answer(question: str) -> str:
    assistant = ChatOpenAI(model="gpt-4o").bind_tools(tools)
    return assistant.invoke(question).content
'''
    report = scanned(tmp_path, source)
    assert held(report) == {"assistant": {"fetch_page", "read_contacts", "send_email"}}
    assert "RS101" in rules(report)


def test_a_bound_model_handed_to_a_prebuilt_agent_is_not_a_second_agent(tmp_path):
    source = TOOLS + '''
from langgraph.prebuilt import create_react_agent

model = ChatOpenAI(model="gpt-4o")
agent = create_react_agent(model.bind_tools(tools), tools, name="mailer")
'''
    report = scanned(tmp_path, source)
    assert held(report) == {"mailer": {"fetch_page", "read_contacts", "send_email"}}


def test_a_hand_tool_node_whose_model_is_bound_elsewhere_says_its_tools_are_unknown(tmp_path):
    source = TOOLS + '''
from app.models import llm


def call_model(state: MessagesState):
    return {"messages": [llm.invoke(state["messages"])]}
''' + tool_node() + GRAPH
    report = scanned(tmp_path, source)
    assert held(report) == {"graph": set()}
    assert "unresolved-tools" in {d.code for d in report.diagnostics}


def test_bind_tools_of_a_class_of_the_project_is_not_a_model(tmp_path):
    source = '''
class Registry:
    def bind_tools(self, tools):
        self.tools = tools


registry = Registry()
registry.bind_tools(["search"])
'''
    report = scanned(tmp_path, source)
    assert report.agents == () or list(report.agents) == []

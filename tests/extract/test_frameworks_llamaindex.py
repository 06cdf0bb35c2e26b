"""The LlamaIndex adapter on small sources: tools, workflow handoffs by name, CodeActAgent."""

from __future__ import annotations

import textwrap

import pytest

from riskscan.extract.python import extract
from riskscan.rulesets import load
from riskscan.types import SourceFile


@pytest.fixture(scope="module")
def rulesets():
    return load()


def facts(rulesets, source: str):
    return extract(textwrap.dedent(source).encode(), SourceFile("app/flow.py", "python", "app.flow"), rulesets)


def handoffs(found) -> set[tuple[str, str]]:
    names = {a.id: a.name for a in found.agents}
    return {(names[link.source.qualname], names[m.qualname]) for link in found.links for m in link.members}


def test_without_can_handoff_to_every_member_may_take_over(rulesets):
    found = facts(rulesets, """
        from llama_index.core.agent.workflow import AgentWorkflow, FunctionAgent

        a = FunctionAgent(name="A", tools=[])
        b = FunctionAgent(name="B", tools=[], can_handoff_to=["A"])
        c = FunctionAgent(name="C", tools=[], can_handoff_to=["Nobody"])
        flow = AgentWorkflow(agents=[a, b, c], root_agent="A")
    """)
    assert handoffs(found) == {("A", "B"), ("A", "C"), ("B", "A")}
    assert [d.code for d in found.diagnostics] == ["unresolved-handoff"]


def test_function_tool_from_defaults_skips_the_workflow_context(rulesets):
    found = facts(rulesets, """
        from llama_index.core.tools import FunctionTool
        from llama_index.core.workflow import Context

        async def remember(ctx: Context, fact: str) -> str:
            "Store a fact."
            return fact

        tool = FunctionTool.from_defaults(async_fn=remember, name="memo")
    """)
    ((tool_id, name, params),) = [(t.id, t.name, t.params) for t in found.tools]
    assert (tool_id, name, params) == ("app.flow.tool", "memo", ("fact",))


def test_a_code_act_agent_executes_code_through_its_function(rulesets):
    found = facts(rulesets, """
        from llama_index.core.agent.workflow import CodeActAgent

        def run_code(code: str) -> str:
            exec(code)
            return ""

        coder = CodeActAgent(name="Coder", code_execute_fn=run_code, tools=[])
    """)
    ((tool),) = found.tools
    assert (tool.name, tool.function, [c.label for c in tool.capabilities]) == ("execute_code", "app.flow.run_code", ["code_exec"])
    assert found.agents[0].tools[-1].qualname == tool.id

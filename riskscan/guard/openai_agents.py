"""OpenAI Agents SDK adapter: a tool input guardrail on every function tool of an agent (and of the
agents it hands off to) that asks the session before the tool runs, and refuses a denied call with
`reject_content` (the tool does not run; the model reads the refusal). A tool output guardrail
records results for the decision log; `GuardHooks` tells the session about handoffs.

    session = Guard.from_path("report.json").session()
    guard_agent(triage, session)
    await Runner.run(triage, "...", hooks=GuardHooks(session))

The SDK is imported only when these functions run: riskscan does not depend on it.
"""

from __future__ import annotations

from typing import Callable

from riskscan.guard.wrap import refusal

GUARDRAIL_NAME = "riskscan-guard"


def guard_agent(agent, session, *, approve: Callable | None = None):
    """Guard every function tool of `agent` and of the agents reachable by its handoffs."""
    import agents as sdk

    refuse_all = approve or (lambda decision: False)

    def before(data):
        context = data.context
        decision = session.check(data.agent.name, context.tool_name, context.tool_arguments,
                                 call_id=context.tool_call_id, approve=refuse_all)
        if decision.allowed:
            return sdk.ToolGuardrailFunctionOutput.allow(output_info=decision)
        return sdk.ToolGuardrailFunctionOutput.reject_content(refusal(decision), output_info=decision)

    def after(data):
        session.result(data.context.tool_call_id, data.output)
        return sdk.ToolGuardrailFunctionOutput.allow()

    seen: set[int] = set()
    pending = [agent]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        for tool in getattr(current, "tools", ()) or ():
            if isinstance(tool, sdk.FunctionTool) and not _guarded(tool):
                tool.tool_input_guardrails = [*(tool.tool_input_guardrails or ()), sdk.ToolInputGuardrail(before, GUARDRAIL_NAME)]
                tool.tool_output_guardrails = [*(tool.tool_output_guardrails or ()), sdk.ToolOutputGuardrail(after, GUARDRAIL_NAME)]
        for handoff in getattr(current, "handoffs", ()) or ():
            if isinstance(handoff, sdk.Agent):
                pending.append(handoff)
    return agent


def _guarded(tool) -> bool:
    return any(getattr(g, "name", None) == GUARDRAIL_NAME for g in tool.tool_input_guardrails or ())


def GuardHooks(session):  # noqa: N802 - a factory that reads as the class it returns
    """Run hooks that pass each handoff to the session (the target agent inherits the context)."""
    import agents as sdk

    class _GuardHooks(sdk.RunHooks):
        async def on_handoff(self, context, from_agent, to_agent) -> None:
            session.handoff(from_agent.name, to_agent.name)

    return _GuardHooks()

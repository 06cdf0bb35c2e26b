"""The framework-neutral adapter: guard a plain Python tool function (sync or async).

    guarded_search = guard_function(search, session, agent="Researcher")

Before each call, the session decides with the call's arguments bound to the function's
parameters; a denied call does not run: `on_deny="raise"` raises `ToolCallDenied`, `"return"`
returns the refusal text instead (what a model should read). An `ask` goes to `approve`; without
one it is refused.
"""

from __future__ import annotations

import functools
import inspect
import itertools
from typing import Callable

_ids = itertools.count(1)


class ToolCallDenied(Exception):
    def __init__(self, decision) -> None:
        super().__init__(refusal(decision))
        self.decision = decision


def refusal(decision) -> str:
    return f"riskscan guard refused `{decision.tool}`: {decision.reason}"


def bound_arguments(signature: inspect.Signature | None, args: tuple, kwargs: dict) -> dict:
    if signature is not None:
        try:
            return dict(signature.bind_partial(*args, **kwargs).arguments)
        except TypeError:
            pass
    return {"args": list(args), **kwargs}


def _signature(function: Callable) -> inspect.Signature | None:
    try:
        return inspect.signature(function)
    except (TypeError, ValueError):
        return None


def guard_function(function: Callable, session, *, agent: str, tool: str | None = None, server: str = "",
                   on_deny: str = "raise", approve: Callable | None = None) -> Callable:
    name = tool or getattr(function, "__name__", "tool")
    refuse_all = approve or (lambda decision: False)
    signature = _signature(function)

    def decide(args: tuple, kwargs: dict):
        call_id = f"call-{next(_ids)}"
        decision = session.check(agent, name, bound_arguments(signature, args, kwargs), server=server,
                                 call_id=call_id, approve=refuse_all)
        return decision, call_id

    def refused(decision):
        if on_deny == "return":
            return refusal(decision)
        raise ToolCallDenied(decision)

    if inspect.iscoroutinefunction(function):
        @functools.wraps(function)
        async def guarded_async(*args, **kwargs):
            decision, call_id = decide(args, kwargs)
            if not decision.allowed:
                return refused(decision)
            result = await function(*args, **kwargs)
            session.result(call_id, result)
            return result

        return guarded_async

    @functools.wraps(function)
    def guarded(*args, **kwargs):
        decision, call_id = decide(args, kwargs)
        if not decision.allowed:
            return refused(decision)
        result = function(*args, **kwargs)
        session.result(call_id, result)
        return result

    return guarded

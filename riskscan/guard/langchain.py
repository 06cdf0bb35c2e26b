"""LangChain / LangGraph adapter: guard the tools an agent or a `ToolNode` calls.

LangChain's tools (`@tool`, `StructuredTool`, `Tool`) keep the Python function they run in `func`
(and `coroutine` for async); LangGraph's `ToolNode` and LangChain agents call `tool.invoke(...)`,
which ends in those. `guard_tools` replaces them in place with guarded versions
(`riskscan.guard.wrap.guard_function`), keyed by the tool's `name`. A refused call returns the
refusal text as the tool's output, which the model reads. Subclasses of `BaseTool` that override
`_run` / `_arun` are guarded the same way on those methods.

Nothing of LangChain is imported: the adapter only uses the attributes above.
"""

from __future__ import annotations

from typing import Callable, Iterable

from riskscan.guard.wrap import guard_function

MARK = "__riskscan_guarded__"


def guard_tools(tools: Iterable, session, *, agent: str, approve: Callable | None = None, on_deny: str = "return") -> list:
    guarded = []
    for tool in tools:
        name = getattr(tool, "name", None)
        if not isinstance(name, str):
            raise TypeError(f"not a LangChain tool (no name): {tool!r}")
        for attribute in ("func", "coroutine"):
            function = getattr(tool, attribute, None)
            if callable(function) and not getattr(function, MARK, False):
                _replace(tool, attribute, guard_function(function, session, agent=agent, tool=name, on_deny=on_deny, approve=approve))
        if getattr(tool, "func", None) is None and getattr(tool, "coroutine", None) is None:
            for attribute in ("_run", "_arun"):
                method = getattr(tool, attribute, None)
                if callable(method) and not getattr(method, MARK, False):
                    _replace(tool, attribute, guard_function(method, session, agent=agent, tool=name, on_deny=on_deny, approve=approve))
        guarded.append(tool)
    return guarded


def _replace(tool, attribute: str, function: Callable) -> None:
    setattr(function, MARK, True)
    try:
        setattr(tool, attribute, function)
    except (AttributeError, TypeError, ValueError):  # frozen pydantic models
        object.__setattr__(tool, attribute, function)

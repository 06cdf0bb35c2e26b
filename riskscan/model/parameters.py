"""What a helper's parameters hold: the arguments the project's calls of it pass (issue #19).

The extractor (riskscan/extract/python/parameters.py) reads a parameter as
`Ref("<function>.<param>.<name>")` and records the calls that may fill one (`Invocation`). Here a
parameter is resolved to the argument of each call of its function found in the scanned files: a
keyword argument by its name, a positional one by its place (after `self` when the call is bound to
an object, after `cls` always), and for a call that leaves it out, the default the function gives
it (when that is no literal: a literal holds no tool).

One call is the one configuration riskscan knows, and adds no condition; so are several calls that
pass the parameter the same value. When calls pass different values, each is its own
configuration: what it passes holds under the atom `call.<function> == "<path>:<line>"` naming that
call. A path lives in one configuration, so it never combines what two calls pass (a union no run
has). The value a call returns holds under the same atom when what the function returns depends on
its parameters, so that the agent `triage = make_agent([...])` hands off to is the agent of that
call, with that call's tools.

What cannot be followed is said, at its place: a parameter no call in the scanned files fills (a
function that only a framework or another package calls), an argument unpacked from `*args` or
`**kwargs`; an argument the resolver cannot resolve is reported where the call passes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from riskscan.types import Atom, Condition, Invocation, Items, Location, Ref, Value, When

PARAMETER = ".<param>."  # as in riskscan/extract/python/parameters.py
SELF = ".<self>."
DEFAULT = ".<default>."
RETURN = ".<return>"
CONSTRUCTOR = ".__init__"
MAX_DEPTH = 8  # how far the agents and lists a function returns are searched for its parameters


@dataclass(frozen=True)
class Passed:
    """What one call passes a parameter, under the condition that names the call; `value` None
    with the reason when it cannot be told."""

    value: Value | None
    condition: Condition
    location: Location | None  # the call; None for none (where the parameter is read)
    reason: str = ""


def call_names(function: str) -> tuple[str, ...]:
    """The names a call of `function` is written with: a constructor is called by its class."""
    if function.endswith(CONSTRUCTOR):
        return (function, function[: -len(CONSTRUCTOR)])
    return (function,)


def sites(project, function: str) -> list[Invocation]:
    """The calls of `function` found in the scanned files, one per place, in order."""
    found: dict[Location, Invocation] = {}
    for name in call_names(function):
        for invocation in project.invocations.get(name, ()):
            found.setdefault(invocation.location, invocation)
    return [found[location] for location in sorted(found)]


def passed(project, function: str, param: str) -> Iterator[Passed]:
    """What each call of `function` passes its parameter `param`."""
    short = _shown(function)
    fact = project.functions.get(function)
    calls = sites(project, function)
    default = dict.get(project.bindings, f"{function}{DEFAULT}{param}")
    if not calls:
        if default is not None:
            yield Passed(default, (), None)
        else:
            reason = f"parameter {param} of {short}: no call of it in the scanned files passes a value riskscan can follow"
            yield Passed(None, (), None, reason)
        return
    index = _position(fact, param)
    found = []
    for call in calls:
        value, reason = _argument(call, param, index, fact)
        if value is None and not reason:
            value = default  # left out: the default, or a literal one that holds no tool
        if isinstance(value, Ref) and value.qualname == f"{function}{PARAMETER}{param}":
            continue  # a recursive call passing it on: what the other calls pass
        found.append((call, value, reason))
    several = len({(value, reason) for _, value, reason in found}) > 1  # every call passing the same is one configuration
    for call, value, reason in found:
        condition = call.condition + (_atom(function, call, calls),) if several else call.condition
        if value is not None or reason:
            yield Passed(value, condition, call.location, reason and f"parameter {param} of {short}: {reason}")


def _shown(function: str) -> str:
    """`make_agent()`, `OpsDesk()` for a constructor, `OpsDesk.build()` for a method."""
    parts = function.removesuffix(CONSTRUCTOR).split(".")
    if len(parts) > 1 and parts[-2][:1].isupper() and not function.endswith(CONSTRUCTOR):
        return f"{parts[-2]}.{parts[-1]}()"
    return f"{parts[-1]}()"


def returned_under(project, function: str, location: Location) -> Condition:
    """The condition naming the call at `location`, when its function's calls pass different
    arguments and what it returns depends on its parameters; () otherwise."""
    calls = sites(project, function)
    if len({call.arguments for call in calls}) < 2 or not any(call.location == location for call in calls):
        return ()
    returned = dict.get(project.bindings, f"{function}{RETURN}")
    if returned is None or not _mentions(project, returned, function + PARAMETER, MAX_DEPTH, set()):
        return ()
    call = next(call for call in calls if call.location == location)
    return (_atom(function, call, calls),)


def _atom(function: str, call: Invocation, calls: list[Invocation]) -> Atom:
    variable = "call." + function.removesuffix(CONSTRUCTOR)
    place = f"{call.location.path}:{call.location.line}"
    if sum(1 for other in calls if (other.location.path, other.location.line) == (call.location.path, call.location.line)) > 1:
        place = str(call.location)  # two calls on one line: by their column too
    return Atom(variable, place)


def _position(fact, param: str) -> int:
    """The place of `param` among the positional parameters; -1 for one only a keyword fills."""
    if fact is None or param not in fact.params or param in fact.keyword_only:
        return -1
    positional = [p for p in fact.params if p not in fact.keyword_only]
    return positional.index(param)


def _argument(call: Invocation, param: str, index: int, fact) -> tuple[Value | None, str]:
    """What `call` passes `param`; (None, "") when it leaves it out, (None, reason) when it
    cannot be told."""
    for argument in call.arguments:
        if argument.keyword == param:
            return argument.value, ""
    first = fact.params[0] if fact is not None and fact.params else ""
    if first == "cls" or (first == "self" and call.bound):
        index -= 1  # the object or class the method is bound to fills the first parameter
    unpacked = ""
    for argument in call.arguments:
        if argument.star == "*":
            unpacked = unpacked or "*args"
        elif argument.star == "**":
            unpacked = unpacked or "**kwargs"
        elif index >= 0 and argument.position == index and not unpacked:
            return argument.value, ""
    if unpacked:
        return None, f"the call at {call.location} unpacks {unpacked}, so which argument fills it is not known"
    return None, ""


def _mentions(project, value: Value, prefix: str, depth: int, seen: set[str]) -> bool:
    """Whether a value refers to a parameter named by `prefix`, itself or through the agents and
    tools in it (`return Agent(tools=tools)`)."""
    if depth <= 0:
        return False
    if isinstance(value, Items):
        return any(_mentions(project, item, prefix, depth - 1, seen) for item in value.items)
    if isinstance(value, When):
        return _mentions(project, value.value, prefix, depth - 1, seen)
    if not isinstance(value, Ref) or value.qualname in seen:
        return False
    if value.qualname.startswith(prefix):
        return True
    seen.add(value.qualname)
    agent = dict.get(project.agents, value.qualname)
    if agent is not None:
        return any(_mentions(project, v, prefix, depth - 1, seen) for v in (*agent.tools, *agent.handoffs))
    tool = dict.get(project.tools, value.qualname)
    if tool is not None and tool.invokes is not None:
        return _mentions(project, tool.invokes, prefix, depth - 1, seen)
    return False

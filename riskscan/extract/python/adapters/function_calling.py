"""Plain function calling with the OpenAI and Anthropic SDKs.

Tools are JSON Schema dict literals (Chat Completions, Responses and Anthropic shapes); the agent is
the LLM call that passes `tools=`; the name -> function mapping is a dispatch dict, an `if`/`match`
on the tool name, or `getattr(module, name)`.
"""

from __future__ import annotations

from collections.abc import Iterator

from riskscan.extract.python.adapters import BaseAdapter
from riskscan.extract.python.adapters.declarations import (
    canonical_schema,
    dict_entries,
    function_ref,
)
from riskscan.extract.python.constants import constants_of, named
from riskscan.extract.python.receivers import looks_like_class
from riskscan.extract.python.survey import Triggers
from riskscan.extract.python.syntax import cst, find_nodes
from riskscan.extract.python.values import keyword, positional, string_value
from riskscan.types import AgentFact, Dispatch, NameParts, Opaque, Ref, ToolFact, Value

FRAMEWORK = "function-calling"
OPENAI_CLIENTS = ("openai.OpenAI", "openai.AsyncOpenAI", "openai.AzureOpenAI", "openai.AsyncAzureOpenAI", "openai")
ANTHROPIC_CLIENTS = (
    "anthropic.Anthropic",
    "anthropic.AsyncAnthropic",
    "anthropic.AnthropicBedrock",
    "anthropic.AsyncAnthropicBedrock",
    "anthropic.AnthropicVertex",
    "anthropic.AsyncAnthropicVertex",
)
OPENAI_ENDPOINTS = (
    "chat.completions.create",
    "chat.completions.parse",
    "chat.completions.stream",
    "beta.chat.completions.parse",
    "beta.chat.completions.stream",
    "responses.create",
    "responses.parse",
    "responses.stream",
)
ANTHROPIC_ENDPOINTS = ("messages.create", "messages.stream", "beta.messages.create", "beta.messages.stream")
LLM_CALLS = frozenset(
    [f"{client}.{endpoint}" for client in OPENAI_CLIENTS for endpoint in OPENAI_ENDPOINTS]
    + [f"{client}.{endpoint}" for client in ANTHROPIC_CLIENTS for endpoint in ANTHROPIC_ENDPOINTS]
)
ENDPOINT_SUFFIXES = tuple(f".{endpoint}" for endpoint in OPENAI_ENDPOINTS + ANTHROPIC_ENDPOINTS)
GETATTR = "builtins.getattr"


class FunctionCalling(BaseAdapter):
    frameworks = (FRAMEWORK,)

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.schema_names: set[str] = set()  # names of the tool schemas declared in this file
        self.llm_calls = 0  # LLM calls with tools= in this file
        self.branch_candidates: list[tuple[str, list[tuple[str, NameParts, cst.BaseSuite, cst.CSTNode]]]] = []

    @classmethod
    def triggers(cls) -> Triggers:
        """Clients and their endpoints, tool schema literals; dispatch tables and `getattr` on a
        module are the survey's DISPATCHES, read only when a schema tool needs them."""
        return Triggers(
            names=frozenset(OPENAI_CLIENTS + ANTHROPIC_CLIENTS) | LLM_CALLS,
            suffixes=ENDPOINT_SUFFIXES,
            dict_types=frozenset({"function"}),
            dict_keys=frozenset({"input_schema"}),
        )

    def claims(self, callee: tuple[str, ...]) -> bool:
        return any(name in LLM_CALLS or name.endswith(ENDPOINT_SUFFIXES) or name == GETATTR for name in callee)

    # --- the agent: an LLM call with tools ------------------------------------------------------

    def evaluate_call(self, ev, call, callee, scope, target, tools) -> Value | None:
        if GETATTR in callee:
            self.getattr_dispatch(call)
            return None
        resolved = any(name in LLM_CALLS for name in callee)
        if not resolved and not any(name.endswith(ENDPOINT_SUFFIXES) for name in callee):
            return None
        tools_node = keyword(call, "tools")
        if tools_node is None:
            return None
        ctx = self.ctx
        self.llm_calls += 1
        if not resolved:
            ctx.diagnose(
                call, "unresolved-client", f"LLM client of {callee[0]} not resolved; assumed an OpenAI/Anthropic client", "info"
            )
        value = ev.evaluate(tools_node, scope)
        for arg in call.args:
            if arg.value is not tools_node:
                ev.evaluate(arg.value, scope)
        owner = scope.qualname
        name = owner.rsplit(".", 1)[-1] if scope.kind == "function" else ctx.module_name
        ctx.add_agent(AgentFact(f"{owner}.<llm call>", name, FRAMEWORK, ctx.loc(call), (value,), (), scope.condition))
        return Opaque("response of an LLM call", ctx.loc(call))

    # --- tools: schema dict literals -------------------------------------------------------------

    def evaluate_dict(self, ev, node: cst.Dict, scope) -> Value | None:
        return self.inspect_dict(node)

    def inspect_dict(self, node: cst.Dict) -> Value | None:
        schema = self.schema_tool(node)
        if schema is not None:
            return schema
        self.dispatch_table(node)
        return None

    def schema_tool(self, node: cst.Dict) -> Value | None:
        ctx = self.ctx
        entries = dict_entries(node)
        function = entries.get("function")
        if string_value(entries.get("type")) == "function" and isinstance(function, cst.Dict):
            entries = dict_entries(function)  # Chat Completions
            parameters = entries.get("parameters")
        elif string_value(entries.get("type")) == "function" and "name" in entries:
            parameters = entries.get("parameters")  # Responses
        elif "name" in entries and "input_schema" in entries:
            parameters = entries.get("input_schema")  # Anthropic
        else:
            return None
        parts = constants_of(ctx).parts(entries.get("name"))
        if parts is None:
            ctx.diagnose(node, "unresolved-tool", "tool schema whose name is neither a literal nor a constant", "info")
            return Opaque("tool schema with a computed name", ctx.loc(node))
        name, name_parts = named(parts, ctx.module.code_for_node(entries["name"]))
        schema, params = canonical_schema(parameters)
        self.schema_names.add(name)
        tool_id = ctx.add_tool(
            ToolFact(
                f"{ctx.module_name}.<schema {name}>",
                name,
                FRAMEWORK,
                ctx.loc(node),
                description=string_value(entries.get("description")) or "",
                params=params,
                input_schema=schema,
                name_parts=name_parts,
            )
        )
        return Ref(tool_id, ctx.loc(node))

    # --- dispatch ------------------------------------------------------------------------------

    def dispatch_table(self, node: cst.Dict) -> None:
        """`{"get_weather": get_weather, ...}`: every value names a function."""
        ctx = self.ctx
        found = []
        for element in node.elements:
            if not isinstance(element, cst.DictElement):
                return
            name = string_value(element.key)
            target = _called_in_lambda(element.value) if isinstance(element.value, cst.Lambda) else element.value
            ref = function_ref(ctx, target) if target is not None else None
            if name is None or ref is None:
                return
            found.append(Dispatch(name, ref, ctx.loc(element)))
        ctx.dispatches.extend(found)

    def getattr_dispatch(self, call: cst.Call) -> None:
        """`getattr(tools_module, name)`: every tool name -> that module's function of the name."""
        ctx = self.ctx
        owner, attribute = positional(call, 0), positional(call, 1)
        if not isinstance(owner, cst.Name) or attribute is None or string_value(attribute) is not None:
            return
        if not ctx.assignments_of_kind(owner, cst.Import, cst.ImportFrom):
            return
        names = ctx.names_of(owner)
        if len(names) == 1:
            ctx.dispatches.append(Dispatch("*", Ref(names[0], ctx.loc(owner)), ctx.loc(call)))

    def on_function(self, interpreter, node: cst.FunctionDef, fact, scope) -> None:
        by_subject: dict[str, list] = {}
        for tool_name, name_parts, body, test, subject in branches_with_subjects(self.ctx, node.body):
            by_subject.setdefault(self.ctx.module.code_for_node(subject), []).append((tool_name, name_parts, body, test))
        for subject_branches in by_subject.values():
            self.branch_candidates.append((fact.qualname, subject_branches))

    def finish(self, interpreter) -> None:
        ctx = self.ctx
        for node in _all_dicts(ctx.module):
            if id(node) not in interpreter.ev.seen:
                self.inspect_dict(node)
        for function, branches in self.branch_candidates:
            if function in ctx.dispatch_handlers:
                continue
            # a test of a tool name declared here, or a chain on one subject with several names in
            # a file that does function calling
            chain = len({name for name, _, _, _ in branches}) >= 2 and bool(self.schema_names or self.llm_calls)
            for tool_name, name_parts, body, test in branches:
                if not chain and tool_name not in self.schema_names:
                    continue
                ref = self.branch_target(body)
                if ref is not None:
                    ctx.dispatches.append(Dispatch(tool_name, ref, ctx.loc(test), name_parts))

    def branch_target(self, body: cst.CSTNode) -> Ref | None:
        """The function a branch runs: project functions first, then imported names, then
        functions of imported modules; the first in source order within each."""
        best: tuple[int, int, Ref] | None = None
        for order, call in enumerate(find_nodes(body, cst.Call)):
            ref = function_ref(self.ctx, call.func)
            if ref is None or looks_like_class(ref.qualname):  # raising an error, building a result
                continue
            rank = 0 if self.ctx.is_project(ref.qualname) else 1 if isinstance(call.func, cst.Name) else 2
            if best is None or (rank, order) < best[:2]:
                best = (rank, order, ref)
        return best[2] if best else None


def literal_branches(ctx, body: cst.CSTNode) -> Iterator[tuple[str, NameParts, cst.BaseSuite, cst.CSTNode]]:
    """(name, its pieces, branch body, test) for each `if x == "s":` / `elif ...` / `case "s":`
    under `body`, nested functions excluded; the string may be a constant (`constants`): then the
    name is the code and its pieces say what the model joins, unless this file knows it."""
    for name, parts, suite, test, _subject in branches_with_subjects(ctx, body):
        yield name, parts, suite, test


def branches_with_subjects(ctx, body: cst.CSTNode) -> Iterator[tuple[str, NameParts, cst.BaseSuite, cst.CSTNode, cst.CSTNode]]:
    parts_of = constants_of(ctx).parts
    for node in find_nodes(body, cst.If, cst.Match):
        if isinstance(node, cst.If):
            for side, subject in _tested_strings(node.test, parts_of):
                yield *named(parts_of(side), ctx.module.code_for_node(side)), node.body, node.test, subject
        else:
            for case in node.cases:
                for value in _case_strings(case.pattern, parts_of):
                    yield *named(parts_of(value), ctx.module.code_for_node(value)), case.body, case.pattern, node.subject


def _tested_strings(test: cst.BaseExpression, parts_of) -> Iterator[tuple[cst.BaseExpression, cst.CSTNode]]:
    """(the string's expression, the subject) of `subject == "s"` or `subject in ("s", "t")`."""
    if not (isinstance(test, cst.Comparison) and len(test.comparisons) == 1):
        return
    comparison = test.comparisons[0]
    left, right = test.left, comparison.comparator
    if isinstance(comparison.operator, cst.Equal):
        for literal_side, subject in ((right, left), (left, right)):
            if parts_of(literal_side) is not None and parts_of(subject) is None:
                yield literal_side, subject
                return
    elif isinstance(comparison.operator, cst.In) and isinstance(right, (cst.Tuple, cst.List, cst.Set)):
        values = [element.value for element in right.elements]
        if values and all(parts_of(value) is not None for value in values):
            for value in values:
                yield value, left


def _case_strings(pattern: cst.MatchPattern, parts_of) -> Iterator[cst.BaseExpression]:
    if isinstance(pattern, cst.MatchValue):
        if parts_of(pattern.value) is not None:
            yield pattern.value
    elif isinstance(pattern, cst.MatchOr):
        for element in pattern.patterns:
            yield from _case_strings(element.pattern, parts_of)
    elif isinstance(pattern, cst.MatchAs) and pattern.pattern is not None:
        yield from _case_strings(pattern.pattern, parts_of)


def _called_in_lambda(node: cst.Lambda) -> cst.BaseExpression | None:
    return node.body.func if isinstance(node.body, cst.Call) else None


def _all_dicts(module: cst.Module) -> list[cst.Dict]:
    return find_nodes(module, cst.Dict, enter_definitions=True)

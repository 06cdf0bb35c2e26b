"""Framework adapters: each recognises one framework's declarations by qualified name and turns
them into tool, agent and dispatch facts. They share the walk of `interpreter` and the evaluator
of `values`; every hook has a do-nothing default here."""

from __future__ import annotations

from functools import cache

from riskscan.extract.python.context import FileContext
from riskscan.extract.python.survey import Triggers
from riskscan.extract.python.syntax import cst
from riskscan.types import Value


class BaseAdapter:
    # the ids of the frameworks this adapter records facts of (`riskscan.frameworks.FRAMEWORKS`,
    # where their display names live, light enough for `riskscan --help`)
    frameworks: tuple[str, ...] = ()

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx

    @classmethod
    def triggers(cls) -> Triggers:
        """What a file must use for this adapter to record anything in it (see `survey`)."""
        return Triggers()

    def claims(self, callee: tuple[str, ...]) -> bool:
        """Whether a call to `callee` declares something this adapter records."""
        return False

    def evaluate_call(self, ev, call: cst.Call, callee: tuple[str, ...], scope, target: str | None, tools: bool) -> Value | None:
        return None

    def evaluate_dict(self, ev, node: cst.Dict, scope) -> Value | None:
        return None

    def on_function(self, interpreter, node: cst.FunctionDef, fact, scope) -> None:
        return None

    def observe_statement(self, interpreter, node: cst.CSTNode, scope) -> None:
        return None

    def finish(self, interpreter) -> None:
        return None


def display_names(adapter: type[BaseAdapter]) -> tuple[str, ...]:
    """The names people know the adapter's frameworks by."""
    from riskscan.frameworks import display_name

    return tuple(display_name(framework) for framework in adapter.frameworks)


def make_adapters(ctx: FileContext) -> list[BaseAdapter]:
    return [adapter(ctx) for adapter in adapter_classes()]


def triggers(builtin_tools: frozenset[str]) -> Triggers:
    """Every adapter's triggers, and the framework built-in tools of the rulesets (`WebSearchTool()`
    declares a tool wherever it is called)."""
    found = Triggers(names=builtin_tools)
    for adapter in adapter_classes():
        found = found | adapter.triggers()
    return found.with_words()


@cache
def adapter_classes() -> tuple[type[BaseAdapter], ...]:
    """Every adapter, in the order each call is offered to them. OpenAIAgents takes any call of a
    catalogued built-in tool and any outside class in a tool list, so the adapters that read their
    own tool classes and gates (DSPy to Agno) come before it."""
    from riskscan.extract.python.adapters.agno import Agno
    from riskscan.extract.python.adapters.autogen import AutoGen
    from riskscan.extract.python.adapters.claude_agent_sdk import ClaudeAgentSdk
    from riskscan.extract.python.adapters.crewai import CrewAI
    from riskscan.extract.python.adapters.dspy import DSPy
    from riskscan.extract.python.adapters.function_calling import FunctionCalling
    from riskscan.extract.python.adapters.google_adk import GoogleAdk
    from riskscan.extract.python.adapters.haystack import Haystack
    from riskscan.extract.python.adapters.langchain import LangChain
    from riskscan.extract.python.adapters.llamaindex import LlamaIndex
    from riskscan.extract.python.adapters.mcp_sdk import McpSdk
    from riskscan.extract.python.adapters.openai_agents import OpenAIAgents
    from riskscan.extract.python.adapters.pydantic_ai import PydanticAI
    from riskscan.extract.python.adapters.registrations import Registrations
    from riskscan.extract.python.adapters.responses_mcp import ResponsesMcp
    from riskscan.extract.python.adapters.semantic_kernel import SemanticKernel
    from riskscan.extract.python.adapters.smolagents import Smolagents
    from riskscan.extract.python.adapters.strands import Strands

    return (LangChain, CrewAI, Smolagents, AutoGen, PydanticAI, LlamaIndex, DSPy, SemanticKernel, Haystack, GoogleAdk, Strands, Agno, OpenAIAgents, ClaudeAgentSdk, McpSdk, ResponsesMcp, FunctionCalling, Registrations)

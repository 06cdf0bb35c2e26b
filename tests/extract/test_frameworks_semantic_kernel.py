"""The Semantic Kernel adapter on small sources: what each idiom records, and what it must not."""

from __future__ import annotations

import textwrap

import pytest

from riskscan.extract.python import extract
from riskscan.model import build
from riskscan.rulesets import load
from riskscan.types import SourceFile


@pytest.fixture(scope="module")
def rulesets():
    return load()


def facts(rulesets, source: str, path: str = "app/agent.py", module: str = "app.agent"):
    return extract(textwrap.dedent(source).encode(), SourceFile(path, "python", module), rulesets)


def system_of(rulesets, *files):
    return build("/x", list(files), rulesets)


def held(system, agent_name: str) -> dict[str, tuple[str, ...]]:
    """tool name -> its gate kinds, for the tools one agent holds."""
    tools = {t.id: t for t in system.tools}
    (agent,) = [a for a in system.agents if a.name == agent_name]
    return {tools[h.tool].name: tuple(sorted(g.kind for g in tools[h.tool].gates)) for h in agent.tools}


def flows(system, agent_name: str) -> set[tuple[str, str]]:
    names = {a.id: a.name for a in system.agents}
    (agent,) = [a for a in system.agents if a.name == agent_name]
    return {(h.kind, names[h.target]) for h in agent.handoffs}


MENU = """
    from typing import Annotated

    from semantic_kernel import Kernel
    from semantic_kernel.functions import kernel_function


    class MenuPlugin:
        @kernel_function(description="List the specials.")
        def get_specials(self) -> str:
            return "soup"

        @kernel_function(name="price", description="The price of an item.")
        def get_item_price(self, item: Annotated[str, "the item"], kernel: Kernel) -> str:
            return "$9.99"

        def helper(self) -> str:
            return "not a kernel function"
"""


def test_kernel_functions_of_a_plugin_class_are_its_tools_and_its_instance_stands_for_them(rulesets):
    plugins = facts(rulesets, MENU, "app/plugins.py", "app.plugins")
    assert [(t.id, t.name, t.description, t.params) for t in plugins.tools] == [
        ("app.plugins.MenuPlugin.get_specials", "get_specials", "List the specials.", ()),
        ("app.plugins.MenuPlugin.get_item_price", "price", "The price of an item.", ("item",)),
    ]
    bindings = {b.qualname: b.value for b in plugins.bindings}
    assert [r.qualname for r in bindings["app.plugins.MenuPlugin.<instance>"].items] == ["app.plugins.MenuPlugin.get_specials", "app.plugins.MenuPlugin.get_item_price"]
    agents = facts(rulesets, """
        from semantic_kernel.agents import ChatCompletionAgent
        from app.plugins import MenuPlugin

        host = ChatCompletionAgent(name="Host", instructions="Answer.", plugins=[MenuPlugin()])
        by_name = ChatCompletionAgent(name="ByName", plugins={"menu": MenuPlugin()})
    """)
    system = system_of(rulesets, plugins, agents)
    assert held(system, "Host") == held(system, "ByName") == {"get_specials": (), "price": ()}


def test_a_kernel_holds_what_is_added_to_it_also_through_a_helper_and_an_agents_kernel(rulesets):
    found = facts(rulesets, MENU + """
    from semantic_kernel.agents import ChatCompletionAgent
    from semantic_kernel.core_plugins import TimePlugin

    def lookup(order: str) -> str:
        return order
    lookup = kernel_function(lookup)

    def make_kernel() -> Kernel:
        kernel = Kernel()
        kernel.add_plugin(MenuPlugin(), plugin_name="menu")
        return kernel

    async def main():
        agent = ChatCompletionAgent(name="Host", kernel=make_kernel())
        shared = Kernel(plugins=[TimePlugin()])
        shared.add_function("orders", function=lookup)
        shared.add_function("jokes", prompt="Tell a joke about {{$input}}")
        clerk = ChatCompletionAgent(name="Clerk", kernel=shared)
        clerk.kernel.add_plugin(MenuPlugin(), "menu")
    """)
    system = system_of(rulesets, found)
    assert held(system, "Host") == {"get_specials": (), "price": ()}
    assert held(system, "Clerk") == {"time": (), "lookup": (), "get_specials": (), "price": ()}


def test_agents_as_plugins_are_agent_as_tool_and_orchestrations_join_contexts(rulesets):
    found = facts(rulesets, """
        from semantic_kernel.agents import (
            ChatCompletionAgent, ConcurrentOrchestration, GroupChatOrchestration, HandoffOrchestration,
            OrchestrationHandoffs, RoundRobinGroupChatManager, SequentialOrchestration,
        )

        def get_agents():
            triage = ChatCompletionAgent(name="Triage")
            refunds = ChatCompletionAgent(name="Refunds")
            handoffs = OrchestrationHandoffs().add(triage, refunds)
            return [triage, refunds], handoffs

        async def main():
            a = ChatCompletionAgent(name="A")
            b = ChatCompletionAgent(name="B")
            c = ChatCompletionAgent(name="C")
            boss = ChatCompletionAgent(name="Boss", plugins=[a, b])
            GroupChatOrchestration(members=[a, b], manager=RoundRobinGroupChatManager())
            SequentialOrchestration(members=[a, b, c])
            ConcurrentOrchestration(members=[b, c])
            agents, handoffs = get_agents()
            HandoffOrchestration(members=agents, handoffs=handoffs)
    """)
    system = system_of(rulesets, found)
    assert flows(system, "Boss") == {("agent-as-tool", "A"), ("agent-as-tool", "B")}
    assert flows(system, "A") == {("shared-context", "B"), ("task-context", "B")}
    assert flows(system, "B") == {("shared-context", "A"), ("task-context", "C")}
    assert flows(system, "C") == set()  # concurrent members share nothing
    assert flows(system, "Triage") == {("shared-context", "Refunds")}


def test_mcp_plugins_are_their_servers_tools(rulesets):
    found = facts(rulesets, """
        from semantic_kernel.agents import ChatCompletionAgent
        from semantic_kernel.connectors.mcp import MCPStdioPlugin, MCPStreamableHttpPlugin

        async def main():
            async with MCPStdioPlugin(name="fs", command="npx", args=["-y", "@modelcontextprotocol/server-filesystem", "/srv"]) as fs:
                async with MCPStreamableHttpPlugin(name="docs", url="https://docs.example.com/mcp") as docs:
                    prompts = MCPStdioPlugin(name="prompts", command="python", args=["server.py"], load_tools=False)
                    agent = ChatCompletionAgent(name="Files", plugins=[fs, docs, prompts])
    """)
    system = system_of(rulesets, found)
    tools = held(system, "Files")
    assert {"read_text_file", "write_file", "docs/*"} <= set(tools) and "prompts/*" not in tools


def test_http_plugin_refuses_every_url_unless_domains_are_allowed(rulesets):
    found = facts(rulesets, """
        from semantic_kernel.agents import ChatCompletionAgent
        from semantic_kernel.core_plugins import HttpPlugin, SessionsPythonTool, TimePlugin

        closed = ChatCompletionAgent(name="Closed", plugins=[HttpPlugin()])
        listed = ChatCompletionAgent(name="Listed", plugins=[HttpPlugin(allowed_domains=["api.example.com"])])
        open_ = ChatCompletionAgent(name="Open", plugins=[HttpPlugin(allow_all_domains=True), SessionsPythonTool(), TimePlugin()])
    """)
    gates = {t.location.line: [g.detail for g in t.gates] for t in found.tools if t.name == "http"}
    assert gates == {5: ["HttpPlugin without allowed_domains refuses every request"], 6: ["HttpPlugin allowed_domains=[\"api.example.com\"]"], 7: []}
    assert [(h.check, h.location.line) for h in found.hygiene] == [("dangerous-requests-switch", 7)]
    system = system_of(rulesets, found)
    assert held(system, "Open") == {"http": (), "execute_code": ("sandbox",), "time": ()}
    labels = {t.name: sorted(c.label for c in t.capabilities) for t in system.tools}
    assert (labels["http"], labels["execute_code"], labels["time"]) == (["external_send", "untrusted_input"], ["code_exec"], [])


FILTERED = """
    from semantic_kernel import Kernel
    from semantic_kernel.agents import ChatCompletionAgent
    from semantic_kernel.filters import FilterTypes
    from semantic_kernel.functions import kernel_function

    class Payments:
        @kernel_function
        def pay(self, amount: int) -> str:
            return "paid"

    kernel = Kernel()
    kernel.add_plugin(Payments(), "payments")
"""


@pytest.mark.parametrize(("filter_source", "gate"), [
    ("""
    @kernel.filter(FilterTypes.AUTO_FUNCTION_INVOCATION)
    async def confirm(context, next):
        if input(f"run {context.function.name}? ") != "y":
            return
        await next(context)
    """, "approval"),
    ("""
    async def only_small(context, next):
        if context.arguments["amount"] < 100:
            await next(context)
    kernel.add_filter("function_invocation", only_small)
    """, "guardrail"),
    ("""
    async def log_then_stop(context, next):
        await next(context)
        if context.function.plugin_name == "payments":
            context.terminate = True
    kernel.add_filter(FilterTypes.AUTO_FUNCTION_INVOCATION, log_then_stop)
    """, None),
    ("""
    async def some(context, next):
        if context.function.plugin_name != "payments":
            await next(context)
            return
        if input("pay? ") != "y":
            raise RuntimeError("refused")
        await next(context)
    kernel.add_filter("function_invocation", some)
    """, None),
    ("""
    async def render(context, next):
        return
    kernel.add_filter("prompt_rendering", render)
    """, None),
])
def test_a_function_invocation_filter_is_a_gate_only_when_it_can_refuse_every_call(rulesets, filter_source, gate):
    source = textwrap.dedent(FILTERED) + textwrap.dedent(filter_source) + 'agent = ChatCompletionAgent(name="Payer", kernel=kernel)\n'
    found = facts(rulesets, source)
    system = system_of(rulesets, found)
    assert held(system, "Payer") == {"pay": (gate,) if gate else ()}


def test_function_choice_behavior_cuts_what_an_agent_may_call(rulesets):
    found = facts(rulesets, MENU + """
    from semantic_kernel.agents import ChatCompletionAgent
    from semantic_kernel.connectors.ai import FunctionChoiceBehavior
    from semantic_kernel.connectors.mcp import MCPStreamableHttpPlugin
    from semantic_kernel.core_plugins import TimePlugin

    docs = MCPStreamableHttpPlugin(name="docs", url="https://docs.example.com/mcp")
    plugins = [MenuPlugin(), TimePlugin(), docs]
    some = ChatCompletionAgent(name="Some", plugins=plugins, function_choice_behavior=FunctionChoiceBehavior.Auto(
        filters={"included_functions": ["MenuPlugin-price", "docs-search"]}))
    fewer = ChatCompletionAgent(name="Fewer", plugins={"menu": MenuPlugin()}, function_choice_behavior=FunctionChoiceBehavior.Auto(
        filters={"excluded_functions": ["menu-get_specials"]}))
    no_menu = ChatCompletionAgent(name="NoMenu", plugins=[MenuPlugin()], function_choice_behavior=FunctionChoiceBehavior.Required(
        filters={"excluded_plugins": ["MenuPlugin"]}))
    none = ChatCompletionAgent(name="None", plugins=[MenuPlugin()], function_choice_behavior=FunctionChoiceBehavior.NoneInvoke())
    """)
    system = system_of(rulesets, found)
    assert held(system, "Some") == {"price": (), "time": (), "search": ()}  # the builtin's functions are not known
    assert held(system, "Fewer") == {"price": ()}
    assert held(system, "NoMenu") == held(system, "None") == {}
    assert [d.code for d in found.diagnostics] == ["partial-filter"]


def test_hosted_tools_of_responses_assistant_and_azure_ai_agents(rulesets):
    found = facts(rulesets, """
        from azure.ai.agents.models import CodeInterpreterTool
        from semantic_kernel.agents import AzureAIAgent, AzureAssistantAgent, OpenAIResponsesAgent

        async def main(client, openai):
            web = OpenAIResponsesAgent(ai_model_id="gpt-4o", client=openai, name="Web", tools=[OpenAIResponsesAgent.configure_web_search_tool()])
            code_tools, code_resources = AzureAssistantAgent.configure_code_interpreter_tool()
            definition = await openai.beta.assistants.create(model="gpt-4o", name="Analyst", tools=code_tools, tool_resources=code_resources)
            analyst = AzureAssistantAgent(client=openai, definition=definition)
            interpreter = CodeInterpreterTool()
            foundry = await client.agents.create_agent(model="gpt-4o", name="Coder", tools=interpreter.definitions)
            coder = AzureAIAgent(client=client, definition=foundry)
    """)
    system = system_of(rulesets, found)
    assert held(system, "Web") == {"web_search": ()}
    assert held(system, "Analyst") == {"code_interpreter": ("sandbox",)}
    assert held(system, "Coder") == {"code_interpreter": ("sandbox",)}


def test_a_declarative_agent_is_named_by_its_spec_and_holds_its_hosted_tools_and_kernel(rulesets):
    found = facts(rulesets, MENU + '''
    from semantic_kernel.agents import AgentRegistry, AzureAIAgent

    SPEC = """
    type: foundry_agent
    name: Analyst
    tools:
      - id: MenuPlugin.get_specials
        type: function
      - type: code_interpreter
    """

    async def main(client):
        kernel = Kernel()
        kernel.add_plugin(MenuPlugin(), plugin_name="MenuPlugin")
        analyst = await AgentRegistry.create_from_yaml(SPEC, kernel=kernel, client=client)
        other = await AzureAIAgent.from_yaml(load_spec(), client=client)
    ''')
    system = system_of(rulesets, found)
    assert held(system, "Analyst") == {"get_specials": (), "price": (), "code_interpreter": ("sandbox",)}
    assert held(system, "other") == {}
    assert [(d.code, d.location.line) for d in found.diagnostics] == [("unresolved-spec", 35)]

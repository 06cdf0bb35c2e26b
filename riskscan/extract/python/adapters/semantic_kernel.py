"""Semantic Kernel: `@kernel_function` functions and methods (a class with such methods is a plugin:
an instance stands for its functions), kernels (`Kernel(plugins=...)`, `kernel.add_plugin(obj,
plugin_name=...)`, `add_plugins`, `add_function(plugin_name, function=f)`, `add_functions`,
`KernelPlugin.from_object`), the agents (`ChatCompletionAgent`, `AzureAIAgent`,
`OpenAIAssistantAgent`, `AzureAssistantAgent`, `OpenAIResponsesAgent`, `AzureResponsesAgent`,
`BedrockAgent`, `BedrockAgent.create_and_prepare_agent`) with `kernel=` and `plugins=` (a list or
a dict by plugin name; an agent among them is an agent run as a kernel function, agent-as-tool)
and `function_choice_behavior=FunctionChoiceBehavior.Auto(filters={...})` cutting what they may
call, or `NoneInvoke()` calling nothing; `agent.kernel.add_plugin(...)` on an agent of the file.

Agents together: `GroupChatOrchestration`, `MagenticOrchestration`, `HandoffOrchestration` (every
member's response is published to every member: one shared context) and `AgentGroupChat` share
one context; `SequentialOrchestration` hands each member's output to the next;
`ConcurrentOrchestration` gives each the same task and shares nothing. MCP plugins, built-in
plugins, hosted tools and function-invocation filters are read by semantic_kernel_tools.py.
Names are those of semantic-kernel 1.45.0.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from itertools import pairwise

from riskscan.extract.python.adapters import semantic_kernel_tools as sk_tools
from riskscan.extract.python.adapters.declarations import dict_entries
from riskscan.extract.python.adapters.frameworks import (
    DecoratorSpec,
    FrameworkAdapter,
    Specs,
    WrapperSpec,
    argument,
)
from riskscan.extract.python.syntax import cst, find_nodes
from riskscan.extract.python.values import (
    flatten_items,
    keyword,
    string_value,
)
from riskscan.types import (
    AgentFact,
    Binding,
    Gate,
    Items,
    Opaque,
    Ref,
    Registration,
    Value,
    When,
)

FRAMEWORK = "semantic-kernel"
_AGENT_MODULES = {
    "ChatCompletionAgent": "chat_completion.chat_completion_agent",
    "AzureAIAgent": "azure_ai.azure_ai_agent",
    "OpenAIAssistantAgent": "open_ai.openai_assistant_agent",
    "AzureAssistantAgent": "open_ai.azure_assistant_agent",
    "OpenAIResponsesAgent": "open_ai.openai_responses_agent",
    "AzureResponsesAgent": "open_ai.azure_responses_agent",
    "BedrockAgent": "bedrock.bedrock_agent",
}
AGENT_CLASSES = {f"semantic_kernel.agents.{path}": cls for cls, module in _AGENT_MODULES.items() for path in (cls, f"{module}.{cls}")}
BEDROCK_CREATE = frozenset(f"{name}.create_and_prepare_agent" for name, cls in AGENT_CLASSES.items() if cls == "BedrockAgent")
FROM_SPEC = frozenset(f"{name}.{method}" for name in AGENT_CLASSES for method in ("from_yaml", "from_dict")) | sk_tools.DECLARATIVE
AGENTS = frozenset(AGENT_CLASSES) | BEDROCK_CREATE | FROM_SPEC
KERNELS = ("semantic_kernel.Kernel", "semantic_kernel.kernel.Kernel")
KERNEL_METHODS = {f"{kernel}.{method}": method for kernel in KERNELS for method in (
    "add_plugin", "add_plugins", "add_function", "add_functions", "add_filter", "as_mcp_server")}
FILTER_DECORATORS = frozenset(f"{kernel}.filter" for kernel in KERNELS)
KERNEL_FUNCTION = ("semantic_kernel.functions.kernel_function", "semantic_kernel.functions.kernel_function_decorator.kernel_function")
FROM_OBJECT = frozenset(f"{cls}.from_object" for cls in ("semantic_kernel.functions.KernelPlugin", "semantic_kernel.functions.kernel_plugin.KernelPlugin"))
_ORCHESTRATION = "semantic_kernel.agents"
SHARED = frozenset(
    f"{_ORCHESTRATION}.{path}"
    for cls, module in (("GroupChatOrchestration", "group_chat"), ("MagenticOrchestration", "magentic"), ("HandoffOrchestration", "handoffs"))
    for path in (cls, f"orchestration.{module}.{cls}")
) | {f"{_ORCHESTRATION}.AgentGroupChat", f"{_ORCHESTRATION}.group_chat.agent_group_chat.AgentGroupChat"}
SEQUENTIAL = frozenset({f"{_ORCHESTRATION}.SequentialOrchestration", f"{_ORCHESTRATION}.orchestration.sequential.SequentialOrchestration"})
CONCURRENT = frozenset({f"{_ORCHESTRATION}.ConcurrentOrchestration", f"{_ORCHESTRATION}.orchestration.concurrent.ConcurrentOrchestration"})
CONTEXT_TYPES = frozenset({*KERNELS, "semantic_kernel.functions.KernelArguments", "semantic_kernel.functions.kernel_arguments.KernelArguments"})

SPECS = Specs(
    decorators={name: DecoratorSpec(FRAMEWORK, name=((None, "name"),), description=((None, "description"),)) for name in KERNEL_FUNCTION},
    wrappers={name: WrapperSpec(FRAMEWORK, function=((0, "func"),)) for name in KERNEL_FUNCTION},
)


@dataclass
class Kernel:
    id: str
    plugins: list[tuple[str | None, Value]] = field(default_factory=list)  # (plugin name, what it holds)
    gates: list[Gate] = field(default_factory=list)  # function-invocation filters that may refuse a call


@dataclass
class AgentPlugins:
    """What one agent may call, gathered in `finish` once every kernel is complete."""

    kernels: list[Value]
    plugins: list[tuple[str | None, Value]]
    choice: cst.Call | None


class SemanticKernel(FrameworkAdapter):
    frameworks = (FRAMEWORK,)
    specs = SPECS
    more_calls = AGENTS | frozenset(KERNELS) | frozenset(KERNEL_METHODS) | FROM_OBJECT | SHARED | SEQUENTIAL | CONCURRENT | sk_tools.CALLS
    more_triggers = FILTER_DECORATORS
    context_types = CONTEXT_TYPES

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.kernels: dict[str, Kernel] = {}
        self.agent_plugins: dict[str, AgentPlugins] = {}
        self.plugin_classes: dict[str, list[str]] = {}  # class -> its kernel functions (tool ids)

    def evaluate_more(self, ev, call, callee, scope, target, tools) -> Value | None:
        names = set(callee)
        if names & AGENTS:
            return self.sk_agent(ev, call, scope, target)
        if names & set(KERNELS):
            return self.kernel(ev, call, scope, target)
        method = next((KERNEL_METHODS[n] for n in callee if n in KERNEL_METHODS), None)
        if method is not None:
            return self.kernel_method(ev, call, method, scope, target)
        if isinstance(call.func, cst.Attribute) and call.func.attr.value in ("add_plugin", "add_plugins") and self.agent_kernel(call.func.value):
            return self.agent_kernel_plugin(ev, call, call.func.attr.value, scope)
        if names & FROM_OBJECT:
            ev.evaluate_arguments(call, scope)
            plugin = argument(call, ((1, "plugin_instance"),))
            return ev.evaluate(plugin, scope) if plugin is not None else Opaque("KernelPlugin.from_object of nothing", self.ctx.loc(call))
        if names & (SHARED | SEQUENTIAL | CONCURRENT):
            return self.orchestration(ev, call, names, scope)
        return sk_tools.evaluate(self, ev, call, names, scope, target)

    # --- plugins -------------------------------------------------------------------------------

    def function_tool(self, tool_id, function, node, options, framework, name_places, description_places, location) -> str:
        tool_id = super().function_tool(tool_id, function, node, options, framework, name_places, description_places, location)
        owner = self.ctx.declarations.method_class.get(id(node)) if node is not None else None
        if owner is not None:
            self.plugin_classes.setdefault(owner, []).append(tool_id)
        return tool_id

    def on_method(self, interpreter, node, fact, scope) -> None:
        """`@kernel.filter(FilterTypes.AUTO_FUNCTION_INVOCATION)` on a function."""
        for decorator in node.decorators:
            call = decorator.decorator
            if not (isinstance(call, cst.Call) and set(self.ctx.callee_names(call.func)) & FILTER_DECORATORS and isinstance(call.func, cst.Attribute)):
                continue
            kernels, _ = self.kernels_of(interpreter.ev.evaluate(call.func.value, scope))
            for gate in sk_tools.filter_gates(self, argument(call, ((0, "filter_type"),)), node):
                for kernel in kernels:
                    kernel.gates.append(gate)

    def plugin_entries(self, ev, node: cst.BaseExpression | None, scope, name: str | None = None) -> list[tuple[str | None, Value]]:
        """`[A(), b]`, `{"name": A()}` or one plugin: (its name, if written, and its value) each."""
        if node is None:
            return []
        if isinstance(node, cst.Dict):
            names = {id(value): key for key, value in dict_entries(node).items()}
            return [(names.get(id(e.value)), ev.evaluate(e.value, scope)) for e in node.elements if isinstance(e, cst.DictElement)]
        if isinstance(node, (cst.List, cst.Tuple)):
            return [(None, ev.evaluate(e.value, scope)) for e in node.elements]
        return [(name, ev.evaluate(node, scope))]

    # --- kernels -------------------------------------------------------------------------------

    def kernel(self, ev, call: cst.Call, scope, target: str | None) -> Value:
        ctx = self.ctx
        kernel_id = target or f"{ctx.module_name}.<kernel {ctx.loc(call).line}>"
        kernel = self.kernels.setdefault(kernel_id, Kernel(kernel_id))
        plugins = keyword(call, "plugins")
        for arg in call.args:
            if arg.value is not plugins:
                ev.evaluate(arg.value, scope)
        kernel.plugins += self.plugin_entries(ev, plugins, scope)
        return Items((Ref(kernel_id, ctx.loc(call)),))  # a list, so that a helper returning it is followed

    def kernels_of(self, value: Value, depth: int = 0) -> tuple[list[Kernel], list[Value]]:
        """The kernels of this file a value is (through names bound in this file), and the rest."""
        known: list[Kernel] = []
        rest: list[Value] = []
        for item, condition in flatten_items(Items((value,))):
            bound = self.ctx.bindings.get(item.qualname) if isinstance(item, Ref) else None
            if isinstance(item, Ref) and item.qualname in self.kernels:
                known.append(self.kernels[item.qualname])
            elif bound is not None and depth < 8 and bound.value != item:
                inner_known, inner_rest = self.kernels_of(bound.value, depth + 1)
                known += inner_known
                rest += [When(r, condition) if condition else r for r in inner_rest]
            else:
                rest.append(When(item, condition) if condition else item)
        return known, rest

    def kernel_method(self, ev, call: cst.Call, method: str, scope, target: str | None) -> Value:
        ctx = self.ctx
        receiver = ev.evaluate(call.func.value, scope) if isinstance(call.func, cst.Attribute) else Opaque("kernel", ctx.loc(call))
        kernels, _ = self.kernels_of(receiver)
        if method == "add_filter":
            ev.evaluate_arguments(call, scope)
            for gate in sk_tools.filter_gates(self, argument(call, ((0, "filter_type"),)), argument(call, ((1, "filter"),))):
                for kernel in kernels:
                    kernel.gates.append(gate)
            return Opaque("add_filter", ctx.loc(call))
        if method == "as_mcp_server":
            ev.evaluate_arguments(call, scope)
            name = string_value(keyword(call, "server_name")) or "semantic-kernel"
            tools = tuple(Ref(k.id, ctx.loc(call)) for k in kernels)
            agent_id = ctx.add_agent(AgentFact(target or f"{ctx.module_name}.<mcp server {name}>", name, FRAMEWORK, ctx.loc(call), tools, (), scope.condition))
            return Ref(agent_id, ctx.loc(call))
        entries = self.method_entries(ev, call, method, scope)
        if not kernels:
            ctx.diagnose(call, "unresolved-kernel", f"{method} on a kernel not made in this file (or not known statically); its plugins are not joined to any agent", "info")
        for kernel in kernels:
            kernel.plugins += entries
        values = [value for _, value in entries]
        return values[0] if len(values) == 1 else Items(tuple(values))

    def method_entries(self, ev, call: cst.Call, method: str, scope) -> list[tuple[str | None, Value]]:
        """The plugins an add_* method adds, with their names."""
        if method in ("add_plugin", "add_plugins"):
            plugin = argument(call, ((0, "plugin"), (0, "plugins")))
            name = string_value(argument(call, ((1, "plugin_name"),)))
            for arg in call.args:
                if arg.value is not plugin:
                    ev.evaluate(arg.value, scope)
            return self.plugin_entries(ev, plugin, scope, name)
        name = string_value(argument(call, ((0, "plugin_name"),)))
        functions = argument(call, ((1, "function"), (1, "functions")))
        for arg in call.args:
            if arg.value is not functions:
                ev.evaluate(arg.value, scope)
        if functions is None:  # a prompt function: the model asked again, nothing else
            return []
        return [(name, value) for _, value in self.plugin_entries(ev, functions, scope)]

    def agent_kernel(self, node: cst.BaseExpression) -> str | None:
        """`agent.kernel` of an agent made in this file: the agent's id."""
        if not (isinstance(node, cst.Attribute) and node.attr.value == "kernel" and isinstance(node.value, cst.Name)):
            return None
        names = [n for n in self.ctx.names_of(node.value) if n in self.agent_plugins]
        return names[0] if names else None

    def agent_kernel_plugin(self, ev, call: cst.Call, method: str, scope) -> Value:
        ctx = self.ctx
        agent_id = self.agent_kernel(call.func.value)
        for _, value in self.method_entries(ev, call, method, scope):
            ctx.registrations.append(Registration(agent_id, value, ctx.loc(call)))
        return Opaque(f"{method} on an agent's kernel", ctx.loc(call))

    # --- agents --------------------------------------------------------------------------------

    def sk_agent(self, ev, call: cst.Call, scope, target: str | None) -> Value:
        ctx = self.ctx
        kernel_node, plugins_node, choice = keyword(call, "kernel"), keyword(call, "plugins"), keyword(call, "function_choice_behavior")
        tools_node = keyword(call, "tools")
        callee = set(ctx.callee_names(call.func))
        definition = sk_tools.definition_call(self, keyword(call, "definition"))
        spec = sk_tools.declared_spec(self, call) if callee & FROM_SPEC else {}
        name = string_value(argument(call, ((0 if callee & BEDROCK_CREATE else None, "name"),)))
        name = name or (string_value(keyword(definition, "name")) if definition is not None else None)
        name = name or (spec["name"] if isinstance(spec.get("name"), str) else None)
        name = name or (target.rsplit(".", 1)[-1] if target else min(callee & AGENTS).rsplit(".", 1)[-1])
        agent_id = target or f"{ctx.module_name}.<agent {name}>"
        for arg in call.args:
            if arg.value not in (kernel_node, plugins_node, tools_node):
                ev.evaluate(arg.value, scope)
        kernels = [ev.evaluate(kernel_node, scope)] if kernel_node is not None else []
        plugins = self.plugin_entries(ev, plugins_node, scope)
        hosted = sk_tools.hosted_tools(self, ev, call, definition, scope) + sk_tools.spec_tools(self, spec, call)
        plugins_id = f"{agent_id}.<plugins>"
        tools = (Ref(plugins_id, ctx.loc(call)), *hosted)
        agent_id = ctx.add_agent(AgentFact(agent_id, name, FRAMEWORK, ctx.loc(call), tools, (), scope.condition))
        self.agent_plugins[agent_id] = AgentPlugins(kernels, plugins, choice if isinstance(choice, cst.Call) else None)
        return Ref(agent_id, ctx.loc(call))

    def finish(self, interpreter) -> None:
        ctx = self.ctx
        for owner, tools in sorted(self.plugin_classes.items()):
            name = f"{owner}.<instance>"
            ctx.bindings[name] = Binding(name, Items(tuple(Ref(t, ctx.tools[t].location) for t in tools)))
        for kernel in self.kernels.values():
            ctx.bindings[kernel.id] = Binding(kernel.id, Items(tuple(value for _, value in kernel.plugins)))
        for agent_id, gathered in self.agent_plugins.items():
            agent = ctx.agents[agent_id]
            entries, gates = list(gathered.plugins), []
            for value in gathered.kernels:
                kernels, rest = self.kernels_of(value)
                entries += [(name, plugin) for kernel in kernels for name, plugin in kernel.plugins] + [(None, r) for r in rest]
                gates += [gate for kernel in kernels for gate in kernel.gates]
            kept = sk_tools.chosen(self, entries, gathered.choice, agent.name)
            ctx.bindings[f"{agent_id}.<plugins>"] = Binding(f"{agent_id}.<plugins>", Items(tuple(kept)))
            if gates:
                ctx.agents[agent_id] = replace(agent, tool_gates=tuple(sorted(set(agent.tool_gates) | {("*", g) for g in gates})))

    # --- agents together -----------------------------------------------------------------------

    def orchestration(self, ev, call: cst.Call, names: set[str], scope) -> Value:
        ctx = self.ctx
        members_node = argument(call, ((0, "members"), (0, "agents")))
        for arg in call.args:
            if arg.value is not members_node:
                ev.evaluate(arg.value, scope)
        members = ev.evaluate(members_node, scope) if members_node is not None else Items(())
        if isinstance(members, Opaque) and isinstance(members_node, cst.Name):
            members = self.unpacked(members_node, scope) or members
        items = [When(item, c) if c else item for item, c in sk_tools.expanded(self, members)]
        if names & SHARED:
            self.link("shared-context", Items(tuple(items)), call, scope)
        elif names & SEQUENTIAL:
            for earlier, later in pairwise(items):
                self.link("task-context", later, call, scope, source=earlier, both_ways=False)
        return Opaque("orchestration", ctx.loc(call))

    def unpacked(self, name: cst.Name, scope) -> Value | None:
        """`agents, handoffs = get_agents()` in this function, with `get_agents` of this file
        returning a tuple: what it returns at that place."""
        ctx = self.ctx
        function = ctx.function_nodes.get(scope.qualname) if scope.kind == "function" else None
        for assign in find_nodes(function.body if function is not None else ctx.module, cst.Assign):
            target = assign.targets[0].target
            made = assign.value.expression if isinstance(assign.value, cst.Await) else assign.value
            if len(assign.targets) != 1 or not isinstance(target, cst.Tuple) or not isinstance(made, cst.Call):
                continue
            places = [i for i, e in enumerate(target.elements) if isinstance(e.value, cst.Name) and e.value.value == name.value]
            returned = [ctx.bindings.get(f"{n}.<return>") for n in ctx.callee_names(made.func)]
            for binding in [b for b in returned if b is not None and places]:
                parts = [r.items[places[0]] for r in binding.value.items if isinstance(r, Items) and len(r.items) == len(target.elements)]
                if parts:
                    return parts[0] if len(parts) == 1 else Items(tuple(parts))
        return None

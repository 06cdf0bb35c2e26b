"""Semantic Kernel's tools that are not the project's own functions, and the filters in front of
calls (for semantic_kernel.py):

- MCP plugins (`MCPStdioPlugin(name, command=..., args=[...])`, `MCPStreamableHttpPlugin(name,
  url=...)`, `MCPSsePlugin`, `MCPWebsocketPlugin`): a catalogued server's tools, the project's own
  server when the command runs one of its scripts, else one opaque tool;
- built-in plugins and hosted tools catalogued in rulesets/builtin_tools_semantic_kernel.yaml
  (`HttpPlugin`, `SessionsPythonTool`, `WebSearchEnginePlugin`, ..., the agents' `configure_*_tool`
  methods, the Azure AI Agent tool classes whose `.definitions` an agent definition takes).
  `HttpPlugin` sends nothing unless `allowed_domains` (an allow-list gate) or
  `allow_all_domains=True` (no gate, a hygiene finding) lets it;
- what `function_choice_behavior` lets an agent call: nothing for `NoneInvoke()`, and for
  `Auto(filters={...})` / `Required(filters=...)` the plugins and functions (`Plugin-function`)
  that `included_plugins` / `excluded_plugins` / `included_functions` / `excluded_functions`
  keep, among the plugins whose functions the file knows (its plugin classes, MCP servers);
- declarative agents (`AgentRegistry.create_from_yaml(text, kernel=..., plugins=...)`,
  `create_from_dict`, `ChatCompletionAgent.from_yaml`, ...): the spec's name and its hosted tools
  (`tools: - type: code_interpreter`), when the spec is a literal of the file;
- function-invocation filters (`kernel.add_filter("function_invocation" |
  "auto_function_invocation", f)`, `@kernel.filter(...)`): a filter that can return before it
  calls `next(context)` refuses the call, a gate on every function of the kernel's agents; an
  approval when it asks a human (`input()`), a guardrail otherwise. A filter that always calls
  `next`, or lets some functions through untested, is no gate.
"""

from __future__ import annotations

from dataclasses import replace

import yaml

from riskscan.extract.configs.mcp_config import server_tool_facts
from riskscan.extract.python.adapters.declarations import dict_entries
from riskscan.extract.python.adapters.frameworks import argument, code, is_true
from riskscan.extract.python.syntax import cst, find_nodes
from riskscan.extract.python.values import (
    flatten_items,
    keyword,
    launch_arguments,
    literal,
    string_list,
    string_value,
)
from riskscan.formats import yaml_input
from riskscan.types import Gate, Items, Opaque, Ref, ToolFact, Value, When

FRAMEWORK = "semantic-kernel"
_MCP = "semantic_kernel.connectors.mcp"
STDIO = frozenset({f"{_MCP}.MCPStdioPlugin"})
URL = frozenset(f"{_MCP}.{name}" for name in ("MCPStreamableHttpPlugin", "MCPSsePlugin", "MCPWebsocketPlugin"))
HTTP_PLUGIN = frozenset({"semantic_kernel.core_plugins.HttpPlugin", "semantic_kernel.core_plugins.http_plugin.HttpPlugin"})
# assistants' configure_*_tool return (tools, resources)
PAIRS = frozenset(
    f"semantic_kernel.agents.{path}.{method}"
    for cls, module in (("OpenAIAssistantAgent", "openai_assistant_agent"), ("AzureAssistantAgent", "azure_assistant_agent"))
    for path in (cls, f"open_ai.{module}.{cls}")
    for method in ("configure_code_interpreter_tool", "configure_file_search_tool")
)
_REGISTRY = ("semantic_kernel.agents.AgentRegistry", "semantic_kernel.agents.agent.AgentRegistry")
DECLARATIVE = frozenset(f"{r}.{m}" for r in _REGISTRY for m in ("create_from_yaml", "create_from_dict", "create_from_file"))
# a declarative spec's hosted tool types (agents/azure_ai/azure_ai_agent.py `_register_tool`) as catalogued tools
SPEC_TOOLS = {
    "code_interpreter": "azure.ai.agents.models.CodeInterpreterTool", "file_search": "azure.ai.agents.models.FileSearchTool",
    "bing_grounding": "azure.ai.agents.models.BingGroundingTool", "azure_ai_search": "azure.ai.agents.models.AzureAISearchTool",
    "openapi": "azure.ai.agents.models.OpenApiTool", "mcp": "azure.ai.agents.models.McpTool",
    "web_search": "semantic_kernel.agents.OpenAIResponsesAgent.configure_web_search_tool",
}
CALLS = STDIO | URL | HTTP_PLUGIN | PAIRS
FILTER_KINDS = frozenset({"function_invocation", "auto_function_invocation"})
INPUT = frozenset({"builtins.input"})


def evaluate(adapter, ev, call: cst.Call, names: set[str], scope, target: str | None) -> Value | None:
    ctx = adapter.ctx
    if names & (STDIO | URL):
        ev.evaluate_arguments(call, scope)
        return mcp_plugin(adapter, call, names, target)
    catalog = ctx.rulesets.builtin_index()
    builtin = next((n for n in sorted(names) if n in catalog and catalog[n].framework == FRAMEWORK), None)
    if builtin is None:
        return None
    ev.evaluate_arguments(call, scope)
    tool = builtin_tool(adapter, builtin, call, http_gates(adapter, call) if names & HTTP_PLUGIN else ())
    return Items((tool, Opaque("tool resources", ctx.loc(call)))) if names & PAIRS else tool


def builtin_tool(adapter, builtin: str, node: cst.CSTNode, gates: tuple[Gate, ...] = ()) -> Value:
    ctx = adapter.ctx
    entry = ctx.rulesets.builtin_index()[builtin]
    tool = ToolFact(f"{ctx.module_name}.<builtin {builtin}>", entry.tool_name, FRAMEWORK, ctx.loc(node), builtin=builtin, gates=gates)
    return Ref(ctx.add_tool(tool), ctx.loc(node))


def http_gates(adapter, call: cst.Call) -> tuple[Gate, ...]:
    """HttpPlugin refuses every URL unless told which domains it may reach."""
    ctx = adapter.ctx
    allow_all, allowed = keyword(call, "allow_all_domains"), keyword(call, "allowed_domains")
    if is_true(allow_all):
        adapter.hygiene("dangerous-requests-switch", allow_all, "HttpPlugin", "allow_all_domains=True")
        return ()
    if allowed is not None and not (isinstance(allowed, cst.Name) and allowed.value == "None"):
        return (Gate("allowlist", f"HttpPlugin allowed_domains={code(ctx, allowed)}", ctx.loc(allowed)),)
    if allow_all is None or (isinstance(allow_all, cst.Name) and allow_all.value == "False"):
        return (Gate("allowlist", "HttpPlugin without allowed_domains refuses every request", ctx.loc(call)),)
    ctx.diagnose(allow_all, "unresolved-gate", f"allow_all_domains={code(ctx, allow_all)} is not known statically; no gate recorded", "info")
    return ()


# --- MCP plugins -----------------------------------------------------------------------------


def mcp_plugin(adapter, call: cst.Call, names: set[str], target: str | None) -> Value:
    ctx = adapter.ctx
    key = string_value(argument(call, ((0, "name"),))) or (target.rsplit(".", 1)[-1] if target else "mcp")
    if names & STDIO:
        command = string_value(argument(call, ((1, "command"),)))
        args = launch_arguments(keyword(call, "args"), ctx.module.code_for_node)
        entry = {"command": command, "args": args} if command is not None and args is not None else None
    else:
        url = string_value(argument(call, ((1, "url"),)))
        entry = {"url": url} if url is not None else None
    if entry is None:
        return Opaque(f"MCP plugin {key} with a command or URL not known statically", ctx.loc(call))
    load = keyword(call, "load_tools")
    if isinstance(load, cst.Name) and load.value == "False":
        return Items(())
    facts = server_tool_facts(f"mcp:{ctx.path}#{key}", key, entry, ctx.loc(call), ctx.rulesets)
    return Items(tuple(Ref(ctx.add_tool(fact), ctx.loc(call)) for fact in facts))


# --- hosted tools ----------------------------------------------------------------------------


def definition_call(adapter, node: cst.BaseExpression | None) -> cst.Call | None:
    """The call that made an agent's `definition` (`await client.agents.create_agent(...)`),
    written in place or bound to a name of the same scope."""
    ctx = adapter.ctx
    if isinstance(node, cst.Name):
        values = [ctx.declarations.assigned.get(id(a.node)) for a in ctx.assignments(node)]
        node = values[0] if len(values) == 1 else None
    if isinstance(node, cst.Await):
        node = node.expression
    return node if isinstance(node, cst.Call) else None


def hosted_tools(adapter, ev, call: cst.Call, definition: cst.Call | None, scope) -> list[Value]:
    """The tools a Responses agent is given (`tools=[...]`) and those of an assistant's or Azure
    AI agent's definition (`tools=code_interpreter.definitions + ...`)."""
    found = []
    for node in (keyword(call, "tools"), keyword(definition, "tools") if definition is not None else None):
        if node is not None:
            found.append(definition_tools(adapter, ev, node, scope))
    return found


def definition_tools(adapter, ev, node: cst.BaseExpression, scope) -> Value:
    ctx = adapter.ctx
    if isinstance(node, (cst.List, cst.Tuple)):
        return Items(tuple(definition_tools(adapter, ev, e.value, scope) for e in node.elements))
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        return Items((definition_tools(adapter, ev, node.left, scope), definition_tools(adapter, ev, node.right, scope)))
    if isinstance(node, cst.Attribute) and node.attr.value == "definitions":
        catalog = ctx.rulesets.builtin_index()
        classes = [name for name in ctx.instance_types(node.value) if name in catalog]
        if classes:
            return builtin_tool(adapter, classes[0], node)
        return Opaque(f"hosted tool {code(ctx, node)} of a class not known statically", ctx.loc(node))
    return ev.evaluate(node, scope, tools=True)


# --- declarative agents ----------------------------------------------------------------------


def declared_spec(adapter, call: cst.Call) -> dict:
    """The spec of a declarative agent: a YAML text or a dict written in the file."""
    ctx = adapter.ctx
    node = argument(call, ((0, "yaml_str"), (0, "data"), (0, "file_path")))
    if isinstance(node, cst.Name):
        values = [ctx.declarations.assigned.get(id(a.node)) for a in ctx.assignments(node)]
        node = values[0] if len(values) == 1 else node
    try:
        value = literal(node) if node is not None else None
    except ValueError:
        value = None
    if isinstance(value, str) and not set(ctx.callee_names(call.func)) & {f"{r}.create_from_file" for r in _REGISTRY}:
        try:
            value = yaml_input.load(value)
        except yaml.YAMLError:
            value = None
    if not isinstance(value, dict):
        ctx.diagnose(call, "unresolved-spec", "the agent's declarative spec is not a literal of this file; its name and hosted tools are not read", "info")
        return {}
    return value


def spec_tools(adapter, spec: dict, call: cst.Call) -> list[Value]:
    """The hosted tools a declarative spec lists (its `function` tools are the kernel's)."""
    found = []
    for tool in spec.get("tools") or []:
        kind = tool.get("type") if isinstance(tool, dict) else None
        if kind in SPEC_TOOLS:
            found.append(builtin_tool(adapter, SPEC_TOOLS[kind], call))
        elif kind != "function":
            found.append(Opaque(f"a hosted tool of type {kind!r} of the declarative spec", adapter.ctx.loc(call)))
    return found


# --- filters ---------------------------------------------------------------------------------


def filter_gates(adapter, kind_node: cst.BaseExpression | None, function: cst.BaseExpression | cst.FunctionDef | None) -> list[Gate]:
    """The gate a function-invocation filter puts before every function call, if it can refuse one."""
    ctx = adapter.ctx
    kind = string_value(kind_node) if kind_node is not None else None
    if kind is None and isinstance(kind_node, cst.Attribute):
        kind = kind_node.attr.value.lower()
    if kind not in FILTER_KINDS:
        return []
    node = function if isinstance(function, cst.FunctionDef) else None
    if node is None and function is not None:
        node = next((ctx.function_nodes[n] for n in ctx.names_of(function) if n in ctx.function_nodes), None)
    if node is None:
        if function is not None:
            ctx.diagnose(function, "unresolved-gate", f"the {kind} filter {code(ctx, function)} is no function of this file; no gate recorded", "info")
        return []
    verdict = refusal(node)
    name = node.name.value
    if verdict == "partial":
        ctx.diagnose(node, "partial-gate", f"the {kind} filter {name} lets some calls through untested; no gate recorded", "info")
        return []
    if verdict != "refuses":
        return []
    asks = any(set(ctx.callee_names(c.func)) & INPUT for c in find_nodes(node.body, cst.Call))
    if asks:
        return [Gate("approval", f"{kind} filter {name} asks a human (input()) before a function runs", ctx.loc(node.name))]
    return [Gate("guardrail", f"{kind} filter {name} may refuse a function call before it runs", ctx.loc(node.name))]


def refusal(node: cst.FunctionDef) -> str:
    """"refuses" when a branch leaves the filter without calling `next` before any unconditional
    call of it (or `next` is only called conditionally), "partial" when another branch calls `next`
    and leaves before the check, "" when the function always runs."""
    params = node.params.posonly_params + node.params.params
    if len(params) < 2 or not isinstance(node.body, cst.IndentedBlock):
        return ""
    name = params[1].name.value

    def calls_next(inner: cst.CSTNode) -> bool:
        return any(isinstance(c.func, cst.Name) and c.func.value == name for c in find_nodes(inner, cst.Call))

    def leaves(inner: cst.CSTNode) -> bool:
        return bool(find_nodes(inner, cst.Return, cst.Raise))

    refuses = passes = False
    for statement in node.body.body:
        if isinstance(statement, cst.If):
            branches = [statement.body]
            orelse = statement.orelse
            while orelse is not None:
                branches.append(orelse.body)
                orelse = orelse.orelse if isinstance(orelse, cst.If) else None
            for branch in branches:
                if leaves(branch) and calls_next(branch):
                    passes = True
                elif leaves(branch):
                    refuses = True
            if calls_next(statement) and not any(leaves(b) for b in branches if calls_next(b)):
                refuses = True  # `next` only under a condition
        elif calls_next(statement):
            break  # reached on every path that got here
    if refuses and passes:
        return "partial"
    return "refuses" if refuses else ""


# --- function choice -------------------------------------------------------------------------

CHOICE = ("semantic_kernel.connectors.ai.FunctionChoiceBehavior", "semantic_kernel.connectors.ai.function_choice_behavior.FunctionChoiceBehavior")
NO_INVOKE = frozenset(f"{c}.{m}" for c in CHOICE for m in ("NoneInvoke", "None_"))
WITH_FILTERS = frozenset(f"{c}.{m}" for c in CHOICE for m in ("Auto", "Required"))


def chosen(adapter, entries: list[tuple[str | None, Value]], choice: cst.Call | None, agent: str) -> list[Value]:
    """The plugins' functions an agent's function_choice_behavior lets it call."""
    ctx = adapter.ctx
    callee = set(ctx.callee_names(choice.func)) if choice is not None else set()
    if callee & NO_INVOKE:
        return []
    filters = keyword(choice, "filters") if callee & WITH_FILTERS else None
    if not isinstance(filters, cst.Dict):
        if filters is not None:
            ctx.diagnose(filters, "unresolved-filter", f"the function filters of agent '{agent}' are not a literal dict; every function assumed", "info")
        return [value for _, value in entries]
    wanted = {key: string_list(value) or [] for key, value in dict_entries(filters).items()}
    kept: list[Value] = []
    for name, value in entries:
        for item, condition in expanded(adapter, value):
            plugin, functions = plugin_functions(adapter, name, item)
            dropped = plugin in wanted.get("excluded_plugins", []) or ("included_plugins" in wanted and plugin not in wanted["included_plugins"])
            if dropped and plugin is not None:
                continue
            for found in choose(adapter, plugin, functions, item, wanted, filters):
                kept.append(When(found, condition) if condition else found)
    return kept


def expanded(adapter, value: Value, depth: int = 0):
    """The items of a value, through the names this file binds (`plugins = [A(), B()]`)."""
    ctx = adapter.ctx
    for item, condition in flatten_items(Items((value,))):
        bound = ctx.bindings.get(item.qualname) if isinstance(item, Ref) and item.qualname not in ctx.tools and item.qualname not in ctx.agents else None
        if bound is not None and depth < 8 and not item.qualname.endswith(".<instance>"):
            for inner, more in expanded(adapter, bound.value, depth + 1):
                yield inner, condition + more
        else:
            yield item, condition


def plugin_functions(adapter, name: str | None, item: Value) -> tuple[str | None, list[str] | None]:
    """A plugin's name and its functions' tool ids, when the file knows them."""
    ctx = adapter.ctx
    if not isinstance(item, Ref):
        return name, None
    owner = item.qualname.removesuffix(".<instance>")
    if owner != item.qualname:
        return name or owner.rsplit(".", 1)[-1], adapter.plugin_classes.get(owner)
    tool = ctx.tools.get(item.qualname)
    if tool is not None and tool.id.startswith("mcp:"):  # mcp:<path>#<plugin>/<tool>
        return name or tool.id.partition("#")[2].rpartition("/")[0], [tool.id]
    return name, [tool.id] if tool is not None else None


def choose(adapter, plugin: str | None, functions: list[str] | None, item: Value, wanted: dict, filters: cst.Dict) -> list[Value]:
    ctx = adapter.ctx
    if not {"included_functions", "excluded_functions"} & set(wanted):
        return [item]
    if plugin is None or functions is None:
        ctx.diagnose(filters, "partial-filter", f"function filters name functions of a plugin whose functions are not known here ({plugin or 'unnamed'}); not applied to it", "info")
        return [item]
    included = {n.partition("-")[2] for n in wanted.get("included_functions", []) if n.partition("-")[0] == plugin}
    excluded = {n.partition("-")[2] for n in wanted.get("excluded_functions", []) if n.partition("-")[0] == plugin}
    found: list[Value] = []
    for tool_id in functions:
        tool = ctx.tools[tool_id]
        if tool.name.endswith("/*"):  # a server whose tools are not known: only those named
            names = sorted(included - excluded) if "included_functions" in wanted else None
            if names is None:
                found.append(Ref(tool_id, tool.location))
            for named in names or ():
                narrowed = replace(tool, id=f"{tool_id[:-2]}/{named}", name=named)
                found.append(Ref(ctx.add_tool(narrowed), tool.location))
        elif tool.name not in excluded and ("included_functions" not in wanted or tool.name in included):
            found.append(Ref(tool_id, tool.location))
    return found

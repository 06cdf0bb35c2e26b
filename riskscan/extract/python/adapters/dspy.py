"""DSPy: the agent modules `ReAct` / `ReActV2(signature, tools=[...])`, `CodeAct(signature, tools,
interpreter_factory=...)`, `RLM(signature, tools=..., interpreter_factory=...)` and
`ProgramOfThought(signature, interpreter_factory=...)`; `dspy.Tool(func, name=..., desc=...)`,
`Tool.from_langchain(tool)`, `Tool.from_mcp_tool(session, tool)` (the server of the file's one MCP
client connection: `StdioServerParameters(command=..., args=...)` or a client's URL); bound
methods in a tools list (`self.lookup`, `self.store.search`); and classes (`dspy.Module`
subclasses) whose methods store agents on `self`.

An agent is named by the variable it is bound to, or `Class.attribute` for `self.attribute = ...`.
An instance of such a class stands for the agents it holds: in a tools list, or called from a
tool's body, it is an agent run by the tool (agent-as-tool), as is an agent of the file itself.

Code execution: CodeAct, RLM and ProgramOfThought run the Python the model writes in the
interpreter their `interpreter_factory` makes (`dspy.configure(interpreter_factory=...)` in the
file replaces the default). `PythonInterpreter`, the default, is Deno + Pyodide: a WASM sandbox
without the host's files, network or environment unless its `enable_*` lists open them;
`LocalInterpreter` is a host subprocess, no sandbox; a factory not known statically is assumed to
run on the host. CodeAct also runs its tools' source inside that interpreter, so its tools share
the sandbox; RLM's tools run on the host, called from the sandbox. Names are those of dspy 3.4.1.
"""

from __future__ import annotations

from dataclasses import replace

from riskscan.extract.configs.mcp_config import server_tool_facts
from riskscan.extract.python.adapters.frameworks import (
    AgentSpec,
    FrameworkAdapter,
    Specs,
    WrapperSpec,
    argument,
    code,
)
from riskscan.extract.python.syntax import cst, find_nodes
from riskscan.extract.python.values import (
    flatten_items,
    keyword,
    launch_arguments,
    positional,
    string_value,
)
from riskscan.types import (
    CONFIDENCE_CATALOG,
    AgentFact,
    Binding,
    Capability,
    Evidence,
    Gate,
    Items,
    Opaque,
    Ref,
    ToolFact,
    Value,
    When,
)

FRAMEWORK = "dspy"


def _names(cls: str, module: str) -> tuple[str, ...]:
    return (f"dspy.{cls}", f"dspy.predict.{cls}", f"dspy.predict.{module}.{cls}")


REACT = _names("ReAct", "react") + _names("ReActV2", "react_v2")
CODE_ACT = frozenset(_names("CodeAct", "code_act"))
RLM = frozenset(_names("RLM", "rlm"))
PROGRAM_OF_THOUGHT = frozenset(_names("ProgramOfThought", "program_of_thought"))
CODE_MODULES = CODE_ACT | RLM | PROGRAM_OF_THOUGHT
TOOL = ("dspy.Tool", "dspy.adapters.Tool", "dspy.adapters.types.Tool", "dspy.adapters.types.tool.Tool", "dspy.predict.Tool", "dspy.predict.react.Tool")
FROM_LANGCHAIN = frozenset(f"{tool}.from_langchain" for tool in TOOL)
FROM_MCP = frozenset(f"{tool}.from_mcp_tool" for tool in TOOL)
SANDBOX_INTERPRETER = frozenset({"dspy.PythonInterpreter", "dspy.primitives.PythonInterpreter", "dspy.primitives.python_interpreter.PythonInterpreter"})
LOCAL_INTERPRETER = frozenset({"dspy.LocalInterpreter", "dspy.primitives.LocalInterpreter", "dspy.primitives.local_interpreter.LocalInterpreter"})
CONFIGURE = frozenset({"dspy.configure", "dspy.context"})
OPENINGS = ("enable_read_paths", "enable_write_paths", "enable_env_vars", "enable_network_access")
# an MCP client connection (mcp 1.x and 2.x): the server a session's tools come from
STDIO_PARAMETERS = frozenset({"mcp.StdioServerParameters", "mcp.client.stdio.StdioServerParameters"})
STDIO_CLIENTS = frozenset({"mcp.client.stdio.stdio_client"})
URL_CLIENTS = frozenset({
    "mcp.client.streamable_http.streamablehttp_client", "mcp.client.streamable_http.streamable_http_client",
    "mcp.client.sse.sse_client", "mcp.Client", "mcp.client.Client",
})
RUN_METHODS = frozenset({"__call__", "acall", "forward", "aforward"})

_REACT = AgentSpec(FRAMEWORK, tools=((1, "tools"),), name=())
SPECS = Specs(
    agents={
        **{name: _REACT for name in (*REACT, *CODE_ACT)},
        **{name: AgentSpec(FRAMEWORK, tools=((None, "tools"),), name=()) for name in RLM},
        **{name: AgentSpec(FRAMEWORK, tools=(), name=()) for name in PROGRAM_OF_THOUGHT},
    },
    wrappers={name: WrapperSpec(FRAMEWORK, function=((0, "func"),), name=((1, "name"),), description=((2, "desc"),)) for name in TOOL},
)


class DSPy(FrameworkAdapter):
    frameworks = (FRAMEWORK,)
    specs = SPECS
    more_calls = FROM_LANGCHAIN | FROM_MCP

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.attributes: dict[int, tuple[str, str]] = {}  # id(agent call) -> (class, attribute) it is stored on
        self.class_agents: dict[str, list[str]] = {}  # class -> the agents its methods store on self
        self._configured: tuple[str, cst.CSTNode] | None = None

    def evaluate_more(self, ev, call, callee, scope, target, tools) -> Value | None:
        names = set(callee)
        if names & FROM_LANGCHAIN:
            wrapped = argument(call, ((0, "tool"),))
            return ev.evaluate(wrapped, scope, tools=True) if wrapped is not None else Opaque("from_langchain of nothing", self.ctx.loc(call))
        if names & FROM_MCP:
            ev.evaluate_arguments(call, scope)
            return self.mcp_tools(call, scope)
        return None

    # --- agents --------------------------------------------------------------------------------

    def on_method(self, interpreter, node, fact, scope) -> None:
        """`self.react = dspy.ReAct(...)` in a method: the agent is the class's `react`."""
        owner = self.ctx.declarations.method_class.get(id(node))
        if owner is None:
            return
        for assign in find_nodes(node.body, cst.Assign):
            target = assign.targets[0].target
            if len(assign.targets) == 1 and isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) \
                    and isinstance(assign.value, cst.Call) and set(self.ctx.callee_names(assign.value.func)) & set(SPECS.agents) \
                    and self.ctx._self_class(target.value) == owner:
                self.attributes[id(assign.value)] = (owner, target.attr.value)

    def agent(self, ev, call, spec, scope, target, name=None) -> Value:
        ctx = self.ctx
        callee = set(ctx.callee_names(call.func))
        stored = self.attributes.get(id(call))
        if stored is not None:
            owner, attribute = stored
            target, name = f"{owner}.{attribute}", f"{owner.rsplit('.', 1)[-1]}.{attribute}"
        name = name or (target.rsplit(".", 1)[-1] if target else min(callee & set(SPECS.agents)).rsplit(".", 1)[-1])
        agent_id = target or f"{ctx.module_name}.<agent {name}>"
        tools_node = argument(call, spec.tools)
        tools = self.tools_value(ev, tools_node, scope) if tools_node is not None else Items(())
        for arg in call.args:
            if arg.value is not tools_node:
                ev.evaluate(arg.value, scope)
        held: list[Value] = [tools]
        if callee & CODE_MODULES:
            gate = self.interpreter_gate(call, name)
            if callee & CODE_ACT and gate is not None:
                held = [self.sandboxed_tools(tools, gate, agent_id, call)]
            held.append(self.code_tool(call, agent_id, min(callee & CODE_MODULES), gate))
        agent_id = ctx.add_agent(AgentFact(agent_id, name, FRAMEWORK, ctx.loc(call), tuple(held), (), scope.condition))
        if stored is not None:
            self.class_agents.setdefault(stored[0], []).append(agent_id)
        return Ref(agent_id, ctx.loc(call))

    def tools_value(self, ev, node: cst.BaseExpression, scope) -> Value:
        """A tools list, with bound methods (`self.lookup`) as the methods they are, and a list
        stored on `self` read where it was written."""
        ctx = self.ctx
        if isinstance(node, (cst.List, cst.Tuple)):
            values = []
            for element in node.elements:
                method = self.method_ref(element.value) if not isinstance(element, cst.StarredElement) else None
                value = method or ev.evaluate(element.value, scope, tools=True)
                values += value.items if isinstance(element, cst.StarredElement) and isinstance(value, Items) else [value]
            return Items(tuple(values))
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
            ev.seen.add(id(node))
            return Items((self.tools_value(ev, node.left, scope), self.tools_value(ev, node.right, scope)))
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name):
            owner = ctx._self_class(node.value)
            stored = ctx.declarations.self_attributes.get((owner, node.attr.value), []) if owner else []
            if stored and all(isinstance(s, (cst.List, cst.Tuple)) for s in stored):
                ev.seen.add(id(node))
                return Items(tuple(self.tools_value(ev, s, scope) for s in stored))
        made = self.comprehended(node)
        if made is not None:
            ev.evaluate(node, scope)
            return self.mcp_tools(made, scope)
        return ev.evaluate(node, scope, tools=True)

    def comprehended(self, node: cst.BaseExpression) -> cst.Call | None:
        """`[dspy.Tool.from_mcp_tool(session, t) for t in response.tools]`, written here or
        assigned to the name: the list of a session's tools, which the evaluator cannot unroll."""
        if isinstance(node, cst.Name):
            values = [self.ctx.declarations.assigned.get(id(a.node)) for a in self.ctx.assignments(node)]
            node = values[0] if len(values) == 1 and values[0] is not None else node
        if isinstance(node, (cst.ListComp, cst.GeneratorExp)) and isinstance(node.elt, cst.Call):
            return node.elt if set(self.ctx.callee_names(node.elt.func)) & FROM_MCP else None
        return None

    def method_ref(self, node: cst.BaseExpression) -> Ref | None:
        """`self.lookup` or `self.store.search` in a tools list: the method of this file it names."""
        if not isinstance(node, cst.Attribute):
            return None
        defined = set(self.ctx.declarations.qualnames.values())  # the file's defs, also those further down
        methods = [name for name in self.ctx.callee_names(node) if name in defined]
        return Ref(methods[0], self.ctx.loc(node)) if len(methods) == 1 else None

    # --- code execution ------------------------------------------------------------------------

    def interpreter_gate(self, call: cst.Call, name: str) -> Gate | None:
        """The sandbox gate of the interpreter a code-running module uses, or None on the host."""
        ctx = self.ctx
        factory = keyword(call, "interpreter_factory")
        if factory is None and set(ctx.callee_names(call.func)) & PROGRAM_OF_THOUGHT:
            factory = positional(call, 2)
        where: cst.CSTNode = factory if factory is not None else call
        if factory is None or (isinstance(factory, cst.Name) and factory.value == "None"):
            configured = self.configured()
            if configured is None:
                return Gate("sandbox", "PythonInterpreter (the default) runs code in Deno/Pyodide, a WASM sandbox", ctx.loc(call))
            factory, where = configured
        made = factory.body if isinstance(factory, cst.Lambda) else factory
        classes = set(ctx.callee_names(made.func)) if isinstance(made, cst.Call) else set(ctx.names_of(made))
        if classes & SANDBOX_INTERPRETER:
            opened = [k for k in OPENINGS if isinstance(made, cst.Call) and keyword(made, k) is not None]
            detail = "PythonInterpreter runs code in Deno/Pyodide, a WASM sandbox" + (f" ({', '.join(opened)} open it up)" if opened else "")
            return Gate("sandbox", detail, ctx.loc(where))
        if classes & LOCAL_INTERPRETER:
            self.hygiene("local-code-executor", where, name, "LocalInterpreter runs model-written Python in a host subprocess")
        else:
            ctx.diagnose(where, "unresolved-executor", f"interpreter_factory={code(ctx, where)} is not known statically; assumed to run on the host", "info")
        return None

    def configured(self) -> tuple[cst.BaseExpression, cst.CSTNode] | None:
        """`dspy.configure(interpreter_factory=...)` anywhere in the file: the default it sets."""
        if self._configured is None:
            self._configured = ("", self.ctx.module)
            for call in self.calls_anywhere(CONFIGURE):
                factory = keyword(call, "interpreter_factory")
                if factory is not None:
                    self._configured = ("set", factory)
        kind, factory = self._configured
        return (factory, factory) if kind == "set" else None

    def calls_anywhere(self, names: frozenset[str], root: cst.CSTNode | None = None) -> list[cst.Call]:
        """The calls of `names` under root (the file), in functions and classes too."""
        found = find_nodes(root or self.ctx.module, cst.Call, enter_definitions=True)
        return [c for c in found if set(self.ctx.callee_names(c.func)) & names]

    def code_tool(self, call: cst.Call, agent_id: str, module: str, gate: Gate | None) -> Value:
        ctx = self.ctx
        where = ctx.loc(call)
        evidence = (Evidence("builtin-tool", f"{module.rsplit('.', 1)[-1]} runs the Python the model writes", where),)
        tool = ToolFact(
            f"{agent_id}.<python_code>", "python_code", FRAMEWORK, where,
            capabilities=(Capability("code_exec", CONFIDENCE_CATALOG, evidence),), gates=(gate,) if gate else (),
        )
        return Ref(ctx.add_tool(tool), where)

    def sandboxed_tools(self, tools: Value, gate: Gate, agent_id: str, call: cst.Call) -> Value:
        """CodeAct's tools, each a tool of its own that runs in the interpreter's sandbox."""
        ctx = self.ctx
        found: list[Value] = []
        items = flatten_items(tools) if isinstance(tools, Items) else [(tools, ())]
        for item, condition in items:
            node = ctx.function_nodes.get(item.qualname) if isinstance(item, Ref) else None
            if node is None:
                ctx.diagnose(call, "partial-gate", "a tool of CodeAct that is no function of this file runs in its interpreter too; no sandbox gate recorded for it", "info")
                found.append(When(item, condition) if condition else item)
                continue
            in_sandbox = replace(gate, detail=f"CodeAct runs the tool's source in its interpreter: {gate.detail}")
            tool_id = self.function_tool(f"{agent_id}.<tool {node.name.value}>", item.qualname, node, None, FRAMEWORK, (), (), item.location)
            ctx.tools[tool_id] = replace(ctx.tools[tool_id], gates=ctx.tools[tool_id].gates + (in_sandbox,))
            ref = Ref(tool_id, item.location)
            found.append(When(ref, condition) if condition else ref)
        return Items(tuple(found))

    # --- MCP tools -----------------------------------------------------------------------------

    def mcp_tools(self, call: cst.Call, scope) -> Value:
        """`Tool.from_mcp_tool(session, tool)`: the tools of the server the function, or else the
        file, connects to."""
        ctx = self.ctx
        entries: list[dict] = []
        function = ctx.function_nodes.get(scope.qualname) if scope.kind == "function" else None
        for root in ([function.body] if function is not None else []) + [ctx.module]:
            for connection in self.calls_anywhere(STDIO_PARAMETERS | STDIO_CLIENTS | URL_CLIENTS, root):
                entry = self.server_entry(connection)
                if entry is not None and entry not in entries:
                    entries.append(entry)
            if entries:
                break
        if len(entries) != 1:
            reason = "no MCP client connection" if not entries else "several MCP client connections"
            return Opaque(f"an MCP tool of a session whose server is not known statically ({reason} in the file)", ctx.loc(call))
        refs = [Ref(ctx.add_tool(fact), ctx.loc(call)) for fact in server_tool_facts(f"mcp:{ctx.path}#mcp", "mcp", entries[0], ctx.loc(call), ctx.rulesets)]
        return Items(tuple(refs))

    def server_entry(self, call: cst.Call) -> dict | None:
        callee = set(self.ctx.callee_names(call.func))
        if callee & STDIO_CLIENTS:  # `stdio_client(params)`, params made here or bound to a name
            made = argument(call, ((0, "server"),))
            if isinstance(made, cst.Name):
                values = [self.ctx.declarations.assigned.get(id(a.node)) for a in self.ctx.assignments(made)]
                made = values[0] if len(values) == 1 else None
            return self.server_entry(made) if isinstance(made, cst.Call) and set(self.ctx.callee_names(made.func)) & STDIO_PARAMETERS else None
        if callee & STDIO_PARAMETERS:
            command = string_value(keyword(call, "command"))
            args = launch_arguments(keyword(call, "args"), self.ctx.module.code_for_node)
            return {"command": command, "args": args} if command is not None and args is not None else None
        url = string_value(argument(call, ((0, "url"),)))
        return {"url": url} if url is not None and url.startswith(("http://", "https://")) else None

    # --- agents run by tools -------------------------------------------------------------------

    def finish(self, interpreter) -> None:
        """An instance of a class holding agents stands for them; a function in an agent's tools
        whose body runs an agent is agent-as-tool."""
        ctx = self.ctx
        for owner, agents in sorted(self.class_agents.items()):
            name = f"{owner}.<instance>"
            where = ctx.agents[agents[0]].location
            ctx.bindings[name] = Binding(name, Items(tuple(Ref(a, where) for a in agents)))
        for agent in [a for a in ctx.agents.values() if a.framework == FRAMEWORK]:
            for value in agent.tools:
                for item, _ in (flatten_items(value) if isinstance(value, Items) else [(value, ())]):
                    if isinstance(item, Ref):
                        self.mark_agent_tool(item)

    def mark_agent_tool(self, item: Ref) -> None:
        ctx = self.ctx
        tool = ctx.tools.get(item.qualname)
        function = tool.function if tool is not None else item.qualname
        node = ctx.function_nodes.get(function or "")
        if node is None or (tool is not None and (tool.invokes is not None or ".<tool " in tool.id)):  # CodeAct's run in its sandbox
            return
        called = self.called_agents(node)
        if not called:
            return
        invokes = called[0] if len(called) == 1 else Items(tuple(called))
        if tool is None:
            self.function_tool(item.qualname, item.qualname, node, None, FRAMEWORK, (), (), ctx.loc(node.name))
            tool = ctx.tools[item.qualname]
        ctx.tools[tool.id] = replace(tool, invokes=invokes)

    def called_agents(self, node: cst.FunctionDef) -> list[Value]:
        """Agents a function's body runs: `agent(question=q)`, `agent.acall(...)`, where `agent` is
        an agent of this file or an instance of a class of this file that holds agents."""
        ctx = self.ctx
        found: list[Value] = []
        for call in find_nodes(node.body, cst.Call, enter_definitions=True):
            func = call.func
            if isinstance(func, cst.Attribute) and func.attr.value in RUN_METHODS:
                func = func.value
            if not isinstance(func, cst.Name):
                continue
            for name in ctx.names_of(func):
                if name in ctx.agents or self.holds_agents(ctx.bindings.get(name)):
                    found.append(Ref(name, ctx.loc(call)))
        return found

    def holds_agents(self, binding) -> bool:
        value = binding.value if binding is not None else None
        return isinstance(value, Ref) and (value.qualname in self.ctx.agents or value.qualname.removesuffix(".<instance>") in self.class_agents)

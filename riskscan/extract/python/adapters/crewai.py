"""CrewAI: `Agent(role=..., tools=...)`, `Task(agent=..., tools=..., context=[...])`,
`Crew(agents=..., tasks=..., process=...)`, `@CrewBase` classes with `@agent` / `@task` / `@crew`
methods (`self.agents` / `self.tasks` are the class's own, in order), `@tool` and `BaseTool`
subclasses (`_run`).

Context: a sequential crew hands each task's output to the later tasks' agents; a hierarchical
crew's manager talks with every agent both ways; an agent with `allow_delegation=True` asks and
delegates to its crew's other agents (and hears back). `allow_code_execution=True` gives the agent
a code interpreter (Docker, a sandbox, unless `code_execution_mode="unsafe"`). Names are those of
crewai 1.15 and crewai-tools 1.15.
"""

from __future__ import annotations

from posixpath import dirname, join, normpath

from riskscan.extract import crewai_config
from riskscan.extract.python.adapters.frameworks import (
    AgentSpec,
    DecoratorSpec,
    FrameworkAdapter,
    Specs,
    ToolClassSpec,
    argument,
    class_attributes,
    is_true,
)
from riskscan.extract.python.syntax import cst, find_nodes
from riskscan.extract.python.values import Scope, keyword, string_value
from riskscan.types import (
    CONFIDENCE_CATALOG,
    Binding,
    Capability,
    Evidence,
    Gate,
    Items,
    Opaque,
    Ref,
    Registration,
    ToolFact,
    Value,
)

FRAMEWORK = "crewai"
AGENT = AgentSpec(FRAMEWORK, name=((None, "role"), (None, "name")))
SPECS = Specs(
    agents={name: AGENT for name in ("crewai.Agent", "crewai.agent.Agent", "crewai.agent.core.Agent")},
    decorators={name: DecoratorSpec(FRAMEWORK) for name in ("crewai.tools.tool", "crewai.tools.base_tool.tool", "crewai_tools.tool")},
    tool_classes={name: ToolClassSpec(FRAMEWORK, ("_run", "_arun")) for name in ("crewai.tools.BaseTool", "crewai.tools.base_tool.BaseTool", "crewai_tools.BaseTool")},
)
TASKS = frozenset({"crewai.Task", "crewai.task.Task"})
CREWS = frozenset({"crewai.Crew", "crewai.crew.Crew"})
AGENT_METHOD = frozenset({"crewai.project.agent", "crewai.project.annotations.agent"})
TASK_METHOD = frozenset({"crewai.project.task", "crewai.project.annotations.task"})
TOOL_METHOD = frozenset({"crewai.project.tool", "crewai.project.annotations.tool"})
# CrewBase's defaults when the class names no configuration (crewai/project/crew_base.py)
CONFIG_DEFAULTS = (("agents_config", "config/agents.yaml"), ("tasks_config", "config/tasks.yaml"))
INTERPRETERS = frozenset({"crewai_tools.CodeInterpreterTool", "crewai_tools.tools.code_interpreter_tool.code_interpreter_tool.CodeInterpreterTool"})


class CrewAI(FrameworkAdapter):
    frameworks = (FRAMEWORK,)
    specs = SPECS
    more_calls = TASKS | CREWS | INTERPRETERS
    more_triggers = AGENT_METHOD | TASK_METHOD | TOOL_METHOD

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.task_agents: dict[str, Value] = {}  # task id -> its agent
        self.methods: dict[str, dict[str, list[str]]] = {}  # class -> {"agent": [...], "task": [...], "tool": [...]}
        self.config_keys: dict[str, str] = {}  # @agent method -> its key in agents.yaml
        self.config_folders: dict[str, set[str]] = {}  # crew class -> folders of its YAML configuration

    # --- @CrewBase methods ---------------------------------------------------------------------

    def on_method(self, interpreter, node, fact, scope) -> None:
        owner = self.ctx.declarations.method_class.get(id(node))
        for decorator in node.decorators:
            names = set(self.ctx.names_of(decorator.decorator))
            for role, wanted in (("agent", AGENT_METHOD), ("task", TASK_METHOD), ("tool", TOOL_METHOD)):
                if owner and names & wanted:
                    self.methods.setdefault(owner, {"agent": [], "task": [], "tool": []})[role].append(fact.qualname)

    def _method_of(self, scope, role: str) -> str | None:
        owner = scope.qualname.rsplit(".", 1)[0]
        return scope.qualname if scope.qualname in self.methods.get(owner, {}).get(role, []) else None

    def agent(self, ev, call, spec, scope, target, name=None):
        method = self._method_of(scope, "agent") if scope.kind == "function" else None
        if method is not None:
            config = keyword(call, "config")
            key = string_value(config.slice[0].slice.value) if isinstance(config, cst.Subscript) and isinstance(config.slice[0].slice, cst.Index) else None
            if key is not None:
                self.config_keys[method] = key
            return super().agent(ev, call, spec, scope, method, name=string_value(argument(call, spec.name)) or key or method.rsplit(".", 1)[-1])
        return super().agent(ev, call, spec, scope, target, name)

    # --- config/agents.yaml and config/tasks.yaml --------------------------------------------

    def observe_statement(self, interpreter, node, scope) -> None:
        super().observe_statement(interpreter, node, scope)
        if isinstance(node, cst.ClassDef):
            qualname = self.ctx.declarations.qualnames.get(id(node))
            if qualname in self.methods:
                attributes = class_attributes(node)
                here = dirname(self.ctx.path)
                for attribute, default in CONFIG_DEFAULTS:
                    written = attributes.get(attribute)
                    relative = string_value(written) if written is not None else default
                    if relative is None:
                        self.ctx.diagnose(written, "unresolved-config", f"{attribute} is not a literal path; its YAML is not linked", "info")
                        continue
                    self.config_folders.setdefault(qualname, set()).add(dirname(normpath(join(here, relative))))

    def finish(self, interpreter) -> None:
        """Bind the names the YAML files use to the class's @agent and @tool methods, so that
        the model can join each file's agents and tools to them (riskscan/extract/crewai_config.py)."""
        ctx = self.ctx
        for owner, folders in sorted(self.config_folders.items()):
            methods = self.methods[owner]
            for folder in sorted(folders):
                for method in methods["agent"]:
                    for key in {method.rsplit(".", 1)[-1], self.config_keys.get(method, "")} - {""}:
                        name = crewai_config.agent_id(folder, key)
                        ctx.bindings[name] = Binding(name, Ref(method, ctx.loc(ctx.function_nodes[method].name)))
                for method in methods["tool"]:
                    name = crewai_config.tool_id(folder, method.rsplit(".", 1)[-1])
                    ctx.bindings[name] = Binding(name, self._returned_tools(interpreter, method))

    def _returned_tools(self, interpreter, method: str) -> Value:
        """What a @tool method of the crew class returns: the tool the YAML's name stands for."""
        node = self.ctx.function_nodes[method]
        scope = Scope("function", method)
        found = [interpreter.ev.evaluate(r.value, scope, tools=True) for r in find_nodes(node.body, cst.Return) if r.value is not None]
        if not found:
            return Opaque(f"{method} returns no tool", self.ctx.loc(node.name))
        return found[0] if len(found) == 1 else Items(tuple(found))

    def agent_extras(self, ev, call, spec, scope, agent_id, name):
        tools: list[Value] = []
        if is_true(keyword(call, "allow_code_execution")):
            unsafe = string_value(keyword(call, "code_execution_mode")) == "unsafe"
            if unsafe:
                self.hygiene("dangerous-code-switch", keyword(call, "code_execution_mode"), name, 'allow_code_execution=True, code_execution_mode="unsafe"')
            tools.append(self.interpreter(call, f"{agent_id}.<code execution>", unsafe))
        return tools, [], is_true(keyword(call, "allow_delegation"))

    def interpreter(self, node: cst.CSTNode, tool_id: str, unsafe: bool) -> Value:
        ctx = self.ctx
        where = ctx.loc(node)
        evidence = (Evidence("builtin-tool", "CrewAI code interpreter" + (" in unsafe mode (on the host)" if unsafe else " (Docker)"), where),)
        gates = () if unsafe else (Gate("sandbox", "code_execution_mode='safe' runs in Docker", where),)
        tool = ToolFact(tool_id, "code_interpreter", FRAMEWORK, where, capabilities=(Capability("code_exec", CONFIDENCE_CATALOG, evidence),), gates=gates)
        return Ref(ctx.add_tool(tool), where)

    # --- tasks and crews -----------------------------------------------------------------------

    def evaluate_more(self, ev, call, callee, scope, target, tools) -> Value | None:
        names = set(callee)
        if names & INTERPRETERS and is_true(keyword(call, "unsafe_mode")):
            self.hygiene("dangerous-code-switch", keyword(call, "unsafe_mode"), "CodeInterpreterTool", "unsafe_mode=True")
            return self.interpreter(call, target or f"{self.ctx.module_name}.<code interpreter {self.ctx.loc(call).line}>", True)
        if names & TASKS:
            return self.task(ev, call, scope, target)
        if names & CREWS:
            return self.crew(ev, call, scope)
        return None

    def task(self, ev, call: cst.Call, scope, target: str | None) -> Value:
        ctx = self.ctx
        task_id = self._method_of(scope, "task") or target or f"{ctx.module_name}.<task {ctx.loc(call).line}>"
        agent_node, tools_node, context_node = keyword(call, "agent"), keyword(call, "tools"), keyword(call, "context")
        for arg in call.args:
            if arg.value not in (agent_node, tools_node, context_node):
                ev.evaluate(arg.value, scope)
        agent = self._agent_value(ev, agent_node, scope) if agent_node is not None else None
        if agent is not None:
            self.task_agents[task_id] = agent
        if tools_node is not None:  # the task's tools are its agent's while it works on it
            tools = ev.evaluate(tools_node, scope, tools=True)
            if isinstance(agent, Ref):
                ctx.registrations.append(Registration(agent.qualname, tools, ctx.loc(tools_node)))
            else:
                ctx.diagnose(tools_node, "unresolved-tool", "tools of a task whose agent is not known statically", "info")
        if context_node is not None and agent is not None:
            for earlier in _refs(ev.evaluate(context_node, scope)):
                source = self.task_agents.get(earlier.qualname)
                if source is not None:
                    self.link("task-context", agent, context_node, scope, source=source, both_ways=False)
        return Ref(task_id, ctx.loc(call))

    def _agent_value(self, ev, node: cst.BaseExpression, scope) -> Value:
        """`agent=researcher`, or `agent=self.researcher()` in a @CrewBase class."""
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            method = f"{scope.qualname.rsplit('.', 1)[0]}.{node.func.attr.value}"
            owner = scope.qualname.rsplit(".", 1)[0]
            if method in self.methods.get(owner, {}).get("agent", []):
                return Ref(method, self.ctx.loc(node))
        return ev.evaluate(node, scope)

    def crew(self, ev, call: cst.Call, scope) -> Value:
        ctx = self.ctx
        agents_node, tasks_node, manager_node = keyword(call, "agents"), keyword(call, "tasks"), keyword(call, "manager_agent")
        agents = self._members(ev, agents_node, scope, "agent")
        tasks = self._members(ev, tasks_node, scope, "task")
        for arg in call.args:
            if arg.value not in (agents_node, tasks_node, manager_node):
                ev.evaluate(arg.value, scope)
        process = keyword(call, "process")
        hierarchical = process is not None and ctx.module.code_for_node(process).endswith("hierarchical")
        self.link("delegation", Items(tuple(agents)), call, scope)
        if hierarchical:
            manager = ev.evaluate(manager_node, scope) if manager_node is not None else self._implicit_manager(call, scope)
            self.link("supervisor", Items(tuple(agents)), call, scope, source=manager)
        else:  # sequential: every task's output is context for the tasks after it
            order = [self.task_agents[t.qualname] for t in tasks if isinstance(t, Ref) and t.qualname in self.task_agents] or agents
            for index, source in enumerate(order):
                later = [a for a in order[index + 1:] if a != source]
                if later:
                    self.link("task-context", Items(tuple(later)), call, scope, source=source, both_ways=False)
        return Opaque("crew", ctx.loc(call))

    def _members(self, ev, node, scope, role: str) -> list:
        if node is None:
            return []
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.attr.value == f"{role}s":
            owner = scope.qualname.rsplit(".", 1)[0]
            return [Ref(m, self.ctx.loc(node)) for m in self.methods.get(owner, {}).get(role, [])]
        value = ev.evaluate(node, scope)
        return list(value.items) if isinstance(value, Items) else [value]

    def _implicit_manager(self, call: cst.Call, scope) -> Value:
        from riskscan.types import AgentFact

        ctx = self.ctx
        manager_id = ctx.add_agent(AgentFact(f"{ctx.module_name}.<crew manager {ctx.loc(call).line}>", "crew manager", FRAMEWORK, ctx.loc(call), condition=scope.condition))
        return Ref(manager_id, ctx.loc(call))


def _refs(value: Value) -> list[Ref]:
    if isinstance(value, Ref):
        return [value]
    return [item for item in value.items if isinstance(item, Ref)] if isinstance(value, Items) else []

"""AutoGen Core agents: a `RoutedAgent` (or `BaseAgent`) subclass with `@message_handler` methods,
registered with the runtime under a type: `await MyAgent.register(runtime, "writer", lambda:
MyAgent(model_client, tools=[...]))`. Each registration is one agent, named by its type; it holds
the tools its factory passes to the constructor (an argument whose parameter is named or typed
as tools: `tools=`, `tool_schema=[t.schema for t in tools]`, `workbench=`) and the tools the class
itself stores on a `self.*tool*` attribute (bound as `<class>.<tools>`, so a registration in
another file finds them). `ToolAgent.register(..., lambda: ToolAgent(..., tools=[...]))` is an
agent that runs the tools.

Messages are context flows: a handler's `self.publish_message(m, topic_id=TopicId("t", ...))`
(or `DefaultTopicId()`) reaches every agent subscribed to topic type "t" (`@type_subscription(
topic_type="t")`, `@default_subscription`, `runtime.add_subscription(TypeSubscription("t",
"agent type"))`), and `self.send_message(m, AgentId("type", key))` reaches that agent and its
reply comes back. Only types written as literals (or module constants of the file) are followed;
what cannot be decided, and flows to agents of other files, are diagnostics. Names are those of
autogen-core 0.7.5.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from riskscan.extract.python.parameters import SELF
from riskscan.extract.python.receivers import looks_like_class
from riskscan.extract.python.syntax import cst, find_nodes
from riskscan.extract.python.values import keyword, positional, string_value
from riskscan.types import AgentFact, Binding, ContextLink, Items, Opaque, Ref, Value

FRAMEWORK = "autogen"
AGENT_BASES = frozenset(
    {"autogen_core.RoutedAgent", "autogen_core._routed_agent.RoutedAgent", "autogen_core.BaseAgent", "autogen_core._base_agent.BaseAgent"}
)
TOOL_AGENT = frozenset({"autogen_core.tool_agent.ToolAgent", "autogen_core.tool_agent._tool_agent.ToolAgent"})
TYPE_SUBSCRIPTION = frozenset({"autogen_core.type_subscription", "autogen_core._default_subscription.type_subscription"})
DEFAULT_SUBSCRIPTION = frozenset({"autogen_core.default_subscription", "autogen_core._default_subscription.default_subscription"})
SUBSCRIPTION_CLASS = frozenset({"autogen_core.TypeSubscription", "autogen_core._type_subscription.TypeSubscription"})
TOPIC_IDS = frozenset({"autogen_core.TopicId", "autogen_core._topic.TopicId"})
DEFAULT_TOPIC_IDS = frozenset({"autogen_core.DefaultTopicId", "autogen_core._default_topic.DefaultTopicId"})
AGENT_IDS = frozenset({"autogen_core.AgentId", "autogen_core._agent_id.AgentId"})
TRIGGERS = (
    AGENT_BASES | TOOL_AGENT | TYPE_SUBSCRIPTION | DEFAULT_SUBSCRIPTION | SUBSCRIPTION_CLASS | TOPIC_IDS | DEFAULT_TOPIC_IDS | AGENT_IDS
    | frozenset({"autogen_core.SingleThreadedAgentRuntime", "autogen_ext.runtimes.grpc.GrpcWorkerAgentRuntime"})
)
DEFAULT_TOPIC = "default"


@dataclass
class CoreClass:
    qualname: str
    node: cst.ClassDef
    topics: set[str] = field(default_factory=set)  # topic types it subscribes to
    # (kind, type or None, the call): "publish" to a topic type, "send" to an agent type
    messages: list[tuple[str, str | None, cst.Call]] = field(default_factory=list)


def tool_like(name: str | None) -> bool:
    return bool(name) and ("tool" in name.lower() or "workbench" in name.lower()) and "agent" not in name.lower()


class CoreAgents:
    def __init__(self, adapter) -> None:
        self.adapter = adapter
        self.ctx = adapter.ctx
        self.classes: dict[str, CoreClass] = {}
        self.registered: list[tuple[str, str | None, str, cst.Call]] = []  # (class, type, agent id, call)
        self.type_subscriptions: list[tuple[str, str]] = []  # (topic type, agent type)

    def claims(self, callee: tuple[str, ...]) -> bool:
        return any(self._registered_class(name) is not None for name in callee) or bool(set(callee) & SUBSCRIPTION_CLASS)

    def _registered_class(self, name: str) -> str | None:
        owner, _, method = name.rpartition(".")
        if method != "register" or not owner:
            return None
        return owner if owner in self.classes or owner in TOOL_AGENT or looks_like_class(owner) else None

    # --- classes -------------------------------------------------------------------------------

    def observe_class(self, node: cst.ClassDef) -> None:
        ctx = self.ctx
        bases = {name for base in node.bases for name in ctx.names_of(base.value)}
        if not (bases & AGENT_BASES or bases & set(self.classes)):
            return
        qualname = ctx.declarations.qualnames[id(node)]
        found = CoreClass(qualname, node)
        for parent in sorted(bases & set(self.classes)):  # what a base class subscribes and sends
            found.topics |= self.classes[parent].topics
            found.messages += self.classes[parent].messages
        for decorator in node.decorators:
            expression = decorator.decorator
            func = expression.func if isinstance(expression, cst.Call) else expression
            names = set(ctx.names_of(func))
            if names & DEFAULT_SUBSCRIPTION:
                found.topics.add(DEFAULT_TOPIC)
            elif names & TYPE_SUBSCRIPTION and isinstance(expression, cst.Call):
                topic = self.text(keyword(expression, "topic_type") or positional(expression, 0))
                if topic is None:
                    ctx.diagnose(expression, "unresolved-topic", f"{node.name.value} subscribes to a topic type not known statically; messages to it are not followed", "info")
                else:
                    found.topics.add(topic)
        for call in find_nodes(node.body, cst.Call, enter_definitions=True):
            func = call.func
            if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == "self"):
                continue
            if func.attr.value == "publish_message":
                found.messages.append(("publish", self.topic_of(keyword(call, "topic_id") or positional(call, 1)), call))
            elif func.attr.value == "send_message":
                found.messages.append(("send", self.recipient_of(keyword(call, "recipient") or positional(call, 1)), call))
        self.classes[qualname] = found
        tools = [Ref(f"{qualname}{SELF}{attr}", ctx.loc(node.name)) for attr in self.own_tool_attributes(qualname, node)]
        ctx.bindings[f"{qualname}.<tools>"] = Binding(f"{qualname}.<tools>", Items(tuple(tools)))

    def own_tool_attributes(self, qualname: str, node: cst.ClassDef) -> list[str]:
        """`self._tools = [FunctionTool(...)]`: tool attributes the class fills without its
        constructor's parameters (those come from each registration's factory)."""
        found = []
        for (owner, attribute), values in sorted(self.ctx.declarations.self_attributes.items(), key=lambda kv: kv[0]):
            if owner != qualname or not tool_like(attribute) or f"{qualname}{SELF}{attribute}" not in self.ctx.bindings:
                continue
            if not any(self._uses_parameters(value, node) for value in values):
                found.append(attribute)
        return found

    def _uses_parameters(self, value: cst.BaseExpression, node: cst.ClassDef) -> bool:
        parameters = {p.name.value for f in node.body.body if isinstance(f, cst.FunctionDef) for p in f.params.params}
        return any(n.value in parameters - {"self"} for n in find_nodes(value, cst.Name))

    # --- registrations and subscriptions -------------------------------------------------------

    def evaluate(self, ev, call: cst.Call, callee, scope, target) -> Value | None:
        ctx = self.ctx
        if set(callee) & SUBSCRIPTION_CLASS:
            ev.evaluate_arguments(call, scope)
            topic = self.text(keyword(call, "topic_type") or positional(call, 0))
            agent_type = self.text(keyword(call, "agent_type") or positional(call, 1))
            if topic is None or agent_type is None:
                ctx.diagnose(call, "unresolved-topic", f"{ctx.module.code_for_node(call)}: a topic or agent type not known statically; messages to it are not followed", "info")
            else:
                self.type_subscriptions.append((topic, agent_type))
            return Opaque("a subscription", ctx.loc(call))
        owner = next((o for o in map(self._registered_class, callee) if o is not None), None)
        factory = keyword(call, "factory") or positional(call, 2)
        if owner is None or factory is None:
            return None
        made = factory.body if isinstance(factory, cst.Lambda) else factory
        constructor = made if isinstance(made, cst.Call) else None
        made_names = set(ctx.callee_names(made.func) if constructor is not None else ctx.names_of(made))
        if owner not in made_names:
            return None  # not a factory of the class registered: some other `register`
        return self.register(ev, call, owner, constructor, scope)

    def register(self, ev, call: cst.Call, owner: str, constructor: cst.Call | None, scope) -> Value:
        ctx = self.ctx
        type_node = keyword(call, "type") or positional(call, 1)
        agent_type = self.text(type_node)
        for arg in call.args:
            if arg.value is not (keyword(call, "factory") or positional(call, 2)):
                ev.evaluate(arg.value, scope)
        tools: list[Value] = []
        if constructor is not None:
            parameters = self.parameters_of(owner)
            for index, arg in enumerate(constructor.args):
                name = arg.keyword.value if arg.keyword is not None else (parameters[index] if index < len(parameters) else None)
                if tool_like(name):
                    tools.append(ev.evaluate(self.schema_source(arg.value), scope, tools=True))
                else:
                    ev.evaluate(arg.value, scope)
        if owner not in TOOL_AGENT:
            tools.append(Ref(f"{owner}.<tools>", ctx.loc(call)))
        name = agent_type or owner.rsplit(".", 1)[-1]
        if agent_type is None:
            ctx.diagnose(call, "unresolved-topic", f"agent type {ctx.module.code_for_node(type_node) if type_node is not None else '?'} of {name} is not known statically; messages to it are not followed", "info")
        agent_id = ctx.add_agent(AgentFact(f"{ctx.module_name}.<agent {name}>", name, FRAMEWORK, ctx.loc(call), tuple(tools), (), scope.condition))
        self.registered.append((owner, agent_type, agent_id, call))
        return Opaque(f"agent type {name}", ctx.loc(call))

    def parameters_of(self, owner: str) -> list[str]:
        """The constructor's positional parameters after self, when the class is of this file."""
        core = self.classes.get(owner)
        if core is None:
            return []
        init = next((f for f in core.node.body.body if isinstance(f, cst.FunctionDef) and f.name.value == "__init__"), None)
        return [p.name.value for p in init.params.params][1:] if init is not None else []

    @staticmethod
    def schema_source(node: cst.BaseExpression) -> cst.BaseExpression:
        """`[t.schema for t in tools]`: the tools themselves."""
        if isinstance(node, (cst.ListComp, cst.GeneratorExp)) and isinstance(node.elt, cst.Attribute) and node.elt.attr.value == "schema":
            return node.for_in.iter
        return node

    def text(self, node: cst.BaseExpression | None) -> str | None:
        """A type written as a literal, a module constant of this file, or the `.type` of what a
        registration of this file returned."""
        if node is None:
            return None
        value = string_value(node)
        if value is not None:
            return value
        if isinstance(node, cst.Attribute) and node.attr.value == "type" and isinstance(node.value, cst.Name):
            made = self.adapter.value_node(node.value)
            made = made.expression if isinstance(made, cst.Await) else made
            for _, agent_type, _, call in self.registered:
                if call is made:
                    return agent_type
            return None
        bound = self.adapter.value_node(node)
        return string_value(bound) if bound is not node else None

    def topic_of(self, node: cst.BaseExpression | None) -> str | None:
        if not isinstance(node, cst.Call):
            return self.topic_of(self.adapter.value_node(node)) if isinstance(node, cst.Name) and self.adapter.value_node(node) is not node else None
        names = set(self.ctx.callee_names(node.func))
        if names & DEFAULT_TOPIC_IDS:
            given = keyword(node, "type") or positional(node, 0)
            return DEFAULT_TOPIC if given is None else self.text(given)
        if names & TOPIC_IDS:
            return self.text(keyword(node, "type") or positional(node, 0))
        return None

    def recipient_of(self, node: cst.BaseExpression | None) -> str | None:
        if isinstance(node, cst.Call) and set(self.ctx.callee_names(node.func)) & AGENT_IDS:
            return self.text(keyword(node, "type") or positional(node, 0))
        return None

    # --- flows ---------------------------------------------------------------------------------

    def finish(self) -> None:
        """Each class's messages, as links between the agents its registrations make (bound as
        `<class>.<agents>` where it is registered, in this file or another)."""
        ctx = self.ctx
        by_type: dict[str, list[str]] = {}
        for owner, agent_type, agent_id, _ in self.registered:
            if agent_type is not None:
                by_type.setdefault(agent_type, []).append(agent_id)
        for owner in sorted({owner for owner, _, _, _ in self.registered}):
            agents = tuple(Ref(agent_id, ctx.loc(call)) for o, _, agent_id, call in self.registered if o == owner)
            ctx.bindings[f"{owner}.<agents>"] = Binding(f"{owner}.<agents>", Items(agents))
        for qualname, core in sorted(self.classes.items()):
            for kind, name, call in core.messages:
                what = "topic type" if kind == "publish" else "agent type"
                if name is None:
                    ctx.diagnose(call, "unresolved-topic", f"{ctx.module.code_for_node(call.func)}: the {what} is not known statically; the message is not followed", "info")
                    continue
                if kind == "publish":
                    receivers = [Ref(f"{other}.<agents>", ctx.loc(call)) for other, c in sorted(self.classes.items()) if name in c.topics and other != qualname]
                    receivers += [Ref(agent_id, ctx.loc(call)) for topic, agent_type in self.type_subscriptions if topic == name for agent_id in by_type.get(agent_type, ())]
                else:
                    receivers = [Ref(agent_id, ctx.loc(call)) for agent_id in by_type.get(name, ())]
                if not receivers:
                    ctx.diagnose(call, "unresolved-topic", f"no agent of this file receives {what} '{name}' (receivers in other files are not followed); the message is not followed", "info")
                    continue
                ctx.links.append(ContextLink("message", tuple(receivers), ctx.loc(call), Ref(f"{qualname}.<agents>", ctx.loc(call)), kind == "send"))

"""OpenAI Agents SDK sandbox agents: `SandboxAgent(...)` is an `Agent` (its `tools=`, `mcp_servers=`,
`handoffs=`, guardrails and `as_tool` are read as for any agent) whose `capabilities=` add the
tools of a sandbox session: `Shell()` (exec_command, write_stdin), `Filesystem()` (view_image,
apply_patch), `Skills(...)` (load_skill); `Compaction()` and `Memory()` add none. Without
`capabilities=` the SDK's `Capabilities.default()` applies: Filesystem, Shell and Compaction. A
capability class of the project gives what its `tools()` returns.

The session runs in the client given at run time (`RunConfig(sandbox=SandboxRunConfig(client=...))`
or a session it created), not on the agent, so the file is read as a whole: a container or hosted
client (`DockerSandboxClient`, E2B, Modal, Daytona, Blaxel, Cloudflare, Runloop, Vercel) and no
host client puts a sandbox gate on the capability tools of the file's sandbox agents;
`UnixLocalSandboxClient` runs the commands on the host (no OS confinement on Linux) and is a
hygiene finding wherever it is made. Function tools in `tools=` run in the application's own
process either way. Names are those of openai-agents 0.24.0 (`agents/sandbox/`,
`agents/extensions/sandbox/`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from riskscan.extract.python.syntax import cst, find_nodes
from riskscan.extract.python.values import keyword, positional, string_value
from riskscan.types import Gate, HygieneFact, Ref, ToolFact, Value

FRAMEWORK = "openai-agents"
SANDBOX_AGENTS = frozenset({"agents.sandbox.SandboxAgent", "agents.sandbox.sandbox_agent.SandboxAgent"})
_CAPABILITY_MODULES = {"Shell": "shell", "Filesystem": "filesystem", "Skills": "skills", "Compaction": "compaction", "Memory": "memory"}
# class as imported -> the catalog's owner of its tools (rulesets/builtin_tools_openai_sandbox.yaml)
CAPABILITIES = {
    f"agents.sandbox.capabilities{module}.{name}": f"agents.sandbox.capabilities.{name}"
    for name, file in _CAPABILITY_MODULES.items()
    for module in ("", f".{file}")
}
DEFAULTS = ("Filesystem", "Shell", "Compaction")  # agents/sandbox/capabilities/capabilities.py
DEFAULT_FACTORY = frozenset({"agents.sandbox.capabilities.Capabilities.default", "agents.sandbox.capabilities.capabilities.Capabilities.default"})
_HOSTED = {"E2BSandboxClient": "e2b", "ModalSandboxClient": "modal", "DaytonaSandboxClient": "daytona", "BlaxelSandboxClient": "blaxel",
           "CloudflareSandboxClient": "cloudflare", "RunloopSandboxClient": "runloop", "VercelSandboxClient": "vercel"}
SANDBOXED_CLIENTS = frozenset(
    {f"agents.sandbox.sandboxes{module}.DockerSandboxClient" for module in ("", ".docker")}
    | {f"agents.extensions.sandbox{module}.{name}" for name, folder in _HOSTED.items() for module in ("", f".{folder}", f".{folder}.sandbox")}
)
LOCAL_CLIENTS = frozenset({f"agents.sandbox.sandboxes{module}.UnixLocalSandboxClient" for module in ("", ".unix_local")})


@dataclass
class SandboxState:
    """The capability tools made in this file, by the agent that holds them."""

    tools: list[tuple[str, str]] = field(default_factory=list)  # (tool id, agent name)
    agents: list[tuple[str, cst.Call]] = field(default_factory=list)  # (agent name, where)
    custom: list[tuple[str, cst.Call]] = field(default_factory=list)  # capability classes of the project


def sandbox_agent(adapter, ev, call: cst.Call, scope, target: str | None) -> Value:
    ctx = adapter.ctx
    name = string_value(keyword(call, "name") or positional(call, 0)) or (target.rsplit(".", 1)[-1] if target else "")
    base = target or f"{ctx.module_name}.<agent {name}>"
    node = keyword(call, "capabilities")
    tools = capability_tools(adapter, ev, node, scope, base, name, call)
    adapter.sandbox.agents.append((name, call))
    return adapter.agent(ev, call, scope, target, extra_tools=tuple(tools), skip=(node,) if node is not None else ())


def capability_tools(adapter, ev, node: cst.BaseExpression | None, scope, base: str, agent: str, call: cst.Call) -> list[Value]:
    ctx = adapter.ctx
    if node is None:
        return _defaults(adapter, base, agent, call)
    if isinstance(node, cst.Call) and set(ctx.callee_names(node.func)) & DEFAULT_FACTORY:
        return _defaults(adapter, base, agent, node)
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):  # defaults + [Skills(...)]
        return [*capability_tools(adapter, ev, node.left, scope, base, agent, call), *capability_tools(adapter, ev, node.right, scope, base, agent, call)]
    if not isinstance(node, (cst.List, cst.Tuple)):
        ev.evaluate(node, scope)
        ctx.diagnose(node, "unresolved-capability", f"capabilities={ctx.module.code_for_node(node)} is not a list known statically; the SDK defaults (Filesystem, Shell, Compaction) are assumed", "info")
        return _defaults(adapter, base, agent, node)
    found: list[Value] = []
    for element in node.elements:
        value = element.value
        names = set(ctx.callee_names(value.func)) if isinstance(value, cst.Call) else set()
        if names & DEFAULT_FACTORY:
            found += _defaults(adapter, base, agent, value)
            continue
        ev.evaluate(value, scope)
        owner = next((CAPABILITIES[n] for n in sorted(names) if n in CAPABILITIES), None)
        if owner is not None:
            if owner.endswith(".Memory"):
                ctx.diagnose(value, "memory-not-modelled", "Memory() puts what earlier runs left in the sandbox's memory files into the instructions: a store across sessions, not modelled", "info")
            found += _catalogued(adapter, owner, base, agent, value)
        elif isinstance(value, cst.Call) and names and all(ctx.is_project(n) or not n.startswith("agents.") for n in names):
            cls = min(names)  # a capability of the project: the tools its `tools()` returns
            found.append(Ref(f"{cls}.tools.<return>", ctx.loc(value)))
            adapter.sandbox.custom.append((cls, value))
        else:
            ctx.diagnose(value, "unresolved-capability", f"capability {ctx.module.code_for_node(value)} is not known statically; its tools are not recorded", "info")
    return found


def _defaults(adapter, base: str, agent: str, where: cst.CSTNode) -> list[Value]:
    found: list[Value] = []
    for name in DEFAULTS:
        found += _catalogued(adapter, f"agents.sandbox.capabilities.{name}", base, agent, where)
    return found


def _catalogued(adapter, owner: str, base: str, agent: str, where: cst.CSTNode) -> list[Value]:
    ctx = adapter.ctx
    refs: list[Value] = []
    for key, entry in ctx.rulesets.builtin_index().items():
        if key.rpartition(".")[0] == owner:
            tool_id = ctx.add_tool(ToolFact(f"{base}.<{entry.tool_name}>", entry.tool_name, FRAMEWORK, ctx.loc(where), builtin=key))
            adapter.sandbox.tools.append((tool_id, agent))
            refs.append(Ref(tool_id, ctx.loc(where)))
    return refs


def finish(adapter) -> None:
    """The sandbox clients made in this file decide where its capability tools run."""
    ctx = adapter.ctx
    state: SandboxState = adapter.sandbox
    sandboxed, local = [], []
    for call in find_nodes(ctx.module, cst.Call, enter_definitions=True):
        names = set(ctx.callee_names(call.func))
        if names & SANDBOXED_CLIENTS:
            sandboxed.append((call, min(names & SANDBOXED_CLIENTS).rsplit(".", 1)[-1]))
        elif names & LOCAL_CLIENTS:
            local.append(call)
    subject = ", ".join(sorted({name for name, _ in state.agents})) or "SandboxAgent"
    for call in local:
        detail = "UnixLocalSandboxClient runs the sandbox's commands on the host, with no OS confinement on Linux"
        ctx.hygiene.append(HygieneFact("local-code-executor", ctx.loc(call), subject, detail))
    if not state.tools:
        return
    if sandboxed and not local:
        call, client = sandboxed[0]
        where = "a container" if client == "DockerSandboxClient" else "a hosted sandbox"
        gate = Gate("sandbox", f"{client} runs the sandbox session in {where}", ctx.loc(call))
        for tool_id, _ in state.tools:
            fact = ctx.tools[tool_id]
            ctx.tools[tool_id] = replace(fact, gates=tuple(sorted(set(fact.gates) | {gate})))
        for cls, node in state.custom:
            ctx.diagnose(node, "partial-gate", f"the tools of capability {cls.rsplit('.', 1)[-1]} are declared in its own class, so {client}'s sandbox gate is not recorded on them", "info")
    elif not sandboxed and not local:
        for name, call in state.agents:
            ctx.diagnose(call, "unresolved-sandbox-client", f"SandboxAgent {name}: no sandbox client is made in this file (it is given where the agent runs, RunConfig(sandbox=...)); its capability tools are taken as running on the host", "info")

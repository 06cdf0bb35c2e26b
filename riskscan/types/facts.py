"""What discover and extract produce: the files to read, and what each file says."""

from __future__ import annotations

from dataclasses import dataclass

from riskscan.types.core import (
    Capability,
    Check,
    Condition,
    Diagnostic,
    Gate,
    Location,
    Term,
    Value,
)

# --- per-file facts (extract stage output) -----------------------------------------------------

# A name written with constants: its pieces in order, ("text", literal) or ("ref", the qualified
# name of a constant of another module, resolved by the model stage from the files' `Constant`s).
NameParts = tuple[tuple[str, str], ...]


@dataclass(frozen=True, order=True)
class ArgFlow:
    """One argument of a call: where it sits, and which parameters of the enclosing function
    flow into it (so the model controls it when the function is a tool)."""

    position: int | None  # positional index, None for a keyword argument
    keyword: str | None
    params: tuple[str, ...] = ()
    constant: str | None = None  # the literal string, when the argument is one
    term: Term | None = None  # the argument as a term over the parameters, when readable


@dataclass(frozen=True, order=True)
class CallSite:
    callee: tuple[str, ...]  # qualified names the callee may have (libcst gives a set), sorted
    location: Location
    args: tuple[ArgFlow, ...] = ()
    checks: tuple[Check, ...] = ()  # tests that hold whenever the call is reached
    receiver: ArgFlow | None = None  # the object a method is called on (`path` in path.write_text())


@dataclass(frozen=True, order=True)
class FunctionFact:
    qualname: str  # fully qualified: package.module.func, package.module.Class.method
    name: str
    location: Location
    params: tuple[str, ...] = ()
    docstring: str = ""
    calls: tuple[CallSite, ...] = ()
    numbers: tuple[str, ...] = ()  # the parameters annotated int, float or bool: never an option's text
    keyword_only: tuple[str, ...] = ()  # the parameters no positional argument fills (after `*`, and `*args`, `**kwargs`)


@dataclass(frozen=True, order=True)
class Argument:
    """One argument of an `Invocation`: its value, and the parameter it fills by position or keyword."""

    value: Value
    position: int = -1  # positional index, -1 for a keyword argument
    keyword: str = ""
    star: str = ""  # "*" or "**": unpacked, so that which parameters it fills is not known


@dataclass(frozen=True)
class Invocation:
    """A call of a function or class that may be the project's, with the value of each argument:
    the model follows them into the callee's parameters (riskscan/model/parameters.py), so that an
    agent a helper builds gets the tools its callers pass. `bound`: the callee receives an object as
    its first parameter (a method called on an instance, or a class's `__init__`)."""

    callee: tuple[str, ...]  # qualified names the callee may have, sorted
    location: Location
    arguments: tuple[Argument, ...]
    condition: Condition = ()  # the configuration under which the call runs
    bound: bool = False


@dataclass(frozen=True, order=True)
class ToolFact:
    """A tool as one file declares it. `id` is unique across the project and referenceable by
    `Ref` (for a decorated function it is the function's qualified name)."""

    id: str
    name: str  # the name the model sees
    framework: str  # openai-agents, mcp-sdk, function-calling, mcp-config, manifest, ...
    location: Location
    description: str = ""
    function: str | None = None  # qualname of the implementing function, for body analysis
    builtin: str | None = None  # key of a framework built-in tool in the tool catalog
    server: str | None = None  # key of a known MCP server in the server catalog
    params: tuple[str, ...] = ()
    input_schema: str = ""  # canonical JSON text of the parameters' JSON Schema, "" if none
    annotations: tuple[tuple[str, bool], ...] = ()  # MCP annotations: readOnlyHint, ...
    capabilities: tuple[Capability, ...] = ()  # labels known from the declaration itself
    gates: tuple[Gate, ...] = ()
    invokes: Value | None = None  # agent-as-tool: the agent this tool runs
    # an MCP server entry that runs a program of the scanned project: a script path as written in
    # the config, or "-m module"; the model gives the client that server's own tools
    launches: str | None = None
    # a name written with constants of other modules (`Tools.SEARCH.value` imported): its pieces,
    # which the model stage joins (`name` is the code until then); () when `name` is the name
    name_parts: NameParts = ()


@dataclass(frozen=True, order=True)
class AgentFact:
    """An agent: one model context that holds tools. For MCP client configs, every server of one
    client shares one context, so the client is the agent."""

    id: str
    name: str
    framework: str
    location: Location
    tools: tuple[Value, ...] = ()
    handoffs: tuple[Value, ...] = ()
    condition: Condition = ()
    # gates this agent puts on the tools it holds, by the tool's name ("*": every tool): a
    # human-in-the-loop middleware, `interrupt_before=["tools"]`, a task's `human_input`
    tool_gates: tuple[tuple[str, Gate], ...] = ()
    delegates: bool = False  # may delegate to the other members of its crew (CrewAI allow_delegation)


@dataclass(frozen=True, order=True)
class ContextLink:
    """Context that flows between agents beyond an agent's own handoffs, declared where the agents
    are put together: a team or graph whose members share one context (`source` None, kind
    shared-context: every member with every other), a crew's delegation (`source` None, kind
    delegation: from each member that `delegates` to every other, and back), a supervisor or
    manager (`source` set: from it to each member, and back when `both_ways`)."""

    kind: str  # shared-context | delegation | supervisor | task-context
    members: tuple[Value, ...]
    location: Location
    source: Value | None = None
    both_ways: bool = True
    condition: Condition = ()


@dataclass(frozen=True, order=True)
class Binding:
    """A module-level name bound to a value (assignment, re-export by import)."""

    qualname: str
    value: Value


@dataclass(frozen=True, order=True)
class Dispatch:
    """Plain function calling: the tool named `tool_name` is implemented by `target`
    (a dispatch dict entry, an `if name == ...` branch, a getattr on a module)."""

    tool_name: str
    target: Value
    location: Location
    name_parts: NameParts = ()  # as ToolFact.name_parts: a name compared with another module's constant


@dataclass(frozen=True, order=True)
class Constant:
    """A module constant or a string enum's member whose text another file may name a tool with:
    `pkg.names.SEARCH`, `pkg.names.Tools.SEARCH` (of a `str` enum) and `pkg.names.Tools.SEARCH.value`."""

    qualname: str
    text: str


@dataclass(frozen=True, order=True)
class Registration:
    """`value` is registered as a tool of the object named `target`, in a file that cannot tell
    what that object is (`from app.server import mcp` then `@mcp.tool()`); the model stage, which
    sees every file, attaches it when `target` is an agent or server."""

    target: str  # qualified name of the object
    value: Value
    location: Location


@dataclass(frozen=True, order=True)
class HygieneFact:
    """A single-fact problem found while extracting, checked by a hygiene rule of the rulesets.
    `check` names the rule's check (plaintext-secret, unpinned-package, broad-filesystem-root,
    plain-http-remote, model-controlled-shell, ...). `detail` is safe to print: secrets redacted."""

    check: str
    location: Location
    subject: str  # the server, tool or function concerned
    detail: str


@dataclass(frozen=True, order=True)
class PermissionRule:
    """A client setting that changes which tools an agent really holds or which are gated, read
    from a file other than the one that declares the servers (Claude Code `.claude/settings.json`
    allow/ask/deny rules, `disabledMcpjsonServers`). `effect` is allow, ask, deny or
    disable-server; `pattern` is the rule as written (`mcp__github__create_*`, `mcp__github`) or,
    for disable-server, the server name. `scope` is the folder whose client configs it governs
    ("" for the scan root); `client` the client it belongs to (claude-code)."""

    client: str
    scope: str
    effect: str
    pattern: str
    location: Location
    bypassed: bool = False  # the same settings put the client in a mode that skips every prompt


@dataclass(frozen=True, order=True)
class Pin:
    """One tool as a lockfile pinned it: the manifest it came from, its name and the canonical
    hash of its name, description, schemas and annotations (riskscan/mcp/lock.py)."""

    manifest: str
    tool: str
    digest: str
    location: Location
    fields: tuple[tuple[str, str], ...] = ()  # per-field hashes, to name what changed


@dataclass(frozen=True)
class Facts:
    """Everything one file says. Extractors are pure: one file in, one Facts out."""

    path: str
    kind: str  # python, mcp-config, manifest
    module: str | None = None  # dotted module name, for Python files
    functions: tuple[FunctionFact, ...] = ()
    tools: tuple[ToolFact, ...] = ()
    agents: tuple[AgentFact, ...] = ()
    bindings: tuple[Binding, ...] = ()
    dispatches: tuple[Dispatch, ...] = ()
    registrations: tuple[Registration, ...] = ()
    hygiene: tuple[HygieneFact, ...] = ()
    links: tuple[ContextLink, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    permissions: tuple[PermissionRule, ...] = ()  # client settings that govern other files' configs
    pins: tuple[Pin, ...] = ()  # a lockfile's pinned tools
    constants: tuple[Constant, ...] = ()  # texts of module constants and enum members, for other files' names
    invocations: tuple[Invocation, ...] = ()  # calls whose arguments the model follows into helpers


# --- discover stage ----------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class SourceFile:
    path: str  # relative POSIX path below the root
    kind: str  # python, mcp-config, manifest
    module: str | None = None  # dotted module name for Python files


@dataclass(frozen=True)
class Discovery:
    root: str  # absolute path of the scan root
    files: tuple[SourceFile, ...]
    diagnostics: tuple[Diagnostic, ...] = ()
    # (path, language) of the files in a language riskscan does not read (discover.OTHER_LANGUAGES)
    others: tuple[tuple[str, str], ...] = ()

"""The values that cross stage boundaries: discover -> extract -> model -> graph -> solve -> rank -> report.

Every record is a frozen dataclass; collections are tuples so records hash and compare. Stages import
from here and from nowhere upstream of themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

# --- capability labels ------------------------------------------------------------------------

UNTRUSTED_INPUT = "untrusted_input"  # returns content an outsider can write (web, email, issues, ...)
PRIVATE_DATA = "private_data"  # returns the user's or the organisation's private data
SECRET_READ = "secret_read"  # returns secrets: keys, tokens, credentials
EXTERNAL_SEND = "external_send"  # data can leave: HTTP to a chosen URL, email, chat, git push
CODE_EXEC = "code_exec"  # runs code or shell commands
FS_WRITE = "fs_write"
FS_DELETE = "fs_delete"
FINANCIAL = "financial"  # moves money
CREDENTIAL_CHANGE = "credential_change"  # changes credentials, permissions or access
DB_WRITE = "db_write"
SPAWN_AGENT = "spawn_agent"

ALL_LABELS = (
    UNTRUSTED_INPUT,
    PRIVATE_DATA,
    SECRET_READ,
    EXTERNAL_SEND,
    CODE_EXEC,
    FS_WRITE,
    FS_DELETE,
    FINANCIAL,
    CREDENTIAL_CHANGE,
    DB_WRITE,
    SPAWN_AGENT,
)

# Confidence of a label, by the strength of its evidence (DESIGN.md: strongest first).
CONFIDENCE_API = 0.9  # a call in the tool's body resolved to a catalogued API
CONFIDENCE_CATALOG = 0.9  # a known built-in tool or a known MCP server's tool
CONFIDENCE_ANNOTATION = 0.6  # MCP tool annotations, JSON Schema of the parameters
CONFIDENCE_LEXICON = 0.4  # names, docstrings, descriptions
CONFIDENCE_UNKNOWN_SERVER = 0.3  # an MCP server nobody catalogued: assumed the worst

SEVERITIES = ("critical", "high", "medium", "low", "note")


def confidence_level(value: float) -> str:
    """The confidence axis as a word: high, medium or low."""
    if value >= 0.8:
        return "high"
    if value >= 0.5:
        return "medium"
    return "low"


# --- places and diagnostics --------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Location:
    """A place in a scanned file. `path` is POSIX and relative to the scan root; line and column
    are 1-based, 0 when unknown (a whole file)."""

    path: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.path}:{self.line}:{self.column}" if self.column else f"{self.path}:{self.line}"
        return self.path


@dataclass(frozen=True, order=True)
class Diagnostic:
    """Something riskscan could not read or resolve. The scan goes on; this tells the user where."""

    location: Location
    code: str  # e.g. "parse-error", "unresolved-tool", "file-too-large"
    message: str  # never contains a secret
    severity: str = "warning"  # "error" | "warning" | "info"


# --- evidence and capabilities -----------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Evidence:
    """Why a label was given. `kind` is one of: api-call, builtin-tool, known-server,
    unknown-server, annotation, schema, lexicon."""

    kind: str
    detail: str
    location: Location | None = None


@dataclass(frozen=True, order=True)
class Capability:
    label: str
    confidence: float
    evidence: tuple[Evidence, ...] = ()
    # For sinks: True when the model chooses the dangerous argument (a URL, a command) through a
    # tool parameter; False when it is fixed in code. Sources ignore it.
    model_controlled: bool = True


# --- conditions and gates ----------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Atom:
    """One test of a configuration variable. `variable` is namespaced (`env.ENABLE_SHELL`,
    `setting.allow_shell`); `value` None means "set and truthy"."""

    variable: str
    value: str | None = None
    negated: bool = False

    def __str__(self) -> str:
        if self.value is None:
            return f"not {self.variable}" if self.negated else self.variable
        return f'{self.variable} {"!=" if self.negated else "=="} "{self.value}"'


# A condition is a conjunction of atoms; () is "always".
Condition = tuple[Atom, ...]


@dataclass(frozen=True, order=True)
class Gate:
    """What stands between the model and a tool: kind is approval, sandbox, allowlist,
    argument-check or schema."""

    kind: str
    detail: str
    location: Location | None = None


# --- static values (what an expression is known to evaluate to) --------------------------------


@dataclass(frozen=True, order=True)
class Ref:
    """A reference to a symbol by qualified name, resolved in the model stage across files: a
    function, a tool or agent id, or a module-level binding."""

    qualname: str
    location: Location


@dataclass(frozen=True, order=True)
class Items:
    """A list, tuple or set built in code (literal, concatenation, append/extend, loop)."""

    items: tuple["Value", ...]


@dataclass(frozen=True, order=True)
class When:
    """A value that exists only under a condition (added inside an `if`)."""

    value: "Value"
    condition: Condition


@dataclass(frozen=True, order=True)
class Opaque:
    """An expression riskscan could not resolve; kept so that it is reported, never dropped."""

    reason: str
    location: Location


Value = Union[Ref, Items, When, Opaque]


# --- per-file facts (extract stage output) -----------------------------------------------------


@dataclass(frozen=True, order=True)
class ArgFlow:
    """One argument of a call: where it sits, and which parameters of the enclosing function
    flow into it (so the model controls it when the function is a tool)."""

    position: int | None  # positional index, None for a keyword argument
    keyword: str | None
    params: tuple[str, ...] = ()
    constant: str | None = None  # the literal string, when the argument is one


@dataclass(frozen=True, order=True)
class CallSite:
    callee: tuple[str, ...]  # qualified names the callee may have (libcst gives a set), sorted
    location: Location
    args: tuple[ArgFlow, ...] = ()


@dataclass(frozen=True, order=True)
class FunctionFact:
    qualname: str  # fully qualified: package.module.func, package.module.Class.method
    name: str
    location: Location
    params: tuple[str, ...] = ()
    docstring: str = ""
    calls: tuple[CallSite, ...] = ()


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


@dataclass(frozen=True, order=True)
class HygieneFact:
    """A single-fact problem found while extracting, checked by a hygiene rule of the rulesets.
    `check` names the rule's check (plaintext-secret, unpinned-package, broad-filesystem-root,
    plain-http-remote, model-controlled-shell, ...). `detail` is safe to print: secrets redacted."""

    check: str
    location: Location
    subject: str  # the server, tool or function concerned
    detail: str


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
    hygiene: tuple[HygieneFact, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()


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


# --- the merged system (model stage output) ----------------------------------------------------


@dataclass(frozen=True, order=True)
class Tool:
    id: str
    name: str
    framework: str
    location: Location
    description: str = ""
    capabilities: tuple[Capability, ...] = ()
    gates: tuple[Gate, ...] = ()
    invokes_agent: str | None = None  # agent-as-tool: id of the agent it runs

    def labels(self) -> tuple[str, ...]:
        return tuple(sorted({c.label for c in self.capabilities}))

    def capability(self, label: str) -> Capability | None:
        found = [c for c in self.capabilities if c.label == label]
        return max(found, key=lambda c: c.confidence) if found else None


@dataclass(frozen=True, order=True)
class Holding:
    """Agent holds tool, under a condition, declared at a place."""

    tool: str  # tool id
    location: Location
    condition: Condition = ()


@dataclass(frozen=True, order=True)
class Handoff:
    """Context flows from the holding agent to `target` (handoff, delegation, agent-as-tool)."""

    target: str  # agent id
    kind: str  # handoff, agent-as-tool, delegation
    location: Location
    condition: Condition = ()


@dataclass(frozen=True, order=True)
class Agent:
    id: str
    name: str
    framework: str
    location: Location
    tools: tuple[Holding, ...] = ()
    handoffs: tuple[Handoff, ...] = ()
    condition: Condition = ()


@dataclass(frozen=True)
class SystemModel:
    root: str
    agents: tuple[Agent, ...]
    tools: tuple[Tool, ...]
    hygiene: tuple[HygieneFact, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()

    def tool(self, tool_id: str) -> Tool:
        return self._tools_by_id()[tool_id]

    def agent(self, agent_id: str) -> Agent:
        return {a.id: a for a in self.agents}[agent_id]

    def _tools_by_id(self) -> dict[str, Tool]:
        return {t.id: t for t in self.tools}


# --- rules (from the rulesets) -----------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    id: str  # code: prefix + digits, e.g. RS101
    name: str  # reads as what it catches: injection-to-exfiltration
    kind: str  # path | hygiene
    title: str
    severity: str
    description: str
    help: str  # markdown
    remediation: str
    tags: tuple[str, ...] = ()  # OWASP LLM / Agentic ids
    cwe: tuple[int, ...] = ()
    # path rules: the context state that must hold, and the labels that make a step a sink
    requires: tuple[str, ...] = ()  # state names: untrusted, private
    sinks: tuple[str, ...] = ()  # labels
    # hygiene rules: the check that produces their facts
    check: str | None = None

    @property
    def security_severity(self) -> str:
        return {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "note": "0.0"}[self.severity]


# --- solver output -----------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class PathStep:
    """One action of a witness: an agent calls a tool, or hands its context to another agent."""

    kind: str  # call | handoff
    agent: str  # agent id
    tool: str | None = None  # tool id, for calls
    target: str | None = None  # agent id, for handoffs


@dataclass(frozen=True)
class Path:
    rule: str  # rule id
    steps: tuple[PathStep, ...]
    conditions: Condition = ()  # the configuration under which the path exists
    status: str = "sat"  # sat: found; unknown: the solver could not decide in time


# --- ranked findings (rank stage output) -------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """A path step as reported: names, the labels that matter at this step, and where."""

    kind: str  # call | handoff
    agent: str  # agent name
    location: Location
    tool: str | None = None  # tool name
    target: str | None = None  # target agent name, for handoffs
    labels: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    note: str = ""  # what the step does to the context: "reads untrusted content", ...


@dataclass(frozen=True)
class Factor:
    """One named factor of a score; the score is the product of the factors' values."""

    name: str
    value: float
    reason: str


@dataclass(frozen=True)
class Finding:
    rule_id: str
    rule_name: str
    kind: str  # path | hygiene | unknown
    severity: str
    confidence: str  # high | medium | low
    score: float
    factors: tuple[Factor, ...]
    message: str
    location: Location  # the primary place: the sink step, or the offending fact
    steps: tuple[Step, ...] = ()
    conditions: tuple[str, ...] = ()
    gates: tuple[Gate, ...] = ()
    fingerprint: str = ""
    # other distinct paths that end in the same sink call, shortest first
    alternatives: tuple[tuple[Step, ...], ...] = ()


@dataclass(frozen=True)
class Report:
    version: str
    root: str
    findings: tuple[Finding, ...]
    agents: tuple[Agent, ...]
    tools: tuple[Tool, ...]
    rules: tuple[Rule, ...]
    diagnostics: tuple[Diagnostic, ...] = ()
    stats: tuple[tuple[str, int], ...] = field(default=())


# --- configuration -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    """How to scan. Every field is a long CLI flag of `riskscan scan` (and a config-file key)."""

    fail_on: str = "high"  # exit 1 when a finding is at or above this severity
    rulesets: tuple[str, ...] = ()  # extra ruleset files
    max_steps: int = 6  # longest path the solver looks for
    max_paths: int = 100  # distinct paths the solver looks for, per rule
    timeout_ms: int = 5000  # per solver query
    max_file_bytes: int = 2_000_000

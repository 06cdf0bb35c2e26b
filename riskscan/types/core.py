"""Labels, places, evidence, conditions, gates and static values: the vocabulary every stage shares."""

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

from riskscan.severities import CONFIDENCES, SEVERITIES  # noqa: E402,F401  (part of the types API)



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
    are 1-based, 0 when unknown (a whole file).

    In a Jupyter notebook (riskscan/extract/notebooks.py), `cell` is the 1-based index of the cell
    among all the notebook's cells, `line` and `column` are within that cell's source, and
    `file_line` is the line of the notebook file itself (its JSON text) that holds that source
    line: where an editor, GitHub code scanning or a diff shows it. Both are 0 elsewhere, and
    keyword-only so that `Location(path, line, column)` keeps its meaning; `cell` is compared
    right after the path, so a notebook's places sort cell by cell."""

    path: str
    cell: int = field(default=0, kw_only=True)
    line: int = 0
    column: int = 0
    file_line: int = field(default=0, kw_only=True)

    def __str__(self) -> str:
        return self.spelled()

    def spelled(self, path: str | None = None, column: bool = True) -> str:
        """`path:line:column` (`nb.ipynb[cell 4]:12:5` in a notebook), `path` in place of the
        location's own when given (a repository-relative one), without the column if not wanted."""
        where = self.path if path is None else path
        if self.cell:
            where += f"[cell {self.cell}]"
        if not self.line:
            return where
        return f"{where}:{self.line}:{self.column}" if column and self.column else f"{where}:{self.line}"


@dataclass(frozen=True, order=True)
class Diagnostic:
    """Something riskscan could not read or resolve. The scan goes on; this tells the user where."""

    location: Location
    code: str  # e.g. "parse-error", "unresolved-tool", "file-too-large"
    message: str  # never contains a secret
    # error: the file at `location` could not be read or parsed (Coverage.unreadable); warning:
    # read in part, or not understood; info: a note
    severity: str = "warning"

    @property
    def not_followed(self) -> bool:
        """A construct riskscan could not follow (a value, a member, a tool's implementation, a
        tool class): what the report shows may lack what it would have given. --strict fails on these."""
        return self.code.startswith("unresolved") or self.code in NOT_FOLLOWED


NOT_FOLLOWED = frozenset({"no-implementation", "unknown-tool-class", "guardrail-not-modelled", "partial-gate", "partial-filter", "framework-not-read"})


# --- evidence and capabilities -----------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Evidence:
    """Why a label was given. `kind` is one of: api-call, builtin-tool, known-server,
    unknown-server, annotation, schema, lexicon."""

    kind: str
    detail: str
    location: Location | None = None


# --- argument checks (what a tool's code tests before a dangerous call) -------------------------


@dataclass(frozen=True, order=True)
class Term:
    """A string-valued expression over a tool's parameters, as far as checks need it. `op` is
    param (value = its name), lit (value = the text), concat (args), join (os.path.join: args base,
    part), hostname / netloc / scheme (of a URL: args[0]), list (a list or tuple literal, such as
    an argv: args its elements), constant (value = the qualified name of another module's
    constant, which the model replaces by its text when it knows it), or unknown (value = the code)."""

    op: str
    args: tuple["Term", ...] = ()
    value: str = ""

    def params(self) -> frozenset[str]:
        own = {self.value} if self.op == "param" else set()
        return frozenset(own).union(*(arg.params() for arg in self.args))


@dataclass(frozen=True, order=True)
class Check:
    """A test that holds whenever the dangerous call is reached. `op` is startswith, endswith
    (term, values: any of), contains (values[0] in term), in (term in values), eq (term ==
    values[0]), len_le / len_lt / len_ge / len_gt / len_eq (values[0] a number), regex (values:
    pattern and mode match / fullmatch / search), isalnum / isdigit / isalpha, contained (term is
    inside the folder values[0] after resolving: `resolve().is_relative_to`, `realpath` prefix),
    not / and / or (args), or unknown (a test riskscan cannot read). `source` is the code."""

    op: str
    term: Term | None = None
    values: tuple[str, ...] = ()
    args: tuple["Check", ...] = ()
    source: str = ""


@dataclass(frozen=True, order=True)
class GuardedArgument:
    """A dangerous argument the model controls: what kind of sink takes it, the call, the
    argument as a term, and the checks that stand before the call."""

    sink: str  # url | path | shell | sql
    api: str
    term: Term
    checks: tuple[Check, ...]
    location: Location


@dataclass(frozen=True, order=True)
class Capability:
    label: str
    confidence: float
    evidence: tuple[Evidence, ...] = ()
    # For sinks: True when the model chooses the dangerous argument (a URL, a command) through a
    # tool parameter; False when it is fixed in code. Sources ignore it.
    model_controlled: bool = True
    # the model-controlled calls that give the label, with their argument checks
    arguments: tuple[GuardedArgument, ...] = ()


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
    # argument checks only, as the solver judged them: holds, bypassed, not-understood, unknown;
    # and for a bypass the argument that passes every check and is still dangerous
    status: str = ""
    witness: str = ""


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

"""Rules, solver paths, ranked findings, the report, and the scan configuration."""

from __future__ import annotations

from dataclasses import dataclass, field

from riskscan.types.core import Condition, Diagnostic, Evidence, Gate, Location
from riskscan.types.system import Agent, Tool

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
    # the other routes to the same risk (other sinks of the group, other ways in), the most damaging first
    alternatives: tuple[tuple[Step, ...], ...] = ()
    sinks: tuple[str, ...] = ()  # path findings: the sink tools of the risk, the lead route's first
    # path findings: the per-call fingerprints of riskscan before one finding per risk (baseline
    # version 1 keyed them), so that a baseline written then still matches
    covers: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # path findings: the message's sentences after its first (a lowered severity, a bypassed check)
    subject: str = ""  # the server, tool or function concerned: a path finding's sink server, or its sink tool
    suppression: Suppression | None = None  # set when a comment or the suppressions file silences it
    baseline_state: str = ""  # new | unchanged, against --baseline; empty without a baseline


@dataclass(frozen=True, order=True)
class Suppression:
    """Why a finding is silenced: `kind` is in-source (a `# riskscan: ignore[...]` comment) or
    external (an entry of the suppressions file); `location` is the comment or the entry."""

    kind: str
    reason: str
    location: Location


@dataclass(frozen=True, order=True)
class Fix:
    """One change of the smallest set that removes every path at or above the threshold:
    remove-tool (take `tool` away from `agent`), require-approval (a human approves every call of
    `tool`), or cut-handoff (`agent` no longer passes its context to `target`)."""

    kind: str
    agent: str | None  # agent name; None for require-approval (it applies to every holder)
    tool: str | None = None  # tool name
    target: str | None = None  # agent name, for cut-handoff
    location: Location | None = None  # where the change is made
    removes: tuple[str, ...] = ()  # fingerprints of the findings whose paths it cuts

    def describe(self) -> str:
        if self.kind == "remove-tool":
            return f"remove `{self.tool}` from agent '{self.agent}'"
        if self.kind == "require-approval":
            return f"require human approval for every call of `{self.tool}`"
        return f"cut the handoff from '{self.agent}' to '{self.target}'"


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
    fixes: tuple[Fix, ...] = ()  # the smallest fix set, when asked for and found
    # findings silenced by a suppression: out of `findings`, still written to JSON and SARIF
    suppressed: tuple[Finding, ...] = ()
    # findings of the --baseline that this scan no longer finds (fixed): (fingerprint, rule, message, location)
    absent: tuple[BaselineEntry, ...] = ()
    # findings of the --baseline that a format for people leaves out (baseline.new_only): counted as hidden
    baselined: tuple[Finding, ...] = ()
    # where the scan root sits in its git repository (riskscan.scan.repository); None for a Report
    # built without a scan (traces, tests), which the formats treat as a repository of its own
    repository: Repository | None = None
    # what the run read and what it did not; None for a report built by hand or read back from JSON
    coverage: Coverage | None = None
    # what a configuration file of the scanned repository did to this scan; None when none was read
    repository_config: RepositoryConfig | None = None


@dataclass(frozen=True, order=True)
class Setting:
    """One key of a configuration file: as written (`ignore`), its value as TOML (`["RS203"]`),
    and its place (relative to the scan root, as every Location)."""

    key: str
    value: str
    location: Location


@dataclass(frozen=True)
class RepositoryConfig:
    """What the configuration file found in the scanned repository did (riskscan.config): the
    keys it set that were applied (rule choice, include-tests) and those that were refused because
    only the person running riskscan may set them (each also a RS215 finding). `operator` holds,
    for each applied rule-choice key, the value the operator's own settings give (Config field,
    value): the scan keeps what the repository's rule choice alone removes as suppressed findings,
    so nothing it silences is out of the report."""

    path: str  # the file, relative to the scan root
    applied: tuple[Setting, ...] = ()
    refused: tuple[Setting, ...] = ()
    operator: tuple[tuple[str, object], ...] = ()


@dataclass(frozen=True)
class Repository:
    """The repository the scan root belongs to. Outside git, `root` is the scan root itself."""

    root: str  # absolute path of the repository root (git rev-parse --show-toplevel)
    path: str = ""  # the scan root relative to `root`, POSIX; '' when they are the same folder
    uri: str = ""  # the origin remote's public address, credentials removed; '' when unknown
    revision: str = ""  # the commit checked out (git rev-parse HEAD); '' when unknown

    def relative(self, path: str) -> str:
        """A scan-relative POSIX path as a repository-relative one ('.' stays the scan root)."""
        if not self.path:
            return path
        if path in ("", "."):
            return self.path
        import posixpath

        return posixpath.normpath(f"{self.path}/{path}")  # a config file above the scan root: ../riskscan.toml


@dataclass(frozen=True)
class Coverage:
    """What a run read, what it did not, and whether it recognised anything, so that a run that
    read nothing never passes silently. `unreadable` are the files of a kind riskscan reads that
    could not be read or parsed: each has a diagnostic of severity error at its path."""

    read: int  # files (or traces) read, the unreadable ones not counted
    not_read: tuple[tuple[str, int], ...] = ()  # (language, files) riskscan does not read: most first, then by name
    unreadable: tuple[str, ...] = ()  # paths, sorted
    recognised: bool = True  # an agent, a tool, an MCP config or a hygiene fact was found


@dataclass(frozen=True, order=True)
class BaselineEntry:
    """One finding recorded by --write-baseline, identified by its fingerprint."""

    fingerprint: str
    rule_id: str
    message: str
    location: Location


# --- configuration -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    """How to scan. Every field is a long CLI flag of `riskscan scan` (and a config-file key)."""

    fail_on: str = "high"  # exit 1 when a finding is at or above this severity
    rulesets: tuple[str, ...] = ()  # extra ruleset files
    max_steps: int = 6  # longest path the solver looks for
    max_paths: int = 100  # distinct paths the solver looks for, per rule
    timeout_ms: int = 5000  # per solver query
    max_file_bytes: int = 2_000_000  # larger files are reported and not read
    max_files: int = 100_000  # files read at most, in path order; the rest are reported
    include_tests: bool = False  # read test folders and test modules too (discover.is_test_code)
    source_roots: tuple[str, ...] = ()  # folders every file's absolute imports come from (scan/import_roots.py)
    # rule selection by code prefix (RS1, RS10, RS101): the most specific prefix wins
    select: tuple[str, ...] = ()  # empty: every rule
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    per_path_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (glob, codes)
    exclude: tuple[str, ...] = ()  # globs of files not to read
    suppressions: str | None = None  # the suppressions file (TOML); default: riskscan-suppressions.toml at the root
    baseline: str | None = None  # a --write-baseline file: its findings are `unchanged` and do not fail
    diff: str | None = None  # a git revision: keep only findings whose paths touch files changed since
    # hide path findings less sure than this (high | medium | low), as bandit's --confidence-level:
    # they are kept as suppressed findings, counted and written to JSON and SARIF
    min_confidence: str = "low"
    # reading: worker processes (0: one per core, at most 8), the cache of per-file facts, and
    # --read-all to read every file instead of only those the project's declarations need
    workers: int = 0
    cache: bool = True
    cache_dir: str | None = None  # default: $RISKSCAN_CACHE_DIR, else platformdirs' user cache folder
    read_all: bool = False
    # what a configuration file of the scanned repository set (riskscan.config): stated in the report
    repository_config: RepositoryConfig | None = None

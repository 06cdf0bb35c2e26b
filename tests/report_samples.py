"""A realistic Report, built by hand, for the report stage's tests.

The system: a `researcher` agent reads web pages and hands off to a `coder` agent that runs shell
commands; a `support` agent reads customer email and can issue refunds (only when
ENABLE_REFUNDS=1, behind human approval); an MCP client config holds a plaintext token and
reaches a server over plain http; one search ran out of time. Findings arrive ranked, highest
score first, as from the rank stage.
"""

from __future__ import annotations

from riskscan import rulesets
from riskscan.types import (
    CODE_EXEC,
    CONFIDENCE_API,
    CONFIDENCE_CATALOG,
    EXTERNAL_SEND,
    FINANCIAL,
    PRIVATE_DATA,
    UNTRUSTED_INPUT,
    Agent,
    Atom,
    Capability,
    Diagnostic,
    Evidence,
    Factor,
    Finding,
    Gate,
    Handoff,
    Holding,
    Location,
    Report,
    Step,
    Tool,
)

AGENTS_PY = "app/agents.py"
TOOLS_PY = "app/tools.py"
MCP_JSON = ".vscode/mcp.json"
DESKTOP_JSON = "configs/claude desktop.json"  # a space: the SARIF uri must be percent-encoded

REFUNDS_ON = Atom("env.ENABLE_REFUNDS", "1")
REFUND_APPROVAL = Gate("approval", "needs_approval=True on issue_refund", Location(TOOLS_PY, 61, 5))

FETCH_EVIDENCE = Evidence("api-call", "requests.get(url) with url from parameter `url`", Location(TOOLS_PY, 14, 12))
SHELL_EVIDENCE = Evidence("api-call", "subprocess.run(cmd, shell=True)", Location(TOOLS_PY, 31, 5))
EMAIL_EVIDENCE = Evidence("builtin-tool", "GmailToolkit.search: reads mail from anyone", Location(TOOLS_PY, 44, 1))
REFUND_EVIDENCE = Evidence("api-call", "stripe.Refund.create(amount=amount)", Location(TOOLS_PY, 64, 9))


def sample_tools() -> tuple[Tool, ...]:
    return (
        Tool(
            id="app.tools.fetch_page",
            name="fetch_page",
            framework="openai-agents",
            location=Location(TOOLS_PY, 12, 1),
            description="Fetch a web page and return its text.",
            capabilities=(
                Capability(UNTRUSTED_INPUT, CONFIDENCE_API, (FETCH_EVIDENCE,)),
                Capability(EXTERNAL_SEND, CONFIDENCE_API, (FETCH_EVIDENCE,), model_controlled=True),
            ),
        ),
        Tool(
            id="app.tools.run_shell",
            name="run_shell",
            framework="openai-agents",
            location=Location(TOOLS_PY, 28, 1),
            description="Run a shell command in the workspace.",
            capabilities=(Capability(CODE_EXEC, CONFIDENCE_API, (SHELL_EVIDENCE,)),),
        ),
        Tool(
            id="app.tools.search_email",
            name="search_email",
            framework="langchain",
            location=Location(TOOLS_PY, 44, 1),
            capabilities=(
                Capability(UNTRUSTED_INPUT, CONFIDENCE_CATALOG, (EMAIL_EVIDENCE,)),
                Capability(PRIVATE_DATA, CONFIDENCE_CATALOG, (EMAIL_EVIDENCE,)),
            ),
        ),
        Tool(
            id="app.tools.issue_refund",
            name="issue_refund",
            framework="openai-agents",
            location=Location(TOOLS_PY, 60, 1),
            description="Refund an order.",
            capabilities=(Capability(FINANCIAL, CONFIDENCE_API, (REFUND_EVIDENCE,)),),
            gates=(REFUND_APPROVAL,),
        ),
    )


def sample_agents() -> tuple[Agent, ...]:
    return (
        Agent(
            id="app.agents.researcher",
            name="researcher",
            framework="openai-agents",
            location=Location(AGENTS_PY, 10, 14),
            tools=(Holding("app.tools.fetch_page", Location(AGENTS_PY, 13, 12)),),
            handoffs=(Handoff("app.agents.coder", "handoff", Location(AGENTS_PY, 14, 15)),),
        ),
        Agent(
            id="app.agents.coder",
            name="coder",
            framework="openai-agents",
            location=Location(AGENTS_PY, 4, 9),
            tools=(Holding("app.tools.run_shell", Location(AGENTS_PY, 6, 12)),),
        ),
        Agent(
            id="app.agents.support",
            name="support",
            framework="openai-agents",
            location=Location(AGENTS_PY, 20, 11),
            tools=(
                Holding("app.tools.search_email", Location(AGENTS_PY, 22, 12)),
                Holding("app.tools.issue_refund", Location(AGENTS_PY, 24, 16), condition=(REFUNDS_ON,)),
            ),
        ),
    )


def shell_path_finding() -> Finding:
    """Three steps across two agents."""
    return Finding(
        rule_id="RS102",
        rule_name="injection-to-code-execution",
        kind="path",
        severity="critical",
        confidence="high",
        score=8.55,
        factors=(
            Factor("severity", 9.5, "critical rule"),
            Factor("confidence", 0.9, "every label comes from a catalogued API call"),
            Factor("gates", 1.0, "no gate on the path"),
        ),
        message="A web page fetched by `researcher` can make `coder` run a shell command of its choosing.",
        location=Location(TOOLS_PY, 31, 5),
        steps=(
            Step(
                "call",
                "researcher",
                Location(AGENTS_PY, 13, 12),
                tool="fetch_page",
                labels=(UNTRUSTED_INPUT,),
                evidence=(FETCH_EVIDENCE,),
                note="reads untrusted content",
            ),
            Step("handoff", "researcher", Location(AGENTS_PY, 14, 15), target="coder", note="passes its context on"),
            Step(
                "call",
                "coder",
                Location(AGENTS_PY, 6, 12),
                tool="run_shell",
                labels=(CODE_EXEC,),
                evidence=(SHELL_EVIDENCE,),
                note="runs a command the model chose",
            ),
        ),
        fingerprint="5f0c2a9e8b7d6c41",
        alternatives=(
            (
                Step("call", "coder", Location(AGENTS_PY, 6, 12), tool="read_issue", labels=(UNTRUSTED_INPUT,), note="reads untrusted content"),
                Step("call", "coder", Location(AGENTS_PY, 6, 12), tool="run_shell", labels=(CODE_EXEC,), note="runs a command the model chose"),
            ),
        ),
    )


def plaintext_secret_finding() -> Finding:
    return Finding(
        rule_id="RS201",
        rule_name="plaintext-secret-in-config",
        kind="hygiene",
        severity="high",
        confidence="high",
        score=7.2,
        factors=(Factor("severity", 8.0, "high rule"), Factor("confidence", 0.9, "matches the github-token pattern")),
        message="Server `github` has a GitHub token in plain text in `env.GITHUB_TOKEN` (value redacted).",
        location=Location(MCP_JSON, 9, 25),
        fingerprint="a1b2c3d4e5f60718",
    )


def plain_http_finding() -> Finding:
    """A whole-file location (line 0) in a path with a space."""
    return Finding(
        rule_id="RS204",
        rule_name="remote-server-over-http",
        kind="hygiene",
        severity="medium",
        confidence="high",
        score=4.95,
        factors=(Factor("severity", 5.5, "medium rule"), Factor("confidence", 0.9, "the url scheme is http")),
        message="Server `notes` is reached over plain http: anyone on the network can read and change its traffic.",
        location=Location(DESKTOP_JSON),
        fingerprint="0badc0ffee15900d",
    )


def refund_path_finding() -> Finding:
    """Conditions and a gate."""
    return Finding(
        rule_id="RS103",
        rule_name="injection-to-destructive-action",
        kind="path",
        severity="high",
        confidence="high",
        score=3.6,
        factors=(
            Factor("severity", 8.0, "high rule"),
            Factor("confidence", 0.9, "labels from a catalogued tool and API call"),
            Factor("gates", 0.5, "human approval before issue_refund"),
        ),
        message="An email read by `support` can make it issue a refund.",
        location=Location(TOOLS_PY, 64, 9),
        steps=(
            Step(
                "call",
                "support",
                Location(AGENTS_PY, 22, 12),
                tool="search_email",
                labels=(PRIVATE_DATA, UNTRUSTED_INPUT),
                evidence=(EMAIL_EVIDENCE,),
                note="reads untrusted content and private data",
            ),
            Step(
                "call",
                "support",
                Location(AGENTS_PY, 24, 16),
                tool="issue_refund",
                labels=(FINANCIAL,),
                evidence=(REFUND_EVIDENCE,),
                note="moves money",
            ),
        ),
        conditions=(str(REFUNDS_ON),),
        gates=(REFUND_APPROVAL,),
        fingerprint="77e1d0c93a5b4f20",
    )


def undecided_finding() -> Finding:
    """The solver ran out of time: reported as low, located at the scan root (as rank does)."""
    return Finding(
        rule_id="RS101",
        rule_name="injection-to-exfiltration",
        kind="unknown",
        severity="low",
        confidence="low",
        score=0.75,
        factors=(
            Factor("severity", 2.5, "undecided: reported as low"),
            Factor("confidence", 0.3, "the solver did not decide"),
        ),
        message="Untrusted content can make an agent send private data out: the solver could not decide within "
        "its time limit whether such a path exists (raise --timeout-ms).",
        location=Location("."),
        fingerprint="e3b0c44298fc1c14",
    )


def sample_diagnostics() -> tuple[Diagnostic, ...]:
    return (
        Diagnostic(Location("app/broken.py", 3, 9), "parse-error", "invalid syntax: expected ':'", "error"),
        Diagnostic(Location(MCP_JSON), "unresolved-tool", "server `local` names no command", "warning"),
    )


def sample_report() -> Report:
    return Report(
        version="0.1.0",
        root="/home/someone/project",
        findings=(
            shell_path_finding(),
            plaintext_secret_finding(),
            plain_http_finding(),
            refund_path_finding(),
            undecided_finding(),
        ),
        agents=sample_agents(),
        tools=sample_tools(),
        rules=rulesets.load().rules,
        diagnostics=sample_diagnostics(),
        stats=(("files", 4), ("paths", 2)),
    )


def empty_report() -> Report:
    return Report(version="0.1.0", root="/tmp/x", findings=(), agents=(), tools=(), rules=rulesets.load().rules)

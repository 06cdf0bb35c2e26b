"""The command line: argv in, a report and an exit code out. The commands are here, their shared
option groups and the configuration they read in options.py, the progress display in progress.py.
Only this package imports click; it turns the unexpected into exit code 2.

Exit codes: 0 nothing at or above the threshold, 1 findings at or above it, 2 usage or
configuration error.
"""

from __future__ import annotations

import sys

import click

from riskscan import __version__
from riskscan.cli.options import (
    emit,
    extra_outputs,
    load_rulesets,
    render_options,
    report_options,
    run_scan_command,
    say,
    selection_options,
    settings_of,
    solver_options,
    tuning_of,
)
from riskscan.frameworks import client_listing
from riskscan.frameworks import listing as framework_listing
from riskscan.severities import SEVERITIES

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2
FORMATS = ("text", "json", "sarif", "html")
SCAN_FORMATS = (*FORMATS, "concise", "markdown", "github")
HUMAN_FORMATS = ("text", "concise", "markdown", "github")  # with --baseline these show only new findings


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="riskscan")
def main() -> None:
    """riskscan finds what an AI agent system could do wrong before anything runs.

    It reads agent code ({frameworks}),
    in Python files and Jupyter notebooks, each file's imports from its own app's folder (as the
    interpreter finds them; --source-roots sets them), MCP client configs ({clients}) and tool
    manifests; builds one capability graph of which agents hold which tools and what those tools
    can touch; and asks the Z3 solver which dangerous paths are reachable: untrusted content
    steering an agent into sending private data out, running code, or destroying things.

    \b
    Examples:
      riskscan scan .                       scan the current repository
      riskscan scan . --format sarif -o riskscan.sarif
      riskscan scan examples/support-desk --fail-on critical
    """


# the frameworks the adapters read, from their registry of names (plain data: --help loads no parser)
main.help = main.help.format(frameworks=framework_listing(), clients=client_listing())


@main.command(
    short_help="Scan a repository, folder or file for dangerous agent paths.",
    epilog="Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage or configuration error"
           " (and with --strict: a file that could not be read or parsed, a construct not followed, or nothing recognised).",
)
@click.argument("path", type=click.Path(exists=True, file_okay=True, dir_okay=True), default=".")
@click.option("--format", "fmt", type=click.Choice(SCAN_FORMATS), default="text", show_default=True, help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write the report to this file instead of stdout.")
@click.option(
    "--fail-on", type=click.Choice(SEVERITIES[:-1]), default="high", show_default=True,
    help="Exit 1 when a finding is at or above this severity.",
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings (errors still exit 2).")
@report_options(SCAN_FORMATS)
@click.option("--strict", is_flag=True,
              help="Exit 2, after the report, when a file could not be read or parsed, a construct could not be followed"
                   " (a tool, member or value riskscan could not resolve: the diagnostics counted as not followed), or nothing"
                   " was recognised (no agents, tools or MCP configs: an empty folder, a language or framework riskscan does not read).")
@solver_options
@selection_options
@click.option("--write-baseline", type=click.Path(dir_okay=False, writable=True), help="Write every finding of this scan to a baseline file and exit 0.")
@click.option("--statistics", is_flag=True, help="Print how many findings each rule has instead of the findings.")
@click.option("-q", "--quiet", is_flag=True, help="No progress display on stderr.")
@click.option("--color/--no-color", default=None, help="Colour the text output (default: when stdout is a terminal and NO_COLOR is unset).")
def scan(path, **params) -> None:
    """Scan PATH (a repository, a folder or one file) for dangerous agent paths.

    Prints the dangerous paths found, ranked, each step with file:line and the evidence for
    each capability; then hygiene findings (plaintext secrets in configs, unpinned servers, ...)
    and diagnostics for whatever could not be read or resolved.

    Settings come from the nearest riskscan.toml or pyproject.toml [tool.riskscan] at or above
    PATH (keys are the long options: fail-on, select, ignore, ...); options given here win.

    \b
    Examples:
      riskscan scan . --select RS1 --ignore RS103
      riskscan scan . --write-baseline .riskscan-baseline.json
      riskscan scan . --baseline .riskscan-baseline.json --format sarif -o riskscan.sarif
      riskscan scan . --diff origin/main --format markdown -o comment.md
      riskscan scan . --sarif-output riskscan.sarif --markdown-output comment.md
    """
    import os

    from riskscan.rank import at_or_above
    from riskscan.report import render
    from riskscan.triage import baseline

    settings = settings_of(path, params)
    fmt, output, fail_on = settings["fmt"], settings["output"], settings["fail_on"]
    from riskscan.cli.progress import progress_display

    report = run_scan_command(path, fail_on, progress=None if settings["quiet"] else progress_display(sys.stderr), **tuning_of(settings))
    if settings["write_baseline"]:
        emit(baseline.render(report), settings["write_baseline"])
        if not settings["quiet"]:
            count = len(report.findings) + len(report.suppressed)
            say(f"riskscan: wrote {count} findings to {settings['write_baseline']}")
        sys.exit(EXIT_CLEAN)
    color = settings["color"]
    if color is None:
        color = output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    shown = baseline.new_only(report) if settings["baseline"] and fmt in HUMAN_FORMATS else report
    if settings["statistics"]:
        from riskscan.report.statistics import render_statistics

        emit(render_statistics(shown), output)
    else:
        emit(render(shown, fmt, color=color, **render_options(settings)), output)
    for extra, target in extra_outputs(settings, SCAN_FORMATS):  # the same scan, one more format each
        extra_report = baseline.new_only(report) if settings["baseline"] and extra in HUMAN_FORMATS else report
        emit(render(extra_report, extra, **render_options(settings)), target)
    problems = strict_problems(report) if settings["strict"] else []
    for problem in problems:
        say(f"riskscan: error: {problem} (--strict)")
    if problems:
        sys.exit(EXIT_ERROR)
    failing = [f for f in report.findings if at_or_above(f, fail_on) and f.baseline_state != baseline.UNCHANGED]
    sys.exit(EXIT_FINDINGS if failing and not settings["exit_zero"] else EXIT_CLEAN)


def strict_problems(report) -> list[str]:
    """What --strict fails a scan for: each file that could not be read or parsed, each construct
    riskscan could not follow (a tool, member or value it could not resolve), and a scan that
    recognised nothing."""
    from riskscan.report.wording import NOTHING_RECOGNISED

    nothing = report.coverage is not None and not report.coverage.recognised
    unfollowed = [f"{d.location}: {d.message} (not followed)" for d in sorted(report.diagnostics) if d.not_followed]
    return unreadable_errors(report) + unfollowed + ([NOTHING_RECOGNISED] if nothing else [])


def unreadable_errors(report) -> list[str]:
    """`path:line: message` for each error of the files that could not be read or parsed."""
    unreadable = set(report.coverage.unreadable) if report.coverage is not None else set()
    return [f"{d.location}: {d.message}" for d in sorted(report.diagnostics) if d.severity == "error" and d.location.path in unreadable]


@main.command("rules", short_help="List every rule: code, severity, kind, name, title.")
@click.option("--ruleset", "rulesets", multiple=True, type=click.Path(exists=True, dir_okay=False), help="An extra ruleset file (repeatable).")
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True, help="Output format.")
def list_rules(rulesets, fmt) -> None:
    """List the rules of the bundled rulesets (and of --ruleset files). `riskscan rule CODE`
    explains one."""
    from riskscan.report.rule_docs import listing

    loaded = load_rulesets(rulesets)
    click.echo(listing(loaded.rules, fmt), nl=False)


@main.command("rule", short_help="Explain one rule: what it does, why it is bad, example, fix, references.")
@click.argument("code")
@click.option("--ruleset", "rulesets", multiple=True, type=click.Path(exists=True, dir_okay=False), help="An extra ruleset file (repeatable).")
def explain_rule(code, rulesets) -> None:
    """Explain the rule CODE (RS101) or NAME (injection-to-exfiltration), from the ruleset data.

    \b
    Examples:
      riskscan rule RS101
      riskscan rule tool-shadowing
    """
    from riskscan.report.rule_docs import explanation, find

    loaded = load_rulesets(rulesets)
    rule = find(loaded.rules, code)
    if rule is None:
        say(f"riskscan: error: no rule {code!r} (see `riskscan rules`)")
        sys.exit(EXIT_ERROR)
    click.echo(explanation(rule), nl=False)


@main.command(short_help="Explain one finding step by step: evidence, conditions, gates, witnesses, fixes.")
@click.argument("finding")
@click.argument("path", type=click.Path(exists=True, file_okay=True, dir_okay=True), default=".")
@click.option(
    "--fail-on", type=click.Choice(SEVERITIES[:-1]), default="high", show_default=True,
    help="The threshold the smallest fix is computed for.",
)
@solver_options
def explain(finding, path, fail_on, **tuning) -> None:
    """Explain FINDING of a scan of PATH: its id (the `id=` of the text report, or a prefix of the
    JSON fingerprint), its rank (1 is the first finding), or a rule code (the highest-ranked
    finding of that rule).

    \b
    Examples:
      riskscan explain 1 examples/support-desk
      riskscan explain RS102 examples/support-desk
    """
    from riskscan.report.explain import render_explanation, select

    report = run_scan_command(path, fail_on, **tuning)
    chosen = select(report, finding)
    if chosen is None:
        say(f"riskscan: error: no finding {finding!r} in this scan ({len(report.findings)} findings)")
        sys.exit(EXIT_ERROR)
    click.echo(render_explanation(report, chosen), nl=False)


@main.command(short_help="Export the capability graph: DOT, Mermaid or JSON.")
@click.argument("path", type=click.Path(exists=True, file_okay=True, dir_okay=True), default=".")
@click.option("--format", "fmt", type=click.Choice(("dot", "mermaid", "json")), default="dot", show_default=True, help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write the graph to this file instead of stdout.")
@solver_options
def graph(path, fmt, output, **tuning) -> None:
    """Scan PATH and write its capability graph: agents, the tools they hold, handoffs between
    agents, each tool's capability labels; what a dangerous path walks is marked (red in DOT and
    Mermaid, `danger` and `paths` in JSON).

    \b
    Examples:
      riskscan graph examples/support-desk | dot -Tsvg > graph.svg
      riskscan graph . --format mermaid -o graph.mmd
    """
    from riskscan.report.graph_export import render_graph

    report = run_scan_command(path, "high", **tuning)
    emit(render_graph(report, fmt), output)


@main.command(short_help="Pin the tools of every tool manifest; scan reports changes since.")
@click.argument("path", type=click.Path(exists=True, file_okay=False, dir_okay=True), default=".")
def lock(path) -> None:
    """Write PATH/riskscan.lock.json: a canonical hash of each tool (name, description, input
    schema, annotations) of every tool manifest under PATH, such as those `riskscan probe`
    saves. `riskscan scan` then reports every tool changed, added or removed since (RS213,
    RS214). Nothing is started; commit the lockfile. The MCP servers of client configs that have no
    saved tool list are named on stderr, with the `riskscan probe` command that saves one.
    """
    from riskscan.mcp.lock import run as write_lock

    try:
        locked = write_lock(path)
    except OSError as error:
        say(f"riskscan: error: cannot write the lockfile: {error.filename or path}: {error.strerror}")
        sys.exit(EXIT_ERROR)
    say(f"{locked.target}: {locked.tools} tools of {locked.manifests} manifests pinned", err=False)
    from riskscan.mcp.lock import unpinned_note

    for line in unpinned_note(path, locked.unpinned):
        say(f"riskscan: {line}")


@main.command(short_help="Start a config's stdio MCP servers (opt-in) and save their tool lists.")
@click.argument("config", type=click.Path(exists=True, dir_okay=False))
@click.option("--server", help="Probe only this server of the config.")
@click.option("--root", type=click.Path(exists=True, file_okay=False), default=".", show_default=True,
              help="Project root: manifests go to ROOT/.riskscan/probe/, where scan and lock read them.")
@click.option("--timeout", type=click.FloatRange(0.1, 600), default=30.0, show_default=True, help="Seconds per server.")
def probe(config, server, root, timeout) -> None:
    """Start the stdio servers of CONFIG one at a time, without a shell, with only PATH and the
    variables the config's `env` names, ask each for `initialize` and `tools/list` with the
    official MCP SDK, and save the tools as manifests. This runs the configured programs: use it
    only on configs you trust enough to start. Remote servers are not contacted.
    """
    from riskscan.mcp.probe import ProbeError
    from riskscan.mcp.probe import probe as run_probe

    try:
        results = run_probe(config, root=root, server=server, timeout=timeout)
    except ProbeError as error:
        say(f"riskscan: error: {error}")
        sys.exit(EXIT_ERROR)
    for result in results:
        say(f"{result.server}: {result.status}: {result.detail}", err=False)
    sys.exit(EXIT_ERROR if any(r.status in ("failed", "timeout") for r in results) else EXIT_CLEAN)


@main.command(
    short_help="Check recorded agent runs: dangerous flows that happened, unknown tools, coverage.",
    epilog="Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage or configuration error,"
           " or a file that is not a trace (the report is printed first).",
)
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--with-scan", "with_scan", type=click.Path(exists=True),
    help="The static side: a folder to scan, or a saved JSON report (scan --format json). Adds unknown-tool and coverage findings.",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True, help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write the report to this file instead of stdout.")
@click.option(
    "--fail-on", type=click.Choice(SEVERITIES[:-1]), default="high", show_default=True,
    help="Exit 1 when a finding is at or above this severity.",
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings (errors still exit 2).")
@click.option("--ruleset", "rulesets", multiple=True, type=click.Path(exists=True, dir_okay=False), help="An extra ruleset file (repeatable).")
@click.option("--select", multiple=True, metavar="CODES", help="Report only these rules, by code prefix (RS1,RS401; repeatable; default ALL).")
@click.option("--ignore", multiple=True, metavar="CODES", help="Do not report these rules, by code prefix (the most specific prefix wins).")
def trace(files, with_scan, fmt, output, fail_on, exit_zero, rulesets, select, ignore) -> None:
    """Replay recorded runs (FILES) through the same state machine and rules as `scan`.

    Reads OpenAI and Anthropic message lists (JSON or JSON Lines), OTLP traces with the
    OpenTelemetry GenAI conventions (JSON or JSON Lines), and OpenAI Agents SDK span exports;
    the format is told by the content. Reports dangerous paths that happened (with the message
    or span of each step, and higher confidence when a sink's arguments repeat an earlier
    untrusted or private result), and with --with-scan: tools the static model does not know and
    predicted paths no run exercised. SARIF uses the category riskscan/trace/.

    \b
    Examples:
      riskscan trace run.jsonl --with-scan .
      riskscan trace spans/*.json --with-scan report.json --format sarif -o trace.sarif
    """
    from riskscan.rank import at_or_above
    from riskscan.report import render
    from riskscan.rulesets import RulesetError
    from riskscan.trace import AUTOMATION_ID, ModelError, check_traces, load_model
    from riskscan.triage.select import SelectionError
    from riskscan.types import Config

    def codes(values):
        return tuple(code.strip() for value in values for code in value.split(",") if code.strip())

    config = Config(fail_on=fail_on, rulesets=tuple(rulesets))
    chosen = Config(fail_on=fail_on, rulesets=tuple(rulesets), select=codes(select), ignore=codes(ignore))
    try:
        model = load_model(with_scan, config) if with_scan else None  # the whole static side, unselected
        report = check_traces(files, model, chosen)
    except (RulesetError, ModelError, SelectionError) as error:
        say(f"riskscan: error: {error}")
        sys.exit(EXIT_ERROR)
    emit(render(report, fmt, automation_id=AUTOMATION_ID), output)
    not_traces = unreadable_errors(report)
    for error in not_traces:
        say(f"riskscan: error: {error}")
    if not_traces:
        sys.exit(EXIT_ERROR)
    failing = [f for f in report.findings if at_or_above(f, fail_on)]
    sys.exit(EXIT_FINDINGS if failing and not exit_zero else EXIT_CLEAN)


def run() -> None:
    """Entry point that maps an unexpected crash to exit code 2 with a one-line message."""
    for stream in (sys.stdout, sys.stderr):  # a file name that is not UTF-8, or a terminal that is not: escaped, never a crash
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    try:
        main(standalone_mode=True)
    except SystemExit:
        raise
    except Exception as error:  # the one place where the unexpected becomes an exit code
        say(f"riskscan: internal error: {type(error).__name__}: {error}")
        sys.exit(EXIT_ERROR)

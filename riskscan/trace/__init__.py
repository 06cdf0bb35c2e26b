"""The dynamic side: read recorded agent runs, replay them through the solver's state machine, and
report what happened with the same rules as the static scan.

`check_traces(paths, model)` is the public API (the CLI's `trace` command and the tests use it
alike). `model` is the static side: a Report from `riskscan.scan.scan`, or one read back from a
saved JSON report with `load_model`; without it, the model is inferred from the traces' tool
names, and drift and coverage are not reported (there is nothing to compare with).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

from riskscan import __version__, rank, rulesets
from riskscan.trace.events import Trace, TraceCall, TraceHandoff  # noqa: F401
from riskscan.trace.read import read_trace
from riskscan.trace.saved import ModelError, inferred_report, load_report
from riskscan.types import Config, Coverage, Report

AUTOMATION_ID = "riskscan/trace/"


def trace_rules_path() -> Path:
    return rulesets.trace_rules_path()


def display_path(path: str) -> str:
    """The trace's path as reports show it: relative to the working directory, POSIX, so that no
    absolute path of this machine is written."""
    try:
        return Path(os.path.relpath(path)).as_posix()
    except ValueError:  # another drive on Windows
        return Path(path).name


def load_model(path: str, config: Config = Config()) -> Report:
    """The static model from `path`: a saved JSON report (a file) or a fresh scan (a folder)."""
    if Path(path).is_dir():
        from riskscan.scan import scan

        return scan(path, config)
    return load_report(path)


def check_traces(paths: Sequence[str], model: Report | None = None, config: Config = Config()) -> Report:
    from riskscan.trace import findings as build
    from riskscan.trace.mapping import ModelIndex
    from riskscan.trace.replay import Outcome, replay
    from riskscan.triage import select

    loaded = rulesets.load(config.rulesets)
    trace_rules = {rule.id: rule for rule in rulesets.trace_rules()}
    # --select / --ignore: the same prefixes as `scan`, over the path rules and the trace rules
    chosen = select.from_config(config, [*(rule.id for rule in loaded.rules), *trace_rules])
    path_rules = [rule for rule in loaded.rules if rule.kind == "path" and chosen.enabled(rule.id)]
    traces = [read_trace(path, display_path(path)) for path in paths]
    scanned = model is not None
    if model is None:
        model = inferred_report(traces, loaded, __version__)
    index = ModelIndex(model.agents, model.tools)
    outcome = Outcome()
    unknown, contradictions = [], []
    for trace in traces:
        before = (len(outcome.unknown), len(outcome.contradictions))
        replay(trace, index, path_rules, outcome)
        unknown += [(trace.path, step) for step in outcome.unknown[before[0]:]]
        contradictions += [(trace.path, step) for step in outcome.contradictions[before[1]:]]
    predicted = [f for f in model.findings if f.kind == "path" and f.steps]
    predicted_keys = {key for f in predicted for key in build.risk_keys(f)} if scanned else None
    found = [build.path_finding(happened, predicted_keys) for happened in outcome.paths]
    exercised = {build.sink_key(f.rule_id, f.steps) for f in found}
    found += build.contradiction_findings(trace_rules[build.CONTRADICTION], contradictions)
    if scanned:
        found += build.unknown_tool_findings(trace_rules[build.UNKNOWN_TOOL], unknown)
        found += [build.not_exercised_finding(trace_rules[build.NOT_EXERCISED], f) for f in predicted
                  if not build.risk_keys(f) & exercised]
    found = [f for f in found if chosen.enabled(f.rule_id)]
    findings = tuple(sorted(found, key=rank.order))
    diagnostics = tuple(sorted({d for trace in traces for d in trace.diagnostics}))
    stats = (
        ("traces", len(traces)),
        ("events", sum(len(t.events) for t in traces)),
        ("calls", outcome.calls),
        ("blocked_calls", outcome.blocked),
        ("unknown_calls", len(unknown) if scanned else 0),
        ("paths", sum(1 for f in findings if f.kind == "path")),
        ("predicted_paths", len({f.fingerprint or f.message for f in predicted})),
        ("exercised_paths", sum(1 for f in predicted if build.risk_keys(f) & exercised) if scanned else 0),
    )
    rules = tuple(sorted([*path_rules, *trace_rules.values()], key=lambda r: r.id))
    not_traces = tuple(sorted({trace.path for trace in traces if not trace.is_trace}))
    coverage = Coverage(read=len(traces) - len(not_traces), unreadable=not_traces)
    return Report(__version__, ".", findings, model.agents, model.tools, rules, diagnostics, stats, coverage=coverage)


__all__ = ["AUTOMATION_ID", "ModelError", "check_traces", "load_model", "read_trace"]

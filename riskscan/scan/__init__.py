"""The whole static pipeline in one call, a path and a `Config` in, a `Report` out:
discover -> extract -> model -> graph -> solve -> rank, then triage (selection, suppressions,
baseline, --diff).

`scan()` is the public API; the CLI and the tests use it alike. Reading (riskscan/scan/reading.py)
parses in full only the files the project's declarations need, in worker processes, through the
cache; heavy libraries load only when a stage needs them: libcst with the first file read in full,
networkx and z3 only when there is something to solve that the cache does not already hold.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from riskscan import __version__, cache, discover, rank, rulesets
from riskscan.cache import digest_of
from riskscan.discover import globs
from riskscan.rank.severity import assumed_tools, rests_on_assumptions
from riskscan.scan import repository
from riskscan.scan.reading import read
from riskscan.triage import select as selection
from riskscan.types import (
    PRIVATE_DATA,
    SECRET_READ,
    Config,
    Coverage,
    Diagnostic,
    Discovery,
    Finding,
    HygieneFact,
    Location,
    Report,
    Setting,
    Suppression,
    SystemModel,
)

# progress(stage, done, total), in stage order: "discovering" (not counted: total 0), "surveying" once
# per Python file surveyed, "reading" once per file read, then "solving" (not counted)
Progress = Callable[[str, int, int], None]


def scan(root: str, config: Config = Config(), progress: Progress | None = None) -> Report:
    """Scan `root` with `config`. Rule selection, suppressions, the baseline and --diff apply
    here, so that the API and the CLI give the same findings. Errors of the configuration raise
    the ValueErrors of `riskscan.triage.select`, `.suppressions`, `.baseline` and `.diff`."""
    if progress:
        progress("discovering", 0, 0)
    store = cache.opened(config, root, __version__, "")
    loaded = rulesets.load(config.rulesets, memo=store)
    # the trace rules are known too: one configuration can select or ignore them for `riskscan trace`
    codes = tuple(rule.id for rule in (*loaded.rules, *rulesets.trace_rules(store)))
    chosen = selection.from_config(config, codes)
    operator_chosen = selection.from_config(_operator_config(config), codes)  # the rules solved: the operator's choice
    found = discover.discover(root, config.max_file_bytes, config.max_files, config.include_tests)
    if config.exclude:
        kept = tuple(f for f in found.files if not globs.matches(f.path, config.exclude))  # one gitignore-style list
        others = tuple(o for o in found.others if not globs.matches(o[0], config.exclude))
        found = replace(found, files=kept, others=others)
    reading = read(found, loaded, config, progress)
    if progress:
        progress("solving", 0, 0)
    path_rules = [rule for rule in loaded.rules if rule.kind == "path" and operator_chosen.enabled(rule.id)]
    solved = _solved(reading.system, path_rules, config, loaded.digest, store)
    system, paths, notes, fixes, fix_notes = solved
    findings = rank.rank(replace(system, hygiene=system.hygiene + _refused(config)), loaded.rules, paths)
    diagnostics = tuple(sorted(set(found.diagnostics) | set(system.diagnostics) | set(notes) | set(fix_notes)
                               | set(cache.notes(store, reading.cache))))
    stats = (
        ("files", len(found.files)),
        ("agents", len(system.agents)),
        ("tools", len(system.tools)),
        ("paths", len({f.fingerprint for f in findings if f.kind == "path"})),
    )
    report = Report(
        version=__version__,
        root=found.root,
        findings=findings,
        agents=system.agents,
        tools=system.tools,
        rules=loaded.rules,
        diagnostics=diagnostics,
        stats=stats,
        fixes=fixes,
        repository=repository.locate(found.root),
        coverage=_coverage(found, system, diagnostics),
        repository_config=config.repository_config,
    )
    return _accepted(report, found.files, (chosen, operator_chosen, codes), config)


# --- the scanned repository's own configuration (riskscan.config, docs/security.md) -----------

OPERATOR_SETTING = "operator-setting-in-repository"  # the check of RS215


def _guard_rules(report: Report) -> frozenset[str]:
    """RS215's code (the check names it: a ruleset could renumber it)."""
    return frozenset(rule.id for rule in report.rules if rule.check == OPERATOR_SETTING)


def _refused(config: Config) -> tuple[HygieneFact, ...]:
    """One RS215 fact per key the repository's configuration set and was not allowed to."""
    if config.repository_config is None:
        return ()
    return tuple(HygieneFact(OPERATOR_SETTING, s.location, s.key, f"`{s.key} = {s.value}` was not applied; only the"
                             " command line, the environment, the user configuration or a --config file may set it")
                 for s in config.repository_config.refused)


def _operator_config(config: Config) -> Config:
    """The configuration without what the repository's file chose: the operator's own."""
    if config.repository_config is None or not config.repository_config.operator:
        return config
    return replace(config, **dict(config.repository_config.operator))


def _repository_silenced(finding: Finding, config: Config, operator: Config, codes) -> Suppression:
    """The suppression that states which key of the repository's file left `finding` out."""
    from riskscan.config import KEYS

    rule_choice = [s for s in config.repository_config.applied if KEYS[s.key][0] in ("select", "ignore", "per_path_ignores")]
    culprit: Setting = rule_choice[0]
    for setting in rule_choice:
        name = KEYS[setting.key][0]
        if not selection.from_config(replace(operator, **{name: getattr(config, name)}), codes).keeps(finding):
            culprit = setting
            break
    return Suppression("external", f"left out by the scanned repository's configuration: {culprit.key} = {culprit.value}",
                       culprit.location)


def _coverage(found: Discovery, system: SystemModel, diagnostics: tuple[Diagnostic, ...]) -> Coverage:
    """What the scan read, the files of other languages it left, the files it could not read (an
    error diagnostic at the file), and whether it recognised anything at all."""
    languages: dict[str, int] = {}
    for _, language in found.others:
        languages[language] = languages.get(language, 0) + 1
    unreadable = {d.location.path for d in diagnostics if d.severity == "error" and d.location.path not in ("", ".")}
    return Coverage(
        read=sum(1 for f in found.files if f.path not in unreadable),
        not_read=tuple(sorted(languages.items(), key=lambda item: (-item[1], item[0]))),
        unreadable=tuple(sorted(unreadable)),
        recognised=bool(system.agents or system.tools or system.hygiene),
    )


def _accepted(report: Report, files, choices, config: Config) -> Report:
    """Selection, then suppressions, then the baseline, then --diff: what the team chose to see.
    What the repository's own rule choice alone leaves out is kept as suppressed findings that
    name the key; RS215 (the repository set what it may not) answers only to the operator."""
    from riskscan.triage import suppressions

    chosen, operator_chosen, codes = choices
    operator, guard = _operator_config(config), _guard_rules(report)
    warnings = tuple(f for f in report.findings if f.rule_id in guard and operator_chosen.keeps(f))
    selected, left_out = [], []
    for finding in report.findings:
        if finding.rule_id in guard:
            continue
        if chosen.keeps(finding):
            selected.append(finding)
        elif operator_chosen.keeps(finding):
            left_out.append(replace(finding, suppression=_repository_silenced(finding, config, operator, codes)))
    kept, silenced, problems = suppressions.apply(tuple(selected), report.root, files, report.tools, config.suppressions)
    diagnostics = tuple(sorted(set(report.diagnostics) | set(problems)))
    report = replace(report, findings=rank.grouped((*kept, *warnings), report.rules),
                     suppressed=rank.grouped((*silenced, *left_out), report.rules), diagnostics=diagnostics)
    if config.baseline:
        from riskscan.triage import baseline

        report = baseline.compare(report, baseline.load(config.baseline))
    if config.min_confidence != "low":
        from riskscan.triage import select

        shown, hidden = select.by_confidence(report.findings, config.min_confidence)
        report = replace(report, findings=shown, suppressed=tuple(sorted((*report.suppressed, *hidden), key=rank.order)))
    if config.diff:
        from riskscan.triage import diff

        changed = diff.changed_files(report.root, config.diff)
        report = replace(report, findings=diff.keep_touching(report.findings, changed),
                         suppressed=diff.keep_touching(report.suppressed, changed))
    return report


def _solved(system: SystemModel, path_rules, config: Config, rulesets_digest: str, store):
    """The judged system, its paths, the fix set and their notes: from the cache when the same
    system was solved with the same rules and limits before (then the solver is not even loaded)."""
    limits = (config.max_steps, config.max_paths, config.timeout_ms, config.fail_on)
    key = digest_of(system, tuple(rule.id for rule in path_rules), limits, rulesets_digest) if store else ""
    cached = store.get("solved", key) if store else None
    if cached is not None:
        return cached
    if any(capability.arguments for tool in system.tools for capability in tool.capabilities):
        from riskscan.solve.arguments import judge_system

        system = judge_system(system, config.timeout_ms)
    paths, notes = _solve(system, path_rules, config) if _has_paths_to_look_for(system) else ((), ())
    fixes, fix_notes = _fixes(system, path_rules, paths, config) if paths else ((), ())
    solved = (system, tuple(paths), tuple(notes), tuple(fixes), tuple(fix_notes))
    if store:
        store.put("solved", key, solved)
    return solved


def _has_paths_to_look_for(system: SystemModel) -> bool:
    return any(agent.tools for agent in system.agents)


def _solve(system: SystemModel, rules, config: Config):
    from riskscan import graph, solve

    capability_graph = graph.build(system)
    assumed = assumed_tools(system.tools)
    result = solve.solve(
        capability_graph, rules, max_steps=config.max_steps, max_paths=config.max_paths, timeout_ms=config.timeout_ms,
        assumed_tools=assumed,
    )
    notes = tuple(Diagnostic(Location("."), "solver", note, "info") for note in result.notes)
    found = result.paths + _routes_through_secrets(system, rules, config, result.paths)
    tools = {tool.id: tool for tool in system.tools}
    assumed_only = [path for path in found if rests_on_assumptions(path, tools)]
    withheld = {step.tool for path in assumed_only for step in path.steps if step.kind == "call"}
    not_assessed = tuple(
        Diagnostic(tools[tool].location, "server-not-assessed",
                   f"the tools of MCP server `{tools[tool].name}` are not known (not in the server catalog, not among the"
                   " scanned files): no finding rests on their assumed worst case alone; scan the server's code or"
                   " add it to a ruleset's server catalog", "warning")
        for tool in sorted(withheld)
    )
    return tuple(path for path in found if path not in assumed_only), notes + not_assessed


def _routes_through_secrets(system: SystemModel, rules, config: Config, found) -> tuple:
    """The most damaging route to each sink that reads data: the solver gives the shortest routes,
    a few per sink, and a longer one that reads secrets (a filesystem server rooted at the home
    folder) can be left out. Solved again with only the secret reads giving private data: one
    route per sink, where one exists and is not among those found."""
    from riskscan import graph, solve

    reading = [rule for rule in rules if "private" in rule.requires]
    if not reading or not any(c.label == SECRET_READ for tool in system.tools for c in tool.capabilities):
        return ()
    secret_only = replace(system, tools=tuple(
        tool if any(c.label == SECRET_READ for c in tool.capabilities)
        else replace(tool, capabilities=tuple(c for c in tool.capabilities if c.label != PRIVATE_DATA))
        for tool in system.tools))
    again = solve.solve(graph.build(secret_only), reading, max_steps=config.max_steps, max_paths=config.max_paths,
                        timeout_ms=config.timeout_ms, max_paths_per_sink=1, assumed_tools=assumed_tools(system.tools))
    known = set(found)
    return tuple(path for path in again.paths if path.status == "sat" and path not in known)


def _fixes(system: SystemModel, rules, paths, config: Config):
    """The smallest set of changes that removes every path at or above --fail-on."""
    from riskscan import graph, solve
    from riskscan.solve.fixes import as_fixes, smallest_fix

    serious = [rule for rule in rules if rank.SEVERITY_ORDER[rule.severity] >= rank.SEVERITY_ORDER[config.fail_on]]
    by_id = {rule.id: rule for rule in serious}

    def failing(found, model: SystemModel):
        """The paths whose findings are at or above --fail-on: a gate or word-only evidence that
        lowers a finding below it leaves nothing to fix."""
        tools = {tool.id: tool for tool in model.tools}
        return [path for path in found if path.rule in by_id
                and rank.SEVERITY_ORDER[rank.path_severity(by_id[path.rule], path, tools)] >= rank.SEVERITY_ORDER[config.fail_on]]

    targets = failing(paths, system)
    if not targets:
        return (), ()

    def solve_again(changed: SystemModel):
        result = solve.solve(graph.build(changed), serious, max_steps=config.max_steps, max_paths=config.max_paths, timeout_ms=config.timeout_ms)
        return failing(result.paths, changed)

    result = smallest_fix(system, serious, targets, solve_again, config.timeout_ms)
    tools = {tool.id: tool for tool in system.tools}
    agents = {agent.id: agent for agent in system.agents}
    fixes = as_fixes(result, system, lambda path: rank.path_fingerprint(path, tools, agents))
    notes = tuple(Diagnostic(Location("."), "fix-set", note, "info") for note in result.notes)
    return fixes, notes

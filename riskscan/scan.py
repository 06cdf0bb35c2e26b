"""The whole static pipeline in one call: discover -> extract -> model -> graph -> solve -> rank.

`scan()` is the public API; the CLI and the tests use it alike. Heavy libraries load only when a
stage needs them: libcst with the first Python file, networkx and z3 only when there is something
to solve.
"""

from __future__ import annotations

from riskscan import __version__, discover, model, rank, rulesets
from riskscan.extract import extract_file
from riskscan.types import Config, Diagnostic, Location, Report, SystemModel


def scan(root: str, config: Config = Config()) -> Report:
    loaded = rulesets.load(config.rulesets)
    found = discover.discover(root, config.max_file_bytes)
    facts = [extract_file(found.root, source, loaded) for source in found.files]
    system = model.build(found.root, facts, loaded)
    if any(capability.arguments for tool in system.tools for capability in tool.capabilities):
        from riskscan.solve.arguments import judge_system

        system = judge_system(system, config.timeout_ms)
    path_rules = [rule for rule in loaded.rules if rule.kind == "path"]
    paths, notes = _solve(system, path_rules, config) if _has_paths_to_look_for(system) else ((), ())
    findings = rank.rank(system, loaded.rules, paths)
    fixes, fix_notes = _fixes(system, path_rules, paths, config) if paths else ((), ())
    diagnostics = tuple(sorted(set(found.diagnostics) | set(system.diagnostics) | set(notes) | set(fix_notes)))
    stats = (
        ("files", len(found.files)),
        ("agents", len(system.agents)),
        ("tools", len(system.tools)),
        ("paths", sum(1 for f in findings if f.kind == "path")),
    )
    return Report(
        version=__version__,
        root=found.root,
        findings=findings,
        agents=system.agents,
        tools=system.tools,
        rules=loaded.rules,
        diagnostics=diagnostics,
        stats=stats,
        fixes=fixes,
    )


def _has_paths_to_look_for(system: SystemModel) -> bool:
    return any(agent.tools for agent in system.agents)


def _solve(system: SystemModel, rules, config: Config):
    from riskscan import graph, solve

    capability_graph = graph.build(system)
    result = solve.solve(
        capability_graph, rules, max_steps=config.max_steps, max_paths=config.max_paths, timeout_ms=config.timeout_ms
    )
    notes = tuple(Diagnostic(Location("."), "solver", note, "info") for note in result.notes)
    return result.paths, notes


def _fixes(system: SystemModel, rules, paths, config: Config):
    """The smallest set of changes that removes every path at or above --fail-on."""
    from riskscan import graph, solve
    from riskscan.solve.fixes import as_fixes, smallest_fix

    serious = [rule for rule in rules if rank.SEVERITY_ORDER[rule.severity] >= rank.SEVERITY_ORDER[config.fail_on]]
    serious_ids = {rule.id for rule in serious}
    targets = [path for path in paths if path.rule in serious_ids]
    if not targets:
        return (), ()

    def solve_again(changed: SystemModel):
        result = solve.solve(graph.build(changed), serious, max_steps=config.max_steps, max_paths=config.max_paths, timeout_ms=config.timeout_ms)
        return result.paths

    result = smallest_fix(system, serious, targets, solve_again, config.timeout_ms)
    tools = {tool.id: tool for tool in system.tools}
    agents = {agent.id: agent for agent in system.agents}
    fixes = as_fixes(result, system, lambda path: rank.path_fingerprint(path, tools, agents))
    notes = tuple(Diagnostic(Location("."), "fix-set", note, "info") for note in result.notes)
    return fixes, notes

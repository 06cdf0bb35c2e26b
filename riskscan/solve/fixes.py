"""The smallest set of changes that removes every dangerous path at or above a severity.

A change is: remove a tool from an agent, require human approval for a tool (its calls stop being
model-driven sinks), or cut a handoff. Each path is removed by any change that touches one of its
steps; `z3.Optimize` picks the fewest changes that touch every path. The paths enumerated are a
sample (bounded per sink), so the fix is applied to the model and the model solved again: any
path that survives joins the set and the optimisation repeats, until none is left.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

from riskscan.solve import backend, budget
from riskscan.types import Agent, Fix, Gate, Path, PathStep, Rule, SystemModel, Tool

MAX_ROUNDS = 8


@dataclass(frozen=True, order=True)
class Change:
    kind: str  # remove-tool | require-approval | cut-handoff
    agent: str = ""  # agent id ("" for require-approval)
    tool: str = ""  # tool id
    target: str = ""  # agent id, for cut-handoff


@dataclass(frozen=True)
class FixResult:
    changes: tuple[Change, ...]
    removes: dict  # Change -> tuple of the paths it cuts
    complete: bool  # no path at or above the threshold survives the changes
    notes: tuple[str, ...] = ()


def smallest_fix(system: SystemModel, rules: Sequence[Rule], paths: Sequence[Path], solve_again, timeout_ms: int = 5000) -> FixResult:
    """`solve_again(system) -> paths` re-solves a changed model with the same rules and bounds."""
    z3 = backend.z3()

    known = [p for p in paths if p.status == "sat" and p.steps]
    notes: list[str] = []
    changes: tuple[Change, ...] = ()
    for _ in range(MAX_ROUNDS):
        if not known:
            return FixResult((), {}, True, tuple(notes))
        options = {path: _changes_for(path, system) for path in known}
        chosen = _optimise(z3, options, timeout_ms)
        if chosen is None:
            notes.append(f"the fix-set optimisation did not finish within its allowance ({budget.allowance(timeout_ms, budget.OPTIMIZE_RLIMIT_PER_MS)})")
            return FixResult((), {}, False, tuple(notes))
        changes = chosen
        remaining = solve_again(apply(system, changes))
        survivors = [p for p in remaining if p.status == "sat" and p.steps]
        unknown = [p for p in remaining if p.status == "unknown"]
        if not survivors:
            if unknown:
                notes.append("after the fix, the solver could not decide every rule; the fix may be incomplete")
            removes = {c: tuple(p for p in known if c in options[p]) for c in changes}
            return FixResult(changes, removes, not unknown, tuple(notes))
        known += [p for p in survivors if p not in known]
    notes.append(f"paths kept appearing after {MAX_ROUNDS} rounds of fixing; the fix shown is incomplete")
    removes = {c: tuple(p for p in known if c in _changes_for(p, system)) for c in changes}
    return FixResult(changes, removes, False, tuple(notes))


def _changes_for(path: Path, system: SystemModel) -> frozenset[Change]:
    agents = {agent.id: agent for agent in system.agents}
    found: set[Change] = set()
    for step in path.steps:
        if step.kind == "call":
            found.add(Change("remove-tool", step.agent, step.tool))
        else:
            found |= _flow_changes(step, agents, {tool.id: tool for tool in system.tools})
    found.add(Change("require-approval", tool=path.steps[-1].tool))
    return frozenset(found)


def _flow_changes(step: PathStep, agents: dict[str, Agent], tools: dict[str, Tool]) -> set[Change]:
    source, target = agents[step.agent], agents[step.target]
    if any(h.target == target.id for h in source.handoffs):
        return {Change("cut-handoff", source.id, target=target.id)}
    # agent-as-tool: the flow exists through the tool one of them holds to run the other
    for caller, called in ((source, target), (target, source)):
        for holding in caller.tools:
            if tools.get(holding.tool) is not None and tools[holding.tool].invokes_agent == called.id:
                return {Change("remove-tool", caller.id, holding.tool)}
    return set()


def _optimise(z3, options: dict[Path, frozenset[Change]], timeout_ms: int) -> tuple[Change, ...] | None:
    ctx = z3.Context()
    every = sorted(set().union(*options.values()))
    chosen = {change: z3.Bool(f"change{index}", ctx) for index, change in enumerate(every)}
    optimiser = budget.bound(z3.Optimize(ctx=ctx), timeout_ms, budget.OPTIMIZE_RLIMIT_PER_MS)
    for path, hitting in sorted(options.items(), key=lambda item: (item[0].rule, item[0].steps)):
        optimiser.add(z3.Or([chosen[change] for change in sorted(hitting)]))
    one, zero = z3.IntVal(1, ctx), z3.IntVal(0, ctx)
    optimiser.minimize(z3.Sum([z3.If(flag, one, zero) for flag in chosen.values()]))
    # among the smallest sets, prefer approval over taking tools away, and both over cutting
    preference = {"require-approval": 0, "remove-tool": 1, "cut-handoff": 2}
    optimiser.minimize(z3.Sum([z3.If(flag, z3.IntVal(preference[c.kind], ctx), zero) for c, flag in chosen.items()]))
    if optimiser.check() != z3.sat:
        return None
    model = optimiser.model()
    return tuple(change for change in every if z3.is_true(model.eval(chosen[change], model_completion=True)))


def apply(system: SystemModel, changes: Sequence[Change]) -> SystemModel:
    """The model with the changes made."""
    removed = {(c.agent, c.tool) for c in changes if c.kind == "remove-tool"}
    cut = {(c.agent, c.target) for c in changes if c.kind == "cut-handoff"}
    approved = {c.tool for c in changes if c.kind == "require-approval"}
    agents = tuple(
        replace(
            agent,
            tools=tuple(h for h in agent.tools if (agent.id, h.tool) not in removed),
            handoffs=tuple(h for h in agent.handoffs if (agent.id, h.target) not in cut),
        )
        for agent in system.agents
    )
    tools = tuple(_approved(tool) if tool.id in approved else tool for tool in system.tools)
    return replace(system, agents=agents, tools=tools)


def _approved(tool: Tool) -> Tool:
    capabilities = tuple(replace(c, model_controlled=False) for c in tool.capabilities)
    gate = Gate("approval", "a human approves every call (suggested fix)", tool.location)
    return replace(tool, capabilities=capabilities, gates=tuple(sorted(set(tool.gates) | {gate})))


def as_fixes(result: FixResult, system: SystemModel, fingerprint) -> tuple[Fix, ...]:
    """The changes as report records, with the findings each removes (`fingerprint(path)`)."""
    agents = {agent.id: agent for agent in system.agents}
    tools = {tool.id: tool for tool in system.tools}
    fixes = []
    for change in result.changes:
        removes = tuple(sorted({fingerprint(path) for path in result.removes.get(change, ())}))
        if change.kind == "remove-tool":
            holding = next((h for h in agents[change.agent].tools if h.tool == change.tool), None)
            fixes.append(Fix("remove-tool", agents[change.agent].name, tools[change.tool].name, None,
                             holding.location if holding else agents[change.agent].location, removes))
        elif change.kind == "require-approval":
            fixes.append(Fix("require-approval", None, tools[change.tool].name, None, tools[change.tool].location, removes))
        else:
            handoff = next((h for h in agents[change.agent].handoffs if h.target == change.target), None)
            fixes.append(Fix("cut-handoff", agents[change.agent].name, None, agents[change.target].name,
                             handoff.location if handoff else agents[change.agent].location, removes))
    return tuple(sorted(fixes))

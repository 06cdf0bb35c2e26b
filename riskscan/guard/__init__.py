"""A runtime monitor with the static side's policies: before each tool call, allow, deny or ask.

`Guard` is built once from a scan (or a saved JSON report): the tools' labels and the path rules.
`Guard.session()` starts one run; `Session.check(agent, tool, arguments)` answers with a
`Decision` (the verdict, the reason, the rule, and the path the call would complete) and, when the
call is allowed, applies it to the run's context state with the solver's own state machine
(`graph.apply` / `graph.is_goal`), exactly as `riskscan trace` replays a recorded run.
`Guard.decide(history, call)` is the same question without a session.

Verdicts: `deny` when the call completes a path of a rule at or above `deny_at`, `ask` when it
completes a lower rule's path or calls a tool the model does not know (`on_unknown`), else
`allow`. Framework adapters: `riskscan.guard.wrap` (plain Python functions),
`riskscan.guard.openai_agents`, `riskscan.guard.langchain`; decisions can be logged with
`riskscan.guard.log.DecisionLog` as a trace that `riskscan trace` reads back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from riskscan.graph import State, apply, is_goal
from riskscan.rank import SEVERITY_ORDER
from riskscan.trace.mapping import ModelIndex, flow_action
from riskscan.types import Report, Rule

ALLOW, DENY, ASK = "allow", "deny", "ask"


@dataclass(frozen=True)
class Decision:
    verdict: str  # allow | deny | ask
    reason: str
    agent: str
    tool: str
    rule: str = ""  # the rule whose path the call completes
    path: tuple[str, ...] = ()  # that path, "agent: tool" per step, the call last

    @property
    def allowed(self) -> bool:
        return self.verdict == ALLOW


@dataclass(frozen=True)
class Call:
    agent: str
    tool: str
    arguments: object = None
    server: str = ""


class Guard:
    def __init__(self, model: Report, rules: Sequence[Rule] | None = None, *, deny_at: str = "high", on_unknown: str = ASK) -> None:
        if rules is None:
            from riskscan import rulesets

            rules = rulesets.load().rules
        self.rules = tuple(rule for rule in rules if rule.kind == "path")
        self.index = ModelIndex(model.agents, model.tools)
        self.deny_at = deny_at
        self.on_unknown = on_unknown

    @classmethod
    def from_path(cls, path: str, **options) -> "Guard":
        """From a saved JSON report (a file) or a fresh scan (a folder)."""
        from riskscan.trace import load_model

        return cls(load_model(path), **options)

    def session(self, log=None, session_id: str = "") -> "Session":
        return Session(self, log, session_id)

    def decide(self, history: Iterable[Call], call: Call) -> Decision:
        """The decision for `call` after `history` (calls that ran), without a live session."""
        session = Session(self)
        for earlier in history:
            session.ran(earlier.agent, earlier.tool, earlier.server)
        return session.check(call.agent, call.tool, call.arguments, server=call.server, apply_allowed=False)


class Session:
    """One run's context state. Not thread-safe: one session per run."""

    def __init__(self, guard: Guard, log=None, session_id: str = "") -> None:
        self.guard = guard
        self.log = log
        self.session_id = session_id
        self.state: State = {}
        self.why: dict[str, dict[str, tuple[str, ...]]] = {}

    def check(self, agent: str, tool: str, arguments: object = None, *, server: str = "", call_id: str = "",
              approve=None, apply_allowed: bool = True) -> Decision:
        """The decision for the next call. An `ask` goes to `approve(decision) -> bool` when given
        (the answer makes it allow or deny); an allowed call is taken to run."""
        decision = self._decide(agent, tool, server)
        if decision.verdict == ASK and approve is not None:
            approved = bool(approve(decision))
            verdict, word = (ALLOW, "approved") if approved else (DENY, "refused")
            decision = Decision(verdict, f"asked and {word}: {decision.reason}", agent, tool, decision.rule, decision.path)
        if decision.allowed and apply_allowed:
            self.ran(agent, tool, server)
        if self.log is not None:
            self.log.decision(self, decision, arguments, call_id, server)
        return decision

    def result(self, call_id: str, result: object) -> None:
        """Record what an allowed call returned (only the decision log keeps it)."""
        if self.log is not None:
            self.log.result(self, call_id, result)

    def ran(self, agent: str, tool: str, server: str = "") -> None:
        """A call that happened: its effect on the context state."""
        index = self.guard.index
        static = index.agent(agent)
        action = index.call_action(agent, index.tool(tool, server, static), tool)
        before = self.state.get(agent, frozenset())
        self.state = apply(self.state, action)
        for added in self.state.get(agent, frozenset()) - before:
            self.why.setdefault(agent, {})[added] = (f"{agent}: {tool}",)

    def handoff(self, source: str, target: str) -> None:
        before = self.state.get(target, frozenset())
        self.state = apply(self.state, flow_action(source, target))
        for added in self.state.get(target, frozenset()) - before:
            self.why.setdefault(target, {})[added] = (*self.why.get(source, {}).get(added, ()), f"{source} => {target}")

    def _decide(self, agent: str, tool: str, server: str) -> Decision:
        guard = self.guard
        index = guard.index
        static = index.agent(agent)
        known = index.tool(tool, server, static)
        if known is None:
            return Decision(guard.on_unknown, f"`{tool}` is not a tool of the scanned model", agent, tool)
        action = index.call_action(agent, known, tool)
        if action.sink_labels:
            held = self.state.get(agent, frozenset())
            for rule in guard.rules:
                if is_goal(action, rule) and set(rule.requires) <= held:
                    steps = tuple(dict.fromkeys(s for need in rule.requires for s in self.why.get(agent, {}).get(need, ())))
                    verdict = DENY if SEVERITY_ORDER[rule.severity] >= SEVERITY_ORDER[guard.deny_at] else ASK
                    sinks = ", ".join(sorted(set(action.sink_labels) & set(rule.sinks)))
                    reason = f"{rule.id} {rule.name}: `{tool}` ({sinks}) after {', '.join(steps)}"
                    return Decision(verdict, reason, agent, tool, rule.id, (*steps, f"{agent}: {tool}"))
        return Decision(ALLOW, "completes no dangerous path", agent, tool)


__all__ = ["ALLOW", "ASK", "DENY", "Call", "Decision", "Guard", "Session"]

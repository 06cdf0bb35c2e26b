"""Argument-check witnesses: is there an argument that passes every check before a dangerous call
and is still dangerous for that kind of sink?

Dangerous means, by sink: `url`, the host the request really goes to is not one the checks name
(or, with no host named, an internal address); `path`, the path leaves the folder it was meant to
stay in, or names a sensitive file; `shell`, the command line holds a shell metacharacter; `sql`, a
parameter can close the quoting; `value` (an argument list), the program is not one the checks
allow. Checks and dangers are regular languages (riskscan.solve.languages). A witness is re-checked
by evaluating the checks in Python, and its danger by Python's own URL and path functions, before it
is reported as a bypass.

Work is bounded deterministically (riskscan.solve.budget): each query by Z3's resource limit, the
whole analysis by a total budget; the arguments left when it is spent are "unknown", and a
diagnostic names their tools.
"""

from __future__ import annotations

import os.path
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from riskscan.solve import backend
from riskscan.solve.budget import ARGUMENT_BUDGET, MAX_CHECKS, WALL_BACKSTOP, Budget
from riskscan.solve.concrete import evaluate_check, evaluate_term
from riskscan.solve.languages import Languages
from riskscan.solve.regex import Unsupported
from riskscan.types import CONFIDENCE_ANNOTATION, CONFIDENCE_LEXICON, Check, Diagnostic, Gate, GuardedArgument, SystemModel, Term

SHELL_METACHARACTERS = [";", "&", "|", "`", "$(", "\n", ">", "<"]
TELLING_COMMANDS = ["; id", "$(id)", "| id"]
SQL_BREAKOUTS = ["'", '"', ";"]
INTERNAL_HOSTS = ["169.254.169.254", "127.0.0.1", "localhost"]
SENSITIVE_PATHS = ["/etc/passwd", "/root/.ssh/id_rsa"]
MAX_JOINS = 4  # each os.path.join doubles the cases
SOURCE_LABELS = frozenset({"untrusted_input", "private_data", "secret_read"})  # what the tool returns
@dataclass(frozen=True)
class Verdict:
    """holds: no argument passes the checks and is dangerous; bypassed: `witness` does;
    unchecked: nothing stands before the call; not-understood: a check or the argument could not
    be encoded (`witness`, if any, passes the understood checks only); unknown: Z3 timed out."""

    status: str
    argument: GuardedArgument
    witness: tuple[tuple[str, str], ...] = ()  # parameter -> value
    detail: str = ""

    def witness_text(self) -> str:
        return ", ".join(f"{name}={value!r}" for name, value in self.witness)


def judge(argument: GuardedArgument, timeout_ms: int = 2000, budget: Budget | None = None) -> Verdict:
    budget = budget if budget is not None else Budget(timeout_ms)
    if argument.sink == "unknown":
        status = "not-understood" if argument.checks else "unchecked"
        return Verdict(status, argument, detail=f"riskscan cannot judge the argument of {argument.api}")
    if not argument.checks and argument.term.op == "param":
        return Verdict("unchecked", argument, detail="no check stands before the call")
    if budget.allowance() == 0:
        budget.spent_on.append(argument)
        return Verdict("unknown", argument, detail=f"not decided: the argument-check budget ({ARGUMENT_BUDGET} queries of "
                       f"{timeout_ms} ms) was spent on other arguments")
    if _count_checks(argument.checks) > MAX_CHECKS:
        budget.charge(budget.per_query)
        budget.too_many.append(argument)
        return Verdict("unknown", argument, detail=f"not decided: {_count_checks(argument.checks)} checks stand before the call, "
                       f"more than riskscan solves together ({MAX_CHECKS})")
    z3 = backend.z3()

    ctx = z3.Context()  # fresh: the steps a query counts do not depend on what was solved before
    counted = 0  # the context's step count so far
    skipped: list[str] = []
    for joins in _join_cases(argument):
        languages = Languages(z3, ctx, joins)
        memberships, skipped = [], []
        for check in argument.checks:
            try:
                memberships.append(languages.membership(check))
            except Unsupported:
                skipped.append(check.source or check.op)
        try:
            dangers = _dangers(languages, argument)
            for danger in dangers:
                allowance = budget.allowance()
                if allowance == 0:
                    budget.spent_on.append(argument)
                    return Verdict("unknown", argument, detail="not decided: the argument-check budget was spent")
                solver = z3.Solver(ctx=ctx)
                solver.set("rlimit", allowance)
                solver.set("timeout", WALL_BACKSTOP * timeout_ms)
                solver.add(*languages.assertions(memberships + danger))
                result = solver.check()
                steps = _step_count(solver)
                budget.charge(allowance if result == z3.unknown else steps - counted)
                counted = steps
                if result == z3.unknown:
                    return Verdict("unknown", argument, detail=f"the solver did not decide within {timeout_ms} ms ({allowance} steps)")
                if result == z3.sat and languages.opaque:
                    return Verdict("not-understood", argument,
                                   detail=f"the argument is built in a way riskscan cannot follow ({languages.opaque[0]})")
                if result == z3.sat:
                    return _found(argument, languages.witness(solver.model()), skipped)
        except Unsupported as error:
            if not argument.checks and _readable(argument.term):  # nothing to bypass: a list of URLs
                return Verdict("unchecked", argument, detail="no check stands before the call")
            unread = f"; not read: {'; '.join(skipped)}" if skipped else ""
            return Verdict("not-understood", argument, detail=f"the argument is built in a way riskscan cannot follow ({error}){unread}")
    if skipped:
        return Verdict("holds", argument, detail=f"no dangerous argument passes the checks riskscan understands (not read: {'; '.join(skipped)})")
    return Verdict("holds", argument, detail="no argument passes every check and is dangerous")


def _found(argument: GuardedArgument, witness, skipped: list[str]) -> Verdict:
    if not argument.checks:  # fixed parts only, no check: nothing was bypassed
        return Verdict("unchecked", argument, witness, "no check stands before the call")
    if skipped:
        return Verdict("not-understood", argument, witness, f"passes every check riskscan understands; not read: {'; '.join(skipped)}")
    values = dict(witness)
    try:
        confirmed = all(evaluate_check(check, values) for check in argument.checks)
    except (KeyError, ValueError):
        confirmed = False
    if not confirmed:
        return Verdict("not-understood", argument, witness, "the solver's witness did not survive a concrete re-check")
    value = evaluate_term(argument.term, values)
    if not _dangerous(argument, value):
        return Verdict("not-understood", argument, witness, f"the solver's witness {value!r} is not dangerous on a concrete re-check")
    return Verdict("bypassed", argument, witness, f"{argument.api} receives {value!r}, which passes every check before it")


def _readable(term: Term) -> bool:
    """Whether riskscan read how the value is built: a value it could not follow (a global
    rebound elsewhere) may be checked where it cannot see, so no check is not 'unchecked'."""
    return term.op != "unknown" and all(_readable(arg) for arg in term.args)


def _count_checks(checks: tuple[Check, ...]) -> int:
    """The tests in the checks (`not`, `and`, `or` count what they combine)."""
    return sum(_count_checks(check.args) if check.args else 1 for check in checks)


def _step_count(solver) -> int:
    statistics = solver.statistics()
    return int(statistics.get_key_value("rlimit count")) if "rlimit count" in statistics.keys() else 0


def _dangerous(argument: GuardedArgument, value: str) -> bool:
    """Whether the value that reaches the call is dangerous for its sink, by Python's own URL and
    path functions: never one of the values the checks allow, and for a URL a host the checks do
    not name (or an internal one), for a path one outside its folder or a sensitive file, for a
    shell command a metacharacter (as the dangers `_dangers` asks the solver for). Other sinks:
    not an allowed value."""
    literals = _literals(argument.checks) + _leading_literal(argument.term)
    if value in literals:
        return False
    if argument.sink == "url":
        try:
            host = urlsplit(value).hostname or ""
        except ValueError:
            return False
        intended = {h for h in (_host_of(v) for v in literals) if h}
        suffixes = _host_suffixes(argument.checks)
        if not intended and not suffixes:  # no host named: any URL the model writes
            return True
        named = any(host == h or (h.startswith(".") and host.endswith(h)) for h in intended)
        return not named and not any(host == s or host.endswith("." + s) for s in suffixes)
    if argument.sink == "path":
        bases = sorted({b.rstrip("/") for b in _path_bases(argument.term, argument.checks) if b.startswith("/")})
        resolved = os.path.normpath(value)
        outside = not any(resolved.startswith(b + "/") for b in bases)
        return not bases or resolved in SENSITIVE_PATHS or outside or ".." in value.split("/")
    if argument.sink == "shell":
        return any(c in value for c in SHELL_METACHARACTERS)
    return True


def _dangers(languages: Languages, argument: GuardedArgument) -> list[list[tuple[Term, object]]]:
    """The dangerous-argument memberships to try, the most telling first."""
    term, literals = argument.term, _literals(argument.checks) + _leading_literal(argument.term)
    if argument.sink == "url":
        well_formed = (term, languages.url_with())
        intended = sorted({h for h in (_host_of(v) for v in literals) if h})
        if not intended and not _host_suffixes(argument.checks):
            internal = languages.url_with("hostname", languages.union([languages.literal(h) for h in INTERNAL_HOSTS]), True)
            return [[well_formed, (term, internal)], [well_formed]]
        z3 = languages.z3
        hosts = [z3.Concat(z3.Plus(languages.host_char()), languages.literal(h)) if h.startswith(".") else languages.literal(h) for h in intended]
        for suffix in _host_suffixes(argument.checks):  # endswith("example.com"): it and its subdomains
            hosts += [languages.literal(suffix), z3.Concat(z3.Plus(languages.host_char()), languages.literal("." + suffix))]
        named = languages.url_with("hostname", languages.union(hosts), True)
        elsewhere = (term, languages.complement(named))
        attacker_host = z3.Concat(z3.Star(languages.host_char()), languages.literal(".attacker.example"))
        attacker = (term, languages.url_with("hostname", attacker_host, True))
        return [[well_formed, elsewhere, attacker], [well_formed, elsewhere]]
    if argument.sink == "path":
        bases = sorted({b.rstrip("/") for b in _path_bases(term, argument.checks) if b.startswith("/")})
        escapes = (term, languages.union([
            languages.containing(["/../"]), languages.z3.Concat(languages.anything(), languages.literal("/..")),
            languages.z3.Concat(languages.literal("../"), languages.anything()),
        ]))
        sensitive = [[(term, languages.literal(p))] for p in SENSITIVE_PATHS]
        if not bases:
            return sensitive + [[]]
        under = languages.union([languages.z3.Concat(languages.literal(b + "/"), languages.anything()) for b in bases])
        outside = (term, languages.complement(under))
        return [[outside, *s] for s in sensitive] + [[escapes], [outside]]
    if argument.sink == "shell":
        return [[(term, languages.containing([t]))] for t in TELLING_COMMANDS] + [[(term, languages.containing(SHELL_METACHARACTERS))]]
    if argument.sink == "sql":
        return _sql_dangers(languages, term)
    allowed = [languages.literal(v) for v in literals]
    return [[(term, languages.complement(languages.union(allowed)))]] if allowed else [[]]


def _sql_dangers(languages: Languages, term: Term) -> list[list[tuple[Term, object]]]:
    """A query built from model-chosen text (`%`, `.format`, f-string, `+`) is dangerous when a
    value can close its quoting, or, where it stands outside quotes (`WHERE id = {x}`), when it
    is anything but digits (`1 OR 1=1`, `id`). A query riskscan cannot read is never safe."""
    if _has_unknown(term):
        raise Unsupported("the query text is built in a way riskscan cannot follow")
    dangers, quote = [], ""
    for part in term.args if term.op == "concat" else (term,):
        if part.op == "lit":
            for char in part.value:
                quote = "" if char == quote else (char if not quote and char in "'\"" else quote)
            continue
        for name in sorted(part.params()):
            value = Term("param", value=name)
            dangers.append([(value, languages.containing(SQL_BREAKOUTS))])
            if not quote and part.op == "param":
                dangers.append([(value, languages.containing([" OR "]))])
                dangers.append([(value, languages.complement(_digits(languages)))])
    return dangers


def _digits(languages: Languages):
    z3, ctx = languages.z3, languages.ctx
    return z3.Star(z3.Range(z3.StringVal("0", ctx), z3.StringVal("9", ctx)))


def _has_unknown(term: Term) -> bool:
    return term.op == "unknown" or any(_has_unknown(arg) for arg in term.args)


def _join_cases(argument: GuardedArgument) -> list[dict[Term, bool]]:
    """os.path.join drops its base when the part is absolute: each join is solved in both cases
    rather than with a string if-then-else."""
    joins: set[Term] = set()

    def visit(term: Term | None) -> None:
        if term is not None:
            if term.op == "join":
                joins.add(term)
            for arg in term.args:
                visit(arg)

    def visit_check(check: Check) -> None:
        visit(check.term)
        for arg in check.args:
            visit_check(arg)

    visit(argument.term)
    for check in argument.checks:
        visit_check(check)
    cases: list[dict[Term, bool]] = [{}]
    for join in sorted(joins)[:MAX_JOINS]:
        cases = [{**case, join: absolute} for case in cases for absolute in (False, True)]
    return cases


def _literals(checks: tuple[Check, ...]) -> list[str]:
    found = []
    for check in checks:
        if check.op in ("startswith", "eq", "in", "contained"):
            found += list(check.values)
        found += _literals(check.args)
    return found


def _host_suffixes(checks: tuple[Check, ...]) -> list[str]:
    found = []
    for check in checks:
        if check.op == "endswith" and check.term is not None and check.term.op == "hostname":
            found += [v.lstrip(".") for v in check.values]
        found += _host_suffixes(check.args)
    return found


def _leading_literal(term: Term) -> list[str]:
    """The fixed start of an argument (`f"https://api.example.com/{path}"`) names what it meant."""
    if term.op == "concat" and term.args[0].op == "lit":
        return [term.args[0].value]
    return []


def _host_of(value: str) -> str | None:
    """The host a check's literal names: a URL's host, a host name, or `.suffix` for a family."""
    if "://" in value:
        return urlsplit(value).hostname
    if "." in value and "/" not in value and " " not in value:
        return value.lower()
    return None


def _path_bases(term: Term, checks: tuple[Check, ...]) -> list[str]:
    bases = []
    if term.op == "join" and term.args[0].op == "lit":
        bases.append(term.args[0].value)
    elif term.op == "join":
        bases += _path_bases(term.args[0], ())
    bases += [v for check in checks if check.op in ("startswith", "contained") for v in check.values]
    return bases


def judge_system(system: SystemModel, timeout_ms: int = 2000) -> SystemModel:
    """Every tool's dangerous arguments judged. A sink label whose every model-controlled call is
    soundly guarded stops being a sink (the path is not reported as unguarded); every verdict is
    kept as an argument-check gate on the tool, so reports say why. When the budget runs out, a
    diagnostic names the tools whose argument checks were left undecided."""
    tools, held = [], set()
    budget, undecided = Budget(timeout_ms), []
    judged: dict[GuardedArgument, Verdict] = {}  # an argument under two labels is solved once

    def verdict_of(argument: GuardedArgument) -> Verdict:
        if argument not in judged:
            judged[argument] = judge(argument, timeout_ms, budget)
        return judged[argument]

    for tool in system.tools:
        capabilities, gates = [], list(tool.gates)
        for capability in tool.capabilities:
            before = len(budget.spent_on) + len(budget.too_many)
            verdicts = [verdict_of(argument) for argument in capability.arguments]
            if len(budget.spent_on) + len(budget.too_many) > before and tool.name not in undecided:
                undecided.append(tool.name)
            gates += [_gate(verdict) for verdict in verdicts if verdict.status != "unchecked"]
            held |= {v.argument.location for v in verdicts if v.status == "holds"}
            guarded = bool(verdicts) and all(v.status == "holds" for v in verdicts)
            only_calls = all(e.kind == "api-call" for e in capability.evidence)
            if guarded and only_calls and capability.label not in SOURCE_LABELS:
                capability = replace(capability, model_controlled=False)
            elif guarded and capability.label not in SOURCE_LABELS:
                # the calls are answered by their checks: what is left is a hint (words, annotations)
                hints = tuple(e for e in capability.evidence if e.kind != "api-call")
                confidence = CONFIDENCE_ANNOTATION if any(e.kind == "annotation" for e in hints) else CONFIDENCE_LEXICON
                capability = replace(capability, evidence=hints, confidence=min(capability.confidence, confidence))
            capabilities.append(capability)
        tools.append(replace(tool, capabilities=tuple(capabilities), gates=tuple(sorted(set(gates)))))
    # a shell command whose argument check holds is not one the model writes
    hygiene = tuple(h for h in system.hygiene if not (h.check == "model-controlled-shell" and h.location in held))
    diagnostics = system.diagnostics
    if undecided:
        reasons = []
        if budget.too_many:
            reasons.append(f"{len({a.location for a in budget.too_many})} with more than {MAX_CHECKS} checks")
        if budget.spent_on:
            reasons.append(f"{len({a.location for a in budget.spent_on})} left when the argument-check budget "
                           f"({ARGUMENT_BUDGET} solver queries of {timeout_ms} ms) was spent (raise --timeout-ms to decide them)")
        first = (budget.too_many + budget.spent_on)[0].location
        diagnostics += (Diagnostic(first, "argument-budget", (
            f"the argument checks of {', '.join(undecided)} were not all decided, their result is unknown: "
            f"{'; '.join(reasons)}"), "warning"),)
    return replace(system, tools=tuple(tools), hygiene=hygiene, diagnostics=diagnostics)


def _gate(verdict: Verdict) -> Gate:
    argument = verdict.argument
    return Gate(
        "argument-check",
        f"{argument.api}: {verdict.detail}",
        argument.location,
        status=verdict.status,
        witness=verdict.witness_text(),
    )

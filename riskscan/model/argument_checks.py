"""The model stage's side of argument checks: which dangerous call arguments the model controls,
with the checks before them, carried through project helpers and joined with the JSON Schema
constraints of the tool's parameters. Whether the checks hold is the solver's question
(riskscan.solve.arguments)."""

from __future__ import annotations

import json
from dataclasses import replace

from riskscan.rulesets import ApiEntry
from riskscan.types import ArgFlow, CallSite, Check, FunctionFact, GuardedArgument, Term


def guarded_argument(entry: ApiEntry, call: CallSite, target: ArgFlow | None, controlled: frozenset[str]) -> GuardedArgument | None:
    """The argument check question for one catalogued call whose target the model controls."""
    if target is None or not set(target.params) & controlled:
        return None
    if entry.sink is None or target.term is None:
        # a dangerous call riskscan cannot judge: recorded so that the label can never be waved
        # through as guarded
        return GuardedArgument("unknown", entry.name, target.term or Term("unknown"), call.checks, call.location)
    sink = entry.sink
    if entry.shell_keyword is not None and not any(
        arg.keyword == entry.shell_keyword and arg.constant == "True" for arg in call.args
    ):
        sink = "value"  # an argument list, no shell: only an allowlist of programs makes it safe
    return GuardedArgument(sink, entry.name, target.term, call.checks, call.location)


def through_helper(argument: GuardedArgument, helper: FunctionFact, call: CallSite) -> GuardedArgument:
    """A helper's argument seen from its caller: helper parameters replaced by what the caller
    passes, and the caller's own checks before the helper call added."""
    mapping = _bound_terms(helper, call)
    return GuardedArgument(
        argument.sink,
        argument.api,
        substitute(argument.term, mapping),
        call.checks + tuple(_substitute_check(check, mapping) for check in argument.checks),
        argument.location,
    )


def _bound_terms(helper: FunctionFact, call: CallSite) -> dict[str, Term]:
    params = list(helper.params)
    offset = 1 if params and params[0] in ("self", "cls") else 0
    bound: dict[str, Term] = {}
    for arg in call.args:
        term = arg.term or (Term("lit", value=arg.constant) if arg.constant is not None else None)
        if term is None:
            continue
        if arg.keyword is not None and arg.keyword in params:
            bound[arg.keyword] = term
        elif arg.position is not None and arg.position + offset < len(params):
            bound[params[arg.position + offset]] = term
    # a parameter the call does not give is unknown; a name that is not the helper's own is its
    # enclosing function's (a closure's), and stays what it is
    return {name: bound.get(name, Term("unknown", value=name)) for name in params} | bound


def with_constants(argument: GuardedArgument, constants: dict[str, str]) -> GuardedArgument:
    """The project's constants put into an argument's terms (`constant` terms name them)."""
    def put(term: Term | None) -> Term | None:
        if term is None:
            return None
        if term.op == "constant":
            text = constants.get(term.value)
            return Term("lit", value=text) if text is not None else term
        return Term(term.op, tuple(put(arg) for arg in term.args), term.value) if term.args else term

    def checked(check: Check) -> Check:
        return Check(check.op, put(check.term), check.values, tuple(checked(a) for a in check.args), check.source)

    return GuardedArgument(argument.sink, argument.api, put(argument.term), tuple(checked(c) for c in argument.checks), argument.location)


def substitute(term: Term, mapping: dict[str, Term]) -> Term:
    if term.op == "param":
        return mapping.get(term.value, term)
    if not term.args:
        return term
    return Term(term.op, tuple(substitute(arg, mapping) for arg in term.args), term.value)


def _substitute_check(check: Check, mapping: dict[str, Term]) -> Check:
    return Check(
        check.op,
        substitute(check.term, mapping) if check.term is not None else None,
        check.values,
        tuple(_substitute_check(arg, mapping) for arg in check.args),
        check.source,
    )


def with_schema_checks(capabilities, input_schema: str):
    """Capabilities whose arguments also carry the JSON Schema constraints of the parameters they
    come from (a parameter `url`, or `arguments["url"]` in a low-level MCP handler)."""
    checks = schema_checks(input_schema)
    if not checks:
        return capabilities
    result = []
    for capability in capabilities:
        arguments = []
        for argument in capability.arguments:
            extra = tuple(
                _renamed(check, name)
                for check in checks
                for name in sorted(argument.term.params())
                if name == check.term.value or name.endswith(f"[{check.term.value!r}]")
            )
            arguments.append(replace(argument, checks=argument.checks + extra))
        result.append(replace(capability, arguments=tuple(arguments)))
    return tuple(result)


def _renamed(check: Check, name: str) -> Check:
    return replace(check, term=Term("param", value=name))


def schema_checks(input_schema: str) -> tuple[Check, ...]:
    """JSON Schema constraints of string parameters as checks: enum, const, pattern (unanchored,
    as JSON Schema means it), maxLength, minLength."""
    try:
        schema = json.loads(input_schema) if input_schema else {}
    except ValueError:
        return ()
    properties = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(properties, dict):
        return ()
    checks: list[Check] = []
    for name, spec in sorted(properties.items()):
        if not isinstance(spec, dict):
            continue
        term = Term("param", value=name)
        where = f"input schema of `{name}`"
        if isinstance(spec.get("enum"), list) and all(isinstance(v, str) for v in spec["enum"]):
            checks.append(Check("in", term, tuple(spec["enum"]), source=f"{where}: enum"))
        if isinstance(spec.get("const"), str):
            checks.append(Check("eq", term, (spec["const"],), source=f"{where}: const"))
        if isinstance(spec.get("pattern"), str):
            checks.append(Check("regex", term, (spec["pattern"], "search"), source=f"{where}: pattern"))
        for key, op in (("maxLength", "len_le"), ("minLength", "len_ge")):
            if isinstance(spec.get(key), int):
                checks.append(Check(op, term, (str(spec[key]),), source=f"{where}: {key}"))
    return tuple(checks)

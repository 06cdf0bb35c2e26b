"""Process starts as the code spells them (issue #17, cause 2): the program and its arguments of a
catalogued process start (`argv: list` or `rest` in rulesets/apis.yaml), whether the program runs
what its arguments name (a code runner: python, bash, env), and RS302's argument-injection fact."""

from __future__ import annotations

from dataclasses import dataclass

from riskscan.catalog.commands import CodeRunners
from riskscan.rulesets import ApiEntry
from riskscan.types import ArgFlow, CallSite, HygieneFact, Term

END_OF_OPTIONS = frozenset({"--", "--end-of-options"})


@dataclass(frozen=True)
class Argv:
    """A process start as the code spells it: the program when it is a literal, and the arguments."""

    program: str | None
    arguments: tuple[Term, ...]

    def params(self) -> frozenset[str]:
        return frozenset().union(*(argument.params() for argument in self.arguments))


def argv_of(entry: ApiEntry, call: CallSite, target: ArgFlow | None) -> Argv | None:
    """The program and arguments of a process start without a shell; None when the call is none,
    runs a shell, or its argument list is not written out (a variable: the model may name the
    program)."""
    if entry.argv is None or target is None or runs_shell(entry, call):
        return None
    if entry.argv == "list":
        if target.term is None or target.term.op != "list" or not target.term.args:
            return None
        first, rest = target.term.args[0], list(target.term.args[1:])
    else:
        first = Term("lit", value=target.constant) if target.constant is not None else target.term
        after = entry.target_position if entry.target_position is not None else -1
        rest = [_arg_term(arg) for arg in sorted(call.args, key=lambda a: a.position or 0)
                if arg.position is not None and arg.position > after]
    arguments = tuple(part for term in rest for part in (term.args if term.op == "list" else (term,)))
    return Argv(first.value if first is not None and first.op == "lit" else None, arguments)


def _arg_term(arg: ArgFlow) -> Term:
    if arg.term is not None:
        return arg.term
    if arg.constant is not None:
        return Term("lit", value=arg.constant)
    return Term("unknown", tuple(Term("param", value=p) for p in arg.params))


def _starts_with_model_text(term: Term) -> bool:
    """Whether the model chooses how the argument begins, so that it can make it an option."""
    if term.op == "param":
        return True
    return term.op == "concat" and bool(term.args) and _starts_with_model_text(term.args[0])


def argument_hygiene(entry: ApiEntry, call: CallSite, target: ArgFlow | None, controlled: frozenset[str],
                     code_runners: CodeRunners) -> list[HygieneFact]:
    """RS302's fact: a fixed program (not a code runner) given a model-chosen argument where it can be an option."""
    argv = argv_of(entry, call, target)
    if argv is None or argv.program is None or code_runners.is_runner(argv.program):
        return []
    for argument in argv.arguments:
        if argument.op == "lit" and argument.value in END_OF_OPTIONS:
            return []
        chosen = sorted(argument.params() & controlled)
        if chosen and _starts_with_model_text(argument):
            return [HygieneFact("model-controlled-argument", call.location, "",
                                f"{entry.name} starts `{argv.program}` with parameter `{chosen[0]}` as an argument,"
                                " where a value starting with `-` is an option")]
    return []


def runs_shell(entry: ApiEntry, call: CallSite) -> bool:
    return entry.shell or (
        entry.shell_keyword is not None
        and any(arg.keyword == entry.shell_keyword and arg.constant == "True" for arg in call.args)
    )

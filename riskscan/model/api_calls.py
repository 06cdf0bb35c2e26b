"""The labels one catalogued call gives a tool: its entry's labels, what the model controlling the
target adds, what a fixed target takes away (a program of the project's own, a file it chose, unless
secrets are kept there), and the argument-check question the call asks (argument_checks.py)."""

from __future__ import annotations

from riskscan.model.argument_checks import guarded_argument
from riskscan.catalog.commands import CodeRunners
from riskscan.model.process_arguments import argv_of, runs_shell
from riskscan.rulesets import ApiEntry
from riskscan.types import CODE_EXEC, CONFIDENCE_API, PRIVATE_DATA, SECRET_READ, ArgFlow, CallSite, Capability, Evidence, HygieneFact


def api_capabilities(entry: ApiEntry, call: CallSite, controlled: frozenset[str], sensitive_paths=(),
                      code_runners: CodeRunners = CodeRunners()) -> list[Capability]:
    target = target_arg(entry, call)
    model_controlled = bool(target and set(target.params) & controlled)
    literal = target.constant if target is not None and not model_controlled else None
    argv = argv_of(entry, call, target)
    if argv is not None and argv.program is not None:
        # the code names the program: the model chooses code only when the program runs what its
        # arguments name (bash -c, python, env); otherwise at most an option (RS302)
        chosen = sorted(argv.params() & controlled)
        model_controlled = bool(chosen) and code_runners.is_runner(argv.program)
        literal = None if model_controlled else argv.program
    if target is None:
        how = "target not given"
    elif model_controlled and argv is not None and argv.program is not None:
        how = f"runs `{argv.program}` with an argument from parameter `{sorted(argv.params() & controlled)[0]}`"
    elif model_controlled:
        how = f"target from parameter `{sorted(set(target.params) & controlled)[0]}`"
    else:
        how = "fixed target"
    writes = _writes(entry, call)
    labels = list(entry.write_labels if writes else entry.labels)
    labels += list(entry.if_model_controlled) if model_controlled else []
    if literal is not None:
        labels = _fixed_target_labels(entry, labels, literal, writes, sensitive_paths)
        if SECRET_READ in labels:
            how = f"fixed target `{literal}`, where secrets are kept"
    evidence = (Evidence("api-call", f"calls {entry.name} ({how})", call.location),)
    argument = guarded_argument(entry, call, target, controlled) if model_controlled else None
    arguments = (argument,) if argument is not None else ()
    return [Capability(label, CONFIDENCE_API, evidence, model_controlled, arguments) for label in labels]


def _fixed_target_labels(entry: ApiEntry, labels: list[str], literal: str, writes: bool, sensitive_paths) -> list[str]:
    """A call whose target the project wrote out: a process it starts is its own program, not code
    the model chose; a file it reads is the project's file, not the model reading private data,
    unless the path names a place where secrets are kept (.env, .ssh, ...): then it reads secrets."""
    labels = [label for label in labels if label != CODE_EXEC]
    if entry.sink == "path" and not writes and PRIVATE_DATA in labels:
        secret = any(_names_place(literal.replace("\\", "/"), name) for name in sensitive_paths)
        labels = [label for label in labels if label != PRIVATE_DATA] + ([SECRET_READ] if secret else [])
    return labels


def _names_place(path: str, name: str) -> bool:
    """Whether `name` (a file or folder, or a short run of them) is whole components of `path`."""
    components, wanted = path.strip("/").split("/"), name.strip("/").split("/")
    return any(components[i:i + len(wanted)] == wanted for i in range(len(components) - len(wanted) + 1))


def _writes(entry: ApiEntry, call: CallSite) -> bool:
    if not entry.write_labels:
        return False
    for arg in call.args:
        if (arg.keyword is not None and arg.keyword == entry.mode_keyword) or (
            arg.keyword is None and arg.position == entry.mode_position
        ):
            return arg.constant is None or any(flag in arg.constant for flag in "wax+")
    return False


def shell_hygiene(entry: ApiEntry, call: CallSite, controlled: frozenset[str]) -> list[HygieneFact]:
    target = target_arg(entry, call)
    if target is None or not set(target.params) & controlled:
        return []
    if not runs_shell(entry, call):
        return []
    parameter = sorted(set(target.params) & controlled)[0]
    return [HygieneFact("model-controlled-shell", call.location, "", f"{entry.name} runs a shell command built from parameter `{parameter}`")]


def target_arg(entry: ApiEntry, call: CallSite) -> ArgFlow | None:
    if entry.target_receiver:
        return call.receiver
    for arg in call.args:
        if entry.target_keyword is not None and arg.keyword == entry.target_keyword:
            return arg
    for arg in call.args:
        if entry.target_position is not None and arg.position == entry.target_position:
            return arg
    if entry.target_position is None and entry.target_keyword is None and call.args:
        # No designated target: any model-chosen argument makes the call model-controlled.
        return next((arg for arg in call.args if arg.params), call.args[0])
    return None

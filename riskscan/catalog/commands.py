"""Programs that run code named in their arguments (python, bash, npx, env, find), from the
catalog's `code_runners` and `code_runner_arguments` (rulesets/apis.yaml), and what a command
prefix leaves open when it starts with one.

The second question is asked of a coding-agent client's allow rules: `Bash(git status:*)` lets
only `git status ...` run unasked, but `Bash(python -c:*)`, `Shell(npx)` or
`run_shell_command(uv run)` let any code run, because what follows the prefix is the code (an
inline-code option), or names what runs (the prefix stops before the script, the package, the
program), or the runner takes code in any argument (`find -exec`, awk's `system()`). A prefix that
names the script or package (`python scripts/check.py`, `npx prettier`) runs the project's code
with chosen arguments: an allowlist, not every command.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass


@dataclass(frozen=True)
class RunnerArguments:
    """What one family of code runners takes: options whose value is code (`python -c`,
    `node -e`), words after which the next names what runs (`uv run`, `npm exec`), or code in
    any argument (`find -exec`)."""

    programs: frozenset[str]
    inline: frozenset[str] = frozenset()
    verbs: frozenset[str] = frozenset()
    code_anywhere: bool = False


@dataclass(frozen=True)
class CodeRunners:
    programs: frozenset[str] = frozenset()  # lower case: python, bash, npx
    arguments: tuple[RunnerArguments, ...] = ()

    def is_runner(self, program: str) -> bool:
        """`/usr/bin/python3.12`, `bash`, `PowerShell.exe`: a program that runs what its arguments name."""
        return bool(_forms(program) & self.programs)

    def arguments_of(self, program: str) -> RunnerArguments:
        forms = _forms(program)
        for entry in self.arguments:
            if forms & entry.programs:
                return entry
        return RunnerArguments(frozenset())


def read_code_runners(documents: list[dict]) -> CodeRunners:
    programs = frozenset(name.lower() for document in documents for name in document.get("code_runners", ()))
    arguments = tuple(
        RunnerArguments(frozenset(name.lower() for name in entry["programs"]), frozenset(entry.get("inline", ())),
                        frozenset(entry.get("verbs", ())), entry.get("code_anywhere", False))
        for document in documents for entry in document.get("code_runner_arguments", ())
    )
    return CodeRunners(programs, arguments)


def any_code_allowed(pattern: str, runners: CodeRunners, prefix: bool = True) -> str | None:
    """Why the commands a client's allow rule matches can run any code, or None when the rule fixes
    what runs. `pattern` is the command as the rule writes it, `*` standing for any text (Claude
    Code's `git status:*` is `git status *`); `prefix` says it also matches anything after it,
    as the rules of Cursor, Gemini CLI and VS Code do."""
    star = pattern.find("*")
    if star == -1 and not prefix:
        return None  # one exact command
    head = pattern[:star] if star != -1 else pattern
    if star != -1 and head.endswith(":"):
        head = head[:-1] + " "  # the legacy `:*`, a word boundary
    partial = star != -1 and head[-1:] not in ("", " ", "\t")
    words = _words(head)
    if not words:
        return "it allows every command"
    program = words[0]
    if partial and len(words) == 1:
        return f"`{program}*` names any program starting so, code runners among them" \
            if any(name.startswith(program.lower()) for name in runners.programs) else None
    if not runners.is_runner(program):
        return None
    for index, word in enumerate(words[1:], start=2):
        taken = runners.arguments_of(program)
        if taken.code_anywhere:
            return f"`{program}` runs code given in any of its arguments"
        if partial and index == len(words):
            return _partial_word(program, word, taken, runners)
        if word in taken.inline or word.split("=", 1)[0] in taken.inline:
            return f"`{program} {word.split('=', 1)[0]}` runs the code that follows it"
        if word in taken.verbs or word.startswith("-") or word.isdigit() or _assignment(word):
            continue
        if runners.is_runner(word):
            program = word
            continue
        return None
    if runners.arguments_of(program).code_anywhere:
        return f"`{program}` runs code given in any of its arguments"
    return f"it ends before naming what `{program}` runs"


def _partial_word(program: str, word: str, taken: RunnerArguments, runners: CodeRunners) -> str | None:
    """A rule whose `*` follows part of a word (`python -*`, `npx pret*`): what that word may become."""
    if "=" in word and word.split("=", 1)[0] in taken.inline:
        return f"`{program} {word.split('=', 1)[0]}` runs the code that follows it"
    if any(option.startswith(word) for option in taken.inline):
        return f"`{program} {word}*` may be an option that runs the code following it"
    if any(verb.startswith(word) for verb in taken.verbs) or word.startswith("-") \
            or any(name.startswith(word.lower()) for name in runners.programs):
        return f"`{program} {word}*` may stop before naming what `{program}` runs"
    return None


def _forms(program: str) -> set[str]:
    base = program.replace("\\", "/").rsplit("/", 1)[-1].lower()
    return {base, base.removesuffix(".exe"), base.rstrip("0123456789.")}


def _assignment(word: str) -> bool:
    """`PYTHONPATH=src` before a program (`env PYTHONPATH=src python`)."""
    name, equals, _ = word.partition("=")
    return bool(equals) and name.replace("_", "a").isalnum()


def _words(command: str) -> list[str]:
    """The command's words as a shell splits them; a quote the prefix leaves open (`python -c "`)
    is closed."""
    for closing in ("", '"', "'"):
        try:
            return shlex.split(command + closing)
        except ValueError:
            continue
    return command.split()

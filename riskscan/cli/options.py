"""How the commands read their options: the shared option groups, the configuration file under
the command line, and the scan they run with them. Only this module and cli.py import click."""

from __future__ import annotations

import sys

import click

from riskscan.severities import CONFIDENCES

EXIT_ERROR = 2


def say(message: str, *, err: bool = True) -> None:
    """One line of riskscan's to stderr (or stdout): what it holds from the scanned project (a file
    or server name, a diagnostic, an error's text) cannot write escape sequences or lines of its own
    (riskscan.report.escaping)."""
    from riskscan.report.escaping import for_terminal

    click.echo(for_terminal(message), err=err)


def solver_options(command):
    """The options that tune reading and solving, shared by the commands that scan."""
    options = [
        click.option("--ruleset", "rulesets", multiple=True, type=click.Path(exists=True, dir_okay=False), help="An extra ruleset file (repeatable)."),
        click.option("--max-steps", type=click.IntRange(1, 20), default=6, show_default=True, help="Longest path the solver looks for."),
        click.option("--max-paths", type=click.IntRange(1, 10_000), default=100, show_default=True, help="Distinct paths the solver looks for, per rule."),
        click.option("--timeout-ms", type=click.IntRange(1, 600_000), default=5000, show_default=True, help="Time limit of one solver query."),
        click.option("--max-file-bytes", type=click.IntRange(1), default=2_000_000, show_default=True, help="Files larger than this are reported and skipped."),
        click.option("--max-files", type=click.IntRange(1), default=100_000, show_default=True,
                     help="Read at most this many files, in path order; the rest are reported and skipped."),
        click.option("--source-roots", "source_roots", multiple=True, metavar="FOLDER",
                     help="Resolve every file's absolute imports from these folders (repeatable, in order; relative to PATH), "
                          "instead of each file's own: the folder above its top-level package, its project's folder or src/, the scan root."),
        click.option("--include-tests", is_flag=True,
                     help="Read test code too: test, tests and testsuite folders, test_*.py, *_test.py, conftest.py (not read by default)."),
        click.option("--workers", type=click.IntRange(0, 64), default=0, show_default=True, help="Processes that read files (0: one per core, at most 8)."),
        click.option("--cache/--no-cache", default=True, show_default=True, help="Keep what was read from each file, by content hash, and reuse it."),
        click.option("--cache-dir", type=click.Path(file_okay=False), help="The cache folder (default: $RISKSCAN_CACHE_DIR, else the user cache folder: ~/.cache/riskscan on Linux)."),
        click.option("--read-all", is_flag=True, help="Read every file in full, not only those the project's agents and tools need (slower; the same findings)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def selection_options(command):
    """Which rules and findings to report: selection by code prefix, suppressions, baseline, diff."""
    options = [
        click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False),
                     help="Read this configuration file (default: the nearest riskscan.toml or pyproject.toml [tool.riskscan] at or above PATH)."),
        click.option("--select", multiple=True, metavar="CODES", help="Report only these rules, by code prefix (RS1,RS201; repeatable; default ALL)."),
        click.option("--ignore", multiple=True, metavar="CODES", help="Do not report these rules, by code prefix (the most specific prefix wins)."),
        click.option("--extend-select", multiple=True, metavar="CODES", help="Add rules to the selection, by code prefix."),
        click.option("--per-path-ignores", "--per-file-ignores", "per_path_ignores", multiple=True, metavar="GLOB:CODES",
                     help="Do not report these rules for findings in files matching GLOB (tests/**:RS1). --per-file-ignores: the same (ruff's name)."),
        click.option("--exclude", multiple=True, metavar="GLOB", help="Do not read files matching GLOB (repeatable)."),
        click.option("--suppressions", type=click.Path(exists=True, dir_okay=False),
                     help="The suppressions file (default: riskscan-suppressions.toml at the scan root, when present)."),
        click.option("--baseline", type=click.Path(exists=True, dir_okay=False), help="Findings of this baseline are `unchanged` and do not fail the run."),
        click.option("--diff", metavar="REV", help="Report only findings whose paths touch files changed since this git revision."),
        click.option("--min-confidence", type=click.Choice(CONFIDENCES), default="low", show_default=True,
                     help="Hide path findings less sure than this: `medium` hides those resting on a tool's name alone or on an"
                          " unknown server's worst case (kept as suppressed in JSON and SARIF, and counted)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def report_options(formats):
    """Where the reports of one scan go: besides --format/-o, one file per format of `formats`, as
    semgrep's `--sarif-output=PATH` / `--json-output=PATH` (each format at most once); and the
    options of the SARIF and Markdown formats."""

    def decorate(command):
        options = [
            click.option(f"--{fmt}-output", f"{fmt}_output", type=click.Path(dir_okay=False, writable=True), metavar="PATH",
                         help=f"Also write the {fmt} report of the same scan to PATH.")
            for fmt in formats
        ] + [
            click.option("--sarif-category", metavar="CATEGORY",
                         help="The code scanning category of the SARIF run (its automationDetails.id; a `/` is added). Default: riskscan/."),
            click.option("--link-base", metavar="URL",
                         help="Make Markdown file links absolute: URL/path#Lline (e.g. https://github.com/o/r/blob/SHA/)."),
        ]
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


def extra_outputs(settings: dict, formats) -> list[tuple[str, str]]:
    """(format, path) of every --FORMAT-output given, in the order of `formats`."""
    return [(fmt, settings[f"{fmt}_output"]) for fmt in formats if settings.get(f"{fmt}_output")]


def render_options(settings: dict) -> dict:
    """The keyword arguments of `riskscan.report.render` that the options set."""
    from riskscan.report.sarif import category_id

    return {"automation_id": category_id(settings.get("sarif_category") or ""), "link_base": settings.get("link_base") or ""}


def run_scan_command(path: str, fail_on: str, rulesets, max_steps, max_paths, timeout_ms, max_file_bytes, progress=None,
                     workers=0, cache=True, cache_dir=None, read_all=False, max_files=100_000, include_tests=False, source_roots=(),
                     repository_config=None, **selection):
    """Scan with the configuration file's settings under the command line's. `selection` holds the
    options of `selection_options` when the command has them."""
    from riskscan.rulesets import RulesetError
    from riskscan.scan import scan as run_scan
    from riskscan.triage.baseline import BaselineError
    from riskscan.triage.diff import DiffError
    from riskscan.triage.select import SelectionError
    from riskscan.triage.suppressions import SuppressionsError
    from riskscan.types import Config

    if not selection:
        settings = settings_of(path, {"fail_on": fail_on, "rulesets": rulesets, "max_steps": max_steps, "max_paths": max_paths,
                                    "timeout_ms": timeout_ms, "max_file_bytes": max_file_bytes, "workers": workers, "cache": cache,
                                    "cache_dir": cache_dir, "read_all": read_all, "max_files": max_files,
                                    "include_tests": include_tests, "source_roots": source_roots})
        fail_on, rulesets, max_steps, max_paths = settings["fail_on"], settings["rulesets"], settings["max_steps"], settings["max_paths"]
        timeout_ms, max_file_bytes = settings["timeout_ms"], settings["max_file_bytes"]
        workers, cache, cache_dir, read_all = settings["workers"], settings["cache"], settings["cache_dir"], settings["read_all"]
        max_files, include_tests, source_roots = settings["max_files"], settings["include_tests"], settings["source_roots"]
        repository_config = settings.get("repository_config")
        selection = {key: settings[key] for key in SELECTION_KEYS if key in settings}
    config = Config(
        fail_on=fail_on, rulesets=tuple(rulesets), max_steps=max_steps, max_paths=max_paths,
        timeout_ms=timeout_ms, max_file_bytes=max_file_bytes, workers=workers, cache=cache, cache_dir=cache_dir,
        read_all=read_all, max_files=max_files, include_tests=include_tests, source_roots=tuple(source_roots),
        repository_config=repository_config, **selection,
    )
    try:
        return run_scan(path, config, progress=progress)
    except (RulesetError, SelectionError, SuppressionsError, BaselineError, DiffError) as error:
        say(f"riskscan: error: {error}")
        sys.exit(EXIT_ERROR)
    finally:
        if progress is not None:
            progress("done", 0, 0)


SELECTION_KEYS = ("select", "ignore", "extend_select", "per_path_ignores", "exclude", "suppressions", "baseline", "diff", "min_confidence")
TUNING_KEYS = ("rulesets", "max_steps", "max_paths", "timeout_ms", "max_file_bytes", "max_files", "workers", "cache", "cache_dir", "read_all", "include_tests",
               "source_roots")


def settings_of(path: str, params: dict) -> dict:
    """The command's parameters, each taken from the configuration file unless given on the
    command line. Comma lists (`--select RS1,RS2`) are split; GLOB:CODES pairs parsed."""
    from click.core import ParameterSource

    from riskscan import config
    from riskscan.triage.select import SelectionError, parse_per_path_ignore

    context = click.get_current_context()
    named = params.get("config_file")  # a file the operator named is trusted, as the user configuration is
    try:
        user = config.load(config.user_file())
        project = config.load(named) if named else config.load(config.find(path), trusted=False)
    except config.ConfigError as error:
        say(f"riskscan: error: {error}")
        sys.exit(EXIT_ERROR)
    settings = dict(params)
    for name in ("select", "ignore", "extend_select", "exclude"):
        if name in settings:
            settings[name] = tuple(item.strip() for value in settings[name] for item in value.split(",") if item.strip())
    if "per_path_ignores" in settings:
        try:
            settings["per_path_ignores"] = tuple(parse_per_path_ignore(value) for value in settings["per_path_ignores"])
        except SelectionError as error:
            say(f"riskscan: error: {error}")
            sys.exit(EXIT_ERROR)
    operator = {}  # of each key the project's file gives: the value the operator's own settings give
    for loaded in (user, project):  # the project's file over the user's, the command line over both
        for name, value in loaded.values.items():
            source = context.get_parameter_source(name) if name in params else None
            if name in params and source in (ParameterSource.DEFAULT, ParameterSource.DEFAULT_MAP, None):
                if loaded is project:
                    operator[name] = settings[name]
                settings[name] = value
    if not project.trusted and project.path is not None:
        settings["repository_config"] = repository_config(path, project, operator)
    return settings


def repository_config(path: str, project, operator: dict):
    """What the repository's own file did: each key applied (and not overridden on the command
    line), each key refused; the places relative to the scan root."""
    import os
    from pathlib import Path

    from riskscan.types import Location, RepositoryConfig, Setting

    root = Path(path).resolve()
    root = root.parent if root.is_file() else root
    shown = Path(os.path.relpath(project.path.resolve(), root)).as_posix()

    def setting(key: str) -> Setting:
        line, column = project.places.get(key, (0, 0))
        return Setting(key, toml_value(project.raw.get(key)), Location(shown, line, column))

    applied = tuple(setting(key) for name, key in project.keys.items() if name in operator)
    applied += tuple(setting(key) for key in ("per-file-ignores", "per-path-ignores")
                     if key in project.raw and key not in {s.key for s in applied} and "per_path_ignores" in operator)
    refused = tuple(setting(key) for key in project.refused)
    return RepositoryConfig(shown, tuple(sorted(applied, key=lambda s: s.location)), tuple(sorted(refused, key=lambda s: s.location)),
                            tuple(sorted((name, value) for name, value in operator.items() if name in project.keys)))


def toml_value(value) -> str:
    """A configuration value as it would be written in TOML (short: 200 characters at most)."""
    import json

    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, dict):
        text = "{ " + ", ".join(f"{json.dumps(str(k))} = {toml_value(v)}" for k, v in value.items()) + " }"
    elif isinstance(value, list):
        text = "[" + ", ".join(toml_value(item) for item in value) + "]"
    elif isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
    else:
        text = str(value)
    return text if len(text) <= 200 else text[:199] + "…"


def tuning_of(settings: dict) -> dict:
    return {key: settings[key] for key in (*TUNING_KEYS, *SELECTION_KEYS)} | {"repository_config": settings.get("repository_config")}


def load_rulesets(paths):
    """Every rule, the trace rules included, and those of the `paths` ruleset files."""
    from riskscan import rulesets

    try:
        return rulesets.load_every_rule(tuple(paths))
    except rulesets.RulesetError as error:
        say(f"riskscan: error: {error}")
        sys.exit(EXIT_ERROR)


def emit(text: str, output: str | None) -> None:
    """Print `text`, or write it to the file `output` (riskscan.files: a link there is replaced, not followed)."""
    if output:
        from riskscan.files import write_new_or_replace

        try:
            write_new_or_replace(output, text)
        except OSError as error:
            say(f"riskscan: error: cannot write {output}: {error.strerror}")
            sys.exit(EXIT_ERROR)
    else:
        click.echo(text, nl=not text.endswith("\n"))

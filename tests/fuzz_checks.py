"""The properties every fuzzed input must keep, shared by tests/test_fuzz.py and bench/fuzz.py:

- nothing raises but the documented errors (a configuration, ruleset or suppressions file that is
  wrong is a RulesetError / ConfigError / SuppressionsError naming the file, exit code 2 on the
  command line; everything else is a diagnostic);
- the scan ends within a bound;
- every output format renders, JSON validates against riskscan's report schema and SARIF against
  the official SARIF 2.1.0 schema, the graph exports render;
- every diagnostic names a file the scan read (or "." for the solver's notes), and a file that a
  reference parser rejects gets a diagnostic naming it, with a line.
"""

from __future__ import annotations

import itertools
import json
import tempfile
import time
import tomllib
from functools import cache
from pathlib import Path

import jsonschema
import yaml

from riskscan import config as config_file
from riskscan.report import FORMATS, render
from riskscan.report.graph_export import GRAPH_FORMATS, render_graph
from riskscan.types import Config, Report

ROOT = Path(__file__).resolve().parents[1]
SCAN_SECONDS = 20.0  # generous: the machine is shared; a hang is what this catches
SCAN_CONFIG = Config(timeout_ms=1000, max_steps=4, max_paths=20)
# A small project with findings, scanned with fuzzed rulesets and suppressions.
FINDINGS_PROJECT = ROOT / "fixtures" / "cases" / "mcp-client-trifecta"
_unique = itertools.count()


@cache
def validators():
    report = json.loads((ROOT / "riskscan" / "schemas" / "report.schema.json").read_text(encoding="utf-8"))
    sarif = json.loads((ROOT / "tests" / "schemas" / "sarif-2.1.0.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(report), jsonschema.validators.validator_for(sarif)(sarif)


def check_report(report: Report, read: set[str], automation_id: str | None = None) -> dict[str, str]:
    """Render every format of `report` and check each; `read`: the paths diagnostics may name."""
    outputs = {fmt: render(report, fmt, automation_id=automation_id) for fmt in FORMATS}
    outputs.update({f"graph-{fmt}": render_graph(report, fmt) for fmt in GRAPH_FORMATS})
    report_validator, sarif_validator = validators()
    errors = list(report_validator.iter_errors(json.loads(outputs["json"])))
    assert not errors, f"JSON report invalid: {errors[0].message} at {list(errors[0].absolute_path)}"
    errors = list(sarif_validator.iter_errors(json.loads(outputs["sarif"])))
    assert not errors, f"SARIF invalid: {errors[0].message} at {list(errors[0].absolute_path)}"
    json.loads(outputs["graph-json"])
    for diagnostic in report.diagnostics:
        assert diagnostic.location.path in read | {"."}, f"diagnostic names no file read: {diagnostic}"
        assert diagnostic.message.strip(), diagnostic
        assert diagnostic.code != "internal-error", f"riskscan failed on the file: {diagnostic}"
    return outputs


def rejected_by_reference(path: str, data: bytes) -> bool:
    """True when a reference parser rejects the file in a way riskscan must report with a line:
    JSON without comments or commas (so JSONC blanking changes nothing), YAML, TOML, text that is
    not UTF-8 (Python files without an encoding declaration only)."""
    if b"\0" in data[:8192]:
        return False  # binary: a diagnostic without a line
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # KNOWN GAP (test_bad_inputs.py::test_python_not_utf8_is_placed_on_its_line): the Python
        # extractor, owned elsewhere, places an undecodable file on no line yet
        return not path.endswith(".py")
    try:
        if path.endswith(".json") and "/" not in text and "," not in text:
            json.loads(text)
        elif path.endswith((".yaml", ".yml")):
            yaml.compose(text, Loader=yaml.SafeLoader)
        elif path.endswith(".toml"):
            tomllib.loads(text)
        else:
            return False
    except (ValueError, yaml.YAMLError, RecursionError):
        return True
    except Exception:  # noqa: BLE001 - the reference parser's own failures are not what is judged here
        return False
    return False


def timed(function, *args, **kwargs):
    started = time.monotonic()
    result = function(*args, **kwargs)
    elapsed = time.monotonic() - started
    assert elapsed < SCAN_SECONDS, f"took {elapsed:.1f}s (bound {SCAN_SECONDS}s)"
    return result


def check_input(reader, data: bytes) -> None:
    """Write `data` where `reader` expects its file in a fresh project, read it, check everything."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        # a file of riskscan's own is read by its full path, and rulesets are cached by it: a fresh one each time
        name = reader.path if reader.kind == "scan" else f"{next(_unique)}/{reader.path}"
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        CHECKS[reader.kind](root, name, data)


def _scan(root: Path, name: str, data: bytes) -> None:
    from riskscan.scan import scan

    report = timed(scan, str(root), SCAN_CONFIG)
    check_report(report, {name})
    if name.endswith(".py"):  # the scan may skip a file that declares nothing: read it for sure
        from riskscan import rulesets
        from riskscan.extract import extract_file
        from riskscan.types import SourceFile

        facts = timed(extract_file, str(root), SourceFile(name, "python", "agent"), rulesets.load())
        assert all(d.location.path == name and d.code != "internal-error" for d in facts.diagnostics), facts.diagnostics
    if rejected_by_reference(name, data):
        placed = [d for d in report.diagnostics if d.location.path == name and d.location.line >= 1]
        assert placed, f"the reference parser rejects {name}, riskscan says nothing with a line: {report.diagnostics}"


def _trace(root: Path, name: str, data: bytes) -> None:
    from riskscan.trace import AUTOMATION_ID, check_traces, display_path

    path = str(root / name)
    report = timed(check_traces, [path], None, SCAN_CONFIG)
    check_report(report, {display_path(path)}, automation_id=AUTOMATION_ID)


def _ruleset(root: Path, name: str, data: bytes) -> None:
    from riskscan.rulesets import RulesetError
    from riskscan.scan import scan

    try:
        report = timed(scan, str(FINDINGS_PROJECT), Config(rulesets=(str(root / name),), timeout_ms=1000))
    except RulesetError as error:
        assert name in str(error), f"the error does not name the ruleset: {error}"
        return
    check_report(report, {f for f in _files(FINDINGS_PROJECT)})


def _config(root: Path, name: str, data: bytes) -> None:
    from click.testing import CliRunner

    from riskscan.cli import main

    for trusted in (True, False):  # named with --config, and found in the scanned repository (held to its keys)
        try:
            loaded = config_file.load(root / name, trusted=trusted)
        except config_file.ConfigError as error:
            assert name in str(error), f"the error does not name the file: {error}"
        else:
            assert trusted or not set(loaded.keys.values()) - config_file.REPOSITORY_KEYS, loaded.keys
    empty = root / name.split("/")[0] / "empty"
    empty.mkdir()
    result = CliRunner().invoke(main, ["scan", str(empty), "--config", str(root / name), "-q", "--exit-zero"])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 2), result.output
    if result.exit_code == 2:
        assert "riskscan: error:" in result.output and "internal error" not in result.output, result.output


def _suppressions(root: Path, name: str, data: bytes) -> None:
    from riskscan.scan import scan
    from riskscan.triage.suppressions import SuppressionsError

    try:
        report = timed(scan, str(FINDINGS_PROJECT), Config(suppressions=str(root / name), timeout_ms=1000))
    except SuppressionsError as error:
        assert name in str(error), f"the error does not name the file: {error}"
        return
    check_report(report, set(_files(FINDINGS_PROJECT)) | {Path(name).name})  # outside the root: by its name


def _saved_report(root: Path, name: str, data: bytes) -> None:
    from riskscan.trace import AUTOMATION_ID, ModelError, check_traces, load_model

    try:
        model = timed(load_model, str(root / name))
    except ModelError as error:
        assert name in str(error), f"the error does not name the file: {error}"
        return
    trace = ROOT / "fixtures" / "traces" / "openai" / "injected.jsonl"
    report = timed(check_traces, [str(trace)], model, SCAN_CONFIG)
    check_report(report, {d.location.path for d in report.diagnostics}, automation_id=AUTOMATION_ID)


def _baseline(root: Path, name: str, data: bytes) -> None:
    from riskscan.scan import scan
    from riskscan.triage.baseline import BaselineError

    try:
        report = timed(scan, str(FINDINGS_PROJECT), Config(baseline=str(root / name), timeout_ms=1000))
    except BaselineError as error:
        assert name in str(error), f"the error does not name the file: {error}"
        return
    check_report(report, set(_files(FINDINGS_PROJECT)))


def _cache(root: Path, name: str, data: bytes) -> None:
    """A cache folder whose every entry is replaced by the fuzzed one, signed with the cache's own
    key for the place it replaces (so that it passes the integrity check, as an entry written by
    anyone holding the key would): the scan that reads it must not fail."""
    from cache_entries import entries, write_signed

    from riskscan.scan import scan

    folder = root / name.split("/")[0] / "cache"
    config = Config(cache_dir=str(folder), timeout_ms=1000, read_all=True)
    timed(scan, str(FINDINGS_PROJECT), config)
    for entry in entries(folder):
        write_signed(folder, entry, data)
    report = timed(scan, str(FINDINGS_PROJECT), config)
    check_report(report, set(_files(FINDINGS_PROJECT)))


@cache
def _files(root: Path) -> tuple[str, ...]:
    return tuple(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


CHECKS = {"scan": _scan, "trace": _trace, "ruleset": _ruleset, "config": _config, "suppressions": _suppressions,
          "saved-report": _saved_report, "baseline": _baseline, "cache": _cache}
__all__ = ["check_input", "check_report", "rejected_by_reference"]

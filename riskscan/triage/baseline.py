"""Baselines: the findings a team accepted when it adopted riskscan, keyed by the stable finding
fingerprint (rule and sink by name, never line numbers), so later scans fail only on new ones.

`--write-baseline FILE` writes every finding of the scan (suppressed ones too: they are accepted
already); `--baseline FILE` marks each finding `new` or `unchanged`, and keeps the baseline's
findings this scan no longer has as `absent` (fixed since). The file is JSON, sorted, with paths
relative to the scan root, so that it diffs well under version control.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from riskscan.files import read_bounded
from riskscan.types import BaselineEntry, Finding, Location, Report

BASELINE_VERSION = 1
NEW, UNCHANGED = "new", "unchanged"


class BaselineError(ValueError):
    """The baseline file cannot be read or is not a riskscan baseline."""


def document(report: Report) -> dict:
    entries = sorted(entry_of(finding) for finding in (*report.findings, *report.suppressed) if finding.fingerprint)
    return {
        "riskscan_baseline": BASELINE_VERSION,
        "findings": [
            {"fingerprint": e.fingerprint, "rule_id": e.rule_id, "message": e.message,
             "location": _place(e.location)}
            for e in dict.fromkeys(entries)
        ],
    }


def _place(location: Location) -> dict:
    place = {"path": location.path, "line": location.line, "column": location.column}
    if location.cell:  # a notebook's: the line and column are in that cell
        place.update(cell=location.cell, file_line=location.file_line)
    return place


def render(report: Report) -> str:
    """The baseline file of `report`: its findings' messages with secrets redacted, like every output."""
    from riskscan.files.surrogates import writable
    from riskscan.secrets.reports import scrubbed

    return writable(json.dumps(document(scrubbed(report)), indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def entry_of(finding: Finding) -> BaselineEntry:
    return BaselineEntry(finding.fingerprint, finding.rule_id, finding.message, finding.location)


def load(path: str | Path) -> tuple[BaselineEntry, ...]:
    path = Path(path)
    try:
        data = json.loads(read_bounded(path).decode("utf-8"))
    except OSError as error:
        raise BaselineError(f"{path}: cannot read the baseline: {error.strerror}") from error
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as error:
        raise BaselineError(f"{path}: not a JSON baseline: {error}") from error
    if not isinstance(data, dict) or data.get("riskscan_baseline") != BASELINE_VERSION or not isinstance(data.get("findings"), list):
        raise BaselineError(f"{path}: not a riskscan baseline (write one with --write-baseline)")
    entries = []
    for number, item in enumerate(data["findings"]):
        try:
            where = item["location"]
            entries.append(BaselineEntry(str(item["fingerprint"]), str(item["rule_id"]), str(item["message"]),
                                         Location(str(where["path"]), int(where["line"]), int(where["column"]),
                                                  cell=int(where.get("cell", 0)), file_line=int(where.get("file_line", 0)))))
        except (KeyError, TypeError, ValueError) as error:
            raise BaselineError(f"{path}: findings/{number}: malformed entry ({error!r})") from error
    return tuple(entries)


def compare(report: Report, entries: tuple[BaselineEntry, ...]) -> Report:
    """Mark every finding new or unchanged against `entries`; the entries no finding matches are
    the report's `absent` findings."""
    known = {entry.fingerprint for entry in entries}
    everything = (*report.findings, *report.suppressed)
    # a baseline written when findings were per sink call holds those calls' fingerprints: a risk
    # that covers one of them was accepted then (writing the baseline again migrates it)
    seen = {key for f in everything for key in (f.fingerprint, *f.covers)}

    def mark(findings: tuple[Finding, ...]) -> tuple[Finding, ...]:
        return tuple(replace(f, baseline_state=NEW if known.isdisjoint((f.fingerprint, *f.covers)) else UNCHANGED)
                     for f in findings)

    absent = tuple(sorted({entry for entry in entries if entry.fingerprint not in seen}))
    return replace(report, findings=mark(report.findings), suppressed=mark(report.suppressed), absent=absent)


def new_only(report: Report) -> Report:
    """The report as people read it with a baseline: only findings that are not in it (those
    that are, in `baselined`, to be counted as hidden)."""
    return replace(report, findings=tuple(f for f in report.findings if f.baseline_state != UNCHANGED),
                   baselined=tuple(f for f in report.findings if f.baseline_state == UNCHANGED))

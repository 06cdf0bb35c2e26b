"""Suppressions: findings a team has looked at and accepted, each with its reason.

In Python (and in a notebook's code cells), a comment on any step of a path, on the line of the
evidence of a step (the dangerous call), or on a hygiene finding's line:

    send(url, body)  # riskscan: ignore[RS101] -- the URL is fixed by the deployment

Comments are read with the tokenizer, so a string that looks like one is not one. `ignore` without
codes silences every rule on that line. For configs that cannot hold comments (JSON), a TOML
suppressions file (`riskscan-suppressions.toml` at the scan root, or `--suppressions FILE`):

    [[suppress]]
    rule = "RS201"            # a code or a prefix
    path = ".mcp.json"        # a gitignore-style glob over the finding's place (its sink)
    server = "github"         # optional: the MCP server concerned
    tool = "push_files"       # optional: the sink tool, or the subject of a hygiene finding
    reason = "a read-only token scoped to one public repository"
    expires = 2027-06-30      # optional: after this date the entry no longer applies

A suppression without a reason still applies and is reported; one that silences nothing is
reported; an expired entry is reported and no longer applies. Reports are warning diagnostics.

The default file is the scanned repository's: it is read only when it is a regular file that
resolves inside the scan root (never a link out of it, never a FIFO or a device) of at most
MAX_FILE_BYTES; otherwise a diagnostic says why it was not read. A `--suppressions FILE` given by
the user is bounded the same way, and refusing it is an error.
"""

from __future__ import annotations

import datetime
import io
import os
import re
import tokenize
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from riskscan.files import NotRegularFile, TooLarge, read_bounded
from riskscan.triage.select import SELECTOR, SelectionError, check_glob, path_matches
from riskscan.types import Diagnostic, Finding, Location, SourceFile, Suppression, Tool

DEFAULT_FILE = "riskscan-suppressions.toml"
MAX_FILE_BYTES = 1 << 20  # 1 MiB: thousands of entries; a bigger file is refused, not read
COMMENT = re.compile(r"riskscan:\s*ignore\b(?P<codes>\[[^\]]*\]?)?\s*(?:--\s*(?P<reason>.*))?$")
ENTRY_KEYS = frozenset({"rule", "path", "server", "tool", "reason", "expires"})


class SuppressionsError(ValueError):
    """The suppressions file cannot be read or has a key it must not have."""


@dataclass
class Marker:
    """One suppression: a comment or a file entry, with what it has silenced so far."""

    codes: tuple[str, ...]  # empty: every rule (comments only)
    reason: str
    location: Location
    kind: str  # inSource | external
    path: str = ""  # file entries: the glob
    server: str = ""
    tool: str = ""
    used: set[str] = field(default_factory=set)

    def covers(self, code: str) -> str | None:
        """The selector of this marker that covers `code`, '*' for a blanket comment."""
        if not self.codes:
            return "*"
        return next((selector for selector in self.codes if code.startswith(selector)), None)


def apply(
    findings: Iterable[Finding], root: str, files: Iterable[SourceFile], tools: Iterable[Tool],
    suppressions_file: str | None, today: datetime.date | None = None,
) -> tuple[tuple[Finding, ...], tuple[Finding, ...], tuple[Diagnostic, ...]]:
    """Split `findings` into (kept, suppressed) and report what is wrong with the suppressions."""
    diagnostics: list[Diagnostic] = []
    comments = read_comments(root, ((f.path, f.kind) for f in files if f.kind in ("python", "notebook")), diagnostics)
    entries = read_file(root, suppressions_file, today or datetime.date.today(), diagnostics)
    servers = {(tool.name, tool.location.path, tool.location.line): tool.server_entry for tool in tools}
    kept, suppressed = [], []
    for finding in findings:
        marker = _comment_for(finding, comments) or _entry_for(finding, entries, servers)
        if marker is None:
            kept.append(finding)
        else:
            suppressed.append(replace(finding, suppression=Suppression(marker.kind, marker.reason, marker.location)))
    markers = [m for by_line in comments.values() for m in by_line.values()] + entries
    diagnostics += _marker_problems(markers)
    return tuple(kept), tuple(suppressed), tuple(sorted(set(diagnostics)))


# --- comments ---------------------------------------------------------------------------------


def read_comments(root: str, files: Iterable[tuple[str, str]], diagnostics: list[Diagnostic]) -> dict[str, dict[tuple[int, int], Marker]]:
    """The comments of the Python files and notebooks (path, kind), by path, then by (cell, line):
    the cell is 0 but in a notebook, whose comments are read in its code cells."""
    found: dict[str, dict[tuple[int, int], Marker]] = {}
    for path, kind in files:
        try:
            raw = (Path(root) / path).read_bytes()
        except OSError:
            continue
        if b"riskscan:" not in raw:  # the cheap pre-filter: most files have none
            continue
        markers = _notebook_comments(path, raw, diagnostics) if kind == "notebook" else {
            (0, line): marker for line, marker in comments_of(path, raw, diagnostics).items()}
        if markers:
            found[path] = markers
    return found


def _notebook_comments(path: str, raw: bytes, diagnostics: list[Diagnostic]) -> dict[tuple[int, int], Marker]:
    from riskscan.extract.notebooks import mapped, python_source

    converted = python_source(path, raw)
    if isinstance(converted, Diagnostic):
        return {}  # the extractor reports it
    found: list[Diagnostic] = []
    markers = {}
    for line, marker in comments_of(path, converted.source, found).items():
        location = mapped(marker.location, converted, path)
        markers[(location.cell, location.line)] = replace(marker, location=location)
    diagnostics += mapped(tuple(found), converted, path)
    return markers


def comments_of(path: str, raw: bytes, diagnostics: list[Diagnostic]) -> dict[int, Marker]:
    markers: dict[int, Marker] = {}
    try:
        tokens = list(tokenize.tokenize(io.BytesIO(raw).readline))
    except (tokenize.TokenError, SyntaxError, UnicodeDecodeError):
        return markers  # the extractor reports the parse error
    for token in tokens:
        if token.type != tokenize.COMMENT:
            continue
        match = COMMENT.search(token.string)
        if match is None:
            continue
        location = Location(path, token.start[0], token.start[1] + 1)
        codes = _codes(match.group("codes"))
        if codes is None:
            diagnostics.append(Diagnostic(location, "invalid-suppression",
                                          "a riskscan: ignore comment whose codes cannot be read: write ignore[RS101, RS2]"))
            continue
        markers[location.line] = Marker(codes, (match.group("reason") or "").strip(), location, "inSource")
    return markers


def _codes(group: str | None) -> tuple[str, ...] | None:
    if group is None:
        return ()
    if not group.endswith("]"):
        return None
    codes = tuple(code.strip() for code in group[1:-1].split(",") if code.strip())
    return codes if codes and all(SELECTOR.match(code) for code in codes) else None


def _comment_for(finding: Finding, comments: dict[str, dict[tuple[int, int], Marker]]) -> Marker | None:
    places = [finding.location]
    for step in finding.steps:
        places.append(step.location)
        places += [evidence.location for evidence in step.evidence if evidence.location is not None]
    for place in places:
        marker = comments.get(place.path, {}).get((place.cell, place.line))
        selector = marker.covers(finding.rule_id) if marker else None
        if selector:
            marker.used.add(selector)
            return marker
    return None


# --- the suppressions file --------------------------------------------------------------------


def read_file(root: str, path: str | None, today: datetime.date, diagnostics: list[Diagnostic]) -> list[Marker]:
    import tomllib

    explicit = path is not None
    target = Path(path) if explicit else Path(root) / DEFAULT_FILE
    if not explicit and not os.path.lexists(target):
        return []
    try:
        data = _read_bounded(target, None if explicit else root)
        text = data.decode("utf-8")
        document = tomllib.loads(text)
    except _NotRead as refused:
        if explicit:
            reason = str(refused) if str(refused).startswith("cannot read") else f"cannot read: {refused}"
            raise SuppressionsError(f"{target}: {reason}") from None
        diagnostics.append(Diagnostic(Location(DEFAULT_FILE), refused.code, f"{refused}; not read", refused.severity))
        return []
    except OSError as error:  # while reading
        raise SuppressionsError(f"{target}: cannot read: {error.strerror}") from error
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise SuppressionsError(f"{target}: invalid TOML: {error}") from error
    except ValueError as error:  # an integer of more than 4,300 digits: tomllib gives no place (toml_input.loads finds it)
        from riskscan.formats.toml_input import value_error

        raise SuppressionsError(f"{target}: invalid TOML: {value_error(error, text)}") from error
    unknown = sorted(set(document) - {"suppress"})
    if unknown:
        raise SuppressionsError(f"{target}: {unknown[0]}: unknown key (expected [[suppress]] entries)")
    entries = document.get("suppress", [])
    if not isinstance(entries, list):
        raise SuppressionsError(f"{target}: suppress: expected [[suppress]] entries")
    shown = _shown(target, root)
    # each entry's line: its [[suppress]] header (tomllib gives no positions; 0 for inline tables)
    headers = [n for n, line in enumerate(text.splitlines(), start=1) if line.strip().startswith("[[suppress]]")]
    markers = []
    for number, entry in enumerate(entries, start=1):
        where = f"{target}: suppress #{number}"
        if not isinstance(entry, dict):
            raise SuppressionsError(f"{where}: expected a table")
        _check_entry(where, entry)
        location = Location(shown, headers[number - 1] if len(headers) == len(entries) else 0)
        marker = Marker((entry["rule"],), entry.get("reason", "").strip(), location, "external",
                        path=entry["path"], server=entry.get("server", ""), tool=entry.get("tool", ""))
        expires = entry.get("expires")
        if expires is not None and expires < today:
            diagnostics.append(Diagnostic(location, "expired-suppression",
                                          f"suppress #{number} ({_describe(marker)}) expired on {expires.isoformat()} and no longer applies"))
            continue
        markers.append(marker)
    return markers


class _NotRead(Exception):
    """The suppressions file is refused before its content is read: the reason, as a diagnostic."""

    def __init__(self, code: str, message: str, severity: str = "warning"):
        super().__init__(message)
        self.code, self.severity = code, severity


def _read_bounded(target: Path, root: str | None) -> bytes:
    """The bytes of `target`, at most MAX_FILE_BYTES, read only if it is a regular file
    (`files.read_bounded`: a FIFO is refused, not waited on) and, with `root` (the default file, which
    the scanned repository ships), only if it resolves inside the root: never a link out of it."""
    if root is not None:
        real_root = Path(os.path.realpath(root))
        real = Path(os.path.realpath(target))
        if not (real == real_root or real.is_relative_to(real_root)):
            raise _NotRead("link-outside-root", "a symbolic link to a file outside the scanned folder")
    try:
        return read_bounded(target, MAX_FILE_BYTES)
    except NotRegularFile:
        raise _NotRead("not-a-file", "not a regular file") from None
    except TooLarge:
        raise _NotRead("file-too-large", f"over the {MAX_FILE_BYTES}-byte limit of a suppressions file", "error") from None
    except OSError as error:
        raise _NotRead("unreadable", f"cannot read: {error.strerror}", "error") from None


def _check_entry(where: str, entry: dict) -> None:
    for key in sorted(entry):
        if key not in ENTRY_KEYS:
            raise SuppressionsError(f"{where}: {key}: unknown key (known keys: {', '.join(sorted(ENTRY_KEYS))})")
    for key in ("rule", "path"):
        if key not in entry:
            raise SuppressionsError(f"{where}: {key}: required")
    for key in ("rule", "path", "server", "tool", "reason"):
        if key in entry and not isinstance(entry[key], str):
            raise SuppressionsError(f"{where}: {key}: expected a string, got {entry[key]!r}")
    if not SELECTOR.match(entry["rule"]):
        raise SuppressionsError(f"{where}: rule: {entry['rule']!r} is not a rule code or prefix")
    try:
        check_glob("path", entry["path"])
    except SelectionError as error:
        raise SuppressionsError(f"{where}: {error}") from None
    expires = entry.get("expires")
    if expires is not None and (not isinstance(expires, datetime.date) or isinstance(expires, datetime.datetime)):
        raise SuppressionsError(f"{where}: expires: expected a date (expires = 2027-06-30), got {expires!r}")


def _entry_for(finding: Finding, entries: list[Marker], servers: dict) -> Marker | None:
    sink = finding.steps[-1] if finding.steps else None
    tool = sink.tool if sink and sink.tool else finding.subject
    server = servers.get((sink.tool, sink.location.path, sink.location.line), "") if sink else finding.subject
    for marker in entries:
        if not marker.covers(finding.rule_id) or not path_matches(finding.location.path, marker.path):
            continue
        if marker.server and marker.server != server:
            continue
        if marker.tool and marker.tool != tool:
            continue
        marker.used.add(marker.codes[0])
        return marker
    return None


def _shown(target: Path, root: str) -> str:
    try:
        return target.resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return target.name


# --- what is wrong with them ------------------------------------------------------------------


def _marker_problems(markers: list[Marker]) -> list[Diagnostic]:
    problems = []
    for marker in markers:
        if not marker.reason:
            problems.append(Diagnostic(marker.location, "suppression-without-reason",
                                       f"{_describe(marker)} gives no reason: add `-- why` (comments) or reason = \"...\" (file)"))
        unused = [code for code in (marker.codes or ("*",)) if code not in marker.used]
        if unused:
            problems.append(Diagnostic(marker.location, "unused-suppression",
                                       f"{_describe(marker)} silences no finding of {', '.join(unused)}: remove it"))
    return problems


def _describe(marker: Marker) -> str:
    codes = ", ".join(marker.codes)
    if marker.kind == "inSource":
        return f"riskscan: ignore[{codes}]" if codes else "riskscan: ignore"
    keys = [f"rule {codes}", f"path {marker.path}"] + [f"{k} {v}" for k, v in (("server", marker.server), ("tool", marker.tool)) if v]
    return "the suppression for " + ", ".join(keys)

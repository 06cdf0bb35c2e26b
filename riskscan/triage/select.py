"""Rule selection by code prefix, as in ruff: `select`, `extend-select` and `ignore` name prefixes
(`RS`, `RS1`, `RS10`, `RS101`, or `ALL`); for each rule the most specific matching prefix decides,
and at equal specificity `ignore` wins. Per-path ignores turn rules off for the findings whose
place matches a glob (`tests/**`, `*.json`: gitignore's semantics, see riskscan.discover.globs; a leading `!`
applies the ignores everywhere the rest does not match, as ruff's per-file-ignores do).
`--min-confidence` keeps the path findings at least that sure, as bandit's --confidence-level."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from riskscan.discover import globs
from riskscan.types import CONFIDENCES, Config, Finding, Location, Suppression

ALL = "ALL"
BELOW_MIN_CONFIDENCE = "below --min-confidence"
SELECTOR = re.compile(r"^(ALL|[A-Z]+[0-9]*)$")


class SelectionError(ValueError):
    """A selector that is not a code prefix, or that matches no rule."""


@dataclass(frozen=True)
class Selection:
    select: tuple[str, ...]
    ignore: tuple[str, ...]
    per_path_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def enabled(self, code: str) -> bool:
        """Whether `code` is on, everywhere: the longest matching prefix decides."""
        chosen = _specificity(code, self.select)
        ignored = _specificity(code, self.ignore)
        return chosen >= 0 and chosen > ignored

    def enabled_at(self, code: str, path: str) -> bool:
        """Whether `code` is on for a finding at `path` (POSIX, relative to the scan root)."""
        if not self.enabled(code):
            return False
        return not any(
            path_matches(path, glob) and _specificity(code, codes) >= 0 for glob, codes in self.per_path_ignores
        )

    def keeps(self, finding: Finding) -> bool:
        return self.enabled_at(finding.rule_id, finding.location.path)


def from_config(config: Config, codes: Iterable[str]) -> Selection:
    """The selection a Config asks for, checked against the known rule `codes`: a selector that
    matches no rule is an error (a typo would otherwise silently select nothing)."""
    known = tuple(codes)
    select = (config.select or (ALL,)) + config.extend_select
    for option, selectors in (
        ("select", config.select),
        ("extend-select", config.extend_select),
        ("ignore", config.ignore),
        *(("per-path-ignores", selectors) for _, selectors in config.per_path_ignores),
    ):
        for selector in selectors:
            check_selector(option, selector, known)
    for glob, _ in config.per_path_ignores:
        check_glob("per-path-ignores", glob)
    for glob in config.exclude:
        check_glob("exclude", glob)
    return Selection(select=select, ignore=config.ignore, per_path_ignores=config.per_path_ignores)


def check_selector(option: str, selector: str, known: Sequence[str]) -> None:
    if not SELECTOR.match(selector):
        raise SelectionError(f"{option}: {selector!r} is not a rule code prefix (like RS, RS1, RS101 or ALL)")
    if selector != ALL and not any(code.startswith(selector) for code in known):
        raise SelectionError(f"{option}: {selector!r} matches no rule (see `riskscan rules`)")


def path_matches(path: str, glob: str) -> bool:
    """Whether one glob (gitignore's semantics, riskscan.discover.globs) matches `path`; as in ruff's
    per-file-ignores, a leading `!` turns it around: every path the rest does not match."""
    if glob.startswith("!"):
        return not globs.matches(path, (glob[1:],))
    return globs.matches(path, (glob,))


def check_glob(option: str, glob: str) -> None:
    """`exclude` is one gitignore list (`!` takes back); elsewhere a glob stands alone (`!` negates)."""
    pattern = glob[1:] if option != "exclude" and glob.startswith("!") else glob
    trouble = "empty" if not pattern.strip() else globs.problem(pattern)
    if trouble is not None:
        raise SelectionError(f"{option}: {glob!r} is not a gitignore-style glob ({trouble})")


def _specificity(code: str, selectors: Iterable[str]) -> int:
    """The length of the longest selector that is a prefix of `code` (`ALL` counts 0), -1 if none."""
    best = -1
    for selector in selectors:
        if selector == ALL:
            best = max(best, 0)
        elif code.startswith(selector):
            best = max(best, len(selector))
    return best


def parse_per_path_ignore(value: str) -> tuple[str, tuple[str, ...]]:
    """`GLOB:CODES` (`tests/**:RS1,RS2`) as the glob and its codes."""
    glob, separator, codes = value.rpartition(":")
    if not separator or not glob or not codes.strip():
        raise SelectionError(f"--per-path-ignores: expected GLOB:CODES (tests/**:RS1,RS2), got {value!r}")
    return glob, tuple(code.strip() for code in codes.split(",") if code.strip())


def by_confidence(findings: Sequence[Finding], least: str) -> tuple[tuple[Finding, ...], tuple[Finding, ...]]:
    """`--min-confidence`: the path findings at least this sure, and the others as suppressed
    findings that say why. Hygiene findings are facts read directly; a solver's undecided result is
    not a guess about a label: both are always kept."""
    order = {name: index for index, name in enumerate(reversed(CONFIDENCES))}
    shown, hidden = [], []
    for finding in findings:
        if finding.kind == "path" and order[finding.confidence] < order[least]:
            reason = f"{BELOW_MIN_CONFIDENCE}: its confidence is {finding.confidence}, the least shown is {least}"
            hidden.append(replace(finding, suppression=Suppression("external", reason, Location("."))))
        else:
            shown.append(finding)
    return tuple(shown), tuple(hidden)

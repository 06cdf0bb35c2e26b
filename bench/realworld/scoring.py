"""Scoring a scan of a real project against the verdicts a reviewer wrote by reading its code.

An expectations file (bench/realworld/expectations/NAME.yaml) holds, for one pinned project, a
verdict on each finding riskscan reported (`true`, `false` or `disputed`, each with its reason)
and the dangerous paths a careful reviewer found that riskscan does not report (`missed`). A
finding is matched to its verdict by rule, place (`path:line` of the finding) and, when given, the
tools its path calls (`steps: "fetch -> send"`), so a verdict follows a finding across riskscan
versions as long as it is the same finding.

The numbers, per project and in total:
- precision: true path findings / path findings judged true or false (disputed ones are shown,
  not counted either way);
- recall: true path findings / (true path findings + the reviewer's known misses still missed);
- word-only, assumed: the path findings that rest on a label taken from hints alone (a step
  whose only evidence is the lexicon or MCP annotations), and those that rest on an unknown MCP server assumed to do
  the worst; high+ on words: those of them reported at high or critical;
- unreviewed: findings with no verdict yet. They make the run incomplete: read them and add one.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

VERDICTS = ("true", "false", "disputed")
WORD_EVIDENCE = frozenset({"lexicon", "annotation"})  # hints: words, and what MCP annotations say
ASSUMED_EVIDENCE = frozenset({"unknown-server"})


class ExpectationError(ValueError):
    pass


@dataclass(frozen=True)
class Verdict:
    rule: str
    at: str
    verdict: str
    why: str
    steps: str | None = None

    def matches(self, finding: dict) -> bool:
        return self.rule == finding_rule(finding) and self.at == finding_place(finding) and (
            self.steps is None or self.steps == finding_steps(finding))


@dataclass(frozen=True)
class Miss:
    rule: str
    at: str
    why: str

    def found_by(self, finding: dict) -> bool:
        return self.rule == finding_rule(finding) and self.at == finding_place(finding)


@dataclass
class Score:
    project: str
    findings: int = 0
    path_findings: int = 0
    true: int = 0
    false: int = 0
    disputed: int = 0
    path_true: int = 0
    path_false: int = 0
    known_misses: int = 0
    word_only: int = 0
    assumed: int = 0
    high_on_words: int = 0  # path findings at high or above that rest on words or an assumption
    unreviewed: list[str] = field(default_factory=list)
    false_findings: list[str] = field(default_factory=list)
    now_found: list[str] = field(default_factory=list)  # known misses that a finding now matches
    unused: list[str] = field(default_factory=list)  # verdicts no finding matched any more

    @property
    def precision(self) -> float | None:
        judged = self.path_true + self.path_false
        return self.path_true / judged if judged else None

    @property
    def recall(self) -> float | None:
        wanted = self.path_true + self.known_misses
        return self.path_true / wanted if wanted else None

    def add(self, other: "Score") -> None:
        for item in fields(self):
            if item.name != "project":
                setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))


def finding_rule(finding: dict) -> str:
    return finding["rule_id"]


def finding_place(finding: dict) -> str:
    location = finding["location"]
    return f"{location['path']}:{location['line']}" if location.get("line") else location["path"]


def finding_steps(finding: dict) -> str:
    return " -> ".join(step["tool"] for step in finding.get("steps", ()) if step["kind"] == "call")


def evidence_basis(finding: dict) -> str:
    """`words`, `assumed` or `evidence`: what the weakest call step of a path finding rests on."""
    kinds_per_step = [{e["kind"] for e in step.get("evidence", ())} for step in finding.get("steps", ()) if step["kind"] == "call"]
    if any(kinds and kinds <= ASSUMED_EVIDENCE for kinds in kinds_per_step):
        return "assumed"
    if any(kinds and kinds <= WORD_EVIDENCE | ASSUMED_EVIDENCE for kinds in kinds_per_step):
        return "words"
    return "evidence"


def describe(finding: dict) -> str:
    steps = finding_steps(finding)
    return f"{finding_rule(finding)} at {finding_place(finding)}" + (f' (steps: "{steps}")' if steps else "") + f" [{finding['severity']}]"


def parse_expectations(document: object, source: str) -> tuple[list[Verdict], list[Miss]]:
    if not isinstance(document, dict):
        raise ExpectationError(f"{source}: expected a mapping with `findings` and `missed`")
    verdicts, misses = [], []
    for index, entry in enumerate(document.get("findings") or ()):
        where = f"{source}: findings[{index}]"
        if not isinstance(entry, dict) or not {"rule", "at", "verdict", "why"} <= entry.keys():
            raise ExpectationError(f"{where}: needs rule, at, verdict and why")
        verdict = {True: "true", False: "false"}.get(entry["verdict"], entry["verdict"])  # YAML reads a bare true as a boolean
        if verdict not in VERDICTS:
            raise ExpectationError(f"{where}: verdict must be one of {', '.join(VERDICTS)}, not {entry['verdict']!r}")
        verdicts.append(Verdict(str(entry["rule"]), str(entry["at"]), verdict, str(entry["why"]),
                                None if entry.get("steps") is None else str(entry["steps"])))
    for index, entry in enumerate(document.get("missed") or ()):
        if not isinstance(entry, dict) or not {"rule", "at", "why"} <= entry.keys():
            raise ExpectationError(f"{source}: missed[{index}]: needs rule, at and why")
        misses.append(Miss(str(entry["rule"]), str(entry["at"]), str(entry["why"])))
    return verdicts, misses


def score(project: str, report: dict, verdicts: list[Verdict], misses: list[Miss]) -> Score:
    result = Score(project)
    used: set[int] = set()
    findings = [f for f in report["findings"] if not f.get("suppressed")]
    for finding in findings:
        result.findings += 1
        is_path = finding["kind"] == "path"
        result.path_findings += is_path
        if is_path:
            basis = evidence_basis(finding)
            result.word_only += basis == "words"
            result.assumed += basis == "assumed"
            result.high_on_words += basis != "evidence" and finding["severity"] in ("critical", "high")
        matched = next((i for i, v in enumerate(verdicts) if v.matches(finding)), None)
        if matched is None:
            result.unreviewed.append(describe(finding))
            continue
        used.add(matched)
        verdict = verdicts[matched].verdict
        setattr(result, verdict, getattr(result, verdict) + 1)
        if is_path and verdict == "true":
            result.path_true += 1
        elif is_path and verdict == "false":
            result.path_false += 1
        if verdict == "false":
            result.false_findings.append(f"{describe(finding)}: {verdicts[matched].why}")
    for miss in misses:
        if any(miss.found_by(f) for f in findings):
            result.now_found.append(f"{miss.rule} at {miss.at}: {miss.why}")
        else:
            result.known_misses += 1
    result.unused = [f"{v.rule} at {v.at}" + (f' (steps: "{v.steps}")' if v.steps else "")
                     for i, v in enumerate(verdicts) if i not in used]
    return result


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f} %"


COLUMNS = ("project", "findings", "path", "true", "false", "disputed", "known misses", "precision", "recall",
           "word-only", "assumed", "high+ on words", "unreviewed")


def row(score: Score) -> tuple[str, ...]:
    return (score.project, str(score.findings), str(score.path_findings), str(score.true), str(score.false),
            str(score.disputed), str(score.known_misses), _percent(score.precision), _percent(score.recall),
            str(score.word_only), str(score.assumed), str(score.high_on_words), str(len(score.unreviewed)))


def table(scores: list[Score], markdown: bool = False) -> str:
    total = Score("total")
    for s in scores:
        total.add(s)
    rows = [COLUMNS, *(row(s) for s in scores), row(total)]
    if markdown:
        lines = ["| " + " | ".join(rows[0]) + " |", "|" + "|".join(" --- " for _ in COLUMNS) + "|"]
        lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
        return "\n".join(lines) + "\n"
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS))]
    return "\n".join("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(r, widths)))
                     for r in rows) + "\n"

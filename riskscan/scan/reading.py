"""Read the project: which files to read, in which processes, from the cache or afresh.

Most Python files of a project declare no agent, tool or server; they matter only when a
declaration elsewhere refers to them. So files are read in rounds:

1. every non-Python file, and every Python file the survey (extract/python/survey.py) says
   declares something (or that the standard parser cannot read, so that its error is reported);
2. the model is built from what was read, noting the names it looked up in vain
   (`references.Asked`); the files that may define those names are read, and the model is built
   again, until it asks for nothing unread.

The result is the model a reading of every file would give, as long as the survey finds every
declaring file (tests/scan/test_reading.py compares both over every fixture). Extraction runs in a
pool of worker processes when there is enough to read, and every result is kept in the cache
(riskscan/cache/) under a hash of the file's content.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from riskscan import __version__, model
from riskscan import cache as _cache
from riskscan.cache import Cache, digest_of, entry_key
from riskscan.extract import extract_data, failed, is_binary
from riskscan.extract.python.focus import Span
from riskscan.extract.python.survey import UNREAD_FRAMEWORK, unread_notes
from riskscan.model.references import Asked
from riskscan.rulesets import Rulesets
from riskscan.scan.import_roots import import_aliases, renamed
from riskscan.secrets.facts import redacted
from riskscan.types import Config, Discovery, Facts, SourceFile, SystemModel

# progress(stage, done, total): "surveying" per Python file surveyed, "reading" per file read
# (the total grows with each round); called in this process as the workers' results arrive
Progress = Callable[[str, int, int], None]
POOL_THRESHOLD = 16  # fewer files than this are read in this process: starting workers costs more


@dataclass
class _File:
    source: SourceFile
    data: bytes = b""
    key: str = ""
    facts: Facts | None = None
    survey: frozenset[str] | None = None
    left_out: tuple[Span, ...] = ()  # definitions the first reading of a declaring file skips
    partial: bool = False  # facts read with `left_out` blanked
    names: frozenset[str] | None = None  # of a file the model asked names of: read those, and what they need
    renamed: tuple[Facts, Facts] | None = None  # (facts, the same with names from the file's import roots)


@dataclass
class Reading:
    facts: tuple[Facts, ...]  # in discovery order; files not needed are empty placeholders
    system: SystemModel
    read: int = 0  # files extracted afresh
    cached: int = 0  # files whose facts came from the cache
    skipped: int = 0  # Python files no declaration needed
    rounds: int = 0
    cache: Cache | None = None  # the cache it read through: what it discarded, whether it was trusted


def worker_count(config: Config) -> int:
    if config.workers:
        return config.workers
    try:
        available = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        available = os.cpu_count() or 1
    return max(1, min(available, 8))


def read(found: Discovery, rulesets: Rulesets, config: Config, progress: Progress | None = None) -> Reading:
    cache = _cache.opened(config, found.root, __version__, rulesets.digest)
    reader = _Reader(found, rulesets, cache, worker_count(config), config.read_all, progress, source_roots=config.source_roots)
    try:
        return reader.run()
    finally:
        reader.close()


@dataclass
class _Reader:
    found: Discovery
    rulesets: Rulesets
    cache: Cache | None
    workers: int
    everything: bool
    progress: Progress | None
    files: list[_File] = field(default_factory=list)
    pool: Executor | None = None
    extracted: int = 0
    cached: int = 0
    aliases: dict[str, dict[str, str]] | None = None  # path -> names its imports take from its own roots
    source_roots: tuple[str, ...] = ()  # the roots every file's imports come from, when given
    to_read: int = 0  # files handed to `_extract` so far: the total the progress of reading shows
    done_reading: int = 0

    def run(self) -> Reading:
        root = Path(self.found.root)
        for source in self.found.files:
            entry = _File(source)
            try:
                entry.data = (root / source.path).read_bytes()
            except OSError as error:
                entry.facts = failed(source, "unreadable", f"cannot read: {error.strerror}")
            else:
                entry.key = entry_key(source.kind, source.path, source.module, entry.data)
                entry.facts = self.cache.get("facts", entry.key) if self.cache else None
            self.files.append(entry)
        self.cached = sum(1 for f in self.files if f.facts is not None and f.key)
        self._survey([f for f in self.files if f.facts is None and f.source.kind == "python"])
        first = [f for f in self.files if f.facts is None and self._needed_first(f)]
        for entry in first:
            entry.partial = bool(entry.left_out) and not self.everything
        self._extract(first)
        rounds = 1
        while True:
            asked = Asked()
            system = model.build(self.found.root, self._facts(), self.rulesets, asked)
            wanted = self._wanted(asked)
            if not wanted:
                break
            self._extract(wanted)
            rounds += 1
        skipped = sum(1 for f in self.files if f.facts is None)
        return Reading(self._facts(), system, self.extracted, self.cached, skipped, rounds, self.cache)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()

    # --- what to read ---------------------------------------------------------------------------

    def _needed_first(self, entry: _File) -> bool:
        if self.everything or entry.source.kind != "python" or is_binary(entry.data):
            return True
        return any(kind != "dispatches" and not kind.startswith(UNREAD_FRAMEWORK) for kind in entry.survey or ())

    def _wanted(self, asked: Asked) -> list[_File]:
        """The files that may hold what the model asked for: unread ones are read for the names
        asked of them (`_File.names`), or in full; one read in part, in full, when what was asked
        lies in a definition it left out."""
        unread = [f for f in self.files if f.facts is None or f.partial]
        if not unread:
            return []
        by_module = {f.source.module: f for f in unread if f.source.module}
        wanted: dict[str, _File] = {}
        names: dict[str, set[str]] = {}
        whole: set[str] = set()
        for name in asked.names:
            if not isinstance(name, str):
                continue
            parts = name.split(".")
            for end in range(1, len(parts) + 1):
                entry = by_module.get(".".join(parts[:end]))
                if entry is None:
                    continue
                path, rest = entry.source.path, parts[end:]
                if entry.facts is None:
                    wanted[path] = entry
                    if rest:
                        names.setdefault(path, set()).add(rest[0])
                    else:
                        whole.add(path)
                elif _left_out(entry, rest):
                    wanted[path] = entry
                    whole.add(path)
        for module in asked.modules:
            for name, entry in by_module.items():
                if name == module or name.startswith(module + "."):
                    wanted[entry.source.path] = entry
                    whole.add(entry.source.path)
        for tool_name in asked.dispatches:
            if not isinstance(tool_name, str) or not tool_name.strip():
                continue
            # a table or a branch that dispatches a tool names it in a string literal
            quoted = tuple(f"{quote}{tool_name}{quote}".encode("utf-8", "surrogateescape") for quote in "\"'")
            for entry in unread:
                text = _left_out_text(entry) if entry.partial else entry.data
                if tool_name == "*" and entry.survey and "dispatches" in entry.survey:
                    wanted[entry.source.path] = entry
                    whole.add(entry.source.path)
                elif tool_name != "*" and any(quoted_name in text for quoted_name in quoted):
                    wanted[entry.source.path] = entry
                    whole.add(entry.source.path)
        for function in asked.callers:  # a helper's parameter: the files that may call it
            calls = _call_pattern(function)
            for entry in unread:
                if calls.search(_left_out_text(entry) if entry.partial else entry.data):
                    wanted[entry.source.path] = entry
                    whole.add(entry.source.path)
        for path, entry in wanted.items():
            partial_first = entry.facts is None and path not in whole and not self.everything
            entry.names = frozenset(names[path]) if partial_first and path in names else None
        return [wanted[path] for path in sorted(wanted)]

    def _facts(self) -> tuple[Facts, ...]:
        if self.aliases is None:
            self.aliases = import_aliases(Path(self.found.root), self.found.files, self.source_roots)
        found = []
        for entry in self.files:
            if entry.facts is None:
                found.append(Facts(entry.source.path, entry.source.kind, entry.source.module, diagnostics=unread_notes(entry.source.path, entry.survey)))
                continue
            if entry.renamed is None or entry.renamed[0] is not entry.facts:  # facts named from the file's import roots
                facts = renamed(entry.facts, self.aliases.get(entry.source.path))
                entry.renamed = (entry.facts, replace(facts, diagnostics=(*facts.diagnostics, *unread_notes(entry.source.path, entry.survey))))
            found.append(entry.renamed[1])
        return tuple(found)

    # --- reading, in this process or in the pool --------------------------------------------------

    def _survey(self, entries: Sequence[_File]) -> None:
        todo = []
        for entry in entries:
            known = self.cache.get("survey", entry.key) if self.cache else None
            if known is None:
                todo.append(entry)
            else:
                entry.survey, entry.left_out = known
        if not todo:
            return
        self._report("surveying", 0, len(todo))
        _WORKER["triggers"] = self._triggers()
        jobs = [(e.source, e.data) for e in todo]
        surveyed = self._map(_survey_job, jobs, lambda done: self._report("surveying", done, len(todo)))
        for entry, result in zip(todo, surveyed):
            entry.survey, entry.left_out = result
            if self.cache:
                self.cache.put("survey", entry.key, result)

    def _extract(self, entries: Sequence[_File]) -> None:
        """Read `entries`: a declaring file not yet read without the definitions the survey left
        out, a file asked for names only for them, any other in full; from the cache if it can."""
        todo, jobs, sections = [], [], []
        self.to_read += len(entries)
        for entry in entries:
            if entry.facts is None and entry.partial:
                section, key, job = "focused", entry.key, (entry.source, entry.data, entry.left_out, None)
            elif entry.facts is None and entry.names:
                section, key = "named", digest_of(entry.key, tuple(sorted(entry.names)))
                job = (entry.source, entry.data, (), entry.names)
            else:
                section, key, job = "facts", entry.key, (entry.source, entry.data, (), None)
            known = self.cache.get(section, key) if self.cache and entry.key else None
            if known is not None:
                self._read(entry, section, known)
                self.cached += 1
                self._done_reading()
                continue
            todo.append(entry)
            jobs.append(job)
            sections.append((section, key))
        for entry, (section, key), result in zip(todo, sections, self._map(_extract_job, jobs, lambda _: self._done_reading())):
            if section == "named" and not result[1]:  # nothing left out: the file was read in full
                section, key = "facts", entry.key
            value = result[0] if section != "named" else result
            self._read(entry, section, value)
            self.extracted += 1
            if self.cache and entry.key:
                self.cache.put(section, key, value)

    @staticmethod
    def _read(entry: _File, section: str, value) -> None:
        if section == "named":
            entry.facts, entry.left_out = value
            entry.partial = bool(entry.left_out)
        else:
            entry.facts, entry.partial = value, section == "focused"
        entry.names = None

    def _triggers(self):
        """The adapters' triggers; they load libcst, so a run that reads no file in full takes
        them from the cache."""
        from riskscan.extract.python.survey import Triggers

        key = self.rulesets.digest
        parts = self.cache.get("triggers", key) if self.cache else None
        if parts is None:
            from riskscan.extract.python.adapters import triggers

            found = triggers(frozenset(self.rulesets.builtin_index()))
            parts = (tuple(sorted(found.names)), tuple(sorted(found.methods)), found.suffixes,
                     tuple(sorted(found.dict_types)), tuple(sorted(found.dict_keys)), tuple(sorted(found.keywords)))
            if self.cache:
                self.cache.put("triggers", key, parts)
        names, methods, suffixes, dict_types, dict_keys, keywords = parts
        return Triggers(frozenset(names), frozenset(methods), tuple(suffixes), frozenset(dict_types), frozenset(dict_keys), frozenset(keywords)).with_words()

    def _map(self, job, items: list, finished: Callable[[int], None] = lambda done: None) -> list:
        """`job` of every item, in order; `finished(n)` is called here as the n-th result arrives."""
        if self.workers < 2 or len(items) < POOL_THRESHOLD:
            _start_worker(self.rulesets)
            results = []
            for item in items:
                results.append(job(item))
                finished(len(results))
            return results
        if self.pool is None:
            self.pool = _pool(self.workers, self.rulesets)
        if job is _survey_job:  # cheap and many: in chunks
            chunk = max(1, min(32, len(items) // (self.workers * 4)))
            order, arriving = list(range(len(items))), self.pool.map(job, items, chunksize=chunk)
        else:
            # the largest files first, one at a time, so that no worker is left with a long one at the end
            order = sorted(range(len(items)), key=lambda i: -len(items[i][1]))
            arriving = self.pool.map(job, [items[i] for i in order])
        results: list = [None] * len(items)
        for done, (position, result) in enumerate(zip(order, arriving), start=1):
            results[position] = result
            finished(done)
        return results

    def _done_reading(self) -> None:
        self.done_reading += 1
        self._report("reading", self.done_reading, self.to_read)

    def _report(self, stage: str, done: int, total: int) -> None:
        if self.progress:
            self.progress(stage, done, total)


# --- the worker side: module state set once per process ----------------------------------------

_WORKER: dict[str, object] = {}


def _start_worker(rulesets: Rulesets, triggers=None) -> None:
    _WORKER["rulesets"] = rulesets
    if triggers is not None:
        _WORKER["triggers"] = triggers


def _pool(workers: int, rulesets: Rulesets) -> Executor:
    import multiprocessing

    # fork shares the loaded rulesets and modules at no cost; macOS and Windows spawn (and load them)
    method = "fork" if sys.platform.startswith("linux") else "spawn"
    context = multiprocessing.get_context(method)
    return ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker, initargs=(rulesets, _WORKER.get("triggers")))


def _survey_job(item: tuple[SourceFile, bytes]) -> tuple[frozenset[str], tuple[Span, ...]]:
    from riskscan.extract.python.survey import look

    source, data = item
    module = source.module or ""
    package = module if source.path.endswith("__init__.py") else module.rpartition(".")[0]
    return look(data, module, package, _WORKER["triggers"])  # type: ignore[arg-type]


def _extract_job(item: tuple[SourceFile, bytes, tuple[Span, ...], frozenset[str] | None]) -> tuple[Facts, tuple[Span, ...]]:
    """The facts of a file, without `left_out`, or without what the `names` asked of it do not need."""
    source, data, left_out, names = item
    if names:
        from riskscan.extract.python.focus import needless_for

        left_out = needless_for(data, names)
    if left_out:
        from riskscan.extract.python.focus import blank

        data = blank(data, left_out)
    return redacted(extract_data(source, data, _WORKER["rulesets"]), _WORKER["rulesets"]), left_out  # type: ignore[arg-type]


def _left_out(entry: _File, rest: list[str]) -> bool:
    """Whether a name below the entry's module (`rest`: ["C", "m", ...]) lies in a definition its
    partial reading left out."""
    names = {name for _, _, name in entry.left_out}
    return bool(rest) and (rest[0] in names or ".".join(rest[:2]) in names)


def _call_pattern(function: str) -> re.Pattern[bytes]:
    """What a call of `function` looks like in a file's text: its name (its class's, for
    `__init__`) and an opening parenthesis, called plainly or on its module (`factory.make(`), or on
    any object when it is a method; not its definition."""
    parts = [part.encode("utf-8", "surrogateescape") for part in function.split(".")]
    if parts[-1] == b"__init__" and len(parts) > 1:
        parts = parts[:-1]
    name = re.escape(parts[-1])
    found = [rb"(?<![\w.])(?<!def )(?<!class )" + name + rb"\s*\("]
    if len(parts) > 1:
        owner = parts[-2]
        found.append(rb"\." + name + rb"\s*\(" if owner[:1].isupper() else rb"\b" + re.escape(owner) + rb"\s*\.\s*" + name + rb"\s*\(")
    return re.compile(b"|".join(found))


def _left_out_text(entry: _File) -> bytes:
    lines = entry.data.splitlines(keepends=True)
    return b"".join(b"".join(lines[first - 1 : last]) for first, last, _ in entry.left_out)



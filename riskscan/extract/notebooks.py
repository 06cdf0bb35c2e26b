"""Jupyter notebooks (`.ipynb`): the code cells read as one Python module, every place mapped back
to the notebook's cell and line.

The design: a notebook is turned once into Python source and a line map (`python_source`), the
Python extractor reads that source as it reads any file, and every Location of the facts it
returns is mapped back (`mapped`) before the facts leave this module. Nothing downstream knows a
notebook was read, except that its Locations carry a `cell` and a `file_line` (riskscan.types
Location), which each report spells in its own way. The cache keys the notebook's own bytes, so it
keeps working unchanged.

The generated source has one line for each line of each code cell, in order, so that a line of it
is a cell and a line of that cell, with the same column: lines are never inserted or removed,
only blanked. What is not Python is blanked:
- IPython's line magics and shell escapes: a line whose first non-space character is `%` or `!`
  (`%pip install ...`, `!ls`), a line that assigns one (`files = !ls`), a help line (`obj?`,
  `?obj`). The line becomes `pass` at its own indentation (a block whose only statement was
  `!pip install x` stays a block); the lines it continues onto with a final `\\`, empty lines.
  Only at the start of a statement: a `%` or `!` that begins a line inside a string or inside
  brackets is Python's own, and stays.
- a cell that starts with a cell magic (`%%bash`, `%%writefile`, `%%html`, ...) is in another
  language, and is blanked whole, except `%%time`, `%%timeit`, `%%capture` and `%%prun`, whose
  body is Python (only the magic's line is blanked).
- a cell that still does not parse is blanked and named in a warning: Jupyter compiles each cell
  by itself, and one broken cell must not hide the rest of the notebook.
Top-level `await` (Jupyter runs it) parses as it is.

The notebook is parsed with the standard json module (nbformat 4: `cells[].cell_type`, `source`
a string or a list of strings) and nothing in it is ever run. json gives no positions, so its
scanner is given a string hook (`_placed_loads`) that notes where each string starts, which gives
each line its `file_line`. A file that is not a notebook (not JSON, no `cells` list) is an error
diagnostic naming the file, never a crash; a cell whose source is not text, a warning naming the
cell; a notebook whose kernel runs another language (R, Julia), an info diagnostic and no facts.

Cells are numbered as ruff and the nbformat list number them: every cell, markdown ones included,
from 1. The module's name is the one discover gives a Python file at the notebook's path
(`notebooks/demo.ipynb` is `notebooks.demo`): nothing imports a notebook, and a jupytext pair
(`demo.py` beside `demo.ipynb`) then names its definitions alike, so they are not counted twice.
"""

from __future__ import annotations

import ast
import bisect
import json
import re
import warnings
from dataclasses import dataclass, fields, is_dataclass, replace

from riskscan.discover import module_name
from riskscan.rulesets import Rulesets
from riskscan.types import Check, Diagnostic, Facts, Location, SourceFile

KIND = "notebook"
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun"})  # cell magics whose body is Python

_LINE_END = re.compile(r"\r\n|\r|\n")  # Python's line ends (str.splitlines also splits at \f, \u2028, ...)
_ASSIGNED_ESCAPE = re.compile(r"[A-Za-z_][\w.]*(\s*,\s*[A-Za-z_][\w.]*)*\s*=\s*[!%]")  # files = !ls
_HELP = re.compile(r"\?{1,2}[\w.]+|[\w.]+\?{1,2}")  # ?obj, obj??
_CODING = re.compile(r"[ \t\f]*#.*?coding[:=]")  # an encoding declaration (PEP 263)
_AT_LINE = re.compile(r"\bat line (\d+)|\blines (\d+)-(\d+)")


@dataclass(frozen=True)
class SourceLine:
    """Where a line of the generated source comes from."""

    cell: int  # 1-based, among all the notebook's cells
    line: int  # 1-based, within the cell's source
    file_line: int  # 1-based, in the notebook file's text; 0 when not known


@dataclass(frozen=True)
class PythonSource:
    """A notebook as one Python module: its source (UTF-8), where each line of it comes from, and
    what could not be read (cells blanked)."""

    source: bytes
    lines: tuple[SourceLine, ...]
    diagnostics: tuple[Diagnostic, ...] = ()

    def location(self, path: str, line: int, column: int = 0) -> Location:
        """The notebook's place for `line` and `column` of the generated source (the file for
        line 0, or a line past the end)."""
        if not 1 <= line <= len(self.lines):
            return Location(path)
        where = self.lines[line - 1]
        return Location(path, where.line, column, cell=where.cell, file_line=where.file_line)


def extract(data: bytes, source: SourceFile, rulesets: Rulesets) -> Facts:
    from riskscan.extract import python

    module = source.module or module_name(source.path)
    converted = python_source(source.path, data)
    if isinstance(converted, Diagnostic):
        return Facts(source.path, KIND, module, diagnostics=(converted,))
    if not converted.lines:  # no code, or not Python
        return Facts(source.path, KIND, module, diagnostics=converted.diagnostics)
    facts = python.extract(converted.source, replace(source, kind=python.KIND, module=module), rulesets)
    facts = mapped(facts, converted, source.path)
    return replace(facts, kind=KIND, diagnostics=tuple(sorted({*facts.diagnostics, *converted.diagnostics})))


def mapped(value, converted: PythonSource, path: str):
    """`value` (facts, or any value of them) with every Location in the generated source of the
    notebook at `path` replaced by the notebook's own place, and the line numbers that diagnostics
    and argument checks name in their text with it."""
    if isinstance(value, Location):
        return converted.location(path, value.line, value.column) if value.path == path and not value.cell else value
    if isinstance(value, Diagnostic):
        return replace(value, location=mapped(value.location, converted, path), message=_mapped_message(value.message, converted))
    if isinstance(value, Check) and "line" in value.source:  # `x` is rebound at line 57 before the call
        value = replace(value, source=_mapped_message(value.source, converted))
    if isinstance(value, tuple):
        return tuple(mapped(item, converted, path) for item in value)
    if isinstance(value, frozenset):
        return frozenset(mapped(item, converted, path) for item in value)
    if is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for item in fields(value):
            if item.init:
                old = getattr(value, item.name)
                new = mapped(old, converted, path)
                if new is not old:
                    changes[item.name] = new
        return replace(value, **changes) if changes else value
    return value


def _mapped_message(message: str, converted: PythonSource) -> str:
    """`at line 57` as `at cell 4, line 12`; `lines 50-57` as `cell 4, lines 5-12`."""

    def replaced(match: re.Match) -> str:
        if match.group(1):
            where = converted.location("", int(match.group(1)))
            return f"at cell {where.cell}, line {where.line}" if where.cell else match.group()
        first, last = (converted.location("", int(match.group(group))) for group in (2, 3))
        if not (first.cell and last.cell):
            return match.group()
        if last.cell == first.cell:
            return f"cell {first.cell}, lines {first.line}-{last.line}"
        return f"lines from cell {first.cell}, line {first.line} to cell {last.cell}, line {last.line}"

    return _AT_LINE.sub(replaced, message)


# --- the notebook as Python -------------------------------------------------------------------


def python_source(path: str, data: bytes) -> PythonSource | Diagnostic:
    """The code cells of the notebook `data` as one Python module, or the error diagnostic that
    says why the file is not a notebook riskscan can read."""
    try:
        text = data.decode(json.detect_encoding(data))
    except (UnicodeDecodeError, LookupError) as error:
        return _not_a_notebook(path, f"the file is not JSON text ({error})")
    text = text.removeprefix("\ufeff")
    try:
        document = _placed_loads(text)
    except json.JSONDecodeError as error:
        return _not_a_notebook(path, f"invalid JSON: {error.msg}", error.lineno, error.colno)
    except RecursionError:
        return _not_a_notebook(path, "JSON nested too deeply to read")
    if not isinstance(document, dict) or not isinstance(document.get("cells"), list):
        older = isinstance(document, dict) and "worksheets" in document
        return _not_a_notebook(path, "an nbformat 3 notebook (worksheets); riskscan reads nbformat 4" if older
                               else "no `cells` list at the top of the file")
    language = _language(document)
    # python3, ipython3 are Python; Coconut is a superset of it (a cell in Coconut's own syntax is
    # blanked, as any cell that does not parse)
    if language and not language.startswith(("python", "ipython", "pypy", "coconut")):
        return PythonSource(b"", (), (Diagnostic(Location(path), "notebook-language",
                                                 f"a notebook in {language}, not Python; its cells are not read", "info"),))
    line_starts = [0, *(match.end() for match in re.finditer("\n", text))]
    lines: list[str] = []
    origins: list[SourceLine] = []
    diagnostics: list[Diagnostic] = []
    for index, cell in enumerate(document["cells"]):
        number = index + 1
        if not isinstance(cell, dict):
            diagnostics.append(Diagnostic(Location(path, cell=number), "notebook-cell", f"cell {number} is not a JSON object; not read", "warning"))
            continue
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        parts = [source] if isinstance(source, str) else source
        if not isinstance(parts, list) or not all(isinstance(part, str) for part in parts):
            diagnostics.append(Diagnostic(Location(path, cell=number), "notebook-cell",
                                          f"cell {number}: its source is neither a string nor a list of strings; not read", "warning"))
            continue
        places = [bisect.bisect_right(line_starts, getattr(part, "offset", -1)) for part in parts]  # 0: not known
        cell_lines, starts = _split(parts)
        python, problem = _python_lines(cell_lines)
        if problem is not None:
            line, message = problem
            where = Location(path, line, cell=number, file_line=_file_line(starts, places, line))
            diagnostics.append(Diagnostic(where, "parse-error", f"cell {number} is not Python ({message}); not read", "warning"))
        for line_number, text_line in enumerate(python, start=1):
            lines.append(text_line)
            origins.append(SourceLine(number, line_number, _file_line(starts, places, line_number)))
    for early in range(min(2, len(lines))):  # a cell's `# coding: latin-1` must not decide how the module is decoded
        if _CODING.match(lines[early]):
            lines[early] = _ending(lines[early])
    return PythonSource("".join(lines).encode("utf-8", "surrogatepass"), tuple(origins), tuple(diagnostics))


def _not_a_notebook(path: str, why: str, line: int = 0, column: int = 0) -> Diagnostic:
    return Diagnostic(Location(path, line, column), "parse-error", f"not a Jupyter notebook riskscan can read: {why}", "error")


def _language(document: dict) -> str:
    """The notebook's language, lower case, as its metadata says; '' when it does not say."""
    metadata = document.get("metadata")
    if not isinstance(metadata, dict):
        return ""
    for key, name in (("language_info", "name"), ("kernelspec", "language")):
        entry = metadata.get(key)
        if isinstance(entry, dict) and isinstance(entry.get(name), str) and entry[name].strip():
            return entry[name].strip().lower()
    return ""


def _split(parts: list[str]) -> tuple[list[str], list[int]]:
    """The cell's lines (each with its line end, the last one given one), and for each the index of
    the source string it starts in."""
    text = "".join(parts)
    boundaries = [0]
    for part in parts[:-1]:
        boundaries.append(boundaries[-1] + len(part))
    lines: list[str] = []
    starts: list[int] = []
    start = 0
    for match in [*_LINE_END.finditer(text), None]:
        end = match.end() if match else len(text)
        if match is None and start == end:
            break
        lines.append(text[start:end] if match else text[start:end] + "\n")
        starts.append(bisect.bisect_right(boundaries, start) - 1)
        start = end
    return lines, starts


def _file_line(starts: list[int], places: list[int], line: int) -> int:
    """The notebook file's line holding the cell's `line` (1-based): the line of the source string
    it starts in (a string is on one line of the file: JSON writes a newline as `\\n`)."""
    if not 1 <= line <= len(starts):
        return places[0] if places else 0
    return places[starts[line - 1]] if starts[line - 1] < len(places) else 0


def _python_lines(lines: list[str]) -> tuple[list[str], tuple[int, str] | None]:
    """The cell's lines with what is not Python blanked, and (line, message) when the result still
    does not parse (then every line is blank). A magic becomes `pass` at its indentation, or, when
    that indentation is not one the cell allows (`  !ls` at the top), an empty line."""
    blank = [_ending(line) for line in lines]
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    start = 0
    if first is not None and lines[first].lstrip().startswith("%%"):
        name = (lines[first].lstrip()[2:].split(None, 1) or [""])[0]
        if name not in PYTHON_CELL_MAGICS:
            return blank, None
        start = first + 1
    escapes = [first] if start else []
    continued_escapes = []
    quote, depth, continued, escaped = "", 0, False, False
    for i in range(start, len(lines)):
        line = lines[i]
        if escaped:  # the magic's line ended with a backslash: this line is still the magic
            continued_escapes.append(i)
            escaped = line.rstrip("\r\n").endswith("\\")
        elif not quote and not depth and not continued and _is_escape(line):
            escapes.append(i)
            escaped = line.rstrip("\r\n").endswith("\\")
        else:
            quote, depth, continued = _after(line, quote, depth)
    problem: tuple[int, str] = (0, "")
    for filler in (_passed, _ending):
        out = list(lines)
        for i in escapes:
            out[i] = filler(lines[i])
        for i in continued_escapes:
            out[i] = _ending(lines[i])
        problem = _parse_problem("".join(out))
        if not problem[1]:
            return out, None
    return blank, problem


def _parse_problem(code: str) -> tuple[int, str]:
    """(line, message) of the first syntax error of `code`; (0, '') when it parses."""
    try:
        with warnings.catch_warnings():  # the notebook's invalid escapes are not ours to print
            warnings.simplefilter("ignore")
            ast.parse(code)
    except SyntaxError as error:
        return error.lineno or 0, error.msg or "syntax error"
    except (ValueError, RecursionError, MemoryError) as error:
        return 0, type(error).__name__
    return 0, ""


def _is_escape(line: str) -> bool:
    """An IPython line that is not Python: a magic, a shell escape, one assigned, a help request."""
    code = line.strip()
    if not code:
        return False
    return code[0] in "%!?" or bool(_ASSIGNED_ESCAPE.match(code)) or bool(_HELP.fullmatch(code))


def _after(line: str, quote: str, depth: int) -> tuple[str, int, bool]:
    """After `line`, begun inside the string opened by `quote` ('' for none) at bracket `depth`:
    the string still open (a triple quote, or a quote a final backslash continues), the depth, and
    whether a final backslash continues the statement. Enough of Python's tokenizer to tell
    whether the next line starts a statement."""
    body = line.rstrip("\r\n")
    i, n = 0, len(body)
    while i < n:
        char = body[i]
        if quote:
            if char == "\\":
                i += 2
            elif body.startswith(quote, i):
                i += len(quote)
                quote = ""
            else:
                i += 1
            continue
        if char == "#":
            return "", depth, False
        if char in "\"'":
            quote = char * 3 if body.startswith(char * 3, i) else char
            i += len(quote)
            continue
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth = max(0, depth - 1)
        i += 1
    if len(quote) == 1 and not body.endswith("\\"):
        quote = ""  # a one-line string left open: a syntax error, the parse says so
    return quote, depth, not quote and body.endswith("\\")


def _passed(line: str) -> str:
    indent = line[: len(line) - len(line.lstrip(" \t\f"))]
    return indent + "pass" + _ending(line)


def _ending(line: str) -> str:
    match = _LINE_END.search(line)
    return match.group() if match else "\n"


# --- where the source strings are in the file ------------------------------------------------


class _Placed(str):
    """A string of the notebook's JSON that knows where its opening quote is in the text."""

    offset = 0


def _placed_loads(text: str):
    """`json.loads(text)`, with every string value a `_Placed`: json's own pure-Python scanner
    (its C one takes no hook), whose strings are still read by json's C `scanstring`."""
    import json.scanner

    decoder = json.JSONDecoder()

    def parse_string(string: str, end: int, strict: bool = True):
        value, after = json.decoder.scanstring(string, end, strict)
        placed = _Placed(value)
        placed.offset = end - 1
        return placed, after

    decoder.parse_string = parse_string  # type: ignore[attr-defined]
    decoder.scan_once = json.scanner.py_make_scanner(decoder)  # type: ignore[attr-defined]
    return decoder.decode(text)

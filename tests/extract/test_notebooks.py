"""Jupyter notebooks read as Python (riskscan/extract/notebooks.py): the code cells as one module
with IPython's own lines blanked, each line of it mapped to its cell, its line in the cell and the
notebook file's line; a file that is not a notebook is a diagnostic naming it, never a crash."""

from __future__ import annotations

import json

import pytest

from riskscan.discover import discover
from riskscan.extract import extract_data
from riskscan.extract.notebooks import PythonSource, mapped, python_source
from riskscan.rulesets import load
from riskscan.types import Diagnostic, Location, SourceFile


@pytest.fixture(scope="module")
def rulesets():
    return load()


def notebook(*cells, metadata=None) -> bytes:
    """A notebook as nbformat writes one (indent 1, each source line a string of its own)."""
    def cell(spec):
        kind, text = spec if isinstance(spec, tuple) else ("code", spec)
        lines = text.split("\n")
        source = [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
        document = {"cell_type": kind, "metadata": {}, "source": source}
        if kind == "code":
            document.update(execution_count=None, outputs=[])
        return document

    document = {"cells": [cell(spec) for spec in cells], "metadata": metadata or {}, "nbformat": 4, "nbformat_minor": 5}
    return (json.dumps(document, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def converted(*cells) -> PythonSource:
    result = python_source("nb.ipynb", notebook(*cells))
    assert isinstance(result, PythonSource), result
    return result


def source_lines(result: PythonSource) -> list[str]:
    return result.source.decode("utf-8").split("\n")[:-1]


def places(result: PythonSource) -> list[tuple[int, int]]:
    return [(line.cell, line.line) for line in result.lines]


# --- the module and its line map ----------------------------------------------------------------


def test_the_code_cells_are_one_module_in_order_each_line_mapped_to_its_cell_and_line():
    result = converted(("markdown", "# Title\nprose"), "import os\nx = 1", ("markdown", "more"), "def f():\n    return x")
    assert source_lines(result) == ["import os", "x = 1", "def f():", "    return x"]
    # cells are counted as nbformat lists them: markdown ones too
    assert places(result) == [(2, 1), (2, 2), (4, 1), (4, 2)]
    assert result.location("nb.ipynb", 3, 5) == Location("nb.ipynb", 1, 5, cell=4, file_line=result.lines[2].file_line)
    assert result.location("nb.ipynb", 0) == Location("nb.ipynb")
    assert result.location("nb.ipynb", 99) == Location("nb.ipynb")


def test_each_line_s_file_line_is_the_line_of_the_notebook_text_that_holds_it():
    data = notebook(("markdown", "# A"), "import httpx\n\n\ndef fetch(url):\n    return httpx.get(url).text", 'print("é \\" done")')
    result = python_source("nb.ipynb", data)
    text = data.decode("utf-8").split("\n")
    generated = source_lines(result)
    for origin, line in zip(result.lines, generated):
        assert text[origin.file_line - 1].lstrip().startswith(json.dumps(line, ensure_ascii=False)[:-1])


def test_a_source_written_as_one_string_puts_every_line_on_that_string_s_line():
    document = {"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "source": "a = 1\nb = 2\n"}],
                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    data = json.dumps(document, indent=1).encode()
    result = python_source("nb.ipynb", data)
    string_line = next(n for n, line in enumerate(data.decode().split("\n"), start=1) if '"a = 1' in line)
    assert [(o.cell, o.line, o.file_line) for o in result.lines] == [(1, 1, string_line), (1, 2, string_line)]


def test_a_minified_notebook_is_all_on_line_one():
    document = {"cells": [{"cell_type": "code", "source": ["a = 1\n", "b = 2"]}], "nbformat": 4, "nbformat_minor": 5}
    result = python_source("nb.ipynb", json.dumps(document).encode())
    assert [(o.line, o.file_line) for o in result.lines] == [(1, 1), (2, 1)]
    assert source_lines(result) == ["a = 1", "b = 2"]


def test_the_line_map_survives_crlf_lines_and_a_bom():
    data = b"\xef\xbb\xbf" + notebook("a = 1\r\nb = 2\r\n").replace(b"\n", b"\r\n")
    result = python_source("nb.ipynb", data)
    assert places(result) == [(1, 1), (1, 2)]
    lines = data.decode("utf-8-sig").split("\r\n")
    assert [lines[o.file_line - 1].strip() for o in result.lines] == ['"a = 1\\r\\n",', '"b = 2\\r\\n"']
    assert source_lines(result) == ["a = 1\r", "b = 2\r"]  # the lines keep their own line ends


# --- IPython's lines blanked --------------------------------------------------------------------


def test_magics_and_shell_lines_are_blanked_keeping_every_line():
    result = converted("%pip install -q openai-agents\n!ls -la\nimport os\n%env KEY=1\nfiles = !ls\na, b = %sx ls\nos?\n??os.path\nx = 1")
    assert source_lines(result) == ["pass", "pass", "import os", "pass", "pass", "pass", "pass", "pass", "x = 1"]
    assert places(result) == [(1, n) for n in range(1, 10)]


def test_a_magic_indented_where_no_block_is_becomes_an_empty_line():
    result = converted("import os\n  !ls -la\nx = 1")
    assert source_lines(result) == ["import os", "", "x = 1"]
    assert not result.diagnostics


def test_a_shell_line_alone_in_a_block_leaves_a_block():
    result = converted('for name in ["a", "b"]:\n    !echo {name}\nprint("done")')
    assert source_lines(result) == ['for name in ["a", "b"]:', "    pass", 'print("done")']
    assert not result.diagnostics


def test_a_magic_continued_with_a_backslash_is_blanked_to_its_end():
    result = converted("!pip install \\\n    httpx \\\n    openai\nimport httpx")
    assert source_lines(result) == ["pass", "", "", "import httpx"]


def test_a_percent_or_bang_inside_a_string_or_brackets_is_python_s_own():
    code = 'TEXT = """\n% of users\n!important\n"""\ntotal = (10\n    % 3)\nflag = x \\\n    != y'
    result = converted(code)
    assert source_lines(result) == code.split("\n")
    assert not result.diagnostics


def test_a_cell_magic_in_another_language_blanks_the_cell_and_a_python_one_keeps_its_body():
    result = converted("%%bash\nls | wc -l", "%%writefile tools.py\ndef f(): pass", "\n%%time\nagent = make()", "%%capture out\nrun()")
    assert source_lines(result) == ["", "", "", "", "", "pass", "agent = make()", "pass", "run()"]
    assert places(result) == [(1, 1), (1, 2), (2, 1), (2, 2), (3, 1), (3, 2), (3, 3), (4, 1), (4, 2)]


def test_top_level_await_is_read_as_it_is():
    result = converted('result = await Runner.run(agent, "hi")\nasync for event in stream():\n    print(event)')
    assert source_lines(result)[0] == 'result = await Runner.run(agent, "hi")'
    assert not result.diagnostics


def test_a_cell_that_is_not_python_is_blanked_and_named_and_the_others_are_read():
    result = converted("x = 1", "def broken(:\n    pass", "y = 2")
    assert source_lines(result) == ["x = 1", "", "", "y = 2"]
    [problem] = result.diagnostics
    assert (problem.code, problem.severity, problem.location.cell, problem.location.line) == ("parse-error", "warning", 2, 1)
    assert problem.location.file_line > 0 and "cell 2 is not Python" in problem.message


def test_an_encoding_declaration_in_the_first_lines_does_not_decide_the_module_s_encoding():
    result = converted("# -*- coding: latin-1 -*-\nname = 'é'")
    assert source_lines(result) == ["", "name = 'é'"]


def test_a_notebook_in_another_language_is_a_note_and_no_facts(rulesets):
    data = notebook("x <- c(1, 2)", metadata={"kernelspec": {"language": "R", "name": "ir"}, "language_info": {"name": "R"}})
    facts = extract_data(SourceFile("analysis.ipynb", "notebook"), data, rulesets)
    assert [(d.code, d.severity, d.location) for d in facts.diagnostics] == [("notebook-language", "info", Location("analysis.ipynb"))]
    assert not facts.functions and not facts.tools
    python3 = notebook("def f(): pass", metadata={"kernelspec": {"language": "python3", "name": "python3"}})
    assert [f.name for f in extract_data(SourceFile("nb.ipynb", "notebook"), python3, rulesets).functions] == ["f"]


# --- the facts, placed in the notebook ------------------------------------------------------------


def test_the_facts_of_a_notebook_are_placed_in_its_cells(rulesets):
    data = notebook(
        ("markdown", "# Prototype"),
        "%pip install openai-agents\nimport httpx\nfrom agents import Agent, function_tool",
        "@function_tool\ndef fetch_page(url: str) -> str:\n    \"\"\"Read a page.\"\"\"\n    return httpx.get(url).text",
        'agent = Agent(name="Reader", tools=[fetch_page])',
    )
    facts = extract_data(SourceFile("notebooks/demo.ipynb", "notebook"), data, rulesets)
    assert (facts.kind, facts.module, facts.diagnostics) == ("notebook", "notebooks.demo", ())
    [tool] = facts.tools
    assert (tool.id, tool.location.cell, tool.location.line, tool.location.column) == ("notebooks.demo.fetch_page", 3, 2, 5)
    assert str(tool.location) == "notebooks/demo.ipynb[cell 3]:2:5"
    assert tool.location.file_line and '"def fetch_page' in data.decode().split("\n")[tool.location.file_line - 1]
    [agent] = facts.agents
    assert (agent.location.cell, agent.location.line) == (4, 1)
    [function] = [f for f in facts.functions if f.name == "fetch_page"]
    [call] = function.calls
    assert (call.location.cell, call.location.line) == (3, 4)


def test_line_numbers_in_messages_are_mapped_to_cells():
    result = converted("a = 1", "b = 2\nc = 3")
    diagnostic = Diagnostic(Location("nb.ipynb", 3), "x", "syntax error at line 3; the statement at lines 2-3 is not read")
    assert mapped(diagnostic, result, "nb.ipynb") == Diagnostic(
        Location("nb.ipynb", 2, cell=2, file_line=result.lines[2].file_line), "x",
        "syntax error at cell 2, line 2; the statement at cell 2, lines 1-2 is not read")
    # another file's places are not the notebook's
    assert mapped(Location("other.py", 3), result, "nb.ipynb") == Location("other.py", 3)


def test_a_notebook_s_places_spell_and_sort_cell_by_cell():
    assert str(Location("nb.ipynb", 12, cell=4)) == "nb.ipynb[cell 4]:12"
    assert str(Location("nb.ipynb", cell=4)) == "nb.ipynb[cell 4]"
    assert Location("nb.ipynb", 12, 5, cell=4).spelled("sub/nb.ipynb", column=False) == "sub/nb.ipynb[cell 4]:12"
    assert sorted([Location("nb.ipynb", 1, cell=3), Location("nb.ipynb", 9, cell=2)])[0].cell == 2
    assert str(Location("app.py", 3, 7)) == "app.py:3:7"  # elsewhere as before


def test_discover_reads_notebooks(tmp_path):
    (tmp_path / "nb.ipynb").write_bytes(notebook("x = 1"))
    found = discover(tmp_path)
    assert [(f.path, f.kind) for f in found.files] == [("nb.ipynb", "notebook")]
    assert found.others == ()


# --- notebooks riskscan cannot read -----------------------------------------------------------------


BAD = {
    "not JSON": (b'{"cells": [\n  {"cell_type": "code",,}\n]}', "invalid JSON", 2),
    "empty": (b"", "invalid JSON", 1),
    "not UTF-8": (b'{"cells": [], "x": "\xff\xfe\xfa"}', "not JSON text", 0),
    "a list": (b"[1, 2]", "no `cells` list", 0),
    "cells not a list": (b'{"cells": {"a": 1}}', "no `cells` list", 0),
    "nbformat 3": (b'{"worksheets": [{"cells": []}], "nbformat": 3}', "nbformat 3", 0),
    "nested too deeply": (b'{"cells": [], "metadata": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "too deeply", 0),
    "binary": (b'{"cells": []}\x00', "binary", 0),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_file_that_is_not_a_notebook_is_an_error_naming_it(rulesets, case):
    data, words, line = BAD[case]
    facts = extract_data(SourceFile("bad.ipynb", "notebook"), data, rulesets)
    [diagnostic] = facts.diagnostics
    assert diagnostic.severity == "error" and diagnostic.location.path == "bad.ipynb"
    assert words in diagnostic.message
    assert diagnostic.location.line == line


def test_a_cell_riskscan_cannot_read_is_a_warning_and_the_rest_is_read(rulesets):
    document = {"cells": [{"cell_type": "code", "source": 42}, "not a cell",
                          {"cell_type": "code", "source": ["import httpx\n", "def f(url):\n", "    return httpx.get(url)\n"]},
                          {"cell_type": "code", "source": ["x = 1\n", None]}, {"cell_type": "code"}, {"cell_type": "raw", "source": 3}],
                "nbformat": 4, "nbformat_minor": 5}
    facts = extract_data(SourceFile("nb.ipynb", "notebook"), json.dumps(document, indent=1).encode(), rulesets)
    assert [(d.code, d.severity, d.location.cell) for d in facts.diagnostics] == [
        ("notebook-cell", "warning", 1), ("notebook-cell", "warning", 2), ("notebook-cell", "warning", 4)]
    assert [(f.name, f.location.cell, f.location.line) for f in facts.functions] == [("f", 3, 2)]


def test_an_empty_notebook_has_no_facts_and_no_diagnostics(rulesets):
    facts = extract_data(SourceFile("nb.ipynb", "notebook"), notebook(("markdown", "only prose")), rulesets)
    assert facts.diagnostics == () and facts.functions == ()

"""A notebook's places in every format (fixtures/cases/notebook-agent): the cell and the line in it
where people read (text, JSON, Markdown, HTML), the notebook file's own line where GitHub shows
the file (SARIF regions, workflow annotations, Markdown anchors); SARIF valid against the schemas;
a suppression comment in a cell; a baseline and a saved report keep the cell."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from riskscan.report import render
from riskscan.scan import scan
from riskscan.trace.saved import load_report
from riskscan.triage import baseline
from riskscan.types import Config

CASE = Path(__file__).resolve().parents[2] / "fixtures" / "cases" / "notebook-agent"
NOTEBOOK = CASE / "research_assistant.ipynb"
SCHEMAS = Path(__file__).parents[1] / "schemas"
REPORT_SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "riskscan" / "schemas" / "report.schema.json").read_text())


@pytest.fixture(scope="module")
def report():
    return scan(str(CASE), Config(cache=False))


def cell_line(cell: int, line: int) -> str:
    """The text of a line of a cell of the fixture notebook, without its line end."""
    source = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"][cell - 1]["source"]
    return "".join(source).split("\n")[line - 1]


def physical_locations(value):
    if isinstance(value, dict):
        if "physicalLocation" in value:
            yield value["physicalLocation"]
        for item in value.values():
            yield from physical_locations(item)
    elif isinstance(value, list):
        for item in value:
            yield from physical_locations(item)


@pytest.mark.parametrize("schema_name", ["sarif-2.1.0.json", "sarif-2.1.0-schemastore.json"])
def test_the_sarif_of_a_notebook_validates(report, schema_name):
    schema = json.loads((SCHEMAS / schema_name).read_text(encoding="utf-8"))
    jsonschema.validators.validator_for(schema)(schema).validate(json.loads(render(report, "sarif")))


def test_sarif_regions_are_the_notebook_file_s_lines_that_hold_the_code(report):
    log = json.loads(render(report, "sarif"))
    text = NOTEBOOK.read_text(encoding="utf-8").split("\n")
    places = list(physical_locations(log["runs"][0]["results"]))
    assert places
    for place in places:
        assert place["artifactLocation"]["uri"].endswith("research_assistant.ipynb")
        cell, line = place["properties"]["cell"], place["properties"]["cellLine"]
        assert "startColumn" not in place["region"]  # the cell's column is not the JSON text's
        file_line = text[place["region"]["startLine"] - 1].strip()
        assert json.loads(file_line.rstrip(",")).rstrip("\n") == cell_line(cell, line)
    result = next(r for r in log["runs"][0]["results"] if "send_mail" in r["message"]["text"])
    assert "At notebook cell 7, line 6." in result["message"]["text"]
    assert cell_line(7, 6).startswith("def send_mail(")


def test_text_json_markdown_and_html_name_the_cell_and_its_line(report):
    assert "research_assistant.ipynb[cell 7]:6:5" in render(report, "text")
    document = json.loads(render(report, "json"))
    jsonschema.Draft202012Validator(REPORT_SCHEMA).validate(document)
    sink = next(f for f in document["findings"] if f["sinks"] == ["send_mail"])
    assert {key: sink["location"][key] for key in ("path", "cell", "line", "column")} == {
        "path": "research_assistant.ipynb", "cell": 7, "line": 6, "column": 5}
    assert sink["location"]["file_line"] == 101
    markdown = render(report, "markdown")
    # paths from the repository root; the link is to the notebook's JSON text, where line 101 is
    assert "research_assistant.ipynb[cell 7]:6`](fixtures/cases/notebook-agent/research_assistant.ipynb?plain=1#L101)" in markdown
    # the page's script spells the place from the embedded JSON document (report.js: where)
    assert '"location":{"cell":7,"column":5,"file_line":101,"line":6,"path":"research_assistant.ipynb"}' in render(report, "html")


def test_a_github_annotation_is_on_the_notebook_file_s_line(report, monkeypatch):
    monkeypatch.setenv("GITHUB_WORKSPACE", str(CASE))
    lines = render(report, "github").splitlines()
    annotation = next(line for line in lines if "send_mail" in line.split("::")[2])
    assert annotation.startswith("::error file=research_assistant.ipynb,line=101,")
    assert "At notebook cell 7, line 6." in annotation


def test_a_saved_report_and_a_baseline_keep_the_cell(report, tmp_path):
    saved = tmp_path / "report.json"
    saved.write_text(render(report, "json"), encoding="utf-8")
    assert [f.location for f in load_report(str(saved)).findings] == [f.location for f in report.findings]
    written = tmp_path / "baseline.json"
    written.write_text(baseline.render(report), encoding="utf-8")
    assert {e.location for e in baseline.load(written)} == {f.location for f in report.findings}


def test_a_comment_in_a_cell_suppresses_the_finding_at_that_place(tmp_path):
    document = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    source = document["cells"][6]["source"]
    assert source[5].startswith("def send_mail(")
    source[5] = source[5].rstrip("\n") + "  # riskscan: ignore[RS101] -- mails only go to the team's own domain\n"
    (tmp_path / "research_assistant.ipynb").write_text(json.dumps(document, indent=1), encoding="utf-8")
    found = scan(str(tmp_path), Config(cache=False))
    [silenced] = found.suppressed
    assert silenced.sinks == ("send_mail",)
    assert (silenced.suppression.location.cell, silenced.suppression.location.line) == (7, 6)
    assert [f.sinks for f in found.findings] == [("fetch_page",)]
    assert not [d for d in found.diagnostics if d.code == "unused-suppression"]

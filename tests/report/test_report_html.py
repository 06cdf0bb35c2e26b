"""The HTML report as bytes: self-contained, deterministic, hostile text kept as text, shipped in the
wheel. What the page does in a browser is tests/report/test_report_html_browser.py."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
import sys
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from report_samples import empty_report, sample_report

from riskscan.report import render
from riskscan.report.graph_export import graph_document
from riskscan.report.html import embedded_json, notices, render_html
from riskscan.report.json_format import report_document
from riskscan.scan import scan

REPO = Path(__file__).resolve().parents[2]
HOSTILE = REPO / "tests" / "html_fixtures" / "hostile-tools"
ASSETS = REPO / "riskscan" / "report" / "html_assets"


class Elements(HTMLParser):
    """Every start tag of a page with its attributes, and the text of each script element, as a
    browser's tokenizer sees them."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self._open: str | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._open = tag if tag in ("script", "style") else None
        if self._open == "script":
            self.scripts.append("")
        elif self._open == "style":
            self.styles.append("")

    def handle_endtag(self, tag):
        self._open = None

    def handle_data(self, data):
        if self._open == "script":
            self.scripts[-1] += data
        elif self._open == "style":
            self.styles[-1] += data


def parsed(page: str) -> Elements:
    elements = Elements()
    elements.feed(page)
    return elements


@pytest.fixture(scope="module")
def hostile_report():
    return scan(str(HOSTILE))


def test_the_hostile_fixture_puts_markup_in_names_descriptions_steps_and_fixes(hostile_report):
    names = {tool.name for tool in hostile_report.tools}
    assert "get_page</script><script>window.PWNED=1</script>" in names
    assert "notify<img src=x onerror=window.PWNED=2>" in names
    assert any("</script>" in tool.description for tool in hostile_report.tools)
    assert any("<" in (step.tool or "") for finding in hostile_report.findings for step in finding.steps)
    assert any("<" in (fix.tool or "") for fix in hostile_report.fixes)


def test_hostile_text_never_becomes_markup(hostile_report):
    page = render_html(hostile_report)
    elements = parsed(page)
    tags = [tag for tag, _ in elements.tags]
    # exactly the template's elements: no script, img, iframe or svg smuggled in
    assert tags.count("script") == 2
    assert not {"img", "iframe", "svg", "b", "object", "embed"} & set(tags)
    assert all(not name.startswith("on") for _, attributes in elements.tags for name in attributes)
    data, script = elements.scripts
    # the data block is the whole JSON document, and it round-trips exactly
    assert json.loads(data) == json.loads(json.dumps(
        {"report": report_document(hostile_report), "graph": graph_document(hostile_report), "notices": notices(hostile_report)}))
    assert script == (ASSETS / "report.js").read_text(encoding="utf-8")
    assert "</script" not in data.lower() and "<!--" not in data and "\u2028" not in data


def test_embedded_json_escapes_what_could_close_or_comment_the_script_block():
    text = embedded_json({"a": "</script><!-- & \u2028\u2029 >"})
    assert not set("<>&\u2028\u2029") & set(text)
    assert json.loads(text) == {"a": "</script><!-- & \u2028\u2029 >"}


def test_the_page_is_self_contained_and_its_policy_allows_only_its_own_script_and_style():
    page = render_html(sample_report())
    elements = parsed(page)
    for tag, attributes in elements.tags:
        assert "src" not in attributes and "href" not in attributes, (tag, attributes)
    assert not any(tag == "link" for tag, _ in elements.tags)
    [policy] = [a["content"] for tag, a in elements.tags if a.get("http-equiv") == "Content-Security-Policy"]

    def digest(text):
        return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()

    assert f"script-src '{digest(elements.scripts[1])}'" in policy
    assert f"style-src '{digest(elements.styles[0])}'" in policy
    assert "default-src 'none'" in policy


def test_the_script_never_writes_markup():
    script = (ASSETS / "report.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "Function(", "http:", "https:"):
        assert sink not in script.replace("http://www.w3.org/2000/svg", ""), sink


@pytest.mark.parametrize("make_report", [sample_report, empty_report], ids=["sample", "empty"])
def test_same_report_same_bytes(make_report):
    assert render(make_report(), "html") == render(make_report(), "html")


def test_two_scans_of_the_example_give_the_same_bytes(tmp_path):
    outputs = []
    for number in range(2):
        target = tmp_path / f"report{number}.html"
        completed = subprocess.run(
            [sys.executable, "-m", "riskscan", "scan", str(REPO / "examples" / "support-desk"), "--format", "html", "-o", str(target)],
            capture_output=True, text=True, timeout=300,
        )
        assert completed.returncode == 1, completed.stderr
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1]
    assert str(REPO) not in outputs[0].decode()  # no absolute path of this machine


def test_the_wheel_ships_the_page_assets(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(tmp_path), str(REPO)],
        check=True, timeout=300,
    )
    [wheel] = tmp_path.glob("riskscan-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for asset in ("report.html", "report.js", "report.css"):
        assert f"riskscan/report/html_assets/{asset}" in names
    assert "riskscan/report/html.py" in names and "riskscan/report/graph_export.py" in names


def test_every_placeholder_is_filled_once_and_text_that_looks_like_one_is_left_alone(hostile_report):
    page = render_html(hostile_report)
    data = parsed(page).scripts[0]
    assert "{{DATA}}" in data  # the hostile description's own text, not substituted again
    assert "{{" not in page.replace(data, "")

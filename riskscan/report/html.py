"""One self-contained HTML file: the capability graph drawn, the findings with filters, the fix.

The page is a static template, a stylesheet and a small hand-written script (package data in
`html_assets/`), with the report embedded as JSON: the JSON document of `json_format` plus the
capability graph of `graph_export`. Nothing is loaded from anywhere; the page works offline.

Tool names and descriptions are written by whoever wrote the tools, so nothing from the report is
ever written as markup. The JSON sits in a `<script type="application/json">` block with `<`, `>`,
`&` and the two JavaScript line separators written as `\\u` escapes, so it cannot close the block;
the script puts every string into the page as text (`textContent`), never as HTML. Characters that
act on the text around them (controls, bidirectional overrides, zero-width and other format
characters: riskscan.report.escaping) are `\\u` escapes in the JSON, and the script shows them
as visible escapes (`\\u202e`), as the terminal report does. A Content
Security Policy allows only this page's own script and style (by their SHA-256), so even markup
that got in some other way could not run script or load anything.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html import escape
from importlib import resources

from riskscan.report.escaping import hidden
from riskscan.report.graph_export import graph_document
from riskscan.report.json_format import report_document
from riskscan.report.wording import coverage_phrases, repository_config_phrase
from riskscan.types import Report

ASSETS = "html_assets"
_PLACEHOLDER = re.compile(r"\{\{(CSP|VERSION|STYLE|SCRIPT|DATA)\}\}")
_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"}


def render_html(report: Report) -> str:
    style = _asset("report.css")
    script = _asset("report.js")
    values = {
        "CSP": content_security_policy(style, script),
        "VERSION": escape(report.version),
        "STYLE": style,
        "SCRIPT": script,
        "DATA": embedded_json({"report": report_document(report), "graph": graph_document(report), "notices": notices(report)}),
    }
    # one pass, so that text inside a value is never taken for a placeholder
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], _asset("report.html"))


def notices(report: Report) -> list[str]:
    """What the summary of every format states beside the counts, in the same words: what was not
    read or recognised, and what the scanned repository's own configuration did."""
    stated = coverage_phrases(report.coverage)
    if report.repository_config is not None:
        stated.append(repository_config_phrase(report.repository_config))
    return stated


def embedded_json(document: dict) -> str:
    """JSON that is safe inside a `<script>` element: it cannot contain `</script>` or `<!--`, nor
    (as raw characters) a control, format or separator character, the two JavaScript line
    separators among them."""
    text = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    text = re.sub("[<>&]", lambda match: _JSON_ESCAPES[match.group(0)], text)
    if text.isprintable():
        return text
    return "".join(_json_escape(char) if hidden(char) else char for char in text)  # only in strings: JSON has no other


def _json_escape(char: str) -> str:
    code = ord(char)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def content_security_policy(style: str, script: str) -> str:
    return (
        "default-src 'none'; "
        f"style-src '{_sha256(style)}'; "
        f"script-src '{_sha256(script)}'; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath(ASSETS, name).read_text(encoding="utf-8")

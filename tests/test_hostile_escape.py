"""Issue #15, item 6: the scanned repository must not steer the terminal, the CI log or the pull
request comment that show riskscan's report.

The attack is fixtures/hostile/escape/ (its README says what each part does): tool names,
descriptions and a server name carrying escape sequences (clear screen, window title, an OSC 8
hyperlink, SGR colours, an 8-bit CSI), backspaces, CR/LF followed by a forged `0 findings` line,
right-to-left overrides, `@org/team` mentions, Markdown links and images, backtick runs and HTML.
A file name carrying the same is added in a temporary copy (it cannot be committed portably).
`café_lookup` is the benign look-alike: ordinary Unicode, printed as it is.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from riskscan.report import render
from riskscan.report.escaping import for_terminal, markdown_code, markdown_message, markdown_text
from riskscan.report.markdown import DRAWN
from riskscan.types import Config

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "fixtures" / "hostile" / "escape"
BROKEN_NAME = "bro\x1b[2J\x1b[H\r\n0 findings\u202eyp.ken\u2028.py"  # a parse error: its name is in a diagnostic
FORGED = ("0 findings", "riskscan: 0 findings", "riskscan 0.1.0: 0 findings")
BENIGN = "café_lookup"
# riskscan's own colours (riskscan/report/text.py), the only escape sequences it may write
OWN_SGR = re.compile(r"\x1b\[(?:0|1|2|31|33|34|1;31)m")
OWN_HTML = {"<sub>", "</sub>", "<details>", "<summary>", "</summary>", "</details>"}


def hidden_characters(text: str) -> list[str]:
    """The characters of `text` that act on a terminal or on the text around them, other than the
    newlines between lines."""
    return sorted({char for char in text if char != "\n" and unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp")})


@pytest.fixture(scope="module")
def hostile_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile") / "project"
    shutil.copytree(FIXTURE, root)
    (root / "crm" / BROKEN_NAME).write_text("def broken(:\n    pass\n", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def report(hostile_root):
    from riskscan.scan import scan

    return scan(str(hostile_root), Config(cache=False))


def test_the_attack_reaches_the_report(report):
    """Without this, every test below could pass on a report the attack never got into."""
    names = {tool.name for tool in report.tools}
    hostile = [name for name in names if "\x1b" in name]
    assert len(hostile) == 3 and all("\r\n" in name for name in hostile)
    assert any("\u202e" in name and "@org/team" in name and "](https://evil.example)" in name and "<img" in name for name in names)
    assert BENIGN in names
    assert any(BROKEN_NAME in d.location.path for d in report.diagnostics)
    assert any(f.rule_id == "RS208" and "@org/team" in f.message for f in report.findings)


@pytest.mark.parametrize(("raw", "shown"), [
    ("\x1b[2J", "\\x1b[2J"), ("a\rb\nc\td", "a\\rb\\nc\\td"), ("\x08\x7f", "\\x08\\x7f"), ("\x9b31m", "\\x9b31m"),
    ("\u202eab\u202c", "\\u202eab\\u202c"), ("\u2066x\u2069", "\\u2066x\\u2069"), ("zero\u200bwidth\ufeff", "zero\\u200bwidth\\ufeff"),
    ("line\u2028para\u2029", "line\\u2028para\\u2029"), ("tag\U000e0041", "tag\\U000e0041"), ("lone\ud800", "lone\\ud800"),
    ("café_lookup 日本語 ☕ ñ", "café_lookup 日本語 ☕ ñ"), ("back\\slash", "back\\slash"),
])
def test_for_terminal_shows_every_hidden_character_as_an_escape(raw, shown):
    assert for_terminal(raw) == shown


def terminal_outputs(report) -> dict[str, str]:
    from riskscan.report.explain import render_explanation
    from riskscan.report.statistics import render_statistics

    outputs = {fmt: render(report, fmt) for fmt in ("text", "concise", "github")}
    outputs["text --color"] = render(report, "text", color=True)
    outputs["statistics"] = render_statistics(report)
    outputs.update({f"explain {n}": render_explanation(report, finding) for n, finding in enumerate(report.findings, start=1)})
    return outputs


def test_no_terminal_output_carries_a_raw_control_bidi_or_format_character(report):
    for name, output in terminal_outputs(report).items():
        assert hidden_characters(OWN_SGR.sub("", output)) == [], name
    # riskscan's colours are still there, and only riskscan's
    coloured = render(report, "text", color=True)
    assert "\x1b[1;31mCRITICAL\x1b[0m" in coloured and "\x1b[2J" not in coloured and "\x1b[32m" not in coloured


def test_no_forged_line_and_the_names_are_shown_escaped(report):
    for name, output in terminal_outputs(report).items():
        forged = [line for line in output.splitlines() if line.strip().startswith(FORGED)]
        assert forged == [], name
    text = render(report, "text")
    assert "find_customer\\x1b[2J\\x1b]0;pwned\\x07\\x08\\x08\\r\\n0 findings\\r\\n\\u202eevil\\u202c @org/team" in text
    assert "notes\\x1b[32m\\r\\n0 findings\\u202e @org/team" in text
    assert for_terminal(f"crm/{BROKEN_NAME}") in text  # the file name, in the diagnostics
    assert "\\x9b31m" in text  # an 8-bit CSI


def test_the_benign_look_alike_prints_unchanged(report):
    outputs = {fmt: render(report, fmt) for fmt in ("text", "concise", "github", "markdown")}
    for fmt, output in outputs.items():
        assert BENIGN in output, fmt
    assert "`café_lookup`" in outputs["markdown"]  # a plain code span: no padding, no escape


def test_each_github_annotation_stays_one_workflow_command(report):
    output = render(report, "github")
    lines = output.splitlines()
    assert len(lines) == len(report.findings) + 1 and all(line.startswith("::") for line in lines)
    for line in lines[:-1]:
        properties, message = re.fullmatch(r"::(?:error|warning|notice) ([^:]*)::(.*)", line).groups()
        assert {p.split("=", 1)[0] for p in properties.split(",")} <= {"file", "line", "col", "title"}
        decoded = message.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")
        # riskscan's own lines only: the message, then its path step by step
        assert "\r" not in decoded and all(part == "Path:" or re.match(r"\d+\. ", part) for part in decoded.split("\n")[1:]), line


# --- Markdown: parsed by a CommonMark parser (GFM tables and autolinks on), as GitHub would ---------


def markdown_tokens(text: str):
    from markdown_it import MarkdownIt

    parser = MarkdownIt("gfm-like")  # tables, strikethrough, linkify (bare URLs and e-mail addresses)
    stack, tokens = list(parser.parse(text)), []
    while stack:
        token = stack.pop(0)
        tokens.append(token)
        stack[:0] = token.children or []
    return tokens


def test_the_pr_comment_has_no_link_image_html_or_mention_from_the_project(report):
    markdown = render(report, "markdown")
    assert hidden_characters(markdown) == []
    tokens = markdown_tokens(markdown)
    assert [t for t in tokens if t.type == "image"] == []
    tags = {tag for t in tokens if t.type in ("html_inline", "html_block") for tag in re.findall(r"<[^>]*>", t.content)}
    assert tags <= OWN_HTML
    links = [t.attrs["href"] for t in tokens if t.type == "link_open"]
    paths = {f.location.path for f in report.findings} | {s.location.path for f in report.findings for s in f.steps}
    from urllib.parse import quote

    assert links and set(links) <= {quote(path, safe="/") + anchor for path in paths
                                   for anchor in ("", *(f"#L{n}" for n in range(1, 100)))}
    prose = " ".join(t.content for t in tokens if t.type == "text")
    assert re.findall(r"@\w", prose) == []  # no mention outside code spans
    assert "evil.example" not in " ".join(links)


def test_every_hostile_name_is_one_code_span_intact(report):
    markdown = render(report, "markdown")
    spans = {t.content for t in markdown_tokens(markdown) if t.type == "code_inline"}
    drawn = [f for f in report.findings if f.severity in DRAWN]  # the findings the comment draws step by step
    names = {step.tool for f in drawn for step in f.steps if step.tool} | {step.agent for f in drawn for step in f.steps}
    assert any("\x1b" in name for name in names) and BENIGN in names
    for name in names:
        assert for_terminal(name) in spans, name


def test_the_findings_table_keeps_its_four_columns(report):
    tokens = markdown_tokens(render(report, "markdown"))
    rows, cells = [], 0
    for token in tokens:
        if token.type == "tr_open":
            cells = 0
        elif token.type in ("td_open", "th_open"):
            cells += 1
        elif token.type == "tr_close":
            rows.append(cells)
    assert rows and set(rows) <= {2, 4}  # the severity table and the findings table
    assert rows.count(4) == 1 + sum(1 for f in report.findings if not (f.severity in ("critical", "high") and f.steps))


@pytest.mark.parametrize("text", ["plain", "a`b", "``", "`start", "end`", " spaced ", "  ", "", "x ``` y", "a|b", "line\nbreak",
                                  "\x1b[31m@org/team [l](https://evil) <img src=x>", "`` ` ``"])
def test_a_code_span_cannot_be_ended_from_inside(text):
    for in_table in (False, True):
        span = markdown_code(text, in_table=in_table)
        source = f"| a | b |\n| --- | --- |\n| {span} | x |\n" if in_table else f"before {span} after\n"
        tokens = markdown_tokens(source)
        code = [t.content for t in tokens if t.type == "code_inline"]
        assert code == [for_terminal(text) or " "], (text, span)
        assert not any(t.type in ("link_open", "image", "html_inline") for t in tokens)


@pytest.mark.parametrize("text", ["@org/team please approve", "see [docs](https://evil.example) ![x](https://evil.example/x.png)",
                                  "<img src=x onerror=alert(1)> &#64;org", "https://evil.example www.evil.example a@evil.example",
                                  "*bold* _it_ ~~gone~~ `code` | pipe", "# heading", "\\`escaped\\`"])
def test_prose_shows_what_is_written_and_nothing_else(text):
    tokens = markdown_tokens(f"x {markdown_text(text)}\n")
    assert [t.type for t in tokens] == ["paragraph_open", "inline", "text", "paragraph_close"], text
    assert tokens[2].content.replace("\u200b", "") == f"x {text}"
    assert re.findall(r"@\w", tokens[2].content) == []


def test_a_message_keeps_riskscans_code_spans_and_escapes_the_rest():
    message = "agent '@org/x' can call `run_shell` after calling `a``b`, ``c`d`` and ```<img>`` `@t` [l](https://evil.example)."
    tokens = markdown_tokens(markdown_message(message) + "\n")
    # the code spans CommonMark would find in the message as it is, each whole
    assert [t.content for t in tokens if t.type == "code_inline"] == ["run_shell", "a``b", "c`d", "@t"]
    assert not any(t.type in ("link_open", "image", "html_inline") for t in tokens)
    assert markdown_message("one ` backtick") == markdown_text("one ` backtick")


# --- the command line: its report on stdout and its messages on stderr --------------------------


def test_the_cli_escapes_file_names_in_its_messages_and_its_report(hostile_root):
    result = subprocess.run([sys.executable, "-m", "riskscan", "scan", str(hostile_root), "--strict", "--no-cache", "--no-color", "-q"],
                            cwd=REPO, capture_output=True, text=True, timeout=300, errors="surrogateescape")
    assert result.returncode == 2
    assert hidden_characters(result.stdout) == [] and hidden_characters(result.stderr) == []
    assert f"riskscan: error: {for_terminal('crm/' + BROKEN_NAME)}:1:12: " in result.stderr
    assert [line for line in (result.stdout + result.stderr).splitlines() if line.strip().startswith(FORGED)] == []


def test_the_html_page_writes_no_markup_and_no_raw_control_character(report):
    page = render(report, "html")
    assert "<img src=x" not in page and "onerror=alert(1)" in page  # the text is there, as JSON text
    assert hidden_characters(page) == []


def test_the_html_page_shows_hidden_characters_as_escapes_in_a_browser(report, tmp_path):
    """The page's script writes the names it draws with `\\u202e`, `\\x1b` visible: a
    right-to-left override does not reorder the finding it sits in."""
    from headless_chromium import chromium_session, console_errors

    page = tmp_path / "report.html"
    page.write_text(render(report, "html"), encoding="utf-8")
    driver = chromium_session(tmp_path)
    try:
        driver.get(page.as_uri())
        assert console_errors(driver) == []
        shown = driver.execute_script("return ['findings', 'graph-wrap', 'diagnostics'].map(id => document.getElementById(id).textContent).join(' ');")
        node_names = driver.execute_script("return Array.from(document.querySelectorAll('#graph-wrap svg g.node title')).map(t => t.textContent);")
    finally:
        driver.quit()
    assert hidden_characters(shown.replace("\t", "")) == []
    assert "\\u202eevil\\u202c @org/team" in shown and "notes\\x1b[32m\\r" in shown, shown[:3000]
    assert any(BENIGN in name for name in node_names)  # ordinary Unicode drawn as it is


def test_on_a_terminal_with_no_color_nothing_raw_reaches_it(hostile_root):
    """click strips some escape sequences when stdout is a pipe, never on a terminal: the attack
    as a person running `riskscan scan --no-color` in a shell meets it."""
    import os

    from pseudo_terminal import run_on_a_terminal

    env = {**os.environ, "PYTHONPATH": str(REPO)}
    terminal, _ = run_on_a_terminal("scan", str(hostile_root), "--strict", "--no-cache", "--no-color", "-q", env=env)
    shown = terminal.replace("\r\n", "\n")  # the terminal's own line ends
    assert "RS101" in shown and for_terminal("crm/" + BROKEN_NAME) in shown
    assert hidden_characters(shown) == []
    assert [line for line in shown.splitlines() if line.strip().startswith(FORGED)] == []


def test_the_graph_export_writes_no_raw_control_character(report):
    """`riskscan graph` prints DOT to the terminal: a name's escape sequence is shown, not run;
    a line break stays DOT's `\\n`."""
    from riskscan.report.graph_export import dot_quote, render_graph

    for fmt in ("dot", "mermaid"):
        assert hidden_characters(render_graph(report, fmt)) == [], fmt
    assert dot_quote("a\x1b[2J\u202eb\r\nc") == '"a\\\\x1b[2J\\\\u202eb\\nc"'


def test_no_text_ends_its_code_span_or_escapes_its_prose():
    """Any text of the characters that matter to Markdown, generated: one code span holding it
    whole (in a table cell too), and prose that parses to one text node saying it."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    pieces = st.sampled_from(list("`|\\ <>&@[]()!*_~#:/.-=+\n\r\t\x1bwa1\u202e\u200b") + ["www.", "://", "```", "&#64;"])
    tricky = st.lists(pieces, max_size=16).map("".join)

    @settings(max_examples=300, deadline=None, database=None)
    @given(tricky)
    def check(text):
        for in_table in (False, True):
            span = markdown_code(text, in_table=in_table)
            source = f"| a | b |\n| --- | --- |\n| x {span} y | z |\n" if in_table else f"x {span} y\n"
            tokens = markdown_tokens(source)
            assert [t.content for t in tokens if t.type == "code_inline"] == [for_terminal(text) or " "]
            assert not any(t.type in ("link_open", "image", "html_inline", "html_block") for t in tokens)
        if text.strip(" \n\r\t"):
            tokens = markdown_tokens(f"x {markdown_text(text)} y\n")
            assert [t.type for t in tokens] == ["paragraph_open", "inline", "text", "paragraph_close"]
            shown = f"x {re.sub(' {2,}', ' ', for_terminal(text))} y"
            assert tokens[2].content.replace("\u200b", "") == shown
            assert re.findall(r"@\w", tokens[2].content) == []

    check()

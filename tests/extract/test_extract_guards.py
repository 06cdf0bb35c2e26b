"""Reading the checks that stand before each call, from the syntax tree."""

from __future__ import annotations

import textwrap

import pytest

from riskscan.extract.python import extract
from riskscan.rulesets import load
from riskscan.types import Check, SourceFile, Term


@pytest.fixture(scope="module")
def rulesets():
    return load()


def sink_of(rulesets, code: str, callee: str):
    facts = extract(textwrap.dedent(code).encode(), SourceFile("tools.py", "python", "tools"), rulesets)
    [function] = [f for f in facts.functions if f.name == "tool"]
    [call] = [c for c in function.calls if callee in c.callee]
    return call


def param(name):
    return Term("param", value=name)


def test_an_early_exit_negates_its_test_for_what_follows(rulesets):
    call = sink_of(rulesets, """
        import requests
        def tool(url):
            if not url.startswith("https://api.example.com/"):
                raise ValueError(url)
            return requests.get(url)
    """, "requests.get")
    assert call.checks == (
        Check("not", args=(Check("not", args=(Check("startswith", param("url"), ("https://api.example.com/",), source='url.startswith("https://api.example.com/")'),), source='not url.startswith("https://api.example.com/")'),), source='not url.startswith("https://api.example.com/")'),
    )
    assert call.args[0].term == param("url")


def test_branches_locals_constants_and_url_parts(rulesets):
    call = sink_of(rulesets, """
        import httpx
        from urllib.parse import urlparse
        ALLOWED = {"a.example.com", "b.example.com"}
        def tool(url, note):
            parsed = urlparse(url)
            if parsed.hostname in ALLOWED:
                assert len(note) <= 200
                httpx.post(url, json={"note": note})
            else:
                return "refused"
    """, "httpx.post")
    assert call.checks == (
        Check("in", Term("hostname", (param("url"),)), ("a.example.com", "b.example.com"), source="parsed.hostname in ALLOWED"),
        Check("len_le", param("note"), ("200",), source="len(note) <= 200"),
    )


def test_paths_compiled_patterns_and_containment(rulesets):
    call = sink_of(rulesets, """
        import os, re
        from pathlib import Path
        BASE = "/srv/files"
        NAME = re.compile(r"[a-z]+\\.txt")
        def tool(name):
            path = Path(BASE, name).resolve()
            if not NAME.fullmatch(name) or not path.is_relative_to(BASE):
                return "no"
            os.remove(path)
    """, "os.remove")
    joined = Term("join", (Term("lit", value="/srv/files"), param("name")))
    assert call.args[0].term == joined
    [check] = call.checks
    assert check.op == "not" and check.args[0].op == "or"
    regex, contained = (c.args[0] for c in check.args[0].args)
    assert regex == Check("regex", param("name"), (r"[a-z]+\.txt", "fullmatch"), source="NAME.fullmatch(name)")
    assert contained == Check("contained", joined, ("/srv/files",), source="path.is_relative_to(BASE)")


def test_a_check_riskscan_cannot_read_is_kept_as_unknown(rulesets):
    call = sink_of(rulesets, """
        import os
        from policy import is_safe
        def tool(cmd):
            if is_safe(cmd):
                os.system(cmd)
    """, "os.system")
    assert call.checks == (Check("unknown", param("cmd"), source="is_safe(cmd)"),)


def test_tests_that_do_not_involve_a_parameter_are_not_checks(rulesets):
    call = sink_of(rulesets, """
        import os
        DEBUG = os.environ.get("DEBUG")
        def tool(cmd):
            if DEBUG:
                print(cmd)
            os.system(cmd)
    """, "os.system")
    assert call.checks == ()

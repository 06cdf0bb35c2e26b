"""Argument-check verdicts for each kind of check and sink. A bypass's witness is confirmed with
Python's own string, URL and path functions, never by comparing to an expected string."""

from __future__ import annotations

import os.path
import re
from urllib.parse import urlsplit

import pytest

from riskscan.solve.arguments import judge
from riskscan.solve.concrete import evaluate_check, evaluate_term
from riskscan.types import Check, GuardedArgument, Location, Term

HERE = Location("tools.py", 1)


def param(name):
    return Term("param", value=name)


def lit(text):
    return Term("lit", value=text)


def not_(check):
    return Check("not", args=(check,))


URL, NAME, CMD = param("url"), param("name"), param("cmd")
NOTE = Term("join", (lit("/srv/notes"), NAME))
QUERY = Term("concat", (lit("SELECT * FROM users WHERE name = '"), NAME, lit("'")))

CASES = [
    ("url prefix without slash", GuardedArgument("url", "requests.get", URL, (Check("startswith", URL, ("https://api.example.com",)),), HERE), "bypassed"),
    ("url prefix with slash", GuardedArgument("url", "requests.get", URL, (Check("startswith", URL, ("https://api.example.com/",)),), HERE), "holds"),
    ("url hostname equals", GuardedArgument("url", "requests.get", URL, (Check("eq", Term("hostname", (URL,)), ("api.example.com",)),), HERE), "holds"),
    ("url hostname allowlist", GuardedArgument("url", "requests.get", URL, (Check("in", Term("hostname", (URL,)), ("a.example.com", "b.example.com")),), HERE), "holds"),
    ("url hostname suffix without dot", GuardedArgument("url", "requests.get", URL, (Check("endswith", Term("hostname", (URL,)), ("example.com",)),), HERE), "bypassed"),
    ("url fixed host in f-string", GuardedArgument("url", "requests.get", Term("concat", (lit("https://api.example.com/v1/"), NAME)), (), HERE), "holds"),
    ("url host glued to a parameter", GuardedArgument("url", "requests.get", Term("concat", (lit("https://api.example.com"), NAME)), (), HERE), "unchecked"),
    ("url without checks", GuardedArgument("url", "requests.get", URL, (), HERE), "unchecked"),
    ("path dot-dot check before join", GuardedArgument("path", "os.remove", NOTE, (not_(Check("contains", NAME, ("..",))),), HERE), "bypassed"),
    ("path resolved and contained", GuardedArgument("path", "os.remove", NOTE, (Check("contained", NOTE, ("/srv/notes",)),), HERE), "holds"),
    ("path prefix check on the joined path", GuardedArgument("path", "os.remove", NOTE, (Check("startswith", NOTE, ("/srv/notes/",)),), HERE), "bypassed"),
    ("shell semicolon check", GuardedArgument("shell", "os.system", CMD, (not_(Check("contains", CMD, (";",))),), HERE), "bypassed"),
    ("shell full-match allowlist regex", GuardedArgument("shell", "os.system", CMD, (Check("regex", CMD, (r"[a-z0-9 .-]+", "fullmatch")),), HERE), "holds"),
    ("shell match without end anchor", GuardedArgument("shell", "os.system", CMD, (Check("regex", CMD, (r"[a-z]+", "match")),), HERE), "bypassed"),
    ("shell command allowlist", GuardedArgument("shell", "os.system", CMD, (Check("in", CMD, ("uptime", "df -h")),), HERE), "holds"),
    ("program allowlist", GuardedArgument("value", "subprocess.run", CMD, (Check("in", CMD, ("uptime", "df")),), HERE), "holds"),
    ("program prefix", GuardedArgument("value", "subprocess.run", CMD, (Check("startswith", CMD, ("git",)),), HERE), "bypassed"),
    ("sql alphanumeric", GuardedArgument("sql", "sqlite3.Cursor.execute", QUERY, (Check("isalnum", NAME),), HERE), "holds"),
    ("sql length only", GuardedArgument("sql", "sqlite3.Cursor.execute", QUERY, (Check("len_le", NAME, ("32",)),), HERE), "bypassed"),
    ("unreadable check", GuardedArgument("shell", "os.system", CMD, (Check("unknown", CMD, source="is_safe(cmd)"),), HERE), "not-understood"),
    ("back-reference regex", GuardedArgument("shell", "os.system", CMD, (Check("regex", CMD, (r"(a)\1", "fullmatch")),), HERE), "not-understood"),
    ("url list without checks", GuardedArgument("url", "llama_index.readers.web.SimpleWebPageReader.load_data", Term("list", (URL,)), (), HERE), "unchecked"),
    # a value riskscan could not follow may be checked where it cannot see: not "unchecked"
    ("unreadable value without checks", GuardedArgument("url", "requests.get", Term("unknown", value="pick(url)"), (), HERE), "not-understood"),
]


def dangerous(argument: GuardedArgument, value: str, witness: dict) -> bool:
    if argument.sink == "url":
        host = urlsplit(value).hostname
        meant = {urlsplit(v).hostname or v for c in argument.checks for v in c.values}
        if argument.term.op == "concat":
            meant.add(urlsplit(argument.term.args[0].value).hostname)
        return host not in meant and not any(host.endswith("." + m) for m in meant)
    if argument.sink == "path":
        return not os.path.normpath(value).startswith("/srv/notes/")
    if argument.sink == "shell":
        return bool(re.search(r"[;&|`<>\n]|\$\(", value))
    if argument.sink == "sql":
        return any(q in witness["name"] for q in "'\";")
    return value not in {v for c in argument.checks for v in c.values}


@pytest.mark.parametrize("argument, status", [pytest.param(a, s, id=name) for name, a, s in CASES])
def test_verdict(argument, status):
    verdict = judge(argument)
    assert verdict.status == status, verdict.detail
    if status == "bypassed" or (status == "unchecked" and verdict.witness):  # fixed parts, no check: a witness too
        witness = dict(verdict.witness)
        assert all(evaluate_check(check, witness) for check in argument.checks)
        value = evaluate_term(argument.term, witness)
        assert dangerous(argument, value, witness), value


def test_witnesses_are_telling():
    verdict = judge(CASES[0][1])
    assert urlsplit(dict(verdict.witness)["url"]).hostname.endswith("attacker.example")
    assert dict(judge(CASES[8][1]).witness)["name"] == "/etc/passwd"


@pytest.mark.parametrize(
    "schema, status",
    [
        ({"enum": ["uptime", "df -h"]}, "holds"),
        ({"pattern": "^[a-z -]+$"}, "holds"),
        ({"pattern": "[a-z]+"}, "bypassed"),  # JSON Schema patterns are not anchored
        ({"maxLength": 40}, "bypassed"),
    ],
)
def test_json_schema_constraints_of_a_parameter_are_checks(schema, status):
    import json

    from riskscan.model.argument_checks import with_schema_checks
    from riskscan.types import Capability

    argument = GuardedArgument("shell", "os.system", Term("param", value="arguments['cmd']"), (), HERE)
    input_schema = json.dumps({"type": "object", "properties": {"cmd": {"type": "string", **schema}}})
    [capability] = with_schema_checks((Capability("code_exec", 0.9, (), True, (argument,)),), input_schema)
    assert judge(capability.arguments[0]).status == status

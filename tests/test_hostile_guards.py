"""Issue 15, item 7: a check protects a call only when the value it examined is the value the call
receives on every path. Built from the attack: each fixture under fixtures/hostile/guards/ checks
an argument, then rebinds it (one folder per construct) before a shell or HTTP call. The finding
must be the one the same code without the check gives, with the check reported as not understood;
the benign look-alike beside it keeps a check that holds."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from riskscan.extract.python import extract
from riskscan.extract.python.syntax import cst, find_nodes, index_tree
from riskscan.rulesets import load
from riskscan.scan import scan
from riskscan.solve.arguments import judge
from riskscan.types import Check, GuardedArgument, Location, SourceFile, Term

GUARDS = Path(__file__).resolve().parents[1] / "fixtures" / "hostile" / "guards"
# folder -> (the tool whose check is rebound, its benign look-alike)
REBINDINGS = {
    "assign": ("run", "run_checked"),
    "augmented": ("run", "run_checked"),
    "walrus": ("run", "run_checked"),
    "for": ("run", "run_checked"),
    "tuple": ("run", "run_checked"),
    "except-as": ("run", "run_checked"),
    "import-as": ("run", "run_checked"),
    "with-as": ("run", "run_checked"),
    "case-as": ("run", "run_checked"),
    "case-capture": ("run", "run_checked"),
    "del": ("run", "run_checked"),
    "nonlocal": ("run", "run_checked"),
    "global": ("run", "run_checked"),
    "loop-back": ("run", "run_checked"),
    "subscript-augmented": ("run", "run_checked"),
    "dict-update": ("run", "run_checked"),
    "http-assign": ("upload", "upload_checked"),
}


def unguarded(case: Path, tmp_path: Path) -> Path:
    """The same server with the attacked tool's check (its first `if ...: raise`) replaced by
    `pass` lines, so every finding keeps its place."""
    copy = tmp_path / case.name
    shutil.copytree(case, copy)
    source = (copy / "server.py").read_text()
    lines = source.splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.lstrip().startswith("if ") and lines[i + 1].lstrip().startswith("raise ValueError"))
    for i in (at, at + 1):
        indent = lines[at][: len(lines[at]) - len(lines[at].lstrip())]
        lines[i] = f"{indent}pass\n"
    (copy / "server.py").write_text("".join(lines))
    return copy


def keys(report):
    return sorted((f.rule_id, f.location.line) for f in report.findings)


def sink_tool(finding):
    """The name of the tool whose call completes a path finding's path."""
    return finding.steps[-1].tool if finding.steps else None


@pytest.mark.parametrize("case", sorted(REBINDINGS))
def test_a_check_on_a_rebound_name_is_not_understood(case, tmp_path):
    attacked, benign = REBINDINGS[case]
    report = scan(str(GUARDS / case))
    by_name = {tool.name: tool for tool in report.tools}
    # the findings are those of the same code without the check
    assert keys(report) == keys(scan(str(unguarded(GUARDS / case, tmp_path))))
    paths = [f for f in report.findings if f.steps and sink_tool(f) == attacked]
    assert paths, "the attacked tool completes no path"
    assert {f.rule_id for f in report.findings} & {"RS101", "RS102"}
    for finding in paths:
        [gate] = [g for g in finding.gates if g.kind == "argument-check"]
        assert gate.status == "not-understood", gate.detail
        assert "not read" in gate.detail or "cannot follow" in gate.detail
    if attacked == "run":
        assert any(f.rule_id == "RS301" for f in report.findings)
    # the look-alike: its check examined the value its call receives, and holds
    assert [g.status for g in by_name[benign].gates if g.kind == "argument-check"] == ["holds"]
    assert not [f for f in report.findings if f.steps and sink_tool(f) == benign]


def test_the_gate_says_which_name_was_rebound_and_where():
    report = scan(str(GUARDS / "assign"))
    [tool] = [t for t in report.tools if t.name == "run"]
    [gate] = tool.gates
    assert "`cmd` is rebound at line 26 before the call" in gate.detail


# --- the control flow, construct by construct -------------------------------------------------


@pytest.fixture(scope="module")
def rulesets():
    return load()


def checks_at(rulesets, body: str):
    code = "import subprocess\nALLOWED = {'uptime'}\ndef tool(cmd, other, items):\n" + textwrap.indent(textwrap.dedent(body), "    ")
    facts = extract(code.encode(), SourceFile("tools.py", "python", "tools"), rulesets)
    [function] = [f for f in facts.functions if f.name == "tool"]
    [call] = [c for c in function.calls if "subprocess.run" in c.callee]
    return call


@pytest.mark.parametrize("body", ids=["branch", "handler", "finally", "while-turn", "inner-loop"], argvalues=[
    # a write on one branch only, after the check
    """
    if cmd not in ALLOWED:
        return
    if other:
        cmd = other
    subprocess.run(cmd, shell=True)
    """,
    # an exception raised before the write is caught, the write happens in the handler
    """
    if cmd not in ALLOWED:
        return
    try:
        open(other)
    except OSError:
        cmd = other
    subprocess.run(cmd, shell=True)
    """,
    # finally runs whatever happened
    """
    if cmd not in ALLOWED:
        return
    try:
        pass
    finally:
        cmd = other
    subprocess.run(cmd, shell=True)
    """,
    # a while loop's later turn
    """
    if cmd in ALLOWED:
        while items:
            subprocess.run(cmd, shell=True)
            cmd = items.pop()
    """,
    # a write in an inner loop, after the call, reaches it on the outer loop's next turn
    """
    if cmd not in ALLOWED:
        return
    for item in items:
        subprocess.run(cmd, shell=True)
        for other_item in item:
            cmd = other_item
    """,
])
def test_no_write_between_the_check_and_the_call_on_any_path(rulesets, body):
    call = checks_at(rulesets, body)
    [check] = call.checks
    assert check.op == "unknown" and "`cmd` is rebound at line" in check.source, check


@pytest.mark.parametrize("body", ids=["early-exit", "call-in-branch", "each-turn", "rebound-before-check", "nested-def"], argvalues=[
    # the checked value reaches the call unchanged: early exit, or the call inside the branch
    """
    if cmd not in ALLOWED:
        raise ValueError(cmd)
    note = other
    subprocess.run(cmd, shell=True)
    """,
    """
    for item in items:
        if cmd in ALLOWED:
            subprocess.run(cmd, shell=True)
        other = item
    """,
    # checked again on every turn, before the call, after the write
    """
    for item in items:
        if cmd not in ALLOWED:
            return
        subprocess.run(cmd, shell=True)
        if other:
            other = item
    """,
    # a rebinding before the check: the check examines the new value
    """
    cmd = other
    if cmd in ALLOWED:
        subprocess.run(cmd, shell=True)
    """,
    # a nested function writes its own `cmd`
    """
    def helper():
        cmd = other
        return cmd
    if cmd in ALLOWED:
        helper()
        subprocess.run(cmd, shell=True)
    """,
])
def test_a_check_that_examined_the_value_the_call_receives_holds(rulesets, body):
    call = checks_at(rulesets, body)
    assert call.checks and all(check.op != "unknown" for check in call.checks), call.checks
    verdict = judge(GuardedArgument("shell", "subprocess.run", call.args[0].term, call.checks, call.location))
    assert verdict.status == "holds", verdict.detail


def test_a_rebound_parameter_is_the_value_it_was_rebound_to(rulesets):
    # `param cmd` means the parameter as passed: a JSON Schema enum on `cmd` says nothing of `other`
    call = checks_at(rulesets, """
    cmd = other
    subprocess.run(cmd, shell=True)
    """)
    assert call.args[0].term == Term("param", value="other")


def test_a_comprehension_variable_is_not_the_parameter_it_shadows(rulesets):
    call = checks_at(rulesets, """
    if cmd not in ALLOWED:
        return
    return [subprocess.run(cmd, shell=True) for cmd in other.split()]
    """)
    assert call.args[0].term.op == "unknown"


def test_a_name_at_the_call_is_the_definition_that_reaches_it_on_every_path(rulesets):
    # on the first turn `prefix` is the fixed host; on a later turn it is what the last turn set
    call = checks_at(rulesets, """
    prefix = "https://api.example.com/"
    for item in items:
        subprocess.run(prefix + cmd, shell=True)
        prefix = other
    """)
    assert call.args[0].term == Term("concat", (Term("unknown", value="prefix"), Term("param", value="cmd")))


def test_a_statement_the_flow_does_not_model_leaves_nothing_known():
    from riskscan.extract.python.flow import Flow

    # `from m import *` binds names no one can list: neither a check nor a name is known after it
    module = cst.parse_module("def f(cmd):\n    if cmd:\n        from os import *\n    run(cmd)\n")
    index_tree(module)
    [function] = find_nodes(module, cst.FunctionDef)
    flow = Flow(function, ("cmd",))
    test = function.body.body[0].test
    [call] = find_nodes(function.body.body[1], cst.Call)
    assert not flow.understood
    assert flow.rebound(test, call, {"cmd"}) == ("", None)
    assert flow.binding(call.args[0].value) is None


# --- SQL ---------------------------------------------------------------------------------------


def test_a_delete_built_with_percent_formatting_is_not_a_safe_query():
    report = scan(str(GUARDS / "sql-percent"))
    by_name = {tool.name: tool for tool in report.tools}
    destroying = [f for f in report.findings if f.rule_id == "RS103"]
    assert [sink_tool(f) for f in destroying] == ["delete_note"]
    assert [g.status for g in by_name["delete_note_checked"].gates] == ["holds"]
    assert not [c for c in by_name["delete_note_bound"].capabilities if c.label == "db_write" and c.model_controlled]


def test_percent_and_format_queries_are_read_as_text_and_values(rulesets):
    code = textwrap.dedent('''
        import sqlite3
        DB = sqlite3.connect("x.db")
        def tool(note_id, owner):
            DB.execute("DELETE FROM notes WHERE id = %s AND owner = '%s'" % (note_id, owner))
            DB.execute("DROP TABLE {}".format(note_id))
            DB.execute("UPDATE notes SET owner = '{who}'".format(who=owner))
            DB.execute("DELETE FROM notes WHERE id = %(id)s" % {"id": note_id})
    ''')
    facts = extract(code.encode(), SourceFile("tools.py", "python", "tools"), rulesets)
    [function] = [f for f in facts.functions if f.name == "tool"]
    terms = [c.args[0].term for c in function.calls if "sqlite3.Connection.execute" in c.callee]
    lit, param = (lambda v: Term("lit", value=v)), (lambda v: Term("param", value=v))
    assert terms[0] == Term("concat", (lit("DELETE FROM notes WHERE id = "), param("note_id"), lit(" AND owner = '"), param("owner"), lit("'")))
    assert terms[1] == Term("concat", (lit("DROP TABLE "), param("note_id")))
    assert terms[2] == Term("concat", (lit("UPDATE notes SET owner = '"), param("owner"), lit("'")))
    assert terms[3].op == "unknown"


HERE = Location("tools.py", 1)
NOTE_ID = Term("param", value="note_id")
UNQUOTED = Term("concat", (Term("lit", value="DELETE FROM notes WHERE id = "), NOTE_ID))


@pytest.mark.parametrize("argument, status", [
    pytest.param(GuardedArgument("sql", "sqlite3.Cursor.execute", Term("unknown", value='"..." % {"id": note_id}'), (), HERE), "not-understood", id="unreadable query"),
    pytest.param(GuardedArgument("sql", "sqlite3.Cursor.execute", UNQUOTED, (Check("isalnum", NOTE_ID),), HERE), "bypassed", id="unquoted alphanumeric"),
    pytest.param(GuardedArgument("sql", "sqlite3.Cursor.execute", UNQUOTED, (Check("isdigit", NOTE_ID),), HERE), "holds", id="unquoted digits"),
    pytest.param(GuardedArgument("sql", "sqlite3.Cursor.execute", UNQUOTED, (Check("unknown", NOTE_ID, source="ok(note_id)"),), HERE), "not-understood", id="unquoted unread check"),
])
def test_sql_verdicts(argument, status):
    verdict = judge(argument)
    assert verdict.status == status, verdict.detail
    if status == "bypassed":
        value = dict(verdict.witness)["note_id"]
        assert value.isalnum() and not value.isdigit()  # `WHERE id = id` matches every row

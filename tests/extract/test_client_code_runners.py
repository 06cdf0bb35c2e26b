"""A shell allow rule is an allowlist only when its command prefix fixes what runs: `python -c`,
`npx`, `uv run` or `find` let any code run unasked, `python scripts/check.py` or `npx prettier`
do not (riskscan/catalog/commands.py, read from rulesets/apis.yaml; used by client_policies.py,
claude_code_permissions.py, client_settings.py and tool_settings.py)."""

from __future__ import annotations

import json

import pytest

from riskscan import rulesets
from riskscan.catalog.commands import any_code_allowed
from riskscan.extract import json_files
from riskscan.model import client_policies
from riskscan.types import Location, PermissionRule, SourceFile

AT = Location(".mcp.json", 2, 3)


@pytest.fixture(scope="module")
def runners():
    return rulesets.load().code_runners


@pytest.mark.parametrize(("pattern", "why"), [
    ('python -c:*', "`python -c` runs the code that follows it"),
    ('python3 -c "*', "`python3 -c` runs the code that follows it"),
    ("node --eval=*", "`node --eval` runs the code that follows it"),
    ("bash -c *", "`bash -c` runs the code that follows it"),
    ("sudo python -c:*", "`python -c` runs the code that follows it"),
    ("env PYTHONPATH=src python -c:*", "`python -c` runs the code that follows it"),
    ("npx:*", "it ends before naming what `npx` runs"),
    ("python:*", "it ends before naming what `python` runs"),
    ("uv run:*", "it ends before naming what `uv` runs"),
    ("python3 -m:*", "it ends before naming what `python3` runs"),
    ("npm run:*", "it ends before naming what `npm` runs"),
    ("docker run:*", "it ends before naming what `docker` runs"),
    ("find . -name:*", "`find` runs code given in any of its arguments"),
    ("*", "it allows every command"),
    ("pyth*", "`pyth*` names any program starting so, code runners among them"),
    ("python -*", "`python -*` may be an option that runs the code following it"),
])
def test_a_prefix_that_leaves_the_code_open_runs_any_code(runners, pattern, why):
    assert any_code_allowed(pattern, runners) == why


@pytest.mark.parametrize("pattern", [
    "python scripts/check.py:*", "uv run pytest:*", "python3 -m pytest:*", "npm run test:*", "npx prettier:*",
    "git status:*", "ls*", "npx prettier",
])
def test_a_prefix_that_names_what_runs_is_an_allowlist(runners, pattern):
    assert any_code_allowed(pattern, runners) is None


def test_an_exact_command_without_a_wildcard_fixes_what_runs(runners):
    assert any_code_allowed('python -c "print(1)"', runners, prefix=False) is None
    assert any_code_allowed("npx", runners, prefix=False) is None  # only `npx` itself, which runs nothing
    assert any_code_allowed("npx", runners, prefix=True) == "it ends before naming what `npx` runs"


def rule(client: str, effect: str, pattern: str) -> PermissionRule:
    return PermissionRule(client, "", effect, pattern, Location("settings.json", 1, 1))


def shell_gates(client: str, shell: str, allowed: str, runners) -> tuple[str, ...] | None:
    held, _ = client_policies.decide(client, [rule(client, "allow", allowed)], AT, runners)
    return next((tuple(sorted(g.kind for g in t.gates)) for t in held if t.name == shell), None)


@pytest.mark.parametrize(("client", "shell", "open_rule", "fixed_rule"), [
    ("claude-code", "Bash", "Bash(python -c:*)", "Bash(python scripts/check.py:*)"),
    ("claude-code", "Bash", "Bash(npx:*)", "Bash(npx prettier:*)"),
    ("cursor", "run_terminal_cmd", "Shell(npx)", "Shell(npx prettier)"),
    ("gemini-cli", "run_shell_command", "run_shell_command(uv run)", "run_shell_command(uv run pytest)"),
    ("vscode", "runInTerminal", "node", "npm test"),
])
def test_a_rule_that_runs_any_code_leaves_the_shell_ungated(runners, client, shell, open_rule, fixed_rule):
    assert shell_gates(client, shell, open_rule, runners) == ()
    assert shell_gates(client, shell, fixed_rule, runners) == ("allowlist",)


def test_a_vscode_regex_entry_is_not_read_as_a_command_prefix(runners):
    assert shell_gates("vscode", "runInTerminal", "/^python$/", runners) == ("allowlist",)


def test_gemini_core_tools_naming_a_runner_only_are_no_allowlist(runners):
    held, _ = client_policies.decide("gemini-cli", [rule("gemini-cli", "core", "run_shell_command(python)")], AT, runners)
    [shell] = [t for t in held if t.name == "run_shell_command"]
    assert "allowlist" not in {g.kind for g in shell.gates}
    held, _ = client_policies.decide("gemini-cli", [rule("gemini-cli", "core", "run_shell_command(git)")], AT, runners)
    [shell] = [t for t in held if t.name == "run_shell_command"]
    assert "allowlist" in {g.kind for g in shell.gates}


@pytest.mark.parametrize(("path", "document", "broad"), [
    (".claude/settings.json", {"permissions": {"allow": ["Bash(python -c:*)", "Bash(git status:*)"]}},
     ["allow rule `Bash(python -c:*)` runs any code without asking (`python -c` runs the code that follows it)"]),
    (".claude/settings.json", {"permissions": {"allow": ["Bash(python scripts/check.py:*)"]}}, []),
    (".cursor/cli.json", {"permissions": {"allow": ["Shell(npx)", "Shell(npx prettier)"]}},
     ["allow rule `Shell(npx)` runs any code without asking (it ends before naming what `npx` runs)"]),
    (".gemini/settings.json", {"tools": {"allowed": ["run_shell_command(bash -c)", "run_shell_command(git diff)"]}},
     ["`tools.allowed` entry `run_shell_command(bash -c)` runs any code without confirmation (`bash -c` runs the code that follows it)"]),
    (".vscode/settings.json", {"chat.tools.terminal.autoApprove": {"find": True, "/^find$/": True, "git log": True}},
     ["`chat.tools.terminal.autoApprove` entry `find` approves any code run in the terminal (`find` runs code given in any of its arguments)"]),
])
def test_a_rule_that_runs_any_code_is_a_broad_allow(path, document, broad):
    facts = json_files.extract(json.dumps(document, indent=2).encode(), SourceFile(path, "json"), rulesets.load())
    assert [h.detail for h in facts.hygiene if h.check == "broad-allow"] == broad

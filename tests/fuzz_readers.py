"""Every reader of riskscan with the strategy of its input (see fuzz_inputs.py): the Python
extractor, each MCP client config format, Claude Code settings, tool manifests, the lockfile, CrewAI
YAML, declared agents, traces in each format, rulesets, riskscan's own config and suppressions."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from fuzz_inputs import (
    JSON_VALUES,
    NAMES,
    SCHEMA,
    SERVER,
    SERVERS,
    TEXT,
    WORDS,
    Reader,
    any_bytes,
    json_file,
    maybe,
    toml_file,
    yaml_file,
)
from hypothesis import strategies as st

# --- Python ------------------------------------------------------------------------------------

IDENT = st.sampled_from(["f", "run", "fetch_page", "send_email", "url", "cmd", "x", "agent", "tools", "mcp", "_", "print"])
CALLS = st.sampled_from([
    "requests.get({a}).text", "requests.post({a}, json={a})", "subprocess.run({a}, shell=True)", "os.system({a})",
    "eval({a})", "exec({a})", "open({a}, 'w').write({a})", "shutil.rmtree({a})", "os.environ.get({a})",
    "smtplib.SMTP({a}).sendmail({a}, {a}, {a})", "{a}.startswith('https://api.example.com')", "re.fullmatch(r'(a+)+$', {a})",
])
HEADS = st.sampled_from([
    "@function_tool\n", "@tool\n", "@mcp.tool()\n", "@mcp.tool\n", "@app.list_tools()\n", "", "@{i}\n", "@tool({a})\n",
])
TAILS = st.sampled_from([
    "{i} = Agent(name={a}, tools=[{i}], handoffs=[{i}])\n", "mcp = FastMCP({a})\n", "{i} = [{i}, {i}]\n",
    "if os.environ.get({a}):\n    {i}.append({i})\n", "TOOLS = {{{a}: {i}}}\n", "{i} = create_react_agent({i}, [{i}])\n",
    "{i} = CodeAgent(tools=[{i}], additional_authorized_imports=['*'])\n", "Crew(agents=[{i}], tasks=[{i}])\n",
    "for {i} in {i}:\n    mcp.add_tool({i})\n", "{i}: {i} = lambda {i}: {i}\n",
])
IMPORTS = ("import os, re, shutil, smtplib, subprocess\nimport requests\nfrom agents import Agent, function_tool\n"
           "from mcp.server.fastmcp import FastMCP\nfrom langchain_core.tools import tool\nfrom smolagents import CodeAgent\n"
           "from crewai import Crew\nfrom langgraph.prebuilt import create_react_agent\n")


@st.composite
def agent_module(draw) -> bytes:
    """A module shaped like agent code: tools whose bodies call catalogued APIs, agents holding
    them, with random names, literals and guards."""
    def fill(template: str) -> str:
        while "{i}" in template or "{a}" in template:
            template = template.replace("{i}", draw(IDENT), 1).replace("{a}", draw(st.one_of(IDENT, TEXT.map(repr))), 1)
        return template

    parts = [IMPORTS]
    for _ in range(draw(st.integers(1, 4))):
        body = "\n".join("    " + ("return " if n == 0 else "") + fill(draw(CALLS)) for n in range(draw(st.integers(1, 3))))
        guard = draw(st.sampled_from(["", "    if not {i}.startswith({a}):\n        raise ValueError({a})\n"]))
        parts.append(fill(draw(HEADS)) + fill("def {i}({i}: str, {i}=None):\n    {a}\n") + fill(guard) + body + "\n")
        parts.append(fill(draw(TAILS)))
    return "\n".join(draw(st.permutations(parts))).encode("utf-8")


def python_files():
    import hypothesmith

    generated = hypothesmith.from_grammar().map(lambda text: text.encode("utf-8"))
    cut = agent_module().flatmap(lambda data: st.integers(0, len(data)).map(lambda n: data[:n]))
    return st.one_of(agent_module(), generated, cut, any_bytes())


# --- MCP client configs (JSON, JSONC, TOML, YAML) -------------------------------------------------

def wrapped(key: str):
    return st.fixed_dictionaries({key: maybe(SERVERS)}, optional={"inputs": JSON_VALUES, "other": JSON_VALUES})


CLAUDE_USER = st.fixed_dictionaries({"mcpServers": maybe(SERVERS)}, optional={
    "projects": maybe(st.dictionaries(TEXT, maybe(st.fixed_dictionaries({"mcpServers": maybe(SERVERS)})), max_size=2))})
GEMINI = st.fixed_dictionaries({"mcpServers": maybe(SERVERS)}, optional={
    "mcp": maybe(st.fixed_dictionaries({}, optional={"allowed": maybe(st.lists(NAMES)), "excluded": maybe(st.lists(NAMES))}))})
PERMISSION = st.sampled_from(["mcp__github", "mcp__github__create_issue", "mcp__s__get_*", "Bash", "Bash(*)", "Read(~/**)", ""])
CLAUDE_SETTINGS = st.fixed_dictionaries({}, optional={
    "permissions": maybe(st.fixed_dictionaries({}, optional={
        "allow": maybe(st.lists(maybe(PERMISSION), max_size=3)), "deny": maybe(st.lists(maybe(PERMISSION), max_size=3)),
        "ask": maybe(st.lists(maybe(PERMISSION), max_size=3)), "defaultMode": maybe(st.sampled_from(["bypassPermissions", "default"]))})),
    "enableAllProjectMcpServers": maybe(st.booleans()), "disabledMcpjsonServers": maybe(st.lists(NAMES, max_size=2)),
    "hooks": maybe(st.dictionaries(st.sampled_from(["PreToolUse", "PostToolUse"]), maybe(st.lists(maybe(st.fixed_dictionaries(
        {"matcher": maybe(TEXT), "hooks": maybe(st.lists(maybe(st.fixed_dictionaries({"type": st.just("command"), "command": maybe(TEXT)})), max_size=2))})),
        max_size=2)), max_size=2)),
})
CODEX = st.fixed_dictionaries({"": st.fixed_dictionaries({}, optional={
    "approval_policy": maybe(st.sampled_from(["never", "on-request"])), "sandbox_mode": maybe(st.sampled_from(["danger-full-access", "read-only"]))})}).flatmap(
    lambda top: st.dictionaries(NAMES.map(lambda n: "mcp_servers." + json.dumps(n)), SERVER, max_size=3).map(lambda rest: {**top, **rest}))
CONTINUE = st.fixed_dictionaries({"mcpServers": maybe(st.lists(maybe(SERVER), max_size=3))}, optional={"name": TEXT, "version": TEXT})

# --- tool manifests and the lockfile ----------------------------------------------------------------

ANNOTATIONS = st.fixed_dictionaries({}, optional={h: maybe(st.booleans()) for h in ("readOnlyHint", "destructiveHint", "openWorldHint")})
MCP_TOOL = st.fixed_dictionaries({"name": maybe(NAMES)}, optional={
    "description": maybe(TEXT), "inputSchema": maybe(SCHEMA), "annotations": maybe(ANNOTATIONS), "title": maybe(TEXT)})
OPENAI_TOOL = st.fixed_dictionaries({"type": st.just("function"), "function": maybe(st.fixed_dictionaries(
    {"name": maybe(NAMES)}, optional={"description": maybe(TEXT), "parameters": maybe(SCHEMA)}))})
ANTHROPIC_TOOL = st.fixed_dictionaries({"name": maybe(NAMES), "input_schema": maybe(SCHEMA)}, optional={"description": maybe(TEXT)})
TOOLS = st.lists(st.one_of(MCP_TOOL, OPENAI_TOOL, ANTHROPIC_TOOL, JSON_VALUES), max_size=4)
MANIFEST = st.one_of(st.fixed_dictionaries({"tools": maybe(TOOLS)}), st.fixed_dictionaries({"result": maybe(st.fixed_dictionaries({"tools": maybe(TOOLS)}))}), TOOLS)
LOCK = st.fixed_dictionaries({"riskscan_lock": maybe(st.just(1)), "manifests": maybe(st.dictionaries(
    st.sampled_from(["tools.json", "x/tools.json", ""]), maybe(st.fixed_dictionaries({"tools": maybe(st.dictionaries(
        NAMES, maybe(st.fixed_dictionaries({"sha256": maybe(TEXT), "description": maybe(TEXT)}))))})), max_size=2))})

# --- CrewAI YAML and declared agents -------------------------------------------------------------------

CREW_AGENTS = st.dictionaries(IDENT, maybe(st.fixed_dictionaries({"role": maybe(TEXT)}, optional={
    "goal": maybe(TEXT), "backstory": maybe(TEXT), "tools": maybe(st.lists(maybe(IDENT), max_size=3)), "allow_delegation": maybe(st.booleans())})), max_size=3)
CREW_TASKS = st.dictionaries(IDENT, maybe(st.fixed_dictionaries({"description": maybe(TEXT)}, optional={
    "expected_output": maybe(TEXT), "agent": maybe(IDENT), "tools": maybe(st.lists(maybe(IDENT), max_size=3)),
    "human_input": maybe(st.booleans()), "context": maybe(st.lists(IDENT, max_size=2))})), max_size=3)
DECLARED_AGENT = st.fixed_dictionaries({"name": maybe(NAMES)}, optional={
    "tools": maybe(st.lists(st.one_of(IDENT, st.sampled_from(["pkg.mod:func", "a:", ":b", "x y"]), TEXT), max_size=3)),
    "handoffs": maybe(st.lists(NAMES, max_size=2))})
DECLARED = st.fixed_dictionaries({"[[agents]]": st.lists(DECLARED_AGENT, max_size=3)})

# --- riskscan's own files: config, suppressions, rulesets -----------------------------------------------

CONFIG_KEYS = st.fixed_dictionaries({}, optional={
    "fail-on": maybe(st.sampled_from(["critical", "high", "note", "x"])), "max-steps": maybe(st.integers(-5, 30)),
    "max-paths": maybe(st.integers(0, 20000)), "timeout-ms": maybe(st.integers(0, 700000)), "max-file-bytes": maybe(st.integers(-1, 10**7)),
    "max-files": maybe(st.integers(-1, 10**6)), "select": maybe(st.lists(TEXT, max_size=2)), "exclude": maybe(st.lists(TEXT, max_size=2)),
    "per-path-ignores": maybe(st.dictionaries(TEXT, maybe(st.lists(TEXT, max_size=2)), max_size=2)), "ruleset": maybe(st.lists(TEXT, max_size=1)),
    "format": maybe(st.sampled_from(["json", "sarif", "xml"])), "exit-zero": maybe(st.booleans()), "unknown-key": JSON_VALUES,
})
CONFIG = CONFIG_KEYS.map(lambda keys: {"": keys})
PYPROJECT = st.one_of(CONFIG_KEYS.map(lambda keys: {"tool.riskscan": keys}), st.fixed_dictionaries({"": st.fixed_dictionaries({"tool": JSON_VALUES})}),
                      st.fixed_dictionaries({"tool": st.fixed_dictionaries({"riskscan": JSON_VALUES})}),
                      st.fixed_dictionaries({"[[tool.riskscan.agents]]": st.lists(DECLARED_AGENT, max_size=3)}))
SUPPRESSION = st.fixed_dictionaries({"rule": maybe(st.sampled_from(["RS101", "RS2", "XX"]))}, optional={
    "path": maybe(st.sampled_from(["*.json", "**", "["])), "server": maybe(NAMES), "tool": maybe(NAMES), "reason": maybe(TEXT),
    "expires": maybe(st.sampled_from(["2020-01-01", "never", "2999-12-31"]))})
SUPPRESSIONS = st.fixed_dictionaries({"[[suppress]]": st.lists(SUPPRESSION, max_size=3)})
RULESET_KIND = st.sampled_from(["apis", "builtin-tools", "lexicon", "mcp-servers", "rules", "secrets", "nonsense"])
RULE_FIELD = st.sampled_from(["id", "name", "pattern", "label", "labels", "severity", "title", "words", "packages", "tools", "code", "kind"])
RULE_VALUE = maybe(st.one_of(TEXT, st.sampled_from(["(", "RS999", "critical", "code_exec"])))
RULESET = st.fixed_dictionaries({"kind": maybe(RULESET_KIND)}, optional={
    key: maybe(st.lists(maybe(st.dictionaries(RULE_FIELD, RULE_VALUE)), max_size=3))
    for key in ("apis", "tools", "entries", "servers", "rules", "patterns", "secret_keys", "words")})

# --- traces ---------------------------------------------------------------------------------------

ARGS = st.one_of(st.dictionaries(TEXT, JSON_VALUES, max_size=3), st.dictionaries(TEXT, JSON_VALUES, max_size=3).map(json.dumps), TEXT)
TOOL_NAME = st.sampled_from(["fetch_page", "read_inbox", "send_email", "run_shell", "mcp__slack__slack_post_message", "", "x"])
OPENAI_MESSAGE = st.one_of(
    st.fixed_dictionaries({"role": st.just("assistant"), "content": st.none(), "tool_calls": maybe(st.lists(maybe(st.fixed_dictionaries(
        {"id": maybe(TEXT), "type": st.just("function"), "function": maybe(st.fixed_dictionaries({"name": maybe(TOOL_NAME), "arguments": maybe(ARGS)}))})), max_size=2))}),
    st.fixed_dictionaries({"role": st.just("tool"), "tool_call_id": maybe(TEXT), "content": maybe(TEXT)}),
    st.fixed_dictionaries({"role": maybe(st.sampled_from(["user", "system", "developer"])), "content": maybe(TEXT)}),
    st.fixed_dictionaries({"type": st.sampled_from(["function_call", "function_call_output"]), "call_id": maybe(TEXT), "name": maybe(TOOL_NAME),
                           "arguments": maybe(ARGS), "output": maybe(TEXT)}),
)
ANTHROPIC_MESSAGE = st.fixed_dictionaries({"role": st.sampled_from(["user", "assistant"]), "content": maybe(st.lists(st.one_of(
    st.fixed_dictionaries({"type": st.just("tool_use"), "id": maybe(TEXT), "name": maybe(TOOL_NAME), "input": maybe(ARGS)}),
    st.fixed_dictionaries({"type": st.just("tool_result"), "tool_use_id": maybe(TEXT), "content": maybe(st.one_of(TEXT, st.lists(
        st.fixed_dictionaries({"type": st.just("text"), "text": maybe(TEXT)}), max_size=2)))}),
    st.fixed_dictionaries({"type": st.just("text"), "text": maybe(TEXT)})), max_size=3))})
ATTRIBUTE_KEY = st.sampled_from(["gen_ai.operation.name", "gen_ai.tool.name", "gen_ai.tool.call.id", "gen_ai.tool.call.arguments",
                                 "gen_ai.tool.call.result", "gen_ai.agent.name", "gen_ai.input.messages", "gen_ai.output.messages", "x"])
ATTRIBUTE_VALUE = st.one_of(st.fixed_dictionaries({"stringValue": maybe(st.one_of(TOOL_NAME, ARGS.map(str), st.sampled_from(["execute_tool", "invoke_agent"])))}),
                            st.fixed_dictionaries({"intValue": maybe(st.sampled_from(["1", "x"]))}), JSON_VALUES)
SPAN = st.fixed_dictionaries({"traceId": maybe(TEXT), "spanId": maybe(TEXT), "name": maybe(st.sampled_from(["execute_tool send_email", "invoke_agent A", "x"]))},
                             optional={"parentSpanId": maybe(TEXT), "startTimeUnixNano": maybe(st.sampled_from(["1", "2", "x", ""])),
                                       "attributes": maybe(st.lists(st.fixed_dictionaries({"key": maybe(ATTRIBUTE_KEY), "value": maybe(ATTRIBUTE_VALUE)}), max_size=4))})
OTLP = st.fixed_dictionaries({"resourceSpans": maybe(st.lists(st.fixed_dictionaries({"scopeSpans": maybe(st.lists(
    st.fixed_dictionaries({"spans": maybe(st.lists(maybe(SPAN), max_size=4))}), max_size=2))}), max_size=2))})
AGENTS_SDK_SPAN = st.fixed_dictionaries({"object": st.sampled_from(["trace.span", "trace"]), "id": maybe(TEXT), "parent_id": maybe(TEXT),
                                         "started_at": maybe(st.sampled_from(["2025-03-01T11:00:00+00:00", "x"])),
                                         "span_data": maybe(st.fixed_dictionaries({"type": maybe(st.sampled_from(["agent", "function", "handoff", "mcp_tools"]))}, optional={
                                             "name": maybe(TOOL_NAME), "input": maybe(ARGS.map(str)), "output": maybe(TEXT), "from_agent": maybe(NAMES),
                                             "to_agent": maybe(NAMES), "tools": maybe(st.lists(TOOL_NAME, max_size=2)), "handoffs": maybe(st.lists(NAMES, max_size=2))}))})
TRACE_DOCUMENT = st.one_of(
    st.lists(OPENAI_MESSAGE, max_size=6), st.fixed_dictionaries({"messages": st.lists(ANTHROPIC_MESSAGE, max_size=5)}), OTLP,
    st.fixed_dictionaries({"data": st.lists(AGENTS_SDK_SPAN, max_size=6)}), st.fixed_dictionaries({"input": st.lists(OPENAI_MESSAGE, max_size=5)}),
)


SAVED_REPORT = json.loads((Path(__file__).parents[1] / "fixtures" / "traces" / "mail-assistant.report.json").read_text(encoding="utf-8"))
BASELINE = {"riskscan_baseline": 1, "findings": [{"fingerprint": "ab" * 32, "rule_id": "RS101", "message": "m",
                                                  "location": {"path": "a.py", "line": 3, "column": 1}}]}


@st.composite
def mutated(draw, document):
    """`document` with a few of its values replaced by any JSON value (or removed)."""
    document = json.loads(json.dumps(document))
    for _ in range(draw(st.integers(1, 4))):
        node, key = None, None
        current = document
        while isinstance(current, (dict, list)) and current and draw(st.integers(0, 3)):
            node = current
            key = draw(st.sampled_from(sorted(current) if isinstance(current, dict) else range(len(current))))
            current = current[key]
        if node is None:
            continue
        if draw(st.booleans()) and isinstance(node, dict):
            del node[key]
        else:
            node[key] = draw(JSON_VALUES)
    return document


# --- cache entries ----------------------------------------------------------------------------------


@cache
def cache_entries() -> tuple[dict, ...]:
    """The cache entries a scan of the findings project writes (facts, survey, solved, ...): fuzzed
    entries are these, damaged, with values replaced or removed, or random bytes."""
    import tempfile

    from cache_entries import body_of, entries
    from fuzz_checks import FINDINGS_PROJECT

    from riskscan.scan import scan
    from riskscan.types import Config

    with tempfile.TemporaryDirectory() as folder:
        scan(str(FINDINGS_PROJECT), Config(cache_dir=folder, timeout_ms=1000, read_all=True))
        found = [body_of(p) for p in entries(Path(folder))]
    return tuple(found)


CACHE_ENTRY = st.deferred(lambda: st.sampled_from(cache_entries())).flatmap(lambda entry: json_file(mutated(entry)))


def json_lines(records):
    return st.lists(records, min_size=2, max_size=6).map(lambda items: "\n".join(json.dumps(i) for i in items).encode("utf-8"))


def _reader_list() -> list[Reader]:
    return [
        Reader("python", "agent.py", python_files()),
        Reader("claude-desktop", "claude_desktop_config.json", json_file(wrapped("mcpServers"))),
        Reader("claude-code", ".mcp.json", json_file(wrapped("mcpServers"))),
        Reader("claude-user", ".claude.json", json_file(CLAUDE_USER)),
        Reader("claude-settings", ".claude/settings.json", json_file(CLAUDE_SETTINGS)),
        Reader("cursor", ".cursor/mcp.json", json_file(wrapped("mcpServers"))),
        Reader("vscode", ".vscode/mcp.json", json_file(st.one_of(wrapped("servers"), st.fixed_dictionaries({"mcp": wrapped("servers")})))),
        Reader("windsurf", ".codeium/windsurf/mcp_config.json", json_file(wrapped("mcpServers"))),
        Reader("gemini", ".gemini/settings.json", json_file(GEMINI)),
        Reader("zed", ".zed/settings.json", json_file(wrapped("context_servers"))),
        Reader("codex", ".codex/config.toml", toml_file(CODEX)),
        Reader("continue", ".continue/config.yaml", yaml_file(CONTINUE)),
        Reader("manifest", "tools.json", json_file(MANIFEST)),
        Reader("lockfile", "riskscan.lock.json", json_file(LOCK)),
        Reader("crewai-agents", "crew/config/agents.yaml", yaml_file(CREW_AGENTS)),
        Reader("crewai-tasks", "crew/config/tasks.yaml", yaml_file(CREW_TASKS)),
        Reader("declared-agents", "riskscan.toml", toml_file(DECLARED)),
        Reader("trace", "run.json", st.one_of(json_file(TRACE_DOCUMENT), json_lines(st.one_of(OPENAI_MESSAGE, OTLP, AGENTS_SDK_SPAN)), any_bytes()), "trace"),
        Reader("saved-report", "report.json", json_file(mutated(SAVED_REPORT)), "saved-report"),
        Reader("baseline", "baseline.json", json_file(mutated(BASELINE)), "baseline"),
        Reader("ruleset", "extra.yaml", yaml_file(RULESET), "ruleset"),
        Reader("declared-pyproject", "pyproject.toml", toml_file(PYPROJECT)),
        Reader("config", "riskscan.toml", toml_file(CONFIG), "config"),
        Reader("config-pyproject", "pyproject.toml", toml_file(PYPROJECT), "config"),
        Reader("suppressions", "riskscan-suppressions.toml", toml_file(SUPPRESSIONS), "suppressions"),
        Reader("cache", "entry.json", CACHE_ENTRY, "cache"),
    ]


READERS = {reader.name: reader for reader in _reader_list()}
__all__ = ["READERS", "WORDS"]

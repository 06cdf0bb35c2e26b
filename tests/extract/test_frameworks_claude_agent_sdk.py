"""The Claude Agent SDK adapter on small sources: which tools each options object's agent holds
under Claude Code's permissions, the gates in front of them, its servers and subagents, and what
must not be recorded."""

from __future__ import annotations

import textwrap

import pytest

from riskscan.extract.configs.claude_code_permissions import (
    ASKING,
    DEFAULT_TOOLS,
    OLD_DEFAULT_TOOLS,
    matcher_matches,
    parse_rule,
    rule_matches,
)
from riskscan.extract.python import extract
from riskscan.model import build
from riskscan.rulesets import load
from riskscan.types import Location, Ref, When


@pytest.fixture(scope="module")
def rulesets():
    return load()


def facts(rulesets, source: str, path: str = "app/agent.py", module: str = "app.agent"):
    from riskscan.types import SourceFile

    return extract(textwrap.dedent(source).encode(), SourceFile(path, "python", module), rulesets)


def held(found, agent_name: str) -> dict[str, tuple[str, ...]]:
    """The tools an agent holds, by name, with the kinds and details of their gates (a tool's own
    gates and those the agent puts on it by name)."""
    agent = next(a for a in found.agents if a.name == agent_name)
    tools = {t.id: t for t in found.tools}
    result = {}
    for value in agent.tools:
        ref = value.value if isinstance(value, When) else value
        assert isinstance(ref, Ref), value
        tool = tools.get(ref.qualname)
        name = tool.name if tool is not None else ref.qualname
        gates = list(tool.gates) if tool is not None else []
        gates += [gate for tool_name, gate in agent.tool_gates if tool_name == name]
        result[name] = tuple(sorted(f"{g.kind}: {g.detail}" for g in gates))
    return result


def diagnostics(found, code: str) -> list[str]:
    return [d.message for d in found.diagnostics if d.code == code]


HEADER = "from claude_agent_sdk import ClaudeAgentOptions, ClaudeSDKClient, query\n"


def sdk(rulesets, body: str):
    """Facts of `body` under the import of the SDK's options, client and query."""
    return facts(rulesets, HEADER + textwrap.dedent(body))


def test_the_options_object_is_the_agent_with_the_default_tools_that_ask_nobody(rulesets):
    found = sdk(rulesets, "desk = ClaudeAgentOptions(system_prompt='You help.')\n")
    assert [(a.id, a.name, a.framework) for a in found.agents] == [("app.agent.desk", "desk", "claude-agent-sdk")]
    assert held(found, "desk") == {"Agent": (), "Read": (), "Glob": (), "Grep": ()}
    builtins = {t.name: t.builtin for t in found.tools}
    assert builtins["Read"] == "claude_code.Read"
    # Bash, Write, WebFetch ... ask, and headless nobody answers: not held, and said so
    assert diagnostics(found, "permission-denied") == [
        ("agent 'desk' does not hold Bash, Edit, Write, NotebookEdit, WebFetch, WebSearch: it asks for permission, "
         "and nothing answers: no can_use_tool, prompt tool or allow rule")
    ]


def test_an_agent_in_a_function_is_named_by_the_function_and_a_session_without_options_is_one_too(rulesets):
    found = sdk(rulesets, """
        async def review(path):
            options = ClaudeAgentOptions(allowed_tools=["Bash"])
            async with ClaudeSDKClient(options=options) as client:
                await client.query(path)

        async def ask():
            async for message in query(prompt="What is 2 + 2?"):
                print(message)

        async def reuse(options):
            async for message in query(prompt="again", options=options):
                print(message)

        class Researcher:
            def __init__(self):
                self.options = ClaudeAgentOptions(permission_mode="bypassPermissions")

        for mode in ("a", "b"):
            looped = ClaudeAgentOptions(allowed_tools=["Bash"])
    """)
    # `reuse` passes options on: no agent; the loop's options are one agent
    assert sorted(a.name for a in found.agents) == ["Researcher", "ask", "looped", "review"]
    assert sorted((h.check, h.subject) for h in found.hygiene) == [
        ("approvals-disabled", "Researcher"), ("broad-allow", "looped"), ("broad-allow", "review")]
    assert "Bash" in held(found, "review") and "Bash" not in held(found, "ask")


def test_allow_rules_whole_and_narrow_and_deny_rules(rulesets):
    found = sdk(rulesets, """
        ops = ClaudeAgentOptions(
            allowed_tools=["WebFetch()", "Bash(git status:*)", "Write(*)", "TodoWrite"],
            disallowed_tools=["Grep", "Read(./secrets/**)"],
        )
    """)
    tools = held(found, "ops")
    assert tools["WebFetch"] == () and tools["Write"] == ()
    assert tools["Bash"] == ("allowlist: allowed_tools `Bash(git status:*)`: only matching calls run unasked",)
    assert "TodoWrite" in tools  # a built-in named by a rule joins the default set
    assert "Grep" not in tools and "Read" in tools  # a rule with a specifier removes nothing whole
    assert diagnostics(found, "permission-denied")[-1] == "agent 'ops' does not hold Grep: removed by disallowed_tools"
    # an allow rule for every shell command is a hygiene fact; a narrow one is not
    assert [h.check for h in found.hygiene] == []
    found = sdk(rulesets, "ops = ClaudeAgentOptions(allowed_tools=['Bash', 'Read'])\n")
    assert [(h.check, h.detail) for h in found.hygiene] == [("broad-allow", "allowed_tools entry `Bash` runs every shell command without asking")]


def test_tools_sets_the_built_ins_and_a_list_bound_to_a_name_is_read(rulesets):
    found = sdk(rulesets, """
        BASE = ["Read", "Glob"]
        SHELL = {"Bash"}
        only = ClaudeAgentOptions(tools=BASE + ["Bash"], allowed_tools=list(SHELL))
        none = ClaudeAgentOptions(tools=[])
        preset = ClaudeAgentOptions(tools={"type": "preset", "preset": "claude_code"})
    """)
    assert set(held(found, "only")) == {"Read", "Glob", "Bash"}
    assert held(found, "none") == {}
    assert set(held(found, "preset")) == {"Agent", "Read", "Glob", "Grep"}


def test_an_unknown_allow_list_hides_nothing(rulesets):
    found = sdk(rulesets, "import os\nops = ClaudeAgentOptions(allowed_tools=os.environ['TOOLS'].split(','))\n")
    assert set(held(found, "ops")) == set(DEFAULT_TOOLS)
    assert diagnostics(found, "unresolved-permissions")


READERS = {"Agent", "Read", "Glob", "Grep"}  # the default tools that ask nobody
APPROVAL = ("approval: can_use_tool=approve decides each call that asks",)


@pytest.mark.parametrize("mode, free, gated", [
    ("default", READERS | {"WebSearch"}, {"Bash", "Edit", "Write", "NotebookEdit", "WebFetch"}),
    ("acceptEdits", READERS | {"WebSearch", "Edit", "Write", "NotebookEdit"}, {"Bash", "WebFetch"}),
    ("bypassPermissions", set(DEFAULT_TOOLS), set()),  # can_use_tool is never consulted
    ("plan", READERS, set()),  # nothing that asks runs, allowed or not
    ("dontAsk", READERS | {"WebSearch"}, set()),  # what no rule allows is denied: can_use_tool is never consulted
])
def test_permission_modes(rulesets, mode, free, gated):
    found = sdk(rulesets, f"""
        async def approve(name, data, context):
            return {{"behavior": "deny"}}
        ops = ClaudeAgentOptions(permission_mode={mode!r}, can_use_tool=approve, allowed_tools=["WebSearch"])
    """)
    tools = held(found, "ops")
    assert {name for name, gates in tools.items() if gates == ()} == free
    assert {name for name, gates in tools.items() if gates == APPROVAL} == gated
    assert set(tools) == free | gated
    assert [h.check for h in found.hygiene] == (["approvals-disabled"] if mode == "bypassPermissions" else [])


def test_auto_mode_is_a_classifier_guardrail(rulesets):
    found = sdk(rulesets, "ops = ClaudeAgentOptions(permission_mode='auto', tools=['Bash'])\n")
    assert held(found, "ops") == {"Bash": ("guardrail: permission_mode='auto': a model classifier approves or denies each call",)}


def test_can_use_tool_is_an_approval_gate_only_in_front_of_what_asks_and_only_when_it_can_deny(rulesets):
    found = sdk(rulesets, """
        from claude_agent_sdk import PermissionResultAllow, PermissionResultDeny
        from app.policy import decide

        async def operator(tool_name, tool_input, context):
            if input("allow? ") == "y":
                return PermissionResultAllow()
            return PermissionResultDeny(message="no")

        async def yes(tool_name, tool_input, context):
            return PermissionResultAllow()

        gated = ClaudeAgentOptions(tools=["Bash", "Read"], can_use_tool=operator, allowed_tools=["Read"])
        open_door = ClaudeAgentOptions(tools=["Bash"], can_use_tool=yes)
        elsewhere = ClaudeAgentOptions(tools=["Bash"], can_use_tool=decide)
        prompt_tool = ClaudeAgentOptions(tools=["Bash"], permission_prompt_tool_name="mcp__perm__approve")
    """)
    assert held(found, "gated") == {"Bash": ("approval: can_use_tool=operator decides each call that asks",), "Read": ()}
    assert held(found, "open_door") == {"Bash": ()}  # never denies: every call runs unasked
    assert diagnostics(found, "partial-gate") == ["can_use_tool=yes never returns a denial: it allows every call that asks; no gate"]
    assert held(found, "elsewhere") == {"Bash": ("approval: can_use_tool=decide decides each call that asks (its body is not in this file)",)}
    assert held(found, "prompt_tool") == {"Bash": ("approval: permission_prompt_tool_name='mcp__perm__approve' decides each call that asks",)}


def test_a_callback_is_read_per_tool_it_names_asking_checking_or_letting_it_run(rulesets):
    # the SDK's example: reads allowed, writes checked and redirected, Bash checked against a deny
    # list, anything else put to a person with input()
    found = sdk(rulesets, """
        from claude_agent_sdk import PermissionResultAllow, PermissionResultDeny

        async def callback(tool_name, input_data, context):
            if tool_name in ["Read", "Glob", "Grep"]:
                return PermissionResultAllow()
            if tool_name in ["Write", "Edit"]:
                if input_data.get("file_path", "").startswith("/etc/"):
                    return PermissionResultDeny(message="system directory")
                return PermissionResultAllow(updated_input={"file_path": "./safe/out"})
            if tool_name == "Bash":
                if "rm -rf" in input_data.get("command", ""):
                    return PermissionResultDeny(message="dangerous")
                return PermissionResultAllow()
            if tool_name == "Task":
                return PermissionResultAllow()
            if input("Allow? ") == "y":
                return PermissionResultAllow()
            return PermissionResultDeny(message="denied")

        desk = ClaudeAgentOptions(tools=["Bash", "Write", "WebFetch", "Task"], can_use_tool=callback)
    """)
    assert held(found, "desk") == {
        "Bash": ("guardrail: can_use_tool=callback checks Bash calls and lets the others run unasked",),
        "Write": ("guardrail: can_use_tool=callback checks Write, Edit calls and lets the others run unasked",),
        "WebFetch": ("approval: can_use_tool=callback decides each call that asks",),
        "Task": (),
    }


def test_pre_tool_use_hooks_gate_the_tools_their_matcher_matches(rulesets):
    found = sdk(rulesets, """
        from claude_agent_sdk import HookMatcher
        from app.tracking import tracker

        async def no_rm(input_data, tool_use_id, context):
            if "rm " in input_data["tool_input"].get("command", ""):
                return {"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "deny"}}
            return {}

        async def reviewer(input_data, tool_use_id, context):
            return {"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "allow"}}

        async def log(input_data, tool_use_id, context):
            print(input_data)
            return {}

        HOOKS = {"PreToolUse": [HookMatcher(matcher="Bash", hooks=[no_rm]), {"matcher": "Write|Edit", "hooks": [reviewer]},
                                HookMatcher(hooks=[log, tracker.pre_tool_use])]}
        ops = ClaudeAgentOptions(tools=["Bash", "Write", "Edit", "Read"], allowed_tools=["Bash"], hooks=HOOKS)
    """)
    assert held(found, "ops") == {
        "Bash": ("guardrail: PreToolUse hook no_rm may deny each call",),
        # nothing else lets Write run headless, but the hook may allow it: it decides
        "Write": ("guardrail: PreToolUse hook reviewer decides each call",),
        "Edit": ("guardrail: PreToolUse hook reviewer decides each call",),
        "Read": (),  # `log` neither denies nor allows: no gate
    }
    assert diagnostics(found, "unresolved-hook") == ["PreToolUse hook tracker.pre_tool_use is not a function of this file; not read, no gate recorded"]


def test_the_sandbox_gates_bash_and_lets_it_run_unasked(rulesets):
    found = sdk(rulesets, """
        boxed = ClaudeAgentOptions(tools=["Bash", "WebFetch"], sandbox={"enabled": True, "excludedCommands": ["docker"]})
        asks = ClaudeAgentOptions(tools=["Bash"], sandbox={"enabled": True, "autoAllowBashIfSandboxed": False})
        off = ClaudeAgentOptions(tools=["Bash"], allowed_tools=["Bash"], sandbox={"enabled": False})
    """)
    assert held(found, "boxed") == {"Bash": (
        ("sandbox: sandbox enabled: Bash commands run with Claude Code's filesystem and network isolation "
         "(except excludedCommands [\"docker\"])"),)}
    assert held(found, "asks") == {}
    assert held(found, "off") == {"Bash": ()}


def test_sdk_tools_take_their_parameters_from_the_schema_and_rules_name_them_by_the_servers_key(rulesets):
    found = sdk(rulesets, """
        from claude_agent_sdk import PermissionResultDeny, SdkMcpTool, create_sdk_mcp_server, tool
        from mcp.types import ToolAnnotations

        @tool("add", "Add two numbers", {"a": float, "b": float})
        async def add_numbers(args):
            return {"content": [{"type": "text", "text": str(args["a"] + args["b"])}]}

        @tool("wipe", "Wipe a table", {"type": "object", "properties": {"table": {"type": "string"}}}, annotations=ToolAnnotations(destructiveHint=True))
        async def wipe(args):
            return {}

        async def echo(args):
            return args

        async def ask(name, data, context):
            return PermissionResultDeny(message="no")

        calculator = create_sdk_mcp_server(name="calculator", tools=[add_numbers, wipe, SdkMcpTool(name="echo", description="Echo", input_schema={"text": str}, handler=echo)])
        calc = ClaudeAgentOptions(tools=[], mcp_servers={"calc": calculator}, allowed_tools=["mcp__calc__add", "mcp__calc__echo"], can_use_tool=ask)
        denied = ClaudeAgentOptions(tools=[], mcp_servers={"calc": calculator}, allowed_tools=["mcp__calc"], disallowed_tools=["mcp__calc__wipe"])
    """)
    tools = {t.name: t for t in found.tools}
    assert (tools["add"].id, tools["add"].params, tools["add"].framework) == ("app.agent.add_numbers", ("a", "b"), "claude-agent-sdk")
    assert tools["wipe"].params == ("table",) and '"properties"' in tools["wipe"].input_schema
    assert tools["wipe"].annotations == (("destructiveHint", True),)
    assert (tools["echo"].function, tools["echo"].params) == ("app.agent.echo", ("text",))
    # the agent puts its approval gate on the tool no rule allows, by the tool's name
    assert held(found, "calc") == {"add": (), "echo": (), "wipe": ("approval: can_use_tool=ask decides each call that asks",)}
    assert set(held(found, "denied")) == {"add", "echo"}  # a whole-server allow, one tool denied


def test_a_server_of_another_module_is_held_when_a_rule_names_one_of_its_tools(rulesets):
    found = sdk(rulesets, """
        from app.tools import desk
        support = ClaudeAgentOptions(tools=[], mcp_servers={"desk": desk}, allowed_tools=["mcp__desk__lookup"])
        closed = ClaudeAgentOptions(tools=[], mcp_servers={"desk": desk})
    """)
    support = next(a for a in found.agents if a.name == "support")
    assert support.tools == (Ref("app.tools.desk", Location("app/agent.py", 4, 61)),)
    assert next(a for a in found.agents if a.name == "closed").tools == ()
    assert diagnostics(found, "partial-gate") == [
        "agent 'support', MCP server `desk`: a rule allows some of its tools, and which they are is not known here: all are taken as held"
    ]


def test_an_external_server_entry_gives_the_catalogued_servers_tools_per_agent(rulesets):
    found = sdk(rulesets, """
        async def ask(name, data, context):
            return {"behavior": "deny"}
        SERVERS = {"web": {"command": "uvx", "args": ["mcp-server-fetch"]}, "crm": {"type": "http", "url": "https://crm.example.com/mcp"}}
        gated = ClaudeAgentOptions(tools=[], mcp_servers=SERVERS, can_use_tool=ask)
        allowed = ClaudeAgentOptions(tools=[], mcp_servers=SERVERS, allowed_tools=["mcp__web__fetch"])
    """)
    assert held(found, "gated") == {
        "fetch": ("approval: can_use_tool=ask decides each call that asks",),
        "crm/*": ("approval: can_use_tool=ask decides each call that asks",),  # an unknown server: one opaque tool
    }
    assert held(found, "allowed") == {"fetch": ()}
    fetches = sorted(t.id for t in found.tools if t.name == "fetch")
    assert fetches == ["mcp:app/agent.py#app.agent.allowed#web/fetch", "mcp:app/agent.py#app.agent.gated#web/fetch"]


def test_subagents_are_called_like_tools_with_their_own_tools_under_the_parents_rules(rulesets):
    found = sdk(rulesets, """
        from claude_agent_sdk import AgentDefinition

        reviewer = AgentDefinition(description="Reviews", prompt="Review.", tools=["Read", "Grep", "Bash"])
        lead = ClaudeAgentOptions(
            allowed_tools=["WebSearch"],
            agents={
                "reviewer": reviewer,
                "scout": AgentDefinition(description="Searches", prompt="Search.", disallowedTools=["Grep"]),
                "fixer": AgentDefinition(description="Fixes", prompt="Fix.", tools=["Edit"], permissionMode="bypassPermissions"),
            },
        )
        alone = ClaudeAgentOptions(tools=["Read"], agents={"reviewer": reviewer})
    """)
    lead = next(a for a in found.agents if a.name == "lead")
    subagents = [v.qualname for v in lead.tools if v.qualname.startswith("app.agent.lead.<subagent")]
    assert subagents == ["app.agent.lead.<subagent reviewer>", "app.agent.lead.<subagent scout>", "app.agent.lead.<subagent fixer>"]
    assert set(held(found, "reviewer")) == {"Read", "Grep"}  # Bash asks, and nothing answers
    assert set(held(found, "scout")) == {"Read", "Glob", "WebSearch"}  # the parent's, without Agent and Grep
    assert set(held(found, "fixer")) == {"Edit"}
    assert [(h.check, h.subject) for h in found.hygiene] == [("approvals-disabled", "fixer")]
    # without the Agent tool the parent never runs its subagents
    assert [a.name for a in found.agents].count("reviewer") == 1
    assert diagnostics(found, "permission-denied")[-1] == "agent 'alone' has no Agent tool: its subagents are never run"


def test_a_subagents_tools_come_from_the_session_and_its_own_servers(rulesets):
    found = sdk(rulesets, """
        from claude_agent_sdk import AgentDefinition, create_sdk_mcp_server, tool

        @tool("lookup", "Look up", {"key": str})
        async def lookup(args):
            return {}

        desk = create_sdk_mcp_server(name="desk", tools=[lookup])
        writer = AgentDefinition(description="d", prompt="p", tools=["Read", "Skill", "WebSearch"])
        web = AgentDefinition(description="d", prompt="p", tools=["mcp__web__fetch"],
                              mcpServers=["desk", {"web": {"command": "uvx", "args": ["mcp-server-fetch"]}}])
        open_session = ClaudeAgentOptions(permission_mode="bypassPermissions", mcp_servers={"desk": desk},
                                          agents={"writer": writer, "web": web})
        narrow = ClaudeAgentOptions(permission_mode="bypassPermissions", tools=["Read", "Agent"], agents={"writer": writer})
    """)
    tools = {t.id: t.name for t in found.tools}
    writers = {a.id: sorted(tools[v.qualname] for v in a.tools) for a in found.agents if a.name == "writer"}
    assert writers == {"app.agent.open_session.<subagent writer>": ["Read", "Skill", "WebSearch"],
                       "app.agent.narrow.<subagent writer>": ["Read"]}  # `tools=` sets what the session has
    assert set(held(found, "web")) == {"lookup", "fetch"}  # the session's desk by name, and its own fetch server


def test_what_the_options_load_from_elsewhere_is_said_to_be_unread(rulesets):
    found = sdk(rulesets, """
        EXTRA = {"model": "haiku"}
        ops = ClaudeAgentOptions(setting_sources=["project"], plugins=[{"type": "local", "path": "./plugin"}],
                                 settings="settings.json", **EXTRA)
        isolated = ClaudeAgentOptions(setting_sources=[], plugins=[])
    """)
    notes = [(d.code, d.message.split(" ")[0]) for d in found.diagnostics if d.code.startswith("unresolved")]
    assert sorted(notes) == [
        ("unresolved-permissions", "options"), ("unresolved-permissions", "setting_sources=[\"project\"]"),
        ("unresolved-permissions", "settings=\"settings.json\""), ("unresolved-plugin", "plugins=[{\"type\":"),
    ]


def test_a_subagent_reaches_its_parent_both_ways_in_the_model(rulesets):
    found = sdk(rulesets, """
        from claude_agent_sdk import AgentDefinition
        lead = ClaudeAgentOptions(agents={"scout": AgentDefinition(description="d", prompt="p", tools=["Read"])})
    """)
    system = build("/x", [found], rulesets)
    agents = {a.name: a for a in system.agents}
    assert [(h.kind, h.target) for h in agents["lead"].handoffs] == [("agent-as-tool", "app.agent.lead.<subagent scout>")]


def test_claude_code_sdk_options_run_the_older_cli_whose_subagent_tool_is_task(rulesets):
    found = facts(rulesets, """
        from claude_code_sdk import ClaudeCodeOptions, query
        old = ClaudeCodeOptions(allowed_tools=["MultiEdit"], permission_mode="acceptEdits")
    """)
    assert set(held(found, "old")) == {"Task", "Read", "Glob", "Grep", "LS", "Edit", "MultiEdit", "Write", "NotebookEdit"}


def test_things_that_are_not_agents_are_not_recorded(rulesets):
    found = facts(rulesets, """
        from claude_agent_sdk import AgentDefinition, HookMatcher, ClaudeSDKClient

        definition = AgentDefinition(description="d", prompt="p")
        matcher = HookMatcher(matcher="Bash", hooks=[])

        def client_for(options):
            return ClaudeSDKClient(options)
    """)
    assert found.agents == () and found.tools == ()


def test_the_catalog_knows_every_tool_the_adapter_names(rulesets):
    catalog = rulesets.builtin_index()
    for name in {*DEFAULT_TOOLS, *OLD_DEFAULT_TOOLS, *ASKING}:
        entry = catalog[f"claude_code.{name}"]
        assert (entry.tool_name, entry.framework) == (name, "claude-code")
    assert catalog["claude_code.WebFetch"].labels == ("untrusted_input", "external_send")


def test_rules_and_matchers_read_as_claude_code_reads_them():
    where = Location("x.py", 1, 1)
    assert parse_rule("Bash(git status:*)", where).specifier == "git status:*"
    assert parse_rule("Read(*)", where).whole and parse_rule("Read()", where).whole
    assert parse_rule("(oops)", where) is None and parse_rule("Bash(unclosed", where) is None
    assert rule_matches(parse_rule("Task", where), "Agent")
    assert rule_matches(parse_rule("mcp__gh", where), "mcp__gh__create_issue")
    assert rule_matches(parse_rule("mcp__gh__get_*", where), "mcp__gh__get_issue")
    assert not rule_matches(parse_rule("mcp__gh__get_*", where), "mcp__gh__create_issue")
    assert not rule_matches(parse_rule("mcp__gh", where), "mcp__ghx__a")
    assert matcher_matches(None, "Bash") and matcher_matches("*", "Write")
    assert matcher_matches("Write|Edit", "Edit") and not matcher_matches("Bash", "BashOutput")
    assert matcher_matches("mcp__gh__.*", "mcp__gh__create_issue") and not matcher_matches("Notebook.*", "Read")

"""Claude Agent SDK (`claude_agent_sdk`) and its earlier name, the Claude Code SDK
(`claude_code_sdk`): programs that run the Claude Code CLI as their agent.

- The agent is the options object: each `ClaudeAgentOptions(...)` / `ClaudeCodeOptions(...)` is
  one agent (it is what `query(prompt=..., options=...)` and `ClaudeSDKClient(options)` run), and
  so is a `query()` / `ClaudeSDKClient()` without options (the defaults). It is named by the
  variable it is bound to at module level, else by the function that builds it (the class, for an
  `__init__`), since inside functions the variable is nearly always `options`.
- Its built-in tools are Claude Code's, catalogued in rulesets/builtin_tools_claude_code.yaml:
  `tools=[...]` when set, else the default set (the catalogued tools that read, write, run or
  send, and the subagent tool), minus `disallowed_tools`. Which of them it really holds, and the
  gates in front of each, is Claude Code's permission system (extract/configs/claude_code_permissions.py:
  `permission_mode`, `allowed_tools` rules, `can_use_tool`, PreToolUse hooks, `sandbox`), read
  by claude_agent_sdk_options.py. A tool nothing may approve is denied headless, so not held; a
  diagnostic names it.
- `mcp_servers={...}`: an in-process `create_sdk_mcp_server(name=..., tools=[...])` gives the
  program's own `@tool("name", "description", schema)` functions (and `SdkMcpTool(...)`), with
  their bodies; an external `{"command", "args"}` / `{"type": "http", "url"}` entry is read as a
  client config's server entry (`server_tool_facts`). Tool names in rules are
  `mcp__<key>__<tool>`, with the dict's key.
- `agents={"name": AgentDefinition(...)}`: each a subagent the parent runs through its Agent
  (Task) tool and whose answer comes back (agent-as-tool), with its own `tools` (default: the
  parent's, without the subagent tool), `disallowedTools`, `mcpServers` and `permissionMode`,
  under the parent's rules, callback and hooks.
- `permission_mode="bypassPermissions"` and allow rules for every shell command are hygiene facts.

Names are those of claude-agent-sdk 0.2.189 and claude-code-sdk 0.0.25.
"""

from __future__ import annotations

from dataclasses import replace

from riskscan.extract.configs.claude_code_permissions import (
    DEFAULT_TOOLS,
    OLD_DEFAULT_TOOLS,
    SHELLS,
    SUBAGENT_TOOLS,
    Denials,
    Policy,
    decide,
    decide_server,
    parse_rule,
    rule_matches,
)
from riskscan.extract.configs.mcp_config import server_tool_facts
from riskscan.extract.python.adapters import claude_agent_sdk_options as options
from riskscan.extract.python.adapters.claude_agent_sdk_options import (
    PACKAGES,
    Reading,
    code,
    is_none,
    resolved,
)
from riskscan.extract.python.adapters.claude_agent_sdk_tools import (
    SERVERS,
    Candidate,
    SdkTools,
)
from riskscan.extract.python.adapters.declarations import dict_entries
from riskscan.extract.python.adapters.frameworks import (
    DecoratorSpec,
    FrameworkAdapter,
    Specs,
    WrapperSpec,
)
from riskscan.extract.python.syntax import cst
from riskscan.extract.python.values import keyword, positional, string_value
from riskscan.types import (
    AgentFact,
    Condition,
    HygieneFact,
    Opaque,
    Ref,
    ToolFact,
    Value,
    When,
)

FRAMEWORK = "claude-agent-sdk"
CATALOG = "claude_code."  # prefix of Claude Code's built-ins in the tool catalog
OPTIONS = frozenset({"claude_agent_sdk.ClaudeAgentOptions", "claude_agent_sdk.types.ClaudeAgentOptions"})
OLD_OPTIONS = frozenset({"claude_code_sdk.ClaudeCodeOptions", "claude_code_sdk.types.ClaudeCodeOptions"})
SESSIONS = frozenset(
    {f"{p}.query" for p in PACKAGES} | {f"{p}.query.query" for p in PACKAGES}
    | {f"{p}.ClaudeSDKClient" for p in PACKAGES} | {f"{p}.client.ClaudeSDKClient" for p in PACKAGES}
)
DEFINITIONS = frozenset({"claude_agent_sdk.AgentDefinition", "claude_agent_sdk.types.AgentDefinition"})
_SDK_TOOL = WrapperSpec(FRAMEWORK, function=((3, "handler"),), name=((0, "name"),), description=((1, "description"),))
SPECS = Specs(
    decorators={f"{p}.tool": DecoratorSpec(FRAMEWORK, name=((0, "name"),), description=((1, "description"),)) for p in PACKAGES},
    wrappers={f"{p}.SdkMcpTool": _SDK_TOOL for p in PACKAGES},
)
READ = frozenset({"tools", "mcp_servers", "agents"})  # option keywords read here, not just evaluated


class ClaudeAgentSdk(SdkTools, FrameworkAdapter):
    frameworks = (FRAMEWORK,)
    specs = SPECS
    more_calls = OPTIONS | OLD_OPTIONS | SESSIONS | DEFINITIONS | SERVERS | options.HOOK_MATCHERS

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.servers: dict[int, Value] = {}  # id(create_sdk_mcp_server call) -> its tools

    def evaluate_more(self, ev, call, callee, scope, target, tools) -> Value | None:
        names = set(callee)
        if names & (OPTIONS | OLD_OPTIONS):
            return self.agent_of(ev, call, call, scope, target, old=bool(names & OLD_OPTIONS))
        if names & SESSIONS:
            return self.session(ev, call, names, scope)
        if names & SERVERS:
            return self.sdk_server(ev, call, scope)
        if names & (DEFINITIONS | options.HOOK_MATCHERS):  # read where the options use them
            ev.evaluate_arguments(call, scope)
            return Opaque(f"{code(self.ctx, call.func)}(...)", self.ctx.loc(call))
        return None

    # --- sessions and agents -------------------------------------------------------------------

    def session(self, ev, call: cst.Call, names: set[str], scope) -> Value:
        """`query(prompt=..., options=...)` / `ClaudeSDKClient(options)`: without options, an agent
        with the defaults."""
        node = keyword(call, "options")
        if node is None and names & {n for n in SESSIONS if "ClaudeSDKClient" in n}:
            node = positional(call, 0)
        for arg in call.args:
            if arg.value is not node:
                ev.evaluate(arg.value, scope)
        if is_none(node):
            self.agent_of(ev, None, call, scope, None, old=any(n.startswith("claude_code_sdk.") for n in names))
        else:
            ev.evaluate(node, scope)
        return Opaque("a Claude Code session", self.ctx.loc(call))

    def agent_of(self, ev, call: cst.Call | None, at: cst.Call, scope, target: str | None, old: bool) -> Value:
        ctx = self.ctx
        reading = Reading()
        policy = options.policy(ctx, call, reading, old) if call is not None else Policy()
        name = self.agent_name(scope, target)
        agent_id = ctx.add_agent(AgentFact(target or f"{ctx.module_name}.<agent {name}>", name, FRAMEWORK, ctx.loc(at), condition=scope.condition))
        builtins = self.builtin_names(call, policy, reading, old)
        candidates = [Candidate(n, ctx.loc(at)) for n in builtins]
        # a subagent may name any built-in unless `tools=` sets the session's
        available = frozenset(builtins) if call is not None and not old and not is_none(keyword(call, "tools")) else None
        if call is not None:
            for arg in call.args:
                if arg.keyword is None or arg.keyword.value not in READ:
                    ev.evaluate(arg.value, scope)
            candidates += self.server_candidates(ev, keyword(call, "mcp_servers"), scope, reading)
        values, gates, held = self.holdings(agent_id, name, candidates, policy, at)
        if call is not None and set(held) & set(SUBAGENT_TOOLS):
            values += self.subagents(ev, keyword(call, "agents"), agent_id, candidates, available, policy, scope, reading)
        elif call is not None and not is_none(keyword(call, "agents")):
            ctx.diagnose(keyword(call, "agents"), "permission-denied", f"agent '{name}' has no Agent tool: its subagents are never run", "info")
        if call is not None:
            self.permission_hygiene(policy, name, rules=True)
            if any(arg.star == "**" for arg in call.args):
                reading.note(call, "unresolved-permissions", "options unpacked with ** are not read; the defaults are taken for them")
        for node, note_code, message in reading.notes:
            ctx.diagnose(node, note_code, message, "info")
        ctx.agents[agent_id] = replace(ctx.agents[agent_id], tools=tuple(values), tool_gates=tuple(sorted(set(gates))))
        return Ref(agent_id, ctx.loc(at))

    def agent_name(self, scope, target: str | None) -> str:
        if target and scope.kind != "function":
            return target.rsplit(".", 1)[-1]
        if scope.kind == "function":
            parts = scope.qualname.split(".")
            if parts[-1].startswith("__") and len(parts) > 2 and parts[-2] != "<locals>":
                return parts[-2]  # built in a class's __init__: the class
            return parts[-1]
        return self.ctx.module_name.rsplit(".", 1)[-1]

    def builtin_names(self, call: cst.Call | None, policy: Policy, reading: Reading, old: bool) -> list[str]:
        """The built-ins the agent may use: `tools=[...]`, or the defaults and what the allow
        rules name beside them."""
        ctx = self.ctx
        catalog = ctx.rulesets.builtin_index()
        node = resolved(ctx, keyword(call, "tools")) if call is not None and not old else None
        default = list(OLD_DEFAULT_TOOLS if old else DEFAULT_TOOLS)
        if is_none(node) or isinstance(node, cst.Dict):  # unset, or the claude_code preset
            names = default + [rule.tool for rule in policy.allowed if not rule.tool.startswith("mcp__")]
        else:
            listed = options.strings(ctx, node)
            if listed is None:
                reading.note(node, "unresolved-permissions", f"tools={code(ctx, node)} is not a list known statically; the default tools are taken")
            names = default if listed is None else [text for text, _ in listed]
        kept: list[str] = []
        for name in names:
            if name in kept or (name in SUBAGENT_TOOLS and set(kept) & set(SUBAGENT_TOOLS)):
                continue
            if CATALOG + name not in catalog:
                if name != "*":
                    reading.note(call, "unknown-tool-class", f"{name!r} is no Claude Code tool the catalog knows; not recorded")
                continue
            kept.append(name)
        return kept

    def holdings(self, agent_id: str, name: str, candidates: list[Candidate], policy: Policy, at: cst.CSTNode):
        """(the tools the agent holds, the gates it puts on tools of other facts, the names held)."""
        ctx = self.ctx
        values: list[Value] = []
        gates: list = []
        held: list[str] = []
        denials = Denials()
        external: dict[str, list[ToolFact]] = {}
        for candidate in candidates:
            server = candidate.name.split("__")[1] if candidate.name.endswith("__*") else None
            decision = decide_server(policy, server) if server else decide(policy, candidate.name)
            if not decision.held:
                denials.add(candidate.name, decision.reason)
                continue
            held.append(candidate.name)
            if decision.reason:
                ctx.diagnose(at, "partial-gate", f"agent '{name}', MCP server `{server}`: {decision.reason}", "info")
            location = candidate.location
            if candidate.server is not None:
                key, entry = candidate.server
                if key not in external:
                    external[key] = server_tool_facts(f"mcp:{ctx.path}#{agent_id}#{key}", key, entry, location, ctx.rulesets)
                for fact in external[key]:
                    if candidate.name in (f"mcp__{key}__{fact.name}", f"mcp__{key}__*"):
                        fact = replace(fact, gates=tuple(sorted(set(fact.gates + decision.gates))))
                        values.append(self.when(Ref(ctx.add_tool(fact), location), candidate.condition))
            elif candidate.value is None:
                fact = ToolFact(f"{agent_id}.<builtin {candidate.name}>", candidate.name, FRAMEWORK, location,
                                builtin=CATALOG + candidate.name, gates=tuple(sorted(set(decision.gates))))
                values.append(Ref(ctx.add_tool(fact), location))
            else:
                values.append(self.when(candidate.value, candidate.condition))
                if candidate.tool_name is not None:
                    gates += [(candidate.tool_name, gate) for gate in decision.gates]
                elif decision.gates:
                    ctx.diagnose(at, "partial-gate", f"the gates of {candidate.name} (a server whose tools are not known here) are not recorded", "info")
        for reason, names in denials.by_reason.items():
            ctx.diagnose(at, "permission-denied", f"agent '{name}' does not hold {', '.join(names)}: {reason}", "info")
        return values, gates, held

    @staticmethod
    def when(value: Value, condition: Condition) -> Value:
        return When(value, condition) if condition else value

    # --- subagents -----------------------------------------------------------------------------

    def subagents(self, ev, node, parent_id: str, candidates: list[Candidate], available, policy: Policy, scope, reading: Reading) -> list[Value]:
        ctx = self.ctx
        node = resolved(ctx, node)
        if is_none(node):
            return []
        if not isinstance(node, cst.Dict):
            reading.note(node, "unresolved-subagent", f"agents={code(ctx, node)} is not a dict known statically")
            return []
        found: list[Value] = []
        for key, value in dict_entries(node).items():
            definition = resolved(ctx, value)
            if isinstance(definition, cst.Call) and set(ctx.callee_names(definition.func)) & DEFINITIONS:
                found.append(self.subagent(ev, key, definition, parent_id, candidates, available, policy, scope, reading))
            else:
                reading.note(value, "unresolved-subagent", f"subagent {key!r}: {code(ctx, value)} is not an AgentDefinition known statically")
        return found

    def subagent(self, ev, key: str, call: cst.Call, parent_id: str, parent: list[Candidate], available, policy: Policy, scope,
                 reading: Reading) -> Value:
        ctx = self.ctx
        mode_node = keyword(call, "permissionMode")
        if not is_none(mode_node):
            policy = replace(policy, mode=options.permission_mode(ctx, mode_node, reading), mode_location=ctx.loc(mode_node))
        inherited = [c for c in parent if c.name not in SUBAGENT_TOOLS]
        tools_node = keyword(call, "tools")
        listed = None if is_none(tools_node) else options.strings(ctx, tools_node)
        if listed is None and not is_none(tools_node):
            reading.note(tools_node, "unresolved-permissions", f"subagent {key!r}: tools={code(ctx, tools_node)} is not known statically; the parent's are taken")
        candidates = inherited if listed is None else self.listed(ctx, call, [text for text, _ in listed], inherited, available)
        servers = resolved(ctx, keyword(call, "mcpServers"))
        for element in servers.elements if isinstance(servers, (cst.List, cst.Tuple)) else ():
            named = string_value(element.value)
            if named is not None:  # a server of the session, by its key
                candidates += [c for c in inherited if c.name.startswith(f"mcp__{named}__") and c not in candidates]
            elif isinstance(element.value, cst.Dict):  # {key: config} of its own
                candidates += self.server_candidates(ev, element.value, scope, reading)
        denied, _ = options.rules(ctx, keyword(call, "disallowedTools"), reading, "disallowedTools")
        candidates = [c for c in candidates if not any(rule.whole and rule_matches(rule, c.name) for rule in denied)]
        sub_id = ctx.add_agent(AgentFact(f"{parent_id}.<subagent {key}>", key, FRAMEWORK, ctx.loc(call), condition=scope.condition))
        values, gates, _ = self.holdings(sub_id, key, candidates, policy, call)
        if not is_none(mode_node):
            self.permission_hygiene(policy, key, rules=False)
        ctx.agents[sub_id] = replace(ctx.agents[sub_id], tools=tuple(values), tool_gates=tuple(sorted(set(gates))))
        return Ref(sub_id, ctx.loc(call))

    def listed(self, ctx, call: cst.Call, names: list[str], inherited: list[Candidate], available) -> list[Candidate]:
        """A subagent's `tools=[...]`: built-ins by name (those of the session's `tools=` when it
        is set), the parent's MCP tools by rule."""
        found: list[Candidate] = []
        for name in names:
            if name.startswith("mcp__"):
                rule = parse_rule(name, ctx.loc(call))
                server = name.split("__")[1] if name.count("__") >= 1 else ""
                found += [c for c in inherited if c not in found and rule is not None
                          and (rule_matches(rule, c.name) or c.name == f"mcp__{server}__*")]
            elif CATALOG + name in ctx.rulesets.builtin_index() and name not in SUBAGENT_TOOLS and (available is None or name in available):
                found.append(Candidate(name, ctx.loc(call)))
        return found

    # --- hygiene -------------------------------------------------------------------------------

    def permission_hygiene(self, policy: Policy, name: str, rules: bool) -> None:
        """`bypassPermissions` (of the options, or of a subagent's own `permissionMode`), and with
        `rules` the allow rules that let every shell command run unasked."""
        found = []
        if policy.mode == "bypassPermissions" and policy.mode_location is not None:
            found.append(HygieneFact("approvals-disabled", policy.mode_location, name,
                                     "`permission_mode='bypassPermissions'` runs every tool call without asking"))
        for rule in policy.allowed if rules else ():
            if rule.whole and (rule.tool in SHELLS or rule.tool == "*"):
                what = "every tool" if rule.tool == "*" else "every shell command"
                found.append(HygieneFact("broad-allow", rule.location, name, f"allowed_tools entry `{rule.text}` runs {what} without asking"))
        self.ctx.hygiene.extend(fact for fact in found if fact not in self.ctx.hygiene)  # once, if read again in a loop

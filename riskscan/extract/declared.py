"""Agents declared in configuration, for home-grown agent loops and frameworks riskscan does not
know: `[[tool.riskscan.agents]]` in the scan root's pyproject.toml, or `[[agents]]` in its
riskscan.toml. Each has a `name`, `tools` and optional `handoffs`:

    [[tool.riskscan.agents]]
    name = "Support"
    tools = ["app.tools:send_email", "app.tools:TOOLS", "lookup_order"]
    handoffs = ["Billing"]

`pkg.mod:func` is a reference the model stage resolves like any other (a function, a tool, a list
of tools); a bare name is a tool by the name the model sees, implemented by whatever the project's
dispatch maps that name to. Every other key of the file belongs to the configuration module and
is ignored here.
"""

from __future__ import annotations

import tomllib

from riskscan.formats.json_input import decode_error_place
from riskscan.formats.toml_input import error_place, left_out_diagnostics, loads
from riskscan.rulesets import Rulesets
from riskscan.types import (
    AgentFact,
    Diagnostic,
    Facts,
    Location,
    Ref,
    SourceFile,
    ToolFact,
    Value,
)

KIND = "agents-config"
FRAMEWORK = "declared"


def extract(data: bytes, source: SourceFile, rulesets: Rulesets) -> Facts:
    try:
        text = data.decode("utf-8-sig")
        document, left_out = loads(text)
    except UnicodeDecodeError as error:
        return _failed(Location(source.path, *decode_error_place(data, error)), "decode-error", "not UTF-8 text; not read")
    except tomllib.TOMLDecodeError as error:
        line, column, message = error_place(error, text)
        return _failed(Location(source.path, line, column), "parse-error", f"invalid TOML: {message}")
    return left_out_diagnostics(declared_agents(document, source.path, text), left_out)


def _failed(where: Location, code: str, message: str) -> Facts:
    return Facts(where.path, KIND, diagnostics=(Diagnostic(where, code, message, "error"),))


def declared_agents(document: dict, path: str, text: str = "") -> Facts:
    """The agents a pyproject.toml (`tool.riskscan.agents`) or riskscan.toml (`agents`) declares;
    `text`, the file as written, only places each entry on its line."""
    lines = _Lines(path, text)
    if path.rsplit("/", 1)[-1] == "pyproject.toml":
        tool = document.get("tool")
        table = tool.get("riskscan") if isinstance(tool, dict) else None
        entries = table.get("agents") if isinstance(table, dict) else None
    else:
        entries = document.get("agents")
    if entries is None:
        return Facts(path, KIND)
    if not isinstance(entries, list):
        return Facts(path, KIND, diagnostics=(Diagnostic(lines.find("agents"), "invalid-agent", "`agents` is not an array of tables"),))
    agents, tools, diagnostics = [], {}, []
    for entry in entries:
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name:
            diagnostics.append(Diagnostic(lines.find("agents"), "invalid-agent", "a declared agent without a `name`; skipped"))
            continue
        where = lines.find(f'"{name}"')
        held: list[Value] = []
        for tool in _strings(entry, "tools", where, diagnostics):
            at = lines.find(f'"{tool}"', after=where)
            module, colon, attribute = tool.partition(":")
            if colon and module and attribute:
                held.append(Ref(f"{module}.{attribute}", at))
            elif colon or not tool.isidentifier():
                diagnostics.append(Diagnostic(at, "invalid-agent", f"tool {tool!r} of agent '{name}' is neither `module:name` nor a tool name"))
            else:  # a tool the model calls by this name; the project's dispatch says what runs it
                fact = ToolFact(f"declared:{path}#{name}/{tool}", tool, FRAMEWORK, at)
                tools[fact.id] = fact
                held.append(Ref(fact.id, at))
        handoffs = tuple(Ref(_agent_id(path, other), lines.find(f'"{other}"', after=where)) for other in _strings(entry, "handoffs", where, diagnostics))
        agents.append(AgentFact(_agent_id(path, name), name, FRAMEWORK, where, tuple(held), handoffs))
    return Facts(path, KIND, tools=tuple(tools.values()), agents=tuple(agents), diagnostics=tuple(diagnostics))


def _agent_id(path: str, name: str) -> str:
    return f"declared:{path}#{name}"


def _strings(entry: dict, key: str, where: Location, diagnostics: list[Diagnostic]) -> list[str]:
    value = entry.get(key, [])
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    diagnostics.append(Diagnostic(where, "invalid-agent", f"`{key}` of agent '{entry.get('name')}' is not a list of strings; ignored"))
    return []


class _Lines:
    """Where a quoted value is written, to place diagnostics and steps on their line."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    def find(self, needle: str, after: Location | None = None) -> Location:
        start = after.line - 1 if after is not None and after.line else 0
        for number, line in enumerate(self.lines[start:], start + 1):
            column = line.find(needle)
            if column >= 0:
                return Location(self.path, number, column + 1)
        return Location(self.path)

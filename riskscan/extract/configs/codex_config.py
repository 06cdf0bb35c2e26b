"""Codex `config.toml` (`~/.codex/config.toml`, a trusted project's `.codex/config.toml`): its
`[mcp_servers.<name>]` tables (command, args, env, url, `enabled`, `enabled_tools`,
`disabled_tools`) are one client context; `approval_policy = "never"` and `sandbox_mode =
"danger-full-access"` are hygiene facts. The settings that decide Codex's own tools become
`PermissionRule`s of client `codex` for the model stage (riskscan/model/client_policies.py):
`mode` (`approval_policy`), `sandbox` (`sandbox_mode`), `network` (`[sandbox_workspace_write]
network_access = true`), `web-search` (`[tools] web_search`, `[features] web_search_request`, or
`web_search = "live" | "cached" | "disabled"`), and `settings` naming the file, which is Codex's
config with or without servers. Profiles (`[profiles.<name>]`) are chosen on the command line and
not read. tomllib reports no positions, so a line scan of the table headers and keys places each
value (regexes over configuration text, not source code)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import replace

from riskscan.extract.configs.mcp_config import Context, build
from riskscan.formats.json_input import Pointer, Positions, decode_error_place
from riskscan.formats.toml_input import error_place, left_out_diagnostics, loads
from riskscan.rulesets import Rulesets
from riskscan.types import (
    Diagnostic,
    Facts,
    HygieneFact,
    Location,
    PermissionRule,
    SourceFile,
)

_HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(?:#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_-]+|\"[^\"]*\")\s*=")
CLIENT = "codex"
_DANGEROUS = {
    "approval_policy": ("never", "`approval_policy = \"never\"` runs every command and tool call without asking"),
    "sandbox_mode": ("danger-full-access", "`sandbox_mode = \"danger-full-access\"` runs commands with no sandbox"),
}


def is_codex_config(path: str) -> bool:
    parts = path.split("/")
    return len(parts) >= 2 and parts[-2] == ".codex" and parts[-1] == "config.toml"


def extract(data: bytes, source: SourceFile, rulesets: Rulesets) -> Facts:
    facts, left_out = _extract(data, source, rulesets)
    return left_out_diagnostics(facts, left_out)


def _extract(data: bytes, source: SourceFile, rulesets: Rulesets) -> tuple[Facts, tuple[tuple[int, str], ...]]:
    path = source.path
    left_out: tuple[tuple[int, str], ...] = ()
    try:
        text = data.decode("utf-8-sig")
        document, left_out = loads(text)
    except UnicodeDecodeError as error:
        return _failed(path, *decode_error_place(data, error), "decode-error", "not UTF-8 text; not read"), left_out
    except tomllib.TOMLDecodeError as error:
        line, column, message = error_place(error, text)
        return _failed(path, line, column, "parse-error", f"invalid TOML: {message}"), left_out
    positions = _positions(text, path)
    hygiene = []
    for key, (bad, detail) in _DANGEROUS.items():
        if document.get(key) == bad:
            hygiene.append(HygieneFact("approvals-disabled", positions.location((key,)), "Codex", detail))
    rules = tuple(_rules(document, positions, "/".join(path.split("/")[:-2])))
    servers = document.get("mcp_servers")
    if not isinstance(servers, dict):
        return Facts(path=path, kind="mcp-config", hygiene=tuple(hygiene), permissions=rules), left_out
    entries = tuple((name, entry, ("mcp_servers", name)) for name, entry in servers.items())
    facts = build(path, "mcp-config", "Codex", [Context("", ("mcp_servers",), entries)], positions, rulesets, hygiene)
    return replace(facts, permissions=rules), left_out


def _rules(document: dict, positions: Positions, scope: str):
    """The settings that decide Codex's built-in tools (see the module's docstring)."""
    yield PermissionRule(CLIENT, scope, "settings", "", positions.location(()))
    for key, effect in (("approval_policy", "mode"), ("sandbox_mode", "sandbox")):
        if isinstance(document.get(key), str):
            yield PermissionRule(CLIENT, scope, effect, document[key], positions.location((key,)))
    workspace = document.get("sandbox_workspace_write")
    if isinstance(workspace, dict) and workspace.get("network_access") is True:
        yield PermissionRule(CLIENT, scope, "network", "on", positions.location(("sandbox_workspace_write", "network_access")))
    for pointer in (("tools", "web_search"), ("features", "web_search_request"), ("web_search",)):
        table = document
        for key in pointer[:-1]:
            table = table.get(key) if isinstance(table, dict) else None
        value = table.get(pointer[-1]) if isinstance(table, dict) else None
        if isinstance(value, bool) or value in ("live", "cached", "disabled"):
            on = value is True or value in ("live", "cached")
            yield PermissionRule(CLIENT, scope, "web-search", "on" if on else "off", positions.location(pointer))


def _positions(text: str, path: str) -> Positions:
    offsets: dict[Pointer, int] = {(): 0}
    table: Pointer = ()
    offset = 0
    for line in text.splitlines(keepends=True):
        header = _HEADER.match(line)
        if header and not line.lstrip().startswith("[["):
            table = tuple(_split_dotted(header.group(1)))
            offsets.setdefault(table, offset)
            for depth in range(1, len(table)):
                offsets.setdefault(table[:depth], offset)
        else:
            key = _KEY.match(line)
            if key:
                offsets.setdefault(table + (key.group(1).strip('"'),), offset + key.start(1))
        offset += len(line)
    line_starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    return Positions(path, offsets, line_starts)


def _split_dotted(name: str) -> list[str]:
    parts, current, quoted = [], "", False
    for ch in name:
        if ch == '"':
            quoted = not quoted
        elif ch == "." and not quoted:
            parts.append(current.strip())
            current = ""
        else:
            current += ch
    parts.append(current.strip())
    return parts


def _failed(path: str, line: int, column: int, code: str, message: str) -> Facts:
    return Facts(path=path, kind="mcp-config", diagnostics=(Diagnostic(Location(path, line, column), code, message, "error"),))

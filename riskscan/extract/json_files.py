"""Every JSON file discovery hands over: decode, parse (riskscan/formats/json_input.py), classify,
delegate to the reader of its kind: an MCP client config, a client's settings, a tool manifest, or
riskscan's lockfile. JSON that is none of them is left unread, without a diagnostic: most JSON in a
repository is neither (package.json, test data).
"""

from __future__ import annotations

from dataclasses import replace

from riskscan.extract import lockfile, manifest
from riskscan.extract.configs import client_settings, mcp_config
from riskscan.formats.json_input import JsonSyntaxError, Positions, decode_error_place, parse
from riskscan.rulesets import Rulesets
from riskscan.types import Diagnostic, Facts, Location, SourceFile

MCP_CONFIG = "mcp-config"
MANIFEST = "manifest"
CLIENT_SETTINGS = "client-settings"
LOCK = "lock"


def extract(data: bytes, source: SourceFile, rulesets: Rulesets) -> Facts:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line, column = decode_error_place(data, error)
        return _failed(source, line, column, "decode-error", f"not UTF-8 text (byte 0x{data[error.start]:02x}); not read")
    try:
        document, positions = parse(text, source.path)
    except JsonSyntaxError as error:
        return _failed(source, error.line, error.column, "parse-error", str(error))
    facts = _classified(document, positions, source, rulesets)
    if positions.duplicates and facts.kind != source.kind:  # a file riskscan reads, not any JSON
        facts = replace(facts, diagnostics=tuple(sorted({*facts.diagnostics, *positions.duplicate_diagnostics()})))
    if positions.long_integers and facts.kind != source.kind:
        facts = replace(facts, diagnostics=tuple(sorted({*facts.diagnostics, *positions.long_integer_diagnostics()})))
    return facts


def _classified(document: object, positions: Positions, source: SourceFile, rulesets: Rulesets) -> Facts:
    kind = classify(source.path, document)
    if kind == CLIENT_SETTINGS:
        return client_settings.extract(document, positions, source, rulesets)
    if kind == LOCK:
        return lockfile.extract(document, positions, source)
    if kind == MCP_CONFIG:
        return mcp_config.extract(document, positions, source, rulesets)
    if kind == MANIFEST:
        return manifest.extract(document, positions, source)
    return Facts(path=source.path, kind=source.kind)


def classify(path: str, document: object) -> str | None:
    """`mcp-config`, `manifest`, `client-settings`, `lock`, or None for JSON that is none of them."""
    if client_settings.is_settings_path(path):
        return CLIENT_SETTINGS
    if isinstance(document, dict):
        if document.get("riskscan_lock") is not None:
            return LOCK
        if isinstance(document.get("mcpServers"), dict) or isinstance(document.get("context_servers"), dict):
            return MCP_CONFIG
        projects = document.get("projects")
        if isinstance(projects, dict) and any(isinstance(p, dict) and isinstance(p.get("mcpServers"), dict) for p in projects.values()):
            return MCP_CONFIG
        if isinstance(document.get("servers"), dict) and _looks_like_servers(document["servers"]):
            return MCP_CONFIG
        nested = document.get("mcp")
        if isinstance(nested, dict) and isinstance(nested.get("servers"), dict):
            return MCP_CONFIG
        tools = document.get("tools")
        result = document.get("result")
        if isinstance(result, dict) and isinstance(result.get("tools"), list):
            tools = result["tools"]
        if isinstance(tools, list) and (not tools or any(_looks_like_tool(t) for t in tools)):
            return MANIFEST
        return None
    if isinstance(document, list) and any(_looks_like_tool(item) for item in document):
        return MANIFEST
    return None


def _looks_like_servers(servers: dict) -> bool:
    return not servers or any(
        isinstance(entry, dict) and ({"command", "url", "serverUrl", "httpUrl", "type"} & entry.keys())
        for entry in servers.values()
    )


def _looks_like_tool(item: object) -> bool:
    if not isinstance(item, dict):
        return False
    if item.get("type") == "function" and ("function" in item or "name" in item):
        return True
    return "name" in item and ({"inputSchema", "input_schema", "parameters"} & item.keys() != set())


def _failed(source: SourceFile, line: int, column: int, code: str, message: str) -> Facts:
    diagnostic = Diagnostic(Location(source.path, line, column), code, message, "error")
    return Facts(path=source.path, kind=source.kind, diagnostics=(diagnostic,))

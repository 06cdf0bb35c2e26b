"""Tool manifests: an MCP `tools/list` result (bare or as a JSON-RPC response), OpenAI tool JSON
(Chat Completions `{"type": "function", "function": {...}}` and the flat Responses form), and
Anthropic tool JSON (`{"name", "description", "input_schema"}`).

A manifest is one agent holding its tools. Tools are not labelled here: the model stage labels every
tool, from annotations, schemas and words, in one place.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from riskscan.extract import metadata
from riskscan.formats.json_input import Pointer, Positions
from riskscan.types import (
    AgentFact,
    Diagnostic,
    Facts,
    HygieneFact,
    Items,
    Ref,
    SourceFile,
    ToolFact,
)

FRAMEWORK = "manifest"
HINTS = ("destructiveHint", "idempotentHint", "openWorldHint", "readOnlyHint")
_JSON_TYPES = {int: "a number", float: "a number", bool: "a boolean", str: "a string", list: "an array", type(None): "null"}
_MCP_SCHEMA = Path(__file__).parent.parent / "schemas" / "mcp-schema.json"


def extract(document: object, positions: Positions, source: SourceFile) -> Facts:
    path = source.path
    base, items = _tool_list(document)
    tools: list[ToolFact] = []
    diagnostics: list[Diagnostic] = []
    hygiene: list[HygieneFact] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        pointer = base + (index,)
        location = positions.location(pointer)
        fact_or_error = _tool(item, base, pointer, positions, path)
        if isinstance(fact_or_error, str):
            diagnostics.append(Diagnostic(location, "invalid-tool", f"{fact_or_error}; skipped"))
            continue
        if fact_or_error.name in seen:
            diagnostics.append(Diagnostic(location, "duplicate-tool", f"tool '{fact_or_error.name}' is declared twice; the first is kept"))
            continue
        seen.add(fact_or_error.name)
        tools.append(fact_or_error)
    names = {t.name for t in tools}
    for tool, (index, item) in zip(tools, _kept(items, tools)):
        schema = json.loads(tool.input_schema) if tool.input_schema else None
        where = (lambda base: lambda suffix: positions.location(base + suffix))(base + (index,))
        hygiene += metadata.analyse(tool, schema, where, names)
    probe = document.get("probe") if isinstance(document, dict) and isinstance(document.get("probe"), dict) else None
    if probe and isinstance(probe.get("config"), str) and isinstance(probe.get("server"), str):
        agent_id, agent_name = f"probe:{probe['config']}#{probe['server']}", f"{probe['server']} (probe of {probe['config']})"
    else:
        agent_id, agent_name = f"manifest:{path}", f"manifest ({path})"
    agent = AgentFact(
        id=agent_id,
        name=agent_name,
        framework=FRAMEWORK,
        location=positions.location(()),
        tools=(Items(tuple(Ref(t.id, t.location) for t in tools)),),
    )
    return Facts(path=path, kind="manifest", tools=tuple(tools), agents=(agent,), hygiene=tuple(hygiene),
                 diagnostics=tuple(diagnostics))


def _kept(items: list, tools: list[ToolFact]):
    """(index, item) of the items that became `tools`, in order."""
    by_location = {t.location: t for t in tools}
    wanted = iter(tools)
    current = next(wanted, None)
    for index, item in enumerate(items):
        if current is None:
            return
        if isinstance(item, dict) and _item_name(item) == current.name and current.location in by_location:
            yield index, item
            current = next(wanted, None)


def _item_name(item: dict) -> object:
    return item["function"].get("name") if isinstance(item.get("function"), dict) else item.get("name")


def _tool_list(document: object) -> tuple[Pointer, list]:
    if isinstance(document, list):
        return (), document
    assert isinstance(document, dict)
    result = document.get("result")
    if isinstance(result, dict) and isinstance(result.get("tools"), list):
        return ("result", "tools"), result["tools"]
    return ("tools",), document["tools"]


def _tool(item: object, base: Pointer, pointer: Pointer, positions: Positions, path: str) -> ToolFact | str:
    """The tool an item declares, or why it declares none."""
    if not isinstance(item, dict):
        return f"{_JSON_TYPES.get(type(item), 'a value')} is not a tool definition"
    if isinstance(item.get("function"), dict):  # OpenAI Chat Completions
        spec, schema_key = item["function"], "parameters"
    elif item.get("type") == "function" or "parameters" in item:  # OpenAI Responses, flat
        spec, schema_key = item, "parameters"
    elif "input_schema" in item:  # Anthropic
        spec, schema_key = item, "input_schema"
    else:  # MCP Tool
        error = _mcp_error(item)
        if error:
            return error
        spec, schema_key = item, "inputSchema"
    name = spec.get("name")
    if not isinstance(name, str) or not name:
        return "a tool without a name"
    schema = spec.get(schema_key)
    if schema is not None and not isinstance(schema, dict):
        return f"tool '{name}': `{schema_key}` is not an object"
    description = spec.get("description")
    annotations = item.get("annotations") if isinstance(item.get("annotations"), dict) else {}
    properties = (schema or {}).get("properties")
    return ToolFact(
        id=f"manifest:{path}#{name}",
        name=name,
        framework=FRAMEWORK,
        location=positions.location(pointer),
        description=description if isinstance(description, str) else "",
        params=tuple(properties) if isinstance(properties, dict) else (),
        input_schema=json.dumps(schema, sort_keys=True, separators=(",", ":")) if schema is not None else "",
        annotations=tuple((hint, annotations[hint]) for hint in HINTS if isinstance(annotations.get(hint), bool)),
    )


def _mcp_error(item: dict) -> str | None:
    errors = sorted(_tool_validator().iter_errors(item), key=lambda e: list(e.absolute_path))
    if not errors:
        return None
    error = errors[0]
    where = "/".join(str(p) for p in error.absolute_path) or "(tool)"
    name = item.get("name") if isinstance(item.get("name"), str) else "?"
    return f"tool '{name}' does not match the MCP Tool schema at {where}: {error.message}"


@lru_cache(maxsize=1)
def _tool_validator():
    import jsonschema

    schema = json.loads(_MCP_SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator({**schema, "$ref": "#/$defs/Tool"})

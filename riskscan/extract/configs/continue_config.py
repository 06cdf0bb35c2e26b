"""Continue YAML configs (`.continue/config.yaml`, and the blocks in `.continue/mcpServers/*.yaml`,
in a project or the user's home): `mcpServers` is a list of `{name, command, args, env}` or
`{name, type, url}`; each file is one client context. PyYAML's node marks give every value's place."""

from __future__ import annotations

import yaml

from riskscan.extract.configs.mcp_config import Context, build
from riskscan.formats import yaml_input
from riskscan.formats.json_input import Pointer, Positions, decode_error_place
from riskscan.rulesets import Rulesets
from riskscan.types import Diagnostic, Facts, Location, SourceFile


def is_continue_config(path: str) -> bool:
    return "/.continue/" in "/" + path and path.endswith((".yaml", ".yml"))


def extract(data: bytes, source: SourceFile, rulesets: Rulesets) -> Facts:
    path = source.path
    try:
        text = data.decode("utf-8-sig")
        node = yaml_input.compose(text)
        document = None if node is None else yaml_input.construct(node)
    except UnicodeDecodeError as error:
        return _failed(path, *decode_error_place(data, error), "decode-error", "not UTF-8 text; not read")
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        return _failed(path, line, column, "parse-error", f"invalid YAML: {getattr(error, 'problem', None) or error}")
    if not isinstance(document, dict) or "mcpServers" not in document:
        return Facts(path=path, kind="mcp-config")
    offsets: dict[Pointer, int] = {}
    _walk(node, (), offsets)
    positions = Positions(path, offsets, [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"])
    servers = document["mcpServers"]
    if not isinstance(servers, list):
        return _failed(path, positions.location(("mcpServers",)).line, 1, "invalid-config", "`mcpServers` is not a list; not read")
    entries = []
    diagnostics = yaml_input.duplicate_diagnostics(path, node) + yaml_input.long_integer_diagnostics(path, node)
    for index, entry in enumerate(servers):
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name:
            diagnostics.append(Diagnostic(positions.location(("mcpServers", index)), "invalid-server", "a server without a name; skipped"))
            continue
        entries.append((name, entry, ("mcpServers", index)))
    return build(path, "mcp-config", "Continue", [Context("", ("mcpServers",), tuple(entries))], positions, rulesets,
                 diagnostics=diagnostics)


def _walk(node, pointer: Pointer, offsets: dict[Pointer, int], depth: int = 0) -> None:
    if node is None or depth > 64:
        return
    offsets.setdefault(pointer, node.start_mark.index)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                offsets[pointer + (key.value,)] = key.start_mark.index
                _walk(value, pointer + (key.value,), offsets, depth + 1)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, pointer + (index,), offsets, depth + 1)


def _failed(path: str, line: int, column: int, code: str, message: str) -> Facts:
    return Facts(path=path, kind="mcp-config", diagnostics=(Diagnostic(Location(path, line, column), code, message, "error"),))

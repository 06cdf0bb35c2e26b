"""YAML read safely: PyYAML's safe loader, with a bound on what aliases expand to.

An alias (`*a`) stands for its anchored node wherever it appears, so a few lines can stand for
billions of values (`b: [*a, *a, ...]`, `c: [*b, *b, ...]`: the "billion laughs"), or for a value
that contains itself (`a: &a [*a]`). Parsing such a file is cheap; walking what it means is not, and
every reader walks it. So the composed node graph is measured first, each node once: a document
that expands to more than MAX_VALUES values, or that contains itself, is refused with the line of
the node where the limit is crossed.
"""

from __future__ import annotations

import yaml

from riskscan.types import Diagnostic, Location

MAX_VALUES = 100_000
FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's, when PyYAML has it: no character offsets


class YamlTooLarge(yaml.MarkedYAMLError):
    """A document whose aliases expand past the bound or into themselves; `problem_mark` is the place."""


def compose(text: str, loader: type = yaml.SafeLoader) -> yaml.Node | None:
    """The document's node graph (None for an empty document); raises yaml.YAMLError, including
    YamlTooLarge."""
    reader = loader(text)
    try:
        node = reader.get_single_node()  # what yaml.compose does
    except ValueError as error:  # PyYAML's scanner on `"\U10010000"` (past U+10FFFF): chr() raises
        mark = reader.get_mark() if hasattr(reader, "get_mark") else None
        raise yaml.scanner.ScannerError(None, None, f"an escape that is no character ({error})", mark) from None
    finally:
        reader.dispose()
    if node is not None:
        check_expansion(node)
        _keep_long_integers_as_text(node)
    return node


def load(text: str, loader: type = yaml.SafeLoader) -> object:
    """The document as plain values, as yaml.safe_load gives it, once its expansion is checked."""
    node = compose(text, loader)
    return None if node is None else construct(node, loader)


def construct(node: yaml.Node, loader: type = yaml.SafeLoader) -> object:
    """Plain values of a node `compose` returned."""
    return loader("").construct_document(node)


def check_expansion(root: yaml.Node, limit: int = MAX_VALUES) -> None:
    """Raise YamlTooLarge when `root` stands for more than `limit` values or contains itself."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            open_nodes.discard(key)
            size = 1 + sum(sizes[id(child)] for child in _children(node))
            if size > limit:
                raise YamlTooLarge(None, None, f"aliases expand to more than {limit} values", node.start_mark)
            sizes[key] = size
            continue
        if key in sizes:
            continue
        if key in open_nodes:
            raise YamlTooLarge(None, None, "an alias refers to a value that contains it", node.start_mark)
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in sizes)


def duplicate_keys(root: yaml.Node | None) -> list[yaml.ScalarNode]:
    """The keys that repeat an earlier key of the same mapping (the last one counts, in PyYAML as
    in the tools that read these files), each node once, in document order."""
    found: list[yaml.ScalarNode] = []
    seen: set[int] = set()
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            keys: set[str] = set()
            for key, _ in node.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in keys:
                        found.append(key)
                    keys.add(key.value)
        stack.extend(reversed(_children(node)))
    return sorted(found, key=lambda key: key.start_mark.index)


def duplicate_diagnostics(path: str, root: yaml.Node | None) -> list[Diagnostic]:
    return [
        Diagnostic(Location(path, key.start_mark.line + 1, key.start_mark.column + 1), "duplicate-key",
                   f"key `{key.value[:40]}` appears again in this mapping; only this last one counts")
        for key in duplicate_keys(root)
    ]


_INTEGER, _STRING = "tag:yaml.org,2002:int", "tag:yaml.org,2002:str"


def _keep_long_integers_as_text(root: yaml.Node) -> None:
    """An integer of more digits than Python converts (`sys.get_int_max_str_digits()`) makes the
    constructor raise a ValueError that loses the whole file: such a scalar is kept as its text
    instead, and marked for `long_integer_diagnostics`."""
    import sys

    limit = sys.get_int_max_str_digits()
    for node in _nodes(root):
        if isinstance(node, yaml.ScalarNode) and node.tag == _INTEGER and limit and len(node.value) > limit:
            try:
                yaml.SafeLoader("").construct_yaml_int(node)
            except ValueError:
                node.tag = _STRING
                node.too_long = True  # type: ignore[attr-defined]


def long_integer_diagnostics(path: str, root: yaml.Node | None) -> list[Diagnostic]:
    """A warning at each integer `compose` kept as text because Python does not convert it."""
    return [
        Diagnostic(Location(path, node.start_mark.line + 1, node.start_mark.column + 1), "too-long",
                   "an integer of more digits than Python converts; read as text", "warning")
        for node in (_nodes(root) if root is not None else ()) if getattr(node, "too_long", False)
    ]


def _nodes(root: yaml.Node) -> list[yaml.Node]:
    """Every node of the graph once, in document order."""
    found, seen, stack = [], set(), [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        found.append(node)
        stack.extend(reversed(_children(node)))
    return found


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []

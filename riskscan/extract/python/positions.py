"""Where a node starts: the line and column libcst's PositionProvider gives it, for less.

PositionProvider generates the module's code while tracking the line and column after every token
(a regular expression split per token) and builds a CodeRange for every node. Only the starts of
the few nodes the extractor reports are wanted, so the code is generated once, on the first
question, keeping only the offset where each node starts (libcst's own rules decide where that
is: the syntactic start of a statement or expression, whitespace included for the rest), and an
offset becomes a line and column only when asked. tests/extract/test_positions.py holds it to
PositionProvider for every node of every fixture.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from riskscan.extract.python.syntax import CodegenState, cst

_LINE_BREAK = re.compile(r"\r\n?|\n")  # as PositionProvider splits tokens


class _Syntactic:
    """What `with state.record_syntactic_position(node, start_node=...)` does to a start."""

    __slots__ = ("state", "node", "start_node", "start")

    def __init__(self, state: _StartsState, node: cst.CSTNode, start_node: cst.CSTNode | None) -> None:
        self.state, self.node, self.start_node = state, node, start_node

    def __enter__(self) -> None:
        self.start = self.state.offset

    def __exit__(self, *exception) -> bool:
        starts = self.state.starts
        starts[id(self.node)] = starts[id(self.start_node)] if self.start_node is not None else self.start
        return False


class _StartsState(CodegenState):
    """libcst's code generation, noting the offset at which each node starts."""

    def __init__(self, module: cst.Module) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.offset = 0
        self.pending: list[int] = []
        self.starts: dict[int, int] = {}  # id(node) -> offset in the generated code

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        self.offset += len(value)

    def add_indent_tokens(self) -> None:
        self.tokens.extend(self.indent_tokens)
        for token in self.indent_tokens:
            self.offset += len(token)

    def before_codegen(self, node: cst.CSTNode) -> None:
        self.pending.append(self.offset)

    def after_codegen(self, node: cst.CSTNode) -> None:
        start = self.pending.pop()
        self.starts.setdefault(id(node), start)  # a syntactic start noted inside stays

    def record_syntactic_position(self, node, *, start_node=None, end_node=None) -> _Syntactic:
        return _Syntactic(self, node, start_node)


class Positions:
    """`start(node)`: (line, column) as PositionProvider's `start`, 1- and 0-based; None for a
    node outside the module."""

    def __init__(self, module: cst.Module) -> None:
        self.module = module
        self.starts: dict[int, int] | None = None
        self.line_starts: list[int] = []

    def start(self, node: cst.CSTNode) -> tuple[int, int] | None:
        if self.starts is None:
            self._generate()
        offset = self.starts.get(id(node))
        if offset is None:
            return None
        line = bisect_right(self.line_starts, offset)
        return line, offset - self.line_starts[line - 1]

    def _generate(self) -> None:
        state = _StartsState(self.module)
        self.module._codegen(state)
        self.starts = state.starts
        line_starts, offset = [0], 0
        for token in state.tokens:  # a line starts after every line break of every token
            if "\n" in token or "\r" in token:
                line_starts.extend(offset + found.end() for found in _LINE_BREAK.finditer(token))
            offset += len(token)
        self.line_starts = line_starts

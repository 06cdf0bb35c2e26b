"""How deeply a Python file nests, judged with the standard library's parser before libcst reads it.

libcst's native parser takes time that grows with the square of an expression's depth (a chain of
3,000 subscripts: 15 s) and overflows its stack past a few thousand levels (`x = ((((...))))`,
`1+1+...+1`), which kills the whole process: no diagnostic, no report. riskscan's own visitors
recurse too. CPython's parser refuses such files gracefully ("too many nested parentheses",
RecursionError, MemoryError), and its tree measures the depth of what it accepts in one cheap walk.
So a file nested deeper than MAX_DEPTH syntax nodes is reported, with the line of the deepest
place, and never handed to libcst.

A file CPython cannot parse for another reason (a syntax error, or syntax newer than this Python)
is left to libcst, which reports it; bytes that are not text are left to the decoder.
"""

from __future__ import annotations

import ast
import io
import tokenize
import warnings

MAX_DEPTH = 200  # CPython's own limit on nested brackets is 200; riskscan's visitors fail near 250
_TOO_DEEP = ("too many nested parentheses", "too many statically nested blocks")


def nesting_problem(data: bytes, tree: ast.AST | None = None) -> tuple[int, int, str] | None:
    """(line, column, message) when `data` (the file's bytes; `tree`: its ast, when already parsed)
    nests too deeply to read, else None."""
    if tree is None:
        try:
            with warnings.catch_warnings():  # invalid escapes and the like: the scanned code's business, not stderr's
                warnings.simplefilter("ignore")
                tree = ast.parse(data)
        except SyntaxError as error:
            if any(reason in str(error.msg) for reason in _TOO_DEEP):
                return error.lineno or 1, error.offset or 1, f"nested too deeply to read: {error.msg}"
            return None
        except (RecursionError, MemoryError):
            return _densest_line(data), 1, "nested too deeply to read: Python's own parser gives up"
        except ValueError:  # null bytes: not text
            return None
    return _deepest(tree)


def _deepest(tree: ast.AST) -> tuple[int, int, str] | None:
    stack: list[tuple[ast.AST, int, int, int]] = [(tree, 0, 1, 1)]  # node, depth, and the nearest place
    while stack:
        node, depth, line, column = stack.pop()
        if hasattr(node, "lineno"):  # contexts and operators have no place: their parent's
            line, column = node.lineno, node.col_offset + 1
        if depth > MAX_DEPTH:
            return line, column, f"nested more than {MAX_DEPTH} levels deep; not read"
        stack.extend((child, depth + 1, line, column) for child in ast.iter_child_nodes(node))
    return None


def _densest_line(data: bytes) -> int:
    """The line where the logical line with the most tokens starts: where a parser runs out of
    stack on a long chain (`1+1+...`) or deep brackets. 1 when the file does not tokenize."""
    best_line, best_count, count, start = 1, 0, 0, 1
    try:
        for token in tokenize.tokenize(io.BytesIO(data).readline):
            if token.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
                if count > best_count:
                    best_line, best_count = start, count
                count, start = 0, token.end[0] + 1
            elif token.type not in (tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING):
                if count == 0:
                    start = token.start[0]
                count += 1
    except (tokenize.TokenError, SyntaxError, UnicodeDecodeError):
        pass
    return best_line

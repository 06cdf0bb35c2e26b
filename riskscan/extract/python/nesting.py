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


# --- chains libcst nests: `a or b or ...`, `"a" "b" ...` --------------------------------------------

MAX_CHAIN = 200  # operands of one `or`/`and` chain, or parts of one implicit string concatenation
# CPython keeps both flat (one BoolOp, one Constant), so the depth above does not see them; libcst
# nests them one level per operand: 10,000 operands of `or` overflow its native parser's stack (the
# process dies), 5,000 string parts fail its grammar, and riskscan's walks recurse past 900.
Chain = tuple[int, int, str]  # (line, column, message) of a chain whose statement is blanked


def without_long_chains(data: bytes, tree: ast.AST | None = None) -> tuple[bytes, tuple[Chain, ...]] | None:
    """`data` with each statement holding a chain longer than MAX_CHAIN blanked (its lines emptied,
    the first `pass` at its indentation, so every other line keeps its number), and where each chain
    is; None when such a statement cannot be blanked on its own lines (the file is not to be read).
    A file CPython cannot parse is returned as it is (libcst reports it)."""
    if tree is None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = ast.parse(data)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return data, ()
    found = _long_chains(tree, data)
    if not found:
        return data, ()
    lines = data.splitlines(keepends=True)
    text_lines = _utf8_lines(data, lines)
    spans: list[tuple[int, int]] = []
    chains: list[Chain] = []
    for statements, line, column, message in found:
        for statement in reversed(statements):  # the innermost that has its lines to itself
            first = min([statement.lineno, *(d.lineno for d in getattr(statement, "decorator_list", ()))])
            if _owns_lines(statement, first, text_lines):
                spans.append((first, statement.end_lineno or statement.lineno))
                chains.append((line, column, f"{message}; the statement at lines {first}-{statement.end_lineno} is not read"))
                break
        else:
            return None
    spans = [s for s in spans if not any(o != s and o[0] <= s[0] and s[1] <= o[1] for o in spans)]
    blanked = _blank(lines, spans)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(blanked)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return blanked, tuple(sorted(set(chains)))


def _long_chains(tree: ast.AST, data: bytes) -> list[tuple[list[ast.stmt], int, int, str]]:
    """Each chain longer than MAX_CHAIN, outermost first, with the statements around it (outermost
    first); one per statement."""
    found = []
    stack: list[tuple[ast.AST, list[ast.stmt]]] = [(tree, [])]
    taken: set[int] = set()
    while stack:
        node, statements = stack.pop()
        if isinstance(node, ast.stmt):
            statements = [*statements, node]
        problem = None
        if isinstance(node, ast.BoolOp) and len(node.values) > MAX_CHAIN:
            word = "or" if isinstance(node.op, ast.Or) else "and"
            problem = f"an `{word}` chain of {len(node.values)} operands (more than {MAX_CHAIN}) is more than riskscan's parser can read"
        elif isinstance(node, (ast.Constant, ast.JoinedStr)) and isinstance(getattr(node, "value", ""), (str, bytes)):
            parts = _string_parts(node, data)
            if parts > MAX_CHAIN:
                problem = f"a string of {parts} concatenated parts (more than {MAX_CHAIN}) is more than riskscan's parser can read"
        if problem is not None and statements and id(statements[-1]) not in taken:
            taken.add(id(statements[-1]))
            found.append((statements, node.lineno, node.col_offset + 1, problem))
            continue
        if isinstance(node, ast.JoinedStr):
            continue  # its parts are not separate strings to count
        stack.extend((child, statements) for child in reversed(list(ast.iter_child_nodes(node))))
    return found


def _string_parts(node: ast.expr, data: bytes) -> int:
    """How many string tokens the literal `node` is made of ("a" "b" f"c": 3), counted with the
    tokenizer, and only for a literal whose source is long enough to hold more than MAX_CHAIN."""
    lines = data.splitlines(keepends=True)
    first, last = node.lineno, node.end_lineno or node.lineno
    if sum(len(line) for line in lines[first - 1 : last]) < 3 * MAX_CHAIN:  # `"" ` per part at least
        return 1
    head = lines[first - 1].decode("utf-8", "replace").encode("utf-8")[node.col_offset :]
    text = b"".join([head, *lines[first:last]]).decode("utf-8", "replace")
    count, inner = 0, 0
    fstring_start, fstring_end = getattr(tokenize, "FSTRING_START", None), getattr(tokenize, "FSTRING_END", None)
    try:
        for token in tokenize.generate_tokens(io.StringIO("(" + text).readline):
            if token.type == fstring_start:  # Python 3.12: an f-string is tokens; count its start
                count += inner == 0
                inner += 1
            elif token.type == fstring_end:
                inner -= 1
            elif token.type == tokenize.STRING and inner == 0:
                count += 1
            elif inner == 0 and token.type not in (tokenize.NL, tokenize.COMMENT) and token.string != "(" and token.start != (1, 0):
                break  # the literal ended
    except (tokenize.TokenError, SyntaxError):
        pass
    return count


def _utf8_lines(data: bytes, lines: list[bytes]) -> list[bytes]:
    """Each line as UTF-8 (what the ast's column offsets count in), whatever the file's encoding."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:
        encoding = "utf-8"
    out = []
    for line in lines:
        try:
            out.append(line.decode(encoding, "replace").encode("utf-8"))
        except LookupError:
            out.append(line)
    return out


def _owns_lines(statement: ast.stmt, first: int, lines: list[bytes]) -> bool:
    """Whether nothing but the statement (and comments) stands on its lines."""
    last = statement.end_lineno or statement.lineno
    if first > len(lines) or last > len(lines):
        return False
    column = statement.col_offset if first == statement.lineno else len(lines[first - 1]) - len(lines[first - 1].lstrip(b" \t\f"))
    if lines[first - 1][:column].strip(b" \t\f"):
        return False
    rest = lines[last - 1][statement.end_col_offset or 0 :].strip()
    return not rest or rest.startswith(b"#")


def _blank(lines: list[bytes], spans: list[tuple[int, int]]) -> bytes:
    lines = list(lines)
    for first, last in spans:
        for number in range(first, last + 1):
            line = lines[number - 1]
            content = line.rstrip(b"\r\n")
            ending = line[len(content) :] or b"\n"
            if number == first:
                indent = content[: len(content) - len(content.lstrip(b" \t\f"))]
                lines[number - 1] = indent + b"pass" + ending
            else:
                lines[number - 1] = ending
    return b"".join(lines)


# --- integers too long to convert -------------------------------------------------------------------


def long_integers(data: bytes) -> tuple[tuple[int, int, str], ...]:
    """(line, column, message) for each decimal integer literal of more digits than Python converts
    (`sys.get_int_max_str_digits()`, 4,300 by default): CPython's parser refuses the whole file, and
    libcst's evaluation of the literal raises; riskscan reads the file without their values. Looked
    for only when CPython's parser names that reason; found with the tokenizer."""
    import sys

    limit = sys.get_int_max_str_digits()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(data)
        return ()
    except SyntaxError as error:
        if "integer string conversion" not in str(error.msg):
            return ()
    except (ValueError, RecursionError, MemoryError):
        return ()
    found = []
    try:
        for token in tokenize.tokenize(io.BytesIO(data).readline):
            if token.type != tokenize.NUMBER or token.string[:2].lower() in ("0x", "0o", "0b"):
                continue
            digits = sum(c.isdigit() for c in token.string.split(".")[0].split("e")[0].split("E")[0])
            if limit and digits > limit and not any(c in token.string for c in ".eEjJ"):
                found.append((token.start[0], token.start[1] + 1, f"an integer of {digits} digits (more than Python converts, {limit}): its value is not read"))
    except (tokenize.TokenError, SyntaxError, UnicodeDecodeError, LookupError):
        pass
    return tuple(found)

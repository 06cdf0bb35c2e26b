"""The Python extractor: one source file in, its `Facts` out, read with libcst and never run.

One parse, one metadata resolution, one in-order walk (`interpreter`), with the framework
adapters (riskscan/frameworks.py lists their frameworks) recognising their declarations by
qualified name. libcst is imported only inside this package.
"""

from __future__ import annotations

from riskscan.extract.python.fields import field_bindings
from riskscan.extract.python.nesting import long_integers, nesting_problem, without_long_chains
from riskscan.rulesets import Rulesets
from riskscan.types import Diagnostic, Facts, Location, SourceFile

KIND = "python"


def _syntax_error_position(data: bytes, error) -> tuple[int, int, str]:
    """Where the error is, as CPython's own parser places it (libcst often points a line late);
    libcst's position when CPython does not object."""
    import ast
    import warnings

    try:
        with warnings.catch_warnings():  # the scanned code's invalid escapes are not ours to print
            warnings.simplefilter("ignore")
            ast.parse(data)
    except SyntaxError as reference:
        if reference.lineno:
            return reference.lineno, reference.offset or 0, reference.msg
    except (ValueError, RecursionError, MemoryError):
        pass
    return error.raw_line, error.raw_column + 1, error.message


def extract(data: bytes, source: SourceFile, rulesets: Rulesets) -> Facts:
    # libcst loads with the first file read in full, not with the package (survey.py needs none of it)
    from riskscan.extract.python.adapters import make_adapters
    from riskscan.extract.python.constants import exported
    from riskscan.extract.python.context import FileContext
    from riskscan.extract.python.interpreter import Interpreter
    from riskscan.extract.python.syntax import cst
    from riskscan.extract.python.values import Evaluator

    module_name = source.module or source.path.rsplit("/", 1)[-1].removesuffix(".py")
    undecodable = _encoding_problem(data)  # before any parser decodes the file with what it declares
    if undecodable is not None:
        return _unreadable(source, module_name, *undecodable)
    too_deep = nesting_problem(data)  # libcst's native parser would overflow its stack on it
    if too_deep is not None:
        return _unreadable(source, module_name, *too_deep)
    chains = without_long_chains(data)  # libcst nests `a or b or ...`: 10,000 operands kill the process
    if chains is None:
        return _unreadable(source, module_name, *_first_long_chain(data))
    data, long_chains = chains
    try:
        tree = cst.parse_module(data)
    except cst.ParserSyntaxError as error:
        line, column, message = _syntax_error_position(data, error)
        return _unreadable(source, module_name, line, column, f"syntax error: {message}")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return _unreadable(source, module_name, line, 0, f"cannot decode the file as {error.encoding}: {error.reason}")
    except (LookupError, SyntaxError) as error:
        # libcst raises a plain SyntaxError for bytes its encoding declaration does not match
        line, column = _first_undecodable_place(data)
        return _unreadable(source, module_name, line, column, f"cannot decode the file: {error}")
    package = module_name if source.path.endswith("__init__.py") else module_name.rpartition(".")[0]
    try:
        ctx = FileContext(tree, source.path, module_name, package, rulesets)
    except RecursionError:
        return _unreadable(source, module_name, 0, 0, "nesting too deep to analyse")
    for line, column, message in long_chains:
        ctx.diagnostics.append(Diagnostic(Location(source.path, line, column), "too-long", message, "warning"))
    for line, column, message in long_integers(data):
        ctx.diagnostics.append(Diagnostic(Location(source.path, line, column), "too-long", message, "warning"))
    evaluator_adapters = make_adapters(ctx)
    evaluator = Evaluator(ctx, evaluator_adapters)
    interpreter = Interpreter(ctx, evaluator, evaluator_adapters)
    interpreter.run()
    for adapter in evaluator_adapters:
        adapter.finish(interpreter)
    return Facts(
        path=source.path,
        kind=KIND,
        module=module_name,
        functions=tuple(sorted(ctx.functions.values(), key=_by_place)),
        tools=tuple(sorted(ctx.tools.values(), key=_by_place)),
        agents=tuple(sorted(ctx.agents.values(), key=_by_place)),
        bindings=tuple(sorted([*ctx.bindings.values(), *field_bindings(ctx)], key=lambda b: b.qualname)),
        dispatches=tuple(sorted(set(ctx.dispatches), key=lambda d: (d.location, d.tool_name, _canonical(d)))),
        registrations=tuple(sorted(set(ctx.registrations))),
        hygiene=tuple(sorted(set(ctx.hygiene))),
        links=tuple(sorted(set(ctx.links), key=lambda link: (link.location, link.kind, _canonical(link)))),
        diagnostics=tuple(sorted(ctx.diagnostics)),
        constants=exported(ctx),
        invocations=tuple(sorted(ctx.invocations, key=lambda i: (i.location, i.callee))),
    )


# Codecs Python accepts in an encoding declaration that transform text rather than decode it: what
# riskscan reads would not be what the file shows (`\\x41` read as `A`). Transform codecs (`rot13`,
# `zlib`) are not text encodings at all; both are refused.
_TRANSFORMS = frozenset({"unicode-escape", "raw-unicode-escape", "punycode", "idna", "utf-7"})


def _encoding_problem(data: bytes) -> tuple[int, int, str] | None:
    """(line, column, message) when the file's encoding declaration (`# coding: rot13`) names no
    codec, or one that is not a real text encoding; None for a file without one or with a text
    encoding (a byte that does not decode is reported later, at its place)."""
    import codecs
    import io
    import tokenize

    lines = data.splitlines(keepends=True)[:2]
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:  # unknown encoding, or one that contradicts the BOM
        try:
            tokenize.detect_encoding(iter([*lines[:1], b""]).__next__)
            line = 2
        except SyntaxError:
            line = 1
        return line, 1, f"cannot decode the file: {error.msg}"
    try:
        codec = codecs.lookup(encoding)
    except LookupError:
        return 1, 1, f"cannot decode the file: unknown encoding {encoding!r}"
    if getattr(codec, "_is_text_encoding", True) and codec.name not in _TRANSFORMS:
        return None
    line = 1 if _declares(lines[:1]) else 2
    return line, 1, f"the file declares the encoding {encoding!r}, which is not a text encoding riskscan reads; not read"


def _declares(lines: list[bytes]) -> bool:
    """Whether these first lines alone declare an encoding (tokenize's own reading of them)."""
    import io
    import tokenize

    try:
        _, read = tokenize.detect_encoding(io.BytesIO(b"".join(lines) + b"\n\n").readline)
    except SyntaxError:
        return True
    return len(read) == 1 and bool(lines)


def _first_long_chain(data: bytes) -> tuple[int, int, str]:
    """Where the first chain too long to read is, for a file none of whose statements holding one
    has its lines to itself (`x = 1; y = a or a or ...`)."""
    import ast

    from riskscan.extract.python.nesting import _long_chains

    found = _long_chains(ast.parse(data), data)
    _, line, column, message = found[0]
    return line, column, f"{message}; not read"


def _first_undecodable_place(data: bytes) -> tuple[int, int]:
    """Where the first byte that is not UTF-8 sits (Python's default source encoding); (0, 0) when
    every byte is UTF-8 (the encoding declaration itself is the problem)."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        before = data[: error.start]
        return before.count(b"\n") + 1, error.start - (before.rfind(b"\n") + 1) + 1
    return 0, 0


def _canonical(fact) -> str:
    """A total order for facts at the same place: their encoding, frozensets sorted (a set's own
    order changes with PYTHONHASHSEED)."""
    import json

    from riskscan.cache import encode

    return json.dumps(encode(fact), sort_keys=True)


def _by_place(fact) -> tuple:
    return (fact.location, getattr(fact, "qualname", None) or getattr(fact, "id", ""))


def _unreadable(source: SourceFile, module_name: str, line: int, column: int, message: str) -> Facts:
    location = Location(source.path, line, column)
    where = f" at line {line}" if line else ""
    return Facts(
        path=source.path,
        kind=KIND,
        module=module_name,
        diagnostics=(Diagnostic(location, "parse-error", f"{message}{where}", "error"),),
    )

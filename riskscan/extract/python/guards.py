"""Argument checks: what a function tests before each call, as terms and checks over its parameters.

Which checks stand before which call is riskscan.extract.python.guarded_calls's question; this
module reads a test as a check and a value as a term. Terms follow single assignments
(`parsed = urlparse(url)`), module constants (`BASE = "/srv/notes"`, `ALLOWED = {"api.example.com"}`),
f-strings, `+`, `os.path.join` and `/`.
What cannot be read becomes an `unknown` check that keeps the code, so it is reported, not ignored.
A name inside the function means the one definition that reaches it on every path
(riskscan.extract.python.flow); a check stands before a call only if no name it reads is written
between the two, else it is an `unknown` check saying so (never a check that holds).
"""

from __future__ import annotations

from string import Formatter

from riskscan.extract.python.context import FileContext
from riskscan.extract.python.flow import NOT_MINE, Flow
from riskscan.extract.python.namespaces import ImportAssignment
from riskscan.extract.python.returns import returned_term
from riskscan.extract.python.syntax import cst, find_nodes
from riskscan.extract.python.values import literal
from riskscan.types import Check, Term

URL_PARTS = frozenset({"hostname", "netloc", "scheme"})
URL_PARSERS = frozenset({"urllib.parse.urlparse", "urllib.parse.urlsplit"})
JOINS = frozenset({"os.path.join", "posixpath.join"})
PATHS = frozenset({"pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "builtins.str"})
REALPATHS = frozenset({"os.path.realpath", "os.path.abspath", "os.path.normpath"})
REGEX_CALLS = {"re.match": "match", "re.fullmatch": "fullmatch", "re.search": "search"}
CHARACTER_TESTS = frozenset({"isalnum", "isdigit", "isalpha", "isdecimal", "isidentifier"})
LENGTH_OPERATORS = {cst.LessThan: "len_lt", cst.LessThanEqual: "len_le", cst.GreaterThan: "len_gt",
                    cst.GreaterThanEqual: "len_ge", cst.Equal: "len_eq"}


class TermReader:
    def __init__(self, ctx: FileContext, params: tuple[str, ...], flow: Flow | None = None):
        self.ctx = ctx
        self.params = frozenset(params)
        self.flow = flow  # the control flow of the function the terms are read in
        self._reading: set[int] = set()

    # --- terms ---------------------------------------------------------------------------------

    def term(self, node: cst.BaseExpression) -> Term:
        if id(node) in self._reading:
            return self._unknown(node)
        self._reading.add(id(node))
        try:
            return self._term(node)
        finally:
            self._reading.discard(id(node))

    def _term(self, node: cst.BaseExpression) -> Term:
        text = _string(node)
        if text is not None:
            return Term("lit", value=text)
        if isinstance(node, cst.Name):
            return self._name(node)
        if isinstance(node, cst.FormattedString):
            parts = []
            for part in node.parts:
                if isinstance(part, cst.FormattedStringText):
                    parts.append(Term("lit", value=part.value))
                elif part.format_spec is None and part.conversion is None:
                    parts.append(self.term(part.expression))
                else:
                    return self._unknown(node)
            return _concat(parts)
        if isinstance(node, (cst.List, cst.Tuple)) and not any(isinstance(e, cst.StarredElement) for e in node.elements):
            return Term("list", tuple(self.term(element.value) for element in node.elements))  # an argv
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
            return _concat([self.term(node.left), self.term(node.right)])
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Modulo) and _string(node.left) is not None:
            values = [e.value for e in node.right.elements] if isinstance(node.right, cst.Tuple) else [node.right]
            return self._formatted(_percent_parts(_string(node.left)), values, {}, node)
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Divide):
            return Term("join", (self.term(node.left), self.term(node.right)))
        if isinstance(node, cst.Subscript) and isinstance(node.value, cst.Name) and self._is_parameter(node.value):
            key = _string(node.slice[0].slice.value) if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index) else None
            if key is not None:
                return Term("param", value=f"{node.value.value}[{key!r}]")
        if isinstance(node, cst.Attribute) and node.attr.value in URL_PARTS:
            url = self._parsed_url(node.value)
            if url is not None:
                return Term(node.attr.value, (url,))
        if isinstance(node, cst.Call):
            return self._call(node)
        return self._unknown(node)

    def _name(self, node: cst.Name) -> Term:
        binding = self._binding(node)
        if binding is not NOT_MINE:  # a name of the function: its reaching definition
            if binding == "param":
                return Term("param", value=node.value)
            return self.term(binding) if binding is not None else self._unknown(node)
        assignments = self.ctx.assignments(node)
        if len(assignments) != 1:
            return self._unknown(node)
        target = assignments[0].node
        if isinstance(target, cst.Param):
            # a parameter of this function read where no flow is known; another function's is not ours
            return Term("param", value=node.value) if node.value in self.params else self._unknown(node)
        value = self.ctx.declarations.assigned.get(id(target)) if isinstance(target, cst.Name) else None
        project = [n for n in self.ctx.names_of(node) if self.ctx.is_project(n)]
        if value is None and isinstance(assignments[0], ImportAssignment) and project:
            return Term("constant", value=project[0])  # another module's: the model puts in its text
        return self.term(value) if value is not None else self._unknown(node)

    def _binding(self, node: cst.Name):
        """The flow's answer for a name of the function; None (nothing known) for a name a
        comprehension or lambda inside it binds (`[get(url) for url in urls]` is not the `url`
        parameter)."""
        if self.flow is None:
            return NOT_MINE
        scope, own = self.ctx.scopes.get(node), self.ctx.scopes.get(self.flow.body)
        while scope is not None and own is not None and scope is not own and scope.kind in ("comprehension", "function"):
            if scope.assignments.get(node.value):
                return None
            scope = scope.parent if scope.parent is not scope else None
        return self.flow.binding(node)

    def _is_parameter(self, node: cst.Name) -> bool:
        """The name holds the parameter as passed (not rebound, not changed in place)."""
        binding = self._binding(node)
        return node.value in self.params and (binding == "param" or binding is NOT_MINE)

    def _formatted(self, parts, positional, keywords, node: cst.CSTNode) -> Term:
        """`"... %s ..." % (a,)` / `"... {} ...".format(a)`: the text and the values, in order."""
        if parts is None:
            return self._unknown(node)
        terms, position = [], 0
        for text, field in parts:
            if text:
                terms.append(Term("lit", value=text))
            if field is None:
                continue
            if field == "":
                field, position = str(position), position + 1
            if field.isdigit() and int(field) < len(positional):
                terms.append(self.term(positional[int(field)]))
            elif field in keywords:
                terms.append(self.term(keywords[field]))
            else:
                return self._unknown(node)
        return _concat(terms) if terms else Term("lit", value="")

    def _call(self, node: cst.Call) -> Term:
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "format" and _string(node.func.value) is not None:
            if any(a.star for a in node.args):
                return self._unknown(node)
            positional = [a.value for a in node.args if a.keyword is None]
            keywords = {a.keyword.value: a.value for a in node.args if a.keyword is not None}
            return self._formatted(_brace_parts(_string(node.func.value)), positional, keywords, node)
        callee = set(self.ctx.callee_names(node.func))
        args = [a.value for a in node.args if a.keyword is None and not a.star]
        if callee & JOINS and args:
            result = self.term(args[0])
            for part in args[1:]:
                result = Term("join", (result, self.term(part)))
            return result
        if callee & PATHS and args:
            result = self.term(args[0])
            for part in args[1:]:
                result = Term("join", (result, self.term(part)))
            return result
        if callee & REALPATHS and len(args) == 1:
            return self.term(args[0])
        if isinstance(node.func, cst.Attribute) and node.func.attr.value in ("resolve", "absolute") and not args:
            # normalising the path: a containment check on the result is what makes it safe
            return self.term(node.func.value)
        returned = returned_term(self, node)  # a helper of the file that builds and returns a string
        return returned if returned is not None else self._unknown(node)

    def _parsed_url(self, node: cst.BaseExpression) -> Term | None:
        if isinstance(node, cst.Name):
            value = self._single_value(node)
            return self._parsed_url(value) if value is not None else None
        if isinstance(node, cst.Call) and set(self.ctx.callee_names(node.func)) & URL_PARSERS and node.args:
            return self.term(node.args[0].value)
        return None

    def _single_value(self, node: cst.Name) -> cst.BaseExpression | None:
        """What a name was assigned: for a name of the function, the one assignment that reaches it;
        otherwise when it was assigned exactly once (a module constant)."""
        binding = self._binding(node)
        if binding is not NOT_MINE:
            return binding if isinstance(binding, cst.CSTNode) else None
        assignments = self.ctx.assignments(node)
        target = assignments[0].node if len(assignments) == 1 else None
        return self.ctx.declarations.assigned.get(id(target)) if isinstance(target, cst.Name) else None

    def _unknown(self, node: cst.CSTNode) -> Term:
        return Term("unknown", value=self.ctx.module.code_for_node(node))

    def values(self, node: cst.BaseExpression) -> tuple[str, ...] | None:
        """The strings of a literal collection, directly or through a constant's single assignment."""
        if isinstance(node, cst.Name):
            value = self._single_value(node)
            return self.values(value) if value is not None else None
        if isinstance(node, cst.Call) and set(self.ctx.callee_names(node.func)) & {"builtins.frozenset", "builtins.set", "builtins.tuple"}:
            return self.values(node.args[0].value) if len(node.args) == 1 else None
        if isinstance(node, cst.Set):
            node = cst.List([cst.Element(e.value) for e in node.elements if isinstance(e, cst.Element)])
        try:
            found = literal(node)
        except (ValueError, AttributeError):
            return None
        if isinstance(found, str):
            return (found,)
        if isinstance(found, (list, tuple)) and all(isinstance(v, str) for v in found):
            return tuple(found)
        return None

    def _text(self, node: cst.BaseExpression) -> str | None:
        """A literal string, or a name bound once to one (a module constant such as
        `ALLOWED_HOST = "api.example.com"`)."""
        text = _string(node)
        if text is None and isinstance(node, cst.Name):
            found = self.values(node)
            text = found[0] if found is not None and len(found) == 1 and isinstance(self._single_value(node), cst.SimpleString) else None
        return text

    # --- checks ----------------------------------------------------------------------------------

    def check(self, node: cst.BaseExpression) -> Check | None:
        """The test as a check, or None when it does not involve a parameter."""
        found = self._check(node)
        return found if found is not None and _mentions_params(found) else None

    def _check(self, node: cst.BaseExpression) -> Check | None:
        source = self.ctx.module.code_for_node(node)
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Not):
            inner = self._check(node.expression)
            return Check("not", args=(inner,), source=source) if inner is not None else None
        if isinstance(node, cst.BooleanOperation):
            left, right = self._check(node.left), self._check(node.right)
            op = "and" if isinstance(node.operator, cst.And) else "or"
            if left is None or right is None:
                return self._unknown_check(node) if op == "or" else (left or right)
            return Check(op, args=(left, right), source=source)
        if isinstance(node, cst.Comparison) and len(node.comparisons) == 1:
            return self._comparison(node, source)
        if isinstance(node, cst.Call):
            return self._call_check(node, source)
        return self._unknown_check(node)

    def _comparison(self, node: cst.Comparison, source: str) -> Check | None:
        comparison = node.comparisons[0]
        operator, right = comparison.operator, comparison.comparator
        negated = isinstance(operator, (cst.NotEqual, cst.NotIn, cst.IsNot))
        if isinstance(operator, (cst.Equal, cst.NotEqual)):
            length = self._length_of(node.left)
            if length is not None and _number(right) is not None:
                found = Check("len_eq", length, (str(_number(right)),), source=source)
            else:
                left_text, right_text = self._text(node.left), self._text(right)
                term = self.term(right if left_text is not None else node.left)
                text = left_text if left_text is not None else right_text
                found = Check("eq", term, (text,), source=source) if text is not None else self._unknown_check(node)
        elif isinstance(operator, (cst.In, cst.NotIn)):
            needle = _string(node.left)
            if needle is not None:
                found = Check("contains", self.term(right), (needle,), source=source)
            else:
                values = self.values(right)
                found = Check("in", self.term(node.left), values, source=source) if values is not None else self._unknown_check(node)
        elif type(operator) in LENGTH_OPERATORS and self._length_of(node.left) is not None and _number(right) is not None:
            found = Check(LENGTH_OPERATORS[type(operator)], self._length_of(node.left), (str(_number(right)),), source=source)
        else:
            found = self._unknown_check(node)
        return Check("not", args=(found,), source=source) if negated and found is not None else found

    def _call_check(self, node: cst.Call, source: str) -> Check | None:
        callee = set(self.ctx.callee_names(node.func))
        args = [a.value for a in node.args]
        for name, mode in REGEX_CALLS.items():
            if name in callee and len(args) >= 2:
                pattern = _string(args[0])
                return Check("regex", self.term(args[1]), (pattern, mode), source=source) if pattern is not None else self._unknown_check(node)
        if not isinstance(node.func, cst.Attribute):
            return self._unknown_check(node)
        method, subject = node.func.attr.value, node.func.value
        if method in ("startswith", "endswith") and len(args) == 1:
            values = self.values(args[0])
            if values is not None:
                contained = self._contained(subject, values, method)
                return contained or Check(method, self.term(subject), values, source=source)
        if method in CHARACTER_TESTS and not args:
            return Check(method, self.term(subject), source=source)
        if method in ("match", "fullmatch", "search") and len(args) == 1:
            pattern = self._compiled_pattern(subject)
            if pattern is not None:
                return Check("regex", self.term(args[0]), (pattern, method), source=source)
        if method == "is_relative_to" and len(args) == 1:
            resolved = self._resolved(subject)
            base = _string(args[0]) or (self.term(args[0]).value if self.term(args[0]).op == "lit" else None)
            if resolved is not None and base is not None:
                return Check("contained", resolved, (base,), source=source)
        return self._unknown_check(node)

    def _contained(self, subject: cst.BaseExpression, values: tuple[str, ...], method: str) -> Check | None:
        """`os.path.realpath(p).startswith(BASE)`: the resolved path is inside BASE."""
        if method != "startswith" or len(values) != 1 or not isinstance(subject, cst.Call):
            return None
        if set(self.ctx.callee_names(subject.func)) & REALPATHS and subject.args:
            return Check("contained", self.term(subject.args[0].value), values, source=self.ctx.module.code_for_node(subject))
        return None

    def _resolved(self, node: cst.BaseExpression) -> Term | None:
        """`Path(p).resolve()` (possibly through a local) -> the term of p."""
        if isinstance(node, cst.Name):
            value = self._single_value(node)
            return self._resolved(value) if value is not None else None
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "resolve":
            return self.term(node.func.value)
        return None

    def _compiled_pattern(self, node: cst.BaseExpression) -> str | None:
        if isinstance(node, cst.Name):
            value = self._single_value(node)
            return self._compiled_pattern(value) if value is not None else None
        if isinstance(node, cst.Call) and "re.compile" in self.ctx.callee_names(node.func) and len(node.args) == 1:
            return _string(node.args[0].value)
        return None

    def _length_of(self, node: cst.BaseExpression) -> Term | None:
        if isinstance(node, cst.Call) and "builtins.len" in self.ctx.callee_names(node.func) and len(node.args) == 1:
            return self.term(node.args[0].value)
        return None

    def _unknown_check(self, node: cst.CSTNode) -> Check:
        names = {n.value for n in find_nodes(node, cst.Name, enter_definitions=True)} & self.params
        code = self.ctx.module.code_for_node(node)
        return Check("unknown", Term("param", value=sorted(names)[0]) if names else None, source=code)


def _mentions_params(check: Check) -> bool:
    if check.term is not None and check.term.params():
        return True
    return any(_mentions_params(arg) for arg in check.args)


def _concat(parts: list[Term]) -> Term:
    flat: list[Term] = []
    for part in parts:
        flat.extend(part.args if part.op == "concat" else (part,))
    return flat[0] if len(flat) == 1 else Term("concat", tuple(flat))


def _string(node: cst.BaseExpression | None) -> str | None:
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _percent_parts(text: str) -> list[tuple[str, str | None]] | None:
    """`%` formatting as (text, field) pairs, fields numbered in order; only `%s` and `%%`."""
    parts, current, count, at = [], "", 0, 0
    while at < len(text):
        if text[at] != "%":
            current += text[at]
            at += 1
            continue
        following = text[at + 1 : at + 2]
        if following == "%":
            current += "%"
        elif following == "s":
            parts.append((current, str(count)))
            current, count = "", count + 1
        else:
            return None
        at += 2
    return parts + [(current, None)]


def _brace_parts(text: str) -> list[tuple[str, str | None]] | None:
    """`str.format` fields as (text, field) pairs; a field with a spec, conversion, attribute or
    index is not read."""
    try:
        parsed = list(Formatter().parse(text))
    except ValueError:
        return None
    parts = []
    for literal_text, field, spec, conversion in parsed:
        if field is not None and (spec or conversion or not (field == "" or field.isdigit() or field.isidentifier())):
            return None
        parts.append((literal_text, field))
    return parts


def _number(node: cst.BaseExpression) -> int | None:
    if not isinstance(node, cst.Integer):
        return None
    try:
        return int(node.evaluated_value)
    except (SyntaxError, ValueError):  # more than sys.get_int_max_str_digits() digits (nesting.py reports it)
        return None

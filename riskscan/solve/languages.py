"""Checks and dangers as regular languages over terms, for Z3.

Every check and every danger becomes "this term is in that language"; the languages of one term
are intersected and asserted as a single regex membership. Z3 decides that with automata, where a
mix of prefix, contains and regex atoms over the same string often ends in `unknown`.

A URL's parts are never separate variables: "the hostname is H" is itself a regular language
over the whole URL, scheme://[userinfo@]H[:port][/?#...], with H lower-case as `.hostname`
returns it.
"""

from __future__ import annotations

from riskscan.solve.regex import Unsupported, to_z3
from riskscan.types import Check, Term

MAX_CHARACTER = 0x2FFFF  # Z3's largest character by default

# ASCII versions of str.isalnum() and friends (non-ASCII letters are not drawn in witnesses)
CHARACTER_CLASSES = {"isalnum": "[A-Za-z0-9]+", "isdigit": "[0-9]+", "isdecimal": "[0-9]+",
                     "isalpha": "[A-Za-z]+", "isidentifier": "[A-Za-z_][A-Za-z0-9_]*"}
URL_PARTS = ("hostname", "netloc", "scheme")


class Languages:
    """Z3 terms and languages for one case of the joins (`joins`: join term -> part absolute)."""

    def __init__(self, z3, ctx, joins: dict[Term, bool]):
        self.z3, self.ctx, self.joins = z3, ctx, joins
        self.sort = z3.ReSort(z3.StringSort(ctx))
        self.side: list = []  # constraints from the join cases
        self.params: dict[str, object] = {}
        self.opaque: list[str] = []  # the code of parts riskscan could not read, each taken as any text

    # --- building blocks -----------------------------------------------------------------------

    def literal(self, text: str):
        return self.z3.Re(self.z3.StringVal(text, self.ctx))

    def union(self, languages: list):
        return languages[0] if len(languages) == 1 else self.z3.Union(*languages)

    def anything(self):
        return self.z3.Full(self.sort)

    def containing(self, texts: list[str]):
        return self.z3.Concat(self.anything(), self.union([self.literal(t) for t in texts]), self.anything())

    def complement(self, language):
        return self.z3.Complement(language)

    def host_char(self):
        z3, s = self.z3, lambda text: z3.StringVal(text, self.ctx)
        return z3.Union(z3.Range(s("a"), s("z")), z3.Range(s("0"), s("9")), self.literal("."), self.literal("-"))

    def not_chars(self, chars: str):
        """Any character but these, as ranges of code points (a complement is far slower)."""
        z3, ctx = self.z3, self.ctx
        ranges, low = [], 0
        for excluded in sorted({ord(c) for c in chars}):
            if excluded > low:
                ranges.append(z3.Range(z3.StringVal(chr(low), ctx), z3.StringVal(chr(excluded - 1), ctx)))
            low = excluded + 1
        ranges.append(z3.Range(z3.StringVal(chr(low), ctx), z3.StringVal(chr(MAX_CHARACTER), ctx)))
        return self.union(ranges)

    def url_with(self, part: str = "hostname", language=None, exact: bool = False):
        """URLs whose `part` is in `language` (every well-formed URL when None). An `exact`
        language (literal names) stands as it is; others are cut to the part's characters."""
        z3 = self.z3
        scheme = z3.Concat(z3.Range(z3.StringVal("a", self.ctx), z3.StringVal("z", self.ctx)), z3.Star(self.host_char()))
        userinfo = z3.Option(z3.Concat(z3.Star(self.not_chars("/@?#")), self.literal("@")))
        host = z3.Plus(self.host_char())
        digits = z3.Range(z3.StringVal("0", self.ctx), z3.StringVal("9", self.ctx))
        port = z3.Option(z3.Concat(self.literal(":"), z3.Plus(digits)))
        rest = z3.Option(z3.Concat(self.union([self.literal(c) for c in "/?#"]), self.anything()))
        if language is not None and part == "hostname":
            host = language if exact else z3.Intersect(host, language)
        if language is not None and part == "scheme":
            scheme = language if exact else z3.Intersect(scheme, language)
        if language is not None and part == "netloc":
            netloc = language if exact else z3.Intersect(z3.Concat(userinfo, host, port), language)
            return z3.Concat(scheme, self.literal("://"), netloc, rest)
        return z3.Concat(scheme, self.literal("://"), userinfo, host, port, rest)

    # --- terms ---------------------------------------------------------------------------------

    def param(self, name: str):
        return self.params.setdefault(name, self.z3.String(name, self.ctx))

    def term(self, term: Term):
        z3, ctx = self.z3, self.ctx
        if term.op == "param":
            return self.param(term.value)
        if term.op == "lit":
            return z3.StringVal(term.value, ctx)
        if term.op == "concat":
            return z3.Concat(*[self.term(arg) for arg in term.args])
        if term.op == "join":
            base, part = self.term(term.args[0]), self.term(term.args[1])
            absolute = z3.InRe(part, z3.Concat(self.literal("/"), self.anything()))
            if self.joins.get(term, False):
                self.side.append(absolute)
                return part
            self.side.append(z3.Not(absolute))
            if term.args[0].op == "lit" and term.args[0].value.endswith("/"):
                return z3.Concat(base, part)
            return z3.Concat(base, z3.StringVal("/", ctx), part)
        if term.op in ("unknown", "constant") and term.value:
            # a part riskscan could not read may be any text: what holds whatever it is holds (a
            # fixed host before it), what it would take to be dangerous is not claimed (arguments.py)
            self.opaque.append(term.value)
            return z3.String(f"<unread {len(self.opaque)}>", ctx)
        raise Unsupported(term.value or term.op)

    # --- checks --------------------------------------------------------------------------------

    def membership(self, check: Check) -> tuple[Term, object]:
        """The check as (term, language): it passes exactly when the term is in the language."""
        if check.op == "not":
            term, language = self.membership(check.args[0])
            return term, self.complement(language)
        if check.op in ("and", "or"):
            parts = [self.membership(arg) for arg in check.args]
            if len({term for term, _ in parts}) != 1:
                raise Unsupported(check.source or "a test over two different values")
            combine = self.z3.Intersect if check.op == "and" else self.z3.Union
            return parts[0][0], combine(*[language for _, language in parts])
        if check.term is None or check.op == "unknown":
            raise Unsupported(check.source)
        if check.term.op in URL_PARTS:
            exact = check.op in ("eq", "in")
            return check.term.args[0], self.url_with(check.term.op, self.language(check), exact)
        return check.term, self.language(check)

    def language(self, check: Check):
        """The strings that pass the check."""
        z3 = self.z3
        values = [self.literal(v) for v in check.values]
        if check.op == "startswith":
            return z3.Concat(self.union(values), self.anything())
        if check.op == "endswith":
            return z3.Concat(self.anything(), self.union(values))
        if check.op == "contains":
            return self.containing([check.values[0]])
        if check.op in ("in", "eq"):
            return self.union(values)
        if check.op.startswith("len_"):
            return self._length(check.op, int(check.values[0]))
        if check.op == "regex":
            return to_z3(z3, self.ctx, check.values[0], check.values[1])
        if check.op in CHARACTER_CLASSES:
            return to_z3(z3, self.ctx, CHARACTER_CLASSES[check.op], "fullmatch")
        if check.op == "contained":
            # resolved inside the folder: under it, and no `..` left to climb out with
            base = self.literal(check.values[0].rstrip("/") + "/")
            return z3.Intersect(z3.Concat(base, self.anything()), self.complement(self.containing([".."])))
        raise Unsupported(check.source or check.op)

    def _length(self, op: str, bound: int):
        z3 = self.z3
        low, high = {"len_lt": (0, bound - 1), "len_le": (0, bound), "len_gt": (bound + 1, None),
                     "len_ge": (bound, None), "len_eq": (bound, bound)}[op]
        anychar = z3.AllChar(self.sort)
        if high is None:
            return z3.Concat(z3.Loop(anychar, low, low), z3.Star(anychar)) if low else z3.Star(anychar)
        return z3.Loop(anychar, low, high) if high >= low else z3.Empty(self.sort)

    def assertions(self, memberships: list[tuple[Term, object]]) -> list:
        """One regex membership per term: the intersection of its languages."""
        self.side = []
        by_term: dict[Term, list] = {}
        for term, language in memberships:
            by_term.setdefault(term, []).append(language)
        found = []
        for term, languages in sorted(by_term.items()):
            language = languages[0] if len(languages) == 1 else self.z3.Intersect(*languages)
            found.append(self.z3.InRe(self.term(term), language))
        return found + self.side

    def witness(self, model) -> tuple[tuple[str, str], ...]:
        return tuple(
            (name, model.eval(variable, model_completion=True).as_string())
            for name, variable in sorted(self.params.items())
        )

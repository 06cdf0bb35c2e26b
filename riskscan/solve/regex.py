"""Python regular expressions as Z3 regular expressions, for argument checks.

The pattern is parsed by Python's own regex parser (`re._parser`), so the syntax is exactly what
the scanned code means; the translation covers literals, `.`, classes and ranges, `\\d \\w \\s`,
alternation, groups, repetition and the anchors at the ends. Back-references, look-arounds and
conditionals have no regular counterpart and raise `Unsupported`.
"""

from __future__ import annotations

import re
import re._constants as C
import re._parser as sre_parse

MAX_REPEAT = 64  # bounded repetitions above this are widened to an unbounded loop
MAX_COUNT = 1000  # a repeat that must match more times than this is not understood (`a{4294967295}`)

_CATEGORIES = {
    C.CATEGORY_DIGIT: [("0", "9")],
    C.CATEGORY_WORD: [("a", "z"), ("A", "Z"), ("0", "9"), ("_", "_")],
    C.CATEGORY_SPACE: [(" ", " "), ("\t", "\r")],
}
_NEGATED = {C.CATEGORY_NOT_DIGIT: C.CATEGORY_DIGIT, C.CATEGORY_NOT_WORD: C.CATEGORY_WORD, C.CATEGORY_NOT_SPACE: C.CATEGORY_SPACE}


class Unsupported(Exception):
    """A construct with no counterpart in the encoding; the check is reported as not understood."""


def to_z3(z3, ctx, pattern: str, mode: str):
    """The Z3 regex for `re.<mode>(pattern, s)` succeeding: fullmatch is the pattern itself,
    match allows any suffix, search any prefix and suffix."""
    try:
        parsed = sre_parse.parse(pattern)
    except re.error as error:
        raise Unsupported(f"invalid pattern: {error}") from error
    except OverflowError as error:  # `{0,4294967295}`: Python's own parser refuses the count
        raise Unsupported(f"a repeat count too large for Python's regex engine: {error}") from error
    except RecursionError as error:
        raise Unsupported("a pattern nested too deeply") from error
    flags = parsed.state.flags
    if flags & (re.IGNORECASE | re.VERBOSE):
        raise Unsupported("regex flags")
    translator = _Translator(z3, ctx, dotall=bool(flags & re.DOTALL))
    items = list(parsed)
    anchored_start = bool(items) and items[0] == (C.AT, C.AT_BEGINNING) or bool(items) and items[0] == (C.AT, C.AT_BEGINNING_STRING)
    anchored_end = bool(items) and items[-1][0] == C.AT and items[-1][1] in (C.AT_END, C.AT_END_STRING)
    if anchored_start:
        items = items[1:]
    if anchored_end:
        items = items[:-1]
    body = translator.sequence(items)
    anything = z3.Full(z3.ReSort(z3.StringSort(ctx)))
    if mode == "search" and not anchored_start:
        body = z3.Concat(anything, body)
    if mode in ("match", "search") and not anchored_end:
        body = z3.Concat(body, anything)
    return body


class _Translator:
    def __init__(self, z3, ctx, dotall: bool):
        self.z3, self.ctx, self.dotall = z3, ctx, dotall
        self.sort = z3.ReSort(z3.StringSort(ctx))

    def sequence(self, items) -> object:
        parts = [self.item(op, av) for op, av in items]
        if not parts:
            return self.z3.Re(self.z3.StringVal("", self.ctx))
        return parts[0] if len(parts) == 1 else self.z3.Concat(*parts)

    def item(self, op, av):
        z3 = self.z3
        if op == C.LITERAL:
            return z3.Re(z3.StringVal(chr(av), self.ctx))
        if op == C.NOT_LITERAL:
            return self._complement_chars([(chr(av), chr(av))])
        if op == C.ANY:
            return z3.AllChar(self.sort) if self.dotall else self._complement_chars([("\n", "\n")])
        if op == C.IN:
            return self._class(av)
        if op == C.BRANCH:
            return z3.Union(*[self.sequence(list(branch)) for branch in av[1]])
        if op == C.SUBPATTERN:
            return self.sequence(list(av[-1]))
        if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
            low, high, inner = av
            if low > MAX_COUNT:
                raise Unsupported(f"a repeat of at least {low} (more than {MAX_COUNT})")
            body = self.sequence(list(inner))
            if high == C.MAXREPEAT or high > MAX_REPEAT:
                if low <= 1:
                    return z3.Plus(body) if low else z3.Star(body)
                return z3.Concat(z3.Loop(body, low, low), z3.Star(body))
            if (low, high) == (0, 1):
                return z3.Option(body)
            return z3.Loop(body, low, high)
        if op == C.ATOMIC_GROUP:
            return self.sequence(list(av))
        raise Unsupported(f"regex construct {op}")

    def _class(self, items):
        negated = bool(items) and items[0][0] == C.NEGATE
        ranges: list[tuple[str, str]] = []
        extra = []
        for op, av in items[1:] if negated else items:
            if op == C.LITERAL:
                ranges.append((chr(av), chr(av)))
            elif op == C.RANGE:
                ranges.append((chr(av[0]), chr(av[1])))
            elif op == C.CATEGORY and av in _CATEGORIES:
                ranges += _CATEGORIES[av]
            elif op == C.CATEGORY and av in _NEGATED and not negated:
                extra.append(self._complement_chars(_CATEGORIES[_NEGATED[av]]))
            else:
                raise Unsupported(f"character class item {op}")
        if negated:
            if extra:
                raise Unsupported("negated class with a negated category")
            return self._complement_chars(ranges)
        options = [self._range(low, high) for low, high in ranges] + extra
        if not options:
            return self.z3.Empty(self.sort)
        return options[0] if len(options) == 1 else self.z3.Union(*options)

    def _range(self, low: str, high: str):
        z3 = self.z3
        if low == high:
            return z3.Re(z3.StringVal(low, self.ctx))
        return z3.Range(z3.StringVal(low, self.ctx), z3.StringVal(high, self.ctx))

    def _complement_chars(self, ranges):
        z3 = self.z3
        chosen = [self._range(low, high) for low, high in ranges]
        union = chosen[0] if len(chosen) == 1 else z3.Union(*chosen)
        return z3.Intersect(z3.AllChar(self.sort), z3.Complement(union))

"""Terms and checks evaluated on concrete strings with Python's own functions (os.path.join,
urllib.parse, re), to confirm a solver witness before it is reported."""

from __future__ import annotations

import os.path
import re
from urllib.parse import urlsplit

from riskscan.types import Check, Term


def evaluate_term(term: Term, values: dict[str, str]) -> str:
    if term.op == "param":
        return values[term.value]
    if term.op == "lit":
        return term.value
    if term.op == "concat":
        return "".join(evaluate_term(arg, values) for arg in term.args)
    if term.op == "join":
        return os.path.join(evaluate_term(term.args[0], values), evaluate_term(term.args[1], values))
    if term.op in ("hostname", "netloc", "scheme"):
        return getattr(urlsplit(evaluate_term(term.args[0], values)), term.op) or ""
    raise ValueError(f"cannot evaluate {term.op}")


def evaluate_check(check: Check, values: dict[str, str]) -> bool:
    if check.op == "not":
        return not evaluate_check(check.args[0], values)
    if check.op == "and":
        return all(evaluate_check(arg, values) for arg in check.args)
    if check.op == "or":
        return any(evaluate_check(arg, values) for arg in check.args)
    if check.term is None:
        raise ValueError("check without a term")
    text = evaluate_term(check.term, values)
    if check.op == "startswith":
        return text.startswith(tuple(check.values))
    if check.op == "endswith":
        return text.endswith(tuple(check.values))
    if check.op == "contains":
        return check.values[0] in text
    if check.op == "in":
        return text in check.values
    if check.op == "eq":
        return text == check.values[0]
    if check.op.startswith("len_"):
        bound = int(check.values[0])
        return {"len_lt": len(text) < bound, "len_le": len(text) <= bound, "len_gt": len(text) > bound,
                "len_ge": len(text) >= bound, "len_eq": len(text) == bound}[check.op]
    if check.op == "regex":
        return getattr(re, check.values[1])(check.values[0], text) is not None
    if check.op in ("isalnum", "isdigit", "isalpha", "isdecimal", "isidentifier"):
        return getattr(text, check.op)()
    if check.op == "contained":
        base = os.path.realpath(check.values[0])
        return os.path.realpath(text).startswith(base.rstrip("/") + "/")
    raise ValueError(f"cannot evaluate {check.op}")

"""Z3, behind one module and loaded on first use: a scan with nothing to solve never imports it."""

from functools import lru_cache


@lru_cache(maxsize=1)
def z3():
    import z3 as module

    return module


@lru_cache(maxsize=1)
def shared_context():
    """One context for small independent queries of which only sat/unsat/unknown is used (whether
    a configuration can hold): making a context costs 10-70 ms, more than such queries do."""
    return z3().Context()

"""Z3, behind one module and loaded on first use: a scan with nothing to solve never imports it."""

from functools import lru_cache


@lru_cache(maxsize=1)
def z3():
    import z3 as module

    return module

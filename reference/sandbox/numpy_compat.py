"""NumPy-1 aliases restored for code under test, and a record of who used them.

Student packages written for NumPy 1.x use names NumPy 2 removed
(``np.float_``, ``np.int``, ``np.product``, ...). judging.md: restore them
and report an advisory, never fail the component for it. ``install()``
wraps NumPy's module ``__getattr__`` (called only for names NumPy does not
have, so nothing else changes) to return the old meaning and record the
module that asked; ``uses(modules)`` lists the aliases each module used.
"""
from __future__ import annotations

import math
import sys

import numpy as np

# Removed name -> what it meant in NumPy 1.x.
ALIASES = {
    "float_": np.float64, "complex_": np.complex128, "int": int, "float": float, "bool": bool,
    "object": object, "str": str, "long": int, "unicode": str, "unicode_": np.str_,
    "string_": np.bytes_, "int0": np.intp, "uint0": np.uintp, "bool8": np.bool_,
    "object0": np.object_, "str0": np.str_, "bytes0": np.bytes_, "void0": np.void,
    "longfloat": np.longdouble, "singlecomplex": np.complex64, "cfloat": np.complex128,
    "longcomplex": np.clongdouble, "clongfloat": np.clongdouble,
    "NaN": np.nan, "NAN": np.nan, "Inf": np.inf, "Infinity": np.inf, "infty": np.inf,
    "PINF": np.inf, "NINF": -np.inf, "PZERO": 0.0, "NZERO": -0.0,
    "product": np.prod, "cumproduct": np.cumprod, "sometrue": np.any, "alltrue": np.all,
    "round_": np.round, "math": math, "asscalar": lambda a: np.asarray(a).item(),
    "asfarray": lambda a, dtype=np.float64: np.asarray(a, dtype=dtype),
    "msort": lambda a: np.sort(a, axis=0), "trapz": getattr(np, "trapezoid", None),
}

_used: dict[str, set[str]] = {}   # module __name__ -> aliases it used
_original = None


def _getattr(name: str):
    if name in ALIASES and ALIASES[name] is not None:
        frame = sys._getframe(1)
        _used.setdefault(frame.f_globals.get("__name__", "?"), set()).add(name)
        return ALIASES[name]
    if _original is not None:
        return _original(name)
    raise AttributeError(f"module 'numpy' has no attribute {name!r}")


def install() -> None:
    """Restore the aliases for every module of this process (idempotent)."""
    global _original
    if np.__dict__.get("__getattr__") is _getattr:
        return
    _original = np.__dict__.get("__getattr__")
    np.__dict__["__getattr__"] = _getattr


def uses(module_names) -> dict[str, list[str]]:
    """Aliases used so far by each of ``module_names`` (module __name__ values)."""
    wanted = set(module_names)
    return {m: sorted(a) for m, a in _used.items() if m in wanted}


def advisory(module_label: str, aliases) -> str:
    shown = ", ".join(f"np.{a}" for a in aliases)
    return (f"{module_label} uses {shown}, removed in NumPy 2 (restored for this check; "
            f"write np.float64 / int / float / np.prod ... instead)")

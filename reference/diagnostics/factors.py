"""Constant factors: a gradient off by exactly N, T, 1/N, 2, -1 ... says which operation is wrong.

``constant_factor(actual, reference, sizes)`` fits ``actual = c * reference``
by least squares; when the fit is exact (relative residual below
``EXACT``) and ``c`` is one of the telling factors built from the case's
sizes (which are pairwise distinct, so a factor names its axis), it returns
``(c, sentence)``: "is N = 3 times the contract's value: you sum over the
batch where the contract averages (divide by N)".

The axis is named only where a sum or mean over it is part of the
computation (``axes=True``: a layer's or loss's output or gradient). For a
trajectory, a clipped gradient or a model's totals a factor that happens
to equal a size says nothing about that axis: the sentence then states the
factor alone ("is exactly 4 times the contract's value").
"""
from __future__ import annotations

import itertools

import numpy as np

EXACT = 1e-4            # relative residual of the fit (float32 rounding is ~1e-7)
MATCH = 1e-4            # relative distance of c to a candidate factor

AXIS_WORDS = {"N": "the batch", "T": "time steps", "D": "input features", "H": "hidden units",
              "V": "the vocabulary", "C": "classes", "K": "samples", "O": "outputs"}


def _candidates(sizes: dict) -> list[tuple[float, str]]:
    out = [(0.0, "zero"), (-1.0, "negated"), (2.0, "double"), (0.5, "half")]
    named = [(k, v) for k, v in sizes.items() if v > 1]
    for k, v in named:
        out += [(float(v), f"times {k}"), (1.0 / v, f"over {k}")]
    for (k1, v1), (k2, v2) in itertools.combinations(named, 2):
        out += [(float(v1 * v2), f"times {k1}*{k2}"), (1.0 / (v1 * v2), f"over {k1}*{k2}")]
    return out


def _sentence(label: str, c: float, sizes: dict, axes: bool = True) -> str:
    if label == "zero":
        return "is all zeros where the contract's value is not: it is never computed or never stored"
    if label == "negated":
        return "is exactly the negative of the contract's value: a sign is flipped (y - t, not t - y?)"
    if label == "double":
        return "is exactly twice the contract's value: something is added twice (a bias, or an accumulation)"
    if label == "half":
        return "is exactly half the contract's value: a factor 0.5 too many, or one of two terms is missing"
    kind, names = label.split(" ", 1)
    value = int(round(c if kind == "times" else 1 / c))
    if not axes:
        return (f"is exactly {value} times the contract's value" if kind == "times"
                else f"is exactly 1/{value} of the contract's value")
    words = " and ".join(AXIS_WORDS.get(n, n) for n in names.split("*"))
    equal = [k for k, v in sizes.items() if v == value and k not in names.split("*")]
    alias = f" (or {', '.join(equal)})" if equal else ""
    if kind == "times":
        return (f"is exactly {names} = {value}{alias} times the contract's value: you sum over {words} "
                f"where the contract averages (divide by {names})")
    return (f"is exactly 1/{names} = 1/{value}{alias} of the contract's value: you average over {words} "
            f"where the contract sums (do not divide by {names})")


def constant_factor(actual, reference, sizes: dict, axes: bool = True) -> tuple[float, str] | None:
    """(c, sentence) when ``actual`` is exactly a telling constant ``c`` times ``reference``.

    axes: whether a factor equal to a size may be read as a sum/mean over that axis (see above).
    """
    try:
        a = np.asarray(actual, dtype=np.float64).ravel()
        r = np.asarray(reference, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        return None
    if a.shape != r.shape or a.size == 0 or not (np.all(np.isfinite(a)) and np.all(np.isfinite(r))):
        return None
    rr = float(r @ r)
    if rr == 0.0:
        return None
    scale = float(np.max(np.abs(r)))
    if float(np.max(np.abs(a))) <= EXACT * scale:
        return 0.0, _sentence("zero", 0.0, sizes)
    c = float(a @ r) / rr
    if float(np.max(np.abs(a - c * r))) > EXACT * max(abs(c), 1e-300) * scale:
        return None
    for value, label in _candidates(sizes):
        if value != 0.0 and abs(c - value) <= MATCH * abs(value):
            return value, _sentence(label, value, sizes, axes)
    return None

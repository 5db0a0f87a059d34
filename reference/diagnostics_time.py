"""From which time step does a sequence quantity go wrong?

``hs`` (N, T, H) and ``dxs`` (N, T, D) carry the time axis at position 1.
An error made at step t spreads forward in time through ``hs`` (steps
t..T-1 are wrong) and backward through BPTT gradients (``dxs`` steps 0..t
are wrong): ``error_origin`` names the step where it starts in each case.
The allowance is the comparison's own (``Tolerance.allowed`` over the whole
array), so a step is "bad" exactly when ``compare`` would flag it.
"""
from __future__ import annotations

import numpy as np

from reference.tolerances import Tolerance

# Quantities whose errors travel backward in time (BPTT gradients of a sequence).
BACKWARD_IN_TIME = ("dxs", "dhs")


def _allowance(expected: np.ndarray, allowed, steps: int | None) -> float:
    if isinstance(allowed, Tolerance):
        return allowed.allowed(expected, expected.shape[1] if steps is None else steps)
    return float(allowed)


def bad_steps(actual, expected, allowed, *, steps: int | None = None) -> np.ndarray:
    """The time steps t (axis 1) where some |actual - expected| exceeds the allowance, ascending.

    allowed: an absolute error, or a ``Tolerance`` (then evaluated on the whole
    ``expected``, with ``steps`` = T unless given). A NaN or inf where the
    reference is finite counts as bad.
    """
    a = np.asarray(actual, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    if a.shape != e.shape or a.ndim < 2:
        raise ValueError(f"bad_steps: actual {a.shape} and expected {e.shape} must be one (N, T, ...) shape")
    limit = _allowance(e, allowed, steps)
    with np.errstate(invalid="ignore"):
        diff = np.abs(a - e)
    diff[np.isnan(diff)] = np.inf
    diff[np.isinf(a) & np.isinf(e) & (np.sign(a) == np.sign(e))] = 0.0
    worst_per_step = diff.swapaxes(0, 1).reshape(e.shape[1], -1).max(axis=1)
    return np.flatnonzero(worst_per_step > limit)


def first_bad_step(actual, expected, allowed, *, steps: int | None = None) -> int | None:
    """The first time step whose error exceeds the allowance, or None when every step is close."""
    bad = bad_steps(actual, expected, allowed, steps=steps)
    return int(bad[0]) if bad.size else None


def error_origin(quantity: str, actual, expected, allowed, *, steps: int | None = None) -> int | None:
    """The step where the error starts: the first bad step of a forward quantity (hs), the
    last bad step of a BPTT gradient (dxs), whose errors propagate from late steps to early ones.
    """
    bad = bad_steps(actual, expected, allowed, steps=steps)
    if not bad.size:
        return None
    return int(bad[-1]) if quantity.split(" ", 1)[0] in BACKWARD_IN_TIME else int(bad[0])

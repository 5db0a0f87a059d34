"""One comparison as a report line: what the implementation returned, made comparable, and described."""
from __future__ import annotations

import numpy as np

from reference.registry import transforms
from reference.registry.compare import Comparison, compare
from reference.sandbox.protocol import Described, describe


def _is_float_array(v) -> bool:
    return isinstance(v, np.ndarray) and v.dtype.kind == "f"


def computes_in_float32(quantities: dict) -> list[str]:
    """Quantities returned in float32 (or lower) although the case is float64."""
    return [q for q, v in quantities.items() if _is_float_array(v) and v.dtype.itemsize < 8]


def comparison_of(actual, reference, tolerance, quantity: str, steps: int, reference64=None) -> Comparison:
    """``compare`` after turning what the implementation returned into something comparable.

    reference64: for a float32 case, the oracle's result on the sample in float64 (the cancellation term).
    """
    ref = np.asarray(reference)
    if isinstance(actual, Described):
        return Comparison(quantity, ok=False, problem=f"returned {actual.description}; expected an ndarray "
                                                      f"of shape {ref.shape}")
    if isinstance(actual, (list, tuple)):
        return Comparison(quantity, ok=False, problem=f"returned {describe(actual)}; expected one ndarray "
                                                      f"of shape {ref.shape}")
    if isinstance(actual, dict):
        return Comparison(quantity, ok=False, problem=f"returned a dict; expected an ndarray of shape {ref.shape}")
    return compare(actual, reference, tolerance, quantity=quantity, steps=steps, expected64=reference64)


def _time_step(sample, array_shape, index) -> int | None:
    if index is None or not transforms.has_time_axis(array_shape, sample.case.sizes):
        return None
    return int(index[1])


def message_of(c: Comparison, step: int | None) -> str:
    if c.problem:
        return c.problem
    if c.ok:
        return f"ok: greatest abs diff {c.max_abs_error:.2e} <= {c.allowed:.2e}"
    pct = 100.0 * c.mismatched / max(c.total, 1)
    at = f" at {c.where}" + (f" (time step t={step})" if step is not None else "")
    return (f"not close: {c.mismatched}/{c.total} elements ({pct:.0f}%) differ; greatest abs diff "
            f"{c.max_abs_error:.2e}{at}, greatest rel diff {c.max_rel_error:.2e}; allowed {c.allowance()}")


def per_step_errors(actual, reference, T: int) -> list[float] | None:
    """max |actual - reference| at each time step t (axis 1), for quantities shaped (N, T, ...)."""
    try:
        a = np.asarray(actual, dtype=np.float64)
        r = np.asarray(reference, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    if a.shape != r.shape or a.ndim < 2 or a.shape[1] != T:
        return None
    d = np.abs(a - r)
    d[~np.isfinite(d)] = np.inf
    return [float(d[:, t].max()) if d[:, t].size else 0.0 for t in range(T)]

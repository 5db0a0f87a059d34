"""The one comparison used by every check, and its failure message.

``compare(actual, expected, tolerance, quantity=..., context=...)`` returns a
``Comparison`` instead of raising, so a harness can collect every quantity of
a component (the first failure must not hide the rest) and a report can print
numbers. A mismatch message names the quantity, the greatest absolute and
relative difference and where they occur, the allowed value, and the case
(dtype, sizes, seed) that reproduces it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from reference.registry.tolerances import Tolerance


@dataclass
class Comparison:
    """One quantity of one check: how far ``actual`` is from ``expected``."""

    quantity: str                 # e.g. "dW of Affine vs torch"
    ok: bool
    max_abs_error: float = float("nan")
    max_rel_error: float = float("nan")
    allowed: float = float("nan")
    where: tuple[int, ...] | None = None   # index of the greatest absolute difference
    mismatched: int = 0
    total: int = 0
    problem: str = ""             # a shape/dtype/NaN/missing problem instead of numbers
    context: str = ""             # "float32 N=3 D=4 H=5 seed=1234"
    notes: list[str] = field(default_factory=list)

    def message(self) -> str:
        head = f"{self.quantity} [{self.context}]" if self.context else self.quantity
        if self.ok:
            return f"{head}: ok (greatest abs diff {self.max_abs_error:.2e} <= {self.allowed:.2e})"
        if self.problem:
            lines = [f"{head}: {self.problem}"]
        else:
            pct = 100.0 * self.mismatched / max(self.total, 1)
            lines = [
                f"{head}: not close",
                f"  mismatched {self.mismatched}/{self.total} ({pct:.0f}%)",
                f"  greatest abs diff {self.max_abs_error:.2e} at {self.where}; allowed {self.allowed:.2e}",
                f"  greatest rel diff {self.max_rel_error:.2e}",
            ]
        lines += [f"  {n}" for n in self.notes]
        return "\n".join(lines)


def _as_array(value):
    if value is None:
        return None
    if hasattr(value, "detach"):  # a torch tensor slipped through
        value = value.detach().cpu().numpy()
    elif hasattr(value, "numpy") and not isinstance(value, np.ndarray):
        value = value.numpy()
    return np.asarray(value)


def compare(actual, expected, tolerance: Tolerance, *, quantity: str, context: str = "",
            steps: int = 1) -> Comparison:
    """Compare ``actual`` with the reference ``expected`` under ``tolerance``.

    steps: the sequence length the quantity was accumulated over (BPTT budget).
    Scalars compare as 0-d arrays. A missing value, a shape mismatch or a
    non-finite value where the reference is finite is a failure with a
    ``problem`` sentence instead of numbers.
    """
    a, e = _as_array(actual), _as_array(expected)
    base = dict(quantity=quantity, context=context)
    if e is None:
        raise ValueError(f"compare: the reference for {quantity} is missing")
    if a is None:
        return Comparison(ok=False, problem="missing: the implementation returned None", **base)
    if a.dtype.kind not in "fiub" or e.dtype.kind not in "fiub":
        return Comparison(ok=False, problem=f"not numeric: got dtype {a.dtype}, expected {e.dtype}", **base)
    if a.shape != e.shape:
        if a.size == e.size and a.size > 0:
            note = f" (same size: reshape to {e.shape}?)"
        else:
            note = ""
        return Comparison(ok=False, problem=f"shape {a.shape}, expected {e.shape}{note}", **base)
    a64, e64 = a.astype(np.float64), e.astype(np.float64)
    allowed = tolerance.allowed(e64, steps)
    bad_finite = ~np.isfinite(a64) & np.isfinite(e64)
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.asarray(np.abs(a64 - e64))
    diff[np.isnan(diff)] = np.inf
    both_inf = np.isinf(a64) & np.isinf(e64) & (np.sign(a64) == np.sign(e64))
    diff[both_inf] = 0.0
    rel = np.asarray(diff / np.maximum(np.abs(e64), np.finfo(np.float64).tiny))
    bad = diff > allowed
    n_bad = int(bad.sum())
    where = tuple(int(i) for i in np.unravel_index(int(np.argmax(diff)), diff.shape)) if diff.size else None
    result = Comparison(
        ok=n_bad == 0, max_abs_error=float(diff.max()) if diff.size else 0.0,
        max_rel_error=float(rel.max()) if rel.size else 0.0, allowed=allowed, where=where,
        mismatched=n_bad, total=int(diff.size), **base,
    )
    if bad_finite.any():
        first = tuple(int(i) for i in np.argwhere(bad_finite)[0])
        result.problem = f"non-finite value {a64[first]} at {first} where the reference is {e64[first]:.6g}"
    return result


def assert_close(actual, expected, tolerance: Tolerance, *, quantity: str, context: str = "",
                 steps: int = 1) -> None:
    """``compare`` that raises AssertionError with the full message (for plain tests)."""
    __tracebackhide__ = True
    result = compare(actual, expected, tolerance, quantity=quantity, context=context, steps=steps)
    if not result.ok:
        raise AssertionError(result.message())

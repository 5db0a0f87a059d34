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

from reference.registry.tolerances import CANCELLATION, Tolerance


@dataclass
class Comparison:
    """One quantity of one check: how far ``actual`` is from ``expected``."""

    quantity: str                 # e.g. "dW of Affine vs torch"
    ok: bool
    max_abs_error: float = float("nan")
    max_rel_error: float = float("nan")
    allowed: float = float("nan")
    plain_allowed: float = float("nan")  # the allowance without the float32 cancellation term
    where: tuple[int, ...] | None = None   # index of the greatest absolute difference
    mismatched: int = 0
    total: int = 0
    problem: str = ""             # a shape/dtype/NaN/missing problem instead of numbers
    context: str = ""             # "float32 N=3 D=4 H=5 seed=1234"
    notes: list[str] = field(default_factory=list)

    def allowance(self) -> str:
        """``allowed``, saying when the float32 cancellation term set it."""
        if self.allowed > self.plain_allowed:
            return f"{self.allowed:.2e} (the oracle's own float32 error here x {CANCELLATION:g})"
        return f"{self.allowed:.2e}"

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
                f"  greatest abs diff {self.max_abs_error:.2e} at {self.where}; allowed {self.allowance()}",
                f"  greatest rel diff {self.max_rel_error:.2e}",
            ]
        lines += [f"  {n}" for n in self.notes]
        return "\n".join(lines)


class Expected(dict):
    """An oracle's quantities; for a float32 case also the same oracle's float64 results for that case, which
    measure the oracle's own float32 rounding (``Tolerance.allowed``): ``float64`` (quantity -> the results at
    hand) and ``more`` (a function that computes the rest, quantity -> results). ``compare`` calls ``more``
    only where the results at hand leave an element outside the allowance: most float32 quantities pass on
    the plain term and never pay for the extra oracle runs; a verdict is the same either way."""

    def __init__(self, quantities: dict, float64: dict | None = None, more=None):
        super().__init__(quantities)
        self.float64 = dict(float64 or {})
        self._more, self._computed = more, None

    def more_float64(self, quantity: str) -> tuple:
        """The results ``more`` computes for ``quantity`` (computed once for every quantity)."""
        if self._more is None:
            return ()
        if self._computed is None:
            self._computed = self._more()
        return tuple(self._computed.get(quantity, ()))


@dataclass(frozen=True)
class Estimates:
    """The float64 results of one quantity: those at hand, and the rest on demand (``Expected``)."""

    known: tuple = ()
    rest: object = None          # () -> tuple, or None


def float64_of(reference, quantity: str) -> Estimates | None:
    """The float64 counterpart of one quantity of ``reference`` (None for a plain dict)."""
    if not isinstance(reference, Expected):
        return None
    known = tuple(reference.float64.get(quantity, ()))
    rest = (lambda: reference.more_float64(quantity)) if reference._more is not None else None
    return Estimates(known, rest) if known or rest else None


def _as_array(value):
    if value is None:
        return None
    if hasattr(value, "detach"):  # a torch tensor slipped through
        value = value.detach().cpu().numpy()
    elif hasattr(value, "numpy") and not isinstance(value, np.ndarray):
        value = value.numpy()
    return np.asarray(value)


def compare(actual, expected, tolerance: Tolerance, *, quantity: str, context: str = "",
            steps: int = 1, expected64=None) -> Comparison:
    """Compare ``actual`` with the reference ``expected`` under ``tolerance``.

    steps: the sequence length the quantity was accumulated over (BPTT budget).
    expected64: for a float32 reference, the same oracle's float64
    result(s) for this case (the cancellation term of ``Tolerance.allowed``).
    Scalars compare as 0-d arrays. A missing value, a shape mismatch or a
    non-finite value where the reference is finite is a failure with a
    ``problem`` sentence instead of numbers. Where the reference is not
    finite it must be matched exactly (inf of the same sign, nan where nan),
    and the allowed error is computed from the finite reference values only.
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
    finite = np.isfinite(e64)
    estimates = expected64 if isinstance(expected64, Estimates) else Estimates(
        () if expected64 is None else tuple(expected64) if isinstance(expected64, (list, tuple)) else (expected64,))

    def cancellation(results) -> float:
        return tolerance.cancellation_term(e64[finite], _finite_part(results, e64.shape, finite))

    plain_allowed = tolerance.allowed(e64[finite], steps)
    allowed = max(plain_allowed, cancellation(estimates.known))
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.asarray(np.abs(a64 - e64))
    diff[np.isnan(diff)] = np.inf
    # Non-finite references are matched exactly: the same infinity, nan where nan.
    exact = (a64 == e64) | (np.isnan(a64) & np.isnan(e64))
    diff[~finite] = np.where(exact[~finite], 0.0, np.inf)
    if estimates.rest is not None and tolerance.cancellation and np.any(np.isfinite(diff) & (diff > allowed)):
        allowed = max(allowed, cancellation(estimates.known + tuple(estimates.rest())))
    with np.errstate(over="ignore"):     # an inf difference over a finite reference is inf, as meant
        rel = np.where(finite, diff / np.maximum(np.abs(np.where(finite, e64, 1.0)), np.finfo(np.float64).tiny), diff)
    bad = diff > allowed
    n_bad = int(bad.sum())
    where = tuple(int(i) for i in np.unravel_index(int(np.argmax(diff)), diff.shape)) if diff.size else None
    result = Comparison(
        ok=n_bad == 0, max_abs_error=float(diff.max()) if diff.size else 0.0,
        max_rel_error=float(rel.max()) if rel.size else 0.0, allowed=allowed, plain_allowed=plain_allowed, where=where,
        mismatched=n_bad, total=int(diff.size), **base,
    )
    wrong_kind = (~np.isfinite(a64) & finite) | (~finite & ~exact)
    if wrong_kind.any():
        first = tuple(int(i) for i in np.argwhere(wrong_kind)[0])
        result.problem = f"non-finite value {a64[first]} at {first} where the reference is {e64[first]:.6g}" \
            if finite[first] else f"value {a64[first]:.6g} at {first} where the reference is {e64[first]}"
    return result


def _finite_part(expected64, shape, finite):
    """The float64 results' values where the reference is finite (those that fit it, are numeric and finite)."""
    if expected64 is None:
        return None
    out = []
    for r in (expected64 if isinstance(expected64, (list, tuple)) else [expected64]):
        r = _as_array(r)
        if r is not None and r.shape == shape and r.dtype.kind in "fiub":
            r = r.astype(np.float64)[finite]
            if np.all(np.isfinite(r)):
                out.append(r)
    return out


def assert_close(actual, expected, tolerance: Tolerance, *, quantity: str, context: str = "",
                 steps: int = 1, expected64=None) -> None:
    """``compare`` that raises AssertionError with the full message (for plain tests)."""
    __tracebackhide__ = True
    result = compare(actual, expected, tolerance, quantity=quantity, context=context, steps=steps,
                     expected64=expected64)
    if not result.ok:
        raise AssertionError(result.message())

"""float64 central finite differences of any forward function.

The objective is L = sum(out * dout), whose gradient with respect to any
input or parameter is exactly what ``backward(dout)`` must return. Each
entry is perturbed by +-FD_STEP in a float64 copy of the sample; the
forward is then the implementation's own (when judging it) or a
framework's (when cross-checking the oracles).
"""
from __future__ import annotations

import numpy as np

from reference.registry.tolerances import FD_STEP


def _objective(forward, sample) -> float:
    out = np.asarray(forward(sample), dtype=np.float64)
    return float(np.sum(out * np.asarray(sample.dout, dtype=np.float64)))


def gradients(forward, sample, step: float = FD_STEP) -> dict[str, np.ndarray]:
    """d<input> and d<param> of L = sum(forward(sample) * dout), by central differences."""
    s64 = sample.astype(np.float64)
    result: dict[str, np.ndarray] = {}
    targets = [("inputs", n) for n in s64.differentiable] + [("params", n) for n in s64.params]
    for where, name in targets:
        base = getattr(s64, where)[name]
        grad = np.zeros_like(base, dtype=np.float64)
        for index in np.ndindex(base.shape):
            values = []
            for sign in (1.0, -1.0):
                moved = base.copy()
                moved[index] += sign * step
                values.append(_objective(forward, s64.replace_array(where, name, moved)))
            grad[index] = (values[0] - values[1]) / (2.0 * step)
        result["d" + name] = grad
    return result

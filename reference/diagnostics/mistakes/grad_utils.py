"""Mistakes in clip_grads: the norm, the comparison, per-tensor clipping, scaling in place."""
from __future__ import annotations

import numpy as np

from reference.diagnostics.mistakes.entry import Mistake, fixed


def global_norm(grads):
    return np.sqrt(sum(float(np.sum(g.astype(np.float64) ** 2)) for g in grads))


def clip_grads(grads, max_norm):
    rate = max_norm / (global_norm(grads) + 1e-6)
    if rate < 1:
        for g in grads:
            g *= rate


def clip_per_tensor(grads, max_norm):
    for g in grads:
        rate = max_norm / (global_norm([g]) + 1e-6)
        if rate < 1:
            g *= rate


def clip_wrong_comparison(grads, max_norm):
    rate = max_norm / (global_norm(grads) + 1e-6)
    if rate > 1:
        for g in grads:
            g *= rate



def clip_rebinds(grads, max_norm):
    rate = max_norm / (global_norm(grads) + 1e-6)
    if rate < 1:
        for i, g in enumerate(grads):
            grads[i] = g * rate


def clip_squared_norm(grads, max_norm):
    rate = max_norm / (global_norm(grads) ** 2 + 1e-6)
    if rate < 1:
        for g in grads:
            g *= rate


MISTAKES = (
    Mistake("clip-per-tensor", ("clip_grads",), "your clip_grads clips each gradient by its own norm; the "
            "contract clips all of them by their global norm (one rate for every tensor)",
            fixed(clip_per_tensor)),
    Mistake("clip-wrong-comparison", ("clip_grads",), "your clip_grads scales when rate > 1 (norm below "
            "max_norm): clip only when rate = max_norm / (total + 1e-6) < 1", fixed(clip_wrong_comparison)),
    # Above the threshold this leaves the arrays as the wrong comparison does; below, it is right.
    Mistake("clip-not-in-place", ("clip_grads",), "your clip_grads rebinds the list's entries "
            "(grads[i] = g * rate), which leaves the arrays unchanged: scale in place (g *= rate)",
            fixed(clip_rebinds), twin_of="clip-wrong-comparison"),
    Mistake("clip-squared-norm", ("clip_grads",), "your clip_grads compares max_norm with the sum of squares; "
            "the norm is its square root", fixed(clip_squared_norm)),
)

BASES = {"clip_grads": clip_grads}

"""Registry entries: ``clip_grads`` (util.py) and ``remove_duplicate`` (trainer.py).

clip_grads. Five gradient tensors of different ranks and sizes, element
scales log-uniform in [1e-3, 10], rescaled so that their global norm is
0.5 x MAX_NORM (``below``: must come back untouched) or 4 x MAX_NORM
(``above``: every tensor scaled by max_norm / (total + 1e-6)). Quantities:
each tensor after the call (``g0``..``g4``, read from the ORIGINAL arrays:
clipping is in place), and two diagnostics of the whole set: ``norm`` (the
global norm after clipping: a missing clip or a wrong threshold) and
``direction`` (all tensors concatenated, divided by ``norm``: clipping each
tensor by its own norm changes it, a global clip does not).
Oracles: ``torch.nn.utils.clip_grad_norm_`` (the same 1e-6, clamped at 1:
exact) and Keras ``SGD(global_clipnorm=max_norm, learning_rate=1)`` on
zero variables (-variable = the clipped gradient). Keras's global clip has
no epsilon: above the threshold it scales by max_norm / total, a relative
difference of 1e-6 / (total + 1e-6) (5e-8 here, pinned exactly in
tests/test_optimizer_divergences.py); the Keras adapter multiplies its
result by the ratio of the two rates (closed form, CLIP_EPS), so Keras
judges every quantity in both dtypes and a per-tensor clip fails against
both oracles. Default tolerances; measured worst
|a - b| / max|ref| over 60 random cases: float32 2.0e-7, float64 3.7e-16
(below the threshold: 0, the gradients come back bit for bit).

remove_duplicate. Two tied models, each as the book builds its parameter
list; per-position gradients are what each layer's backward writes (computed
here in NumPy from the layers' formulas); the merged gradient must equal the
gradient autograd computes for ONE tied parameter (torch, and Keras with a
GradientTape), whatever the parameter list looks like.
- ``shared`` (word2vec negative sampling, ch04): h = W_in[idx_in];
  s_j = sum(W_out[idx_j] * h, axis=1) for j = 0..K (one positive, K
  negatives); params [W_in, W_out, W_out, ...] with W_out the SAME object
  K+1 times (NegativeSamplingLoss's EmbeddingDot layers).
- ``transposed`` (BetterRnnlm weight tying, ch06): x = E[idx]; h = x @ M;
  logits = h @ E.T + b, plus a second head h @ U with U (D, V) of the same
  shape as E.T but not tied; params [E, M, E.T, b, U] with E.T a transposed
  VIEW of E (the book passes ``embed.W.T`` to TimeAffine).
Quantities: the merged gradient of each distinct parameter (found in the
returned list by identity, or as a transposed view) and ``survivors``, the
length of the returned list. Only tied arrays that are also equal in value
appear here, so the book's value-comparing version passes too; that it
merges two unrelated all-zero matrices is tested on scratch_layers in
tests/test_grad_utils.py.
"""
from __future__ import annotations

import math

import numpy as np

from reference.registry import cases as C
from reference.registry.component import Component, Sample
from reference.registry.optimizers import GRAD_SCALES

CLIP_EPS = 1e-6         # the book's epsilon: rate = max_norm / (total + CLIP_EPS)
MAX_NORM = 5.0          # the threshold (the book's RNNLM scripts clip at 0.25 .. 5)
CLIP_FACTORS = {"below": 0.5, "above": 4.0}   # global norm / MAX_NORM before clipping
CLIP_GRADS = ("g0", "g1", "g2", "g3", "g4")
CLIP_SIZES = {"N": (1, 4), "T": (1, 5), "D": (1, 5), "H": (1, 6), "V": (1, 7), "K": (1, 3), "C": (1, 8),
              "O": (1, 2)}


def global_norm(arrays) -> float:
    return math.sqrt(sum(float(np.sum(np.asarray(a, dtype=np.float64) ** 2)) for a in arrays))


def clip_summary(grads: dict) -> dict:
    """``norm`` and ``direction`` of a set of (clipped) gradients, in float64."""
    arrays = [grads[k] for k in CLIP_GRADS]
    norm = global_norm(arrays)
    flat = np.concatenate([np.asarray(a, dtype=np.float64).ravel() for a in arrays])
    return {"norm": np.asarray(norm), "direction": flat / norm}


def _sample_clip(factor: float):
    def sample(case):
        rng = case.rng()
        shapes = [(case["D"], case["H"]), (case["H"],), (case["K"], case["C"], case["O"]),
                  (case["V"], case["D"]), (case["N"], case["T"])]
        lo, hi = GRAD_SCALES
        raw = [10.0 ** rng.uniform(math.log10(lo), math.log10(hi), size=s) * rng.standard_normal(s)
               for s in shapes]
        scale = factor * MAX_NORM / global_norm(raw)
        grads = {k: (r * scale).astype(case.dtype) for k, r in zip(CLIP_GRADS, raw)}
        return Sample(case, inputs=grads, init_kwargs={"max_norm": MAX_NORM})
    return sample


def run_clip(clip_grads, sample: Sample) -> dict:
    """``clip_grads(grads, max_norm)`` on copies; the quantities are read from those arrays."""
    originals = {k: sample.inputs[k].copy() for k in CLIP_GRADS}
    clip_grads(list(originals.values()), sample.init_kwargs["max_norm"])
    return {**originals, **clip_summary(originals)}


CLIP_HINTS = {
    **{k: "total = sqrt(sum of every squared entry of ALL grads); rate = max_norm/(total + 1e-6); "
          "if rate < 1: grad *= rate for every grad, in place" for k in CLIP_GRADS},
    "norm": "the global norm after clipping must be max_norm*total/(total+1e-6): clip all grads, in place",
    "direction": "clip by the GLOBAL norm of all grads together, not each grad by its own norm",
}


def _clip_entry(variant: str) -> Component:
    return Component("clip_grads", "custom", "util", _sample_clip(CLIP_FACTORS[variant]), CLIP_SIZES,
                     ("torch", "keras"), CLIP_GRADS + ("norm", "direction"), run=run_clip, variant=variant,
                     hints=CLIP_HINTS,
                     doc=f"clip_grads with the global norm {CLIP_FACTORS[variant]} x max_norm")


# -- remove_duplicate ------------------------------------------------------------


# The tied models' data lie on dyadic grids, so every product and sum below
# (and in torch's and Keras's autograd, in any order) is exact in float32:
# the comparison then judges the merge alone, not the rounding of matmuls
# (with D = 1, dM is one sum that can cancel to 1e-2 of its terms, and float32
# rounding in a different order exceeded the tolerance: seed 18241). Values are
# multiples of 1/8 (|v| < 8 by construction of the telling data), the other
# matrices ODD multiples of 1/16 or 1/32, so no two parameters are ever equal
# in value (the book's value comparison must not merge them) and the largest
# result stays below 2**24 grid steps. Measured over 760 random cases (sizes,
# seeds, both dtypes, torch and Keras): every comparison exact (0).
GRID = 1.0 / 8


def dyadic(a: np.ndarray, step: float = GRID, odd: bool = False) -> np.ndarray:
    """``a`` rounded to multiples of ``step`` (to odd multiples when ``odd``)."""
    if odd:
        return (np.floor(a / (2 * step)) * 2 * step + step).astype(a.dtype)
    return (np.round(a / step) * step).astype(a.dtype)


def _add_at(shape, idx, values):
    out = np.zeros(shape, dtype=values.dtype)
    np.add.at(out, idx, values)
    return out


def sample_shared(case):
    """word2vec negative sampling: W_out is the same object in K+1 EmbeddingDot layers."""
    rng = case.rng()
    N, V, D, K = case["N"], case["V"], case["D"], case["K"]
    dt = case.dtype
    W_in = dyadic(C.telling(rng, (V, D), dt))
    W_out = dyadic(C.telling(rng, (V, D), dt, scale=0.8), GRID / 2, odd=True)
    idx_in = rng.integers(0, V, size=N)
    idx_out = rng.integers(0, V, size=(K + 1, N))
    idx_out[:, -1] = idx_out[:, 0]  # repeated ids: np.add.at must accumulate
    douts = dyadic(C.upstream(rng, (K + 1, N), dt))
    h = W_in[idx_in]
    grads = [None]  # W_in's gradient, filled below
    dh = np.zeros_like(h)
    for j in range(K + 1):   # EmbeddingDot j: s = sum(W_out[idx] * h, axis=1)
        grads.append(_add_at(W_out.shape, idx_out[j], douts[j][:, None] * h))
        dh += douts[j][:, None] * W_out[idx_out[j]]
    grads[0] = _add_at(W_in.shape, idx_in, dh)
    layout = (("W_in", "same"),) + (("W_out", "same"),) * (K + 1)
    inputs = {f"grad{k}": g for k, g in enumerate(grads)}
    inputs.update(idx_in=idx_in, idx_out=idx_out, douts=douts)
    return Sample(case, params={"W_in": W_in, "W_out": W_out}, inputs=inputs, init_kwargs={"layout": layout})


def sample_transposed(case):
    """BetterRnnlm tying: the output layer's weight is E.T, a view of the embedding E."""
    rng = case.rng()
    N, V, D = case["N"], case["V"], case["D"]
    dt = case.dtype
    E = dyadic(C.telling(rng, (V, D), dt))
    M = dyadic(C.telling(rng, (D, D), dt, scale=0.7), GRID / 2, odd=True)
    b = dyadic(C.bias(rng, V, dt))
    U = dyadic(C.telling(rng, (D, V), dt, scale=0.6), GRID / 4, odd=True)
    idx = rng.integers(0, V, size=N)
    idx[-1] = idx[0]
    dout, dout2 = dyadic(C.upstream(rng, (N, V), dt)), dyadic(C.upstream(rng, (N, V), dt))
    x = E[idx]
    h = x @ M
    dW_tied = h.T @ dout                     # Affine(E.T, b): dW (D, V)
    dU = h.T @ dout2                         # MatMul(U)
    dh = dout @ E + dout2 @ U.T
    dM = x.T @ dh                            # MatMul(M)
    dE_embedding = _add_at(E.shape, idx, dh @ M.T)   # Embedding(E)
    grads = (dE_embedding, dM, dW_tied, dout.sum(axis=0), dU)
    layout = (("E", "same"), ("M", "same"), ("E", "T"), ("b", "same"), ("U", "same"))
    inputs = {f"grad{k}": g for k, g in enumerate(grads)}
    inputs.update(idx=idx, dout=dout, dout2=dout2)
    return Sample(case, params={"E": E, "M": M, "b": b, "U": U}, inputs=inputs, init_kwargs={"layout": layout})


def _is_transposed_view(a, of) -> bool:
    return a.ndim == 2 and a.shape == of.shape[::-1] and np.shares_memory(a, of)


def run_remove_duplicate(remove_duplicate, sample: Sample) -> dict:
    """Build the book-style lists (``init_kwargs['layout']``: per position, a parameter
    name and "same" or "T"), call ``remove_duplicate(params, grads)`` and read
    each distinct parameter's merged gradient from the returned lists."""
    arrays = {name: value.copy() for name, value in sample.params.items()}
    layout = sample.init_kwargs["layout"]
    params = [arrays[name] if how == "same" else arrays[name].T for name, how in layout]
    grads = [sample.inputs[f"grad{k}"].copy() for k in range(len(layout))]
    kept_params, kept_grads = remove_duplicate(params, grads)
    out = {"survivors": np.asarray(float(len(kept_params)), dtype=sample.dtype)}
    for name, array in arrays.items():
        for p, g in zip(kept_params, kept_grads):
            if p is array:
                out["d" + name] = g
                break
            if _is_transposed_view(p, array):
                out["d" + name] = np.asarray(g).T
                break
    return out


TIE_HINTS = {
    "survivors": "every tied parameter must appear once in the returned params",
    "dW_out": "a parameter that `is` another: drop it and ADD its grad to the survivor's",
    "dE": "a 2-D param that is the transpose of another (weight tying): add grad.T to the survivor's",
}

ENTRIES = (
    _clip_entry("below"),
    _clip_entry("above"),
    Component("remove_duplicate", "custom", "trainer", sample_shared,
              {"N": (1, 4), "V": (1, 7), "D": (1, 5), "K": (1, 3)}, ("torch", "keras"),
              ("dW_in", "dW_out", "survivors"), run=run_remove_duplicate, variant="shared",
              hints=TIE_HINTS, doc="NegativeSamplingLoss: one W_out object in K+1 layers"),
    Component("remove_duplicate", "custom", "trainer", sample_transposed,
              {"N": (1, 4), "V": (1, 7), "D": (1, 5)}, ("torch", "keras"),
              ("dE", "dM", "db", "dU", "survivors"), run=run_remove_duplicate, variant="transposed",
              hints=TIE_HINTS, doc="BetterRnnlm: the output weight is embed.W.T"),
)

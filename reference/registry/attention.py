"""Registry entries: the book's attention layers (chapter 8).

Plain dot-product attention: scores s = hs . h (no 1/sqrt(H) scaling, no
mask), weights a = softmax of s over the encoder steps, context c = sum of
a * hs. The oracles are the same computation in torch ops with autograd and
``keras.layers.Attention(score_mode="dot", use_scale=False)`` fed
[query = decoder states, value = key = encoder states]; TimeAttention, which
the attention models use, also against float64 finite differences (for the
single-step layers torch and Keras already cross-check each other, and the
Keras forward costs ~5 ms, so finite differences through it would cost ~1 s
per entry). Sizes: N batch, T encoder steps, O decoder steps, H hidden size.
"""
from __future__ import annotations

from reference.registry import cases as C
from reference.registry.component import Component, Sample

# Small, pairwise distinct at the telling sizes (N=3, T=4, O=2, H=5): finite
# differences cost two forwards per input element. H >= 2: at H = 1 a
# gradient through the softmax is one cancelling sum per row and its
# float32 error has a heavy tail (measured 2e-4 x max|ref|). T >= 2: over one
# encoder step the weight is the constant 1, the gradients through it are
# exactly zero, and a framework's rounding noise (~3e-8) would set the scale.
SIZES = {"N": (1, 3), "T": (2, 4), "H": (2, 5)}
TIME_SIZES = {**SIZES, "O": (1, 3)}
ORACLES = ("torch", "keras")

# float32 gradients through the softmax (ds = a * (da - sum(a * da)))
# cancel: impl32 against torch32 reached 2.5e-5 x max|ref| over 3000 drawn
# cases per entry (TimeAttention.dhs_dec), 12x F32. The float32 rule's
# cancellation term (tolerances.CANCELLATION) covers it: worst error /
# allowed 0.49 without any per-entry factor (measure --float32-budget).


def _states(rng, shape, dtype):
    """Hidden states in the LSTM's range, distinct per entry (scores s = hs . h stay O(1))."""
    return C.telling(rng, shape, dtype, scale=0.8)


def sample_attention_weight(case):
    rng = case.rng()
    N, T, H = case["N"], case["T"], case["H"]
    return Sample(case, inputs={"hs": _states(rng, (N, T, H), case.dtype), "h": _states(rng, (N, H), case.dtype)},
                  dout=C.upstream(rng, (N, T), case.dtype), differentiable=("hs", "h"))


def sample_weight_sum(case):
    rng = case.rng()
    N, T, H = case["N"], case["T"], case["H"]
    return Sample(case, inputs={"hs": _states(rng, (N, T, H), case.dtype),
                                "a": C.telling(rng, (N, T), case.dtype, scale=1.0)},
                  dout=C.upstream(rng, (N, H), case.dtype), differentiable=("hs", "a"))


def sample_attention(case):
    rng = case.rng()
    N, T, H = case["N"], case["T"], case["H"]
    return Sample(case, inputs={"hs": _states(rng, (N, T, H), case.dtype), "h": _states(rng, (N, H), case.dtype)},
                  dout=C.upstream(rng, (N, H), case.dtype), differentiable=("hs", "h"))


def sample_time_attention(case):
    rng = case.rng()
    N, T, O, H = case["N"], case["T"], case["O"], case["H"]
    return Sample(case, inputs={"hs_enc": _states(rng, (N, T, H), case.dtype),
                                "hs_dec": _states(rng, (N, O, H), case.dtype)},
                  dout=C.upstream(rng, (N, O, H), case.dtype), differentiable=("hs_enc", "hs_dec"))


WEIGHT_HINTS = {
    "out": "a = softmax over the T encoder steps of s[n, t] = sum over H of hs[n, t] * h[n]; "
           "no 1/sqrt(H) scaling",
    "dhs": "dhs = ds[..., None] * h[:, None, :] with ds = a * (da - sum(a * da, axis=1, keepdims=True))",
    "dh": "dh = sum over T of ds[..., None] * hs (the softmax's gradient first)",
}

ENTRIES = (
    Component("AttentionWeight", "layer", "attention", sample_attention_weight, SIZES, ORACLES,
              ("out", "dhs", "dh"), hints=WEIGHT_HINTS),
    Component("WeightSum", "layer", "attention", sample_weight_sum, SIZES, ORACLES,
              ("out", "dhs", "da"),
              hints={"out": "c = sum over T (axis=1) of hs * a[:, :, None]",
                     "dhs": "dhs = dc[:, None, :] * a[:, :, None] (dc repeated over T)",
                     "da": "da = sum over H (axis=2) of dc[:, None, :] * hs"}),
    Component("Attention", "layer", "attention", sample_attention, SIZES, ORACLES,
              ("out", "dhs", "dh"),
              hints={"dhs": "hs feeds both the weights and the weighted sum: dhs is the sum of both gradients",
                     "out": WEIGHT_HINTS["out"]}),
    Component("TimeAttention", "layer", "attention", sample_time_attention, TIME_SIZES, ORACLES + ("fd64",),
              ("out", "dhs_enc", "dhs_dec"),
              hints={"dhs_enc": "every decoder step attends over hs_enc: add their dhs over the steps",
                     "dhs_dec": "dhs_dec[:, t] is the dh of step t's Attention",
                     "out": "out[:, t] = Attention()(hs_enc, hs_dec[:, t]), softmax over the encoder steps"}),
)

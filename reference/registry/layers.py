"""Registry entries: the book's functions.py and layers.py.

Each ``sample_*`` draws telling data for a case (see reference.registry.cases);
each entry says which oracles judge which quantities.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from reference.registry import cases as C
from reference.registry.component import Component, Sample

SMALL = (1, 6)     # drawn size range for batch-like sizes
FEATURES = (1, 7)  # drawn size range for feature sizes

# -- functions ----------------------------------------------------------------


def sample_elementwise(case):
    """x (N, D) spread over [-~8, ~8], plus a few large-magnitude entries (stability)."""
    rng = case.rng()
    x = C.telling(rng, (case["N"], case["D"]), case.dtype, scale=3.0)
    x.flat[0] = -80.0  # exp(80) overflows float32: a naive sigmoid warns or returns nan
    return Sample(case, inputs={"x": x})


def sample_softmax(case):
    """x (N, T, C): three dimensions, the last axis normalised; one row has a +60 spike."""
    rng = case.rng()
    x = C.telling(rng, (case["N"], case["T"], case["C"]), case.dtype, scale=2.0)
    x[0, 0, -1] += 60.0  # exp(60) overflows float32 without the max shift
    return Sample(case, inputs={"x": x})


def _probabilities(rng, n, c, dtype):
    logits = C.telling(rng, (n, c), np.float64, scale=1.5)
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return (e / e.sum(axis=1, keepdims=True)).astype(dtype)


def sample_cross_entropy(case):
    rng = case.rng()
    y = _probabilities(rng, case["N"], case["C"], case.dtype)
    t = C.labels(rng, (case["N"],), case["C"])
    return Sample(case, inputs={"y": y, "t": t})


# -- layers --------------------------------------------------------------------


def sample_matmul(case):
    rng = case.rng()
    N, D, H = case["N"], case["D"], case["H"]
    return Sample(case, params={"W": C.telling(rng, (D, H), case.dtype)},
                  inputs={"x": C.telling(rng, (N, D), case.dtype, scale=1.0)},
                  dout=C.upstream(rng, (N, H), case.dtype), differentiable=("x",))


def sample_affine(case):
    rng = case.rng()
    N, D, H = case["N"], case["D"], case["H"]
    return Sample(case, params={"W": C.telling(rng, (D, H), case.dtype), "b": C.bias(rng, H, case.dtype)},
                  inputs={"x": C.telling(rng, (N, D), case.dtype, scale=1.0)},
                  dout=C.upstream(rng, (N, H), case.dtype), differentiable=("x",))


def bounded(x, limit: float = 2.5):
    """``limit * tanh(x)``: distinct values kept, magnitudes bounded.

    Gradients through a sigmoid or softmax lose relative precision as
    exp(|x|) grows: in float32, dx = dout * y * (1 - y) carries an absolute
    error of ~eps32 * |dout| from 1 - y, i.e. a relative error of
    eps32 * (1 + exp(|x|)). Bounding |x| by 2.5 keeps that below 8e-7, inside
    the float32 budget, so a failure means a wrong formula, not conditioning.
    The functions' own stability is tested separately with |x| up to 80.
    """
    return (limit * np.tanh(x)).astype(x.dtype)


def sample_activation_layer(case):
    rng = case.rng()
    shape = (case["N"], case["D"])
    return Sample(case, inputs={"x": bounded(C.telling(rng, shape, case.dtype, scale=2.0))},
                  dout=C.upstream(rng, shape, case.dtype), differentiable=("x",))


def sample_softmax_layer(case):
    rng = case.rng()
    shape = (case["N"], case["C"])
    return Sample(case, inputs={"x": bounded(C.telling(rng, shape, case.dtype, scale=2.0))},
                  dout=C.upstream(rng, shape, case.dtype), differentiable=("x",))


def sample_softmax_with_loss(case):
    rng = case.rng()
    N, Cn = case["N"], case["C"]
    return Sample(case, inputs={"x": bounded(C.telling(rng, (N, Cn), case.dtype, scale=2.0)),
                                "t": C.labels(rng, (N,), Cn)},
                  dout=1.0, differentiable=("x",))


def sample_sigmoid_with_loss(case):
    rng = case.rng()
    N = case["N"]
    return Sample(case, inputs={"x": bounded(C.telling(rng, (N,), case.dtype, scale=2.0)),
                                "t": C.labels(rng, (N,), 2)},
                  dout=1.0, differentiable=("x",))


LOG_EPS = 1e-7  # the book's epsilon inside the log of its losses


def _undo_log_epsilon(picked_probability):
    """fd64 correction for a loss -mean(log(p_n + eps)) whose backward is that of -mean(log p_n).

    Per sample n, d/dx[-log(p_n + eps)] = p_n / (p_n + eps) * d/dx[-log p_n],
    and sample n's logits affect only p_n; so row n of the finite-difference
    gradient times (p_n + eps) / p_n is the exact loss's gradient.
    """
    def correct(sample, grads):
        p = picked_probability(sample)
        factor = (p + LOG_EPS) / p
        dx = grads["dx"]
        return {**grads, "dx": dx * factor.reshape((-1,) + (1,) * (dx.ndim - 1))}
    return correct


def _softmax_picked(sample):
    x = sample.inputs["x"].astype(np.float64)
    e = np.exp(x - x.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    return p[np.arange(len(p)), sample.inputs["t"]]


def _sigmoid_picked(sample):
    y = 1.0 / (1.0 + np.exp(-sample.inputs["x"].astype(np.float64)))
    return np.where(sample.inputs["t"] == 1, y, 1.0 - y)


DROPOUT_RATIO = 0.3  # not 0.5, so 1 - ratio and ratio differ (a swapped keep/drop shows)


def dropout_mask(sample) -> np.ndarray:
    """The keep-mask the book's Dropout draws after ``np.random.seed(np_seed)``."""
    shape = sample.inputs["x"].shape
    return np.random.RandomState(sample.np_seed).rand(*shape) > sample.init_kwargs["dropout_ratio"]


def _sample_dropout(case, train_flg):
    rng = case.rng()
    shape = (case["N"], case["D"])
    dout = C.upstream(rng, shape, case.dtype) if train_flg else None  # eval: forward only
    return Sample(case, inputs={"x": C.telling(rng, shape, case.dtype, scale=1.0)},
                  dout=dout, differentiable=("x",) if train_flg else (),
                  init_kwargs={"dropout_ratio": DROPOUT_RATIO},
                  forward_kwargs={"train_flg": train_flg}, np_seed=case.seed % (2**32))


def sample_dropout_train(case):
    return _sample_dropout(case, True)


def sample_dropout_eval(case):
    return _sample_dropout(case, False)


def sample_embedding(case):
    rng = case.rng()
    V, D = case["V"], case["D"]
    idx = rng.integers(0, V, size=(case["N"], case["T"]))
    idx[0, -1] = idx[0, 0]      # an id repeated within a row and
    idx.flat[-1] = idx.flat[0]  # across rows: gradients must accumulate
    return Sample(case, params={"W": C.telling(rng, (V, D), case.dtype)}, inputs={"idx": idx},
                  dout=C.upstream(rng, idx.shape + (D,), case.dtype))


def sample_embedding_dot(case):
    rng = case.rng()
    V, D, N = case["V"], case["D"], case["N"]
    idx = rng.integers(0, V, size=(N,))
    idx[-1] = idx[0]
    return Sample(case, params={"W": C.telling(rng, (V, D), case.dtype)},
                  inputs={"h": C.telling(rng, (N, D), case.dtype, scale=1.0), "idx": idx},
                  dout=C.upstream(rng, (N,), case.dtype), differentiable=("h",))


# -- large magnitudes (judging.md: "checks reach the edges of the input space") -------------------

# |x| ~ 1e3: exp overflows beyond 88 in float32 and 709 in float64, so only a
# max-shifted softmax (the book's) or a sigmoid through exp(-|x|) or a log
# with the 1e-7 epsilon stays finite; naive formulas return nan or inf.
LARGE_MAGNITUDE = 1e3


def at_large_magnitude(sample_fn, name: str, per_row: bool):
    """``sample_fn``'s sample with +-LARGE_MAGNITUDE (alternating signs) added to input ``name``.

    per_row: one offset per row of the last axis (logits: softmax is shift
    invariant, so the spread, and the answer's conditioning, stay those of
    the telling sample); else one per element (sigmoid: saturates).
    """
    def sample(case):
        s = sample_fn(case)
        x = s.inputs[name]
        shape = x.shape[:-1] + (1,) if per_row else x.shape
        signs = np.where(np.arange(int(np.prod(shape))) % 2 == 0, 1.0, -1.0).reshape(shape)
        return dataclasses.replace(s, inputs={**s.inputs, name: (x + signs * LARGE_MAGNITUDE).astype(x.dtype)})
    return sample


def sample_cross_entropy_saturated(case):
    """y = softmax of logits spread over ~1e3 (exact zeros and ones); every other label on a zero-probability class.

    The book's 1e-7 keeps -log(0 + 1e-7) = 16.1 finite; a plain log(y) is inf.
    """
    rng = case.rng()
    N, Cn = case["N"], case["C"]
    logits = C.telling(rng, (N, Cn), np.float64, scale=1.0) * LARGE_MAGNITUDE
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    y = (e / e.sum(axis=1, keepdims=True)).astype(case.dtype)
    t = C.labels(rng, (N,), Cn)
    t[::2] = logits[::2].argmin(axis=1)
    return Sample(case, inputs={"y": y, "t": t})


def _sample_softmax_2d(case):
    rng = case.rng()
    return Sample(case, inputs={"x": bounded(C.telling(rng, (case["N"], case["C"]), case.dtype, scale=2.0))})


LARGE_HINTS = {
    "out": "at |x| ~ 1e3 exp overflows: subtract the row's max before exp (softmax), compute sigmoid from "
           "exp(-|x|), and keep the 1e-7 inside the log of the losses",
    "dx": "at |x| ~ 1e3 the gradient must stay finite: y - t with a stable y",
}
FRAMEWORKS = ("torch", "keras")
ALL = ("torch", "keras", "fd64")

ENTRIES = (
    Component("sigmoid", "function", "functions", sample_elementwise,
              {"N": SMALL, "D": FEATURES}, FRAMEWORKS, ("out",),
              hints={"out": "nan or overflow warnings for very negative x: use a stable form "
                            "(exp of -|x| only)"}),
    Component("relu", "function", "functions", sample_elementwise,
              {"N": SMALL, "D": FEATURES}, FRAMEWORKS, ("out",)),
    Component("softmax", "function", "functions", sample_softmax,
              {"N": SMALL, "T": (1, 4), "C": FEATURES}, FRAMEWORKS, ("out",),
              hints={"out": "softmax must normalise the last axis of any ndim, after subtracting "
                            "the max along that axis"}),
    Component("cross_entropy_error", "function", "functions", sample_cross_entropy,
              {"N": SMALL, "C": (2, 7)}, FRAMEWORKS, ("out",),
              hints={"out": "batch mean of -log(y[n, t[n]] + 1e-7): divide by N, not by N*C"}),
    Component("MatMul", "layer", "layers", sample_matmul,
              {"N": SMALL, "D": FEATURES, "H": FEATURES}, ALL, ("out", "dx", "dW"),
              hints={"dx": "dx = dout @ W.T", "dW": "dW = x.T @ dout, written into grads[0][...]"}),
    Component("Affine", "layer", "layers", sample_affine,
              {"N": SMALL, "D": FEATURES, "H": FEATURES}, ALL, ("out", "dx", "dW", "db"),
              hints={"db": "db sums dout over the batch axis (axis=0)",
                     "dW": "dW = x.T @ dout", "dx": "dx = dout @ W.T"}),
    Component("Softmax", "layer", "layers", sample_softmax_layer,
              {"N": SMALL, "C": FEATURES}, ALL, ("out", "dx"),
              hints={"dx": "dx = y * dout - y * sum(y * dout, axis=1, keepdims=True)"}),
    Component("SoftmaxWithLoss", "loss", "layers", sample_softmax_with_loss,
              {"N": SMALL, "C": (2, 7)}, ALL, ("out", "dx"),
              fd_correction=_undo_log_epsilon(_softmax_picked),
              hints={"dx": "dx = (y - onehot(t)) * dout / N: divide by the batch size",
                     "out": "loss = mean over the batch of -log(y[t] + 1e-7)"}),
    Component("Sigmoid", "layer", "layers", sample_activation_layer,
              {"N": SMALL, "D": FEATURES}, ALL, ("out", "dx"),
              hints={"dx": "dx = dout * (1 - y) * y, with y the forward output"}),
    Component("SigmoidWithLoss", "loss", "layers", sample_sigmoid_with_loss,
              {"N": SMALL}, ALL, ("out", "dx"),
              fd_correction=_undo_log_epsilon(_sigmoid_picked),
              hints={"dx": "dx = (y - t) * dout / N"}),
    Component("Dropout", "layer", "layers", sample_dropout_train,
              {"N": SMALL, "D": FEATURES}, ALL, ("out", "dx"), variant="train",
              hints={"out": "the book's Dropout keeps rand > ratio and does NOT rescale in training; "
                            "draw the mask with np.random.rand(*x.shape)"}),
    Component("Dropout", "layer", "layers", sample_dropout_eval,
              {"N": SMALL, "D": FEATURES}, FRAMEWORKS, ("out",), variant="eval",
              hints={"out": "at test time the book's Dropout returns x * (1 - dropout_ratio)"}),
    Component("Embedding", "layer", "layers", sample_embedding,
              {"N": SMALL, "T": (1, 4), "V": (1, 9), "D": FEATURES}, ALL, ("out", "dW"),
              hints={"dW": "zero dW, then np.add.at(dW, idx, dout): repeated ids must accumulate "
                           "(dW[idx] = dout keeps only the last)"}),
    Component("EmbeddingDot", "layer", "layers", sample_embedding_dot,
              {"N": SMALL, "V": (1, 9), "D": FEATURES}, ALL, ("out", "dh", "dW")),
    # large magnitudes: the frameworks' stable forms judge (no fd64: differences of a saturated forward)
    Component("softmax", "function", "functions", at_large_magnitude(_sample_softmax_2d, "x", per_row=True),
              {"N": SMALL, "C": FEATURES}, FRAMEWORKS, ("out",), variant="large-logits", hints=LARGE_HINTS),
    Component("cross_entropy_error", "function", "functions", sample_cross_entropy_saturated,
              {"N": SMALL, "C": (2, 7)}, FRAMEWORKS, ("out",), variant="saturated",
              hints={"out": "y holds exact zeros: -log(y[n, t[n]] + 1e-7), the epsilon inside the log"}),
    Component("Softmax", "layer", "layers", at_large_magnitude(sample_softmax_layer, "x", per_row=True),
              {"N": SMALL, "C": FEATURES}, FRAMEWORKS, ("out", "dx"), variant="large-logits", hints=LARGE_HINTS),
    Component("SoftmaxWithLoss", "loss", "layers", at_large_magnitude(sample_softmax_with_loss, "x", per_row=True),
              {"N": SMALL, "C": (2, 7)}, FRAMEWORKS, ("out", "dx"), variant="large-logits", hints=LARGE_HINTS),
    Component("SigmoidWithLoss", "loss", "layers", at_large_magnitude(sample_sigmoid_with_loss, "x", per_row=False),
              {"N": SMALL}, FRAMEWORKS, ("out", "dx"), variant="large-logits", hints=LARGE_HINTS),
)

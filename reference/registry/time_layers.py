"""Registry entries: the non-recurrent layers of the book's time_layers.py.

TimeEmbedding, TimeAffine, TimeSoftmaxWithLoss (labels, ignored labels,
one-hot targets, a batch with every label ignored), TimeSigmoidWithLoss,
TimeDropout (train and eval, the mask injected through ``np.random.seed``)
and TimeOutputWithLoss (many-to-one regression on the last step). The
recurrent layers are in ``time_cells``.

Every label ignored: scratch_layers returns loss 0.0 and a zero gradient (a
batch with nothing to learn contributes nothing; see its docstring). torch's
``CrossEntropyLoss(ignore_index=-1)`` returns nan (0/0) with a zero gradient:
a ``Divergence`` on ``out`` (the generated test asserts it is still nan-vs-0).
Keras 3.15's ``SparseCategoricalCrossentropy(ignore_class=-1)`` returns 0.0
with a zero gradient, like scratch_layers (measured; oracles.md expected nan).
"""
from __future__ import annotations

import numpy as np

from reference.registry import book_optional
from reference.registry import cases as C
from reference.registry.recurrent_drive import Guard
from reference.registry.component import Component, Divergence, Sample
from reference.registry.layers import LARGE_HINTS, at_large_magnitude, bounded

SEQ = {"N": (1, 4), "T": (1, 6)}
# torch and Keras, no fd64: cross-checking finite differences with Keras runs
# a Keras loss or Dense once per perturbed entry (measured 3-13 s per
# agreement test); these layers have no recurrence for FD to add evidence on.
ALL = ("torch", "keras")
DROPOUT_RATIO = 0.3  # not 0.5: a swapped keep/drop or a missing 1/(1 - ratio) shows
# TimeEmbedding's dW and TimeAffine's db/dW sum O(1) upstream rows over N*T:
# where such a sum cancels (db = 0.13 from 12 terms of ~1), float32 rounding
# is of the terms' size, 6.5e-6 of the result (measured): the tolerance is
# taken against max(max|ref|, 1) (tolerances.Tolerance.floor).
OPERAND_SCALE = 1.0


def sample_time_embedding(case):
    rng = case.rng()
    N, T, V, D = case["N"], case["T"], case["V"], case["D"]
    xs = rng.integers(0, V, size=(N, T))
    xs[0, -1] = xs[0, 0]      # an id repeated within a row (over time) and
    xs.flat[-1] = xs.flat[0]  # across rows: its gradients must accumulate
    return Sample(case, params={"W": C.telling(rng, (V, D), case.dtype)}, inputs={"xs": xs},
                  dout=C.upstream(rng, (N, T, D), case.dtype))


def sample_time_affine(case):
    rng = case.rng()
    N, T, D, H = case["N"], case["T"], case["D"], case["H"]
    return Sample(case, params={"W": C.telling(rng, (D, H), case.dtype), "b": C.bias(rng, H, case.dtype)},
                  inputs={"x": C.telling(rng, (N, T, D), case.dtype, scale=1.0)},
                  dout=C.upstream(rng, (N, T, H), case.dtype), differentiable=("x",))


def _ignored(labels: np.ndarray) -> np.ndarray:
    """Labels with -1 at (0, 0), at the last position and every third place, one label kept."""
    ts = labels.copy()
    flat = ts.reshape(-1)
    flat[::3] = -1
    flat[-1] = -1
    if np.all(flat == -1):
        flat[-1] = labels.reshape(-1)[-1]  # ignored-labels, not all-ignored (N*T == 1)
    return ts


def unlikely_labels(rng, xs: np.ndarray) -> np.ndarray:
    """A label per (n, t), uniform over the classes other than the row's most likely one.

    Then softmax(xs)[target] <= 1/2 and dxs = (y - onehot) / count has no
    cancellation: a target at probability 0.97 leaves y - 1 = -0.03 with the
    float32 rounding of y (~6e-8), 2e-6 of it (measured 1.5e-6 over 2000
    drawn float32 cases with uniform labels, where N*T = 1 makes it the
    largest entry).
    """
    V = xs.shape[-1]
    return (xs.argmax(axis=-1) + rng.integers(1, V, size=xs.shape[:-1])) % V


def sample_time_softmax_with_loss(targets: str):
    """xs (N, T, V) bounded scores; ts per ``targets``: labels, ignored, one-hot, all-ignored."""
    def sample(case):
        rng = case.rng()
        N, T, V = case["N"], case["T"], case["V"]
        xs = bounded(C.telling(rng, (N, T, V), case.dtype, scale=2.0))
        ts = unlikely_labels(rng, xs)
        if targets == "ignored":
            ts = _ignored(ts)
        elif targets == "one-hot":
            ts = np.eye(V, dtype=np.int64)[ts]
        elif targets == "all-ignored":
            ts = np.full((N, T), -1, dtype=np.int64)
        return Sample(case, inputs={"xs": xs, "ts": ts}, dout=1.0, differentiable=("xs",))
    return sample


def sample_time_sigmoid_with_loss(case):
    """xs bounded by 1.5: sigmoid in [0.18, 0.82], so y - t never cancels below 0.18 (float32 dxs;
    measured 1.3e-6 of max|dxs| over 2000 drawn cases at the bound 2.5)."""
    rng = case.rng()
    N, T = case["N"], case["T"]
    return Sample(case, inputs={"xs": bounded(C.telling(rng, (N, T), case.dtype, scale=2.0), limit=1.5),
                                "ts": C.labels(rng, (N, T), 2)},
                  dout=1.0, differentiable=("xs",))


def sample_time_dropout(train_flg: bool):
    def sample(case):
        rng = case.rng()
        shape = (case["N"], case["T"], case["D"])
        return Sample(case, inputs={"xs": C.telling(rng, shape, case.dtype, scale=1.0)},
                      dout=C.upstream(rng, shape, case.dtype), differentiable=("xs",),
                      init_kwargs={"dropout_ratio": DROPOUT_RATIO}, forward_kwargs={"train_flg": train_flg},
                      np_seed=case.seed % (2**32))
    return sample


def time_dropout_mask(sample) -> np.ndarray:
    """The scaled keep-mask TimeDropout draws after np.random.seed(np_seed): (rand > r) / (1 - r)."""
    ratio = sample.init_kwargs["dropout_ratio"]
    keep = np.random.RandomState(sample.np_seed).rand(*sample.inputs["xs"].shape) > ratio
    return keep.astype(sample.dtype) * sample.dtype.type(1.0 / (1.0 - ratio))


def run_time_dropout(cls, sample):
    """Fresh layer (train_flg left at its default for training; set False for eval), seeded forward, backward.

    The book never calls backward after an eval-mode forward (its TimeDropout
    has no mask then): in eval mode that backward is judged where it runs,
    and otherwise reported as unsupported (``book_optional``), an advisory.
    """
    guard = Guard(sample)
    layer = cls(**sample.init_kwargs)
    train = sample.forward_kwargs["train_flg"]
    if not train:
        layer.train_flg = False
    np.random.seed(sample.np_seed)
    quantities = {"out": np.array(layer.forward(guard.inputs["xs"]), copy=True)}

    def backward():
        return {"dxs": np.array(layer.backward(np.array(sample.dout, copy=True)), copy=True)}

    if train:
        quantities.update(backward())
    else:
        book_optional.attempt(quantities, ("dxs",), backward, "backward after an eval-mode forward (the book "
                                                                "never calls it; its TimeDropout keeps no mask then)")
    return guard.finish(quantities)


def sample_time_output_with_loss(case):
    rng = case.rng()
    shape = (case["N"], case["T"], case["O"])
    return Sample(case, inputs={"xs": C.telling(rng, shape, case.dtype, scale=1.0),
                                "ts": C.telling(rng, shape, case.dtype, scale=1.0)},
                  dout=1.0, differentiable=("xs",))


SOFTMAX_HINTS = {
    "out": "loss = -sum(log softmax(xs)[ts] * mask) / mask.sum(), mask = ts != -1 (mean over the "
           "labels that count, not over N*T)",
    "dxs": "dxs = (softmax(xs) - onehot(ts)) * dout / mask.sum(), zero where ts == -1",
}
ALL_IGNORED = Divergence("torch", "out", "every label ignored: torch's mean over zero targets is 0/0 = nan; "
                                        "scratch_layers returns 0.0 by decision (Keras 3.15 too)")

ENTRIES = (
    Component("TimeEmbedding", "layer", "time_layers", sample_time_embedding,
              {**SEQ, "V": (1, 8), "D": (1, 5)}, ALL, ("out", "dW"), operand_scale=OPERAND_SCALE,
              hints={"dW": "zero dW, then np.add.at(dW, xs, dout): ids repeated over the batch and "
                           "steps accumulate"}),
    Component("TimeAffine", "layer", "time_layers", sample_time_affine,
              {**SEQ, "D": (1, 5), "H": (1, 6)}, ALL, ("out", "dx", "dW", "db"), operand_scale=OPERAND_SCALE,
              hints={"db": "db sums dout over the batch AND time axes",
                     "dW": "dW = x.reshape(N*T, D).T @ dout.reshape(N*T, H)"}),
    Component("TimeSoftmaxWithLoss", "loss", "time_layers", sample_time_softmax_with_loss("labels"),
              {**SEQ, "V": (2, 8)}, ALL, ("out", "dxs"), hints=SOFTMAX_HINTS),
    Component("TimeSoftmaxWithLoss", "loss", "time_layers", sample_time_softmax_with_loss("ignored"),
              {**SEQ, "V": (2, 8)}, ALL, ("out", "dxs"), variant="ignored-labels", hints=SOFTMAX_HINTS),
    Component("TimeSoftmaxWithLoss", "loss", "time_layers", sample_time_softmax_with_loss("one-hot"),
              {**SEQ, "V": (2, 8)}, ALL, ("out", "dxs"), variant="one-hot",
              hints={**SOFTMAX_HINTS, "out": "one-hot ts (N, T, V) are argmaxed to labels first"}),
    Component("TimeSoftmaxWithLoss", "loss", "time_layers", sample_time_softmax_with_loss("all-ignored"),
              {**SEQ, "V": (2, 8)}, ALL, ("out", "dxs"), variant="all-ignored",
              divergences=(ALL_IGNORED,),
              hints={"out": "every label ignored: return 0.0 (the contract's decision; see: scratch-conformance "
                            "contract TimeSoftmaxWithLoss), not nan",
                     "dxs": "every label ignored: the gradient is all zeros (no nan)"}),
    Component("TimeSigmoidWithLoss", "loss", "time_layers", sample_time_sigmoid_with_loss, SEQ, ALL,
              ("out", "dxs"),
              hints={"out": "mean over all N*T of -log(p + 1e-7), p the probability of the target",
                     "dxs": "dxs = (sigmoid(xs) - ts) * dout / (N*T)"}),
    Component("TimeSoftmaxWithLoss", "loss", "time_layers",
              at_large_magnitude(sample_time_softmax_with_loss("labels"), "xs", per_row=True),
              {**SEQ, "V": (2, 8)}, ALL, ("out", "dxs"), variant="large-logits",
              hints={**SOFTMAX_HINTS, "out": LARGE_HINTS["out"]}),
    Component("TimeSigmoidWithLoss", "loss", "time_layers",
              at_large_magnitude(sample_time_sigmoid_with_loss, "xs", per_row=False), SEQ, ALL, ("out", "dxs"),
              variant="large-logits", hints={"out": LARGE_HINTS["out"], "dxs": "dxs = (sigmoid(xs) - ts) * dout / "
                                                                              "(N*T), finite at |x| ~ 1e3"}),
    Component("TimeDropout", "custom", "time_layers", sample_time_dropout(True), {**SEQ, "D": (1, 5)}, ALL,
              ("out", "dxs"), run=run_time_dropout, variant="train",
              hints={"out": "inverted dropout: xs * (rand > ratio) / (1 - ratio), one np.random.rand(*xs.shape) "
                            "per forward; a fresh layer has train_flg = True",
                     "dxs": "dxs = dout * the same scaled mask"}),
    Component("TimeDropout", "custom", "time_layers", sample_time_dropout(False), {**SEQ, "D": (1, 5)}, ALL,
              ("out", "dxs"), run=run_time_dropout, variant="eval",
              hints={"out": "train_flg = False: the identity (inverted dropout needs no test-time scaling)"}),
    Component("TimeOutputWithLoss", "loss", "time_layers", sample_time_output_with_loss,
              {**SEQ, "O": (1, 3)}, ALL, ("out", "dxs"),
              hints={"out": "loss = 0.5 * sum((xs[:, -1] - ts[:, -1])**2) / N: the last step only",
                     "dxs": "dxs is zero except dxs[:, -1] = (xs - ts)[:, -1] * dout / N (divide by N)"}),
)

"""Activation and loss functions (the book's ``common/functions.py``).

Pure functions of arrays: they keep the input's float dtype and never modify
their arguments.
"""
from __future__ import annotations

from scratch_layers import _validate
from scratch_layers.backend import np

# The book's guard against log(0) in cross entropy; part of the contract's
# loss value (torch and Keras differ from it where probabilities are tiny).
CROSS_ENTROPY_EPS = 1e-7


def sigmoid(x):
    """1 / (1 + exp(-x)), stable for large |x| in float32 and float64.

    exp is only taken of -|x|, so it never overflows: for x >= 0 the usual
    form, for x < 0 the equal exp(x) / (1 + exp(x)).
    """
    x = _validate.float_array("sigmoid", "x", x)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype, copy=False)


def relu(x):
    """max(0, x), elementwise."""
    x = _validate.float_array("relu", "x", x)
    return np.maximum(x, 0).astype(x.dtype, copy=False)


def softmax(x):
    """Softmax along the last axis, for any number of dimensions.

    The row maximum is subtracted first (on a copy) so exp cannot overflow.
    """
    x = _validate.float_array("softmax", "x", x)
    if x.ndim == 0:
        raise ValueError("softmax: x must have at least 1 dimension; got a scalar")
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def cross_entropy_error(y, t):
    """Batch-mean cross entropy of probabilities ``y`` against ``t``.

    y: (N, C) probabilities, or (C,) for one sample. t: (N,) class labels, or
    one-hot with the shape of y (then argmaxed). Returns
    -sum(log(y[n, t[n]] + 1e-7)) / N as a Python-compatible scalar of y's dtype.
    """
    y = _validate.float_array("cross_entropy_error", "y", y)
    t = np.asarray(t)
    if y.ndim == 1:
        y = y.reshape(1, y.size)
        t = t.reshape(1, -1) if t.size == y.size and t.size > 1 else t.reshape(1)
    _validate.ndim("cross_entropy_error", "y", y, (2,), "(N, C) probabilities")
    if t.shape == y.shape and y.shape[1] > 1:  # one-hot targets
        t = t.argmax(axis=1)
    _validate.shape("cross_entropy_error", "t", t, (y.shape[0],),
                    f"({y.shape[0]},) labels or one-hot {y.shape}")
    t = _validate.labels("cross_entropy_error", "t", t, y.shape[1])
    n = y.shape[0]
    picked = y[np.arange(n), t]
    return -np.sum(np.log(picked + y.dtype.type(CROSS_ENTROPY_EPS))) / y.dtype.type(n)

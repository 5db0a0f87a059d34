"""Feed-forward layers (the book's ``common/layers.py``).

Every layer keeps ``params`` and ``grads`` as lists of arrays in the same
order; ``backward`` writes into ``grads`` in place so that optimizers holding
those arrays see the new values. A layer computes in its parameters' dtype
(float32 or float64); parameterless layers keep the input's float dtype.
"""
from __future__ import annotations

from scratch_layers import _validate
from scratch_layers.backend import np
from scratch_layers.functions import CROSS_ENTROPY_EPS, cross_entropy_error, sigmoid, softmax


def _class_labels(owner: str, t, logits):
    """Labels ``(N,)`` from labels or one-hot ``t`` for ``(N, C)`` logits."""
    t = np.asarray(t)
    if t.shape == logits.shape:
        t = t.argmax(axis=1)
    _validate.shape(owner, "t", t, (logits.shape[0],),
                    f"({logits.shape[0]},) labels or one-hot {logits.shape}")
    return _validate.labels(owner, "t", t, logits.shape[1])


class MatMul:
    """out = x @ W, no bias.

    Args: W (D, H), float32 or float64.
    forward(x (N, D)) -> (N, H); backward(dout (N, H)) -> dx (N, D); dW = x.T @ dout.
    """

    def __init__(self, W):
        _validate.param_array("MatMul", "W", W, 2)
        self.params = [W]
        self.grads = [np.zeros_like(W)]
        self.x = None

    def forward(self, x):
        (W,) = self.params
        x = _validate.float_array("MatMul.forward", "x", x, W.dtype)
        _validate.shape("MatMul.forward", "x", x, (None, W.shape[0]),
                        f"(N, D) with D={W.shape[0]} to match W {W.shape}")
        self.x = x
        return x @ W

    def backward(self, dout):
        (W,) = self.params
        dout = _validate.float_array("MatMul.backward", "dout", dout, W.dtype)
        _validate.shape("MatMul.backward", "dout", dout, (self.x.shape[0], W.shape[1]))
        self.grads[0][...] = self.x.T @ dout
        return dout @ W.T


class Affine:
    """out = x @ W + b.

    Args: W (D, H), b (H,), one float dtype.
    forward(x (N, D)) -> (N, H); backward(dout (N, H)) -> dx (N, D);
    dW = x.T @ dout, db = dout summed over the batch.
    """

    def __init__(self, W, b):
        _validate.param_array("Affine", "W", W, 2)
        _validate.param_array("Affine", "b", b, 1)
        _validate.same_dtype("Affine", W=W, b=b)
        _validate.shape("Affine", "b", b, (W.shape[1],), f"({W.shape[1]},) to match W {W.shape}")
        self.params = [W, b]
        self.grads = [np.zeros_like(W), np.zeros_like(b)]
        self.x = None

    def forward(self, x):
        W, b = self.params
        x = _validate.float_array("Affine.forward", "x", x, W.dtype)
        _validate.shape("Affine.forward", "x", x, (None, W.shape[0]),
                        f"(N, D) with D={W.shape[0]} to match W {W.shape}")
        self.x = x
        return x @ W + b

    def backward(self, dout):
        W, _ = self.params
        dout = _validate.float_array("Affine.backward", "dout", dout, W.dtype)
        _validate.shape("Affine.backward", "dout", dout, (self.x.shape[0], W.shape[1]))
        self.grads[0][...] = self.x.T @ dout
        self.grads[1][...] = dout.sum(axis=0)
        return dout @ W.T


class Softmax:
    """Softmax over the last axis; backward dx = y * (dout - sum(y * dout))."""

    def __init__(self):
        self.params, self.grads = [], []
        self.out = None

    def forward(self, x):
        self.out = softmax(x)
        return self.out

    def backward(self, dout):
        y = self.out
        dout = _validate.float_array("Softmax.backward", "dout", dout, y.dtype)
        _validate.shape("Softmax.backward", "dout", dout, y.shape)
        return y * (dout - (y * dout).sum(axis=-1, keepdims=True))


class SoftmaxWithLoss:
    """Softmax then batch-mean cross entropy (with the book's 1e-7 in the log).

    forward(x (N, C) logits, t (N,) labels or (N, C) one-hot) -> loss scalar.
    backward(dout=1) -> dx = (softmax(x) - onehot(t)) * dout / N; the gradient
    is that of the exact loss (the epsilon is ignored, as in the contract).
    """

    def __init__(self):
        self.params, self.grads = [], []
        self.y = self.t = None

    def forward(self, x, t):
        x = _validate.float_array("SoftmaxWithLoss.forward", "x", x)
        _validate.ndim("SoftmaxWithLoss.forward", "x", x, (2,), "(N, C) logits")
        self.t = _class_labels("SoftmaxWithLoss.forward", t, x)
        self.y = softmax(x)
        return cross_entropy_error(self.y, self.t)

    def backward(self, dout=1):
        n = self.y.shape[0]
        dx = self.y.copy()
        dx[np.arange(n), self.t] -= 1
        return dx * (self.y.dtype.type(dout) / self.y.dtype.type(n))


class Sigmoid:
    """out = sigmoid(x); backward dx = dout * (1 - y) * y."""

    def __init__(self):
        self.params, self.grads = [], []
        self.out = None

    def forward(self, x):
        self.out = sigmoid(x)
        return self.out

    def backward(self, dout):
        y = self.out
        dout = _validate.float_array("Sigmoid.backward", "dout", dout, y.dtype)
        _validate.shape("Sigmoid.backward", "dout", dout, y.shape)
        return dout * (1 - y) * y


class SigmoidWithLoss:
    """Sigmoid then batch-mean binary cross entropy (book epsilon in the log).

    forward(x (N,) or (N, 1) logits, t 0/1 targets of the same size) -> loss =
    cross_entropy_error([1 - y, y], t). backward(dout=1) -> dx = (y - t) * dout / N,
    in x's shape.
    """

    def __init__(self):
        self.params, self.grads = [], []
        self.y = self.t = None
        self._shape = None

    def forward(self, x, t):
        x = _validate.float_array("SigmoidWithLoss.forward", "x", x)
        t = np.asarray(t)
        if t.size != x.size:
            raise ValueError(f"SigmoidWithLoss.forward: t must have one 0/1 target per logit "
                             f"({x.size}); got shape {t.shape}")
        self._shape = x.shape
        flat = x.reshape(-1)
        self.t = _validate.labels("SigmoidWithLoss.forward", "t", t.reshape(-1), 2)
        self.y = sigmoid(flat)
        return cross_entropy_error(np.stack([1 - self.y, self.y], axis=1), self.t)

    def backward(self, dout=1):
        n = self.y.shape[0]
        dx = (self.y - self.t.astype(self.y.dtype)) * (self.y.dtype.type(dout) / self.y.dtype.type(n))
        return dx.reshape(self._shape)


class Dropout:
    """Non-inverted dropout, as in the book's feed-forward layers.

    Training keeps x where ``np.random.rand(*x.shape) > dropout_ratio`` (the
    global legacy generator, drawn once per forward so a seed reproduces the
    mask) and does not rescale; testing returns x * (1 - dropout_ratio).
    TimeDropout, unlike this, is inverted.
    """

    def __init__(self, dropout_ratio=0.5):
        self.dropout_ratio = _validate.probability("Dropout", "dropout_ratio", dropout_ratio)
        self.params, self.grads = [], []
        self.mask = None

    def forward(self, x, train_flg=True):
        x = _validate.float_array("Dropout.forward", "x", x)
        if train_flg:
            self.mask = np.random.rand(*x.shape) > self.dropout_ratio
            return x * self.mask
        return x * x.dtype.type(1.0 - self.dropout_ratio)

    def backward(self, dout):
        dout = _validate.float_array("Dropout.backward", "dout", dout)
        _validate.shape("Dropout.backward", "dout", dout, self.mask.shape)
        return dout * self.mask


class Embedding:
    """Row lookup: out = W[idx] for integer ids of any shape.

    Args: W (V, D). forward(idx) -> idx.shape + (D,). backward(dout) zeroes dW
    and scatter-adds dout into the looked-up rows (repeated ids accumulate);
    returns None (ids have no gradient).
    """

    def __init__(self, W):
        _validate.param_array("Embedding", "W", W, 2)
        self.params = [W]
        self.grads = [np.zeros_like(W)]
        self.idx = None

    def forward(self, idx):
        (W,) = self.params
        self.idx = _validate.labels("Embedding.forward", "idx", idx, W.shape[0])
        return W[self.idx]

    def backward(self, dout):
        (W,) = self.params
        dout = _validate.float_array("Embedding.backward", "dout", dout, W.dtype)
        _validate.shape("Embedding.backward", "dout", dout, self.idx.shape + (W.shape[1],))
        dW = self.grads[0]
        dW[...] = 0
        np.add.at(dW, self.idx, dout)
        return None


class EmbeddingDot:
    """Score of each hidden vector against one embedding row: sum(W[idx] * h, axis=1).

    Args: W (V, D). forward(h (N, D), idx (N,)) -> (N,). backward(dout (N,)) ->
    dh (N, D), and scatter-adds dout * h into dW's rows idx. Used by word2vec's
    negative sampling.
    """

    def __init__(self, W):
        self.embed = Embedding(W)
        self.params = self.embed.params
        self.grads = self.embed.grads
        self.cache = None

    def forward(self, h, idx):
        (W,) = self.params
        h = _validate.float_array("EmbeddingDot.forward", "h", h, W.dtype)
        _validate.shape("EmbeddingDot.forward", "h", h, (None, W.shape[1]),
                        f"(N, D) with D={W.shape[1]} to match W {W.shape}")
        idx = np.asarray(idx)
        _validate.shape("EmbeddingDot.forward", "idx", idx, (h.shape[0],), f"({h.shape[0]},) ids, one per row of h")
        target_W = self.embed.forward(idx)
        self.cache = (h, target_W)
        return np.sum(target_W * h, axis=1)

    def backward(self, dout):
        h, target_W = self.cache
        dout = _validate.float_array("EmbeddingDot.backward", "dout", dout, h.dtype)
        _validate.shape("EmbeddingDot.backward", "dout", dout, (h.shape[0],))
        dout = dout.reshape(-1, 1)
        self.embed.backward(dout * h)
        return dout * target_W

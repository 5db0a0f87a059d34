"""Layers over sequences (the book's ``common/time_layers.py``).

The recurrent layers live in ``recurrent`` (single steps: RNN, LSTM, GRU) and
``time_recurrent`` (TimeRNN, TimeLSTM, TimeGRU, TimeBiLSTM) and are
re-exported here, so ``from scratch_layers.time_layers import TimeLSTM``
works as in the book. This module adds the non-recurrent Time layers:
TimeEmbedding, TimeAffine, TimeSoftmaxWithLoss, TimeSigmoidWithLoss,
TimeDropout and TimeOutputWithLoss (many-to-one regression).

Shapes: N batch, T time steps, D input size, V vocabulary / classes.
Every layer keeps ``params`` and ``grads`` (lists, same order; grads written
in place), computes in its params' dtype (parameterless layers keep the
input's float dtype) and never modifies the caller's arrays.
"""
from __future__ import annotations

from scratch_layers import _validate
from scratch_layers.backend import np
from scratch_layers.functions import cross_entropy_error, sigmoid
from scratch_layers.recurrent import GRU, LSTM, RNN
from scratch_layers.time_recurrent import TimeBiLSTM, TimeGRU, TimeLSTM, TimeRNN

__all__ = [
    "RNN", "TimeRNN", "LSTM", "TimeLSTM", "GRU", "TimeGRU", "TimeEmbedding", "TimeAffine",
    "TimeSoftmaxWithLoss", "TimeSigmoidWithLoss", "TimeDropout", "TimeBiLSTM", "TimeOutputWithLoss",
]


def _need_forward(owner: str, cache) -> None:
    if cache is None:
        raise RuntimeError(f"{owner}: call forward before backward")


def _scalar_dout(owner: str, dout) -> float:
    """The upstream gradient of a loss: a scalar (a Python float keeps the array's dtype)."""
    d = np.asarray(dout)
    if d.size != 1 or d.dtype.kind not in "fiub":
        raise TypeError(f"{owner}: dout must be a real scalar; got {type(dout).__name__} of shape {d.shape}")
    return float(d.reshape(()))


class TimeEmbedding:
    """Looks up a D-vector for every word id of every step: out[n, t] = W[xs[n, t]].

    Args: W (V, D), float32 or float64.
    forward(xs (N, T) integer ids in [0, V)) -> (N, T, D).
    backward(dout (N, T, D)) -> None; dW is zeroed, then dout is added at
    each id with np.add.at, so ids repeated over the batch and steps accumulate.
    """

    def __init__(self, W):
        self.params = [_validate.param_array("TimeEmbedding", "W", W, 2)]
        self.grads = [np.zeros_like(W)]
        self.idx = None

    def forward(self, xs):
        (W,) = self.params
        xs = np.asarray(xs)
        _validate.ndim("TimeEmbedding.forward", "xs", xs, (2,), "(N, T) integer word ids")
        self.idx = _validate.labels("TimeEmbedding.forward", "xs", xs, W.shape[0])
        return W[self.idx]

    def backward(self, dout):
        _need_forward("TimeEmbedding.backward", self.idx)
        (W,) = self.params
        N, T = self.idx.shape
        dout = _validate.float_array("TimeEmbedding.backward", "dout", dout, W.dtype)
        _validate.shape("TimeEmbedding.backward", "dout", dout, (N, T, W.shape[1]),
                        f"(N, T, D) = ({N}, {T}, {W.shape[1]}) like forward's output")
        dW = self.grads[0]
        dW[...] = 0
        np.add.at(dW, self.idx, dout)
        return None


class TimeAffine:
    """out[n, t] = x[n, t] @ W + b for every step, as one (N*T, D) @ (D, M) product.

    Args: W (D, M), b (M,), one float dtype (W may be a view such as E.T for weight tying).
    forward(x (N, T, D)) -> (N, T, M).
    backward(dout (N, T, M)) -> dx (N, T, D); dW = x_rows.T @ dout_rows, db = dout summed over N and T.
    """

    def __init__(self, W, b):
        _validate.param_array("TimeAffine", "W", W, 2)
        _validate.param_array("TimeAffine", "b", b, 1)
        _validate.same_dtype("TimeAffine", W=W, b=b)
        _validate.shape("TimeAffine", "b", b, (W.shape[1],),
                        f"({W.shape[1]},) to match W {_validate._fmt(W.shape)}")
        self.params = [W, b]
        self.grads = [np.zeros_like(W), np.zeros_like(b)]
        self.x = None

    def forward(self, x):
        W, b = self.params
        x = _validate.float_array("TimeAffine.forward", "x", x, W.dtype)
        _validate.shape("TimeAffine.forward", "x", x, (None, None, W.shape[0]),
                        f"(N, T, D) with D={W.shape[0]} to match W {_validate._fmt(W.shape)}")
        self.x = x
        N, T, D = x.shape
        out = x.reshape(N * T, D) @ W
        out += b
        return out.reshape(N, T, W.shape[1])

    def backward(self, dout):
        _need_forward("TimeAffine.backward", self.x)
        W, _ = self.params
        N, T, D = self.x.shape
        M = W.shape[1]
        dout = _validate.float_array("TimeAffine.backward", "dout", dout, W.dtype)
        _validate.shape("TimeAffine.backward", "dout", dout, (N, T, M),
                        f"(N, T, M) = ({N}, {T}, {M}) like forward's output")
        d_rows = dout.reshape(N * T, M)
        self.grads[0][...] = self.x.reshape(N * T, D).T @ d_rows
        self.grads[1][...] = d_rows.sum(axis=0)
        return (d_rows @ W.T).reshape(N, T, D)


class TimeSoftmaxWithLoss:
    """Softmax cross entropy averaged over every (n, t) whose label is not ``ignore_label``.

    loss = -sum(log softmax(xs)[n, t, ts[n, t]] * mask) / mask.sum(), mask = ts != -1,
    with log-softmax computed stably (max subtracted, no epsilon). Equals torch
    ``CrossEntropyLoss(ignore_index=-1)`` with mean reduction.

    forward(xs (N, T, V) scores, ts (N, T) labels in [0, V) or -1, or one-hot
    (N, T, V), argmaxed) -> loss, a scalar of xs's float dtype.
    backward(dout=1) -> dxs (N, T, V) = (softmax(xs) - onehot(ts)) * dout / mask.sum() * mask.

    Decisions where the book does worse:
    - Every label ignored (mask.sum() == 0): the loss is 0.0 and the gradient
      all zeros. The book, torch and Keras divide 0 by 0 and return nan,
      which then poisons gradient clipping and running loss averages; a batch
      with nothing to learn contributes nothing instead.
    - backward does not modify the cache, so calling it twice gives the same
      result (the book subtracts the one-hot from its cached softmax in place).
    """

    def __init__(self):
        self.params, self.grads = [], []
        self.cache = None
        self.ignore_label = -1

    def forward(self, xs, ts):
        owner = "TimeSoftmaxWithLoss.forward"
        xs = _validate.float_array(owner, "xs", xs)
        _validate.ndim(owner, "xs", xs, (3,), "(N, T, V) scores")
        N, T, V = xs.shape
        ts = np.asarray(ts)
        if ts.ndim == 3:  # one-hot targets
            _validate.shape(owner, "ts", ts, xs.shape, f"one-hot {_validate._fmt(xs.shape)} like xs")
            ts = ts.argmax(axis=2)
        _validate.shape(owner, "ts", ts, (N, T),
                        f"(N, T) = ({N}, {T}) labels, or one-hot (N, T, V) like xs")
        ts = _validate.labels(owner, "ts", ts, V, self.ignore_label)
        mask = ts != self.ignore_label
        safe_ts = np.where(mask, ts, 0)
        shifted = xs - xs.max(axis=2, keepdims=True)
        e = np.exp(shifted)
        total = e.sum(axis=2, keepdims=True)
        ys = e / total
        picked = np.take_along_axis(shifted, safe_ts[..., None], axis=2)[..., 0] - np.log(total[..., 0])
        count = int(mask.sum())
        self.cache = (safe_ts, mask, ys, count)
        if count == 0:
            return xs.dtype.type(0.0)
        return -np.where(mask, picked, 0).sum() / xs.dtype.type(count)

    def backward(self, dout=1):
        _need_forward("TimeSoftmaxWithLoss.backward", self.cache)
        dout = _scalar_dout("TimeSoftmaxWithLoss.backward", dout)
        safe_ts, mask, ys, count = self.cache
        if count == 0:
            return np.zeros_like(ys)
        N, T, V = ys.shape
        dx = ys.copy()  # the cache stays intact: a second backward gives the same result
        dx.reshape(N * T, V)[np.arange(N * T), safe_ts.reshape(N * T)] -= 1
        dx *= dout
        dx /= count
        dx *= mask[..., None]
        return dx


class TimeSigmoidWithLoss:
    """Binary cross entropy per step, the mean over T of the per-step batch means.

    Each step is the book's SigmoidWithLoss: y = sigmoid(x), loss_t =
    cross_entropy_error([1 - y, y], t) (batch mean, with the 1e-7 epsilon).
    Computed for all steps at once: the mean over T of equal-sized batch means
    is the mean over all N*T entries.

    forward(xs (N, T) scores, ts (N, T) labels 0 or 1) -> loss (scalar of xs's float dtype).
    backward(dout=1) -> dxs (N, T) = (y - t) * dout / N / T (the gradient ignores the epsilon).
    """

    def __init__(self):
        self.params, self.grads = [], []
        self.cache = None

    def forward(self, xs, ts):
        owner = "TimeSigmoidWithLoss.forward"
        xs = _validate.float_array(owner, "xs", xs)
        _validate.ndim(owner, "xs", xs, (2,), "(N, T) scores")
        ts = np.asarray(ts)
        _validate.shape(owner, "ts", ts, xs.shape, f"(N, T) = {_validate._fmt(xs.shape)} 0/1 labels like xs")
        ts = _validate.labels(owner, "ts", ts, 2)
        ys = sigmoid(xs)
        self.cache = (ys, ts)
        rows = np.stack([1 - ys, ys], axis=-1).reshape(xs.size, 2)
        return cross_entropy_error(rows, ts.reshape(xs.size))

    def backward(self, dout=1):
        _need_forward("TimeSigmoidWithLoss.backward", self.cache)
        dout = _scalar_dout("TimeSigmoidWithLoss.backward", dout)
        ys, ts = self.cache
        N, T = ys.shape
        return (ys - ts.astype(ys.dtype)) * dout / N / T


class TimeDropout:
    """Inverted dropout over a whole sequence, switched by the attribute ``train_flg``.

    Training (``train_flg`` True, the default): mask =
    (np.random.rand(*xs.shape) > dropout_ratio) * 1 / (1 - dropout_ratio),
    drawn from the global legacy ``np.random`` exactly once per forward (seed
    np.random to reproduce it); out = xs * mask. Evaluation: the identity.

    Args: dropout_ratio in [0, 1), default 0.5.
    forward(xs (any shape, typically (N, T, D))) -> same shape and float dtype.
    backward(dout) -> dout * mask (dout itself after an evaluation forward).
    """

    def __init__(self, dropout_ratio=0.5):
        self.dropout_ratio = _validate.probability("TimeDropout", "dropout_ratio", dropout_ratio)
        self.params, self.grads = [], []
        self.mask = None
        self.train_flg = True
        self._shape = None

    def forward(self, xs):
        xs = _validate.float_array("TimeDropout.forward", "xs", xs)
        self._shape = xs.shape
        if not self.train_flg:
            self.mask = None
            return xs
        keep = np.random.rand(*xs.shape) > self.dropout_ratio
        self.mask = keep.astype(xs.dtype) * (1.0 / (1.0 - self.dropout_ratio))
        return xs * self.mask

    def backward(self, dout):
        _need_forward("TimeDropout.backward", self._shape)
        dout = _validate.float_array("TimeDropout.backward", "dout", dout)
        _validate.shape("TimeDropout.backward", "dout", dout, self._shape,
                        f"{_validate._fmt(self._shape)} like forward's xs")
        return dout if self.mask is None else dout * self.mask


class TimeOutputWithLoss:
    """Many-to-one regression: squared error on the last step only.

    loss = 0.5 * sum((xs[:, T-1] - ts[:, T-1])**2) / N; the other steps do not count.
    The seed example's backward forgets the /N; here the gradient matches the loss.

    forward(xs (N, T, O) predictions, ts (N, T, O) targets) -> loss (scalar of xs's float dtype).
    backward(dout=1) -> dxs (N, T, O): zero except dxs[:, T-1] = (xs - ts)[:, T-1] * dout / N.
    """

    def __init__(self):
        self.params, self.grads = [], []
        self.cache = None

    def forward(self, xs, ts):
        owner = "TimeOutputWithLoss.forward"
        xs = _validate.float_array(owner, "xs", xs)
        _validate.ndim(owner, "xs", xs, (3,), "(N, T, O) predictions")
        if xs.shape[1] == 0:
            raise ValueError(f"{owner}: xs must have at least one time step; got {_validate._fmt(xs.shape)}")
        ts = _validate.float_array(owner, "ts", ts, xs.dtype)
        _validate.shape(owner, "ts", ts, xs.shape, f"(N, T, O) = {_validate._fmt(xs.shape)} like xs")
        diff = xs[:, -1] - ts[:, -1]
        self.cache = (xs.shape, diff)
        half = xs.dtype.type(0.5)       # a Python 0.5 times a float32 scalar is float64 under NumPy 1
        return half * np.sum(diff * diff) / xs.dtype.type(xs.shape[0])

    def backward(self, dout=1):
        _need_forward("TimeOutputWithLoss.backward", self.cache)
        dout = _scalar_dout("TimeOutputWithLoss.backward", dout)
        shape, diff = self.cache
        dxs = np.zeros(shape, dtype=diff.dtype)
        dxs[:, -1] = diff * dout / shape[0]
        return dxs

"""The bootcamp sprint's RNN API (a second convention beside the book's).

A sprint assignment asks for a ``SimpleRNN`` layer and a
``ScratchSimpleRNNClassifier``. Its shapes: x (batch_size, n_sequences,
n_features), Wx (n_features, n_nodes), Wh (n_nodes, n_nodes), B (n_nodes,),
h0 = zeros, a_t = x_t @ Wx + h_{t-1} @ Wh + B, h_t = tanh(a_t). These are
the book's TimeRNN weights under other names (Wx (D, H), Wh (H, H), b (H,)),
so ``SimpleRNN`` runs a non-stateful ``TimeRNN`` and keeps the sprint's
interface: forward returns the LAST hidden state (the sequence is
summarised for classification), all states stay in ``hs``.

Known answer (api.md): x = [[[1, 2], [2, 3], [3, 4]]] / 100, Wx = [[1, 3, 5,
7], [3, 5, 7, 8]] / 100, Wh = [[1, 3, 5, 7], [2, 4, 6, 8], [3, 5, 7, 8], [4,
6, 8, 10]] / 100, B = [1, 1, 1, 1] give h = [[0.79494228, 0.81839002,
0.83939649, 0.85584174]] (tests/test_sprint.py).
"""
from __future__ import annotations

from scratch_layers import _validate
from scratch_layers.backend import np
from scratch_layers.layers import Affine, SoftmaxWithLoss
from scratch_layers.optimizer import SGD
from scratch_layers.time_layers import TimeRNN

__all__ = ["SimpleRNN", "ScratchSimpleRNNClassifier"]


class SimpleRNN:
    """The sprint's RNN layer: many-to-one, tanh, h0 = 0.

    Args: Wx (n_features, n_nodes), Wh (n_nodes, n_nodes), B (n_nodes,), one float dtype.
    forward(x (batch_size, n_sequences, n_features)) -> h (batch_size, n_nodes),
    the last step's state; ``self.hs`` (batch_size, n_sequences, n_nodes) keeps every step.
    backward(dh) -> dx (batch_size, n_sequences, n_features). dh is the
    gradient of the last state (batch_size, n_nodes), or of every state
    (batch_size, n_sequences, n_nodes). Through time: dA_t = dh_t * (1 - h_t**2),
    dWx = sum_t x_t.T @ dA_t, dWh = sum_t h_{t-1}.T @ dA_t, dB = sum_t dA_t summed
    over the batch, dh_{t-1} += dA_t @ Wh.T, dx_t = dA_t @ Wx.T.
    params [Wx, Wh, B] and grads [dWx, dWh, dB] (written in place; also
    reachable as ``self.dWx``, ``self.dWh``, ``self.dB``).
    """

    def __init__(self, Wx, Wh, B):
        self._rnn = TimeRNN(Wx, Wh, B, stateful=False)
        self.params = self._rnn.params
        self.grads = self._rnn.grads
        self.dWx, self.dWh, self.dB = self.grads
        self.hs = None

    @property
    def Wx(self):
        return self.params[0]

    @property
    def Wh(self):
        return self.params[1]

    @property
    def B(self):
        return self.params[2]

    def forward(self, x):
        Wx = self.params[0]
        x = _validate.float_array("SimpleRNN.forward", "x", x, Wx.dtype)
        _validate.shape("SimpleRNN.forward", "x", x, (None, None, Wx.shape[0]),
                        f"(batch_size, n_sequences, n_features) with n_features={Wx.shape[0]} "
                        f"to match Wx {_validate._fmt(Wx.shape)}")
        if x.shape[1] == 0:
            raise ValueError("SimpleRNN.forward: x must have at least one step (n_sequences >= 1); "
                             f"got {_validate._fmt(x.shape)}")
        self.hs = self._rnn.forward(x)
        return self.hs[:, -1].copy()

    def backward(self, dh):
        if self.hs is None:
            raise RuntimeError("SimpleRNN.backward: call forward before backward")
        dh = _validate.float_array("SimpleRNN.backward", "dh", dh, self.hs.dtype)
        N, T, H = self.hs.shape
        if dh.shape == (N, H):
            dhs = np.zeros_like(self.hs)
            dhs[:, -1] = dh
        elif dh.shape == (N, T, H):
            dhs = dh
        else:
            raise ValueError(f"SimpleRNN.backward: dh must be (batch_size, n_nodes) = ({N}, {H}) for the last "
                             f"state or (batch_size, n_sequences, n_nodes) = ({N}, {T}, {H}); "
                             f"got {_validate._fmt(dh.shape)}")
        return self._rnn.backward(dhs)


class ScratchSimpleRNNClassifier:
    """Sequence classifier of the sprint: SimpleRNN -> Affine -> softmax cross entropy, mini-batch SGD.

    Args: n_nodes (hidden size), lr=0.01, epochs=10, batch_size=10,
    sigma=0.01 (weights sigma * randn, biases zero), verbose=False, dtype
    (float64 default: the sprint does not cast).
    fit(X (n_samples, n_sequences, n_features), y (n_samples,) integer labels,
    X_val=None, y_val=None): the number of classes is max(y) + 1; weights drawn
    from np.random when fit starts (a seed reproduces them); each epoch
    shuffles with np.random.permutation and takes ceil(n / batch_size)
    batches. ``loss`` (and ``val_loss``) hold the mean loss of each epoch.
    predict_proba(X) -> (n_samples, n_classes); predict(X) -> labels.
    """

    def __init__(self, n_nodes, lr=0.01, epochs=10, batch_size=10, sigma=0.01, verbose=False,
                 dtype="float64"):
        if int(n_nodes) != n_nodes or n_nodes < 1:
            raise ValueError(f"ScratchSimpleRNNClassifier: n_nodes must be a positive integer; got {n_nodes!r}")
        if int(batch_size) != batch_size or batch_size < 1:
            raise ValueError(f"ScratchSimpleRNNClassifier: batch_size must be a positive integer; "
                             f"got {batch_size!r}")
        self.n_nodes, self.lr, self.epochs, self.batch_size = int(n_nodes), lr, int(epochs), int(batch_size)
        self.sigma, self.verbose, self.dtype = sigma, verbose, np.dtype(dtype)
        self.rnn = self.affine = None
        self.loss, self.val_loss = [], []

    def _build(self, n_features, n_classes):
        dt, s, H = self.dtype, self.sigma, self.n_nodes
        self.rnn = SimpleRNN((s * np.random.randn(n_features, H)).astype(dt),
                             (s * np.random.randn(H, H)).astype(dt), np.zeros(H, dtype=dt))
        self.affine = Affine((s * np.random.randn(H, n_classes)).astype(dt), np.zeros(n_classes, dtype=dt))
        self.loss_layer = SoftmaxWithLoss()

    def _loss(self, X, y):
        return self.loss_layer.forward(self.affine.forward(self.rnn.forward(X)), y)

    def fit(self, X, y, X_val=None, y_val=None):
        X = _validate.float_array("ScratchSimpleRNNClassifier.fit", "X", X, self.dtype)
        _validate.ndim("ScratchSimpleRNNClassifier.fit", "X", X, (3,),
                       "(n_samples, n_sequences, n_features)")
        y = _validate.labels("ScratchSimpleRNNClassifier.fit", "y", np.asarray(y), np.iinfo(np.int64).max)
        _validate.shape("ScratchSimpleRNNClassifier.fit", "y", y, (X.shape[0],), f"({X.shape[0]},) labels")
        self._build(X.shape[2], int(y.max()) + 1)
        params = self.rnn.params + self.affine.params
        grads = self.rnn.grads + self.affine.grads
        optimizer = SGD(lr=self.lr)
        self.loss, self.val_loss = [], []
        n = X.shape[0]
        for epoch in range(self.epochs):
            idx = np.random.permutation(n)
            total = 0.0
            for start in range(0, n, self.batch_size):
                batch = idx[start:start + self.batch_size]
                total += float(self._loss(X[batch], y[batch])) * len(batch)
                self.rnn.backward(self.affine.backward(self.loss_layer.backward()))
                optimizer.update(params, grads)
            self.loss.append(total / n)
            if X_val is not None:
                self.val_loss.append(float(self._loss(X_val, y_val)))
            if self.verbose:
                print(f"epoch {epoch + 1}/{self.epochs}: loss {self.loss[-1]:.4f}")
        return self

    def predict_proba(self, X):
        if self.rnn is None:
            raise RuntimeError("ScratchSimpleRNNClassifier: call fit before predict")
        scores = self.affine.forward(self.rnn.forward(X))
        e = np.exp(scores - scores.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def predict(self, X):
        return self.predict_proba(X).argmax(axis=1)

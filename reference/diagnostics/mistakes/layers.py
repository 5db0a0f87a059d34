"""Mistakes in the functions, dense layers, their losses and the embeddings (the book's chapter 1, 4).

The bases are plain implementations of the contract (api.md); each mistake
is a subclass (or a function) that changes one line of them.
"""
from __future__ import annotations

import numpy as np

from reference.diagnostics.mistakes.entry import Mistake, fixed

EPS = 1e-7       # the contract's epsilon inside the log of the losses


def _sigmoid(x):
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-x))


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def cross_entropy_error(y, t):
    n = y.shape[0]
    return -np.sum(np.log(y[np.arange(n), t] + EPS)) / n


class MatMul:
    def __init__(self, W):
        self.params, self.grads = [W], [np.zeros_like(W)]

    def forward(self, x):
        self.x = x
        return x @ self.params[0]

    def backward(self, dout):
        self.grads[0][...] = self.x.T @ dout
        return dout @ self.params[0].T


class Affine:
    def __init__(self, W, b):
        self.params, self.grads = [W, b], [np.zeros_like(W), np.zeros_like(b)]

    def forward(self, x):
        self.x = x
        return x @ self.params[0] + self.params[1]

    def backward(self, dout):
        self.grads[0][...] = self.x.T @ dout
        self.grads[1][...] = dout.sum(axis=0)
        return dout @ self.params[0].T


class Sigmoid:
    def __init__(self):
        self.params, self.grads = [], []

    def forward(self, x):
        self.x, self.out = x, _sigmoid(x)
        return self.out

    def backward(self, dout):
        return dout * (1.0 - self.out) * self.out


class Softmax:
    def __init__(self):
        self.params, self.grads = [], []

    def forward(self, x):
        self.out = softmax(x)
        return self.out

    def backward(self, dout):
        y = self.out
        return y * dout - y * np.sum(y * dout, axis=-1, keepdims=True)


class SoftmaxWithLoss:
    def __init__(self):
        self.params, self.grads = [], []

    def forward(self, x, t):
        self.y, self.t = softmax(x), t
        return cross_entropy_error(self.y, t)

    def backward(self, dout=1):
        n = len(self.t)
        dx = self.y.copy()
        dx[np.arange(n), self.t] -= 1
        return dx * dout / n


class SigmoidWithLoss:
    """Logits of any shape (N,), (N, 1), targets of the same size; dx in x's shape."""

    def __init__(self):
        self.params, self.grads = [], []

    def forward(self, x, t):
        self.shape = np.shape(x)
        self.y, self.t = _sigmoid(np.reshape(x, -1)), np.reshape(t, -1)
        p = np.where(self.t == 1, self.y, 1 - self.y)
        return -np.sum(np.log(p + EPS)) / self.t.size

    def backward(self, dout=1):
        return np.reshape(self.dx(dout), self.shape)

    def dx(self, dout):
        return (self.y - self.t) * dout / self.t.size


class Embedding:
    def __init__(self, W):
        self.params, self.grads = [W], [np.zeros_like(W)]

    def forward(self, idx):
        self.idx = idx
        return self.params[0][idx]

    def backward(self, dout):
        dW = self.grads[0]
        dW[...] = 0
        np.add.at(dW, self.idx, dout)


class EmbeddingDot:
    def __init__(self, W):
        self.params, self.grads = [W], [np.zeros_like(W)]

    def forward(self, h, idx):
        self.h, self.idx = h, idx
        self.target_W = self.params[0][idx]
        return np.sum(self.target_W * h, axis=1)

    def backward(self, dout):
        dout = dout.reshape(-1, 1)
        dW = self.grads[0]
        dW[...] = 0
        np.add.at(dW, self.idx, dout * self.h)
        return dout * self.target_W


# -- the mistakes -------------------------------------------------------------------------------

def _sigmoid_sign(x):
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(x))


def _softmax_unshifted(x):
    e = np.exp(x)
    return e / e.sum(axis=-1, keepdims=True)


class SoftmaxUnshifted(Softmax):
    def forward(self, x):
        self.out = _softmax_unshifted(x)
        return self.out


class SoftmaxWithLossUnshifted(SoftmaxWithLoss):
    def forward(self, x, t):
        self.y, self.t = _softmax_unshifted(x), t
        return cross_entropy_error(self.y, t)


def _softmax_whole_array(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum()


def _cee_over_entries(y, t):
    n = y.shape[0]
    return -np.sum(np.log(y[np.arange(n), t] + EPS)) / y.size


def _cee_summed(y, t):
    return cross_entropy_error(y, t) * y.shape[0]


class _DxUsesGrad:
    """dx = dout @ dW.T: the gradient of the weight where the weight belongs."""

    def backward(self, dout):
        super().backward(dout)
        return dout @ self.grads[0].T


class MatMulDxUsesGrad(_DxUsesGrad, MatMul):
    pass


class AffineDxUsesGrad(_DxUsesGrad, Affine):
    pass


class AffineDbMean(Affine):
    def backward(self, dout):
        dx = super().backward(dout)
        self.grads[1][...] = dout.mean(axis=0)
        return dx


class AffineDwMean(Affine):
    def backward(self, dout):
        dx = super().backward(dout)
        self.grads[0][...] /= len(dout)
        return dx


class AffineNoBias(Affine):
    def forward(self, x):
        self.x = x
        return x @ self.params[0]


class SigmoidDerivativeAtInput(Sigmoid):
    def backward(self, dout):
        return dout * (1.0 - self.x) * self.x


class SigmoidAppliedAgain(Sigmoid):
    def backward(self, dout):
        s = _sigmoid(self.out)
        return dout * (1.0 - s) * s


class SigmoidNoDout(Sigmoid):
    def backward(self, dout):
        return (1.0 - self.out) * self.out + 0 * dout


class SoftmaxDiagonalOnly(Softmax):
    def backward(self, dout):
        return dout * self.out * (1 - self.out)


class SoftmaxSumOverBatch(Softmax):
    def backward(self, dout):
        y = self.out
        return y * dout - y * np.sum(y * dout)


class SoftmaxWithLossNoMean(SoftmaxWithLoss):
    def backward(self, dout=1):
        return super().backward(dout) * len(self.t)


class SoftmaxWithLossSummed(SoftmaxWithLoss):
    def forward(self, x, t):
        return super().forward(x, t) * len(t)


class SigmoidWithLossNoMean(SigmoidWithLoss):
    def dx(self, dout):
        return (self.y - self.t) * dout


class SigmoidWithLossSign(SigmoidWithLoss):
    def dx(self, dout):
        return (self.t - self.y) * dout / self.t.size


class EmbeddingAssigns(Embedding):
    def backward(self, dout):
        dW = self.grads[0]
        dW[...] = 0
        dW[self.idx] = dout


class EmbeddingDotAssigns(EmbeddingDot):
    def backward(self, dout):
        dh = super().backward(dout)
        dW = self.grads[0]
        dW[...] = 0
        dW[self.idx] = dout.reshape(-1, 1) * self.h
        return dh


MISTAKES = (
    Mistake("sigmoid-sign", ("sigmoid",), "your sigmoid computes 1 / (1 + exp(x)): the minus sign of "
            "exp(-x) is missing", fixed(_sigmoid_sign)),
    Mistake("softmax-whole-array", ("softmax",), "your softmax divides by the sum of the whole array, "
            "not by each row's sum along the last axis (axis=-1, keepdims=True)", fixed(_softmax_whole_array)),
    Mistake("softmax-no-max-shift", ("softmax", "Softmax", "SoftmaxWithLoss"), "your softmax takes exp(x) "
            "without subtracting each row's max first, so exp overflows (inf / inf = nan) for large logits",
            lambda name: {"softmax": _softmax_unshifted, "Softmax": SoftmaxUnshifted}.get(
                name, SoftmaxWithLossUnshifted)),
    Mistake("cee-divides-by-size", ("cross_entropy_error",), "your cross entropy divides by y.size (N*C), "
            "not by the batch size N", fixed(_cee_over_entries)),
    Mistake("cee-sums", ("cross_entropy_error",), "your cross entropy sums over the batch instead of "
            "averaging (divide by N)", fixed(_cee_summed)),
    Mistake("matmul-dx-uses-dW", ("MatMul",), "your dx uses dW where W belongs: dx = dout @ dW.T instead "
            "of dout @ W.T", fixed(MatMulDxUsesGrad)),
    Mistake("affine-dx-uses-dW", ("Affine",), "your dx uses dW where W belongs: dx = dout @ dW.T instead "
            "of dout @ W.T", fixed(AffineDxUsesGrad)),
    Mistake("affine-db-mean", ("Affine",), "your db averages dout over the batch (mean) where the contract "
            "sums it (dout.sum(axis=0))", fixed(AffineDbMean)),
    Mistake("affine-dW-mean", ("Affine",), "your dW divides x.T @ dout by the batch size; the contract's "
            "dW is not averaged", fixed(AffineDwMean)),
    Mistake("affine-no-bias", ("Affine",), "your forward leaves out the bias: out = x @ W, not x @ W + b",
            fixed(AffineNoBias)),
    Mistake("sigmoid-derivative-at-input", ("Sigmoid",), "your backward takes the sigmoid's derivative "
            "at the input x (x * (1 - x)) instead of at the output y (y * (1 - y))",
            fixed(SigmoidDerivativeAtInput)),
    Mistake("sigmoid-applied-again", ("Sigmoid",), "your backward applies sigmoid again to the cached "
            "output before taking s * (1 - s); the output already is sigmoid(x)", fixed(SigmoidAppliedAgain)),
    Mistake("sigmoid-no-dout", ("Sigmoid",), "your backward returns y * (1 - y) without multiplying by dout",
            fixed(SigmoidNoDout)),
    Mistake("softmax-grad-diagonal", ("Softmax",), "your backward uses only the diagonal of the softmax "
            "Jacobian, dout * y * (1 - y); the contract's dx = y * dout - y * sum(y * dout, axis=-1)",
            fixed(SoftmaxDiagonalOnly)),
    Mistake("softmax-grad-sum-all", ("Softmax",), "your backward sums y * dout over the whole batch, not per "
            "row (axis=-1, keepdims=True)", fixed(SoftmaxSumOverBatch)),
    Mistake("softmax-loss-dx-not-averaged", ("SoftmaxWithLoss",), "your dx is not divided by the batch size: "
            "the loss is a mean, so dx = (y - onehot(t)) * dout / N", fixed(SoftmaxWithLossNoMean)),
    Mistake("softmax-loss-summed", ("SoftmaxWithLoss",), "your loss sums over the batch instead of averaging "
            "(divide by N)", fixed(SoftmaxWithLossSummed)),
    Mistake("sigmoid-loss-dx-not-averaged", ("SigmoidWithLoss",), "your dx is not divided by the batch "
            "size: dx = (y - t) * dout / N", fixed(SigmoidWithLossNoMean)),
    Mistake("sigmoid-loss-dx-sign", ("SigmoidWithLoss",), "your dx has the wrong sign: (t - y) where the "
            "gradient is (y - t)", fixed(SigmoidWithLossSign)),
    Mistake("embedding-assigns", ("Embedding",), "your dW is assigned with dW[idx] = dout, so a repeated id "
            "keeps only its last row; accumulate with np.add.at(dW, idx, dout)", fixed(EmbeddingAssigns)),
    Mistake("embedding-dot-assigns", ("EmbeddingDot",), "your dW is assigned with dW[idx] = ..., so a "
            "repeated id keeps only its last row; accumulate with np.add.at", fixed(EmbeddingDotAssigns)),
)

BASES = {"sigmoid": _sigmoid, "softmax": softmax, "cross_entropy_error": cross_entropy_error, "MatMul": MatMul,
         "Affine": Affine, "Sigmoid": Sigmoid, "Softmax": Softmax, "SoftmaxWithLoss": SoftmaxWithLoss,
         "SigmoidWithLoss": SigmoidWithLoss, "Embedding": Embedding, "EmbeddingDot": EmbeddingDot}

"""Mistakes in the sequence layers and losses: TimeSoftmaxWithLoss (masks, counts), TimeEmbedding, TimeAffine."""
from __future__ import annotations

import numpy as np

from reference.diagnostics.mistakes.entry import Mistake, fixed

IGNORE = -1


class TimeSoftmaxWithLoss:
    """Mean over the labels that count (ts != -1) of -log softmax; 0.0 and zeros when none counts."""

    def __init__(self):
        self.params, self.grads = [], []

    def forward(self, xs, ts):
        if ts.ndim == 3:
            ts = ts.argmax(axis=2)
        mask = ts != IGNORE
        safe = np.where(mask, ts, 0)
        shifted = xs - xs.max(axis=2, keepdims=True)
        total = np.exp(shifted).sum(axis=2, keepdims=True)
        self.ys = np.exp(shifted) / total
        logp = np.take_along_axis(shifted, safe[..., None], axis=2)[..., 0] - np.log(total[..., 0])
        self.safe, self.mask = safe, mask
        return self.loss(logp, mask)

    def count(self, mask):
        return mask.sum()

    def loss(self, logp, mask):
        n = self.count(mask)
        return np.float64(0.0) if n == 0 else -np.sum(np.where(mask, logp, 0)) / n

    def backward(self, dout=1):
        n = self.count(self.mask)
        if n == 0:
            return np.zeros_like(self.ys)
        dxs = self.ys.copy()
        np.put_along_axis(dxs, self.safe[..., None], np.take_along_axis(dxs, self.safe[..., None], 2) - 1, 2)
        return self.grad_mask(dxs * dout / n)

    def grad_mask(self, dxs):
        return dxs * self.mask[..., None]


class TimeEmbedding:
    def __init__(self, W):
        self.params, self.grads = [W], [np.zeros_like(W)]

    def forward(self, xs):
        self.xs = xs
        return self.params[0][xs]

    def backward(self, dout):
        dW = self.grads[0]
        dW[...] = 0
        np.add.at(dW, self.xs, dout)


class TimeAffine:
    def __init__(self, W, b):
        self.params, self.grads = [W, b], [np.zeros_like(W), np.zeros_like(b)]

    def forward(self, x):
        self.x = x
        return x @ self.params[0] + self.params[1]

    def backward(self, dout):
        W = self.params[0]
        rows, outs = dout.reshape(-1, dout.shape[-1]), self.x.reshape(-1, self.x.shape[-1])
        self.grads[0][...] = outs.T @ rows
        self.grads[1][...] = self.bias_grad(dout)
        return dout @ W.T

    def bias_grad(self, dout):
        return dout.reshape(-1, dout.shape[-1]).sum(axis=0)


class CountsEveryLabel(TimeSoftmaxWithLoss):
    def count(self, mask):
        return mask.size


class GradientNotMasked(TimeSoftmaxWithLoss):
    """Unmasked, an ignored label (-1) indexes the last class (dx[rows, ts] -= 1), as in the book's code."""

    def backward(self, dout=1):
        n = self.count(self.mask)
        if n == 0:
            return np.zeros_like(self.ys)
        N, T, V = self.ys.shape
        rows = self.ys.reshape(N * T, V).copy()
        rows[np.arange(N * T), np.where(self.mask, self.safe, IGNORE).reshape(-1)] -= 1
        return rows.reshape(N, T, V) * dout / n


class LossNotMasked(TimeSoftmaxWithLoss):
    def loss(self, logp, mask):
        n = self.count(mask)
        return np.float64(0.0) if n == 0 else -np.sum(logp) / n


class GradientNotAveraged(TimeSoftmaxWithLoss):
    def backward(self, dout=1):
        return super().backward(dout) * self.count(self.mask)


class LossSummed(TimeSoftmaxWithLoss):
    def loss(self, logp, mask):
        return super().loss(logp, mask) * self.count(mask)


class EpsilonInLog(TimeSoftmaxWithLoss):
    def loss(self, logp, mask):
        n = self.count(mask)
        p = np.exp(logp)
        return np.float64(0.0) if n == 0 else -np.sum(np.where(mask, np.log(p + 1e-7), 0)) / n


class TimeEmbeddingAssigns(TimeEmbedding):
    def backward(self, dout):
        dW = self.grads[0]
        dW[...] = 0
        dW[self.xs] = dout


class TimeAffineBiasMean(TimeAffine):
    def bias_grad(self, dout):
        return dout.reshape(-1, dout.shape[-1]).mean(axis=0)


class TimeAffineBiasLastStep(TimeAffine):
    def bias_grad(self, dout):
        return dout[:, -1].sum(axis=0)


MISTAKES = (
    Mistake("tswl-divides-by-all-labels", ("TimeSoftmaxWithLoss",), "your loss divides by N*T, every "
            "label, not by the number of labels that count (ts != -1)", fixed(CountsEveryLabel)),
    Mistake("tswl-gradient-not-masked", ("TimeSoftmaxWithLoss",), "your mask is applied to the loss but "
            "not to the gradient: dxs must be zero where ts == -1", fixed(GradientNotMasked)),
    Mistake("tswl-loss-not-masked", ("TimeSoftmaxWithLoss",), "your mask is applied to the gradient but "
            "not to the loss: ignored labels (ts == -1) must not count in the loss", fixed(LossNotMasked)),
    Mistake("tswl-gradient-not-averaged", ("TimeSoftmaxWithLoss",), "your dxs is not divided by the number "
            "of labels that count: the loss is their mean", fixed(GradientNotAveraged)),
    Mistake("tswl-loss-summed", ("TimeSoftmaxWithLoss",), "your loss sums over the labels instead of "
            "averaging them", fixed(LossSummed)),
    Mistake("tswl-epsilon-in-log", ("TimeSoftmaxWithLoss",), "your loss takes log(p + 1e-7): the contract's "
            "TimeSoftmaxWithLoss uses the exact log-softmax (no epsilon), which matters for unlikely labels",
            fixed(EpsilonInLog)),
    Mistake("time-embedding-assigns", ("TimeEmbedding",), "your dW is assigned with dW[xs] = dout, so an id "
            "repeated over the batch or the steps keeps only its last row; accumulate with np.add.at",
            fixed(TimeEmbeddingAssigns)),
    Mistake("time-affine-db-mean", ("TimeAffine",), "your db averages dout over the batch and the steps; "
            "the contract sums it", fixed(TimeAffineBiasMean)),
    Mistake("time-affine-db-last-step", ("TimeAffine",), "your db sums dout over the batch of the last step "
            "only; it sums over every step as well", fixed(TimeAffineBiasLastStep)),
)

BASES = {"TimeSoftmaxWithLoss": TimeSoftmaxWithLoss, "TimeEmbedding": TimeEmbedding, "TimeAffine": TimeAffine}

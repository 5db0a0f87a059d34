"""Mistakes in dropout: which units are kept, the scaling convention, the mask in backward.

``Dropout`` is the book's (keep where rand > ratio, no rescaling in
training, x * (1 - ratio) at test time); ``TimeDropout`` is inverted
dropout (rescale the kept units by 1 / (1 - ratio), identity at test time).
Both draw one ``np.random.rand(*x.shape)`` per training forward.

Not catalogued: following the other convention (an unscaled TimeDropout,
an inverted Dropout) is a documented alternative, which the judge reports
as a variant, or as a mix of conventions (``reference.judging.variants``).
"""
from __future__ import annotations

import numpy as np

from reference.diagnostics.mistakes.entry import Mistake, fixed


class Dropout:
    def __init__(self, dropout_ratio=0.5):
        self.params, self.grads = [], []
        self.dropout_ratio = dropout_ratio

    def keep(self, shape):
        return np.random.rand(*shape) > self.dropout_ratio

    def forward(self, x, train_flg=True):
        if train_flg:
            self.mask = self.keep(x.shape)
            return x * self.mask
        return x * (1.0 - self.dropout_ratio)

    def backward(self, dout):
        return dout * self.mask


class TimeDropout:
    def __init__(self, dropout_ratio=0.5):
        self.params, self.grads = [], []
        self.dropout_ratio = dropout_ratio
        self.train_flg = True

    def scale(self):
        return 1.0 / (1.0 - self.dropout_ratio)

    def forward(self, xs):
        if self.train_flg:
            keep = np.random.rand(*xs.shape) > self.dropout_ratio
            self.mask = keep.astype(xs.dtype) * xs.dtype.type(self.scale())
            return xs * self.mask
        return xs

    def backward(self, dout):
        return dout * self.mask if self.train_flg else dout


class DropoutKeepsBelow(Dropout):
    def keep(self, shape):
        return np.random.rand(*shape) < self.dropout_ratio


class DropoutBackwardNoMask(Dropout):
    def backward(self, dout):
        return dout


class DropoutEvalScalesByRatio(Dropout):
    def forward(self, x, train_flg=True):
        return super().forward(x, train_flg) if train_flg else x * self.dropout_ratio


class TimeDropoutScalesByRatio(TimeDropout):
    def scale(self):
        return 1.0 / self.dropout_ratio


class TimeDropoutBackwardUnscaled(TimeDropout):
    def backward(self, dout):
        return dout * (self.mask != 0) if self.train_flg else dout


class TimeDropoutEvalScaled(TimeDropout):
    def forward(self, xs):
        return super().forward(xs) if self.train_flg else xs * xs.dtype.type(1.0 - self.dropout_ratio)


MISTAKES = (
    Mistake("dropout-keeps-below-ratio", ("Dropout",), "your mask keeps the units where rand < ratio; the "
            "contract keeps rand > ratio (a ratio is the share dropped)", fixed(DropoutKeepsBelow)),
    Mistake("dropout-backward-without-mask", ("Dropout",), "your backward passes dout through unmasked: "
            "dx = dout * mask, the same mask as forward", fixed(DropoutBackwardNoMask)),
    Mistake("dropout-eval-times-ratio", ("Dropout",), "your test-time output is x * ratio; the book's "
            "Dropout returns x * (1 - ratio), the share kept", fixed(DropoutEvalScalesByRatio)),
    Mistake("time-dropout-scale-by-ratio", ("TimeDropout",), "your TimeDropout rescales by 1 / ratio; the "
            "kept share is 1 - ratio, so the scale is 1 / (1 - ratio)", fixed(TimeDropoutScalesByRatio)),
    Mistake("time-dropout-backward-unscaled", ("TimeDropout",), "your backward masks dout without the "
            "1 / (1 - ratio) scale that forward applied", fixed(TimeDropoutBackwardUnscaled)),
    Mistake("time-dropout-eval-scaled", ("TimeDropout",), "your test-time TimeDropout multiplies by "
            "(1 - ratio); inverted dropout is the identity at test time", fixed(TimeDropoutEvalScaled)),
)

BASES = {"Dropout": Dropout, "TimeDropout": TimeDropout}

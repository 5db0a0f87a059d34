"""Mistakes in the optimizers (the update rules of api.md) and in clip_grads' sibling, the state they keep.

The bases follow the contract's rules (``reference.registry.optimizers.HINTS``);
state starts at zeros, one array per parameter, keyed by position.
"""
from __future__ import annotations

import numpy as np

from reference.diagnostics.mistakes.entry import Mistake

EPS = 1e-7


class SGD:
    def __init__(self, lr=0.01):
        self.lr = lr

    def update(self, params, grads):
        for p, g in zip(params, grads):
            p -= self.lr * self.direction(g)

    def direction(self, g):
        return g


class Momentum(SGD):
    def __init__(self, lr=0.01, momentum=0.9):
        self.lr, self.momentum, self.v = lr, momentum, None

    def update(self, params, grads):
        if self.v is None:
            self.v = [np.zeros_like(p) for p in params]
        for p, g, v in zip(params, grads, self.v):
            self.velocity(v, self.direction(g))
            p += self.step(v, self.direction(g))

    def velocity(self, v, g):
        v *= self.momentum
        v -= self.lr * g

    def step(self, v, g):
        return v


class Nesterov(Momentum):
    def step(self, v, g):
        m = self.momentum
        return m * m * v - (1 + m) * self.lr * g


class StandardNesterov(Momentum):
    def step(self, v, g):
        return self.momentum * v - self.lr * g


class AdaGrad(SGD):
    def __init__(self, lr=0.01):
        self.lr, self.h = lr, None

    def update(self, params, grads):
        if self.h is None:
            self.h = [np.zeros_like(p) for p in params]
        for p, g, h in zip(params, grads, self.h):
            g = self.direction(g)
            self.accumulate(h, g)
            p -= self.lr * g / self.denominator(h)

    def accumulate(self, h, g):
        h += g * g

    def denominator(self, h):
        return np.sqrt(h) + EPS


class RMSprop(AdaGrad):
    def __init__(self, lr=0.01, decay_rate=0.99):
        self.lr, self.decay_rate, self.h = lr, decay_rate, None

    def accumulate(self, h, g):
        h *= self.decay_rate
        h += (1 - self.decay_rate) * g * g


class Adam(SGD):
    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999):
        self.lr, self.beta1, self.beta2 = lr, beta1, beta2
        self.iter, self.m, self.v = 0, None, None

    def update(self, params, grads):
        if self.m is None:
            self.m = [np.zeros_like(p) for p in params]
            self.v = [np.zeros_like(p) for p in params]
        self.iter += 1
        lr_t = self.lr * self.correction(self.iter)
        for p, g, m, v in zip(params, grads, self.m, self.v):
            g = self.direction(g)
            self.moments(m, v, g)
            p -= lr_t * m / self.denominator(v)

    def correction(self, t):
        return np.sqrt(1.0 - self.beta2 ** t) / (1.0 - self.beta1 ** t)

    def moments(self, m, v, g):
        m += (1 - self.beta1) * (g - m)
        v += (1 - self.beta2) * (g * g - v)

    def denominator(self, v):
        return np.sqrt(v) + EPS


BASES = {c.__name__: c for c in (SGD, Momentum, Nesterov, StandardNesterov, AdaGrad, RMSprop, Adam)}


class Uphill:
    def direction(self, g):
        return -g


class VelocityOverwritten:
    def velocity(self, v, g):
        v[...] = -self.lr * g


class EpsilonInsideSqrt:
    def denominator(self, h):
        return np.sqrt(h + EPS)


class AccumulatorOverwritten:
    def accumulate(self, h, g):
        h[...] = g * g


class DecayOnWrongTerm:
    def accumulate(self, h, g):
        h *= 1 - self.decay_rate
        h += self.decay_rate * g * g


class NoBiasCorrection:
    def correction(self, t):
        return 1.0


class BetasSwapped:
    def moments(self, m, v, g):
        m += (1 - self.beta2) * (g - m)
        v += (1 - self.beta1) * (g * g - v)


def _optimizer_mistake(mistake_id: str, names: tuple[str, ...], sentence: str, mixin) -> Mistake:
    def build(name: str):
        return type(name, (mixin, BASES[name]), {})
    return Mistake(mistake_id, names, sentence, build)


MISTAKES = (
    _optimizer_mistake("optimizer-uphill", tuple(BASES), "your parameters move uphill: the update adds "
                       "lr * grad where it must subtract it", Uphill),
    _optimizer_mistake("momentum-velocity-overwritten", ("Momentum", "Nesterov", "StandardNesterov"),
                       "your velocity is overwritten at every step (v = -lr * g) instead of accumulated "
                       "(v = momentum * v - lr * g)", VelocityOverwritten),
    _optimizer_mistake("epsilon-inside-sqrt", ("AdaGrad", "RMSprop", "Adam"), "your epsilon sits inside "
                       "the square root, sqrt(h + 1e-7); the contract adds it outside: sqrt(h) + 1e-7",
                       EpsilonInsideSqrt),
    _optimizer_mistake("adagrad-h-overwritten", ("AdaGrad", "RMSprop"), "your squared-gradient state is "
                       "overwritten at every step (h = g * g) instead of accumulated", AccumulatorOverwritten),
    _optimizer_mistake("rmsprop-decay-on-wrong-term", ("RMSprop",), "your decay multiplies the new g * g "
                       "and (1 - decay) the old h: h = decay * h + (1 - decay) * g * g", DecayOnWrongTerm),
    _optimizer_mistake("adam-no-bias-correction", ("Adam",), "your Adam leaves out the bias correction: "
                       "lr_t = lr * sqrt(1 - beta2**t) / (1 - beta1**t)", NoBiasCorrection),
    _optimizer_mistake("adam-betas-swapped", ("Adam",), "your Adam decays m with beta2 and v with beta1: "
                       "m uses beta1, v uses beta2", BetasSwapped),
)

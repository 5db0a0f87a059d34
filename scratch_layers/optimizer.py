"""Optimizers (the book's ``common/optimizer.py``): ``update(params, grads)``.

Every optimizer updates ``params`` IN PLACE (``p -= ...``), so layers that
hold those arrays see the new values, and keeps its state (velocities,
accumulators, moments) in lists created lazily on the first ``update`` as
``zeros_like`` of each parameter and matched to the parameters by list
position. The state keeps the book's attribute names (``v``, ``h``, ``m``,
``iter``).

dtype: a parameter is updated in its own dtype. Hyperparameters are read as
Python floats at every ``update`` (so ``opt.lr = ...`` between epochs works,
as in the book's scripts), which NumPy treats as "weak" scalars: a float32
array times 0.01 stays float32, whereas a NumPy float64 scalar (``np.sqrt``
of a float, or a hyperparameter given as ``np.float64``) would promote a
float32 update to float64. Adam's ``lr_t`` is computed with ``math``.

Nesterov: the book's ``Nesterov`` updates with the NEW velocity,
``p += m*m*v_new - (1+m)*lr*g``; the standard Nesterov accelerated gradient
that ``torch.optim.SGD(nesterov=True)`` and ``keras.optimizers.SGD(nesterov=True)``
compute uses the OLD one, ``p += m*m*v_old - (1+m)*lr*g`` (equivalently
``v = m*v - lr*g; p += m*v - lr*g``); it is ``StandardNesterov`` here. The
two part from the first step on: after k steps the book's iterate is the
standard one plus ``m*m*v_k`` (see tests/test_optimizers.py).

Shapes: ``params`` and ``grads`` are lists of arrays, ``grads[i].shape ==
params[i].shape``; any number of dimensions.
"""
from __future__ import annotations

import math

from scratch_layers import _validate
from scratch_layers.backend import FLOAT_DTYPES, np

EPS = 1e-7   # the book's epsilon in AdaGrad, RMSprop and Adam, added OUTSIDE the sqrt


def _checked(owner: str, params, grads, state):
    """Validate one ``update`` call; return the grads in the params' dtypes.

    state: a list of arrays from earlier calls (or None): the call must pass
    parameters of the same number and shapes, since state is matched by
    position.
    """
    params, grads = list(params), list(grads)
    if len(params) != len(grads):
        raise ValueError(f"{owner}: params and grads must have the same length; "
                         f"got {len(params)} params and {len(grads)} grads")
    out = []
    for i, (p, g) in enumerate(zip(params, grads)):
        if not hasattr(p, "dtype") or not hasattr(p, "shape"):
            raise TypeError(f"{owner}: params[{i}] must be an array (updated in place); "
                            f"got {type(p).__name__}")
        if p.dtype not in FLOAT_DTYPES:
            raise TypeError(f"{owner}: params[{i}] must be float32 or float64; got {p.dtype}")
        g = _validate.float_array(owner, f"grads[{i}]", g, p.dtype)
        if g.shape != p.shape:
            raise ValueError(f"{owner}: grads[{i}] must have the shape of params[{i}] "
                             f"{_validate._fmt(p.shape)}; got {_validate._fmt(g.shape)}")
        out.append(g)
    if state is not None:
        shapes = [s.shape for s in state]
        if shapes != [p.shape for p in params]:
            raise ValueError(f"{owner}: state is matched to params by position, and this call's "
                             f"params {[_validate._fmt(p.shape) for p in params]} differ from the "
                             f"first call's {[_validate._fmt(s) for s in shapes]}: use one "
                             f"optimizer per parameter list")
    return params, out


def _zeros_like_all(params):
    return [np.zeros_like(p) for p in params]


class SGD:
    """Stochastic gradient descent: ``p -= lr * g``.

    Args: lr (float, 0.01). No state.
    """

    def __init__(self, lr=0.01):
        self.lr = lr

    def update(self, params, grads):
        params, grads = _checked("SGD.update", params, grads, None)
        lr = float(self.lr)
        for p, g in zip(params, grads):
            p -= lr * g


class _VelocityOptimizer:
    """What Momentum and both Nesterov variants share: ``v = m*v - lr*g``, then a step.

    Args: lr (0.01), momentum (0.9). State ``v``: one velocity per parameter.
    Subclasses say only how the parameter moves once ``v`` is updated.
    """

    def __init__(self, lr=0.01, momentum=0.9):
        self.lr = lr
        self.momentum = momentum
        self.v = None

    def update(self, params, grads):
        params, grads = _checked(f"{type(self).__name__}.update", params, grads, self.v)
        if self.v is None:
            self.v = _zeros_like_all(params)
        lr, m = float(self.lr), float(self.momentum)
        for p, g, v in zip(params, grads, self.v):
            v *= m
            v -= lr * g
            self._step(p, g, v, lr, m)

    @staticmethod
    def _step(p, g, v, lr, m):
        raise NotImplementedError


class Momentum(_VelocityOptimizer):
    """Momentum SGD: ``v = momentum*v - lr*g; p += v``.

    Args: lr (0.01), momentum (0.9). State ``v``: one velocity per parameter.
    Equals ``torch.optim.SGD(momentum=m)`` (whose buffer is ``-v / lr``) and
    ``keras.optimizers.SGD(momentum=m)`` at a constant learning rate.
    """

    @staticmethod
    def _step(p, g, v, lr, m):
        p += v


class Nesterov(_VelocityOptimizer):
    """The book's Nesterov variant: ``v = m*v - lr*g; p += m*m*v - (1+m)*lr*g`` (NEW v).

    Args: lr (0.01), momentum (0.9). State ``v``.
    Not the standard NAG of torch and Keras (see ``StandardNesterov`` and
    the module docstring): the two already differ after one step, by
    ``-m*m*lr*g``.
    """

    @staticmethod
    def _step(p, g, v, lr, m):
        p += (m * m) * v
        p -= ((1 + m) * lr) * g


class StandardNesterov(_VelocityOptimizer):
    """Standard Nesterov accelerated gradient, as torch and Keras compute it.

    ``v = m*v - lr*g; p += m*v - lr*g`` (i.e. ``p += m*m*v_old - (1+m)*lr*g``).
    Args: lr (0.01), momentum (0.9). State ``v`` (``-lr`` times torch's
    momentum buffer; Keras's ``momentums``).
    Same as ``torch.optim.SGD(momentum=m, nesterov=True)`` and
    ``keras.optimizers.SGD(momentum=m, nesterov=True)``; the book's
    ``Nesterov`` is a different variant.
    """

    @staticmethod
    def _step(p, g, v, lr, m):
        p += m * v
        p -= lr * g


class AdaGrad:
    """AdaGrad: ``h += g*g; p -= lr * g / (sqrt(h) + 1e-7)``.

    Args: lr (0.01). State ``h`` (starts at zero; epsilon OUTSIDE the sqrt:
    Keras's Adagrad starts at 0.1 and puts it inside).
    """

    def __init__(self, lr=0.01):
        self.lr = lr
        self.h = None

    def update(self, params, grads):
        params, grads = _checked("AdaGrad.update", params, grads, self.h)
        if self.h is None:
            self.h = _zeros_like_all(params)
        lr = float(self.lr)
        for p, g, h in zip(params, grads, self.h):
            h += g * g
            p -= lr * g / (np.sqrt(h) + EPS)


class RMSprop:
    """RMSprop: ``h = decay*h + (1-decay)*g*g; p -= lr * g / (sqrt(h) + 1e-7)``.

    Args: lr (0.01), decay_rate (0.99). State ``h`` (starts at zero).
    Equals ``torch.optim.RMSprop(alpha=decay_rate, eps=1e-7)``.
    """

    def __init__(self, lr=0.01, decay_rate=0.99):
        self.lr = lr
        self.decay_rate = decay_rate
        self.h = None

    def update(self, params, grads):
        params, grads = _checked("RMSprop.update", params, grads, self.h)
        if self.h is None:
            self.h = _zeros_like_all(params)
        lr, decay = float(self.lr), float(self.decay_rate)
        for p, g, h in zip(params, grads, self.h):
            h *= decay
            h += (1 - decay) * g * g
            p -= lr * g / (np.sqrt(h) + EPS)


class Adam:
    """Adam with the book's (and Keras's) "epsilon hat" form.

    ``t += 1; lr_t = lr * sqrt(1 - beta2**t) / (1 - beta1**t);
    m += (1-beta1)*(g-m); v += (1-beta2)*(g*g-v); p -= lr_t * m / (sqrt(v) + 1e-7)``.
    Args: lr (0.001), beta1 (0.9), beta2 (0.999). State ``m``, ``v`` and the
    step count ``iter``.
    torch's Adam adds its epsilon after the bias-corrected sqrt, which equals
    this with epsilon ``1e-7 / sqrt(1 - beta2**t)`` at step t (size of the
    difference: tests/test_optimizer_divergences.py).
    """

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999):
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.iter = 0
        self.m = None
        self.v = None

    def update(self, params, grads):
        params, grads = _checked("Adam.update", params, grads, self.m)
        if self.m is None:
            self.m = _zeros_like_all(params)
            self.v = _zeros_like_all(params)
        self.iter += 1
        t = self.iter
        beta1, beta2 = float(self.beta1), float(self.beta2)
        # Python floats (math, not np): a NumPy float64 scalar would promote float32 params.
        lr_t = float(self.lr) * math.sqrt(1.0 - beta2 ** t) / (1.0 - beta1 ** t)
        for p, g, m, v in zip(params, grads, self.m, self.v):
            m += (1 - beta1) * (g - m)
            v += (1 - beta2) * (g * g - v)
            p -= lr_t * m / (np.sqrt(v) + EPS)


__all__ = ["SGD", "Momentum", "Nesterov", "StandardNesterov", "AdaGrad", "RMSprop", "Adam"]

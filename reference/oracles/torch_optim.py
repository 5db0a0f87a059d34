"""torch.optim equivalents of the book's optimizers: parameter trajectories.

Each adapter makes one leaf tensor per parameter (the sample's dtype), sets
``.grad`` to the step's gradient, calls ``optimizer.step()`` and records the
parameters after every step, stacked like the registry's quantities
(``p0`` (STEPS, D, H), ...). The mapping, from reference/registry/optimizers.py:

| book | torch |
|---|---|
| SGD(lr) | SGD(lr) |
| Momentum(lr, momentum) | SGD(lr, momentum): buffer b = m*b + g, p -= lr*b, i.e. v = -lr*b |
| StandardNesterov(lr, momentum) | SGD(lr, momentum, nesterov=True) |
| Nesterov(lr, momentum) (book variant) | SGD(nesterov=True), then p + m*m*v with v = -lr*buffer |
| AdaGrad(lr) | Adagrad(lr, eps=1e-7, initial_accumulator_value=0, lr_decay=0) |
| RMSprop(lr, decay_rate) | RMSprop(lr, alpha=decay_rate, eps=1e-7) |
| Adam(lr, beta1, beta2) | Adam(lr, betas) with eps = 1e-7 / sqrt(1 - beta2**t) set before step t |
"""
from __future__ import annotations

import math

import numpy as np

from reference.oracles import frameworks
from reference.oracles import adapter
from reference.oracles.autodiff import torch_leaf
from reference.registry.optimizers import hyperparameters

BOOK_EPS = 1e-7   # the book's epsilon in AdaGrad, RMSprop and Adam


def torch_trajectory(sample, make, before_step=None, value=None) -> dict:
    """Run a torch optimizer over the sample's gradient sequence.

    make(torch, tensors) -> optimizer; before_step(optimizer, t) runs before
    step t (1-based); value(optimizer, tensor) -> the recorded NumPy value
    (default: the parameter itself).
    """
    torch = frameworks.torch()
    names = list(sample.params)
    tensors = [torch_leaf(sample.params[n]) for n in names]
    optimizer = make(torch, tensors)
    trajectory = {n: [] for n in names}
    for k in range(sample.inputs["g0"].shape[0]):
        for i, t in enumerate(tensors):
            t.grad = torch.from_numpy(np.ascontiguousarray(sample.inputs[f"g{i}"][k]).copy())
        if before_step is not None:
            before_step(optimizer, k + 1)
        optimizer.step()
        for n, t in zip(names, tensors):
            trajectory[n].append(t.detach().numpy().copy() if value is None else value(optimizer, t))
    return {n: np.stack(v) for n, v in trajectory.items()}


@adapter("torch", "SGD")
def torch_sgd(sample):
    h = hyperparameters("SGD", sample)
    return torch_trajectory(sample, lambda torch, ts: torch.optim.SGD(ts, lr=h["lr"]))


@adapter("torch", "Momentum")
def torch_momentum(sample):
    h = hyperparameters("Momentum", sample)
    return torch_trajectory(sample, lambda torch, ts: torch.optim.SGD(ts, lr=h["lr"], momentum=h["momentum"]))


@adapter("torch", "StandardNesterov")
def torch_standard_nesterov(sample):
    h = hyperparameters("StandardNesterov", sample)
    return torch_trajectory(sample, lambda torch, ts: torch.optim.SGD(
        ts, lr=h["lr"], momentum=h["momentum"], nesterov=True))


@adapter("torch", "Nesterov")
def torch_book_nesterov(sample):
    """The book's variant: torch's NAG iterate plus m*m*v, v = -lr * momentum_buffer."""
    h = hyperparameters("Nesterov", sample)
    lr, m = h["lr"], h["momentum"]

    def book_iterate(optimizer, t):
        buffer = optimizer.state[t]["momentum_buffer"].numpy()
        return t.detach().numpy() - (m * m * lr) * buffer

    return torch_trajectory(sample, lambda torch, ts: torch.optim.SGD(ts, lr=lr, momentum=m, nesterov=True),
                            value=book_iterate)


@adapter("torch", "AdaGrad")
def torch_adagrad(sample):
    h = hyperparameters("AdaGrad", sample)
    return torch_trajectory(sample, lambda torch, ts: torch.optim.Adagrad(
        ts, lr=h["lr"], lr_decay=0.0, initial_accumulator_value=0.0, eps=BOOK_EPS))


@adapter("torch", "RMSprop")
def torch_rmsprop(sample):
    h = hyperparameters("RMSprop", sample)
    return torch_trajectory(sample, lambda torch, ts: torch.optim.RMSprop(
        ts, lr=h["lr"], alpha=h["decay_rate"], eps=BOOK_EPS))


def book_adam_eps_for_torch(beta2: float, t: int, eps: float = BOOK_EPS) -> float:
    """torch's eps that reproduces the book's Adam at step t.

    The book: p -= lr*sqrt(1-b2^t)/(1-b1^t) * m / (sqrt(v) + eps)
                = lr * m_hat / (sqrt(v_hat) + eps / sqrt(1-b2^t));
    torch:    p -= lr * m_hat / (sqrt(v_hat) + eps_torch).
    """
    return eps / math.sqrt(1.0 - beta2 ** t)


@adapter("torch", "Adam")
def torch_adam(sample):
    h = hyperparameters("Adam", sample)

    def set_eps(optimizer, t):
        for group in optimizer.param_groups:
            group["eps"] = book_adam_eps_for_torch(h["beta2"], t)

    return torch_trajectory(sample, lambda torch, ts: torch.optim.Adam(
        ts, lr=h["lr"], betas=(h["beta1"], h["beta2"]), eps=BOOK_EPS), before_step=set_eps)

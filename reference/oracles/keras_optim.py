"""keras.optimizers equivalents of the book's optimizers: parameter trajectories.

Each adapter makes one ``keras.Variable`` per parameter in the sample's
dtype (Keras keeps float64 variables float64), applies the step's gradients
with ``optimizer.apply(grads, variables)`` and records the variables after
every step.

Hyperparameters in float64. By default Keras makes the learning rate a
float32 variable (floatx), and ``ops.cast(0.9, "float64")`` goes through
float32 too (0.8999999761581421), so a float64 run with lr = 0.01 and
momentum = 0.9 differs from the book by ~1e-7 relative (oracles.md; pinned
in tests/test_optimizer_divergences.py). Passing the learning rate as a
callable returning a float64 tensor and every other hyperparameter as
``np.float64`` removes that: the float64 trajectories then equal the book's
bit for bit, at any hyperparameters.

| book | Keras 3 |
|---|---|
| SGD, Momentum | SGD(learning_rate, momentum): m = momentum*m - lr*g; p += m (the book's form) |
| StandardNesterov | SGD(momentum, nesterov=True) |
| Nesterov (book variant) | SGD(nesterov=True), then p + m*m*v with v = the ``momentums`` slot |
| Adam | Adam(beta_1, beta_2, epsilon=1e-7): the book's epsilon-hat formula |
| AdaGrad, RMSprop | none: epsilon inside the sqrt (tests/test_optimizer_divergences.py) |
"""
from __future__ import annotations

import numpy as np

from reference.oracles import frameworks
from reference.oracles import adapter
from reference.registry.optimizers import hyperparameters

BOOK_EPS = 1e-7


def float64_learning_rate(lr: float):
    """A Keras learning rate that is not rounded to float32 (see the module docstring)."""
    tf = frameworks.tf()
    return lambda: tf.constant(lr, dtype=tf.float64)


def exact(value: float, sample):
    """A hyperparameter Keras keeps exact: np.float64 for float64 runs, a Python float otherwise."""
    return np.float64(value) if sample.dtype == np.float64 else float(value)


def keras_trajectory(sample, make, value=None) -> dict:
    """Run a Keras optimizer over the sample's gradient sequence.

    make(keras) -> optimizer; value(optimizer, i, variable) -> the recorded
    NumPy value of parameter i (default: the variable itself).
    """
    keras, tf = frameworks.keras(), frameworks.tf()
    names = list(sample.params)
    dtype = str(sample.dtype)
    variables = [keras.Variable(sample.params[n].copy(), dtype=dtype) for n in names]
    if any(v.dtype != dtype for v in variables):   # a float32 oracle would fail float64 checks for no reason
        raise RuntimeError(f"keras_trajectory: Keras made {[v.dtype for v in variables]} variables; "
                           f"the sample is {dtype}")
    optimizer = make(keras)
    trajectory = {n: [] for n in names}
    for k in range(sample.inputs["g0"].shape[0]):
        grads = [tf.constant(sample.inputs[f"g{i}"][k]) for i in range(len(names))]
        optimizer.apply(grads, variables)
        for i, (n, v) in enumerate(zip(names, variables)):
            trajectory[n].append(np.array(v.numpy()) if value is None else value(optimizer, i, v))
    return {n: np.stack(t) for n, t in trajectory.items()}


def _sgd(h, sample, nesterov=False):
    def make(keras):
        momentum = exact(h["momentum"], sample) if "momentum" in h else 0.0
        return keras.optimizers.SGD(learning_rate=float64_learning_rate(h["lr"]), momentum=momentum,
                                    nesterov=nesterov)
    return make


@adapter("keras", "SGD")
def keras_sgd(sample):
    return keras_trajectory(sample, _sgd(hyperparameters("SGD", sample), sample))


@adapter("keras", "Momentum")
def keras_momentum(sample):
    return keras_trajectory(sample, _sgd(hyperparameters("Momentum", sample), sample))


@adapter("keras", "StandardNesterov")
def keras_standard_nesterov(sample):
    return keras_trajectory(sample, _sgd(hyperparameters("StandardNesterov", sample), sample, nesterov=True))


@adapter("keras", "Nesterov")
def keras_book_nesterov(sample):
    """The book's variant: Keras's NAG iterate plus m*m*v, v = the ``momentums`` slot."""
    h = hyperparameters("Nesterov", sample)
    m = h["momentum"]

    def book_iterate(optimizer, i, variable):
        return np.array(variable.numpy()) + (m * m) * np.array(optimizer.momentums[i].numpy())

    return keras_trajectory(sample, _sgd(h, sample, nesterov=True), value=book_iterate)


@adapter("keras", "Adam")
def keras_adam(sample):
    h = hyperparameters("Adam", sample)
    return keras_trajectory(sample, lambda keras: keras.optimizers.Adam(
        learning_rate=float64_learning_rate(h["lr"]), beta_1=exact(h["beta1"], sample),
        beta_2=exact(h["beta2"], sample), epsilon=exact(BOOK_EPS, sample)))

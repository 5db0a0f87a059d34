"""The checks can fail: a mutation self-test of the harness.

For every entry, quantity and oracle, the bundled implementation's result
perturbed by a relative 1e-3 must be rejected; and the driver must catch the
in-place mistakes real student code makes (a rebound ``grads[i]``, an input
modified by forward).
"""
from __future__ import annotations

import numpy as np
import pytest

from reference.registry import drive
from reference import registry
from reference.registry.cases import TELLING_SIZES, Case, fixed_sizes
from reference.judging.check import compare_all, expected
from reference.registry.layers import ENTRIES as LAYER_ENTRIES
from tests.generated import require

PERTURBATION = 1e-3
TARGETS = [(c, o, d, q) for c, o, d in registry.checks() for q in c.quantities_for(o, d)]


@pytest.mark.parametrize("component, oracle, dtype, quantity", TARGETS,
                         ids=[f"{c.id}-{q}-{o}-{d}" for c, o, d, q in TARGETS])
def test_relative_perturbation_is_caught(component, oracle, dtype, quantity, impl):
    require(oracle)
    case = Case(dtype, fixed_sizes(component.sizes, TELLING_SIZES), 11)
    sample = component.sample(case)
    obj = impl.find(component.name)
    actual = dict(drive.run(component, obj, sample).quantities)
    reference = expected(component, oracle, sample, obj)
    (clean,) = compare_all(component, oracle, case, actual, reference, sample.steps, quantities=[quantity])
    assert clean.ok, clean.message()
    value = np.asarray(actual[quantity])
    # An all-zero quantity (e.g. the gradient of a batch whose labels are all
    # ignored) cannot be perturbed relatively: shift it by PERTURBATION instead.
    actual[quantity] = (value * value.dtype.type(1 + PERTURBATION) if np.any(value)
                        else value + value.dtype.type(PERTURBATION))
    (mutated,) = compare_all(component, oracle, case, actual, reference, sample.steps, quantities=[quantity])
    assert not mutated.ok, f"a {PERTURBATION:g} relative error in {quantity} went unnoticed: {mutated.message()}"


class _RebindingAffine:
    """Affine whose backward rebinds grads instead of writing into them (a real student bug)."""

    def __init__(self, W, b):
        self.params, self.grads = [W, b], [np.zeros_like(W), np.zeros_like(b)]

    def forward(self, x):
        self.x = x
        return x @ self.params[0] + self.params[1]

    def backward(self, dout):
        self.grads = [self.x.T @ dout, dout.sum(axis=0)]
        return dout @ self.params[0].T


class _InputClobberingSigmoid:
    """Sigmoid that negates its input in place."""

    def __init__(self):
        self.params, self.grads = [], []

    def forward(self, x):
        np.negative(x, out=x)
        self.y = 1 / (1 + np.exp(x))
        return self.y

    def backward(self, dout):
        return dout * self.y * (1 - self.y)


def _entry(name):
    return next(c for c in LAYER_ENTRIES if c.id == name)


def test_driver_reports_rebound_grads():
    component = _entry("Affine")
    outcome = drive.run(component, _RebindingAffine, component.sample(Case("float64", dict(TELLING_SIZES), 1)))
    assert any("rebound instead of written in place" in p for p in outcome.problems), outcome.problems


def test_driver_reports_modified_input():
    component = _entry("Sigmoid")
    outcome = drive.run(component, _InputClobberingSigmoid,
                        component.sample(Case("float64", fixed_sizes(component.sizes, TELLING_SIZES), 1)))
    assert outcome.problems == ["input 'x' was modified in place by forward/backward"]

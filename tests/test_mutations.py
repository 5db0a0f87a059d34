"""The checks can fail: a mutation self-test of the harness.

For every entry, oracle (torch, Keras, finite differences and the golden
recordings of the frameworks), dtype and fixed case (distinct sizes and unit
sizes, as the judge runs them), every quantity of the bundled
implementation's result perturbed by a relative 1e-3 must be rejected; and
the driver must catch the in-place mistakes real student code makes (a
rebound ``grads[i]``, an input modified by forward, a per-tensor clip).
"""
from __future__ import annotations

import numpy as np
import pytest

from reference.registry import drive
from reference import registry
from reference.golden.cases import DEFAULT_SEED
from reference.registry.cases import DTYPES, TELLING_SIZES, UNIT_SIZES, Case, fixed_sizes
from reference.judging.check import compare_all, expected
from reference.judging.sources import Golden
from reference.registry.layers import ENTRIES as LAYER_ENTRIES
from tests.generated import require

PERTURBATION = 1e-3
SIZE_SETS = {"distinct-sizes": TELLING_SIZES, "unit-sizes": UNIT_SIZES}
CHECKS = registry.checks()
GOLDEN_CHECKS = [(c, o, d) for c in registry.COMPONENTS for o in c.oracles if o != "fd64" for d in DTYPES]


def _perturbed(value) -> np.ndarray:
    """``value`` off by a relative PERTURBATION (an all-zero quantity, e.g. the gradient of a batch whose
    labels are all ignored, cannot be perturbed relatively: shifted by PERTURBATION instead)."""
    value = np.asarray(value)
    kind = value.dtype.type if value.dtype.kind == "f" else np.float64
    return value * kind(1 + PERTURBATION) if np.any(value) else value + kind(PERTURBATION)


def _assert_perturbations_caught(component, oracle, case, actual, reference, steps):
    """Every quantity the oracle judges passes as computed and fails once perturbed."""
    missed = []
    quantities = [q for q in component.quantities_for(oracle, case.dtype) if q in reference]
    assert quantities, f"{oracle} judges no quantity of {component.id} in {case}"
    for q in quantities:
        (clean,) = compare_all(component, oracle, case, actual, reference, steps, quantities=[q])
        assert clean.ok, clean.message()
        (mutated,) = compare_all(component, oracle, case, {**actual, q: _perturbed(actual[q])}, reference, steps,
                                 quantities=[q])
        if mutated.ok:
            missed.append(mutated.message())
    assert not missed, f"a {PERTURBATION:g} relative error went unnoticed:\n" + "\n".join(missed)


def _case(component, dtype, sizes) -> Case:
    return Case(dtype, fixed_sizes(component.sizes, sizes), DEFAULT_SEED)


@pytest.mark.parametrize("component, oracle, dtype", CHECKS, ids=[f"{c.id}-{o}-{d}" for c, o, d in CHECKS])
@pytest.mark.parametrize("sizes", SIZE_SETS.values(), ids=SIZE_SETS.keys())
def test_relative_perturbation_is_caught(component, oracle, dtype, sizes, impl):
    require(oracle)
    case = _case(component, dtype, sizes)
    sample = component.sample(case)
    obj = impl.find(component.name)
    actual = dict(drive.run(component, obj, sample).quantities)
    _assert_perturbations_caught(component, oracle, case, actual, expected(component, oracle, sample, obj),
                                 sample.steps)


@pytest.mark.parametrize("component, oracle, dtype", GOLDEN_CHECKS,
                         ids=[f"{c.id}-golden:{o}-{d}" for c, o, d in GOLDEN_CHECKS])
@pytest.mark.parametrize("sizes", SIZE_SETS.values(), ids=SIZE_SETS.keys())
def test_relative_perturbation_is_caught_by_golden_cases(component, oracle, dtype, sizes, impl):
    case = _case(component, dtype, sizes)
    sample = component.sample(case)
    source = Golden(f"golden:{oracle}", oracle)
    reference = source.expected(component, case, sample, None)
    assert reference is not None, source.reason
    actual = dict(drive.run(component, impl.find(component.name), sample).quantities)
    _assert_perturbations_caught(component, oracle, case, actual, reference, sample.steps)


def _per_tensor_clip(grads, max_norm):
    """clip_grads that clips each gradient by its own norm (a real student mistake)."""
    for g in grads:
        rate = max_norm / (np.sqrt(np.sum(g ** 2)) + 1e-6)
        if rate < 1:
            g *= rate


@pytest.mark.parametrize("oracle", ["torch", "keras", "golden:torch", "golden:keras"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("sizes", SIZE_SETS.values(), ids=SIZE_SETS.keys())
def test_per_tensor_clip_fails_against_every_oracle(oracle, dtype, sizes):
    component = registry.get("clip_grads[above]")
    case = _case(component, dtype, sizes)
    sample = component.sample(case)
    base = oracle.split(":")[-1]
    if oracle.startswith("golden:"):
        source = Golden(oracle, base)
        reference = source.expected(component, case, sample, None)
        assert reference is not None, source.reason
    else:
        require(base)
        reference = expected(component, base, sample)
    actual = drive.run(component, _per_tensor_clip, sample).quantities
    comparisons = compare_all(component, base, case, actual, reference, sample.steps)
    wrong = {c.quantity.split(" ", 1)[0] for c in comparisons if not c.ok}
    assert "direction" in wrong and "norm" in wrong and wrong & {"g0", "g1", "g2", "g3", "g4"}, \
        f"a per-tensor clip passed {oracle} on {sorted(set(component.quantities) - wrong)}"


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

"""Every registry entry against every oracle it names, in float32 and float64.

Generated: one test per (component, oracle, dtype) and kind of case, with
ids like ``Affine-torch-float32``. Each test compares every quantity and
reports all the wrong ones with numbers, hint and repro line.
"""
from __future__ import annotations

import pytest
from hypothesis import given

from reference.registry import drive, strategies
from reference import registry
from reference.registry.cases import TELLING_SIZES, UNIT_SIZES, Case, fixed_sizes
from reference.judging.check import check, compare_all, expected
from tests.generated import find, require

CHECKS = registry.checks()
IDS = [f"{c.id}-{o}-{d}" for c, o, d in CHECKS]
FIXED_SEED = 20261122


@pytest.mark.parametrize("component, oracle, dtype", CHECKS, ids=IDS)
@pytest.mark.parametrize("sizes", [TELLING_SIZES, UNIT_SIZES], ids=["distinct-sizes", "unit-sizes"])
def test_matches_oracle_on_fixed_case(component, oracle, dtype, sizes, impl):
    require(oracle)
    find(impl, component)
    result = check(component, oracle, impl, Case(dtype, fixed_sizes(component.sizes, sizes), FIXED_SEED))
    if not result.ok:
        pytest.fail(result.report(), pytrace=False)


@pytest.mark.parametrize("component, oracle, dtype", CHECKS, ids=IDS)
@given(data=strategies.st.data())
def test_matches_oracle_on_drawn_cases(component, oracle, dtype, impl, data):
    require(oracle)
    find(impl, component)
    case = data.draw(strategies.cases(component, dtype), label="case")
    result = check(component, oracle, impl, case)
    if not result.ok:
        pytest.fail(result.report(), pytrace=False)


DIVERGENCES = [(c, d) for c in registry.COMPONENTS for d in c.divergences]


@pytest.mark.parametrize("component, divergence", DIVERGENCES,
                         ids=[f"{c.id}-{d.quantity}-{d.oracle}" for c, d in DIVERGENCES])
def test_known_divergence_still_diverges(component, divergence, impl):
    """A documented divergence must still exist: if it vanished, the entry is out of date."""
    require(divergence.oracle)
    dtype = divergence.dtype or "float64"
    case = Case(dtype, fixed_sizes(component.sizes, TELLING_SIZES), FIXED_SEED)
    sample = component.sample(case)
    actual = drive.run(component, find(impl, component), sample).quantities
    ref = expected(component, divergence.oracle, sample, find(impl, component))
    (comparison,) = compare_all(component, divergence.oracle, case, actual, ref, sample.steps,
                                quantities=[divergence.quantity])
    assert not comparison.ok, (f"{component.id}.{divergence.quantity} now agrees with "
                               f"{divergence.oracle}; the divergence '{divergence.reason}' is gone")

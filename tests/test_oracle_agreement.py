"""The oracles agree with each other before they judge anyone.

For every entry, every pair of its oracles (torch~keras, torch~fd64,
keras~fd64) must agree on every quantity they share, at the entry's
tolerance. fd64 differentiates the other framework's forward, so this also
checks each adapter's layout conversions of the gradients. A failure here is
a fault of the reference, never of the implementation under test.
"""
from __future__ import annotations

import pytest

from reference import registry
from reference.registry.cases import TELLING_SIZES, UNIT_SIZES, Case, fixed_sizes
from reference.judging.check import agree
from tests.generated import require

PAIRS = registry.oracle_pairs()


@pytest.mark.parametrize("component, oracle_a, oracle_b, dtype", PAIRS,
                         ids=[f"{c.id}-{a}~{b}-{d}" for c, a, b, d in PAIRS])
@pytest.mark.parametrize("sizes", [TELLING_SIZES, UNIT_SIZES], ids=["distinct-sizes", "unit-sizes"])
def test_oracles_agree(component, oracle_a, oracle_b, dtype, sizes):
    require(oracle_a, oracle_b)
    result = agree(component, oracle_a, oracle_b, Case(dtype, fixed_sizes(component.sizes, sizes), 7))
    assert result.comparisons, f"{oracle_a} and {oracle_b} share no quantity for {component.id}"
    if not result.ok:
        pytest.fail("reference fault, not the implementation's:\n" + result.report(), pytrace=False)

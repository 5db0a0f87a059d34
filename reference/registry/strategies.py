"""Hypothesis strategies for drawn cases (imported by tests only).

Sizes are drawn inside each entry's declared ranges, 1 included, so the
edge cases N=1, T=1, H=1 come up; seeds are drawn too. Draws are labelled so
a failing example prints which size was which.
"""
from __future__ import annotations

from hypothesis import strategies as st

from reference.registry.cases import Case
from reference.registry.component import Component

SEEDS = st.integers(min_value=0, max_value=2**31 - 1)


@st.composite
def cases(draw, component: Component, dtype: str) -> Case:
    """A Case for ``component`` in ``dtype``: every size within its range, any seed."""
    sizes = {name: draw(st.integers(lo, hi), label=name) for name, (lo, hi) in component.sizes.items()}
    return Case(dtype, sizes, draw(SEEDS, label="seed"))

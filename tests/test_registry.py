"""The registry itself: entries are complete, and bad entries are refused."""
from __future__ import annotations

import pytest

from reference import oracles, registry
from reference.sandbox.implementation import Implementation
from reference.registry.cases import TELLING_SIZES, Case, fixed_sizes
from reference.registry.component import Component, Divergence, Override
from tests.generated import require

FRAMEWORK_PAIRS = [(c, o) for c in registry.COMPONENTS for o in c.oracles if o != "fd64"]


@pytest.mark.parametrize("component, oracle", FRAMEWORK_PAIRS,
                         ids=[f"{c.id}-{o}" for c, o in FRAMEWORK_PAIRS])
def test_every_listed_framework_oracle_has_an_adapter(component, oracle):
    require(oracle)
    table = oracles.adapters(oracle)
    assert component.id in table or component.name in table, f"no {oracle} adapter for {component.id}"


def test_every_entry_is_implemented_by_scratch_layers():
    impl = Implementation.bundled()
    missing = [c.id for c in registry.COMPONENTS if not impl.has(c.name)]
    assert not missing, f"registry entries scratch_layers does not define: {missing}"


@pytest.mark.parametrize("component", registry.COMPONENTS, ids=str)
def test_telling_sample_is_reproducible_and_in_the_case_dtype(component):
    case = Case("float32", fixed_sizes(component.sizes, TELLING_SIZES), 5)
    a, b = component.sample(case), component.sample(case)
    for name, value in {**a.params, **a.inputs}.items():
        other = {**b.params, **b.inputs}[name]
        assert repr(value) == repr(other), f"{component.id}: {name} differs between two draws of one case"
        if getattr(value, "dtype", None) is not None and value.dtype.kind == "f":
            assert value.dtype == "float32", f"{component.id}: {name} is {value.dtype} in a float32 case"


@pytest.mark.parametrize("component", registry.COMPONENTS, ids=str)
def test_telling_sizes_are_pairwise_distinct(component):
    """A transposed or swapped operand must fail with a shape error or an O(1) difference (cases.TELLING_SIZES)."""
    sizes = fixed_sizes(component.sizes, TELLING_SIZES)
    assert len(set(sizes.values())) == len(sizes), f"{component.id}: telling sizes {sizes} repeat a size"
    assert all(lo <= sizes[k] <= hi for k, (lo, hi) in component.sizes.items())


def test_clamped_telling_sizes_move_to_the_nearest_free_size():
    assert fixed_sizes({"T": (1, 4), "D": (1, 7)}, TELLING_SIZES) == {"T": 4, "D": 5}     # D=4 would equal T
    assert fixed_sizes({"N": (1, 4), "K": (1, 3)}, TELLING_SIZES) == {"N": 3, "K": 2}     # K=3 would equal N
    assert fixed_sizes({"T": (1, 4), "D": (1, 7)}, {"T": 1, "D": 1}) == {"T": 1, "D": 1}  # unit sizes: equal


def _entry(**overrides):
    fields = dict(name="X", kind="layer", module="layers", sample=lambda case: None, sizes={"N": (1, 2)},
                  oracles=("torch",), quantities=("out",))
    fields.update(overrides)
    return Component(**fields)


@pytest.mark.parametrize("overrides, message", [
    (dict(kind="thing"), "kind must be one of"),
    (dict(oracles=("torch", "jax")), r"unknown oracle\(s\) \['jax'\]"),
    (dict(quantities=()), "no quantities"),
    (dict(kind="custom"), "needs a run= driver"),
    (dict(divergences=(Divergence("keras", "out", "why"),)), "divergence names oracle 'keras'"),
    (dict(overrides=(Override("dW", 2.0, "why"),)), "'dW' is not one of its quantities"),
])
def test_an_incomplete_entry_is_refused_naming_what_is_wrong(overrides, message):
    with pytest.raises(ValueError, match=message):
        _entry(**overrides)


def test_ids_are_unique_and_get_finds_them():
    ids = [c.id for c in registry.COMPONENTS]
    assert len(ids) == len(set(ids))
    assert registry.get("Affine").name == "Affine"
    with pytest.raises(KeyError, match="no component 'Nope'"):
        registry.get("Nope")

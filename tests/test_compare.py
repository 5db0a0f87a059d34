"""The comparison helper and the tolerance policy."""
from __future__ import annotations

import numpy as np
import pytest

from reference.registry.compare import assert_close, compare
from reference.registry.tolerances import F32, F32_BPTT, FD64, Tolerance, default_for


def test_allowed_error_scales_with_the_largest_reference_value():
    tol = Tolerance(1e-6)
    assert tol.allowed(np.array([0.001, -250.0])) == pytest.approx(2.5e-4)
    assert tol.allowed(np.zeros(3)) == pytest.approx(1e-6), "an all-zero reference is judged absolutely"


def test_bptt_budget_grows_linearly_beyond_its_reference_length():
    ref = np.ones(4)
    assert F32_BPTT.allowed(ref, steps=1) == F32_BPTT.allowed(ref, steps=35)
    assert F32_BPTT.allowed(ref, steps=140) == pytest.approx(4 * F32_BPTT.allowed(ref, steps=35))
    assert F32.allowed(ref, steps=140) == F32.allowed(ref, steps=1), "non-recurrent tolerances do not grow"


def test_tolerance_rejects_nonsense():
    with pytest.raises(ValueError, match="rel_to_max"):
        Tolerance(0.0)
    with pytest.raises(ValueError, match="steps_per_budget"):
        Tolerance(1e-6, steps_per_budget=0)
    with pytest.raises(ValueError, match="float32 or float64"):
        default_for("float16")


def test_mismatch_message_names_quantity_difference_place_allowance_and_case():
    ref = np.arange(12.0).reshape(3, 4)
    got = ref.copy()
    got[2, 1] += 0.5
    result = compare(got, ref, F32, quantity="dW of Affine vs torch", context="float32 N=3 D=4 seed=1")
    assert not result.ok
    text = result.message()
    for piece in ("dW of Affine vs torch", "float32 N=3 D=4 seed=1", "mismatched 1/12",
                  "greatest abs diff 5.00e-01 at (2, 1)", f"allowed {F32.allowed(ref):.2e}",
                  "greatest rel diff 5.56e-02"):
        assert piece in text, f"{piece!r} missing from:\n{text}"


def test_close_values_pass_and_report_their_margin():
    ref = np.linspace(-1, 1, 5)
    result = compare(ref * (1 + 1e-8), ref, F32, quantity="out")
    assert result.ok and result.max_abs_error < result.allowed


@pytest.mark.parametrize("got, problem", [
    (None, "missing"),
    (np.zeros((4, 3)), "shape (4, 3), expected (3, 4) (same size: reshape"),
    (np.zeros(5), "shape (5,), expected (3, 4)"),
])
def test_missing_and_misshapen_results_fail_with_a_sentence(got, problem):
    result = compare(got, np.zeros((3, 4)), F32, quantity="dx")
    assert not result.ok and problem in result.problem


def test_nan_where_the_reference_is_finite_fails():
    got = np.array([1.0, np.nan, 3.0])
    result = compare(got, np.array([1.0, 2.0, 3.0]), FD64, quantity="dx")
    assert not result.ok and "non-finite value nan at (1,)" in result.problem


def test_matching_infinities_are_equal():
    ref = np.array([np.inf, -np.inf, 1.0])
    assert compare(ref.copy(), ref, F32, quantity="out").ok


def test_scalars_compare_as_zero_d_arrays():
    assert compare(np.float32(2.0), 2.0, F32, quantity="loss").ok
    assert not compare(2.1, 2.0, F32, quantity="loss").ok


def test_assert_close_raises_with_the_message():
    with pytest.raises(AssertionError, match="greatest abs diff"):
        assert_close(np.ones(3) * 2, np.ones(3), F32, quantity="out")

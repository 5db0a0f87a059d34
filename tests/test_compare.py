"""The comparison helper and the tolerance policy."""
from __future__ import annotations

import numpy as np
import pytest

from reference import registry
from reference.registry.cases import TELLING_SIZES, Case, fixed_sizes
from reference.registry.compare import assert_close, compare
from reference.registry.tolerances import CANCELLATION, F32, F32_BPTT, F64, FD64, Tolerance, default_for


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


INF, NAN = np.inf, np.nan


@pytest.mark.parametrize("got, ref", [
    ([INF, 123.0], [INF, 1.0]),          # the finite part is wrong: an inf elsewhere must not hide it
    ([-INF, 1.0], [INF, 1.0]),           # the other infinity
    ([INF, 1.0], [-INF, 1.0]),
    ([5.0, 1.0], [INF, 1.0]),            # finite where the reference is infinite
    ([NAN, 1.0], [INF, 1.0]),
    ([INF, 1.0], [NAN, 1.0]),            # infinite where the reference is nan
    ([0.0, 1.0], [NAN, 1.0]),            # finite where the reference is nan
    ([NAN, 1.0], [2.0, 1.0]),            # nan where the reference is finite
], ids=["finite-part", "-inf-for-inf", "inf-for--inf", "finite-for-inf", "nan-for-inf", "inf-for-nan",
        "finite-for-nan", "nan-for-finite"])
def test_non_finite_references_must_be_matched_exactly(got, ref):
    result = compare(np.array(got), np.array(ref), F32, quantity="out")
    assert not result.ok, result.message()


@pytest.mark.parametrize("ref", [[INF, -INF, 1.0], [NAN, 2.0, -INF], [NAN, NAN, NAN]])
def test_the_same_non_finite_values_pass(ref):
    ref = np.array(ref)
    assert compare(ref.copy(), ref, F32, quantity="out").ok


def test_allowed_error_comes_from_the_finite_reference_values_only():
    ref = np.array([INF, 2.0, NAN])
    result = compare(ref * (1 + 1e-3), ref, F32, quantity="out")
    assert result.allowed == pytest.approx(F32.allowed(np.array([2.0]))), "an inf must not make the bar infinite"
    assert not result.ok and result.mismatched == 1 and result.where == (1,)


def test_a_wrong_infinity_is_named():
    result = compare(np.array([1.0, -INF]), np.array([1.0, INF]), F32, quantity="out")
    assert "value -inf at (1,) where the reference is inf" in result.problem


def test_cancellation_term_follows_the_float32_oracles_own_error():
    """float32 budget: at least CANCELLATION x max|oracle32 - oracle64| (only with that float64 result)."""
    ref32 = np.array([1e-3, -2e-3, 1.0], dtype=np.float32)
    ref64 = ref32.astype(np.float64) + np.array([0.0, 1e-6, 0.0])   # the oracle's own float32 error: 1e-6
    plain = F32.allowed(ref32)
    assert F32.allowed(ref32, reference64=ref64) == pytest.approx(max(plain, CANCELLATION * 1e-6))
    assert F32.allowed(ref32, reference64=None) == plain
    assert F64.allowed(ref32, reference64=ref64) == F64.allowed(ref32), "float64 has no cancellation term"
    inside = ref32.astype(np.float64) + np.array([0.0, 0.9 * CANCELLATION * 1e-6, 0.0])
    outside = ref32.astype(np.float64) + np.array([0.0, 1.1 * CANCELLATION * 1e-6, 0.0])
    assert compare(inside, ref32, F32, quantity="dx", expected64=ref64).ok
    assert not compare(inside, ref32, F32, quantity="dx").ok, "without the float64 result the plain bar holds"
    failed = compare(outside, ref32, F32, quantity="dx", expected64=ref64)
    assert not failed.ok and (f"allowed {CANCELLATION * 1e-6:.2e} (the oracle's own float32 error here x "
                              f"{CANCELLATION:g})") in failed.message()


def test_cancellation_term_ignores_a_float64_result_that_does_not_fit():
    ref = np.ones(3, dtype=np.float32)
    assert F32.allowed(ref, reference64=np.zeros(4)) == F32.allowed(ref)
    result = compare(ref, ref, F32, quantity="out", expected64=np.array([INF, 1.0, 1.0]))
    assert result.ok and result.allowed == F32.allowed(ref)


def test_scalars_compare_as_zero_d_arrays():
    assert compare(np.float32(2.0), 2.0, F32, quantity="loss").ok
    assert not compare(2.1, 2.0, F32, quantity="loss").ok


def test_assert_close_raises_with_the_message():
    with pytest.raises(AssertionError, match="greatest abs diff"):
        assert_close(np.ones(3) * 2, np.ones(3), F32, quantity="out")


def test_further_float64_results_are_computed_only_where_the_ones_at_hand_leave_an_element_outside():
    from reference.registry.compare import Estimates

    calls = []

    def rest():
        calls.append(1)
        return (np.array([1.0, 0.0]),)       # the oracle's own float32 error: 1e-3 on the second element

    ref = np.array([1.0, 1e-3], dtype=np.float32)
    close = compare(ref * np.float32(1 + 1e-7), ref, F32, quantity="x", expected64=Estimates((ref + 0.0,), rest))
    assert close.ok and not calls, "within the plain allowance: no extra oracle runs"
    off = np.array([1.0, 1e-3 + 1e-3], dtype=np.float32)
    rescued = compare(off, ref, F32, quantity="x", expected64=Estimates((ref.astype(np.float64),), rest))
    assert calls == [1] and rescued.ok and rescued.allowed == pytest.approx(CANCELLATION * 1e-3, rel=1e-3)
    wrong = compare(off * np.float32(100), ref, F32, quantity="x", expected64=Estimates((), rest))
    assert not wrong.ok and calls == [1, 1]


# -- where the float64 results come from (judging.check, judging.sources) ------------------------------

def _softmax_case(dtype):
    from reference import registry
    from reference.golden.cases import DEFAULT_SEED
    from reference.registry.cases import TELLING_SIZES, Case, fixed_sizes

    component = registry.get("Softmax")
    return component, Case(dtype, fixed_sizes(component.sizes, TELLING_SIZES), DEFAULT_SEED)


def test_a_float32_oracle_result_carries_float64_results_of_the_same_oracle():
    from reference.judging.check import NUDGED_RUNS, expected, float64_results
    from tests.generated import require

    require("torch")
    component, case = _softmax_case("float32")
    sample = component.sample(case)
    reference = expected(component, "torch", sample)
    assert reference.float64 == {} and reference._computed is None, "computed only when a comparison needs them"
    assert [np.asarray(r).dtype for r in reference.more_float64("dx")] == [np.float64] * (2 + NUDGED_RUNS), \
        "the float32 sample cast to float64, the float64 sample it rounds, and one per nudged sample"
    again = float64_results(component, "torch", sample, dict(reference))
    assert list(again) == ["cast", "wide"] + [f"nudged {k}" for k in range(1, NUDGED_RUNS + 1)]
    for r, r2 in zip(reference.more_float64("dx"), (v["dx"] for v in again.values())):
        assert np.array_equal(r, r2), "seeded by the case: a repro line repeats the verdict"
    for k in range(1, NUDGED_RUNS + 1):
        own_error = np.max(np.abs(again[f"nudged {k}"]["dx"] - reference["dx"]))
        assert 0 < own_error < 1e-6, "the oracle's float32 rounding on a neighbouring sample: small, not nil"
    plain = expected(component, "torch", component.sample(case.with_dtype("float64")))
    assert not hasattr(plain, "float64"), "a float64 case has no cancellation term"


def test_a_nudged_sample_is_a_neighbour_in_its_dtype_and_leaves_exact_values():
    component = registry.get("SoftmaxWithLoss")
    sample = component.sample(Case("float32", fixed_sizes(component.sizes, TELLING_SIZES), 3))
    sample = sample.replace_array("inputs", "t", np.eye(sample.inputs["x"].shape[1], dtype=np.float32)[
        sample.inputs["t"]])
    near = sample.nudged(np.random.default_rng(0))
    x, x2 = sample.inputs["x"], near.inputs["x"]
    assert x2.dtype == np.float32 and not np.array_equal(x, x2)
    assert np.all((x2 == x) | (x2 == np.nextafter(x, np.inf)) | (x2 == np.nextafter(x, -np.inf)))
    assert np.array_equal(near.inputs["t"], sample.inputs["t"]), "one-hot targets stay exact"


@pytest.mark.parametrize("name, oracle, sizes, seed", [
    ("Affine", "torch", {"N": 6, "D": 7, "H": 1}, 1232929774),     # db: a sum of 6 that cancels, 1 ulp off
    ("Softmax", "keras", {"N": 1, "C": 2}, 1208936734),            # dx at 2 classes
])
def test_drawn_cases_where_the_oracles_float32_rounding_was_exact_by_luck_pass(name, oracle, sizes, seed):
    """Found by --float32-budget over many draws: the cast and wide estimates were both ~0 while the bundled
    implementation was an ulp of the operands off; the nudged samples see the oracle's rounding there."""
    from reference.judging.check import check
    from reference.sandbox.implementation import Implementation
    from tests.generated import require

    require(oracle)
    result = check(registry.get(name), oracle, Implementation.bundled(), Case("float32", sizes, seed))
    assert result.ok, result.report()


def test_golden_float32_cases_use_the_recorded_float64_case_of_the_same_seed_and_sizes():
    from reference.golden.cases import store
    from reference.judging.sources import Golden

    component, case = _softmax_case("float32")
    found = Golden("golden:torch", "torch").expected(component, case, component.sample(case), None)
    recorded64 = store().lookup(component.id, "torch", case.with_dtype("float64"))
    (dx64,) = found.float64["dx"]
    assert np.array_equal(dx64, recorded64["dx"])


def test_a_float32_sample_stands_for_the_float64_one_only_within_float32_rounding():
    from reference.judging.check import rounds_to

    component, case = _softmax_case("float64")
    sample64 = component.sample(case)
    sample32 = sample64.astype(np.float32)
    assert rounds_to(sample64, sample32)
    nudged = sample32.replace_array("inputs", "x", np.nextafter(sample32.inputs["x"], np.float32(np.inf)))
    assert rounds_to(sample64, nudged), "an offset added after rounding moves it by an ulp or two"
    moved = sample32.replace_array("inputs", "x", sample32.inputs["x"] * np.float32(1 + 1e-3))
    assert not rounds_to(sample64, moved)

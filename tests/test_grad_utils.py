"""clip_grads and remove_duplicate: what the registry's framework checks cannot express.

The registry (reference/registry/grad_utils.py) compares both with torch and
Keras on tied models and clipped gradient sets. Here: in-place semantics,
argument errors, and the tie detection of scratch_layers, which compares
memory, never values: the book's value-equality defect (two unrelated
all-zero matrices merged) must not occur.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from scratch_layers.grad_utils import clip_grads, remove_duplicate
from scratch_layers.layers import Affine, Embedding
from scratch_layers.optimizer import Adam


def grad_set(total, dtype="float64", seed=0):
    rng = np.random.default_rng(seed)
    grads = [rng.standard_normal(s) * 10.0 ** rng.uniform(-3, 1, s) for s in ((4, 6), (6,), (3, 5, 2), (7,))]
    norm = math.sqrt(sum(float(np.sum(g * g)) for g in grads))
    return [(g * (total / norm)).astype(dtype) for g in grads]


# -- clip_grads ----------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_clip_scales_every_grad_in_place_by_one_global_rate(dtype):
    grads = grad_set(20.0, dtype)
    objects, before = list(grads), [g.copy() for g in grads]
    assert clip_grads(grads, 5.0) is None
    rate = 5.0 / (20.0 + 1e-6)
    for g, o, b in zip(grads, objects, before):
        assert g is o and g.dtype == np.dtype(dtype)
        np.testing.assert_allclose(g, b * rate, rtol=1e-6 if dtype == "float32" else 1e-14)


def test_clip_leaves_grads_below_the_threshold_bit_for_bit():
    grads = grad_set(2.5)
    before = [g.copy() for g in grads]
    clip_grads(grads, 5.0)
    for g, b in zip(grads, before):
        np.testing.assert_array_equal(g, b)


def test_clip_at_the_threshold_follows_the_epsilon():
    """A total within 1e-6 below max_norm is still scaled (the book's and torch's rate), by 1 - 1e-7 here."""
    grads = grad_set(5.0 - 5e-7)
    before = [g.copy() for g in grads]
    clip_grads(grads, 5.0)
    for g, b in zip(grads, before):
        np.testing.assert_allclose(g, b * (5.0 / (5.0 + 5e-7)), rtol=1e-14)


def test_clip_accepts_a_tuple_and_an_empty_list():
    grads = tuple(grad_set(20.0))
    clip_grads(grads, 5.0)
    assert math.sqrt(sum(float(np.sum(g * g)) for g in grads)) == pytest.approx(5.0, rel=1e-6)
    clip_grads([], 1.0)


@pytest.mark.parametrize("max_norm", [0.0, -1.0, float("nan"), float("inf")])
def test_clip_refuses_a_non_positive_or_non_finite_max_norm(max_norm):
    with pytest.raises(ValueError, match="clip_grads: max_norm must be a positive finite number"):
        clip_grads(grad_set(1.0), max_norm)


def test_clip_refuses_non_float_grads():
    with pytest.raises(TypeError, match=r"clip_grads: grads\[1\] must be a float array"):
        clip_grads([np.ones(2), np.arange(3)], 1.0)


# -- remove_duplicate: ties ---------------------------------------------------


def test_shared_object_is_merged_in_place_into_the_survivor():
    W, b = np.arange(6.0).reshape(2, 3), np.ones(3)
    dW1, db, dW2 = np.ones((2, 3)), np.full(3, 2.0), np.full((2, 3), 3.0)
    params, grads = [W, b, W], [dW1, db, dW2]
    kept_params, kept_grads = remove_duplicate(params, grads)
    assert kept_params[0] is W and kept_params[1] is b and len(kept_params) == 2
    assert kept_grads[0] is dW1, "the survivor's grad array receives the sum in place"
    np.testing.assert_array_equal(dW1, np.full((2, 3), 4.0))
    assert len(params) == len(grads) == 3, "the caller's lists are left as they were"


@pytest.mark.parametrize("view_first", [False, True], ids=["W-then-W.T", "W.T-then-W"])
def test_transposed_view_is_merged_with_the_grad_transposed(view_first):
    W = np.arange(6.0).reshape(2, 3)
    dW, dWT = np.ones((2, 3)), np.arange(6.0).reshape(3, 2)
    params, grads = ([W.T, W], [dWT, dW]) if view_first else ([W, W.T], [dW, dWT])
    expected = (dWT + dW.T) if view_first else (dW + dWT.T)
    kept_params, kept_grads = remove_duplicate(params, grads)
    assert len(kept_params) == 1 and kept_params[0] is params[0]
    np.testing.assert_array_equal(kept_grads[0], expected)


def test_views_of_the_same_elements_are_one_parameter():
    W = np.arange(12.0).reshape(3, 4)
    views = [W, W[...], W.T, W.T.T, np.transpose(W), W.reshape(3, 4)]
    grads = [np.full(v.shape, float(k + 1)) for k, v in enumerate(views)]
    kept_params, kept_grads = remove_duplicate(views, grads)
    assert len(kept_params) == 1
    np.testing.assert_array_equal(kept_grads[0], np.full((3, 4), 21.0))


def test_the_value_equality_defect_does_not_occur():
    """The book merges 2-D params whose VALUES are transposes: two unrelated zero matrices."""
    A, B = np.zeros((3, 3)), np.zeros((3, 3))       # e.g. two zero-initialised (H, H) weights
    C, D = np.zeros((2, 3)), np.zeros((3, 2))       # transposed shapes, equal (zero) values
    S = np.array([[1.0, 2.0], [2.0, 1.0]])          # symmetric, and a separate copy of it
    params = [A, B, C, D, S, S.copy()]
    grads = [np.full(p.shape, float(k + 1)) for k, p in enumerate(params)]
    before = [g.copy() for g in grads]
    kept_params, kept_grads = remove_duplicate(params, grads)
    assert len(kept_params) == len(params), "unrelated parameters were merged because their values match"
    for g, b in zip(kept_grads, before):
        np.testing.assert_array_equal(g, b)


def test_copies_and_partial_views_are_not_ties():
    W = np.arange(12.0).reshape(3, 4)
    params = [W, np.ascontiguousarray(W.T), W.copy(), W[:2], W[:, ::2], W.astype(np.float32)]
    grads = [np.ones(p.shape, dtype=p.dtype) for p in params]
    kept_params, _ = remove_duplicate(params, grads)
    assert len(kept_params) == len(params)


def test_one_by_one_and_empty_params():
    W = np.array([[2.0]])
    grads = [np.array([[1.0]]), np.array([[2.0]]), np.array([[4.0]])]
    kept_params, kept_grads = remove_duplicate([W, W.T, np.zeros((1, 1))], grads)
    assert len(kept_params) == 2 and kept_grads[0][0, 0] == 3.0 and kept_grads[1][0, 0] == 4.0
    E1, E2 = np.zeros((0, 3)), np.zeros((0, 3))
    assert len(remove_duplicate([E1, E2], [np.zeros((0, 3)), np.zeros((0, 3))])[0]) == 2


def test_book_weight_tying_with_layers_then_one_update_keeps_the_tie():
    """BetterRnnlm: Embedding(W) and Affine(W.T, b); after merging, one Adam step moves both."""
    rng = np.random.default_rng(3)
    W, b = rng.standard_normal((7, 4)), np.zeros(7)
    embed, affine = Embedding(W), Affine(W.T, b)
    params, grads = embed.params + affine.params, embed.grads + affine.grads
    grads[0][...] = rng.standard_normal(W.shape)
    grads[1][...] = rng.standard_normal(W.T.shape)
    expected = grads[0] + grads[1].T
    kept_params, kept_grads = remove_duplicate(params, grads)
    assert len(kept_params) == 2 and kept_params[0] is W and kept_params[1] is b
    np.testing.assert_array_equal(kept_grads[0], expected)
    before = W.copy()
    Adam().update(kept_params, kept_grads)
    assert not np.array_equal(W, before)
    np.testing.assert_array_equal(affine.params[0], W.T)


# -- remove_duplicate: errors -------------------------------------------------


def test_remove_duplicate_refuses_mismatched_lengths():
    with pytest.raises(ValueError, match="remove_duplicate: params and grads must have the same length; "
                                         "got 2 params and 1 grads"):
        remove_duplicate([np.ones(2), np.ones(3)], [np.ones(2)])


def test_remove_duplicate_refuses_mismatched_shapes():
    with pytest.raises(ValueError, match=r"grads\[1\] must have the shape of params\[1\] \(3,\); got \(2,\)"):
        remove_duplicate([np.ones(2), np.ones(3)], [np.ones(2), np.ones(2)])

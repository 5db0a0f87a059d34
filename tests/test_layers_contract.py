"""scratch_layers functions and layers: the contract beyond numbers.

Errors name the argument and what was expected; dtype is kept; grads are
written in place; inputs are never modified; the functions are stable where
the book's overflow.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from scratch_layers import functions as F
from scratch_layers import layers as L

RNG = np.random.default_rng(0)


def _affine(dtype=np.float64):
    return L.Affine(RNG.standard_normal((4, 6)).astype(dtype), RNG.standard_normal(6).astype(dtype))


@pytest.mark.parametrize("call, error, message", [
    (lambda: _affine().forward(np.ones((3, 5))), ValueError,
     r"Affine.forward: x must be \(N, D\) with D=4 to match W \(4, 6\); got \(3, 5\)"),
    (lambda: L.Affine(np.ones((4, 6)), np.ones(5)), ValueError, r"Affine: b must be \(6,\) to match W"),
    (lambda: L.Affine(np.ones((4, 6), np.float32), np.ones(6)), TypeError, "parameters must share one dtype"),
    (lambda: L.MatMul(np.ones((4, 6), np.int64)), TypeError, "MatMul: W must be float32 or float64; got int64"),
    (lambda: L.MatMul([[1.0]]), TypeError, "MatMul: W must be a NumPy array; got list"),
    (lambda: L.SoftmaxWithLoss().forward(np.ones((3, 5)), np.array([0, 5, 1])), ValueError,
     r"SoftmaxWithLoss.forward: t labels must be in \[0, 5\); got 5 at index \(1,\)"),
    (lambda: L.SoftmaxWithLoss().forward(np.ones((3, 5)), np.array([0, 1])), ValueError,
     r"t must be \(3,\) labels or one-hot \(3, 5\); got \(2,\)"),
    (lambda: L.SoftmaxWithLoss().forward(np.ones((3, 5)), np.array([0.5, 1, 2])), TypeError,
     "t must hold integer class labels"),
    (lambda: L.Embedding(np.ones((7, 3))).forward(np.array([[0, 7]])), ValueError,
     r"Embedding.forward: idx labels must be in \[0, 7\); got 7"),
    (lambda: L.Dropout(1.5), ValueError, r"Dropout: dropout_ratio must be in \[0, 1\); got 1.5"),
    (lambda: F.softmax(np.float64(3.0)), ValueError, "softmax: x must have at least 1 dimension"),
    (lambda: F.sigmoid(np.array(["a"])), TypeError, "sigmoid: x must be a real numeric array"),
    (lambda: L.SigmoidWithLoss().forward(np.ones(3), np.array([0, 1])), ValueError,
     r"SigmoidWithLoss.forward: t must have one 0/1 target per logit \(3\)"),
])
def test_bad_input_raises_a_clear_error_naming_the_argument(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept_through_forward_and_backward(dtype):
    layer = _affine(dtype)
    out = layer.forward(RNG.standard_normal((3, 4)))  # float64 input, converted to the params' dtype
    dx = layer.backward(np.ones((3, 6), dtype))
    assert out.dtype == dtype and dx.dtype == dtype and all(g.dtype == dtype for g in layer.grads)
    loss_layer = L.SoftmaxWithLoss()
    loss = loss_layer.forward(RNG.standard_normal((3, 5)).astype(dtype), np.array([0, 1, 4]))
    assert np.asarray(loss).dtype == dtype and loss_layer.backward().dtype == dtype
    assert F.sigmoid(np.zeros(2, dtype)).dtype == dtype and F.softmax(np.zeros((2, 3), dtype)).dtype == dtype


def test_grads_are_written_in_place():
    layer = _affine()
    before = [id(g) for g in layer.grads]
    layer.forward(np.ones((3, 4)))
    layer.backward(np.ones((3, 6)))
    assert [id(g) for g in layer.grads] == before
    assert np.array_equal(layer.grads[1], np.full(6, 3.0))


def test_inputs_are_not_modified():
    x = RNG.standard_normal((2, 3, 5))
    kept = x.copy()
    F.softmax(x)
    F.sigmoid(x)
    layer = L.Softmax()
    layer.forward(x[0])
    layer.backward(np.ones((3, 5)))
    assert np.array_equal(x, kept)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_and_softmax_do_not_overflow(dtype):
    x = np.array([-1000.0, -80.0, 0.0, 80.0, 1000.0], dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow warning would fail here
        y = F.sigmoid(x)
        s = F.softmax(np.stack([x, -x]))
    assert np.all(np.isfinite(y)) and y[0] == 0 and y[2] == 0.5 and y[-1] == 1
    assert np.allclose(s.sum(axis=-1), 1) and np.all(np.isfinite(s))


def test_softmax_normalises_the_last_axis_of_any_ndim():
    x = RNG.standard_normal((2, 3, 4, 5))
    y = F.softmax(x)
    assert y.shape == x.shape and np.allclose(y.sum(axis=-1), 1)
    assert np.allclose(y[1, 2, 3], F.softmax(x[1, 2, 3]))


def test_cross_entropy_accepts_labels_one_hot_and_one_sample():
    y = F.softmax(RNG.standard_normal((3, 4)))
    t = np.array([3, 0, 1])
    by_label = F.cross_entropy_error(y, t)
    assert by_label == pytest.approx(F.cross_entropy_error(y, np.eye(4)[t]))
    assert by_label == pytest.approx(-np.mean(np.log(y[np.arange(3), t] + 1e-7)))
    assert F.cross_entropy_error(y[0], t[0]) == pytest.approx(-np.log(y[0, 3] + 1e-7))


def test_dropout_is_not_inverted_and_its_mask_comes_from_np_random():
    x = np.ones((4, 5))
    np.random.seed(3)
    out = L.Dropout(0.25).forward(x)
    np.random.seed(3)
    assert np.array_equal(out, (np.random.rand(4, 5) > 0.25) * 1.0), "training keeps x, unscaled"
    assert np.array_equal(L.Dropout(0.25).forward(x, train_flg=False), x * 0.75)


def test_embedding_accumulates_repeated_ids():
    layer = L.Embedding(np.zeros((4, 2)))
    layer.forward(np.array([[1, 1], [1, 3]]))
    layer.backward(np.ones((2, 2, 2)))
    assert layer.grads[0].tolist() == [[0, 0], [3, 3], [0, 0], [1, 1]]
    assert layer.backward(np.ones((2, 2, 2))) is None

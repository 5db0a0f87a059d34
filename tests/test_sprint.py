"""The bootcamp sprint's API: the known answer, shapes, the backward forms, the classifier.

SimpleRNN's values and every gradient against torch nn.RNN and Keras
SimpleRNN are the generated conformance tests' job (entry "SimpleRNN").
"""
from __future__ import annotations

import numpy as np
import pytest

from scratch_layers.sprint import ScratchSimpleRNNClassifier, SimpleRNN

# api.md, "the bootcamp sprint API"
X = np.array([[[1, 2], [2, 3], [3, 4]]]) / 100
WX = np.array([[1, 3, 5, 7], [3, 5, 7, 8]]) / 100
WH = np.array([[1, 3, 5, 7], [2, 4, 6, 8], [3, 5, 7, 8], [4, 6, 8, 10]]) / 100
B = np.array([1, 1, 1, 1])
KNOWN_H = np.array([[0.79494228, 0.81839002, 0.83939649, 0.85584174]])


def test_known_answer():
    h = SimpleRNN(WX, WH, B.astype(float)).forward(X)
    np.testing.assert_allclose(h, KNOWN_H, rtol=0, atol=5e-9)  # the answer is printed to 8 decimals


def test_known_answer_step_by_step():
    """The sprint's formula written out: a_t = x_t @ Wx + h_{t-1} @ Wh + B, h_t = tanh(a_t), h0 = 0."""
    h = np.zeros((1, 4))
    for t in range(3):
        h = np.tanh(X[:, t] @ WX + h @ WH + B)
    rnn = SimpleRNN(WX, WH, B.astype(float))
    np.testing.assert_allclose(rnn.forward(X), h, rtol=1e-15)
    assert rnn.hs.shape == (1, 3, 4)
    np.testing.assert_array_equal(rnn.hs[:, -1], rnn.forward(X))


def _rnn(rng, n_features=3, n_nodes=4, dtype=np.float64):
    return SimpleRNN(*(rng.standard_normal(s).astype(dtype) * 0.5
                       for s in ((n_features, n_nodes), (n_nodes, n_nodes), (n_nodes,))))


def test_backward_of_the_last_state_equals_backward_of_all_states_with_zeros():
    rng = np.random.default_rng(0)
    rnn = _rnn(rng)
    x = rng.standard_normal((2, 5, 3))
    dh = rng.standard_normal((2, 4))
    rnn.forward(x)
    dx_last = rnn.backward(dh)
    grads_last = [g.copy() for g in rnn.grads]
    dhs = np.zeros((2, 5, 4))
    dhs[:, -1] = dh
    np.testing.assert_array_equal(rnn.backward(dhs), dx_last)
    for g, e in zip(rnn.grads, grads_last):
        np.testing.assert_array_equal(g, e)
    assert rnn.dWx is rnn.grads[0] and rnn.dWh is rnn.grads[1] and rnn.dB is rnn.grads[2]


def test_dtype_is_kept():
    rng = np.random.default_rng(1)
    rnn = _rnn(rng, dtype=np.float32)
    h = rnn.forward(rng.standard_normal((2, 3, 3)))
    assert h.dtype == np.float32
    assert rnn.backward(np.ones((2, 4))).dtype == np.float32


def test_bad_shapes_name_the_call():
    rnn = _rnn(np.random.default_rng(2))
    with pytest.raises(ValueError, match=r"SimpleRNN.forward: x must be \(batch_size, n_sequences, n_features\)"):
        rnn.forward(np.zeros((2, 3)))
    rnn.forward(np.zeros((2, 3, 3)))
    with pytest.raises(ValueError, match="SimpleRNN.backward: dh must be"):
        rnn.backward(np.zeros((2, 5)))


def test_classifier_learns_the_sign_of_a_sequence_sum():
    rng = np.random.default_rng(3)
    X_train = rng.standard_normal((60, 4, 2))
    y_train = (X_train.sum(axis=(1, 2)) > 0).astype(int)
    np.random.seed(0)
    clf = ScratchSimpleRNNClassifier(n_nodes=6, lr=0.5, epochs=30, batch_size=10, sigma=0.3)
    clf.fit(X_train, y_train, X_val=X_train[:10], y_val=y_train[:10])
    assert len(clf.loss) == 30 and len(clf.val_loss) == 30
    assert clf.loss[-1] < 0.5 * clf.loss[0], clf.loss
    assert (clf.predict(X_train) == y_train).mean() > 0.9
    proba = clf.predict_proba(X_train[:3])
    assert proba.shape == (3, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_classifier_is_reproducible_from_the_seed_and_needs_fit():
    X_train = np.random.default_rng(4).standard_normal((8, 3, 2))
    y_train = np.array([0, 1, 2, 0, 1, 2, 0, 1])
    losses = []
    for _ in range(2):
        np.random.seed(7)
        losses.append(ScratchSimpleRNNClassifier(3, epochs=2, batch_size=3).fit(X_train, y_train).loss)
    assert losses[0] == losses[1]
    with pytest.raises(RuntimeError, match="call fit before predict"):
        ScratchSimpleRNNClassifier(3).predict(X_train)

"""The book's loss values versus the frameworks' own losses: the documented difference.

The book adds 1e-7 inside the log (SoftmaxWithLoss, cross_entropy_error,
SigmoidWithLoss); torch's losses have no epsilon and Keras clips
probabilities to [1e-7, 1 - 1e-7]. The registry's oracles add the epsilon
explicitly, so the values coincide there; these tests pin the size of the
difference from the frameworks' plain losses instead of tolerating it:
per sample, -log(p + eps) = -log(p) - log(1 + eps/p), exactly.
"""
from __future__ import annotations

import numpy as np
import pytest

from reference.oracles import frameworks
from scratch_layers.layers import SigmoidWithLoss, SoftmaxWithLoss

EPS = 1e-7
pytestmark = pytest.mark.framework("torch")


def _logits(probability_of_target: float, classes: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """One row whose softmax gives the target (class 0) the probability asked for."""
    rest = np.log((1 - probability_of_target) / (classes - 1))
    return np.array([[np.log(probability_of_target)] + [rest] * (classes - 1)]), np.array([0])


@pytest.mark.parametrize("p", [0.5, 1e-3, 1e-6, 1e-9])
def test_softmax_with_loss_differs_from_torch_by_exactly_log1p_eps_over_p(p):
    torch = frameworks.torch()
    x, t = _logits(p)
    book = SoftmaxWithLoss().forward(x, t)
    plain = torch.nn.functional.cross_entropy(torch.from_numpy(x), torch.from_numpy(t)).item()
    assert book - plain == pytest.approx(-np.log1p(EPS / p), rel=1e-6, abs=1e-15)


@pytest.mark.parametrize("p", [0.5, 1e-3, 1e-9])
def test_sigmoid_with_loss_differs_from_torch_by_exactly_log1p_eps_over_p(p):
    torch = frameworks.torch()
    x = np.array([np.log(p / (1 - p))])  # sigmoid(x) = p, target 1
    book = SigmoidWithLoss().forward(x, np.array([1]))
    plain = torch.nn.functional.binary_cross_entropy_with_logits(
        torch.from_numpy(x), torch.ones(1, dtype=torch.float64)).item()
    assert book - plain == pytest.approx(-np.log1p(EPS / p), rel=1e-6, abs=1e-15)


@pytest.mark.framework("keras")
@pytest.mark.parametrize("p, clipped", [(0.5, False), (1e-3, False), (1e-9, True)])
def test_keras_clipping_coincides_above_1e_7_and_caps_the_loss_below(p, clipped):
    """Keras's CategoricalCrossentropy on probabilities clips p to >= 1e-7: above that it is -log p."""
    keras = frameworks.keras()
    x, t = _logits(p)
    probabilities = np.exp(x) / np.exp(x).sum()
    onehot = np.eye(4)[t]
    loss = keras.losses.CategoricalCrossentropy(dtype="float64")
    value = float(loss(onehot, probabilities))
    expected = -np.log(max(p, EPS)) if clipped else -np.log(p)
    assert value == pytest.approx(expected, rel=1e-6)
    book = SoftmaxWithLoss().forward(x, t)
    if clipped:
        assert book == pytest.approx(-np.log(p + EPS), rel=1e-9), "the book keeps log(p + eps), Keras log(eps)"


def test_gradients_are_the_exact_losses_gradients():
    """The contract's dx ignores the epsilon: equal to torch's autograd of the plain loss."""
    torch = frameworks.torch()
    x, t = _logits(1e-9)
    layer = SoftmaxWithLoss()
    layer.forward(x, t)
    dx = layer.backward()
    tx = torch.from_numpy(x).requires_grad_(True)
    torch.nn.functional.cross_entropy(tx, torch.from_numpy(t)).backward()
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=0, atol=1e-15)

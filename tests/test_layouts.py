"""Layout conversions: round trips, and each against a hand-built example."""
from __future__ import annotations

import numpy as np
import pytest

from reference.registry import layouts

H, D = 2, 3


def _gated(gates: str, rows: int = D) -> np.ndarray:
    """Columns filled so each gate block is recognisable: block g holds 100*k(g) + column."""
    blocks = [np.full((rows, H), 100.0 * (i + 1)) + np.arange(H) for i, _ in enumerate(gates)]
    return np.concatenate(blocks, axis=1)


def test_gate_permutation_moves_blocks_by_name():
    book = np.concatenate([np.full(H, c) for c in (1.0, 2.0, 3.0, 4.0)])  # f, g, i, o
    torch_order = layouts.permute_gates(book, "fgio", "ifgo")
    assert torch_order.tolist() == [3.0] * H + [1.0] * H + [2.0] * H + [4.0] * H


@pytest.mark.parametrize("order_to", ["ifgo", "oigf", "fgio"])
def test_gate_permutation_round_trip(order_to):
    a = np.random.default_rng(0).standard_normal((D, 4 * H))
    there = layouts.permute_gates(a, "fgio", order_to)
    assert np.array_equal(layouts.permute_gates(there, order_to, "fgio"), a)


def test_gate_permutation_rejects_other_gates_and_bad_sizes():
    with pytest.raises(ValueError, match="different gates"):
        layouts.gate_permutation(8, "fgio", "fgiz")
    with pytest.raises(ValueError, match="do not split"):
        layouts.gate_permutation(7, "fgio", "ifgo")


def test_linear_round_trip_and_example():
    W = np.arange(6.0).reshape(2, 3)
    weight = layouts.book_linear_to_torch(W)
    assert weight.shape == (3, 2) and weight[2, 1] == W[1, 2]
    assert np.array_equal(layouts.torch_linear_to_book(weight), W)


def test_book_lstm_to_torch_example():
    Wx, Wh, b = _gated("fgio"), _gated("fgio", rows=H), np.arange(4 * H, dtype=float) + 1
    t = layouts.book_lstm_to_torch(Wx, Wh, b)
    assert t["weight_ih_l0"].shape == (4 * H, D) and t["weight_hh_l0"].shape == (4 * H, H)
    # torch row block 0 is the input gate i, the book's third block.
    assert np.array_equal(t["weight_ih_l0"][:H], Wx[:, 2 * H:3 * H].T)
    assert np.array_equal(t["bias_ih_l0"][:H], b[2 * H:3 * H])
    assert not t["bias_hh_l0"].any(), "bias_hh must be zero: torch adds both biases"
    assert all(a.flags["C_CONTIGUOUS"] for a in t.values())


def test_book_lstm_torch_round_trip():
    rng = np.random.default_rng(1)
    Wx, Wh, b = rng.standard_normal((D, 4 * H)), rng.standard_normal((H, 4 * H)), rng.standard_normal(4 * H)
    t = layouts.book_lstm_to_torch(Wx, Wh, b, suffix="_l0_reverse")
    back = layouts.torch_lstm_to_book(t["weight_ih_l0_reverse"], t["weight_hh_l0_reverse"], t["bias_ih_l0_reverse"])
    for got, want in zip(back, (Wx, Wh, b)):
        assert np.array_equal(got, want)


def test_book_lstm_keras_round_trip_and_example():
    Wx, Wh, b = _gated("fgio"), _gated("fgio", rows=H), np.arange(4 * H, dtype=float)
    kernel, recurrent, bias = layouts.book_lstm_to_keras(Wx, Wh, b)
    assert kernel.shape == Wx.shape, "Keras keeps the (in, out) layout"
    assert np.array_equal(kernel[:, H:2 * H], Wx[:, :H]), "Keras's second block is the forget gate"
    for got, want in zip(layouts.keras_lstm_to_book(kernel, recurrent, bias), (Wx, Wh, b)):
        assert np.array_equal(got, want)


def test_rnn_to_torch_round_trip_and_zero_bias_hh():
    rng = np.random.default_rng(2)
    Wx, Wh, b = rng.standard_normal((D, H)), rng.standard_normal((H, H)), rng.standard_normal(H)
    t = layouts.book_rnn_to_torch(Wx, Wh, b)
    assert not t["bias_hh_l0"].any()
    for got, want in zip(layouts.torch_rnn_to_book(t["weight_ih_l0"], t["weight_hh_l0"], t["bias_ih_l0"]),
                         (Wx, Wh, b)):
        assert np.array_equal(got, want)


def test_gru_z_flip_negates_only_z_and_is_an_involution():
    a = np.arange(1.0, 3 * H + 1)
    flipped = layouts.flip_gru_z(a)
    assert np.array_equal(flipped[:H], -a[:H]) and np.array_equal(flipped[H:], a[H:])
    assert np.array_equal(layouts.flip_gru_z(flipped), a)
    kernel, recurrent, bias = layouts.book_gru_to_keras(_gated("zrh"), _gated("zrh", rows=H), a)
    for got, want in zip(layouts.keras_gru_to_book(kernel, recurrent, bias), (_gated("zrh"), _gated("zrh", rows=H), a)):
        assert np.array_equal(got, want)


def test_gru_z_flip_turns_sigmoid_into_its_complement():
    """The reason for the flip: sigma(-a) = 1 - sigma(a)."""
    a = np.linspace(-3, 3, 3 * H)
    sig = lambda v: 1 / (1 + np.exp(-v))
    assert np.allclose(sig(layouts.flip_gru_z(a))[:H], 1 - sig(a)[:H], rtol=0, atol=1e-15)


def test_gru_z_flip_rejects_non_gru_width():
    with pytest.raises(ValueError, match="3 gates"):
        layouts.flip_gru_z(np.zeros(7))

"""Layout conversions between the book, torch and Keras: pure functions.

The book stores weights ``(in, out)`` and applies ``x @ W`` (Keras's kernel
layout; the transpose of torch's). Gate blocks are ordered differently:

    LSTM   book f,g,i,o    torch i,f,g,o    Keras i,f,c,o (c is the book's g)
    GRU    book z,r,h      Keras z,r,h with z meaning "keep the old state":
           the book's z weights the NEW candidate, so the z block is negated
           (sigma(-a) = 1 - sigma(a)).

Every ``<from>_<component>_to_<to>`` has an inverse, and ``tests/test_layouts.py``
checks each round trip and each against a hand-built example. The same
functions map gradients back (a permutation, transpose or negation is
linear), so an oracle's gradients come out in the book's layout.
"""
from __future__ import annotations

import numpy as np

BOOK_LSTM_GATES = "fgio"
TORCH_LSTM_GATES = "ifgo"
KERAS_LSTM_GATES = "ifgo"   # Keras calls g "c"; the order is torch's
GRU_GATES = "zrh"


def gate_permutation(size: int, order_from: str, order_to: str) -> np.ndarray:
    """Indices that reorder ``size`` = len(order)*H columns from one gate order to another.

    ``a[..., gate_permutation(4H, "fgio", "ifgo")]`` is ``a`` with its gate
    blocks in torch's order.
    """
    if sorted(order_from) != sorted(order_to):
        raise ValueError(f"gate_permutation: {order_from!r} and {order_to!r} name different gates")
    k = len(order_from)
    if size % k:
        raise ValueError(f"gate_permutation: {size} columns do not split into {k} gates")
    h = size // k
    return np.concatenate([np.arange(h) + order_from.index(g) * h for g in order_to])


def permute_gates(a: np.ndarray, order_from: str, order_to: str, axis: int = -1) -> np.ndarray:
    """``a`` with its gate blocks along ``axis`` moved from ``order_from`` to ``order_to``."""
    return np.take(a, gate_permutation(a.shape[axis], order_from, order_to), axis=axis)


def _c(a):
    return np.ascontiguousarray(a)  # torch.from_numpy rejects negative strides


# -- Linear / Affine ------------------------------------------------------
def book_linear_to_torch(W: np.ndarray) -> np.ndarray:
    """Book W (in, out) -> torch ``nn.Linear.weight`` (out, in)."""
    return _c(W.T)


def torch_linear_to_book(weight: np.ndarray) -> np.ndarray:
    """torch ``nn.Linear.weight`` (out, in) -> book W (in, out)."""
    return _c(weight.T)


# -- RNN --------------------------------------------------------------------
def book_rnn_to_torch(Wx, Wh, b) -> dict[str, np.ndarray]:
    """Book RNN (Wx (D,H), Wh (H,H), b (H,)) -> ``nn.RNN`` layer-0 tensors (bias_hh zero)."""
    return {"weight_ih_l0": _c(Wx.T), "weight_hh_l0": _c(Wh.T),
            "bias_ih_l0": _c(b), "bias_hh_l0": np.zeros_like(b)}


def torch_rnn_to_book(weight_ih_l0, weight_hh_l0, bias_ih_l0) -> tuple[np.ndarray, ...]:
    """``nn.RNN`` tensors (or their gradients) -> book (Wx, Wh, b)."""
    return _c(weight_ih_l0.T), _c(weight_hh_l0.T), _c(bias_ih_l0)


# -- LSTM -------------------------------------------------------------------
def book_lstm_to_torch(Wx, Wh, b, suffix: str = "_l0") -> dict[str, np.ndarray]:
    """Book LSTM (gates f,g,i,o; x @ W) -> ``nn.LSTM`` tensors (i,f,g,o; W @ x).

    The bias goes into bias_ih and bias_hh is zero: torch always adds both, so
    copying b into each would double it. ``suffix`` names the layer and
    direction (``_l0``, ``_l0_reverse``).
    """
    p = lambda a: permute_gates(a, BOOK_LSTM_GATES, TORCH_LSTM_GATES)
    return {f"weight_ih{suffix}": _c(p(Wx).T), f"weight_hh{suffix}": _c(p(Wh).T),
            f"bias_ih{suffix}": _c(p(b)), f"bias_hh{suffix}": np.zeros_like(b)}


def torch_lstm_to_book(weight_ih, weight_hh, bias_ih) -> tuple[np.ndarray, ...]:
    """``nn.LSTM`` tensors (or gradients) -> book (Wx, Wh, b).

    For gradients pass bias_ih's gradient: it equals bias_hh's and dL/db.
    """
    p = lambda a: permute_gates(a, TORCH_LSTM_GATES, BOOK_LSTM_GATES)
    return _c(p(weight_ih.T)), _c(p(weight_hh.T)), _c(p(bias_ih))


def book_lstm_to_keras(Wx, Wh, b) -> list[np.ndarray]:
    """Book LSTM -> Keras ``LSTM.set_weights`` list [kernel, recurrent_kernel, bias] (i,f,c,o)."""
    p = lambda a: _c(permute_gates(a, BOOK_LSTM_GATES, KERAS_LSTM_GATES))
    return [p(Wx), p(Wh), p(b)]


def keras_lstm_to_book(kernel, recurrent_kernel, bias) -> tuple[np.ndarray, ...]:
    """Keras LSTM weights (or gradients) -> book (Wx, Wh, b)."""
    p = lambda a: _c(permute_gates(a, KERAS_LSTM_GATES, BOOK_LSTM_GATES))
    return p(kernel), p(recurrent_kernel), p(bias)


# -- GRU --------------------------------------------------------------------
def flip_gru_z(a: np.ndarray) -> np.ndarray:
    """Negate the z block (the first third of the last axis); its own inverse.

    The book's h' = (1-z)*h + z*h~ and Keras's h' = z*h + (1-z)*h~ agree when
    Keras's z pre-activation is the negative of the book's.
    """
    out = np.array(a, copy=True)
    h = out.shape[-1] // 3
    if out.shape[-1] != 3 * h:
        raise ValueError(f"flip_gru_z: last axis {out.shape[-1]} does not split into 3 gates")
    out[..., :h] *= -1
    return out


def book_gru_to_keras(Wx, Wh, b) -> list[np.ndarray]:
    """Book GRU -> Keras ``GRU(reset_after=False).set_weights`` list, z block negated."""
    return [flip_gru_z(Wx), flip_gru_z(Wh), flip_gru_z(b)]


def keras_gru_to_book(kernel, recurrent_kernel, bias) -> tuple[np.ndarray, ...]:
    """Keras GRU(reset_after=False) weights (or gradients) -> book (Wx, Wh, b)."""
    return flip_gru_z(kernel), flip_gru_z(recurrent_kernel), flip_gru_z(bias)

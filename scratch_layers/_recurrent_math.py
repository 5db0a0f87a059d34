"""The recurrent step formulas, written once for the cells and the Time wrappers.

A step receives ``ax = x @ Wx + b`` already computed: a cell computes it for
its one step, a Time wrapper for all T steps in one matrix product
``(N*T, D) @ (D, kH)``. The step adds the recurrent term, applies the gates
and writes its results into buffers the caller provides (a cell allocates
them, a Time wrapper passes slices of its (N, T, ...) caches), so the same
code serves both without per-step allocations of the big arrays.

The backward of a step takes ``WhT``, Wh transposed: a cell passes the view
``Wh.T``, a Time wrapper a C-contiguous copy made once per backward (the
per-step ``da @ WhT`` is then ~1.6x faster with OpenBLAS at H=650). It
returns the gradient ``da`` of the pre-activations
(the input side: dx = da @ Wx.T, dWx = x.T @ da, db = da.sum(0)) and the
gradient of the previous state. The weight gradients are computed from
stacked rows (``*_weight_grads``): a cell passes its N rows, a Time wrapper
all N*T rows at once, one product per weight instead of one per step. They
are written straight into the layer's ``grads`` arrays (in place, as the
contract requires, and without a temporary of the weights' size).

Shapes: N batch, H hidden size; gate blocks sit side by side in the columns
of Wx, Wh and b: RNN [h], LSTM [f, g, i, o], GRU [z, r, h~].
"""
from __future__ import annotations

import contextlib

from scratch_layers.backend import np

# exp(-a) overflows to inf where sigmoid(a) underflows; 1 / inf = 0 is the
# right answer, so the warning is silenced (array modules without errstate,
# such as CuPy, do not warn).
_no_overflow_warning = getattr(np, "errstate", None) or (lambda **_: contextlib.nullcontext())


def sigmoid_(a):
    """a[...] = 1 / (1 + exp(-a)) in place; returns a.

    The value of ``functions.sigmoid`` (relative error of a few ulp for every
    a, 0 where the true value underflows), computed without temporaries: the
    gates of every step go through it, and ``functions.sigmoid``'s
    ``np.where`` costs ~6x more there (measured at N=20, H=650, float32).

    Negated with ``multiply(a, -1)``, not ``np.negative(a, out=a)``: NumPy 2.4's
    SIMD ``negative`` writes wrong values into a one-column view whose rows
    are 16 bytes (float32) or 64 bytes (float64) apart, e.g. the f gate
    ``gates[:, :1]`` of an LSTM with H=1 (tests/test_recurrent_harness.py).
    """
    with _no_overflow_warning(over="ignore"):
        np.multiply(a, -1, out=a)
        np.exp(a, out=a)
        a += 1
        np.reciprocal(a, out=a)
    return a


# --------------------------------------------------------------------- RNN
def rnn_step(ax, h_prev, Wh, h_next):
    """h_next[...] = tanh(ax + h_prev @ Wh); ax, h_prev, h_next (N, H)."""
    np.matmul(h_prev, Wh, out=h_next)
    h_next += ax
    np.tanh(h_next, out=h_next)


def rnn_step_backward(dh_next, h_next, WhT, da):
    """Writes da = dh_next * (1 - h_next**2) (N, H); returns dh_prev = da @ Wh.T."""
    np.multiply(h_next, h_next, out=da)
    np.subtract(1, da, out=da)
    da *= dh_next
    return da @ WhT


# -------------------------------------------------------------------- LSTM
def lstm_step(ax, h_prev, c_prev, Wh, gates, c_next, tanh_c, h_next):
    """One LSTM step into the buffers ``gates`` (N, 4H), ``c_next``, ``tanh_c``, ``h_next`` (N, H).

    a = ax + h_prev @ Wh, sliced [f, g, i, o]; f, i, o = sigmoid, g = tanh;
    c_next = f * c_prev + g * i; h_next = o * tanh(c_next).
    ``gates`` ends up holding the activated gates [f, g, i, o].
    """
    H = h_prev.shape[1]
    np.matmul(h_prev, Wh, out=gates)
    gates += ax
    sigmoid_(gates[:, :H])
    np.tanh(gates[:, H:2 * H], out=gates[:, H:2 * H])
    sigmoid_(gates[:, 2 * H:])
    f, g, i, o = (gates[:, k * H:(k + 1) * H] for k in range(4))
    np.multiply(f, c_prev, out=c_next)
    c_next += g * i
    np.tanh(c_next, out=tanh_c)
    np.multiply(o, tanh_c, out=h_next)


def lstm_step_backward(dh_next, dc_next, gates, c_prev, tanh_c, WhT, da):
    """Backward of ``lstm_step``: writes da (N, 4H); returns (dh_prev, dc_prev).

    dc = dc_next + dh_next * o * (1 - tanh(c)**2), then through the gates:
    df = dc * c_prev, dg = dc * i, di = dc * g, do = dh_next * tanh(c),
    each times its activation's derivative; dc_prev = dc * f.
    """
    H = dh_next.shape[1]
    f, g, i, o = (gates[:, k * H:(k + 1) * H] for k in range(4))
    dc = 1 - tanh_c * tanh_c
    dc *= o
    dc *= dh_next
    dc += dc_next
    # sigmoid' = s * (1 - s), tanh' = 1 - t**2, written into the da blocks.
    np.multiply(dc, c_prev, out=da[:, :H])
    da[:, :H] *= f * (1 - f)
    np.multiply(dc, i, out=da[:, H:2 * H])
    da[:, H:2 * H] *= 1 - g * g
    np.multiply(dc, g, out=da[:, 2 * H:3 * H])
    da[:, 2 * H:3 * H] *= i * (1 - i)
    np.multiply(dh_next, tanh_c, out=da[:, 3 * H:])
    da[:, 3 * H:] *= o * (1 - o)
    dc *= f
    return da @ WhT, dc


def dense_weight_grads(x_rows, h_rows, da_rows, grads):
    """Writes [dWx, dWh, db] for RNN and LSTM into ``grads`` from stacked rows.

    x_rows (M, D), h_rows (M, H) the h_prev of each row, da_rows (M, kH):
    dWx = x.T @ da, dWh = h_prev.T @ da, db = da summed over the rows.
    """
    dWx, dWh, db = grads
    np.matmul(x_rows.T, da_rows, out=dWx)
    np.matmul(h_rows.T, da_rows, out=dWh)
    np.sum(da_rows, axis=0, out=db)


# --------------------------------------------------------------------- GRU
def gru_step(ax, h_prev, Wh, zr, rh, h_tilde, h_next):
    """One GRU step into ``zr`` (N, 2H), ``rh``, ``h_tilde``, ``h_next`` (N, H).

    [z, r] = sigmoid(ax[:, :2H] + h_prev @ Wh[:, :2H]);
    rh = r * h_prev (the reset is applied BEFORE the matmul);
    h_tilde = tanh(ax[:, 2H:] + rh @ Wh[:, 2H:]);
    h_next = (1 - z) * h_prev + z * h_tilde (z weights the NEW candidate).
    """
    H = h_prev.shape[1]
    np.matmul(h_prev, Wh[:, :2 * H], out=zr)
    zr += ax[:, :2 * H]
    sigmoid_(zr)
    z, r = zr[:, :H], zr[:, H:]
    np.multiply(r, h_prev, out=rh)
    np.matmul(rh, Wh[:, 2 * H:], out=h_tilde)
    h_tilde += ax[:, 2 * H:]
    np.tanh(h_tilde, out=h_tilde)
    np.multiply(1 - z, h_prev, out=h_next)
    h_next += z * h_tilde


def gru_step_backward(dh_next, h_prev, zr, h_tilde, WhT, da):
    """Backward of ``gru_step``: writes da (N, 3H) = d[z, r, h~ pre-activations]; returns dh_prev."""
    H = h_prev.shape[1]
    z, r = zr[:, :H], zr[:, H:]
    dh_prev = dh_next * (1 - z)
    # h~ branch: d(pre-activation) and the gradient reaching r * h_prev.
    np.multiply(dh_next, z, out=da[:, 2 * H:])
    da[:, 2 * H:] *= 1 - h_tilde * h_tilde
    drh = da[:, 2 * H:] @ WhT[2 * H:]
    dh_prev += drh * r
    # z and r gates.
    np.multiply(dh_next, h_tilde - h_prev, out=da[:, :H])
    da[:, :H] *= z * (1 - z)
    np.multiply(drh, h_prev, out=da[:, H:2 * H])
    da[:, H:2 * H] *= r * (1 - r)
    dh_prev += da[:, :2 * H] @ WhT[:2 * H]
    return dh_prev


def gru_weight_grads(x_rows, h_rows, rh_rows, da_rows, grads):
    """Writes [dWx, dWh, db] for GRU into ``grads``; the h~ block of Wh saw r * h_prev, not h_prev."""
    dWx, dWh, db = grads
    H = h_rows.shape[1]
    np.matmul(x_rows.T, da_rows, out=dWx)
    np.matmul(h_rows.T, da_rows[:, :2 * H], out=dWh[:, :2 * H])
    np.matmul(rh_rows.T, da_rows[:, 2 * H:], out=dWh[:, 2 * H:])
    np.sum(da_rows, axis=0, out=db)

"""Recurrent cells: one step of RNN, LSTM and GRU (the book's single-step layers).

The step formulas live in ``_recurrent_math`` and are shared with the Time
wrappers of ``time_recurrent`` (TimeRNN, TimeLSTM, TimeGRU), which run them
over T steps without building a cell per step. The weight checks shared by
cells and wrappers are here.

Conventions (api.md): params ``[Wx, Wh, b]``, grads written in place, the
params' dtype (float32 or float64) kept end to end, inputs of another float
dtype converted to it, the caller's arrays never modified.
"""
from __future__ import annotations

from scratch_layers import _recurrent_math as step
from scratch_layers import _validate
from scratch_layers.backend import np

# (number of gate blocks, their names) per kind of cell.
_GATES = {"RNN": (1, "h"), "LSTM": (4, "f, g, i, o"), "GRU": (3, "z, r, h~")}


def _check_weights(owner: str, kind: str, Wx, Wh, b):
    """Wx (D, kH), Wh (H, kH), b (kH,), one float dtype; returns them unchanged."""
    k, names = _GATES[kind]
    Wx = _validate.param_array(owner, "Wx", Wx, 2)
    Wh = _validate.param_array(owner, "Wh", Wh, 2)
    b = _validate.param_array(owner, "b", b, 1)
    _validate.same_dtype(owner, Wx=Wx, Wh=Wh, b=b)
    kH = "H" if k == 1 else f"{k}H"
    D, cols = Wx.shape
    if cols == 0 or cols % k:
        raise ValueError(f"{owner}: Wx must be (D, {kH}) with the gate blocks [{names}] side by side; "
                         f"got {_validate._fmt(Wx.shape)}, {cols} columns")
    H = cols // k
    _validate.shape(owner, "Wh", Wh, (H, cols),
                    f"(H, {kH}) = ({H}, {cols}) to match Wx {_validate._fmt(Wx.shape)}")
    _validate.shape(owner, "b", b, (cols,), f"({kH},) = ({cols},) to match Wx {_validate._fmt(Wx.shape)}")
    return Wx, Wh, b


class _Cell:
    """What RNN, LSTM and GRU share: weights, grads, input checks."""

    _kind = ""

    def __init__(self, Wx, Wh, b):
        self.params = list(_check_weights(self._kind, self._kind, Wx, Wh, b))
        self.grads = [np.zeros_like(p) for p in self.params]
        self.cache = None

    def _inputs(self, x, states):
        """x (N, D) and each named state (N, H), converted to the params' dtype."""
        Wx, Wh, _ = self.params
        owner = f"{self._kind}.forward"
        x = _validate.float_array(owner, "x", x, Wx.dtype)
        _validate.shape(owner, "x", x, (None, Wx.shape[0]),
                        f"(N, D) with D={Wx.shape[0]} to match Wx {_validate._fmt(Wx.shape)}")
        N, H = x.shape[0], Wh.shape[0]
        out = [x]
        for name, s in states.items():
            s = _validate.float_array(owner, name, s, Wx.dtype)
            _validate.shape(owner, name, s, (N, H), f"(N, H) = ({N}, {H}) with N from x")
            out.append(s)
        return out

    def _grad_in(self, name, d):
        """An upstream gradient (N, H) for backward, N from the last forward."""
        owner = f"{self._kind}.backward"
        if self.cache is None:
            raise RuntimeError(f"{owner}: call forward before backward")
        N, Wh = self.cache[0].shape[0], self.params[1]
        d = _validate.float_array(owner, name, d, Wh.dtype)
        _validate.shape(owner, name, d, (N, Wh.shape[0]), f"(N, H) = ({N}, {Wh.shape[0]}) like forward's output")
        return d

    def _dx(self, da):
        """dx = da @ Wx.T."""
        return da @ self.params[0].T


class RNN(_Cell):
    """One step of a vanilla RNN: h_next = tanh(h_prev @ Wh + x @ Wx + b).

    Args: Wx (D, H), Wh (H, H), b (H,), one float dtype (float32 or float64).
    forward(x (N, D), h_prev (N, H)) -> h_next (N, H), in that dtype.
    backward(dh_next (N, H)) -> (dx (N, D), dh_prev (N, H)); grads written in place.
    """

    _kind = "RNN"

    def forward(self, x, h_prev):
        Wx, Wh, b = self.params
        x, h_prev = self._inputs(x, {"h_prev": h_prev})
        h_next = np.empty(h_prev.shape, dtype=Wh.dtype)
        step.rnn_step(x @ Wx + b, h_prev, Wh, h_next)
        self.cache = (x, h_prev, h_next)
        return h_next

    def backward(self, dh_next):
        dh_next = self._grad_in("dh_next", dh_next)
        x, h_prev, h_next = self.cache
        da = np.empty_like(h_next)
        dh_prev = step.rnn_step_backward(dh_next, h_next, self.params[1].T, da)
        step.dense_weight_grads(x, h_prev, da, self.grads)
        return self._dx(da), dh_prev


class LSTM(_Cell):
    """One LSTM step, gate blocks in the book's order [f, g, i, o], no peepholes.

    A = x @ Wx + h_prev @ Wh + b; f, i, o = sigmoid, g = tanh;
    c_next = f * c_prev + g * i; h_next = o * tanh(c_next).

    Args: Wx (D, 4H), Wh (H, 4H), b (4H,), one float dtype.
    forward(x (N, D), h_prev (N, H), c_prev (N, H)) -> (h_next, c_next), each (N, H).
    backward(dh_next, dc_next) -> (dx (N, D), dh_prev, dc_prev); grads written in place.
    """

    _kind = "LSTM"

    def forward(self, x, h_prev, c_prev):
        Wx, Wh, b = self.params
        x, h_prev, c_prev = self._inputs(x, {"h_prev": h_prev, "c_prev": c_prev})
        N, H = h_prev.shape
        gates = np.empty((N, 4 * H), dtype=Wh.dtype)
        c_next, tanh_c, h_next = (np.empty((N, H), dtype=Wh.dtype) for _ in range(3))
        step.lstm_step(x @ Wx + b, h_prev, c_prev, Wh, gates, c_next, tanh_c, h_next)
        self.cache = (x, h_prev, c_prev, gates, tanh_c)
        return h_next, c_next

    def backward(self, dh_next, dc_next):
        dh_next = self._grad_in("dh_next", dh_next)
        dc_next = self._grad_in("dc_next", dc_next)
        x, h_prev, c_prev, gates, tanh_c = self.cache
        da = np.empty_like(gates)
        dh_prev, dc_prev = step.lstm_step_backward(dh_next, dc_next, gates, c_prev, tanh_c, self.params[1].T, da)
        step.dense_weight_grads(x, h_prev, da, self.grads)
        return self._dx(da), dh_prev, dc_prev


class GRU(_Cell):
    """One GRU step in the book's form, gate blocks [z, r, h~].

    z = sigmoid(x Wxz + h Whz + bz), r = sigmoid(x Wxr + h Whr + br),
    h~ = tanh(x Wxh + (r * h) @ Whh + bh), h_next = (1 - z) * h + z * h~.
    The reset is applied before the matmul and z weights the new candidate
    (torch and Keras weight the old state with z).

    Args: Wx (D, 3H), Wh (H, 3H), b (3H,), one float dtype.
    forward(x (N, D), h_prev (N, H)) -> h_next (N, H).
    backward(dh_next (N, H)) -> (dx (N, D), dh_prev (N, H)); grads written in place.
    """

    _kind = "GRU"

    def forward(self, x, h_prev):
        Wx, Wh, b = self.params
        x, h_prev = self._inputs(x, {"h_prev": h_prev})
        N, H = h_prev.shape
        zr = np.empty((N, 2 * H), dtype=Wh.dtype)
        rh, h_tilde, h_next = (np.empty((N, H), dtype=Wh.dtype) for _ in range(3))
        step.gru_step(x @ Wx + b, h_prev, Wh, zr, rh, h_tilde, h_next)
        self.cache = (x, h_prev, zr, rh, h_tilde)
        return h_next

    def backward(self, dh_next):
        dh_next = self._grad_in("dh_next", dh_next)
        x, h_prev, zr, rh, h_tilde = self.cache
        da = np.empty((x.shape[0], 3 * h_prev.shape[1]), dtype=h_prev.dtype)
        dh_prev = step.gru_step_backward(dh_next, h_prev, zr, h_tilde, self.params[1].T, da)
        step.gru_weight_grads(x, h_prev, rh, da, self.grads)
        return self._dx(da), dh_prev

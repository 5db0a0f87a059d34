"""Plain, correct recurrent cells and a Time wrapper (api.md), written so one line can be changed.

Not a chapter of the catalogue (it holds no mistakes): ``cells`` and
``wrappers`` subclass these. Each step formula sits in its own small
method, so a mistake overrides just that method. Gate blocks: RNN [h],
LSTM [f, g, i, o], GRU [z, r, h~] (h' = (1-z)*h + z*h~, the reset applied
before the product).
"""
from __future__ import annotations

import numpy as np


def sigmoid(x):
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-x))


class Cell:
    def __init__(self, Wx, Wh, b):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]

    def weight_grads(self, x, h_prev, da):
        """[dWx, dWh, db] of the pre-activation gradient ``da`` (N, kH)."""
        return [x.T @ da, h_prev.T @ da, da.sum(axis=0)]

    def store(self, grads):
        for g, value in zip(self.grads, grads):
            g[...] = value


class RNN(Cell):
    def forward(self, x, h_prev):
        Wx, Wh, b = self.params
        h_next = np.tanh(h_prev @ Wh + x @ Wx + b)
        self.cache = (x, h_prev, h_next)
        return h_next

    def tanh_grad(self, dh_next, h_next):
        return dh_next * (1 - h_next ** 2)

    def backward(self, dh_next):
        Wx, Wh, _ = self.params
        x, h_prev, h_next = self.cache
        da = self.tanh_grad(dh_next, h_next)
        self.store(self.weight_grads(x, h_prev, da))
        return self.dx(da), self.dh_prev(da)

    def dx(self, da):
        return da @ self.params[0].T

    def dh_prev(self, da):
        return da @ self.params[1].T


class LSTM(Cell):
    ORDER = "fgio"            # how forward reads the blocks of the pre-activation
    BACKWARD_ORDER = "fgio"   # how backward stacks the gate gradients

    def split(self, A, order):
        H = A.shape[1] // 4
        blocks = {g: A[:, k * H:(k + 1) * H] for k, g in enumerate(order)}
        return blocks["f"], blocks["g"], blocks["i"], blocks["o"]

    def forward(self, x, h_prev, c_prev):
        Wx, Wh, b = self.params
        f, g, i, o = self.split(x @ Wx + h_prev @ Wh + b, self.ORDER)
        f, g, i, o = sigmoid(f), np.tanh(g), sigmoid(i), sigmoid(o)
        c_next = f * c_prev + g * i
        h_next = self.output(o, c_next)
        self.cache = (x, h_prev, c_prev, f, g, i, o, c_next)
        return h_next, c_next

    def output(self, o, c_next):
        return o * np.tanh(c_next)

    def dc(self, dh_next, dc_next, o, c_next):
        """The gradient reaching c_next: carried dc plus the path through h = o * tanh(c)."""
        return dc_next + dh_next * o * (1 - np.tanh(c_next) ** 2)

    def gate_grads(self, ds, dh_next, c_prev, f, g, i, o, c_next):
        return {"f": ds * c_prev * f * (1 - f), "g": ds * i * (1 - g ** 2), "i": ds * g * i * (1 - i),
                "o": dh_next * np.tanh(c_next) * o * (1 - o)}

    def dc_prev(self, ds, f):
        return ds * f

    def backward(self, dh_next, dc_next):
        Wx, Wh, _ = self.params
        x, h_prev, c_prev, f, g, i, o, c_next = self.cache
        ds = self.dc(dh_next, dc_next, o, c_next)
        d = self.gate_grads(ds, dh_next, c_prev, f, g, i, o, c_next)
        dA = np.hstack([d[k] for k in self.BACKWARD_ORDER])
        self.store(self.weight_grads(x, h_prev, dA))
        return dA @ Wx.T, dA @ Wh.T, self.dc_prev(ds, f)


class GRU(Cell):
    Z_WEIGHTS_NEW = True       # h' = (1-z)*h + z*h~ (the contract); False: torch/Keras's h' = z*h + (1-z)*h~
    RESET_BEFORE = True        # h~ = tanh(x Wxh + (r*h) Whh + bh); False: r * (h Whh) (reset after the product)

    def forward(self, x, h_prev):
        Wx, Wh, b = self.params
        H = Wh.shape[0]
        z = sigmoid(x @ Wx[:, :H] + h_prev @ Wh[:, :H] + b[:H])
        r = sigmoid(x @ Wx[:, H:2 * H] + h_prev @ Wh[:, H:2 * H] + b[H:2 * H])
        hWh = h_prev @ Wh[:, 2 * H:]
        recur = (r * h_prev) @ Wh[:, 2 * H:] if self.RESET_BEFORE else r * hWh
        ht = np.tanh(x @ Wx[:, 2 * H:] + recur + b[2 * H:])
        w = z if self.Z_WEIGHTS_NEW else 1 - z
        self.cache = (x, h_prev, z, r, ht, w, hWh)
        return (1 - w) * h_prev + w * ht

    def candidate_weight_input(self, h_prev, r):
        """What multiplies dh~ in the h~ block of dWh."""
        return r * h_prev

    def dh_prev(self, dh_next, w, drh, r, dz, dr, Wh, H):
        return dh_next * (1 - w) + drh * r + dz @ Wh[:, :H].T + dr @ Wh[:, H:2 * H].T

    def backward(self, dh_next):
        Wx, Wh, _ = self.params
        x, h_prev, z, r, ht, w, hWh = self.cache
        H = Wh.shape[0]
        dt = dh_next * w * (1 - ht ** 2)
        dw = dh_next * (ht - h_prev)
        dz = (dw if self.Z_WEIGHTS_NEW else -dw) * z * (1 - z)
        if self.RESET_BEFORE:
            drh = dt @ Wh[:, 2 * H:].T
            dr = drh * h_prev * r * (1 - r)
            dWht = self.candidate_weight_input(h_prev, r).T @ dt
        else:
            drh = (dt * r) @ Wh[:, 2 * H:].T      # through r * (h @ Whh): the "r" factor moves inside
            dr = dt * hWh * r * (1 - r)
            dWht = h_prev.T @ (dt * r)
            r = np.ones_like(r)                   # dh_prev's path through h~ is drh itself
        da = np.hstack([dz, dr, dt])
        self.store([x.T @ da, np.hstack([h_prev.T @ dz, h_prev.T @ dr, dWht]), da.sum(axis=0)])
        return da @ Wx.T, self.dh_prev(dh_next, w, drh, r, dz, dr, Wh, H)


class TimeWrapper:
    """The loop over time around ``CELL``: state per api.md, BPTT summing every step's grads."""

    CELL = RNN
    STATES = 1

    def __init__(self, Wx, Wh, b, stateful=False):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.stateful = stateful
        self.h = self.c = self.dh = None

    def start_state(self, state, N, H, dtype):
        return np.zeros((N, H), dtype=dtype) if not self.stateful or state is None else state

    def step_input_state(self, h):
        return h

    def forward(self, xs):
        Wx, Wh, _ = self.params
        N, T, _ = xs.shape
        H = Wh.shape[0]
        h = self.start_state(self.h, N, H, Wx.dtype)
        c = self.start_state(self.c, N, H, Wx.dtype) if self.STATES == 2 else None
        hs = np.empty((N, T, H), dtype=Wx.dtype)
        self.layers = []
        for t in range(T):
            layer = self.CELL(*self.params)
            if self.STATES == 2:
                h, c = layer.forward(xs[:, t, :], self.step_input_state(h), c)
            else:
                h = layer.forward(xs[:, t, :], self.step_input_state(h))
            hs[:, t, :] = h
            self.layers.append(layer)
        self.keep_state(h, c)
        return hs

    def keep_state(self, h, c):
        self.h, self.c = h, c

    def time_order(self, T):
        return reversed(range(T))

    def carried(self, dh):
        return dh

    def carried_c(self, dc):
        return dc

    def backward(self, dhs):
        Wx, Wh, _ = self.params
        N, T, H = dhs.shape
        dxs = np.empty((N, T, Wx.shape[0]), dtype=Wx.dtype)
        dh = np.zeros((N, H), dtype=Wx.dtype)
        dc = np.zeros((N, H), dtype=Wx.dtype)
        total = [np.zeros_like(p) for p in self.params]
        for t in self.time_order(T):
            layer = self.layers[t]
            if self.STATES == 2:
                dx, dh, dc = layer.backward(dhs[:, t, :] + self.carried(dh), self.carried_c(dc))
            else:
                dx, dh = layer.backward(dhs[:, t, :] + self.carried(dh))
            dxs[:, t, :] = dx
            self.add_grads(total, layer.grads, t, T)
        for g, acc in zip(self.grads, total):
            g[...] = acc
        self.dh = dh
        return dxs

    def add_grads(self, total, grads, t, T):
        for acc, g in zip(total, grads):
            acc += g

    def set_state(self, h, c=None):
        self.h, self.c = h, c

    def reset_state(self):
        self.h = self.c = None


class TimeRNN(TimeWrapper):
    def set_state(self, h):
        self.h = h


class TimeLSTM(TimeWrapper):
    CELL, STATES = LSTM, 2


class TimeGRU(TimeWrapper):
    CELL = GRU

    def set_state(self, h):
        self.h = h


WRAPPERS = {"RNN": TimeRNN, "LSTM": TimeLSTM, "GRU": TimeGRU}
CELLS = {"RNN": RNN, "LSTM": LSTM, "GRU": GRU}


def wrapped(cell_cls, kind: str):
    """The correct Time wrapper of ``kind`` stepping ``cell_cls``."""
    return type(f"Time{kind}", (WRAPPERS[kind],), {"CELL": cell_cls})

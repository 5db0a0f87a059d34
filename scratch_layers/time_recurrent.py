"""Time wrappers: TimeRNN, TimeLSTM, TimeGRU and TimeBiLSTM over (N, T, D) sequences.

Each wrapper runs the step formulas of ``_recurrent_math`` (the same code as
the cells RNN, LSTM, GRU) for t = 0..T-1, built for speed:

- the input projection of all steps is one product, (N*T, D) @ Wx + b;
- per-step results go into caches preallocated once per forward; the hidden
  states live in one (N, T+1, H) array whose slot 0 is the initial state, so
  slots 0..T-1 are the h_prev of each step and 1..T the outputs;
- backward writes each step's pre-activation gradient into an (N, T, kH)
  array and then computes dxs, dWx, dWh and db each with one product over
  all N*T rows instead of summing T small ones.

State (api.md): ``h`` (and ``c``) start at zeros when the layer is not
stateful or the state is None; a stateful layer carries them from one
forward to the next as plain arrays (truncated BPTT: no gradient flows into
the previous call). ``self.h`` holds the last hidden state after every
forward. backward stores ``self.dh``, the gradient w.r.t. the initial h.
"""
from __future__ import annotations

from scratch_layers import _recurrent_math as step
from scratch_layers import _validate
from scratch_layers.backend import np
from scratch_layers.recurrent import _check_weights


class _TimeRecurrent:
    """What TimeRNN, TimeLSTM and TimeGRU share: weights, state, checks, the input side of BPTT."""

    _kind = ""  # the cell: "RNN", "LSTM" or "GRU"

    def __init__(self, Wx, Wh, b, stateful=False):
        self.params = list(_check_weights(type(self).__name__, self._kind, Wx, Wh, b))
        self.grads = [np.zeros_like(p) for p in self.params]
        self.stateful = stateful
        self.h = None
        self.dh = None
        self._cache = None

    def _owner(self, method: str) -> str:
        return f"{type(self).__name__}.{method}"

    def _project(self, xs):
        """xs (N, T, D) -> (x_rows (N*T, D), ax = xs @ Wx + b as (N, T, kH)), in the params' dtype."""
        Wx, _, b = self.params
        owner = self._owner("forward")
        xs = _validate.float_array(owner, "xs", xs, Wx.dtype)
        D = Wx.shape[0]
        _validate.shape(owner, "xs", xs, (None, None, D),
                        f"(N, T, D) with D={D} to match Wx {_validate._fmt(Wx.shape)}")
        N, T, _ = xs.shape
        x_rows = xs.reshape(N * T, D)
        ax = x_rows @ Wx
        ax += b
        return x_rows, ax.reshape(N, T, Wx.shape[1])

    def _initial(self, name: str, N: int):
        """The state a forward starts from: zeros, or the carried ``self.<name>`` when stateful."""
        Wh = self.params[1]
        state = getattr(self, name)
        if not self.stateful or state is None:
            return np.zeros((N, Wh.shape[0]), dtype=Wh.dtype)
        if state.shape[0] != N:
            raise ValueError(
                f"{self._owner('forward')}: the carried state {name} is {_validate._fmt(state.shape)} "
                f"but xs has N={N}; call reset_state() or set_state() for a new batch size")
        return state

    def _state_arg(self, name: str, state):
        """A state given to set_state: (N, H), converted to the params' dtype, copied."""
        Wh = self.params[1]
        owner = self._owner("set_state")
        state = _validate.float_array(owner, name, state, Wh.dtype)
        _validate.shape(owner, name, state, (None, Wh.shape[0]), f"(N, H) with H={Wh.shape[0]}")
        return state.copy()

    def set_state(self, h):
        """Sets the hidden state (N, H) the next stateful forward starts from."""
        self.h = self._state_arg("h", h)

    def reset_state(self):
        """Forgets the carried state: the next forward starts from zeros."""
        self.h = None

    def _grad_in(self, dhs):
        """dhs (N, T, H) like forward's output, in the params' dtype."""
        owner = self._owner("backward")
        if self._cache is None:
            raise RuntimeError(f"{owner}: call forward before backward")
        Wh = self.params[1]
        N, T = self._cache[1].shape[0], self._cache[1].shape[1] - 1  # hs is (N, T+1, H)
        dhs = _validate.float_array(owner, "dhs", dhs, Wh.dtype)
        _validate.shape(owner, "dhs", dhs, (N, T, Wh.shape[0]),
                        f"(N, T, H) = ({N}, {T}, {Wh.shape[0]}) like forward's hs")
        return dhs

    def _finish_backward(self, da, dh):
        """Stores self.dh; returns dxs = da @ Wx.T as (N, T, D)."""
        Wx = self.params[0]
        self.dh = dh
        N, T, kH = da.shape
        return (da.reshape(N * T, kH) @ Wx.T).reshape(N, T, Wx.shape[0])


def _rows(a):
    """(N, T, K) -> (N*T, K), copying only when the layout requires it."""
    return a.reshape(a.shape[0] * a.shape[1], a.shape[2])


class TimeRNN(_TimeRecurrent):
    """A vanilla RNN over T steps: hs[:, t] = tanh(hs[:, t-1] @ Wh + xs[:, t] @ Wx + b).

    Args: Wx (D, H), Wh (H, H), b (H,), one float dtype; stateful (default False).
    forward(xs (N, T, D)) -> hs (N, T, H).
    backward(dhs (N, T, H)) -> dxs (N, T, D); grads (summed over steps) written
    in place; ``self.dh`` (N, H) is the gradient w.r.t. the initial h.
    """

    _kind = "RNN"

    def forward(self, xs):
        Wx, Wh, b = self.params
        x_rows, ax = self._project(xs)
        N, T, H = ax.shape
        hs = np.empty((N, T + 1, H), dtype=Wh.dtype)
        hs[:, 0] = self._initial("h", N)
        for t in range(T):
            step.rnn_step(ax[:, t], hs[:, t], Wh, hs[:, t + 1])
        self.h = hs[:, T].copy()
        self._cache = (x_rows, hs)
        return hs[:, 1:].copy()

    def backward(self, dhs):
        dhs = self._grad_in(dhs)
        x_rows, hs = self._cache
        Wh = self.params[1]
        WhT = np.ascontiguousarray(Wh.T)  # contiguous: the per-step da @ WhT is faster
        N, T, H = dhs.shape
        da = np.empty((N, T, H), dtype=Wh.dtype)
        dh = np.zeros((N, H), dtype=Wh.dtype)
        for t in reversed(range(T)):
            dh = step.rnn_step_backward(dhs[:, t] + dh, hs[:, t + 1], WhT, da[:, t])
        step.dense_weight_grads(x_rows, _rows(hs[:, :T]), _rows(da), self.grads)
        return self._finish_backward(da, dh)


class TimeLSTM(_TimeRecurrent):
    """An LSTM over T steps (gates [f, g, i, o], see ``LSTM``), carrying h and c.

    Args: Wx (D, 4H), Wh (H, 4H), b (4H,), one float dtype; stateful (default False).
    forward(xs (N, T, D)) -> hs (N, T, H); ``self.h``, ``self.c`` hold the last state.
    backward(dhs (N, T, H)) -> dxs (N, T, D); grads written in place; ``self.dh``
    is the gradient w.r.t. the initial h; the one for the initial c is discarded.
    set_state(h, c=None): c restarts at zeros when not given.
    """

    _kind = "LSTM"

    def __init__(self, Wx, Wh, b, stateful=False):
        super().__init__(Wx, Wh, b, stateful)
        self.c = None

    def set_state(self, h, c=None):
        """Sets h (N, H) and c (N, H); c=None makes c restart at zeros."""
        h = self._state_arg("h", h)
        if c is not None:
            c = self._state_arg("c", c)
            if c.shape != h.shape:
                raise ValueError(f"{self._owner('set_state')}: c must have the shape of h "
                                 f"{_validate._fmt(h.shape)}; got {_validate._fmt(c.shape)}")
        self.h, self.c = h, c

    def reset_state(self):
        """Forgets h and c: the next forward starts from zeros."""
        self.h, self.c = None, None

    def forward(self, xs):
        Wx, Wh, b = self.params
        x_rows, ax = self._project(xs)
        N, T, H4 = ax.shape
        H = H4 // 4
        hs = np.empty((N, T + 1, H), dtype=Wh.dtype)
        cs = np.empty((N, T + 1, H), dtype=Wh.dtype)
        gates = np.empty((N, T, H4), dtype=Wh.dtype)
        tanh_cs = np.empty((N, T, H), dtype=Wh.dtype)
        hs[:, 0] = self._initial("h", N)
        cs[:, 0] = self._initial("c", N)
        for t in range(T):
            step.lstm_step(ax[:, t], hs[:, t], cs[:, t], Wh,
                           gates[:, t], cs[:, t + 1], tanh_cs[:, t], hs[:, t + 1])
        self.h, self.c = hs[:, T].copy(), cs[:, T].copy()
        self._cache = (x_rows, hs, cs, gates, tanh_cs)
        return hs[:, 1:].copy()

    def backward(self, dhs):
        dhs = self._grad_in(dhs)
        x_rows, hs, cs, gates, tanh_cs = self._cache
        Wh = self.params[1]
        WhT = np.ascontiguousarray(Wh.T)  # contiguous: the per-step da @ WhT is faster
        N, T, H = dhs.shape
        da = np.empty((N, T, 4 * H), dtype=Wh.dtype)
        dh = np.zeros((N, H), dtype=Wh.dtype)
        dc = np.zeros((N, H), dtype=Wh.dtype)
        for t in reversed(range(T)):
            dh, dc = step.lstm_step_backward(dhs[:, t] + dh, dc, gates[:, t], cs[:, t],
                                             tanh_cs[:, t], WhT, da[:, t])
        step.dense_weight_grads(x_rows, _rows(hs[:, :T]), _rows(da), self.grads)
        return self._finish_backward(da, dh)


class TimeGRU(_TimeRecurrent):
    """The book's GRU over T steps (gates [z, r, h~], reset before the matmul, see ``GRU``).

    Args: Wx (D, 3H), Wh (H, 3H), b (3H,), one float dtype; stateful (default False).
    forward(xs (N, T, D)) -> hs (N, T, H).
    backward(dhs (N, T, H)) -> dxs (N, T, D); grads written in place; ``self.dh``
    is the gradient w.r.t. the initial h.
    """

    _kind = "GRU"

    def forward(self, xs):
        Wx, Wh, b = self.params
        x_rows, ax = self._project(xs)
        N, T, H3 = ax.shape
        H = H3 // 3
        hs = np.empty((N, T + 1, H), dtype=Wh.dtype)
        zr = np.empty((N, T, 2 * H), dtype=Wh.dtype)
        rh = np.empty((N, T, H), dtype=Wh.dtype)
        h_tilde = np.empty((N, T, H), dtype=Wh.dtype)
        hs[:, 0] = self._initial("h", N)
        for t in range(T):
            step.gru_step(ax[:, t], hs[:, t], Wh, zr[:, t], rh[:, t], h_tilde[:, t], hs[:, t + 1])
        self.h = hs[:, T].copy()
        self._cache = (x_rows, hs, zr, rh, h_tilde)
        return hs[:, 1:].copy()

    def backward(self, dhs):
        dhs = self._grad_in(dhs)
        x_rows, hs, zr, rh, h_tilde = self._cache
        Wh = self.params[1]
        WhT = np.ascontiguousarray(Wh.T)  # contiguous: the per-step da @ WhT is faster
        N, T, H = dhs.shape
        da = np.empty((N, T, 3 * H), dtype=Wh.dtype)
        dh = np.zeros((N, H), dtype=Wh.dtype)
        for t in reversed(range(T)):
            dh = step.gru_step_backward(dhs[:, t] + dh, hs[:, t], zr[:, t], h_tilde[:, t], WhT, da[:, t])
        step.gru_weight_grads(x_rows, _rows(hs[:, :T]), _rows(rh), _rows(da), self.grads)
        return self._finish_backward(da, dh)


class TimeBiLSTM:
    """A bidirectional LSTM: one TimeLSTM reads xs forward, a second reads it reversed in time.

    out = concat([hs_fwd, reversed(hs_bwd)], axis=2), forward half first
    (as torch ``bidirectional=True`` and Keras ``Bidirectional(merge_mode='concat')``).

    Args: Wx1 (D, 4H), Wh1 (H, 4H), b1 (4H,) for the forward direction;
    Wx2, Wh2, b2 of the same shapes and dtype for the backward one; stateful
    (default False), passed to both.
    forward(xs (N, T, D)) -> out (N, T, 2H).
    backward(dout (N, T, 2H)) -> dxs (N, T, D) = dxs_fwd + reversed(dxs_bwd).
    params = [Wx1, Wh1, b1, Wx2, Wh2, b2], grads likewise (the two layers' own arrays).
    """

    def __init__(self, Wx1, Wh1, b1, Wx2, Wh2, b2, stateful=False):
        first = _check_weights("TimeBiLSTM (forward direction)", "LSTM", Wx1, Wh1, b1)
        second = _check_weights("TimeBiLSTM (backward direction)", "LSTM", Wx2, Wh2, b2)
        for n1, p1, n2, p2 in zip(("Wx1", "Wh1", "b1"), first, ("Wx2", "Wh2", "b2"), second):
            if p1.shape != p2.shape or p1.dtype != p2.dtype:
                raise ValueError(f"TimeBiLSTM: {n2} must have the shape and dtype of {n1} "
                                 f"{_validate._fmt(p1.shape)} {p1.dtype}; got {_validate._fmt(p2.shape)} {p2.dtype}")
        self.forward_lstm = TimeLSTM(*first, stateful=stateful)
        self.backward_lstm = TimeLSTM(*second, stateful=stateful)
        self.params = self.forward_lstm.params + self.backward_lstm.params
        self.grads = self.forward_lstm.grads + self.backward_lstm.grads
        self.stateful = stateful

    def forward(self, xs):
        Wx = self.params[0]
        xs = _validate.float_array("TimeBiLSTM.forward", "xs", xs, Wx.dtype)
        _validate.shape("TimeBiLSTM.forward", "xs", xs, (None, None, Wx.shape[0]),
                        f"(N, T, D) with D={Wx.shape[0]} to match Wx1 {_validate._fmt(Wx.shape)}")
        hs_fwd = self.forward_lstm.forward(xs)
        hs_bwd = self.backward_lstm.forward(xs[:, ::-1])
        return np.concatenate([hs_fwd, hs_bwd[:, ::-1]], axis=2)

    def backward(self, dout):
        if self.forward_lstm._cache is None:
            raise RuntimeError("TimeBiLSTM.backward: call forward before backward")
        hs = self.forward_lstm._cache[1]
        N, T, H = hs.shape[0], hs.shape[1] - 1, hs.shape[2]
        dout = _validate.float_array("TimeBiLSTM.backward", "dout", dout, self.params[0].dtype)
        _validate.shape("TimeBiLSTM.backward", "dout", dout, (N, T, 2 * H),
                        f"(N, T, 2H) = ({N}, {T}, {2 * H}) like forward's output")
        dxs = self.forward_lstm.backward(dout[:, :, :H])
        dxs += self.backward_lstm.backward(dout[:, ::-1, H:])[:, ::-1]
        return dxs

    def reset_state(self):
        """Forgets the state of both directions."""
        self.forward_lstm.reset_state()
        self.backward_lstm.reset_state()

"""Drive recurrent cells and Time wrappers the way the book's code calls them.

Registry entries of kind "custom" for RNN, LSTM, GRU and TimeRNN, TimeLSTM,
TimeGRU use these runs; ``reference.registry.isolation_cells`` reuses them. A run
gets *copies* of the sample's arrays and reports, beside the quantities, the
mistakes the generic driver (``reference.registry.drive``) reports for plain layers:
a ``grads[i]`` rebound instead of written in place, a param or input
modified, a backward that returns the wrong number of gradients.

Cells (one step): sample inputs ``x`` (N, D), ``h_prev`` (N, H) and, for
LSTM, ``c_prev``; ``dout`` is dh_next (N, H), or for LSTM the stacked
(2, N, H) = [dh_next, dc_next], both fed to ``backward(dh, dc)``. Quantities
``h_next`` (``c_next``), ``dx``, ``dh_prev`` (``dc_prev``), ``dWx``, ``dWh``,
``db``; ``out`` is what finite differences differentiate: h_next, or
stack([h_next, c_next]) for LSTM (so L = sum(out * dout) feeds both).

Time wrappers: the sample says how the layer is driven (``protocol``):

    xs (N, T, D)            one forward/backward                 quantities hs, h, c, dxs, dWx, dWh, db, dh0
    xs (K, N, T, D)         K consecutive calls, state carried    each quantity stacked over the K calls
    h0 [, c0]               set_state(h0[, c0]) before the first call (stateful)
    xs_before               a forward on it first (leaves a state behind), then
                            set_state(h0) when h0 is given, else reset_state()

``init_kwargs["stateful"]`` is passed to the constructor. ``h``/``c`` are
read from ``layer.h``/``layer.c`` after forward, ``dh0`` from ``layer.dh``
after backward (the gradient w.r.t. the state the call started from).
"""
from __future__ import annotations

import copy as _copy
from dataclasses import dataclass

import numpy as np

# Gate blocks per cell: Wh is (H, k*H).
CELL_OF_GATES = {1: "RNN", 3: "GRU", 4: "LSTM"}
GATES_OF_CELL = {v: k for k, v in CELL_OF_GATES.items()}


def cell_kind(Wh: np.ndarray) -> str:
    """"RNN", "GRU" or "LSTM" from the shape of Wh (H, kH)."""
    H, cols = Wh.shape
    try:
        return CELL_OF_GATES[cols // H]
    except KeyError:
        raise ValueError(f"cell_kind: Wh {Wh.shape} is not (H, k*H) with k in 1, 3, 4") from None


def _copy_value(v):
    return v.copy() if isinstance(v, np.ndarray) else _copy.deepcopy(v)


class Guard:
    """Copies of a sample's arrays for the implementation, and the checks made afterwards."""

    def __init__(self, sample):
        self.params = {k: _copy_value(v) for k, v in sample.params.items()}
        self.inputs = {k: _copy_value(v) for k, v in sample.inputs.items()}
        self._pristine = ({k: _copy_value(v) for k, v in self.params.items()},
                          {k: _copy_value(v) for k, v in self.inputs.items()})
        self.problems: list[str] = []
        self._held: list = []

    def hold(self, layer) -> None:
        """Remember the grads arrays, as an optimizer would hold them."""
        self._held = list(getattr(layer, "grads", []))

    def grads(self, layer, names) -> dict:
        """Copies of layer.grads named d<param>; a rebound array is a problem."""
        grads = list(getattr(layer, "grads", []))
        out = {}
        for i, name in enumerate(names):
            out["d" + name] = np.array(grads[i], copy=True) if i < len(grads) else None
            if i < len(self._held) and i < len(grads) and grads[i] is not self._held[i]:
                msg = (f"grads[{i}] (d{name}) was rebound instead of written in place: "
                       f"use grads[{i}][...] = value")
                if msg not in self.problems:
                    self.problems.append(msg)
        return out

    def finish(self, quantities: dict):
        """The quantities and the problems found, as a ``reference.registry.drive.Outcome``."""
        from reference.registry.drive import Outcome  # here: drive imports the registry, which imports this module

        for kind, given, pristine in (("param", self.params, self._pristine[0]),
                                      ("input", self.inputs, self._pristine[1])):
            for name, value in given.items():
                if isinstance(value, np.ndarray) and not np.array_equal(value, pristine[name], equal_nan=True):
                    self.problems.append(f"{kind} {name!r} was modified in place by forward/backward")
        return Outcome(quantities=quantities, problems=self.problems)


def _unpack(returned, names, problems) -> tuple:
    """backward's return value as len(names) gradients (None where it returned something else)."""
    if isinstance(returned, (tuple, list)) and len(returned) == len(names):
        return tuple(returned)
    problems.append(f"backward returned {type(returned).__name__}; expected a tuple "
                    f"({', '.join(names)})")
    return (None,) * len(names)


def _arr(value):
    return None if value is None else np.array(value, copy=True)


# ----------------------------------------------------------------- cells
def run_cell(cls, sample):
    """One step of RNN / LSTM / GRU (``cls``): forward then backward, see the module docstring."""
    guard = Guard(sample)
    layer = cls(*guard.params.values())
    guard.hold(layer)
    x, h_prev = guard.inputs["x"], guard.inputs["h_prev"]
    dout = np.array(sample.dout, copy=True)
    q: dict = {}
    if "c_prev" in guard.inputs:
        returned = layer.forward(x, h_prev, guard.inputs["c_prev"])
        h_next, c_next = _unpack(returned, ("h_next", "c_next"), guard.problems)
        q["h_next"], q["c_next"] = _arr(h_next), _arr(c_next)
        q["out"] = None if h_next is None or c_next is None else np.stack([np.asarray(h_next), np.asarray(c_next)])
        back = layer.backward(dout[0], dout[1])
        q["dx"], q["dh_prev"], q["dc_prev"] = map(_arr, _unpack(back, ("dx", "dh_prev", "dc_prev"), guard.problems))
    else:
        q["h_next"] = q["out"] = _arr(layer.forward(x, h_prev))
        back = layer.backward(dout)
        q["dx"], q["dh_prev"] = map(_arr, _unpack(back, ("dx", "dh_prev"), guard.problems))
    q.update(guard.grads(layer, sample.params))
    return guard.finish(q)


# ---------------------------------------------------------- Time wrappers
@dataclass(frozen=True)
class Protocol:
    """How a Time wrapper is driven, read from a sample (see the module docstring)."""

    calls: int          # consecutive forward/backward calls
    stateful: bool
    warmup: bool        # a forward on xs_before first
    set_h: bool         # set_state(h0 ...) before the first call
    set_c: bool         # ... with c0
    reset: bool         # reset_state() after the warm-up (no h0)

    @classmethod
    def of(cls, sample) -> "Protocol":
        inputs = sample.inputs
        xs = inputs["xs"]
        warmup, set_h = "xs_before" in inputs, "h0" in inputs
        return cls(calls=xs.shape[0] if xs.ndim == 4 else 1,
                   stateful=bool(sample.init_kwargs.get("stateful", False)),
                   warmup=warmup, set_h=set_h, set_c=set_h and "c0" in inputs,
                   reset=warmup and not set_h)


def _chunks(a: np.ndarray, calls: int) -> list[np.ndarray]:
    return [a] if calls == 1 else [a[k] for k in range(calls)]


def _stacked(per_call: list[dict], calls: int) -> dict:
    if calls == 1:
        return per_call[0]
    out = {}
    for key in per_call[0]:
        values = [d[key] for d in per_call]
        out[key] = None if any(v is None for v in values) else np.stack([np.asarray(v) for v in values])
    return out


def run_time(cls, sample):
    """A Time wrapper (``cls``) driven per ``Protocol.of(sample)``; quantities per the module docstring."""
    proto = Protocol.of(sample)
    guard = Guard(sample)
    inputs = guard.inputs
    layer = cls(*guard.params.values(), stateful=proto.stateful)
    guard.hold(layer)
    lstm = cell_kind(guard.params["Wh"]) == "LSTM"
    if proto.warmup:
        layer.forward(inputs["xs_before"])
    if proto.set_h:
        layer.set_state(*([inputs["h0"], inputs["c0"]] if proto.set_c else [inputs["h0"]]))
    elif proto.reset:
        layer.reset_state()
    dout = np.array(sample.dout, copy=True)
    per_call = []
    for xs, dhs in zip(_chunks(inputs["xs"], proto.calls), _chunks(dout, proto.calls)):
        q = {"hs": _arr(layer.forward(xs)), "h": _arr(getattr(layer, "h", None))}
        if lstm:
            q["c"] = _arr(getattr(layer, "c", None))
        q["dxs"] = _arr(layer.backward(dhs))
        q.update(guard.grads(layer, sample.params))
        q["dh0"] = _arr(getattr(layer, "dh", None))
        per_call.append(q)
    quantities = _stacked(per_call, proto.calls)
    quantities["out"] = quantities["hs"]
    return guard.finish(quantities)

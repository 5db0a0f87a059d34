"""Is the cell at fault or the Time wrapper? Two runs that separate them.

A book-style ``TimeLSTM`` builds one ``LSTM`` cell object per step from the
name ``LSTM`` in its own module, and loops over them. When it disagrees with
the oracles, either the cell's formulas or the loop (carrying ``dh``/``dc``,
summing the weight gradients over the steps, the state handling) is wrong.
Two runs, each with one half replaced by a verified one, tell which:

- ``run_wrapper_on_reference_cell(time_cls, "LSTM", sample)``: the
  implementation's Time wrapper, with the name ``LSTM`` that its methods
  look up replaced, for the duration of the run, by the reference cell
  (``scratch_layers``' LSTM, itself judged by the ``LSTM`` entries against
  torch and Keras). Fails => the wrapper is at fault.
- ``run_reference_wrapper_on_cell(cell_cls, sample)``: the harness's own
  Time loop (``reference_time_wrapper``, the book's loop written from the
  contract) stepping the implementation's cell class through BPTT. Fails =>
  the cell is at fault (through the very sequence the wrapper check used).

Both take a Time-wrapper sample (``reference.registry.recurrent_drive``: any
protocol, set_state, several calls...) and return ``{quantity: array}``
comparable with the oracles' ``TimeLSTM`` results. Registry entries
``TimeLSTM[student-wrapper,reference-cell]`` and
``LSTM[reference-wrapper,student-cell]`` (and the RNN/GRU ones) run them.

What the first run proves depends on the wrapper: one that never builds a
cell from that name (scratch_layers' own wrappers inline the step formulas
for speed) is unaffected by the substitution, so the run is the wrapper's
ordinary check again and cannot separate anything. ``cells_built`` in the
result (not a quantity) says how many reference cells the wrapper built; 0
means the substitution had no effect.

Pure harness code: NumPy only, no framework import.
"""
from __future__ import annotations

import sys
from contextlib import contextmanager

import numpy as np

from reference.registry.recurrent_drive import GATES_OF_CELL, cell_kind, run_time

TIME_TO_CELL = {"TimeRNN": "RNN", "TimeLSTM": "LSTM", "TimeGRU": "GRU"}
_MISSING = object()


def reference_cell(cell_name: str):
    """The verified cell ``cell_name`` (RNN, LSTM, GRU) of scratch_layers, tolerant of book-style callers.

    The book's loop starts BPTT with ``dh, dc = 0, 0`` and passes those
    scalars to the last step's ``backward``; scratch_layers' cells insist on
    (N, H) arrays. The reference cell broadcasts scalar upstream gradients
    to the state's shape, so it is never the reason a wrapper's run fails.
    """
    if cell_name not in GATES_OF_CELL:
        raise ValueError(f"reference_cell: cell_name must be one of {sorted(GATES_OF_CELL)}; got {cell_name!r}")
    from scratch_layers import recurrent

    base = getattr(recurrent, cell_name)

    class Tolerant(base):
        def forward(self, x, h_prev, *states):
            self._state_shape = np.shape(h_prev)
            return super().forward(x, h_prev, *states)

        def backward(self, *upstream):
            dtype = self.params[1].dtype
            return super().backward(*(np.broadcast_to(np.asarray(d, dtype=dtype), self._state_shape).copy()
                                      for d in upstream))

    Tolerant.__name__ = Tolerant.__qualname__ = cell_name
    return Tolerant


def _namespaces(cls) -> list[dict]:
    """The global namespaces the class's methods resolve names in (its module's, usually one)."""
    found: list[dict] = []
    module = sys.modules.get(getattr(cls, "__module__", ""), None)
    candidates = [getattr(module, "__dict__", None)]
    for klass in getattr(cls, "__mro__", (cls,)):
        for value in vars(klass).values():
            candidates.append(getattr(value, "__globals__", None))
    for ns in candidates:
        if isinstance(ns, dict) and all(ns is not seen for seen in found):
            found.append(ns)
    return found


@contextmanager
def substituted(time_cls, cell_name: str, replacement):
    """Within the block, ``cell_name`` looked up by ``time_cls``'s methods is a counting ``replacement``.

    Yields a one-element list holding the number of instances built so far.
    Every namespace is restored afterwards (a name that did not exist is removed).
    """
    built = [0]

    class Counted(replacement):
        def __init__(self, *args, **kwargs):
            built[0] += 1
            super().__init__(*args, **kwargs)

    Counted.__name__ = Counted.__qualname__ = f"Reference{cell_name}"
    spaces = _namespaces(time_cls)
    saved = [(ns, ns.get(cell_name, _MISSING)) for ns in spaces]
    try:
        for ns in spaces:
            ns[cell_name] = Counted
        yield built
    finally:
        for ns, old in saved:
            if old is _MISSING:
                ns.pop(cell_name, None)
            else:
                ns[cell_name] = old


def run_wrapper_on_reference_cell(time_cls, cell_name: str, sample) -> dict:
    """The implementation's Time wrapper run on ``sample`` with the reference ``cell_name`` cell.

    Returns the quantities of ``recurrent_drive.run_time`` plus ``cells_built``
    (an int: how many reference cells the wrapper built; 0 = no effect).
    """
    with substituted(time_cls, cell_name, reference_cell(cell_name)) as built:
        outcome = run_time(time_cls, sample)
    return {**outcome.quantities, "cells_built": built[0]}


def run_reference_wrapper_on_cell(cell_cls, sample) -> dict:
    """The harness's Time loop over the implementation's ``cell_cls`` on ``sample``: quantities."""
    return dict(run_time(reference_time_wrapper(cell_cls), sample).quantities)


def reference_time_wrapper(cell_cls):
    """A Time wrapper class with the contract's API (TimeRNN/TimeLSTM/TimeGRU) stepping ``cell_cls``.

    The book's loop, written from api.md: one ``cell_cls(Wx, Wh, b)`` per step
    sharing the weight arrays; forward(xs (N, T, D)) -> hs (N, T, H); backward
    runs the steps in reverse feeding ``dhs[:, t] + dh`` (and ``dc`` for LSTM),
    sums each step's grads, stores ``dh``. ``stateful``, ``set_state(h, c=None)``
    (c restarts at zeros), ``reset_state()``, ``h``, ``c`` as in the contract.
    The arrays keep whatever dtype the cell returns (a float32-only cell shows).
    """

    class ReferenceTimeWrapper:
        def __init__(self, Wx, Wh, b, stateful=False):
            self.params = [Wx, Wh, b]
            self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
            self.lstm = cell_kind(Wh) == "LSTM"
            self.stateful = stateful
            self.h = self.c = self.dh = None
            self.cells = []

        def set_state(self, h, c=None):
            self.h, self.c = np.array(h, copy=True), None if c is None else np.array(c, copy=True)

        def reset_state(self):
            self.h = self.c = None

        def forward(self, xs):
            Wx, Wh, _ = self.params
            N, T, _ = xs.shape
            zeros = np.zeros((N, Wh.shape[0]), dtype=Wh.dtype)
            h = self.h if self.stateful and self.h is not None else zeros
            c = self.c if self.stateful and self.c is not None else zeros
            self.cells, hs = [], []
            for t in range(T):
                cell = cell_cls(*self.params)
                if self.lstm:
                    h, c = cell.forward(xs[:, t, :], h, c)
                else:
                    h = cell.forward(xs[:, t, :], h)
                self.cells.append(cell)
                hs.append(np.asarray(h))
            self.h, self.c = np.array(h, copy=True), (np.array(c, copy=True) if self.lstm else None)
            return np.stack(hs, axis=1)

        def backward(self, dhs):
            N, T, H = dhs.shape
            dh = np.zeros((N, H), dtype=dhs.dtype)
            dc = np.zeros((N, H), dtype=dhs.dtype)
            dxs = [None] * T
            total = [np.zeros_like(g) for g in self.grads]
            for t in reversed(range(T)):
                cell = self.cells[t]
                if self.lstm:
                    dxs[t], dh, dc = cell.backward(dhs[:, t, :] + dh, dc)
                else:
                    dxs[t], dh = cell.backward(dhs[:, t, :] + dh)
                for acc, g in zip(total, cell.grads):
                    acc += g
            for g, acc in zip(self.grads, total):
                g[...] = acc
            self.dh = dh
            return np.stack([np.asarray(d) for d in dxs], axis=1)

    name = getattr(cell_cls, "__name__", "cell")
    ReferenceTimeWrapper.__name__ = ReferenceTimeWrapper.__qualname__ = f"ReferenceTimeWrapper[{name}]"
    return ReferenceTimeWrapper

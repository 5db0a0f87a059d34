"""Registry entries: the recurrent layers of the book's time_layers.py.

Cells (RNN, LSTM, GRU: one step) are judged on their own; each Time wrapper
(TimeRNN, TimeLSTM, TimeGRU) through BPTT, in several ways of driving it
(``reference.registry.recurrent_drive``), each a variant:

    TimeX                       not stateful: starts from zeros                 torch, keras
    TimeX[set_state]            stateful, set_state(h0[, c0]) with telling h0   torch, fd64 (FD_SIZES)
    TimeLSTM[set_state-h-only]  a forward leaves c behind; set_state(h0) must restart c at 0   torch
    TimeX[reset_state]          a forward leaves a state; reset_state() -> zeros                torch
    TimeX[stateful-3-calls]     three forward/backward calls, state carried (and detached)      torch
    TimeX[student-wrapper,reference-cell]   the wrapper over the reference cell (isolation_cells) torch
    X[reference-wrapper,student-cell]       the reference loop over the student's cell          torch

Quantities: hs (forward output), h and c (``layer.h``/``layer.c`` after
forward), dxs, dWx, dWh, db, and dh0 (``layer.dh``: the gradient w.r.t. the
state the call started from, zeros included). In the 3-call variant each is
stacked over the calls (first index = call), each call compared with the
framework run from the carried state.

Oracles per entry are chosen for cost as much as coverage: finite
differences cross-checked with Keras would run a Keras RNN (~40 ms) once per
perturbed entry, so fd64 sits on the ``[set_state]`` variants (with torch),
Keras on the plain ones (with torch); torch~keras and torch~fd64 agree, so
all three are tied together.

Telling data: each gate block of Wx, Wh and b has its own distribution,
biases are non-zero, Wh is not symmetric, weights scaled by 1/sqrt(fan_in)
so that pre-activations stay O(1) at any size (the long-sequence tests reuse
these samples at T=100 and D=H=100).
"""
from __future__ import annotations

import numpy as np

from reference.registry import cases as C
from reference.registry import isolation_cells, recurrent_drive
from reference.registry.component import Component, Sample

CELL_SIZES = {"N": (1, 4), "D": (1, 5), "H": (1, 6)}
TIME_SIZES = {"N": (1, 4), "T": (1, 6), "D": (1, 5), "H": (1, 6)}
# The fd64 variants run the layer twice per entry of every input and weight:
# smaller, still pairwise distinct at the telling case (N=2 T=5 D=3 H=4).
FD_SIZES = {"N": (1, 2), "T": (1, 5), "D": (1, 3), "H": (1, 4)}
CALLS = 3  # consecutive calls of the stateful variant
# States, inputs and upstream gradients are O(1) (h and the gates are bounded
# by 1): rounding errors are of that size even where a result cancels to
# ~0.01 (tolerances.Tolerance.floor, measured there).
OPERAND_SCALE = 1.0
GATES = recurrent_drive.GATES_OF_CELL


def weights(rng, kind: str, D: int, H: int, dtype) -> dict[str, np.ndarray]:
    """Telling Wx (D, kH), Wh (H, kH), b (kH,): per-gate distributions, fan-in scaled, non-zero bias."""
    k = GATES[kind]
    return {"Wx": C.telling(rng, (D, k * H), dtype, blocks=k, scale=1.0 / np.sqrt(max(D, 1))),
            "Wh": C.telling(rng, (H, k * H), dtype, blocks=k, scale=1.0 / np.sqrt(max(H, 1))),
            "b": C.bias(rng, k * H, dtype, blocks=k)}


def state(rng, N: int, H: int, dtype, scale: float = 0.5) -> np.ndarray:
    """A telling, non-zero state (N, H)."""
    return C.telling(rng, (N, H), dtype, scale=scale)


# -- cells --------------------------------------------------------------------
def sample_cell(kind: str):
    """x (N, D), h_prev (N, H) [, c_prev]; dout dh_next (N, H) or [dh_next, dc_next] (2, N, H)."""
    def sample(case):
        rng = case.rng()
        N, D, H = case["N"], case["D"], case["H"]
        params = weights(rng, kind, D, H, case.dtype)
        inputs = {"x": C.telling(rng, (N, D), case.dtype, scale=1.0), "h_prev": state(rng, N, H, case.dtype)}
        if kind == "LSTM":
            inputs["c_prev"] = state(rng, N, H, case.dtype, scale=1.0)
            dout = C.upstream(rng, (2, N, H), case.dtype)
        else:
            dout = C.upstream(rng, (N, H), case.dtype)
        return Sample(case, params=params, inputs=inputs, dout=dout, differentiable=tuple(inputs))
    return sample


def cell_quantities(kind: str) -> tuple[str, ...]:
    if kind == "LSTM":
        return ("h_next", "c_next", "dx", "dh_prev", "dc_prev", "dWx", "dWh", "db")
    return ("h_next", "dx", "dh_prev", "dWx", "dWh", "db")


# -- Time wrappers --------------------------------------------------------------
HOW = ("zeros", "set_state", "set_state_h", "reset", "calls")


def sample_time(kind: str, how: str):
    """A Time-wrapper sample driven ``how`` (see HOW and reference.registry.recurrent_drive.Protocol)."""
    if how not in HOW:
        raise ValueError(f"sample_time: how must be one of {HOW}; got {how!r}")

    def sample(case):
        rng = case.rng()
        N, T, D, H = case["N"], case["T"], case["D"], case["H"]
        params = weights(rng, kind, D, H, case.dtype)
        lead = (CALLS,) if how == "calls" else ()
        inputs = {"xs": C.telling(rng, lead + (N, T, D), case.dtype, scale=1.0)}
        if how in ("set_state_h", "reset"):
            inputs["xs_before"] = C.telling(rng, (N, T, D), case.dtype, scale=1.0)
        if how in ("set_state", "set_state_h"):
            inputs["h0"] = state(rng, N, H, case.dtype)
            if kind == "LSTM" and how == "set_state":
                inputs["c0"] = state(rng, N, H, case.dtype, scale=1.0)
        return Sample(case, params=params, inputs=inputs, dout=C.upstream(rng, lead + (N, T, H), case.dtype),
                      differentiable=("xs", "h0") if "h0" in inputs else ("xs",),
                      init_kwargs={"stateful": how != "zeros"}, steps=T)
    return sample


def time_quantities(kind: str) -> tuple[str, ...]:
    return ("hs", "h") + (("c",) if kind == "LSTM" else ()) + ("dxs", "dWx", "dWh", "db", "dh0")


HINTS = {
    "RNN": {"h_next": "h_next = tanh(h_prev @ Wh + x @ Wx + b)",
            "dh_prev": "dh_prev = (dh_next * (1 - h_next**2)) @ Wh.T",
            "dWh": "dWh = h_prev.T @ (dh_next * (1 - h_next**2))"},
    "LSTM": {"h_next": "A = x@Wx + h@Wh + b sliced [f, g, i, o]: f, i, o sigmoid, g tanh; "
                       "c' = f*c + g*i; h' = o*tanh(c')",
             "c_next": "c' = f*c_prev + g*i (gate order f, g, i, o)",
             "dc_prev": "dc_prev = (dc_next + dh_next * o * (1 - tanh(c')**2)) * f",
             "dh_prev": "dh_prev = dA @ Wh.T with dA stacked [df, dg, di, do]"},
    "GRU": {"h_next": "z, r = sigmoid, h~ = tanh(x@Wxh + (r*h)@Whh + bh): the reset BEFORE the matmul; "
                      "h' = (1-z)*h + z*h~ (z weights the NEW candidate)",
            "dWh": "the h~ block of dWh is (r*h_prev).T @ dh~, not h_prev.T @ dh~"},
}
TIME_HINTS = {
    "dWh": "dWx right, dWh wrong: is dh carried from step t to t-1 (backward feeds dhs[:, t] + dh)?",
    "dWx": "sum every step's parameter gradients (not only the last step's)",
    "db": "db sums the pre-activation gradients over the batch AND all steps",
    "dxs": "backward feeds each step dhs[:, t] + the dh carried from step t+1",
    "dh0": "self.dh = the dh left after the t=0 step (the gradient w.r.t. the initial h)",
    "h": "self.h holds the last hidden state hs[:, -1] after forward",
    "c": "self.c holds the last cell state after forward",
}
VARIANT_HINTS = {
    "set_state": {"hs": "stateful: forward starts from the state given to set_state(h[, c])"},
    "set_state_h": {"hs": "set_state(h) without c must restart c at zeros (not keep the old c)",
                    "c": "set_state(h) without c must restart c at zeros (not keep the old c)"},
    "reset": {"hs": "reset_state() must make the next forward start from zeros (h and c)"},
    "calls": {"hs": "stateful: each forward starts from the previous call's last h (and c)",
              "dh0": "each backward's self.dh is the gradient w.r.t. that call's initial h"},
}
VARIANT_NAMES = {"set_state": "set_state", "set_state_h": "set_state-h-only", "reset": "reset_state",
                 "calls": f"stateful-{CALLS}-calls"}


def _time_entry(kind: str, how: str, oracles, name: str | None = None, variant: str | None = None,
                run=recurrent_drive.run_time, doc: str = "") -> Component:
    hints = {**HINTS[kind], **TIME_HINTS, **VARIANT_HINTS.get(how, {})}
    sizes = FD_SIZES if "fd64" in oracles else TIME_SIZES
    return Component(name or f"Time{kind}", "custom", "time_layers", sample_time(kind, how), sizes,
                     oracles, time_quantities(kind), recurrent=True, run=run, hints=hints,
                     operand_scale=OPERAND_SCALE,
                     variant=VARIANT_NAMES.get(how, "") if variant is None else variant, doc=doc)


def _wrapper_on_reference_cell(kind: str):
    def run(time_cls, sample):
        return isolation_cells.run_wrapper_on_reference_cell(time_cls, kind, sample)
    return run


def _reference_wrapper_on_cell(cell_cls, sample):
    return isolation_cells.run_reference_wrapper_on_cell(cell_cls, sample)


def _entries_for(kind: str) -> list[Component]:
    out = [
        Component(kind, "custom", "time_layers", sample_cell(kind), CELL_SIZES, ("torch", "keras"),
                  cell_quantities(kind), recurrent=True, run=recurrent_drive.run_cell, hints=HINTS[kind],
                  operand_scale=OPERAND_SCALE),
        _time_entry(kind, "zeros", ("torch", "keras")),
        _time_entry(kind, "set_state", ("torch", "fd64")),
        _time_entry(kind, "reset", ("torch",)),
        _time_entry(kind, "calls", ("torch",)),
        _time_entry(kind, "set_state", ("torch",), variant="student-wrapper,reference-cell",
                    run=_wrapper_on_reference_cell(kind),
                    doc=f"the implementation's Time{kind} with the name {kind} in its module bound to the "
                        f"reference cell: a failure here and not in {kind}[reference-wrapper,student-cell] "
                        f"blames the wrapper (no effect when the wrapper builds no {kind} cells)"),
        _time_entry(kind, "set_state", ("torch",), name=kind, variant="reference-wrapper,student-cell",
                    run=_reference_wrapper_on_cell,
                    doc=f"the implementation's {kind} cell stepped through BPTT by the harness's own Time "
                        f"loop: a failure here blames the cell"),
    ]
    if kind == "LSTM":
        out.insert(3, _time_entry(kind, "set_state_h", ("torch",)))
    return out


def sample_bilstm(case):
    """Two directions' telling weights (each its own draw), xs (N, T, D), dout (N, T, 2H)."""
    rng = case.rng()
    N, T, D, H = case["N"], case["T"], case["D"], case["H"]
    first, second = weights(rng, "LSTM", D, H, case.dtype), weights(rng, "LSTM", D, H, case.dtype)
    params = {f"{k}1": v for k, v in first.items()} | {f"{k}2": v for k, v in second.items()}
    return Sample(case, params=params, inputs={"xs": C.telling(rng, (N, T, D), case.dtype, scale=1.0)},
                  dout=C.upstream(rng, (N, T, 2 * H), case.dtype), differentiable=("xs",), steps=T)


ENTRIES = tuple(e for kind in ("RNN", "LSTM", "GRU") for e in _entries_for(kind)) + (
    Component("TimeBiLSTM", "layer", "time_layers", sample_bilstm, TIME_SIZES, ("torch", "keras"),
              ("out", "dxs", "dWx1", "dWh1", "db1", "dWx2", "dWh2", "db2"), recurrent=True,
              operand_scale=OPERAND_SCALE,
              hints={"out": "out = concat([hs_fwd, hs_bwd re-reversed in time], axis=2), forward half first",
                     "dxs": "dxs = dxs_fwd + dxs_bwd re-reversed in time",
                     "dWx2": "the second LSTM reads xs[:, ::-1] and gets dout[:, ::-1, H:]"}),
)

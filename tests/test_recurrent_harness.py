"""The harness behind the recurrent registry entries, tested on its own.

- ``recurrent_drive``: how a sample says a Time wrapper is driven (Protocol).
- ``isolation_cells``: with a book-style implementation (a TimeLSTM that
  builds one LSTM cell per step from its module's name ``LSTM``), a cell bug
  fails only the "reference wrapper, student cell" run and a wrapper bug
  only the "student wrapper, reference cell" run; names are restored.
- A regression found by the drawn cases: NumPy 2.4's in-place
  ``np.negative`` on one-column float32 views (scratch_layers' gate sigmoid).
"""
from __future__ import annotations

import sys
import types

import numpy as np
import pytest

from reference import registry
from reference.registry.cases import TELLING_SIZES, Case, fixed_sizes
from reference.judging.check import check, compare_all
from reference.sandbox.implementation import Implementation
from reference.registry.isolation_cells import (reference_time_wrapper, run_reference_wrapper_on_cell,
                                       run_wrapper_on_reference_cell, substituted)
from reference.registry.recurrent_drive import Protocol, run_time
from scratch_layers import time_recurrent
from scratch_layers.time_layers import TimeLSTM

# A book-style TimeLSTM/LSTM pair, written here from the contract, with two switchable bugs.
BOOK_STYLE = '''
import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


class LSTM:
    def __init__(self, Wx, Wh, b):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.cache = None

    def forward(self, x, h_prev, c_prev):
        Wx, Wh, b = self.params
        H = h_prev.shape[1]
        A = x @ Wx + h_prev @ Wh + b
        f, g = sigmoid(A[:, :H]), np.tanh(A[:, H:2 * H])
        i, o = sigmoid(A[:, 2 * H:3 * H]), sigmoid(A[:, 3 * H:])
        if NO_FORGET_GATE:
            f = np.ones_like(f)
        c_next = f * c_prev + g * i
        h_next = o * np.tanh(c_next)
        self.cache = (x, h_prev, c_prev, f, g, i, o, c_next)
        return h_next, c_next

    def backward(self, dh_next, dc_next):
        Wx, Wh, _ = self.params
        x, h_prev, c_prev, f, g, i, o, c_next = self.cache
        tc = np.tanh(c_next)
        ds = dc_next + dh_next * o * (1 - tc ** 2)
        df = np.zeros_like(f) if NO_FORGET_GATE else ds * c_prev * f * (1 - f)
        dA = np.hstack([df, ds * i * (1 - g ** 2), ds * g * i * (1 - i), dh_next * tc * o * (1 - o)])
        self.grads[0][...] = x.T @ dA
        self.grads[1][...] = h_prev.T @ dA
        self.grads[2][...] = dA.sum(axis=0)
        return dA @ Wx.T, dA @ Wh.T, ds * f


class TimeLSTM:
    def __init__(self, Wx, Wh, b, stateful=False):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.layers = None
        self.h, self.c, self.dh = None, None, None
        self.stateful = stateful

    def forward(self, xs):
        Wx, Wh, b = self.params
        N, T, D = xs.shape
        H = Wh.shape[0]
        self.layers = []
        hs = np.empty((N, T, H), dtype=Wx.dtype)
        if not self.stateful or self.h is None:
            self.h = np.zeros((N, H), dtype=Wx.dtype)
        if not self.stateful or self.c is None:
            self.c = np.zeros((N, H), dtype=Wx.dtype)
        for t in range(T):
            layer = LSTM(*self.params)
            self.h, self.c = layer.forward(xs[:, t, :], self.h, self.c)
            hs[:, t, :] = self.h
            self.layers.append(layer)
        return hs

    def backward(self, dhs):
        Wx, Wh, b = self.params
        N, T, H = dhs.shape
        dxs = np.empty((N, T, Wx.shape[0]), dtype=Wx.dtype)
        dh, dc = 0, 0
        grads = [0, 0, 0]
        for t in reversed(range(T)):
            dx, dh_new, dc = self.layers[t].backward(dhs[:, t, :] + dh, dc)
            dh = 0 * dh_new if DROPS_DH else dh_new
            dxs[:, t, :] = dx
            for i, grad in enumerate(self.layers[t].grads):
                grads[i] += grad
        for i, grad in enumerate(grads):
            self.grads[i][...] = grad
        self.dh = dh_new
        return dxs

    def set_state(self, h, c=None):
        self.h, self.c = h, c

    def reset_state(self):
        self.h, self.c = None, None
'''


def book_style(name: str, no_forget_gate: bool = False, drops_dh: bool = False) -> types.ModuleType:
    """A fresh module (registered in sys.modules) holding the book-style LSTM and TimeLSTM."""
    module = types.ModuleType(name)
    module.NO_FORGET_GATE, module.DROPS_DH = no_forget_gate, drops_dh
    exec(compile(BOOK_STYLE, f"<{name}>", "exec"), module.__dict__)
    sys.modules[name] = module
    return module


@pytest.fixture
def modules():
    made = []

    def make(**bugs):
        name = f"book_style_fixture_{len(made)}_{'_'.join(k for k, v in bugs.items() if v) or 'clean'}"
        made.append(name)
        return book_style(name, **bugs)
    yield make
    for name in made:
        sys.modules.pop(name, None)


SET_STATE = registry.get("TimeLSTM[set_state]")


def _sample(dtype="float64", seed=3):
    return SET_STATE.sample(Case(dtype, fixed_sizes(SET_STATE.sizes, TELLING_SIZES), seed))


def _agrees(quantities: dict, sample) -> bool:
    """Every quantity equal (float64 rounding) to scratch_layers' TimeLSTM on the same sample."""
    expected = run_time(TimeLSTM, sample).quantities
    result = compare_all(SET_STATE, "torch", sample.case, quantities, expected, sample.steps,
                         quantities=SET_STATE.quantities)
    return all(c.ok for c in result)


# ------------------------------------------------------------- protocol
@pytest.mark.parametrize("variant, expected", [
    ("TimeLSTM", Protocol(1, False, False, False, False, False)),
    ("TimeLSTM[set_state]", Protocol(1, True, False, True, True, False)),
    ("TimeLSTM[set_state-h-only]", Protocol(1, True, True, True, False, False)),
    ("TimeLSTM[reset_state]", Protocol(1, True, True, False, False, True)),
    ("TimeLSTM[stateful-3-calls]", Protocol(3, True, False, False, False, False)),
    ("TimeGRU[set_state]", Protocol(1, True, False, True, False, False)),
])
def test_protocol_is_read_from_the_sample(variant, expected):
    component = registry.get(variant)
    sample = component.sample(Case("float64", fixed_sizes(component.sizes, TELLING_SIZES), 1))
    assert Protocol.of(sample) == expected


# ------------------------------------------------------------ isolation
def test_clean_book_style_passes_both_isolation_runs_and_builds_one_cell_per_step(modules):
    m = modules()
    sample = _sample()
    on_reference_cell = run_wrapper_on_reference_cell(m.TimeLSTM, "LSTM", sample)
    assert on_reference_cell["cells_built"] == sample.case["T"]
    assert _agrees(on_reference_cell, sample)
    assert _agrees(run_reference_wrapper_on_cell(m.LSTM, sample), sample)
    assert _agrees(run_time(m.TimeLSTM, sample).quantities, sample)


def test_a_cell_bug_fails_only_the_run_that_keeps_the_student_cell(modules):
    m = modules(no_forget_gate=True)
    sample = _sample()
    assert not _agrees(run_time(m.TimeLSTM, sample).quantities, sample), "the bug must show at all"
    assert _agrees(run_wrapper_on_reference_cell(m.TimeLSTM, "LSTM", sample), sample), "wrapper blamed"
    assert not _agrees(run_reference_wrapper_on_cell(m.LSTM, sample), sample), "cell not blamed"


def test_a_wrapper_bug_fails_only_the_run_that_keeps_the_student_wrapper(modules):
    m = modules(drops_dh=True)
    sample = _sample()
    assert not _agrees(run_time(m.TimeLSTM, sample).quantities, sample), "the bug must show at all"
    assert not _agrees(run_wrapper_on_reference_cell(m.TimeLSTM, "LSTM", sample), sample), "wrapper not blamed"
    assert _agrees(run_reference_wrapper_on_cell(m.LSTM, sample), sample), "cell blamed"


@pytest.mark.framework("torch")
def test_registry_isolation_variants_attribute_the_fault_against_torch(modules):
    """The generated checks themselves: the cell variant fails for a cell bug, the wrapper one for a wrapper bug."""
    wrapper_check = registry.get("TimeLSTM[student-wrapper,reference-cell]")
    cell_check = registry.get("LSTM[reference-wrapper,student-cell]")
    case = Case("float64", fixed_sizes(wrapper_check.sizes, TELLING_SIZES), 5)
    verdicts = {}
    for bug in ("no_forget_gate", "drops_dh"):
        impl = Implementation("fixture", {"time_layers": modules(**{bug: True})})
        verdicts[bug] = (check(wrapper_check, "torch", impl, case).ok, check(cell_check, "torch", impl, case).ok)
    assert verdicts == {"no_forget_gate": (True, False), "drops_dh": (False, True)}


def test_substitution_is_undone_and_has_no_effect_on_wrappers_without_cells(modules):
    m = modules()
    original = m.LSTM
    assert not hasattr(time_recurrent, "LSTM")
    sample = _sample()
    result = run_wrapper_on_reference_cell(TimeLSTM, "LSTM", sample)
    assert result["cells_built"] == 0, "scratch_layers' TimeLSTM inlines the step: nothing to substitute"
    assert not hasattr(time_recurrent, "LSTM"), "a name that did not exist must be removed again"
    with pytest.raises(ZeroDivisionError):
        with substituted(m.TimeLSTM, "LSTM", original):
            assert m.LSTM is not original
            raise ZeroDivisionError
    assert m.LSTM is original


def test_reference_wrapper_keeps_the_cells_dtype():
    """A float32-only cell shows through the reference loop (it does not upcast the results)."""
    from scratch_layers.recurrent import LSTM

    class Float32LSTM(LSTM):
        def __init__(self, Wx, Wh, b):
            super().__init__(Wx.astype(np.float32), Wh.astype(np.float32), b.astype(np.float32))

    sample = _sample()
    quantities = run_time(reference_time_wrapper(Float32LSTM), sample).quantities
    assert quantities["hs"].dtype == np.float32 and quantities["dxs"].dtype == np.float32


# ------------------------------------------------------------ regression
@pytest.mark.parametrize("dtype, columns", [(np.float32, 4), (np.float64, 8)], ids=["float32", "float64"])
def test_gate_sigmoid_on_one_column_views_with_the_strides_numpy_negative_gets_wrong(dtype, columns):
    """NumPy 2.4's ``np.negative(a, out=a)`` is wrong for these views; sigmoid_ must not be."""
    from scratch_layers._recurrent_math import sigmoid_
    from scratch_layers.functions import sigmoid

    gates = np.linspace(-3, 3, 5 * columns).astype(dtype).reshape(5, columns)
    expected = sigmoid(gates[:, :1].copy())
    got = sigmoid_(gates[:, :1])
    np.testing.assert_allclose(got, expected, rtol=8 * np.finfo(dtype).eps)


# ------------------------------------------------------------ tolerance floor
def test_operand_scale_floors_the_tolerance_scale_only_for_the_entries_that_declare_it():
    """A single h that cancels to 0.01 is judged against the operands' scale 1, not against 0.01 (float64;
    in float32 the cancellation term measures it on each case, and a floor would hide a 1e-3 error)."""
    from reference.registry.tolerances import F32_BPTT, F64_BPTT

    tiny = np.array([0.01])
    floored = registry.get("LSTM").tolerance("h_next", "float64", "torch")
    assert floored.allowed(tiny) == pytest.approx(F64_BPTT.rel_to_max * 1.0)
    assert floored.allowed(np.array([30.0])) == pytest.approx(F64_BPTT.rel_to_max * 30.0)
    assert F64_BPTT.allowed(tiny) == pytest.approx(F64_BPTT.rel_to_max * 0.01)
    assert floored.scaled(2.0, "x").floor == floored.floor == 1.0
    assert registry.get("LSTM").tolerance("h_next", "float32", "torch").allowed(tiny) == \
        pytest.approx(F32_BPTT.rel_to_max * 0.01)

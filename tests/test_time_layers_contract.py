"""Contract behaviour of scratch_layers' time layers that the oracle registry does not cover.

Error messages, dtype kept end to end, gradients written in place, inputs
left alone, stateful carry and set_state/reset_state, the documented
TimeSoftmaxWithLoss decisions, TimeDropout's reproducible mask and
TimeOutputWithLoss against finite differences. Values against torch and
Keras are the generated conformance tests' job.

Sizes are small and pairwise distinct so that a swapped axis cannot pass.
"""
from __future__ import annotations

import warnings
import zlib
from typing import Callable, NamedTuple

import numpy as np
import pytest

from scratch_layers import _recurrent_math
from scratch_layers.functions import sigmoid
from scratch_layers.time_layers import (
    GRU, LSTM, RNN, TimeAffine, TimeBiLSTM, TimeDropout, TimeEmbedding, TimeGRU, TimeLSTM,
    TimeOutputWithLoss, TimeRNN, TimeSigmoidWithLoss, TimeSoftmaxWithLoss,
)

N, T, D, H, V, O = 3, 5, 4, 6, 7, 2
DTYPES = (np.float32, np.float64)
GATES = {RNN: 1, LSTM: 4, GRU: 3, TimeRNN: 1, TimeLSTM: 4, TimeGRU: 3}
TIME_RECURRENT = (TimeRNN, TimeLSTM, TimeGRU)
# Central differences in float64 around the layer's own forward.
FD_EPS = 1e-6
FD_ATOL = 1e-8
# Same computation split differently (row blocks of one matmul): float64 rounding only.
SPLIT_ATOL = 1e-13


@pytest.fixture
def rng(request):
    """A generator seeded from the test id: independent of order and workers."""
    return np.random.default_rng(zlib.crc32(request.node.nodeid.encode()))


def _randn(rng, shape, dtype, scale=0.5):
    return (rng.standard_normal(shape) * scale).astype(dtype)


def _weights(rng, k, dtype, d=D, h=H):
    """Telling weights: random, non-zero bias, distinct per gate."""
    return _randn(rng, (d, k * h), dtype), _randn(rng, (h, k * h), dtype), _randn(rng, (k * h,), dtype)


class Case(NamedTuple):
    """A layer, its forward arguments and its backward arguments (() for a loss: backward())."""
    layer: object
    forward_args: tuple
    backward_args: tuple


def _labels_with_ignored(rng):
    ts = rng.integers(0, V, (N, T))
    ts[0, 1] = ts[2, 3] = -1
    return ts


BUILDERS: dict[str, Callable] = {
    "RNN": lambda rng, dt: Case(RNN(*_weights(rng, 1, dt)), (_randn(rng, (N, D), dt), _randn(rng, (N, H), dt)),
                                (_randn(rng, (N, H), dt),)),
    "LSTM": lambda rng, dt: Case(LSTM(*_weights(rng, 4, dt)),
                                 (_randn(rng, (N, D), dt), _randn(rng, (N, H), dt), _randn(rng, (N, H), dt)),
                                 (_randn(rng, (N, H), dt), _randn(rng, (N, H), dt))),
    "GRU": lambda rng, dt: Case(GRU(*_weights(rng, 3, dt)), (_randn(rng, (N, D), dt), _randn(rng, (N, H), dt)),
                                (_randn(rng, (N, H), dt),)),
    "TimeRNN": lambda rng, dt: Case(TimeRNN(*_weights(rng, 1, dt)), (_randn(rng, (N, T, D), dt),),
                                    (_randn(rng, (N, T, H), dt),)),
    "TimeLSTM": lambda rng, dt: Case(TimeLSTM(*_weights(rng, 4, dt)), (_randn(rng, (N, T, D), dt),),
                                     (_randn(rng, (N, T, H), dt),)),
    "TimeGRU": lambda rng, dt: Case(TimeGRU(*_weights(rng, 3, dt)), (_randn(rng, (N, T, D), dt),),
                                    (_randn(rng, (N, T, H), dt),)),
    "TimeBiLSTM": lambda rng, dt: Case(TimeBiLSTM(*_weights(rng, 4, dt), *_weights(rng, 4, dt)),
                                       (_randn(rng, (N, T, D), dt),), (_randn(rng, (N, T, 2 * H), dt),)),
    "TimeEmbedding": lambda rng, dt: Case(TimeEmbedding(_randn(rng, (V, D), dt)), (rng.integers(0, V, (N, T)),),
                                          (_randn(rng, (N, T, D), dt),)),
    "TimeAffine": lambda rng, dt: Case(TimeAffine(_randn(rng, (D, V), dt), _randn(rng, (V,), dt)),
                                       (_randn(rng, (N, T, D), dt),), (_randn(rng, (N, T, V), dt),)),
    "TimeSoftmaxWithLoss": lambda rng, dt: Case(TimeSoftmaxWithLoss(),
                                                (_randn(rng, (N, T, V), dt, 2.0), _labels_with_ignored(rng)), ()),
    "TimeSigmoidWithLoss": lambda rng, dt: Case(TimeSigmoidWithLoss(),
                                                (_randn(rng, (N, T), dt, 2.0), rng.integers(0, 2, (N, T))), ()),
    "TimeDropout": lambda rng, dt: Case(TimeDropout(0.3), (_randn(rng, (N, T, D), dt),),
                                        (_randn(rng, (N, T, D), dt),)),
    "TimeOutputWithLoss": lambda rng, dt: Case(TimeOutputWithLoss(),
                                               (_randn(rng, (N, T, O), dt), _randn(rng, (N, T, O), dt)), ()),
}


def _arrays(value):
    """The float arrays in a result (an array, a scalar or a tuple of them)."""
    items = value if isinstance(value, tuple) else (value,)
    return [np.asarray(v) for v in items if v is not None]


def _run(case):
    out = case.layer.forward(*case.forward_args)
    grads_in = case.layer.backward(*case.backward_args)
    return out, grads_in


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize("cls", TIME_RECURRENT + (TimeBiLSTM,), ids=lambda c: c.__name__)
def test_forward_error_names_xs_and_shapes_when_d_is_wrong(cls, rng):
    layer = BUILDERS[cls.__name__](rng, np.float64).layer
    k = GATES.get(cls, 4)
    wx = "Wx1" if cls is TimeBiLSTM else "Wx"
    expected = (rf"{cls.__name__}\.forward: xs must be \(N, T, D\) with D={D} to match {wx} "
                rf"\({D}, {k * H}\); got \({N}, {T}, {D + 1}\)")
    with pytest.raises(ValueError, match=expected):
        layer.forward(np.zeros((N, T, D + 1)))


@pytest.mark.parametrize("cls", tuple(GATES), ids=lambda c: c.__name__)
def test_constructor_error_names_wh_expected_and_received(cls, rng):
    k = GATES[cls]
    Wx, _, b = _weights(rng, k, np.float64)
    kh = "H" if k == 1 else f"{k}H"
    expected = (rf"{cls.__name__}: Wh must be \(H, {kh}\) = \({H}, {k * H}\) to match Wx \({D}, {k * H}\); "
                rf"got \({H + 1}, {k * H}\)")
    with pytest.raises(ValueError, match=expected):
        cls(Wx, np.zeros((H + 1, k * H)), b)


@pytest.mark.parametrize("cls", tuple(GATES), ids=lambda c: c.__name__)
def test_constructor_error_names_b_when_its_length_is_wrong(cls, rng):
    k = GATES[cls]
    Wx, Wh, _ = _weights(rng, k, np.float64)
    with pytest.raises(ValueError, match=rf"{cls.__name__}: b must be .*got \({k * H + 1},\)"):
        cls(Wx, Wh, np.zeros(k * H + 1))


@pytest.mark.parametrize("cls", (LSTM, GRU, TimeLSTM, TimeGRU), ids=lambda c: c.__name__)
def test_constructor_rejects_wx_columns_not_a_multiple_of_the_gates(cls):
    with pytest.raises(ValueError, match=rf"{cls.__name__}: Wx must be \(D, {GATES[cls]}H\)"):
        cls(np.zeros((D, 4 * H + 1)), np.zeros((H, 4 * H + 1)), np.zeros(4 * H + 1))


@pytest.mark.parametrize("cls", tuple(GATES), ids=lambda c: c.__name__)
def test_constructor_rejects_mixed_param_dtypes_with_type_error(cls, rng):
    Wx, Wh, b = _weights(rng, GATES[cls], np.float64)
    with pytest.raises(TypeError, match=rf"{cls.__name__}: .*Wh float32"):
        cls(Wx, Wh.astype(np.float32), b)


def test_time_bilstm_rejects_directions_of_different_shapes(rng):
    with pytest.raises(ValueError, match=r"TimeBiLSTM: Wx2 must have the shape and dtype of Wx1"):
        TimeBiLSTM(*_weights(rng, 4, np.float64), *_weights(rng, 4, np.float64, d=D + 1))


@pytest.mark.parametrize("name", ["TimeLSTM", "TimeAffine", "TimeDropout", "TimeSoftmaxWithLoss"])
def test_complex_input_raises_type_error_naming_it(name, rng):
    case = BUILDERS[name](rng, np.float64)
    args = list(case.forward_args)
    args[0] = args[0].astype(np.complex128)
    with pytest.raises(TypeError, match=rf"{name}\.forward: (xs|x) must be a real numeric array"):
        case.layer.forward(*args)


def test_cell_forward_error_names_h_prev(rng):
    layer = BUILDERS["LSTM"](rng, np.float64).layer
    expected = rf"LSTM\.forward: h_prev must be \(N, H\) = \({N}, {H}\).*got \({N}, {H + 1}\)"
    with pytest.raises(ValueError, match=expected):
        layer.forward(np.zeros((N, D)), np.zeros((N, H + 1)), np.zeros((N, H)))


@pytest.mark.parametrize("name", ["TimeLSTM", "TimeAffine", "TimeEmbedding", "TimeBiLSTM"])
def test_backward_error_names_the_upstream_gradient(name, rng):
    case = BUILDERS[name](rng, np.float64)
    case.layer.forward(*case.forward_args)
    bad = np.zeros(case.backward_args[0].shape[:2] + (case.backward_args[0].shape[2] + 1,))
    with pytest.raises(ValueError, match=rf"{name}\.backward: (dhs|dout) must be \(N, T, "):
        case.layer.backward(bad)


@pytest.mark.parametrize("name", ["TimeLSTM", "TimeSoftmaxWithLoss", "TimeDropout", "LSTM"])
def test_backward_before_forward_raises_runtime_error(name, rng):
    case = BUILDERS[name](rng, np.float64)
    with pytest.raises(RuntimeError, match=rf"{name}\.backward: call forward before backward"):
        case.layer.backward(*case.backward_args)


@pytest.mark.parametrize("bad, error, message", [
    (V, ValueError, rf"TimeSoftmaxWithLoss\.forward: ts labels must be in \[0, {V}\) or -1; got {V} at index \(1, 2\)"),
    (-2, ValueError, r"ts labels must be in .* or -1; got -2"),
    (0.5, TypeError, r"TimeSoftmaxWithLoss\.forward: ts must hold integer class labels"),
])
def test_softmax_loss_label_errors_name_ts(bad, error, message, rng):
    ts = rng.integers(0, V, (N, T)).astype(np.float64)
    ts[1, 2] = bad
    with pytest.raises(error, match=message):
        TimeSoftmaxWithLoss().forward(np.zeros((N, T, V)), ts)


def test_softmax_loss_ts_shape_error_names_expected_shape():
    with pytest.raises(ValueError, match=rf"ts must be \(N, T\) = \({N}, {T}\) labels.*got \({T}, {N}\)"):
        TimeSoftmaxWithLoss().forward(np.zeros((N, T, V)), np.zeros((T, N), dtype=int))


def test_embedding_error_names_xs_and_the_bad_id(rng):
    layer = TimeEmbedding(_randn(rng, (V, D), np.float64))
    ids = np.zeros((N, T), dtype=int)
    ids[2, 4] = V
    expected = rf"TimeEmbedding\.forward: xs labels must be in \[0, {V}\); got {V} at index \(2, 4\)"
    with pytest.raises(ValueError, match=expected):
        layer.forward(ids)


def test_sigmoid_loss_rejects_labels_other_than_0_and_1():
    ts = np.zeros((N, T), dtype=int)
    ts[0, 0] = 2
    with pytest.raises(ValueError, match=r"TimeSigmoidWithLoss\.forward: ts labels must be in \[0, 2\)"):
        TimeSigmoidWithLoss().forward(np.zeros((N, T)), ts)


def test_dropout_ratio_outside_unit_interval_is_rejected():
    with pytest.raises(ValueError, match=r"TimeDropout: dropout_ratio must be in \[0, 1\); got 1.0"):
        TimeDropout(1.0)


# ------------------------------------------------------------- dtype kept
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("name", list(BUILDERS))
def test_dtype_is_kept_in_outputs_gradients_and_state(name, dtype, rng):
    case = BUILDERS[name](rng, dtype)
    out, grads_in = _run(case)
    found = _arrays(out) + _arrays(grads_in) + list(case.layer.grads)
    found += [getattr(case.layer, s) for s in ("h", "c", "dh") if getattr(case.layer, s, None) is not None]
    assert found, f"{name}: nothing to check"
    wrong = [(i, a.dtype) for i, a in enumerate(found) if a.dtype != np.dtype(dtype)]
    assert not wrong, f"{name}: expected every array in {np.dtype(dtype)}; got {wrong}"


@pytest.mark.parametrize("layer_dtype, input_dtype", [(np.float32, np.float64), (np.float64, np.float32)],
                         ids=["f32-layer-f64-input", "f64-layer-f32-input"])
@pytest.mark.parametrize("cls", TIME_RECURRENT, ids=lambda c: c.__name__)
def test_inputs_of_another_float_dtype_are_converted_to_the_params_dtype(cls, layer_dtype, input_dtype, rng):
    layer = cls(*_weights(rng, GATES[cls], layer_dtype))
    hs = layer.forward(_randn(rng, (N, T, D), input_dtype))
    dxs = layer.backward(_randn(rng, (N, T, H), input_dtype))
    assert (hs.dtype, dxs.dtype, layer.dh.dtype) == (np.dtype(layer_dtype),) * 3


# ------------------------------------------ grads in place, inputs intact
@pytest.mark.parametrize("name", [n for n in BUILDERS if n not in ("TimeSoftmaxWithLoss", "TimeSigmoidWithLoss",
                                                                 "TimeDropout", "TimeOutputWithLoss")])
def test_backward_writes_grads_into_the_same_arrays(name, rng):
    case = BUILDERS[name](rng, np.float64)
    before = [id(g) for g in case.layer.grads]
    held = list(case.layer.grads)  # what an optimizer holds
    _run(case)
    assert [id(g) for g in case.layer.grads] == before, f"{name}: grads rebound instead of written in place"
    for i, (g, p) in enumerate(zip(held, case.layer.params)):
        assert g.shape == p.shape, f"{name}: grads[{i}] shape {g.shape} != params[{i}] {p.shape}"
        assert np.any(g != 0), f"{name}: grads[{i}] still all zero after backward"


def test_time_bilstm_params_and_grads_are_the_two_directions_in_order(rng):
    P = _weights(rng, 4, np.float64) + _weights(rng, 4, np.float64)
    layer = TimeBiLSTM(*P)
    assert all(a is b for a, b in zip(layer.params, P)) and len(layer.params) == 6
    inner = layer.forward_lstm.grads + layer.backward_lstm.grads
    assert all(a is b for a, b in zip(layer.grads, inner)) and len(layer.grads) == 6


@pytest.mark.parametrize("name", list(BUILDERS))
def test_forward_and_backward_leave_inputs_and_params_unchanged(name, rng):
    case = BUILDERS[name](rng, np.float64)
    watched = list(case.forward_args) + list(case.backward_args) + list(case.layer.params)
    copies = [np.array(a, copy=True) for a in watched]
    _run(case)
    case.layer.backward(*case.backward_args)  # twice: backward must not consume its inputs either
    changed = [i for i, (a, c) in enumerate(zip(watched, copies)) if not np.array_equal(a, c)]
    assert not changed, f"{name}: arrays at positions {changed} (forward args, backward args, params) were modified"


# ------------------------------------------------------- state handling
def _stateful_chunks(cls, rng, xs, h0=None):
    layer = cls(*_weights(rng, GATES[cls], np.float64), stateful=True)
    if h0 is not None:
        layer.set_state(h0)
    chunks = np.split(xs, 3, axis=1)
    return layer, np.concatenate([layer.forward(c) for c in chunks], axis=1)


@pytest.mark.parametrize("cls", TIME_RECURRENT, ids=lambda c: c.__name__)
def test_stateful_three_forwards_equal_one_long_forward(cls, rng):
    xs = _randn(rng, (N, 3 * T, D), np.float64)
    layer, pieces = _stateful_chunks(cls, rng, xs)
    whole = cls(*layer.params).forward(xs)
    np.testing.assert_allclose(pieces, whole, rtol=0, atol=SPLIT_ATOL)
    np.testing.assert_allclose(layer.h, whole[:, -1], rtol=0, atol=SPLIT_ATOL)


@pytest.mark.parametrize("cls", TIME_RECURRENT, ids=lambda c: c.__name__)
def test_not_stateful_starts_every_forward_from_zeros(cls, rng):
    layer = cls(*_weights(rng, GATES[cls], np.float64))
    xs = _randn(rng, (N, T, D), np.float64)
    first = layer.forward(xs)
    layer.set_state(_randn(rng, (N, H), np.float64))
    np.testing.assert_array_equal(layer.forward(xs), first)


@pytest.mark.parametrize("cls", TIME_RECURRENT, ids=lambda c: c.__name__)
def test_reset_state_makes_the_next_forward_start_from_zeros(cls, rng):
    layer = cls(*_weights(rng, GATES[cls], np.float64), stateful=True)
    xs = _randn(rng, (N, T, D), np.float64)
    first = layer.forward(xs)
    assert not np.array_equal(layer.forward(xs), first), "stateful layer did not carry its state"
    layer.reset_state()
    assert layer.h is None and getattr(layer, "c", None) is None
    np.testing.assert_array_equal(layer.forward(xs), first)


@pytest.mark.parametrize("cls", TIME_RECURRENT, ids=lambda c: c.__name__)
def test_set_state_is_the_initial_hidden_state_and_dh_its_gradient(cls, rng):
    layer = cls(*_weights(rng, GATES[cls], np.float64), stateful=True)
    xs, dhs = _randn(rng, (N, T, D), np.float64), _randn(rng, (N, T, H), np.float64)
    h0 = _randn(rng, (N, H), np.float64)

    def loss(h):
        layer.set_state(h)
        return float(np.sum(layer.forward(xs) * dhs))

    loss(h0)
    layer.backward(dhs)
    numeric = np.zeros_like(h0)
    for idx in np.ndindex(h0.shape):
        step = np.zeros_like(h0)
        step[idx] = FD_EPS
        numeric[idx] = (loss(h0 + step) - loss(h0 - step)) / (2 * FD_EPS)
    np.testing.assert_allclose(layer.dh, numeric, rtol=0, atol=FD_ATOL)


def test_lstm_set_state_without_c_restarts_c_at_zeros(rng):
    layer = TimeLSTM(*_weights(rng, 4, np.float64), stateful=True)
    xs, h0 = _randn(rng, (N, T, D), np.float64), _randn(rng, (N, H), np.float64)
    layer.forward(xs)  # leaves a non-zero c behind
    assert np.any(layer.c != 0)
    layer.set_state(h0)
    assert layer.c is None
    got = layer.forward(xs)
    ref = TimeLSTM(*layer.params, stateful=True)
    ref.set_state(h0, np.zeros((N, H)))
    np.testing.assert_array_equal(got, ref.forward(xs))


def test_lstm_set_state_with_c_uses_it(rng):
    P = _weights(rng, 4, np.float64)
    xs, h0, c0 = _randn(rng, (N, T, D), np.float64), _randn(rng, (N, H), np.float64), _randn(rng, (N, H), np.float64)
    with_c, without_c = TimeLSTM(*P, stateful=True), TimeLSTM(*P, stateful=True)
    with_c.set_state(h0, c0)
    without_c.set_state(h0)
    assert not np.allclose(with_c.forward(xs), without_c.forward(xs))


def test_stateful_batch_size_change_raises_and_names_reset_state(rng):
    layer = TimeLSTM(*_weights(rng, 4, np.float64), stateful=True)
    layer.forward(_randn(rng, (N, T, D), np.float64))
    expected = rf"TimeLSTM\.forward: the carried state h is \({N}, {H}\) but xs has N={N + 1}; call reset_state\(\)"
    with pytest.raises(ValueError, match=expected):
        layer.forward(_randn(rng, (N + 1, T, D), np.float64))


# --------------------------------------------------- TimeSoftmaxWithLoss
def test_softmax_loss_all_ignored_is_zero_with_zero_gradient_and_no_warning(rng):
    layer = TimeSoftmaxWithLoss()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = layer.forward(_randn(rng, (N, T, V), np.float32), np.full((N, T), -1))
        dx = layer.backward()
    assert loss == 0.0 and loss.dtype == np.float32
    assert dx.shape == (N, T, V) and dx.dtype == np.float32 and not np.any(dx)


def test_softmax_loss_second_backward_equals_the_first(rng):
    case = BUILDERS["TimeSoftmaxWithLoss"](rng, np.float64)
    case.layer.forward(*case.forward_args)
    first = case.layer.backward(1.5).copy()  # a copy: the result may share memory with the cache
    np.testing.assert_array_equal(case.layer.backward(1.5), first)
    ignored = case.forward_args[1] == -1
    assert not np.any(first[ignored]) and np.all(np.abs(first[~ignored]).sum(axis=-1) > 0)


# --------------------------------------------------------- TimeDropout
def test_dropout_starts_in_training_mode_and_drops():
    layer = TimeDropout(0.5)
    assert layer.train_flg is True
    out = layer.forward(np.ones((N, T, 40)))
    assert np.any(out == 0) and np.any(out == 2.0)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_dropout_mask_is_one_draw_of_the_seeded_global_rng(dtype, rng):
    ratio, seed = 0.3, 4321
    xs, dout = _randn(rng, (N, T, D), dtype), _randn(rng, (N, T, D), dtype)
    np.random.seed(seed)
    expected_mask = (np.random.rand(N, T, D) > ratio).astype(dtype) * (1 / (1 - ratio))
    next_draw = np.random.rand()
    layer = TimeDropout(ratio)
    np.random.seed(seed)
    out = layer.forward(xs)
    assert np.random.rand() == next_draw, "forward must draw np.random.rand(*xs.shape) exactly once"
    np.testing.assert_array_equal(out, xs * expected_mask)
    np.testing.assert_array_equal(layer.backward(dout), dout * expected_mask)
    assert out.dtype == np.dtype(dtype)


def test_dropout_eval_is_the_identity_and_draws_nothing(rng):
    xs, dout = _randn(rng, (N, T, D), np.float64), _randn(rng, (N, T, D), np.float64)
    layer = TimeDropout(0.5)
    layer.train_flg = False
    np.random.seed(7)
    out = layer.forward(xs)
    assert np.random.rand() == np.random.RandomState(7).rand()
    np.testing.assert_array_equal(out, xs)
    np.testing.assert_array_equal(layer.backward(dout), dout)


# -------------------------------------------------- TimeOutputWithLoss
def test_output_loss_gradient_equals_finite_differences_and_only_last_step(rng):
    layer = TimeOutputWithLoss()
    xs, ts = _randn(rng, (N, T, O), np.float64), _randn(rng, (N, T, O), np.float64)
    loss = layer.forward(xs, ts)
    np.testing.assert_allclose(loss, 0.5 * np.sum((xs[:, -1] - ts[:, -1]) ** 2) / N, rtol=1e-15)
    dxs = layer.backward(2.0)
    numeric = np.zeros_like(xs)
    for idx in np.ndindex(xs.shape):
        step = np.zeros_like(xs)
        step[idx] = FD_EPS
        numeric[idx] = 2.0 * (layer.forward(xs + step, ts) - layer.forward(xs - step, ts)) / (2 * FD_EPS)
    np.testing.assert_allclose(dxs, numeric, rtol=0, atol=FD_ATOL)
    assert not np.any(dxs[:, :-1]) and np.all(dxs[:, -1] != 0)


# --------------------------------------------------- private fast sigmoid
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_in_place_gate_sigmoid_equals_functions_sigmoid(dtype):
    x = np.concatenate([np.linspace(-800, 800, 2001), [-1e4, 1e4, 0.0]]).astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = _recurrent_math.sigmoid_(x.copy())
    np.testing.assert_allclose(got, sigmoid(x), rtol=8 * np.finfo(dtype).eps, atol=np.finfo(dtype).tiny)

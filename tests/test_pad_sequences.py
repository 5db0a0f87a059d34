"""scratch_layers' pad_sequences against keras.utils.pad_sequences (Keras 3), plus its own errors."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reference.oracles import frameworks
from scratch_layers.tokenizer import pad_sequences

LIVE = settings(max_examples=max(40, settings.default.max_examples), deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def keras_pad():
    """keras.utils.pad_sequences, or a skip saying why."""
    if not (frameworks.available("keras") and frameworks.available("tensorflow")):
        pytest.skip("Keras 3 with TensorFlow is not installed: no pad_sequences oracle")
    return frameworks.keras().utils.pad_sequences


def _outcome(fn, *args, **kwargs):
    """(array, None) or (None, exception type): errors are compared by type."""
    try:
        return fn(*args, **kwargs), None
    except Exception as exc:
        return None, type(exc)


# Ragged lists of ids, empty sequences included; values fit int32.
ragged = st.lists(st.lists(st.integers(-(2 ** 31), 2 ** 31 - 1), max_size=7), max_size=6)
ragged_floats = st.lists(st.lists(st.floats(-1e6, 1e6, width=32), max_size=7), max_size=6)


@LIVE
@given(data=st.data(), padding=st.sampled_from(["pre", "post"]), truncating=st.sampled_from(["pre", "post"]),
       dtype=st.sampled_from(["int32", "float32"]))
def test_pad_sequences_matches_keras(keras_pad, data, padding, truncating, dtype):
    sequences = data.draw(ragged if dtype == "int32" else ragged_floats, label="sequences")
    longest = max((len(s) for s in sequences), default=0)
    # None, shorter than some sequences, longer than all; 0 is a documented divergence (below)
    maxlen = data.draw(st.one_of(st.none(), st.integers(1, longest + 3)), label="maxlen")
    value = data.draw(st.sampled_from([0.0, -1, 7, 2.5]), label="value")
    kwargs = dict(maxlen=maxlen, dtype=dtype, padding=padding, truncating=truncating, value=value)
    if not sequences:  # Keras fails on an empty list (documented divergence below)
        sequences = [[]]
    expected = keras_pad(sequences, **kwargs)
    actual = pad_sequences(sequences, **kwargs)
    assert actual.dtype == expected.dtype, f"dtype {actual.dtype}, expected {expected.dtype} [{kwargs}]"
    np.testing.assert_array_equal(actual, expected, err_msg=f"pad_sequences({sequences!r}, **{kwargs})")


EDGE_CASES = [  # (id, a function making the sequences afresh, kwargs)
    ("vector_samples", lambda: [[[1, 2]], [[3, 4], [5, 6]], []], {}),
    ("mismatched_sample_shapes", lambda: [[[1, 2]], [[3, 4, 5]]], {}),
    ("strings_object_dtype", lambda: [["a"], ["b", "c"]], {"dtype": object, "value": "pad"}),
    ("strings_str_dtype", lambda: [["ab"], ["b", "c"]], {"dtype": "U5", "value": "xyz"}),
    ("flexible_U_is_one_char", lambda: [["hello"], ["b", "c"]], {"dtype": "U"}),
    ("str_value_int_dtype", lambda: [[1], [2, 3]], {"value": "x"}),
    ("str_value_float_dtype", lambda: [[1], [2, 3]], {"value": "x", "dtype": "float32"}),
    ("strings_into_int32", lambda: [["a"], ["b", "c"]], {}),
    ("floats_truncated_to_int", lambda: [[1.7, -2.5]], {}),
    ("int32_overflow", lambda: [[2 ** 40]], {}),
    ("not_a_list_of_lists", lambda: [1, 2], {}),
    ("not_a_list", lambda: 5, {}),
    ("generator_without_len", lambda: (x for x in [[1]]), {}),
    ("float_maxlen", lambda: [[1, 2, 3]], {"maxlen": 2.5}),
    ("bool_maxlen", lambda: [[1, 2, 3]], {"maxlen": True}),
    ("numpy_int_maxlen", lambda: [[1, 2, 3]], {"maxlen": np.int64(2)}),
    ("bad_padding", lambda: [[1], [2, 3]], {"padding": "x", "maxlen": 1}),
    ("bad_truncating", lambda: [[1, 2], [3]], {"truncating": "x", "maxlen": 1}),
    ("bad_dtype", lambda: [[1], [2, 3]], {"dtype": "foo"}),
]


@pytest.mark.parametrize("make, kwargs", [pytest.param(m, k, id=i) for i, m, k in EDGE_CASES])
def test_pad_sequences_edge_cases_match_keras(keras_pad, make, kwargs):
    """Same result, or the same exception type, as Keras."""
    expected, expected_error = _outcome(keras_pad, make(), **kwargs)
    actual, actual_error = _outcome(pad_sequences, make(), **kwargs)
    assert actual_error == expected_error, f"raised {actual_error}, Keras {expected_error}"
    if expected is not None:
        assert actual.dtype == expected.dtype and actual.tolist() == expected.tolist()


@pytest.mark.parametrize("call, expected_shape", [
    (lambda pad: pad([]), (0, 0)),
    (lambda pad: pad([[1, 2]], maxlen=0), (1, 0)),
])
def test_documented_divergences_from_keras(keras_pad, call, expected_shape):
    """Keras crashes here (empty list; maxlen=0 with s[-0:]); we return an empty array."""
    with pytest.raises(ValueError):
        call(keras_pad)
    assert call(pad_sequences).shape == expected_shape


def test_pad_sequences_known_answer():
    assert pad_sequences([[1, 2, 3], [4], []]).tolist() == [[1, 2, 3], [0, 0, 4], [0, 0, 0]]
    assert pad_sequences([[1, 2, 3], [4]], maxlen=2, padding="post", truncating="post",
                         value=9).tolist() == [[1, 2], [4, 9]]
    assert pad_sequences([[1, 2, 3], [4]], maxlen=2).tolist() == [[2, 3], [0, 4]]


@pytest.mark.parametrize("kwargs, error, argument", [
    ({"padding": "middle"}, ValueError, "padding"),
    ({"truncating": "both"}, ValueError, "truncating"),
    ({"maxlen": -1}, ValueError, "maxlen"),
    ({"maxlen": 1.5}, TypeError, "maxlen"),
    ({"dtype": "no-such-dtype"}, TypeError, "dtype"),
    ({"value": "x"}, ValueError, "dtype=object"),
])
def test_bad_arguments_name_the_argument(kwargs, error, argument):
    with pytest.raises(error, match=argument):
        pad_sequences([[1, 2], [3]], **kwargs)

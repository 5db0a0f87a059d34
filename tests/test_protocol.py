"""The pickle-free messages between the judge and the implementation's process."""
from __future__ import annotations

import math
import os

import numpy as np
import pytest

from reference.sandbox import protocol
from reference.golden import cases as golden


@pytest.mark.parametrize("value", [
    np.float32(1.5), np.array(2.5), np.arange(6, dtype=np.float32).reshape(2, 3), np.array([1, -1], dtype=np.int64),
    np.zeros((0, 3)), np.array([True, False]),
])
def test_arrays_round_trip_exactly(value):
    back = protocol.decode(protocol.encode({"v": value}))["v"]
    assert isinstance(back, np.ndarray) and back.dtype == np.asarray(value).dtype
    assert back.shape == np.shape(value) and np.array_equal(back, value)   # 0-d stays 0-d


def test_other_values_are_described_not_pickled():
    message = {"t": (np.ones(2), None), "l": [1, "a"], "nan": float("nan"), "obj": object(), "s": {1, 2}}
    back = protocol.decode(protocol.encode(message))
    assert isinstance(back["t"], tuple) and back["t"][1] is None and back["l"] == [1, "a"]
    assert math.isnan(back["nan"])
    assert isinstance(back["obj"], protocol.Described) and back["obj"].description == "object"
    assert back["s"].description == "set"


def test_framing_over_a_pipe_and_timeout():
    r, w = os.pipe()
    try:
        protocol.write(w, {"x": np.arange(3)})
        assert np.array_equal(protocol.read(r, timeout=1)["x"], np.arange(3))
        with pytest.raises(protocol.TimedOut):
            protocol.read(r, timeout=0.05)
        os.close(w)
        with pytest.raises(protocol.Closed):
            protocol.read(r, timeout=1)
    finally:
        os.close(r)


def test_golden_scalars_stay_scalars():
    arrays = golden.FlatArrays(*golden.FlatArrays.pack({"s": np.float32(2.0), "m": np.ones((2, 3))}))
    assert arrays["s"].shape == () and arrays["m"].shape == (2, 3)

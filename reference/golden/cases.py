"""Golden cases: framework results frozen to files, so no framework is needed to judge.

``cases.json`` is the manifest (who recorded what, with which versions);
``cases.npz`` holds the arrays. One entry per registered component x
framework oracle x dtype x case (the distinct-sizes and the unit-sizes case
at ``DEFAULT_SEED``), with the sample the oracle saw (params, inputs, dout)
and every quantity it returned (outputs, gradients, trajectories).

Replay (``lookup``) rebuilds the sample from the case as usual and first
checks it is the recorded one: if the sample generator changed, the golden
case is stale and says so instead of judging against the wrong numbers.
"The recorded one" allows ``SAMPLE_ULPS`` units in the last place per
element: the samples go through ``10.0 ** x`` and ``exp``, whose last bit
differs between CPUs and NumPy builds (measured: 2 ulps on 35 of the
recorded float64 samples between the recording machine and this one). A
changed generator moves values by far more than that. ``scratch-conformance golden`` rewrites both files;
``tests/test_golden.py`` regenerates them live and compares (drift check).
"""
from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
MANIFEST = HERE / "cases.json"
ARRAYS = HERE / "cases.npz"
DEFAULT_SEED = 20261122
FORMAT = "scratch-conformance-golden/1"


def case_key(component_id: str, oracle: str, dtype: str, sizes: dict, seed: int) -> str:
    dims = ",".join(f"{k}={v}" for k, v in sorted(sizes.items()))
    return f"{component_id}|{oracle}|{dtype}|{dims}|{seed}"


class Stale(LookupError):
    """The recorded sample is not the one the registry draws now: regenerate the golden cases."""


class FlatArrays:
    """Every array of the golden cases, stored as one flat buffer per dtype (``cases.npz`` members are the
    dtype names) plus an index ``key -> [dtype, offset, shape]`` in the manifest: loading is a handful of
    reads, and each lookup is a view (thousands of small npz members would cost a second to open)."""

    def __init__(self, buffers: dict, index: dict):
        self.buffers, self.index = buffers, index

    @classmethod
    def pack(cls, arrays: dict) -> tuple[dict, dict]:
        """(buffers, index) for a dict of arrays."""
        parts: dict[str, list] = {}
        sizes: dict[str, int] = {}
        index = {}
        for key, a in arrays.items():
            a = np.asarray(a, order="C")      # not ascontiguousarray: it turns a 0-d array into 1-d
            dt = a.dtype.str
            index[key] = [dt, sizes.get(dt, 0), list(a.shape)]
            parts.setdefault(dt, []).append(a.ravel())
            sizes[dt] = sizes.get(dt, 0) + a.size
        buffers = {dt: np.concatenate(p) if p else np.zeros(0, dt) for dt, p in parts.items()}
        return buffers, index

    def __getitem__(self, key: str) -> np.ndarray:
        dt, offset, shape = self.index[key]
        size = int(np.prod(shape)) if shape else 1
        return self.buffers[dt][offset:offset + size].reshape(tuple(shape))

    def __contains__(self, key: str) -> bool:
        return key in self.index

    @property
    def files(self) -> list[str]:
        return list(self.index)


class Store:
    """The manifest and the arrays."""

    def __init__(self, manifest: dict, arrays):
        self.manifest = manifest
        self.arrays = arrays
        self.entries = manifest.get("entries", {})

    @property
    def recorded_with(self) -> dict:
        return self.manifest.get("recorded_with", {})

    def has(self, component_id: str, oracle: str, case) -> bool:
        return case_key(component_id, oracle, case.dtype, case.sizes, case.seed) in self.entries

    def cases_of(self, component_id: str) -> list[dict]:
        return [e for e in self.entries.values() if e["component"] == component_id]

    def lookup(self, component_id: str, oracle: str, case, sample=None) -> dict | None:
        """The recorded quantities, or None when this case was not recorded.

        With ``sample``, raises ``Stale`` if its arrays differ from the recorded ones.
        """
        entry = self.entries.get(case_key(component_id, oracle, case.dtype, case.sizes, case.seed))
        if entry is None:
            return None
        if sample is not None:
            for where, name, key in _sample_keys(entry):
                now = getattr(sample, where)[name] if where != "dout" else sample.dout
                if not same_sample(np.asarray(now), self.arrays[key]):
                    raise Stale(f"golden case {component_id} {case}: the sample's {name} is not the recorded "
                                f"one (the sample generator changed); regenerate with "
                                f"scratch-conformance golden")
        return {q: self.arrays[k] for q, k in entry["quantities"].items()}


SAMPLE_ULPS = 4


def same_sample(now: np.ndarray, recorded: np.ndarray) -> bool:
    """Equal shape and dtype, integers equal, floats within SAMPLE_ULPS ulps per element."""
    if now.shape != recorded.shape or now.dtype != recorded.dtype:
        return False
    if now.dtype.kind != "f":
        return bool(np.array_equal(now, recorded))
    if not np.array_equal(np.isfinite(now), np.isfinite(recorded)):
        return False
    ulp = np.spacing(np.abs(recorded).astype(recorded.dtype))
    return bool(np.all(np.abs(now - recorded) <= SAMPLE_ULPS * ulp))


def _sample_keys(entry):
    for where in ("params", "inputs"):
        for name, key in entry.get("sample", {}).get(where, {}).items():
            yield where, name, key
    if "dout" in entry.get("sample", {}):
        yield "dout", "dout", entry["sample"]["dout"]


@functools.cache
def store() -> Store | None:
    """The shipped golden cases, or None when they were never recorded."""
    if not MANIFEST.exists() or not ARRAYS.exists():
        return None
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    with np.load(ARRAYS, allow_pickle=False) as npz:
        buffers = {name: npz[name] for name in npz.files}
    return Store(manifest, FlatArrays(buffers, manifest.get("arrays", {})))

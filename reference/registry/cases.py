"""Cases and telling random data.

A ``Case`` is everything that reproduces one check: dtype, named sizes and a
seed. Data drawn for it is *telling*: every parameter block (each gate of an
LSTM, each column group of a weight) gets its own offset and scale, biases
are non-zero and distinct, so a swapped gate order, a doubled or missing
bias or a transposed weight changes the result by O(1) instead of hiding
behind zeros or equal values (peer suites that use constant weights cannot
see those bugs).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

DTYPES = ("float32", "float64")

# Sizes of the main deterministic case: pairwise distinct so that any
# transposed or swapped operand fails with a shape error or O(1) mismatch.
TELLING_SIZES = {"N": 3, "T": 5, "D": 4, "H": 6, "V": 7, "C": 5, "O": 2, "K": 3}
# The edge case: every size 1 (broadcasting and squeeze bugs).
UNIT_SIZES = {name: 1 for name in TELLING_SIZES}


def fixed_sizes(ranges: dict[str, tuple[int, int]], base: dict[str, int]) -> dict[str, int]:
    """``base`` sizes (TELLING_SIZES or UNIT_SIZES) clamped into a component's ranges.

    From TELLING_SIZES the result stays pairwise distinct (the point of that case): a size that clamping
    (or TELLING_SIZES itself: T and C) makes equal to an earlier one moves to the nearest free size of its
    range, larger first (Embedding's D=4 beside T=4 becomes 5). tests/test_registry.py asserts that
    every entry's ranges leave room for it."""
    sizes = {k: min(max(base.get(k, lo), lo), hi) for k, (lo, hi) in ranges.items()}
    if len(set(base.values())) <= 1:
        return sizes                                  # UNIT_SIZES: equal on purpose
    used: set[int] = set()
    for k, (lo, hi) in ranges.items():
        v = sizes[k]
        free = [c for step in range(hi - lo + 1) for c in (v + step, v - step) if lo <= c <= hi and c not in used]
        sizes[k] = free[0] if free else v
        used.add(sizes[k])
    return sizes


@dataclass(frozen=True)
class Case:
    """dtype, sizes and seed of one check; ``str(case)`` is its repro tag."""

    dtype: str
    sizes: dict[str, int] = field(default_factory=dict)
    seed: int = 0

    def __post_init__(self):
        if self.dtype not in DTYPES:
            raise ValueError(f"Case: dtype must be one of {DTYPES}; got {self.dtype!r}")

    def __str__(self) -> str:
        dims = " ".join(f"{k}={v}" for k, v in self.sizes.items())
        return f"{self.dtype} {dims} seed={self.seed}".replace("  ", " ")

    def __hash__(self):
        return hash((self.dtype, tuple(sorted(self.sizes.items())), self.seed))

    def __getitem__(self, name: str) -> int:
        try:
            return self.sizes[name]
        except KeyError:
            raise KeyError(f"Case has no size {name!r}; sizes are {sorted(self.sizes)}") from None

    def rng(self, salt: int = 0) -> np.random.Generator:
        """A generator for this case's data (independent of np.random's global state)."""
        return np.random.default_rng([self.seed, salt])

    def with_dtype(self, dtype: str) -> "Case":
        return Case(dtype, dict(self.sizes), self.seed)


def telling(rng: np.random.Generator, shape, dtype, blocks: int = 1, axis: int = -1,
            scale: float = 0.5) -> np.ndarray:
    """Random values whose ``blocks`` slices along ``axis`` each have their own distribution.

    Block k is ``offset_k + spread_k * normal`` with offsets and spreads that
    differ per block, so permuting blocks (gate orders) changes the values.
    All entries are distinct with probability one; none is exactly zero.
    """
    shape = tuple(int(s) for s in shape)
    out = rng.standard_normal(shape) * scale
    if blocks > 1:
        size = shape[axis]
        if size % blocks:
            raise ValueError(f"telling: axis {axis} of {shape} does not split into {blocks} blocks")
        width = size // blocks
        index = [slice(None)] * len(shape)
        for k in range(blocks):
            index[axis] = slice(k * width, (k + 1) * width)
            offset = scale * (0.6 * k - 0.3 * (blocks - 1))
            spread = 1.0 + 0.25 * k
            out[tuple(index)] = offset + spread * out[tuple(index)]
    out[out == 0] = scale * 1e-3
    return out.astype(dtype)


def bias(rng: np.random.Generator, size: int, dtype, blocks: int = 1) -> np.ndarray:
    """A non-zero bias with distinct entries (and per-block offsets for gates)."""
    b = telling(rng, (size,), dtype, blocks=blocks, scale=0.3)
    # Push every entry at least 0.05 away from zero: a dropped bias must show.
    return (b + np.where(b >= 0, 0.05, -0.05)).astype(dtype)


def labels(rng: np.random.Generator, shape, n_classes: int) -> np.ndarray:
    """Integer labels in [0, n_classes), every class used when there are enough draws."""
    shape = tuple(int(s) for s in shape)
    size = int(np.prod(shape)) if shape else 1
    values = np.arange(size) % n_classes
    rng.shuffle(values)
    return values.reshape(shape).astype(np.int64)


def upstream(rng: np.random.Generator, shape, dtype) -> np.ndarray:
    """An upstream gradient ``dout``: random, so every output element is weighted differently."""
    return telling(rng, shape, dtype, scale=1.0)

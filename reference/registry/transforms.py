"""Pure transformations of a ``Sample``, named so both processes apply the same one.

The judge and the process running the implementation each rebuild a sample
from its ``Case``; a diagnostic that needs a different sample (the first T
steps only, 3-D inputs flattened to 2-D, gate blocks reordered) sends the
transform's name and arguments, never the arrays. ``apply(sample, spec)``
with ``spec = ("truncate_time", 2)`` or ``None``.
"""
from __future__ import annotations

import numpy as np

from reference.registry import layouts
from reference.registry.cases import Case
from reference.registry.component import Sample


def _rebuild(sample: Sample, params=None, inputs=None, dout=None, sizes=None, steps=None) -> Sample:
    case = sample.case if sizes is None else Case(sample.case.dtype, sizes, sample.case.seed)
    return Sample(case, sample.params if params is None else params,
                  sample.inputs if inputs is None else inputs,
                  sample.dout if dout is None else dout, sample.differentiable,
                  sample.init_kwargs, sample.forward_kwargs, sample.np_seed,
                  sample.steps if steps is None else steps)


def has_time_axis(shape, sizes: dict) -> bool:
    """Whether an array of ``shape`` is laid out (N, T, ...) for the case's sizes (T > 1)."""
    N, T = sizes.get("N"), sizes.get("T")
    return bool(T and T > 1 and N and len(shape) >= 2 and tuple(shape[:2]) == (N, T))


def time_axis_length(sample: Sample) -> int | None:
    """T when the sample has a time axis (size ``T`` > 1 and some input shaped (N, T, ...))."""
    T = sample.case.sizes.get("T")
    for v in list(sample.inputs.values()) + [sample.dout]:
        if isinstance(v, np.ndarray) and has_time_axis(v.shape, sample.case.sizes):
            return T
    return None


def truncate_time(sample: Sample, k: int) -> Sample:
    """The first ``k`` time steps: every input and dout shaped (N, T, ...) cut to (N, k, ...)."""
    T = time_axis_length(sample)
    if T is None:
        raise ValueError("truncate_time: the sample has no time axis")
    sizes = sample.case.sizes
    cut = lambda v: v[:, :k].copy() if isinstance(v, np.ndarray) and has_time_axis(v.shape, sizes) else v
    return _rebuild(sample, inputs={n: cut(v) for n, v in sample.inputs.items()}, dout=cut(sample.dout),
                    sizes={**sample.case.sizes, "T": k}, steps=k if sample.steps == T else sample.steps)


def as_2d(sample: Sample) -> Sample:
    """Inputs (and dout) of ndim >= 3 reshaped to 2-D (rows, last axis): e.g. softmax on (N*T, C)."""
    flat = lambda v: v.reshape(-1, v.shape[-1]) if isinstance(v, np.ndarray) and v.ndim >= 3 else v
    return _rebuild(sample, inputs={n: flat(v) for n, v in sample.inputs.items()}, dout=flat(sample.dout))


def gate_count(sample: Sample) -> int | None:
    """k when the params are gate-stacked recurrent weights: Wh (H, k*H) with k in 3 (GRU) or 4 (LSTM)."""
    for name, p in sample.params.items():
        if name.startswith("Wh") and isinstance(p, np.ndarray) and p.ndim == 2 and p.shape[0] > 0:
            k, rem = divmod(p.shape[1], p.shape[0])
            if rem == 0 and k in (3, 4):
                return k
    return None


def _gated_params(sample: Sample, fn) -> dict:
    k = gate_count(sample)
    H = next(p.shape[0] for n, p in sample.params.items() if n.startswith("Wh"))
    return {n: (fn(p) if isinstance(p, np.ndarray) and p.shape[-1] == k * H else p)
            for n, p in sample.params.items()}


def permute_gates(sample: Sample, order_from: str, order_to: str) -> Sample:
    """Every gate-stacked param with its blocks moved from ``order_from`` to ``order_to``."""
    return _rebuild(sample, params=_gated_params(
        sample, lambda p: layouts.permute_gates(p, order_from, order_to).astype(p.dtype)))


def flip_gru_z(sample: Sample) -> Sample:
    """Every GRU param with its z block negated (the torch/Keras z convention)."""
    return _rebuild(sample, params=_gated_params(sample, lambda p: layouts.flip_gru_z(p).astype(p.dtype)))


TRANSFORMS = {"truncate_time": truncate_time, "as_2d": as_2d, "permute_gates": permute_gates,
              "flip_gru_z": flip_gru_z}


def apply(sample: Sample, spec) -> Sample:
    """``spec`` is None, a name, or [name, *args]; several transforms compose as a list of specs."""
    if spec is None:
        return sample
    if isinstance(spec, str):
        spec = [spec]
    if spec and isinstance(spec[0], (list, tuple)):
        for one in spec:
            sample = apply(sample, one)
        return sample
    name, *args = spec
    return TRANSFORMS[name](sample, *args)

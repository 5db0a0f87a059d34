"""Drive a whole model (registry kind "custom"): build it from sizes, load telling params, run it.

The book's models initialise their own weights: zero biases and 1/100-sized
embeddings would hide a dropped bias or a swapped concatenation. So a model
is built from its sizes (``np.random`` seeded first, since the book draws
the initial weights from it), and then every param is overwritten IN PLACE
(``p[...] = value``, so the layers holding the array see it) with the
sample's telling values, in the model's ``params`` order.

Shared weights: a model may list one array several times in ``params``
(word2vec's ``[W] * (k + 1)``), each time with its own ``grads`` entry. The
sample names each distinct array once (in order of first appearance), and
the quantity ``d<name>`` is the SUM of the grads of every occurrence: the
gradient an optimizer applies after ``remove_duplicate``.

The models take a keyword ``dtype`` (scratch_layers does); a model that
does not is built with its own default dtype (the book's float32), the
sample's values are cast into its params, and its float32 results in a
float64 check are what the report's precision rule (``reference.judging.judge``)
looks for.
"""
from __future__ import annotations

import inspect
from typing import Callable, Mapping

import numpy as np

from reference.registry.component import Sample


class ModelContractError(AssertionError):
    """A model broke a rule the whole-model checks rely on (params count, in-place grads, inputs)."""


def _accepts_dtype(cls) -> bool:
    try:
        return "dtype" in inspect.signature(cls).parameters
    except (TypeError, ValueError):
        return False


def build(cls, args, dtype):
    """``cls(*args, dtype=dtype)``, without ``dtype`` when the class does not take one."""
    return cls(*args, dtype=np.dtype(dtype)) if _accepts_dtype(cls) else cls(*args)


def distinct_params(model) -> list[tuple[np.ndarray, list[int]]]:
    """Each distinct param array (by identity) with the positions it holds in ``model.params``."""
    out: list[tuple[np.ndarray, list[int]]] = []
    for i, p in enumerate(model.params):
        for q, where in out:
            if q is p:
                where.append(i)
                break
        else:
            out.append((p, [i]))
    return out


def load_params(model, values: Mapping[str, np.ndarray]) -> None:
    """Copy ``values`` (one per distinct param, in order) into the model's params in place."""
    owner = type(model).__name__
    distinct = distinct_params(model)
    if len(distinct) != len(values):
        raise ModelContractError(
            f"{owner}: expected {len(values)} distinct params ({', '.join(values)}); "
            f"the model's params hold {len(distinct)} distinct arrays with shapes "
            f"{[p.shape for p, _ in distinct]}")
    for (p, _), (name, value) in zip(distinct, values.items()):
        if p.shape != value.shape:
            raise ModelContractError(f"{owner}: param {name} should be {value.shape}; "
                                     f"the model's is {p.shape}")
        p[...] = value


def summed_grads(model, names) -> dict[str, np.ndarray]:
    """``d<name>``: the sum of the grads of every occurrence of each distinct param."""
    out = {}
    for (_, where), name in zip(distinct_params(model), names):
        total = np.array(model.grads[where[0]], copy=True)
        for i in where[1:]:
            total = total + model.grads[i]
        out["d" + name] = total
    return out


def _copies(mapping):
    return {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in mapping.items()}


def build_and_load(obj, sample: Sample):
    """``obj(*init_kwargs.values(), dtype=...)`` with the sample's params copied in."""
    model = build(obj, list(sample.init_kwargs.values()), sample.dtype)
    load_params(model, sample.params)
    return model


def run(obj, sample: Sample, make: Callable = build_and_load, prepare: Callable | None = None,
        extra: Callable | None = None) -> dict:
    """Build, forward(*inputs), backward(dout); returns out, input grads and summed param grads.

    make(obj, sample) -> model: by default the constructor takes
    ``sample.init_kwargs`` (positional, in order) and the params are then
    overwritten with the sample's (``build_and_load``).
    prepare(model, sample): called before forward (e.g. to inject negative samples).
    extra(model, sample) -> dict: more quantities after backward (e.g. ``generated``).
    Raises ModelContractError when grads are rebound or an input is modified.
    """
    if sample.np_seed is not None:
        np.random.seed(sample.np_seed)
    model = make(obj, sample)
    if prepare is not None:
        prepare(model, sample)
    owner = type(model).__name__
    grads_before = list(model.grads)
    inputs = _copies(sample.inputs)
    out = model.forward(*inputs.values())
    dout = sample.dout.copy() if isinstance(sample.dout, np.ndarray) else sample.dout
    returned = model.backward(dout)
    q = {"out": np.asarray(out)}
    if len(sample.differentiable) == 1:
        q["d" + sample.differentiable[0]] = returned
    elif sample.differentiable:
        q.update({"d" + n: g for n, g in zip(sample.differentiable, returned)})
    for i, (before, after) in enumerate(zip(grads_before, model.grads)):
        if before is not after:
            raise ModelContractError(f"{owner}: grads[{i}] was rebound by backward instead of written in "
                                     f"place (use grads[{i}][...] = value)")
    q.update(summed_grads(model, list(sample.params)))
    for name, value in inputs.items():
        if isinstance(value, np.ndarray) and not np.array_equal(value, sample.inputs[name]):
            raise ModelContractError(f"{owner}: input {name!r} was modified in place by forward/backward")
    if extra is not None:
        q.update(extra(model, sample))
    return q

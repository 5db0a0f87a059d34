"""Run an implementation's component on a sample, the way the book's code is called.

The driver gives the implementation *copies* of every array, so whatever it
does cannot leak into the reference data, and afterwards checks that those
copies were not modified (an in-place ``x -= x.max()`` is a real bug) and
that gradients were written in place (``grads[i]`` is still the same array).
Such findings are returned as ``problems`` beside the quantities.
"""
from __future__ import annotations

import copy as _copy
from dataclasses import dataclass, field

import numpy as np

from reference.registry.component import Component, Sample


@dataclass
class Outcome:
    """What one run of an implementation produced."""

    quantities: dict[str, object] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    # Gradients from a second backward(dout) right after the first (backward_twice=True):
    # the book's TimeSoftmaxWithLoss overwrites its cache, so a second call differs (an advisory).
    second: dict[str, object] | None = None


def _copies(mapping):
    return {k: (v.copy() if isinstance(v, np.ndarray) else _copy.deepcopy(v)) for k, v in mapping.items()}


def _check_untouched(kind: str, given: dict, pristine: dict, problems: list[str]) -> None:
    for name, value in given.items():
        before = pristine[name]
        if isinstance(value, np.ndarray) and not np.array_equal(value, before, equal_nan=True):
            problems.append(f"{kind} {name!r} was modified in place by forward/backward")


def _snapshot(value):
    return value.copy() if isinstance(value, np.ndarray) else _copy.deepcopy(value)


def run(component: Component, obj, sample: Sample, backward: bool = True,
        backward_twice: bool = False) -> Outcome:
    """Call ``obj`` (the implementation's class or function) on ``sample``.

    kind "function": out = obj(*inputs).
    kind "layer": layer = obj(*params, **init_kwargs); out = forward(*inputs,
        **forward_kwargs); backward(dout) returns the input gradients (one
        array or a tuple, in ``differentiable`` order); grads read from
        ``layer.grads``.
    kind "loss": as "layer", with ``backward(dout)`` returning dx.
    kind "custom": the entry's own ``run(obj, sample)`` returns the dict of
        quantities, or an ``Outcome`` when it also reports problems.
    backward_twice: call backward a second time with the same dout and keep
        those gradients in ``Outcome.second`` (layers and losses only).
    """
    if component.kind == "custom":
        result = component.run(obj, sample)
        return result if isinstance(result, Outcome) else Outcome(quantities=result)
    params, inputs = _copies(sample.params), _copies(sample.inputs)
    pristine_params, pristine_inputs = _copies(params), _copies(inputs)
    out = Outcome()
    q = out.quantities
    if sample.np_seed is not None:
        np.random.seed(sample.np_seed)
    if component.kind == "function":
        q["out"] = obj(*inputs.values())
        _check_untouched("input", inputs, pristine_inputs, out.problems)
        return out
    layer = obj(*params.values(), **sample.init_kwargs)
    grads_before = list(getattr(layer, "grads", []))
    q["out"] = layer.forward(*inputs.values(), **sample.forward_kwargs)
    if backward and sample.dout is not None:
        dout = sample.dout.copy() if isinstance(sample.dout, np.ndarray) else sample.dout
        returned = layer.backward(dout)
        if isinstance(dout, np.ndarray) and not np.array_equal(dout, sample.dout, equal_nan=True):
            out.problems.append("input 'dout' was modified in place by backward")
        if not sample.differentiable:
            returned = ()
        elif len(sample.differentiable) == 1:
            returned = (returned,)
        elif not isinstance(returned, (tuple, list)) or len(returned) != len(sample.differentiable):
            out.problems.append(f"backward returned {type(returned).__name__}; expected a tuple of "
                                f"{len(sample.differentiable)} gradients "
                                f"({', '.join('d' + n for n in sample.differentiable)})")
            returned = (None,) * len(sample.differentiable)
        for name, grad in zip(sample.differentiable, returned):
            q["d" + name] = grad
        grads = list(getattr(layer, "grads", []))
        for i, name in enumerate(sample.params):
            q["d" + name] = grads[i] if i < len(grads) else None
            if i < len(grads_before) and i < len(grads) and grads[i] is not grads_before[i]:
                out.problems.append(f"grads[{i}] (d{name}) was rebound instead of written in place: "
                                    f"use grads[{i}][...] = value")
        if backward_twice:
            first = {k: _snapshot(v) for k, v in q.items()}
            again = layer.backward(sample.dout.copy() if isinstance(sample.dout, np.ndarray) else sample.dout)
            if len(sample.differentiable) == 1:
                again = (again,)
            second = {}
            if isinstance(again, (tuple, list)) and len(again) == len(sample.differentiable):
                second.update({"d" + n: _snapshot(g) for n, g in zip(sample.differentiable, again)})
            grads = list(getattr(layer, "grads", []))
            second.update({"d" + n: _snapshot(grads[i]) for i, n in enumerate(sample.params) if i < len(grads)})
            out.second = second
            q.update(first)
    _check_untouched("param", params, pristine_params, out.problems)
    _check_untouched("input", inputs, pristine_inputs, out.problems)
    return out


def forward_of(component: Component, obj):
    """``sample -> out`` through the implementation (what finite differences differentiate)."""
    def forward(sample: Sample):
        return run(component, obj, sample, backward=False).quantities["out"]
    return forward

"""Recognised alternatives: behaviour that is not the contract but a documented convention.

The issue's status ``variant``: an implementation that fails the contract
but matches, on every case, a documented alternative (the standard Nesterov
of torch and Keras instead of the book's; inverted dropout instead of the
book's unscaled training mask) is reported as ``variant`` with the name of
the convention, not as ``fail``. Alternatives are NumPy functions of the
sample, registered per component id with ``@alternative``; they are
computed in the judge's process.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from reference.registry.compare import compare


@dataclass(frozen=True)
class Alternative:
    component: str       # component id
    label: str           # "inverted dropout"
    description: str     # the sentence for the report
    compute: Callable    # sample -> {quantity: array}


ALTERNATIVES: dict[str, list[Alternative]] = {}


def alternative(component_id: str, label: str, description: str):
    def register(fn):
        ALTERNATIVES.setdefault(component_id, []).append(Alternative(component_id, label, description, fn))
        return fn
    return register


def match(component, evidence) -> str | None:
    """The description of the alternative the implementation matches on every case, or None."""
    for alt in ALTERNATIVES.get(component.id, []):
        if evidence and all(_matches(component, alt, ev) for ev in evidence):
            return f"variant: {alt.description}"
    return None


def _matches(component, alt, ev) -> bool:
    if ev.exception or ev.actual is None:
        return False
    expected = alt.compute(ev.sample)
    for q, ref in expected.items():
        if q not in ev.actual:
            return False
        tol = component.tolerance(q, ev.tolerance_dtype or ev.case.dtype, ev.oracle or "torch")
        try:
            if not compare(ev.actual[q], ref, tol, quantity=q, steps=ev.sample.steps).ok:
                return False
        except (TypeError, ValueError):
            return False
    return True


# -- the alternatives ------------------------------------------------------------------

@alternative("Dropout[train]", "inverted dropout",
             "inverted dropout (torch/Keras: the kept units are scaled by 1/(1 - ratio) in training); the "
             "book's Dropout keeps rand > ratio unscaled and scales by (1 - ratio) at test time")
def _inverted_dropout(sample):
    from reference.registry.layers import dropout_mask

    x = sample.inputs["x"]
    mask = dropout_mask(sample)
    scale = x.dtype.type(1.0 / (1.0 - sample.init_kwargs["dropout_ratio"]))
    out = {"out": x * mask * scale}
    if sample.dout is not None:
        out["dx"] = sample.dout * mask * scale
    return out


@alternative("Dropout[eval]", "inverted dropout",
             "inverted dropout (torch/Keras: the identity at test time); the book's Dropout returns "
             "x * (1 - dropout_ratio) at test time")
def _inverted_dropout_eval(sample):
    return {"out": np.array(sample.inputs["x"], copy=True)}

"""Recognised alternatives: behaviour that is not the contract but a documented convention.

The issue's status ``variant``: an implementation that fails the contract
but matches, on every case, a documented alternative (the standard Nesterov
of torch and Keras instead of the book's; inverted dropout instead of the
book's unscaled training mask) is reported as ``variant`` with the name of
the convention, not as ``fail``. Alternatives are NumPy functions of the
sample, registered per component id with ``@alternative``; they are
computed in the judge's process.

A variant holds for a component as a whole (judging.md: "a mix of
conventions is a bug"): ``settle`` gives ``variant`` only when every entry
of the component (``Dropout[train]`` and ``Dropout[eval]``) follows the
same alternative in every case and quantity. A component that follows the
contract in one mode and an alternative in another fails in every entry,
with a check ``one convention`` that names the modes and the closest
convention.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from reference.registry.compare import compare
from reference.report.model import CheckRecord

CONTRACT = "the contract"     # the convention of an entry that passes
NEUTRAL = "neutral"           # an entry no oracle judged (skipped): it contradicts no convention


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


def match(component, evidence) -> Alternative | None:
    """The alternative the implementation matches on every case of this entry, or None."""
    for alt in ALTERNATIVES.get(component.id, []):
        if evidence and all(_matches(component, alt, ev) for ev in evidence):
            return alt
    return None


def _matches(component, alt, ev) -> bool:
    if ev.exception or ev.actual is None:
        return False
    expected = alt.compute(ev.sample)
    for q, ref in expected.items():
        if q in getattr(ev, "unsupported", {}):
            continue            # a call the book never makes, not supported (reference.registry.book_optional)
        if q not in ev.actual:
            return False
        tol = component.tolerance(q, ev.tolerance_dtype or ev.case.dtype, ev.oracle or "torch")
        try:
            if not compare(ev.actual[q], ref, tol, quantity=q, steps=ev.sample.steps).ok:
                return False
        except (TypeError, ValueError):
            return False
    return True


def has_alternatives(family) -> bool:
    """Whether any entry of a component (its entries: ``family``) has a documented alternative."""
    return any(c.id in ALTERNATIVES for c in family)


def convention(status: str, alt: Alternative | None) -> str | None:
    """What an entry follows: ``CONTRACT``, an alternative's label, ``NEUTRAL`` (not judged) or None (neither)."""
    if status == "pass":
        return CONTRACT
    if status == "variant" and alt is not None:
        return alt.label
    if status in ("skipped", "not_implemented"):
        return NEUTRAL
    return None


def settle(component, report, family, conventions: dict) -> None:
    """``variant`` only when the whole component follows one alternative; a mix of conventions fails.

    family: every registry entry of the component; conventions: entry id -> ``convention(...)``.
    A ``variant`` entry whose siblings follow the contract, another alternative or nothing, and a
    passing entry whose siblings follow an alternative, get a failing ``one convention`` check and
    the status ``fail``, with the closest convention (the one most entries follow; the contract on a tie).
    """
    own = conventions.get(component.id)
    if own in (None, NEUTRAL):
        return                                   # fails, or is not judged, on its own
    # an entry with no documented alternative that passes shares every convention (they coincide there)
    judged = {c.id: conventions.get(c.id) for c in family if conventions.get(c.id) != NEUTRAL and
              (c.id in ALTERNATIVES or conventions.get(c.id) != CONTRACT or c.id == component.id)}
    followed = set(judged.values())
    if followed == {own} or (own == CONTRACT and not followed - {CONTRACT, None}):
        return                                   # one convention throughout, or another mode simply broken
    labels = sorted(v for v in followed if v is not None)
    closest = max(labels, key=lambda label: (sum(v == label for v in judged.values()), label == CONTRACT))
    modes = "; ".join(f"{cid} follows {v or 'neither'}" for cid, v in judged.items())
    todo = [c for c in family if c.id in judged and judged[c.id] != closest]
    if closest == CONTRACT:
        how = "; ".join(f"{c.id}: {next(iter(c.hints.values()), 'the contract')}" for c in todo)
    else:
        how = "; ".join(f"{c.id}: {_description(c.id, closest)}" for c in todo)
    report.status = "fail"
    report.diagnosis = [d for d in report.diagnosis if not d.startswith("variant: ")]
    report.diagnosis.insert(0, f"mixes conventions ({modes}): a variant must hold in every mode")
    report.checks.append(CheckRecord(
        id=f"{component.id}/one convention/contract", oracle="contract", quantity="one convention",
        status="fail", message=f"{modes}: one convention must hold in every mode and quantity",
        hint=f"closest convention: {closest}; to follow it in every mode, fix {how} "
             f"(see: scratch-conformance contract {component.name})"))


def _description(component_id: str, label: str) -> str:
    return next((a.description for a in ALTERNATIVES.get(component_id, []) if a.label == label), label)


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


NON_INVERTED = "non-inverted dropout"


def _time_keep(sample) -> np.ndarray:
    """The unscaled keep-mask (rand > ratio) a TimeDropout draws after np.random.seed(np_seed)."""
    from reference.registry.time_layers import time_dropout_mask

    return (time_dropout_mask(sample) != 0).astype(sample.dtype)


@alternative("TimeDropout[train]", NON_INVERTED,
             "non-inverted dropout (the book's Dropout layer: rand > ratio kept unscaled in training, "
             "x * (1 - ratio) at test time); the contract's TimeDropout is inverted: mask / (1 - ratio)")
def _non_inverted_time_dropout(sample):
    keep = _time_keep(sample)
    return {"out": sample.inputs["xs"] * keep, "dxs": sample.dout * keep}


@alternative("TimeDropout[eval]", NON_INVERTED,
             "non-inverted dropout (the book's Dropout layer: x * (1 - ratio) at test time); the contract's "
             "TimeDropout is the identity at test time")
def _non_inverted_time_dropout_eval(sample):
    scale = sample.dtype.type(1.0 - sample.init_kwargs["dropout_ratio"])
    return {"out": sample.inputs["xs"] * scale, "dxs": sample.dout * scale}

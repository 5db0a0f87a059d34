"""Gate layout detection: under which gate order (or GRU z convention) would the LSTM/GRU conform?

A student's LSTM that slices the pre-activation as i,f,g,o (torch's order)
computes, on the contract's weights W, what the contract computes on W with
its gate blocks reordered. So for every candidate layout the bundled
reference runs on the correspondingly transformed sample (no extra run of
the student's code), its gradients are mapped back to the candidate layout,
and the layout under which *every* judged quantity matches is reported:
"your LSTM reads the gates as i,f,g,o (torch's and Keras's order); the
contract is f,g,i,o". For a GRU the candidates are the orders of z,r,h and,
for each, the torch/Keras z convention (h' = z*h + (1-z)*h~), which equals
the contract with the z block negated.

Applies to any component whose params are gate-stacked (Wh (H, kH), k = 3
or 4): cells, Time wrappers, TimeBiLSTM.
"""
from __future__ import annotations

import itertools

from reference.registry import layouts, transforms
from reference.registry.compare import compare

CONTRACT = {4: "fgio", 3: "zrh"}
NAMED = {"ifgo": "torch's and Keras's order", "rzh": "torch's order r,z,n"}
GATE_NAMES = {"f": "f", "g": "g", "i": "i", "o": "o", "z": "z", "r": "r", "h": "h~"}


def candidates(k: int):
    """(order, flip_z) pairs other than the contract's own layout."""
    contract = CONTRACT[k]
    for perm in itertools.permutations(contract):
        order = "".join(perm)
        for flip in ((False, True) if k == 3 else (False,)):
            if order == contract and not flip:
                continue
            yield order, flip


def _expected_under(component, sample, order, flip, reference_run):
    """What an implementation reading the blocks as ``order`` (and flipped z) returns, per the contract."""
    k = transforms.gate_count(sample)
    contract = CONTRACT[k]
    spec = [["permute_gates", order, contract]] + ([["flip_gru_z"]] if flip else [])
    ref = reference_run(transforms.apply(sample, spec))
    if ref is None:
        return None
    H = next(p.shape[0] for n, p in sample.params.items() if n.startswith("Wh"))
    out = dict(ref)
    for name, p in sample.params.items():
        q = "d" + name
        if q in out and p.shape[-1] == k * H and out[q] is not None:
            g = out[q]
            if flip:
                g = layouts.flip_gru_z(g)
            out[q] = layouts.permute_gates(g, contract, order)
    return out


def describe(k: int, order: str, flip: bool, name: str) -> str:
    contract = CONTRACT[k]
    cell = "LSTM" if k == 4 else "GRU"
    parts = []
    if order != contract:
        shown = ",".join(GATE_NAMES[g] for g in order)
        named = f" ({NAMED[order]})" if order in NAMED else ""
        parts.append(f"your {name} reads the gate blocks as {shown}{named}; the contract is "
                     f"{','.join(GATE_NAMES[g] for g in contract)}")
    if flip:
        parts.append(f"your {name} weights the old state with z, h' = z*h + (1-z)*h~ (the torch/Keras "
                     f"convention); the contract's z weights the new candidate: h' = (1-z)*h + z*h~")
    text = "; and ".join(parts)
    if order != contract and k == 4:
        text += " (slice A as f = A[:, :H], g = A[:, H:2H], i = A[:, 2H:3H], o = A[:, 3H:])"
    return f"gate layout ({cell}): {text}"


def detect(component, ev, reference_run) -> str | None:
    """The layout sentence when exactly one candidate layout makes every judged quantity match."""
    if ev.actual is None or not ev.comparisons:
        return None
    k = transforms.gate_count(ev.sample)
    if k not in CONTRACT:
        return None
    matches = []
    for order, flip in candidates(k):
        expected = _expected_under(component, ev.sample, order, flip, reference_run)
        if expected is None:
            return None
        ok = True
        for q in ev.comparisons:
            if q not in expected:
                continue
            tol = component.tolerance(q, ev.tolerance_dtype or ev.case.dtype, ev.oracle or "torch")
            try:
                if not compare(ev.actual.get(q), expected[q], tol, quantity=q, steps=ev.sample.steps).ok:
                    ok = False
                    break
            except (TypeError, ValueError):
                ok = False
                break
        if ok:
            matches.append((order, flip))
    if len(matches) != 1:
        return None
    order, flip = matches[0]
    return describe(k, order, flip, component.name)

"""Where in time an error starts: per-step errors, and runs on the first k steps only.

- ``first_bad_step``: for a quantity shaped (N, T, ...) with its error per
  step (``series``), the step where the error starts. Forward quantities go
  forward in time (the first bad t); gradients flow backward (BPTT starts at
  t = T-1), so for them the error starts at the LAST bad t.
- ``by_length``: the implementation and the bundled reference on the first
  k = 1, 2, ... steps of the same sample: the smallest k where a quantity
  goes wrong says whether the step itself is wrong (k = 1) or what is carried
  between steps (k >= 2). Works for every quantity, parameter gradients
  included, which have no time axis of their own.
"""
from __future__ import annotations

from reference.registry import transforms
from reference.registry.compare import compare
from reference.sandbox.ops import case_to


def is_gradient(quantity: str) -> bool:
    return quantity.startswith("d") and len(quantity) > 1 and not quantity.startswith("dropout")


def first_bad_step(quantity: str, series: dict) -> str | None:
    y, allowed = series["y"], series.get("allowed") or 0.0
    bad = [t for t, e in enumerate(y) if e is None or e > allowed]
    if not bad:
        return None
    T = len(y)
    ok = [t for t in range(T) if t not in bad]
    steps = ", ".join(map(str, bad)) if len(bad) <= 6 else f"{len(bad)} of {T}"
    if is_gradient(quantity):
        start = max(bad)
        text = (f"{quantity} is wrong at steps t = {steps} of 0..{T - 1}; going backward in time the error "
                f"starts at t = {start}")
        if start < T - 1 and ok:
            text += f" (t = {start + 1} is right)" if start + 1 == T - 1 else f" (t = {start + 1}..{T - 1} are right)"
    else:
        start = min(bad)
        text = f"{quantity} is wrong at steps t = {steps} of 0..{T - 1}; the error starts at t = {start}"
        if start > 0:
            text += " (t = 0 is right)" if start == 1 else f" (t = 0..{start - 1} are right)"
    return text


def by_length(component, ev, runner, reference_run, quantities) -> dict[str, int | None]:
    """quantity -> smallest number of steps k at which it is wrong (None: right for every k < T)."""
    T = transforms.time_axis_length(ev.sample)
    if T is None:
        return {}
    first_bad: dict[str, int | None] = {q: None for q in quantities}
    for k in range(1, T):
        spec = ["truncate_time", k]
        response = runner.call("run", component_id=component.id, case=case_to(ev.case), transform=spec, twice=False)
        if "exception" in response:
            break
        sample_k = transforms.truncate_time(ev.sample, k)
        ref = reference_run(sample_k)
        if ref is None:
            return {}
        for q in quantities:
            if first_bad[q] is not None or q not in ref:
                continue
            tol = component.tolerance(q, ev.tolerance_dtype or ev.case.dtype, ev.oracle or "torch")
            try:
                ok = compare(response["quantities"].get(q), ref[q], tol, quantity=q, steps=k).ok
            except (TypeError, ValueError):
                ok = False
            if not ok:
                first_bad[q] = k
        if all(v is not None for v in first_bad.values()):
            break
    return first_bad


STORED = ("h", "c", "dh0")     # what a Time layer keeps on itself rather than computes per step


def by_length_sentence(quantities: str, k: int | None, T: int, fresh_start: bool = True,
                       step_right: bool = True) -> str:
    """``quantities`` (comma-separated) first go wrong on sequences of ``k`` steps (None: only at T).

    A mechanism is named for k = 1 only where nothing else enters a single step: "the step's own
    formula" for what the step computes, after one call from a zero state (``fresh_start``); "what
    the layer stores" for the stored h, c, dh0 when, in addition, everything the step computes is
    right (``step_right``). Otherwise the sentence lists what may be at fault.
    """
    verb = "are" if "," in quantities else "is"
    if k is None:
        return (f"{quantities} {verb} right on the first 1..{T - 1} steps and wrong only with all {T}: "
                f"look at what happens at the end of the sequence")
    if k == 1:
        stored = all(q in STORED for q in quantities.split(", "))
        head = f"{quantities} {verb} already wrong for a single step"
        if fresh_start and not stored:
            return f"{head} from a zero state: the step's own formula is wrong"
        if fresh_start and stored and step_right:
            return (f"{head}, while the step's outputs are right: what the layer stores (self.h, self.c, "
                    f"self.dh) is wrong")
        return (f"{head}: the step itself, the state the call starts from (set_state, an earlier call) or "
                f"what the layer stores is wrong")
    return (f"{quantities} {verb} right for sequences of up to {k - 1} step{'s' if k > 2 else ''} and wrong "
            f"from T = {k} on: the error is in what is carried between steps")



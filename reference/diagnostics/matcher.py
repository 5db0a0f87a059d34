"""Name the cause: the catalogued mistake whose behaviour reproduces what the student's code returned.

Entry point (the judge and the repair search call it)::

    match(component, evidence) -> dict | None          # evidence: the judge's Evidence list
    match_runs(component, runs) -> dict | None         # runs: CaseRun (sample, actual, failing, passing, ...)

Every catalogue entry of the component (``reference.diagnostics.mistakes``)
runs in this process (catalogue code is ours) on each sample the student
was judged on, through the component's own driver. An entry is the cause
when, on every case where the student's code returned values:

- it reproduces every judged quantity, failing and passing alike, within
  that quantity's tolerance (a passing quantity the entry would change
  contradicts it), and
- the student failed on at least ``MIN_CASES`` of those cases, and
- no other entry reproduces them as well (a tie is no cause).

Else two entries that each change a disjoint part of the failing
quantities (and leave the rest at the reference's values) and together
reproduce all of them are a combination (confidence "medium": the two
mistakes were run apart, not together). Nothing else is stated: no match,
no cause. The result is ``ComponentReport.cause``:
``{"id", "sentence", "quantities", "confidence", "cases"}``.
"""
from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass, field

import numpy as np

from reference.diagnostics import mistakes
from reference.registry import drive

MIN_CASES = 2          # a cause must reproduce the failure on at least this many cases
CLEAR_WIN = 10.0       # several entries reproduce: the best must fit this many times better than the next


@dataclass
class CaseRun:
    """One case the student was judged on: what it returned and which quantities failed."""

    label: str                      # "float64 N=3 D=4 H=5"
    sample: object                  # the registry Sample
    actual: dict                    # quantity -> what the student's code returned
    reference: dict                 # quantity -> the oracle's value
    failing: set = field(default_factory=set)
    passing: set = field(default_factory=set)
    tolerance_dtype: str = "float64"
    oracle: str = "torch"


def runs_of(evidence) -> list[CaseRun]:
    """The judge's evidence as CaseRuns (cases where the student's code returned and an oracle judged)."""
    out = []
    for ev in evidence:
        if ev.actual is None or ev.reference is None or not ev.comparisons:
            continue
        sizes = " ".join(f"{k}={v}" for k, v in ev.case.sizes.items())
        out.append(CaseRun(f"{ev.case.dtype} {sizes}", ev.sample, ev.actual, ev.reference,
                           {q for q, c in ev.comparisons.items() if not c.ok},
                           {q for q, c in ev.comparisons.items() if c.ok},
                           ev.tolerance_dtype or ev.case.dtype, ev.oracle or "torch"))
    return out


def agreement(a, b, tolerance, steps: int = 1) -> float:
    """max |a - b| / allowed (<= 1: the same within tolerance; inf: different shape, type or non-finite pattern)."""
    if a is None or b is None:
        return 0.0 if a is None and b is None else np.inf
    try:
        a, b = np.asarray(a), np.asarray(b)
    except (TypeError, ValueError):
        return np.inf
    if a.dtype.kind not in "fiub" or b.dtype.kind not in "fiub" or a.shape != b.shape:
        return np.inf
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    fa, fb = np.isfinite(a64), np.isfinite(b64)
    if not np.array_equal(fa, fb) or not np.array_equal(a64[~fa], b64[~fb], equal_nan=True):
        return np.inf
    if not fa.any():
        return 0.0
    diff = float(np.max(np.abs(a64[fa] - b64[fb])))
    allowed = tolerance.allowed(b64[fb], steps)
    return diff / allowed if allowed > 0 else (0.0 if diff == 0 else np.inf)


def _produce(component, obj, sample) -> dict | None:
    """The entry's quantities on ``sample``, or None when it cannot run there."""
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return drive.run(component, obj, sample).quantities
    except Exception:  # noqa: BLE001 - an entry that does not apply to this sample reproduces nothing
        return None


@dataclass
class _Fit:
    """How one entry's outputs compare, per case and quantity, with the student's and the reference's."""

    mistake: object
    to_actual: list = field(default_factory=list)      # per run: {q: ratio}
    to_reference: list = field(default_factory=list)   # per run: {q: ratio}

    def worst(self) -> float:
        return max((max(d.values(), default=0.0) for d in self.to_actual), default=np.inf)

    def changed(self, i: int, q: str) -> bool:
        return self.to_reference[i].get(q, np.inf) > 1.0

    def reproduces(self, i: int, q: str) -> bool:
        return self.to_actual[i].get(q, np.inf) <= 1.0


def _fit(component, mistake, runs) -> _Fit | None:
    obj = mistake.build(component.name)
    fit = _Fit(mistake)
    for run in runs:
        produced = _produce(component, obj, run.sample)
        if produced is None:
            return None
        judged = run.failing | run.passing
        steps = run.sample.steps
        tol = {q: component.tolerance(q, run.tolerance_dtype, run.oracle) for q in judged}
        fit.to_actual.append({q: agreement(run.actual.get(q), produced.get(q), tol[q], steps) for q in judged})
        fit.to_reference.append({q: agreement(produced.get(q), run.reference.get(q), tol[q], steps)
                                 for q in judged})
    return fit


def _cause(ids, sentences, runs, quantities, confidence) -> dict:
    return {"id": "+".join(ids), "sentence": "; and ".join(sentences), "quantities": sorted(quantities),
            "confidence": confidence, "cases": [r.label for r in runs if r.failing]}


def _single(fits, runs) -> dict | None:
    whole = sorted((f for f in fits if f.worst() <= 1.0), key=lambda f: f.worst())
    if not whole:
        return None
    if len(whole) > 1 and not whole[1].worst() > CLEAR_WIN * whole[0].worst():
        return None                     # two mistakes behave alike here: naming one could be false
    best = whole[0].mistake
    if best.twin_of:
        return None                     # kept only to make ties (mistakes.entry.Mistake.twin_of)
    failing = set().union(*(r.failing for r in runs))
    return _cause([best.id], [best.sentence], runs, failing, "high")


def _explains(fit, runs) -> set | None:
    """(run, quantity) pairs the entry changes and reproduces; None if it changes anything wrongly."""
    out = set()
    for i, run in enumerate(runs):
        for q in run.failing | run.passing:
            if fit.changed(i, q):
                if q in run.passing or not fit.reproduces(i, q):
                    return None
                out.add((i, q))
    return out or None


def _pair(fits, runs) -> dict | None:
    failing = {(i, q) for i, run in enumerate(runs) for q in run.failing}
    parts = [(f, e) for f in fits if not f.mistake.twin_of for e in [_explains(f, runs)] if e]
    found = [(a, b) for (a, ea), (b, eb) in itertools.combinations(parts, 2)
             if not ea & eb and ea | eb == failing
             and len({i for i, _ in ea}) >= MIN_CASES and len({i for i, _ in eb}) >= MIN_CASES]
    if len(found) != 1:
        return None
    a, b = found[0]
    return _cause([a.mistake.id, b.mistake.id], [a.mistake.sentence, b.mistake.sentence], runs,
                  {q for _, q in failing}, "medium")


def applies(component) -> bool:
    """Whether the catalogue judges this component. ``X[reference-wrapper,student-cell]`` steps the cell
    class it is given (a cell mistake runs as it is); ``TimeX[student-wrapper,reference-cell]`` rebinds a
    name in the student's module, which a catalogue wrapper does not read: not matched."""
    return "student-wrapper" not in component.variant and bool(mistakes.for_component(component.name))


def match_runs(component, runs: list[CaseRun]) -> dict | None:
    """The cause of ``component``'s failure on ``runs``, or None (see the module docstring)."""
    if not applies(component) or sum(1 for r in runs if r.failing) < MIN_CASES:
        return None
    fits = [f for m in mistakes.for_component(component.name) for f in [_fit(component, m, runs)] if f]
    return _single(fits, runs) or _pair(fits, runs)


def match(component, evidence) -> dict | None:
    """The cause for the judge: ``match_runs`` on the cases of ``evidence`` that returned values."""
    return match_runs(component, runs_of(evidence))


def line(cause: dict) -> str:
    """The diagnosis line that states a cause."""
    how = "" if cause["confidence"] == "high" else f" ({cause['confidence']} confidence: two mistakes together)"
    return f"cause [{cause['id']}]: {cause['sentence']}{how}"

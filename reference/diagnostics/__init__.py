"""Room ``diagnostics``: from failing checks to causes and hints. May import
``sandbox``, ``report``, ``golden``, ``oracles`` and ``registry``; the judge
(above) calls it.

Diagnostics: from failing checks to what the student should change, and where.

``diagnose(component, evidence, runner, records)`` runs after a component
failed. It annotates the failing ``CheckRecord``s (``hint``, ``rules``) and
returns component-level sentences (``ComponentReport.diagnosis``):

- ``factors``: a gradient off by exactly N, T, 1/N, 2, -1 ("you average
  where the contract sums");
- ``steps``: where in time the error starts (per-step errors of (N, T, ...)
  quantities) and the shortest sequence on which a quantity goes wrong;
- ``gates``: the gate order / GRU z convention under which an LSTM or GRU
  would conform;
- ``cells``: cell or wrapper, from the isolation entries' verdicts (the
  judge reads them; see ``reference.judging.judge.Judge._isolation``);
- ``rules``: the symptom -> hint catalogue; each rule fires only when its
  premise holds in this report (and fixed registry hints that assert
  something are dropped where they do not hold);
- ``mistakes`` and ``matcher``: the catalogue of learners' mistakes and the
  matcher that names one as the cause (``ComponentReport.cause``) when its
  behaviour reproduces the student's; the judge calls ``matcher.match``.

Reference values for transformed samples (other gate orders, the first k
steps) come from the bundled scratch_layers, which the generated tests hold
to the oracles; only the implementation's own runs go through the runner.
"""
from __future__ import annotations

import functools

import numpy as np

from reference.registry import drive, transforms
from reference.diagnostics import factors, gates, rules, steps
from reference.sandbox.implementation import Implementation, NotImplementedComponent


# Generic rules a detected gate layout already explains (every quantity is wrong because of it).
EXPLAINED_BY_LAYOUT = ("forward-wrong", "only-input-grad", "only-param-grads", "dWh-only")
# A zero gradient beside a wrong forward may come from a zero the forward made (a state never carried,
# h0 = 0): "never stored" would be a guess.
ZERO_FROM_WRONG_FORWARD = "is all zeros where the contract's value is not (the forward is wrong too: fix it first)"


@functools.cache
def _bundled() -> Implementation:
    return Implementation.bundled()


def reference_runner(component):
    """``sample -> quantities`` through the bundled implementation, or None if it lacks the component."""
    try:
        obj = _bundled().find(component.name)
    except (NotImplementedComponent, ImportError):
        return None

    def run(sample):
        try:
            return drive.run(component, obj, sample).quantities
        except Exception:  # noqa: BLE001 - a transformed sample the reference refuses: no diagnosis
            return None
    return run


def _add_hint(rec, text: str, rule: str | None = None) -> None:
    if text and text not in rec.hint:
        rec.hint = f"{rec.hint}\n{text}" if rec.hint else text
    if rule and rule not in rec.rules:
        rec.rules.append(rule)


def _symptoms(component, evidence, records) -> rules.Symptoms:
    s = rules.Symptoms(component)
    judged = [r for r in records if r.oracle not in ("implementation", "contract") and r.status in ("pass", "fail")]
    s.bad = {r.quantity for r in judged if r.status == "fail"}
    s.good = {r.quantity for r in judged if r.status == "pass"} - s.bad
    for r in judged:
        if r.status == "fail" and r.series and r.quantity not in s.series:
            s.series[r.quantity] = r.series
    first = next((ev for ev in evidence if ev.sample is not None), None)
    if first is not None:
        sample = first.sample
        s.input_grads = {"d" + n for n in sample.differentiable} & set(component.quantities)
        s.param_grads = {"d" + n for n in sample.params} & set(component.quantities)
        s.forward = {q for q in component.quantities if not q.startswith("d")}
        s.sizes = dict(first.case.sizes)
        s.recurrent = any(n.startswith("Wh") for n in sample.params)
        xs = sample.inputs.get("xs")
        s.fresh_start = not ({"h0", "c0", "xs_before"} & set(sample.inputs)) and not (
            isinstance(xs, np.ndarray) and xs.ndim == 4) and not sample.init_kwargs.get("stateful")
        s.cell_state = "c" in component.quantities or "c_next" in component.quantities
    for ev in evidence:
        s.problems += [p for p in ev.problems if p not in s.problems]
        if ev.exception:
            s.exceptions.append(ev.exception)
        for q, c in ev.comparisons.items():
            if not c.ok and q not in s.comparisons:
                s.comparisons[q] = c
    return s


def _main_evidence(evidence):
    """The evidence diagnostics work on: the distinct-sizes case with failing comparisons, float64 first."""
    failing = [ev for ev in evidence if ev.actual is not None and ev.reference is not None
               and any(not c.ok and not c.problem for c in ev.comparisons.values())]
    failing.sort(key=lambda ev: (-min(v for v in ev.case.sizes.values()), ev.case.dtype != "float64"))
    return failing[0] if failing else None


def _sums_over_axes(component, sample, quantity: str) -> bool:
    """Whether a factor equal to a size may name a sum/mean over that axis (``factors``): a quantity a
    layer, loss or function computes, or the gradient of an input or param, not a trajectory or a total."""
    if component.kind in ("layer", "loss", "function"):
        return True
    return sample is not None and quantity in sample.gradient_names()


def _drop_unfounded_hints(failing, s) -> None:
    """Remove the lines of fixed registry hints whose premise this report contradicts (rules.PREMISED_HINTS)."""
    for r in failing:
        if r.hint:
            r.hint = "\n".join(line for line in r.hint.split("\n") if rules.hint_holds(line, s))


def diagnose(component, evidence, runner, records) -> list[str]:
    lines: list[str] = []
    failing = [r for r in records if r.status in ("fail", "error")]
    if not failing:
        return lines
    reference_run = reference_runner(component)
    s = _symptoms(component, evidence, records)
    # Constant factors, per quantity, on every case where the comparison is numeric.
    factor_of: dict[str, str] = {}
    zero: set[str] = set()
    for ev in evidence:
        for q, c in ev.comparisons.items():
            if c.ok or c.problem or ev.reference is None:
                continue
            found = factors.constant_factor(ev.actual.get(q), ev.reference[q], ev.case.sizes,
                                            axes=_sums_over_axes(component, ev.sample, q))
            if found:
                value, sentence = found
                if value == 0.0 and not s.forward <= s.good:
                    sentence = ZERO_FROM_WRONG_FORWARD
                factor_of.setdefault(q, f"{q} {sentence}")
                if value == 0.0:
                    zero.add(q)
    for q, text in factor_of.items():
        lines.append(text)
        for r in failing:
            if r.quantity == q:
                _add_hint(r, text, "constant-factor" if q not in zero else None)
    # Where in time the error starts: for layers over sequences (a custom entry's (N, T, ...) arrays,
    # e.g. clip_grads' tensors, have no time axis).
    seen = set()
    for r in failing:
        if r.series and r.quantity not in seen and (component.recurrent or component.kind != "custom"):
            seen.add(r.quantity)
            text = steps.first_bad_step(r.quantity, r.series)
            if text:
                lines.append(text)
    main = _main_evidence(evidence)
    gate_found = None
    if main is not None and reference_run is not None:
        gate_found = gates.detect(component, main, reference_run)
        if gate_found:
            lines.insert(0, gate_found)
            for r in failing:
                _add_hint(r, gate_found.split(": ", 1)[1], "gate-layout")
    s.zero = zero
    T = transforms.time_axis_length(main.sample) if main is not None else None
    if main is not None and T and component.recurrent and reference_run is not None and not gate_found:
        bad = sorted(q for q, c in main.comparisons.items() if not c.ok)
        s.truncation = steps.by_length(component, main, runner, reference_run, bad)
        by_k: dict = {}
        for q, k in s.truncation.items():
            by_k.setdefault((k, q in steps.STORED), []).append(q)
        step_right = all(k != 1 for q, k in s.truncation.items() if q not in steps.STORED)
        for (k, _), qs in by_k.items():
            lines.append(steps.by_length_sentence(", ".join(qs), k, T, s.fresh_start, step_right))
    _drop_unfounded_hints(failing, s)
    for rule_id, quantities, hint in rules.fire(s):
        if gate_found and rule_id in EXPLAINED_BY_LAYOUT:
            continue
        targets = [r for r in failing if r.quantity in quantities] if quantities else \
            [r for r in failing if r.oracle in ("implementation", "contract")] or failing[:1]
        for r in targets:
            _add_hint(r, hint, rule_id)
    return list(dict.fromkeys(lines))

"""A repair search on the student's own source: the smallest edit that makes a component conform.

For a failing component, the worker lists the student's functions it runs
(``reference.sandbox.patching.sources``). Here each function's syntax tree
proposes small edits, each a replacement of one stretch of the source text
(so the student's line is changed only where the edit is):

- ``name``: one array name in place of another in scope (``dWx`` -> ``Wx``),
  an array for ``self.grads[0]``, one size name for another (``N`` -> ``T``),
  or an array or ``self.h`` for a fresh array passed to a method
  (``np.zeros((N, H))`` -> ``self.h``);
- ``transpose``: add or drop ``.T`` on an operand of ``np.dot``/``@``;
- ``swap``: the operands of ``np.dot``, ``np.matmul``, ``@`` or ``*``;
- ``axis``: another ``axis=``, or the keyword added to a sum/mean;
- ``term`` / ``factor``: a term of a sum or a factor of a product dropped;
  an array in scope added as a term or factor of an assigned or returned
  value (``np.dot(x, W) + b``, ``ds * f``); a loop-carried name added to a
  call argument (``dhs[:, t] + dh``) or put in place of a ``0``; a division
  or product by a size (``/ N``);
- ``sign``: ``+`` for ``-`` and back (``+=`` / ``-=`` too), ``<`` for ``>``;
- ``assign``: ``=`` for ``+=`` and back;
- ``loop``: ``reversed(...)`` / ``[::-1]`` added to or dropped from a loop;
- ``slice``: one slice bound replaced by another bound of the same function
  or by itself +- 1; a block ``a*H:b*H`` by another slice of the function
  or its neighbouring block (a gate's columns);
- ``call``: a one-argument function application dropped (``np.tanh(h)`` ->
  ``h``), ``sum`` for ``mean`` and back.

Candidates are ranked (edit kind; the lines that compute a failing quantity
and what they read; the method the failing quantities point at, name
similarity) and screened in the worker on every case the judge ran
(``op repair_try``: each candidate time-boxed, one that raises or hangs is
dropped). When no single edit verifies, pairs of the single edits that made
the most quantities conform are tried. The winner's quantities are then
compared here, in the judge's process, with the oracle's on every case and
dtype: only then is it a verified fix. The whole search is time-boxed.
"""
from __future__ import annotations

import itertools
import time
from dataclasses import dataclass

import numpy as np

from reference.diagnostics.edits import Edit, apply, line_diff, single_edits
from reference.registry.compare import compare

TIME_BOX = 8.0           # seconds per component, all batches (target: diagnosis <= 10 s per component)
BATCH = 120              # candidates per worker request
MAX_SINGLES = 4000       # single edits considered per component
PAIR_SEEDS = 16          # best single edits combined into pairs
MAX_PAIRS = 240          # pairs tried per component


# -- the search --------------------------------------------------------------------------------

@dataclass
class Target:
    key: str
    name: str
    file: str
    line: int
    source: str


def _priority(target: Target, forward_ok: bool) -> float:
    method = target.name.rsplit(".", 1)[-1]
    if method == "backward":
        return 0.0 if forward_ok else 1.0
    if method == "forward":
        return 1.0 if forward_ok else 0.0
    return 2.0 if method in ("__init__", "set_state", "reset_state") else 0.5


@dataclass
class Judged:
    """One case the component was judged on: the reference quantities the fix must reproduce."""

    case: object                # registry Case
    reference: dict             # quantity -> expected array (the first oracle that judges the case)
    oracle: str                 # its base name (torch, keras, fd64), for the tolerance
    label: str                  # its name in the report (golden:torch)
    tolerance_dtype: str
    steps: int

    def allowed(self, component, q) -> float:
        ref = np.asarray(self.reference[q], dtype=np.float64)
        return float(component.tolerance(q, self.tolerance_dtype, self.oracle).allowed(ref, self.steps))


def judged_cases(component, evidence, expected=None) -> list[Judged] | None:
    """The evidence's cases with their reference; ``expected(ev)`` supplies it where the student's code raised
    (``(oracle, label, quantities)`` or None). None when a case has no reference."""
    out = []
    for ev in evidence:
        if ev.reference is not None and ev.comparisons:
            ref = {q: ev.reference[q] for q in ev.comparisons}
            out.append(Judged(ev.case, ref, ev.oracle, ev.oracle_label, ev.tolerance_dtype or ev.case.dtype,
                              ev.sample.steps))
            continue
        got = expected(ev) if expected else None
        if not got:
            return None
        oracle, label, ref = got
        out.append(Judged(ev.case, ref, oracle, label, ev.case.dtype, ev.sample.steps))
    return out or None


def _cases(component, judged: list[Judged]) -> list[dict]:
    """What the worker compares with: per case, the reference quantities and the allowed error."""
    return [{"case": {"dtype": j.case.dtype, "sizes": dict(j.case.sizes), "seed": j.case.seed},
             "expected": {q: np.asarray(v) for q, v in j.reference.items()},
             "allowed": {q: j.allowed(component, q) for q in j.reference}} for j in judged]


def _score(result: dict, cases: list[dict]) -> tuple[int, float]:
    """(quantities that conform, minus the summed error in units of the allowed): higher is closer."""
    if "cases" not in result:
        return -1, float("-inf")
    ok = sum(len(c["ok"]) - (1 if c["problems"] else 0) for c in result["cases"])
    return ok, -sum(c["error"] for c in result["cases"])


def _conforms(result: dict, cases: list[dict]) -> bool:
    got = result.get("cases") or []
    return len(got) == len(cases) and all(len(c["ok"]) == len(k["expected"]) and not c["problems"]
                                          for c, k in zip(got, cases))


class Search:
    """One component's repair search through ``runner`` (see the module docstring)."""

    def __init__(self, component, judged: list[Judged], runner, time_box: float = TIME_BOX, forward_ok=False,
                 focus=()):
        self.component, self.judged, self.runner = component, judged, runner
        self.forward_ok, self.focus = forward_ok, set(focus)
        self.deadline = time.monotonic() + time_box
        self.tried = 0
        self.found = None        # the verified edits: [(Target, Edit)]

    def _left(self) -> float:
        return self.deadline - time.monotonic()

    def _try(self, candidates: list[dict], cases, keep: bool = False) -> list[dict]:
        """Screen ``candidates`` in the worker, in batches that fit the runner's time limit per request."""
        out = []
        limit = getattr(self.runner, "timeout", None) or 10.0
        for k in range(0, len(candidates), BATCH):
            left = self._left()
            if left <= 0.05:
                break
            box = max(0.05, min(left, 0.6 * limit))
            answer = self.runner.call("repair_try", component_id=self.component.id, candidates=candidates[k:k + BATCH],
                                      cases=cases, time_box=box, timeout=min(2.0, 0.5 * limit), keep=keep)
            if "exception" in answer:           # the worker crashed or hung on a candidate: stop searching
                break
            out += answer["results"]
            self.tried += len(answer["results"])
            if answer.get("stopped") or any(_conforms(r, cases) for r in answer["results"]):
                break                           # out of time, or a candidate to verify (the best ranked first)
        return out

    def run(self) -> dict | None:
        cases = _cases(self.component, self.judged)
        listed = self.runner.call("repair_sources", component_id=self.component.id)
        if "exception" in listed or not listed.get("functions"):
            return None
        targets = [Target(**{k: f[k] for k in ("key", "name", "file", "line", "source")}) for f in listed["functions"]]
        forward_ok = self.forward_ok
        targets.sort(key=lambda t: _priority(t, forward_ok))
        singles: list[tuple[Target, Edit]] = []
        for t in targets:
            try:
                found = single_edits(t.source, self.focus)
            except SyntaxError:
                continue
            singles += [(t, e) for e in found]
        singles.sort(key=lambda te: te[1].rank + _priority(te[0], forward_ok) * 2)
        singles = singles[:MAX_SINGLES]
        base = self._try([{"id": "original", "functions": {}}], cases)
        baseline = _score(base[0], cases) if base else (0, float("-inf"))
        specs = [self._candidate(str(i), [(t, e)]) for i, (t, e) in enumerate(singles)]
        results = self._try([s for s in specs if s], cases)
        by_id = {r["id"]: r for r in results}
        fix = self._first_verified(results, {str(i): [te] for i, te in enumerate(singles)}, cases)
        if fix or self._left() <= 0:
            return fix
        improving = sorted((i for i in range(len(singles)) if _score(by_id.get(str(i), {}), cases) > baseline),
                           key=lambda i: _score(by_id[str(i)], cases), reverse=True)
        seeds = improving[:PAIR_SEEDS]
        pairs = {}
        for i, j in itertools.combinations(seeds, 2):
            (ti, ei), (tj, ej) = singles[i], singles[j]
            if ti.key == tj.key and ei.overlaps(ej):
                continue
            pairs[f"{i}+{j}"] = [singles[i], singles[j]]
            if len(pairs) >= MAX_PAIRS:
                break
        specs = [self._candidate(k, v) for k, v in pairs.items()]
        results = self._try([s for s in specs if s], cases)
        return self._first_verified(results, pairs, cases)

    def _candidate(self, cid: str, edits) -> dict | None:
        """The worker's form of a candidate: each edited function's new source, or None if it does not parse."""
        grouped: dict[str, tuple[Target, list]] = {}
        for target, edit in edits:
            grouped.setdefault(target.key, (target, []))[1].append(edit)
        functions = {}
        for key, (target, es) in grouped.items():
            try:
                new = apply(target.source, es)     # the worker compiles it: a syntax error drops it there
            except (ValueError, UnicodeDecodeError):
                return None
            functions[key] = {"source": new, "line": target.line}
        return {"id": cid, "functions": functions}

    def _first_verified(self, results, edits_of: dict, cases) -> dict | None:
        for r in results:
            if not _conforms(r, cases):
                continue
            fix = self._verify(edits_of[r["id"]], cases)
            if fix:
                return fix
        return None

    def _verify(self, edits, cases) -> dict | None:
        """Run the candidate once more, keeping its quantities, and compare them here on every case."""
        spec = self._candidate("verify", edits)
        answer = self._try([spec], cases, keep=True) if spec else []
        if not answer or "quantities" not in answer[0]:
            return None
        got_all = answer[0]["quantities"]
        if len(got_all) != len(self.judged):
            return None
        verified_on = []
        for j, got in zip(self.judged, got_all):
            for q, ref in j.reference.items():
                tol = self.component.tolerance(q, j.tolerance_dtype, j.oracle)
                if not compare(got.get(q), ref, tol, quantity=q, steps=j.steps).ok:
                    return None
            sizes = " ".join(f"{k}={v}" for k, v in j.case.sizes.items())
            verified_on.append(f"{j.label} {j.case.dtype} {sizes}")
        self.found = edits
        return self._describe(edits, verified_on)

    def _describe(self, edits, verified_on) -> dict:
        target = edits[0][0]
        grouped: dict[str, list] = {}
        for t, e in edits:
            grouped.setdefault(t.key, []).append(e)
        diffs = []
        for key, es in grouped.items():
            t = next(t for t, _ in edits if t.key == key)
            diffs.append({"file": t.file, "function": t.name, **line_diff(t.source, apply(t.source, es), t.line)})
        first = diffs[0]
        return {"file": first["file"], "line": first["line"], "old": first["old"], "new": first["new"],
                "function": target.name, "edits": [e.kind for _, e in edits], "changes": diffs,
                "verified_on": verified_on, "candidates_tried": self.tried}


def search(component, evidence, runner, time_box: float = TIME_BOX, memo: dict | None = None,
           expected=None, owner=None) -> dict | None:
    """A verified fix for a failing component (``ComponentReport.fix``), or None.

    evidence: the judge's runs of the component (``Evidence``); ``expected(ev)``
    gives ``(oracle, label, quantities)`` for a case where the student's code
    raised (no reference was computed for it).
    memo: per book class (``component.name``), the edits found for the first
    failing entry of that class; its variants (``TimeRNN[set_state]``) only
    try those (one full search per class keeps diagnosis within its budget).
    A fix must hold for every failing entry of the class: when a variant
    does not conform with it, the fix is withdrawn from the entries that got
    it (``owner``: the ComponentReport the result goes to).
    """
    memo = {} if memo is None else memo
    try:
        judged = judged_cases(component, evidence, expected)
        if not judged:
            return None
        first = next((ev for ev in evidence if ev.comparisons), None)
        failing = {q for q, c in first.comparisons.items() if not c.ok} if first else set()
        forward_ok = bool(first) and not any(not q.startswith("d") for q in failing)
        s = Search(component, judged, runner, time_box, forward_ok=forward_ok, focus=failing)
        known = memo.get(component.name)
        if component.name in memo:
            fix = s._verify(known["edits"], _cases(component, judged)) if known and known["edits"] else None
            if known and known["edits"] and fix is None:
                for report in known["owners"]:         # it does not hold for the whole class: no fix at all
                    report.fix = None
                known["edits"] = None
            elif fix and owner is not None:
                known["owners"].append(owner)
            return fix
        fix = s.run()
        memo[component.name] = {"edits": s.found, "owners": [owner] if owner is not None and fix else []}
        return fix
    except (KeyError, ValueError, TypeError):   # a malformed answer from the worker: no fix, never a crash
        memo.setdefault(component.name, None)
        return None

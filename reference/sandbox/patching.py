"""Trying edited sources of the implementation's own functions, next to the code under test.

The repair search (``reference.diagnostics.repair``) proposes small edits of
a student's method; this module runs them where the student's code lives:

- ``sources(impl, component)``: the functions a component runs that the
  student wrote (the class's own methods, then the classes and functions of
  the implementation those methods name), each with its file, first line and
  source text;
- ``screen(impl, component, candidates, cases, ...)``: each candidate (one or
  more functions with a new source) is compiled in the function's own module
  globals, swapped in by replacing the function's ``__code__`` (so every
  module that imported the function sees it), run on every case and
  compared with the expected quantities the judge sent, then swapped back.
  A candidate that raises, hangs (soft timeout) or does not compile is
  dropped; the whole batch is time-boxed.

The judge re-compares the winning candidate's quantities itself: what runs
here only narrows the search.
"""
from __future__ import annotations

import copy
import inspect
import os
import textwrap
import time
from contextlib import contextmanager

import numpy as np

from reference.registry import drive
from reference.registry.cases import Case
from reference.sandbox.alarm import SoftTimeout, soft_timeout

MAX_FUNCTIONS = 12        # functions offered to the search per component


def _own_function(fn, impl) -> bool:
    try:
        path = inspect.getsourcefile(fn)
    except TypeError:
        return False
    return bool(path) and os.path.abspath(path) in impl.files


def _methods(cls) -> list:
    return [v for v in vars(cls).values() if inspect.isfunction(v)]


def _named(fn, impl) -> list:
    """Classes and functions of the implementation that ``fn`` refers to by a global name."""
    found = []
    for name in fn.__code__.co_names:
        obj = fn.__globals__.get(name)
        if (inspect.isclass(obj) or inspect.isfunction(obj)) and obj not in found:
            found.append(obj)
    return [o for o in found if all(_own_function(f, impl) for f in (_methods(o) if inspect.isclass(o) else [o]))
            and (_methods(o) if inspect.isclass(o) else [o])]


def functions_of(impl, component) -> list:
    """The student's functions a component runs: its own first, then those they name (one level)."""
    obj = impl.find(component.name)
    first = _methods(obj) if inspect.isclass(obj) else [obj]
    first = [f for f in first if _own_function(f, impl)]
    out = list(first)
    for fn in first:
        for other in _named(fn, impl):
            for f in (_methods(other) if inspect.isclass(other) else [other]):
                if f not in out:
                    out.append(f)
    return out[:MAX_FUNCTIONS]


def _key(fn) -> str:
    return f"{fn.__module__}:{fn.__qualname__}"


def sources(impl, component) -> list[dict]:
    """``[{key, name, file, line, source}]`` for ``functions_of``: ``source`` dedented, ``line`` its first."""
    out = []
    for fn in functions_of(impl, component):
        try:
            lines, first = inspect.getsourcelines(fn)
        except (OSError, TypeError):
            continue
        out.append({"key": _key(fn), "name": fn.__qualname__, "file": inspect.getsourcefile(fn),
                    "line": first, "source": textwrap.dedent("".join(lines))})
    return out


def compile_function(fn, source: str, first_line: int):
    """The code object of ``source`` (a dedented ``def``) as if written where ``fn`` is, or None.

    The def is wrapped in a factory taking ``__class__`` so a method using
    ``super()`` compiles with the same free variables as the original.
    """
    body = textwrap.indent(source, "    ")
    text = "\n" * max(first_line - 2, 0) + "def __repair_factory__(__class__):\n" + body + \
        f"\n    return {fn.__name__}\n"
    try:
        code = compile(text, inspect.getsourcefile(fn) or "<repair>", "exec")
    except (SyntaxError, ValueError):
        return None
    scope: dict = {}
    try:
        exec(code, fn.__globals__, scope)   # defines the factory only: nothing of the student's runs
        made = scope["__repair_factory__"](None)
    except Exception:  # noqa: BLE001 - e.g. a decorator that refuses: not a candidate
        return None
    made = getattr(made, "__func__", made)
    new = getattr(made, "__code__", None)
    if new is None or new.co_freevars != fn.__code__.co_freevars:
        return None
    return new


@contextmanager
def swapped(functions: dict, replacement: dict):
    """``functions[key].__code__`` replaced by ``replacement[key]`` for the duration."""
    saved = {k: functions[k].__code__ for k in replacement}
    try:
        for k, code in replacement.items():
            functions[k].__code__ = code
        yield
    finally:
        for k, code in saved.items():
            functions[k].__code__ = code


def _conforms(actual, expected, allowed: float) -> tuple[bool, float]:
    """(within ``allowed``, greatest abs error relative to ``allowed``) of one quantity."""
    try:
        a = np.asarray(actual, dtype=np.float64)
        e = np.asarray(expected, dtype=np.float64)
    except (TypeError, ValueError):
        return False, float("inf")
    if a.shape != e.shape or not np.all(np.isfinite(a)):
        return False, float("inf")
    err = float(np.max(np.abs(a - e))) if a.size else 0.0
    return err <= allowed, err / allowed if allowed > 0 else (0.0 if err == 0 else float("inf"))


def _run_cases(component, obj, cases, samples, keep: bool, stop_early: bool):
    """Per case, the quantities that conform; plus the quantities themselves when ``keep``.

    samples: one drawn sample per case (each run gets a deep copy: a candidate may write into it).
    stop_early: stop after the first case that does not conform (screening).
    """
    scores, kept = [], []
    for item, sample in zip(cases, samples):
        outcome = drive.run(component, obj, copy.deepcopy(sample), backward_twice=False)
        ok = {}
        for q, ref in item["expected"].items():
            ok[q] = _conforms(outcome.quantities.get(q), ref, float(item["allowed"][q]))
        scores.append({"ok": [q for q, (good, _) in ok.items() if good],
                       "error": float(sum(min(r, 1e6) for _, r in ok.values())),
                       "problems": list(outcome.problems)})
        if keep:
            kept.append(dict(outcome.quantities))
        if stop_early and (len(scores[-1]["ok"]) < len(item["expected"]) or outcome.problems):
            break
    return scores, kept


def screen(impl, component, candidates: list[dict], cases: list[dict], time_box: float = 8.0,
           timeout: float = 2.0, keep: bool = False, stop_early: bool = True) -> dict:
    """Run each candidate ``{"id", "functions": {key: {"source", "line"}}}`` on ``cases``.

    cases: ``[{"case", "expected": {q: array}, "allowed": {q: float}}]``.
    Returns ``{"results": [{"id", "cases": [{"ok", "error", "problems"}], "quantities"?}], "stopped"}``:
    a candidate that fails to compile, raises or times out has ``"dropped"`` with the reason.
    ``stopped`` is true when the time box ended the batch early.
    """
    obj = impl.find(component.name)
    functions = {_key(f): f for f in functions_of(impl, component)}
    deadline = time.monotonic() + time_box
    samples = [component.sample(Case(c["case"]["dtype"], dict(c["case"]["sizes"]), int(c["case"]["seed"])))
               for c in cases]
    results, stopped = [], False
    for cand in candidates:
        if time.monotonic() > deadline:
            stopped = True
            break
        codes, bad = {}, None
        for key, spec in cand["functions"].items():
            fn = functions.get(key)
            code = compile_function(fn, spec["source"], int(spec["line"])) if fn is not None else None
            if code is None:
                bad = f"does not compile in place: {key}"
                break
            codes[key] = code
        if bad:
            results.append({"id": cand["id"], "dropped": bad})
            continue
        try:
            with swapped(functions, codes), soft_timeout(timeout):
                scores, kept = _run_cases(component, obj, cases, samples, keep, stop_early)
        except BaseException as exc:  # noqa: BLE001 - a candidate may raise anything: dropped
            if isinstance(exc, KeyboardInterrupt):
                raise
            results.append({"id": cand["id"], "dropped": "timeout" if isinstance(exc, SoftTimeout)
                            else f"{type(exc).__name__}"})
            continue
        entry = {"id": cand["id"], "cases": scores}
        if keep:
            entry["quantities"] = kept
        results.append(entry)
    return {"results": results, "stopped": stopped}

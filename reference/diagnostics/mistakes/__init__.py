"""The error model: the mistakes learners make, one entry per mistake, each computable.

An entry (``Mistake``) names the components it applies to, says what the
student did in a sentence they recognise ("your dx uses dWx where Wx
belongs"), and builds the wrong behaviour: a small variant of a plain,
correct implementation written here from the contract (``build(name)``
returns the class or function the component's driver calls). The matcher
(``reference.diagnostics.matcher``) runs every entry of a failing component
on the samples the student was judged on, through the same driver, and
states an entry as the cause only when it reproduces what the student's
code returned.

One module per chapter: ``layers`` (functions, dense layers, losses,
embeddings), ``dropout``, ``cells`` (RNN/LSTM/GRU step formulas, also
applied to the Time wrappers stepping them), ``wrappers`` (the loop over
time), ``time_losses``, ``optimizers``, ``grad_utils``. The correct bases
are judged by ``tests/test_mistakes.py`` (they must conform), and every
entry has a fixture there that must be matched by its own id.
"""
from __future__ import annotations

import importlib

from reference.diagnostics.mistakes.entry import Mistake, fixed  # noqa: F401 - re-exported

MODULES = ("layers", "dropout", "cells", "wrappers", "time_losses", "optimizers", "grad_utils")


def _collect() -> tuple[Mistake, ...]:
    out: list[Mistake] = []
    for name in MODULES:
        out.extend(importlib.import_module(f"{__name__}.{name}").MISTAKES)
    ids = [m.id for m in out]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ValueError(f"mistakes: duplicate ids {dupes}")
    return tuple(out)


CATALOGUE: tuple[Mistake, ...] = _collect()


def for_component(name: str) -> list[Mistake]:
    """Every catalogue entry that applies to the component called ``name`` (any variant)."""
    return [m for m in CATALOGUE if name in m.components]


def get(mistake_id: str) -> Mistake:
    for m in CATALOGUE:
        if m.id == mistake_id:
            return m
    raise KeyError(f"no mistake {mistake_id!r}; known: {', '.join(m.id for m in CATALOGUE)}")

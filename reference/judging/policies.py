"""Book behaviours that are advisories, not failures (judging.md), as tables the judge applies.

- ``FALLBACKS``: a limitation of the book (``softmax`` for 2-D input only):
  the component is run again on a transformed sample and, if it conforms
  there, its failures become ``skipped`` and an advisory is added.
- ``BOOK_BEHAVIOURS``: an entry that judges a decision the contract made
  beyond the book (nan when every label is ignored): if the failing
  quantities show exactly the book's behaviour, the same.

Calls and methods the book never makes or has are not judged unless the
implementation supports them (judging.md): a driver runs such a call through
``reference.registry.book_optional.attempt`` (``TimeDropout[eval]``'s
backward), and ``reference.registry.contract.NOT_IN_BOOK`` lists methods
the book's class lacks (``TimeBiLSTM.reset_state``); the judge reports both
as ``skipped`` with a "not judged, a book behaviour" advisory
(``Judge._book_optional``, ``Judge._contract``).

Float32 computation (returned float32, or float32 intermediates) is handled
in ``reference.judging.judge`` itself (``_judge_case``, ``_fallback_precision``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Fallback:
    """A book limitation that is an advisory, not a failure (judging.md).

    When the component fails, it is run again on the sample transformed by
    ``transform`` (``reference.registry.transforms``) and compared with the same
    oracle values mapped by ``expected``; if every case then conforms, the
    failing checks become ``skipped``, the transformed ones are reported,
    and ``advisory`` is added.
    """

    transform: str
    expected: object          # (reference array) -> the reference for the transformed sample
    advisory: str


def _non_finite_where_failing(ev) -> bool:
    failing = [q for q, c in ev.comparisons.items() if not c.ok]
    if not failing:
        return True
    try:
        return all(not np.isfinite(np.asarray(ev.actual[q], dtype=np.float64)).any() for q in failing)
    except (TypeError, ValueError, KeyError):
        return False


@dataclass(frozen=True)
class BookBehaviour:
    """An entry that judges a decision the contract made beyond the book (judging.md: a faithful copy of
    the book passes, with an advisory): if every failing quantity shows the book's behaviour
    (``matches(evidence)``), the failures become ``skipped`` and ``advisory`` is added."""

    matches: object
    advisory: str


BOOK_BEHAVIOURS = {
    "TimeSoftmaxWithLoss[all-ignored]": BookBehaviour(
        _non_finite_where_failing,
        "returns nan when every label is ignored, like the book (the contract returns a 0.0 loss and zero "
        "gradients)"),
}

FALLBACKS = {
    "softmax": Fallback("as_2d", lambda a: np.asarray(a).reshape(-1, np.shape(a)[-1]) if np.ndim(a) >= 3 else a,
                        "softmax handles 1-D and 2-D input only (the book returns any other input unchanged): "
                        "it conforms on the same data as 2-D rows; normalise the last axis of any ndim"),
}

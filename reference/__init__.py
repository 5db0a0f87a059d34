"""reference: who judges an implementation of the book's API, and how.

``from reference import check; check(TimeLSTM)`` judges code from a
notebook (see ``reference.frontends.notebook``); the command line is
``scratch-conformance`` (``reference.frontends.cli``).
"""
from __future__ import annotations


def check(target, **kwargs):
    """Judge a class, function, namespace (``globals()``) or IMPL path; see ``reference.frontends.notebook.check``."""
    from reference.frontends.notebook import check as _check

    return _check(target, **kwargs)

"""Calls the book never makes: judged where the implementation supports them, an advisory otherwise.

judging.md: "A method or mode the book's class does not have, or that the
book never uses (state methods on TimeBiLSTM, backward after an eval-mode
forward), is judged only where the implementation supports it; otherwise
it is an advisory, never a fail or an error."

A driver runs such a call through ``attempt``: when it raises, the
quantities it would have produced are listed under the key ``UNSUPPORTED``
of the driver's quantities (``{quantity: why}``) instead of failing the
whole case, and the judge reports them as not judged, with an advisory.
Only ``Exception`` is caught: a timeout, ``sys.exit`` or a crash still
count against the component.
"""
from __future__ import annotations

from typing import Callable

UNSUPPORTED = "__book_optional__"   # quantities key: {quantity: {"call": what, "raised": "TypeError: ..."}}


def attempt(quantities: dict, names: tuple[str, ...], call: Callable[[], dict], what: str) -> dict:
    """``quantities`` updated with ``call()`` (a dict of ``names``), or with ``names`` listed as unsupported.

    what: the call in words, for the report ("backward after an eval-mode forward").
    """
    try:
        quantities.update(call())
    except Exception as exc:  # noqa: BLE001 - any failure of a call the book never makes is "unsupported"
        why = {"call": what, "raised": f"{type(exc).__name__}: {str(exc)[:200]}"}
        quantities.setdefault(UNSUPPORTED, {}).update({n: why for n in names})
    return quantities

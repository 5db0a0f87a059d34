"""Shared pieces of the tests generated from the registry."""
from __future__ import annotations

import pytest

from reference import oracles
from reference.sandbox.implementation import NotImplementedComponent

EXTRA = {"torch": "torch", "keras": "keras"}


def require(*names: str) -> None:
    """Skip, with the reason, when an oracle's framework is not installed."""
    for name in names:
        if not oracles.available(name):
            fw = oracles.FRAMEWORK_OF[name]
            pytest.skip(f"oracle {name} needs {fw}, not installed (pip install -e '.[{EXTRA[name]}]')")


def find(impl, component):
    """The implementation's object for ``component``; skip when it does not define it."""
    try:
        return impl.find(component.name)
    except NotImplementedComponent as exc:
        pytest.skip(f"not implemented: {exc}")


def check_id(value) -> str:
    return str(value)

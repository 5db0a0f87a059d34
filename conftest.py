"""pytest wiring for the whole repository.

- ``--impl``: the implementation under test (default: the bundled
  scratch_layers), ``--alias NAME=OTHER`` to map a contract name.
- Hypothesis profiles: ``ci`` (derandomized, chosen when $CI is set),
  ``dev`` (random, the default elsewhere), ``thorough`` (many examples);
  pick one with ``--hypothesis-profile``.
- The header names the implementation, the versions of every framework and
  the Hypothesis profile, so a report can be reproduced.
"""
from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

# Before any framework can be imported by a test module.
from reference import frameworks  # noqa: E402

frameworks.quiet_environment()

_COMMON = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
               print_blob=True)
settings.register_profile("ci", derandomize=True, max_examples=6, **_COMMON)
settings.register_profile("dev", max_examples=6, **_COMMON)
settings.register_profile("thorough", max_examples=200, **_COMMON)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


def pytest_addoption(parser):
    group = parser.getgroup("scratch-conformance", "conformance of a book-style implementation")
    group.addoption("--impl", default="scratch_layers", metavar="PACKAGE",
                    help="importable package under test (default: the bundled scratch_layers)")
    group.addoption("--alias", action="append", default=[], metavar="NAME=OTHER",
                    help="use the implementation's OTHER for the contract's NAME (repeatable)")


def pytest_configure(config):
    config.addinivalue_line("markers", "framework(name): needs torch, keras or tf_keras; "
                                       "skipped with the reason when it is not installed")


def pytest_report_header(config):
    v = frameworks.versions()
    listed = ", ".join(f"{k} {v[k] or 'not installed'}" for k in ("numpy", "torch", "tensorflow", "keras", "tf_keras"))
    return [f"implementation under test: {config.getoption('--impl')}",
            f"frameworks: {listed}",
            f"hypothesis profile: {settings._current_profile}"]


def _aliases(config) -> dict[str, str]:
    out = {}
    for item in config.getoption("--alias"):
        name, sep, other = item.partition("=")
        if not sep or not name or not other:
            raise pytest.UsageError(f"--alias expects NAME=OTHER; got {item!r}")
        out[name] = other
    return out


@pytest.fixture(scope="session")
def impl(pytestconfig):
    """The implementation under test (scratch_layers unless --impl says otherwise)."""
    from reference.implementation import Implementation

    return Implementation.from_package(pytestconfig.getoption("--impl"), _aliases(pytestconfig))


@pytest.fixture(autouse=True)
def _framework_marker(request):
    """Skip, with the reason shown, a test marked ``framework(name)`` whose framework is missing."""
    for mark in request.node.iter_markers("framework"):
        for name in mark.args:
            if not frameworks.available(name):
                pytest.skip(f"{name} is not installed (pip install -e '.[{_EXTRA.get(name, name)}]')")


_EXTRA = {"torch": "torch", "keras": "keras", "tensorflow": "keras", "tf_keras": "keras"}

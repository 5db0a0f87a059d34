"""pytest wiring for the whole repository.

- ``--impl``, ``--alias``, the ``impl`` fixture and the header naming the
  implementation and the framework versions come from the plugin
  ``reference.frontends.pytest_plugin``, registered through its pytest11
  entry point ``reference.pytest_plugin`` (``pip install -e .`` installs it),
  so it is registered once.
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
from reference.oracles import frameworks  # noqa: E402

frameworks.quiet_environment()

_COMMON = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
               print_blob=True)
settings.register_profile("ci", derandomize=True, max_examples=6, **_COMMON)
settings.register_profile("dev", max_examples=6, **_COMMON)
settings.register_profile("thorough", max_examples=200, **_COMMON)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


def pytest_configure(config):
    config.addinivalue_line("markers", "framework(name): needs torch, keras or tf_keras; "
                                       "skipped with the reason when it is not installed")


def pytest_report_header(config):
    return [f"hypothesis profile: {settings._current_profile}"]


@pytest.fixture(autouse=True)
def _framework_marker(request):
    """Skip, with the reason shown, a test marked ``framework(name)`` whose framework is missing."""
    for mark in request.node.iter_markers("framework"):
        for name in mark.args:
            if not frameworks.available(name):
                pytest.skip(f"{name} is not installed (pip install -e '.[{_EXTRA.get(name, name)}]')")


_EXTRA = {"torch": "torch", "keras": "keras", "tensorflow": "keras", "tf_keras": "keras"}

"""The conformance checks as pytest tests: one per registered component.

Collected by the plugin (``reference.frontends.pytest_plugin``) when ``--impl`` is
given outside this repository, or with ``--conformance``. Each test judges
one component exactly as ``scratch-conformance`` does (every oracle, dtype
and case, the contract checks, the diagnostics) in this process, and fails
with the same text report; a component the implementation does not define
is skipped as not implemented; advisories become warnings. A settings
error met here fails the check (the plugin refuses most of them up front).
"""
from __future__ import annotations

import warnings

import pytest

from reference import registry


class ConformanceAdvisory(UserWarning):
    """Worth knowing about the implementation; never a failure (see judging.md)."""


@pytest.fixture(scope="session")
def conformance_runner(impl):
    from reference.sandbox.runner import InProcessRunner

    return InProcessRunner(impl)


@pytest.mark.conformance
@pytest.mark.parametrize("component", registry.COMPONENTS, ids=[c.id for c in registry.COMPONENTS])
def test_conforms(component, conformance_runner, pytestconfig):
    from reference.judging.judge import Judge, Settings, UsageError
    from reference.report.terminal import component_lines

    spec = pytestconfig.getoption("--impl") or "scratch_layers"
    settings = Settings(oracle=pytestconfig.getoption("--conformance-oracle"), only=[component.id],
                        impl_label=spec, fix=pytestconfig.getoption("--fix"))
    try:
        judge = Judge(conformance_runner, settings)
    except UsageError as exc:       # a configuration error is an error, never a skip (judging.md)
        pytest.fail(f"configuration error: {exc}", pytrace=False)
    result = judge.judge(component)
    if result.status == "not_implemented":
        pytest.skip(f"not implemented: {component.id}" + (f" ({result.suggestion})" if result.suggestion else ""))
    for advisory in result.advisories:
        warnings.warn(ConformanceAdvisory(f"{component.id}: {advisory}"))
    if result.status in ("fail", "error"):
        pytest.fail("\n".join(component_lines(result, fix=settings.fix, root=spec)), pytrace=False)
    if result.status == "skipped":
        pytest.skip(next((c.message for c in result.checks if c.status == "skipped"), "not judged"))

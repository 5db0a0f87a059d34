"""Helpers for the tests of the judge: judge a fixture in this process, against the golden cases."""
from __future__ import annotations

from pathlib import Path

from reference.judging.judge import Judge, Settings
from reference.sandbox.loader import from_namespace, load
from reference.sandbox.runner import InProcessRunner

FIXTURES = Path(__file__).parent / "fixtures"


def judge(target, only=None, oracle: str = "golden", timeout: float = 2.0, **settings):
    """The Report for ``target`` (a namespace dict, or an IMPL spec/path), judged in-process."""
    impl = from_namespace(target) if isinstance(target, dict) else load(target, timeout=timeout)
    runner = InProcessRunner(impl, timeout=timeout)
    return Judge(runner, Settings(oracle=oracle, only=list(only) if only else None,
                                  impl_label=str(target) if not isinstance(target, dict) else "fixture",
                                  **settings)).run()


def rules_of(component_report) -> set[str]:
    return {r for check in component_report.checks for r in check.rules}

"""The pytest plugin in a student's repository: settings that cannot work are errors, never skips.

Each test runs pytest in a subprocess in a directory holding only the
student's ``common/`` (like tests/test_cli.py); the usage errors stop at
configuration, before any implementation code runs, so they are cheap.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
# Makes torch unimportable in the student's pytest, as on a machine without it.
NO_TORCH = "import sys\nsys.modules['torch'] = None\n"


def pytest_in(repo: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "reference.pytest_plugin", "-q",
                           "-p", "no:cacheprovider", *args], cwd=repo, env=env, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture
def repo(tmp_path):
    shutil.copytree(FIXTURES / "book_like" / "common", tmp_path / "common")
    return tmp_path


def test_an_oracle_that_is_not_installed_is_a_usage_error_not_skips(repo):
    """`--conformance-oracle torch` without torch used to skip every check and exit 0."""
    (repo / "conftest.py").write_text(NO_TORCH)
    p = pytest_in(repo, "--impl", "common", "--conformance-oracle", "torch")
    assert p.returncode == pytest.ExitCode.USAGE_ERROR, p.stdout[-2000:] + p.stderr[-2000:]
    assert "--conformance-oracle torch: torch is not installed; use --conformance-oracle golden" in p.stderr
    assert "skipped" not in p.stdout


class Options:
    """A stand-in for pytest's config: just ``getoption``."""

    def __init__(self, **options):
        self.options = {"--impl": None, "--alias": [], "--conformance-oracle": "auto", "--conformance-only": [],
                        **{f"--{k.replace('_', '-')}": v for k, v in options.items()}}

    def getoption(self, name):
        return self.options[name]


@pytest.mark.parametrize("options, words", [
    ({"impl": "no_such_dir/"}, "--impl no_such_dir/: no such file, directory or module"),
    ({"impl": "comon"}, "--impl comon: no such file, directory or module"),
    ({"impl": "a-b.c"}, "--impl a-b.c: no such file, directory or module"),
    ({"conformance_only": ["TimeLTSM"]}, "--conformance-only TimeLTSM: no such component; did you mean TimeLSTM"),
    ({"conformance_only": ["MatMul, Nope"]}, "--conformance-only Nope: no such component"),
    ({"alias": ["Affine"]}, "--alias expects NAME=OTHER"),
])
def test_settings_that_cannot_work_are_refused_before_anything_runs(monkeypatch, tmp_path, options, words):
    from reference.frontends.pytest_plugin import check_configuration

    monkeypatch.chdir(tmp_path)
    with pytest.raises(pytest.UsageError, match=words.replace("[", r"\[")):
        check_configuration(Options(**options))


@pytest.mark.parametrize("options", [{"impl": "scratch_layers"}, {"impl": "."},
                                     {"conformance_only": ["MatMul", "TimeLSTM[set_state]"]}])
def test_settings_that_work_pass_the_configuration_check(options):
    from reference.frontends.pytest_plugin import check_configuration

    check_configuration(Options(**options))


def test_conformance_only_selects_components_by_name_and_id(repo):
    p = pytest_in(repo, "--impl", "common", "--conformance-oracle", "golden",
                  "--conformance-only", "MatMul", "--conformance-only", "TimeRNN[set_state]")
    assert p.returncode == 0, p.stdout[-2000:]
    assert "2 passed" in p.stdout and "skipped" not in p.stdout, p.stdout[-2000:]


def test_an_implementation_that_cannot_be_loaded_errors_every_check(repo):
    (repo / "common" / "functions.py").write_text("raise SystemExit(3)\n")
    for module in ("layers.py", "time_layers.py", "trainer.py", "util.py"):
        (repo / "common" / module).write_text("import sys\nsys.exit(3)\n")
    p = pytest_in(repo, "--impl", "common", "--conformance-oracle", "golden", "--conformance-only", "MatMul")
    assert p.returncode == pytest.ExitCode.TESTS_FAILED, p.stdout[-2000:]
    assert "1 error" in p.stdout and "nothing could be loaded" in p.stdout, p.stdout[-2000:]


def test_inside_this_repository_impl_adds_no_second_copy_of_the_checks():
    """Here the generated tests judge --impl; the plugin's own checks are added only with --conformance."""
    p = pytest_in(ROOT, "--impl", "scratch_layers", "--collect-only", "tests/test_registry.py")
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-2000:]
    assert "test_registry.py" in p.stdout and "pytest_checks.py" not in p.stdout, p.stdout[-2000:]

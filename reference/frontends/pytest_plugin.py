"""pytest plugin: ``pytest --impl IMPL`` judges any implementation, from any repository.

Registered through the ``pytest11`` entry point named
``reference.frontends.pytest_plugin`` (this repository's conftest loads it by the same
name, so it is never registered twice). It adds, in the
``scratch-conformance`` option group:

- ``--impl IMPL``: the implementation under test, in any form the command
  line accepts (module name, common/-like directory, .py file, notebook);
  the bundled scratch_layers by default;
- ``--alias NAME=OTHER`` (repeatable): the implementation's OTHER is the
  contract's NAME;
- ``--conformance-oracle``: auto (default), live, golden, torch, keras, numeric;
- ``--conformance``: collect the conformance checks (one test per component,
  ``reference/frontends/pytest_checks.py``). Outside this repository that happens by
  itself whenever ``--impl`` is given, so ``pytest --impl common`` in a
  student's repository runs them; inside it, the generated tests in
  ``tests/`` do the judging.

and the session fixture ``impl``. Heavy imports wait inside hooks and
fixtures: loading the plugin imports nothing but pytest.
"""
from __future__ import annotations

from pathlib import Path

import pytest

CHECKS_MODULE = Path(__file__).with_name("pytest_checks.py")


def pytest_addoption(parser):
    group = parser.getgroup("scratch-conformance", "conformance of a book-style implementation")
    group.addoption("--impl", default=None, metavar="IMPL",
                    help="implementation under test: module name, common/-like directory, .py file or "
                         ".ipynb notebook (default: the bundled scratch_layers)")
    group.addoption("--alias", action="append", default=[], metavar="NAME=OTHER",
                    help="use the implementation's OTHER for the contract's NAME (repeatable)")
    group.addoption("--conformance-oracle", default="auto", metavar="ORACLE",
                    choices=("auto", "live", "golden", "torch", "keras", "numeric"),
                    help="who judges the conformance checks: auto (default), live, golden, torch, keras, numeric")
    group.addoption("--conformance", action="store_true",
                    help="collect the conformance checks of --impl (automatic outside this repository)")


def _inside_this_repository(config) -> bool:
    return (Path(str(config.rootpath)) / "reference" / "pytest_plugin.py").resolve() == Path(__file__).resolve()


def pytest_configure(config):
    config.addinivalue_line("markers", "conformance: a conformance check of the implementation under test")


def _wanted(config) -> bool:
    return config.getoption("--conformance") or (
        config.getoption("--impl") is not None and not _inside_this_repository(config))


def pytest_collection_modifyitems(session, config, items):
    """Add the conformance checks (collected from the installed module, without its directory's conftest)."""
    if not _wanted(config) or any(getattr(i, "path", None) == CHECKS_MODULE for i in items):
        return
    module = pytest.Module.from_parent(session, path=CHECKS_MODULE)
    added = [item for item in module.collect() if isinstance(item, pytest.Item)]
    keyword = config.getoption("keyword")
    if keyword:   # -k applies to what the plugin adds too
        from _pytest.mark import KeywordMatcher
        from _pytest.mark.expression import Expression

        expression = Expression.compile(keyword)
        added = [i for i in added if expression.evaluate(KeywordMatcher.from_item(i))]
    items.extend(added)


def pytest_report_header(config):
    from reference.oracles import frameworks

    v = frameworks.versions()
    listed = ", ".join(f"{k} {v[k] or 'not installed'}" for k in ("numpy", "torch", "tensorflow", "keras", "tf_keras"))
    return [f"implementation under test: {config.getoption('--impl') or 'scratch_layers'}",
            f"frameworks: {listed}"]


def aliases(config) -> dict[str, str]:
    out = {}
    for item in config.getoption("--alias"):
        for part in item.replace(",", " ").split():
            name, sep, other = part.partition("=")
            if not sep or not name or not other:
                raise pytest.UsageError(f"--alias expects NAME=OTHER; got {part!r}")
            out[name] = other
    return out


@pytest.fixture(scope="session")
def impl(pytestconfig):
    """The implementation under test (scratch_layers unless --impl says otherwise)."""
    from reference.sandbox.implementation import Implementation
    from reference.sandbox.loader import LoadError, load

    spec = pytestconfig.getoption("--impl")
    if spec is None:
        return Implementation.from_package("scratch_layers", aliases(pytestconfig))
    try:
        return load(spec, aliases(pytestconfig))
    except LoadError as exc:
        raise pytest.UsageError(f"--impl {spec}: {exc}") from None

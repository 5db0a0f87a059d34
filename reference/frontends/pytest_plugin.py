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
- ``--conformance-only NAME`` (repeatable): only these components (names or ids);
- ``--conformance``: collect the conformance checks (one test per component,
  ``reference/frontends/pytest_checks.py``). Outside this repository that happens by
  itself whenever ``--impl`` is given, so ``pytest --impl common`` in a
  student's repository runs them; inside it, the generated tests in
  ``tests/`` do the judging.

and the session fixture ``impl``. Heavy imports wait inside hooks and
fixtures: loading the plugin imports nothing but pytest.

A configuration that cannot work (an oracle that is not installed, an
unknown component, a malformed ``--alias``, an ``--impl`` path that does not
exist) is a usage error before anything runs (exit status 4), and an
implementation that cannot be loaded errors every check (exit status 1):
never a run of skips that exits 0 (judging.md).
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
    group.addoption("--conformance-only", action="append", default=[], metavar="NAME",
                    help="judge only these components (names like TimeLSTM or ids like 'TimeLSTM[set_state]'; "
                         "repeatable)")
    group.addoption("--conformance", action="store_true",
                    help="collect the conformance checks of --impl (automatic outside this repository)")
    group.addoption("--fix", action="store_true",
                    help="a failing conformance check also shows a verified fix of your source, when one is found")


def _inside_this_repository(config) -> bool:
    return Path(str(config.rootpath)).resolve() == Path(__file__).resolve().parents[2]


def pytest_configure(config):
    config.addinivalue_line("markers", "conformance: a conformance check of the implementation under test")
    if _wanted(config):
        check_configuration(config)


def check_configuration(config) -> None:
    """Raise ``pytest.UsageError`` for settings that cannot work, before any check runs."""
    from reference import registry
    from reference.judging.sources import UsageError, select_sources

    oracle = config.getoption("--conformance-oracle")
    try:
        select_sources(oracle)
    except UsageError as exc:
        reason = str(exc).split(": ", 1)[-1].replace("--oracle", "--conformance-oracle")
        raise pytest.UsageError(f"--conformance-oracle {oracle}: {reason}") from None
    known = {c.name for c in registry.COMPONENTS} | {c.id for c in registry.COMPONENTS}
    unknown = [name for name in only(config) if name not in known]
    if unknown:
        import difflib

        close = [m for name in unknown for m in difflib.get_close_matches(name, sorted(known), n=3)]
        raise pytest.UsageError(f"--conformance-only {' '.join(unknown)}: no such component"
                                + (f"; did you mean {', '.join(dict.fromkeys(close))}?" if close else
                                   "; give names like TimeLSTM or ids like 'TimeLSTM[set_state]'"))
    aliases(config)
    spec = config.getoption("--impl")
    if spec is not None and not _exists(spec):
        raise pytest.UsageError(f"--impl {spec}: no such file, directory or module (from {Path.cwd()}); give a "
                                f"common/-like directory, a .py file, a notebook or an importable module name")


def _exists(spec: str) -> bool:
    """A path that exists, or a dotted name whose top-level module can be found (nothing is imported)."""
    import importlib.util

    if Path(spec).expanduser().exists():
        return True
    parts = spec.split(".")
    if not all(part.isidentifier() for part in parts):
        return False
    try:
        return importlib.util.find_spec(parts[0]) is not None
    except (ImportError, ValueError):
        return False


def only(config) -> list[str]:
    """The names given to --conformance-only (commas or spaces separate several)."""
    return [n for item in config.getoption("--conformance-only") for n in item.replace(",", " ").split()]


def _wanted(config) -> bool:
    return config.getoption("--conformance") or (
        config.getoption("--impl") is not None and not _inside_this_repository(config))


def pytest_collection_modifyitems(session, config, items):
    """Add the conformance checks (collected from the installed module, without its directory's conftest)."""
    if not _wanted(config) or any(getattr(i, "path", None) == CHECKS_MODULE for i in items):
        return
    module = pytest.Module.from_parent(session, path=CHECKS_MODULE)
    added = [item for item in module.collect() if isinstance(item, pytest.Item)]
    wanted = set(only(config))
    if wanted:
        added = [i for i in added if {i.callspec.id, i.callspec.id.split("[", 1)[0]} & wanted]
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

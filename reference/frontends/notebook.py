"""``check``: judge code from a notebook or a session, in this process.

    from reference import check
    check(TimeLSTM)        # one class (or function): only the components of that name
    check(globals())       # everything the notebook defines
    check("common/")       # any IMPL form the command line accepts

Returns the ``Report``. In Jupyter it renders as the HTML report (the page's
styles are scoped to it); in a terminal the text report is printed. The
code runs in this process (no isolation: a notebook's classes cannot be
sent to another process), each check under a soft time limit.
"""
from __future__ import annotations

import sys
import types

from reference.report import html, terminal


def _in_notebook() -> bool:
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    try:
        ip = shell.get_ipython()
    except Exception:  # noqa: BLE001
        return False
    return ip is not None and type(ip).__name__ == "ZMQInteractiveShell"


def check(target, *, oracle: str = "auto", dtype: str = "both", only=None, aliases=None,
          timeout: float = 10.0, seed: int | None = None, show: bool | None = None, fix: bool = False):
    """Judge ``target`` (a class, function, module, namespace dict or IMPL string); return the Report.

    fix: also search a verified edit of the source of each failing component (files only, not cells)."""
    from reference.oracles import frameworks
    from reference.sandbox import loader
    from reference.golden.cases import DEFAULT_SEED
    from reference.judging.judge import Judge, Settings
    from reference.sandbox.runner import InProcessRunner

    frameworks.quiet_environment()
    if isinstance(target, (str, bytes)) or hasattr(target, "__fspath__"):
        impl = loader.load(target, aliases, timeout=timeout)
        label = str(target)
    else:
        impl = loader.from_namespace(target, aliases=aliases)
        label = impl.name
    if only is None and not isinstance(target, (dict, str, types.ModuleType)) and hasattr(target, "__name__"):
        only = [target.__name__]
    dtypes = ("float32", "float64") if dtype == "both" else (dtype,)
    settings = Settings(oracle=oracle, dtypes=dtypes, seed=DEFAULT_SEED if seed is None else seed,
                        only=list(only) if only else None, impl_label=label, aliases=dict(aliases or {}), fix=fix)
    report = Judge(InProcessRunner(impl, timeout=timeout), settings).run()
    if isinstance(target, dict):        # a namespace: only what it defines is worth listing
        report.components = [c for c in report.components if c.status != "not_implemented"]
    notebook = _in_notebook()
    if show or (show is None and not notebook):
        print(terminal.render(report, color=sys.stdout.isatty()))
    printed = not (notebook or show is False or show is None and notebook)
    return Shown(report, printed)


class Shown:
    """The report as a notebook or REPL shows it: rich HTML in Jupyter; after it
    was printed, a one-line repr (no second copy in a REPL). Every attribute of
    the ``Report`` (``components``, ``summary``, ``to_dict()``, ...) is reachable."""

    def __init__(self, report, printed: bool = False):
        self.report = report
        self.printed = printed

    def __getattr__(self, name):
        return getattr(self.report, name)

    def __repr__(self) -> str:
        if not self.printed:
            return self.text()
        s = self.report.summary
        return (f"<conformance report: {s['pass']} pass, {s['fail']} fail, {s['error']} error, "
                f"{s['variant']} variant; .to_dict(), ._repr_html_()>")

    def text(self, color: bool = False) -> str:
        return terminal.render(self.report, color=color)

    def _repr_html_(self):
        return html.render(self.report, fragment=True)

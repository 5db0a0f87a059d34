"""A run that judged nothing is a loading error (exit status 2), never a pass.

judging.md: nothing loaded, nothing recognised (no contract name defined,
or ``--only`` names none it defines), an exit at import, or no selected
oracle able to judge what it defines: the report's ``nothing_judged`` says
what was found (the files run and not run, the names defined, the import
errors) and what to do, in one line (``batch`` shows it as the reason).
"""
from __future__ import annotations

from reference.report.model import Report

JUDGED = ("pass", "fail", "error", "variant")


def _few(items, shown: int) -> str:
    items = list(items)
    return ", ".join(items[:shown]) + (f" (+{len(items) - shown})" if len(items) > shown else "")


def reason(report: Report, info: dict) -> str | None:
    """Why nothing in ``report`` was judged (``info``: the runner's, what the load found), or None."""
    if any(c.status in JUDGED for c in report.components):
        return None
    found = [f"files run: {_few(info.get('files') or [], 4) or 'none'}"]
    if info.get("ignored_files"):
        found.append(f"not run (they define no component): {_few(info['ignored_files'], 4)}")
    names = info.get("names") or []
    found.append(f"it defines {_few(names, 8)}" if names else "it defines no class or function")
    errors = info.get("load_errors") or {}
    if errors:
        found.append("at import: " + "; ".join(f"{m}: {e}" for m, e in errors.items()))
    skipped = [c for c in report.components if c.status == "skipped"]
    only = report.settings.get("only")
    if skipped:
        why = f"no selected oracle could judge the {len(skipped)} components it defines"
        todo = "use --oracle auto (or golden) and --dtype both"
    else:
        why = (f"it defines none of {', '.join(only)}" if only else "it defines none of the contract's names")
        aliases = [c.suggestion.split("? ", 1)[1] for c in report.components if c.suggestion and "? " in c.suggestion]
        todo = ("name your classes and functions as the contract does (scratch-conformance contract NAME prints "
                "one) or map yours with --alias NAME=YOURS"
                + (f" (here: {_few(dict.fromkeys(aliases), 3)})" if aliases else "")
                + "; give the directory that holds common/, or the .py file or notebook that defines them")
        if errors:
            todo = ("fix the error at import (guard script code with if __name__ == '__main__':); " + todo)
    return f"nothing was judged: {why}. Found: {'; '.join(found)}. To do: {todo}"


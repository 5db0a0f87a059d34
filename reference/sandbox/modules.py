"""What a load added to this process, and how an import error reads.

Shared by the loader and the notebook runner (``ipynb``), so that neither
imports the other: the loader forgets the previous implementation's
modules and ``sys.path`` entries before loading the next one.
"""
from __future__ import annotations

import importlib
import os
import sys
import traceback
from pathlib import Path

from reference.sandbox.alarm import SoftTimeout


PACKAGE_NAME = "common"      # the book's package name, under which a common/-like directory is imported


class LoadError(ImportError):
    """The implementation could not be loaded at all; the message says what to fix."""


# -- bookkeeping of what a load added to the process --------------------------

_owned_modules: set[str] = set()
_owned_paths: list[str] = []


def _forget_previous() -> None:
    """Drop the modules and sys.path entries of the previously loaded path implementation.

    ``common.*`` modules that the code under test imported itself (not through
    the loader) go too: the next implementation's ``common`` is another package.
    """
    stale = [m for m in sys.modules if m == PACKAGE_NAME or m.startswith(PACKAGE_NAME + ".")]
    for name in list(_owned_modules) + stale:
        sys.modules.pop(name, None)
    _owned_modules.clear()
    for p in _owned_paths:
        while p in sys.path:
            sys.path.remove(p)
    _owned_paths.clear()
    importlib.invalidate_caches()


def _add_path(path: Path) -> None:
    p = str(path)
    if p not in sys.path:
        sys.path.insert(0, p)
        _owned_paths.append(p)


def _error_text(exc: BaseException, files: set[str] | None = None) -> str:
    """``ExcType: message (file.py:12)``, the location taken from the innermost frame in ``files``."""
    where = ""
    tb = traceback.extract_tb(exc.__traceback__)
    frames = [f for f in tb if files is None or os.path.abspath(f.filename) in files
              or "#cell" in f.filename]
    if isinstance(exc, SyntaxError) and exc.filename:
        where = f" ({Path(exc.filename).name}:{exc.lineno})"
    elif frames:
        where = f" ({Path(frames[-1].filename).name}:{frames[-1].lineno})"
    if isinstance(exc, SystemExit):
        return f"called sys.exit({exc.code!r}){where}"
    if isinstance(exc, SoftTimeout):
        return (f"did not finish within the time limit{where}: an infinite loop, or training at "
                f"import time? (guard scripts with if __name__ == '__main__':)")
    message = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {message}{where}"

"""Stand-ins the code under test may import: matplotlib when it is not installed, the book's GPU switch.

The book's ``trainer.py`` imports ``matplotlib.pyplot`` at module level and
its modules import ``common.np`` / ``common.config``; a student's package
often lacks one of them. None of this is judged: it only lets the modules
load (the loader reports a module-level matplotlib import as an advisory).
"""
from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import types
from pathlib import Path


class _Anything:
    """Stands in for any matplotlib object: every attribute and call returns another one."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _Anything()

    def __call__(self, *args, **kwargs):
        return _Anything()

    def __iter__(self):
        return iter((_Anything(), _Anything()))


class _StubModule(types.ModuleType):
    __stub__ = True

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _Anything()


class _MatplotlibStub(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves ``matplotlib`` and its submodules as stubs (only consulted when it is not installed)."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname == "matplotlib" or fullname.startswith("matplotlib."):
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        module = _StubModule(spec.name)
        module.__path__ = []
        return module

    def exec_module(self, module):
        pass


_MATPLOTLIB_STUB = _MatplotlibStub()


def _install_stubs() -> None:
    if _MATPLOTLIB_STUB not in sys.meta_path:
        sys.meta_path.append(_MATPLOTLIB_STUB)   # last: a real installation wins


def _remove_stubs() -> None:
    if _MATPLOTLIB_STUB in sys.meta_path:
        sys.meta_path.remove(_MATPLOTLIB_STUB)


def book_shims(package: str, directory: Path) -> list[str]:
    """``common.config`` (GPU = False) and ``common.np`` (numpy as np) when the package lacks them.

    Returns the names of the modules it put into sys.modules.
    """
    import numpy

    added = []
    if not (directory / "config.py").exists():
        config = types.ModuleType(f"{package}.config")
        config.GPU = False
        sys.modules[config.__name__] = config
        added.append(config.__name__)
    if not (directory / "np.py").exists():
        shim = types.ModuleType(f"{package}.np")
        shim.np = numpy
        shim.__all__ = ["np"]
        sys.modules[shim.__name__] = shim
        added.append(shim.__name__)
    return added

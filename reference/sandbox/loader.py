"""Load an implementation under test from whatever form a student hands in.

``load(spec)`` accepts:

- a dotted module name (``scratch_layers``, ``mypkg.common``): a package's
  submodules are imported one by one;
- a directory laid out like the book's ``common/`` (any subset of
  functions.py, layers.py, time_layers.py, optimizer.py, trainer.py,
  util.py, ...): it is imported as the package ``common``, so relative
  imports, ``from common.layers import *`` and flat ``from layers import *``
  all work; a missing ``common/config.py`` or ``common/np.py`` (the book's
  GPU switch) is supplied;
- a directory that contains ``common/``: that package, then the other
  top-level ``.py`` files that define components (``train.py``, ``main.py``,
  a ``sitecustomize.py`` that define none are never run), so that their
  ``common.x`` imports find the package;
- a single ``.py`` file;
- a Jupyter notebook (``.ipynb``): code cells run in order, IPython magics
  and shell lines skipped (``%%writefile`` cells are written to a temporary
  directory on ``sys.path``), each cell under a time limit (``reference.sandbox.ipynb``).

Loading is forgiving, because judging.md requires it: every module is
imported separately, a module that raises keeps the names it defined
before the error (and dependants importing it get that partial module),
the names it meant to define are read from its source (``intended``) so a
report says "layers.py raised NameError before defining Affine" instead of
"not implemented"; NumPy-1 aliases are restored (``numpy_compat``); a
missing matplotlib is replaced by a stub. Findings that are not failures
become ``advisories``. ``Implementation.loaded`` lists the files run
(relative: ``common/layers.py``; the report header's ``loaded:`` line) and
``ignored`` the files beside ``common/`` that were not.

A ``LoadError`` means nothing could be loaded at all (exit status 2); its
message says what was found and what to do.
"""
from __future__ import annotations

import ast
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import inspect
import os
import re
import sys
import traceback
import types
from pathlib import Path
from typing import Callable

from reference.sandbox import numpy_compat
from reference.sandbox.alarm import SoftTimeout, soft_timeout
from reference.sandbox.stubs import _install_stubs, _remove_stubs, book_shims
from reference.sandbox.implementation import Implementation
from reference.sandbox.implementation import looks_like
from reference.sandbox.modules import (PACKAGE_NAME, LoadError, _add_path, _error_text, _forget_previous,
                                      _owned_modules, _owned_paths)

# Book modules first, so that a module's dependencies are usually loaded before it.
BOOK_ORDER = ("config", "np", "functions", "util", "layers", "time_layers", "optimizer", "trainer",
              "base_model")
PLUMBING = ("__init__", "config", "np")     # loaded, but listed after the modules that define things


def _top_level_names(source: str) -> list[str]:
    """Classes, functions and simple assignments at the top level of ``source``."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return re.findall(r"^(?:class|def)\s+([A-Za-z_]\w*)", source, flags=re.M)
    names = []
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            names.append(node.name)
        elif isinstance(node, ast.Assign):
            names += [t.id for t in node.targets if isinstance(t, ast.Name)]
    return names


# -- executing one module, keeping what it defined ------------------------------

def _exec_file(fullname: str, path: Path, package: str | None) -> tuple[types.ModuleType, BaseException | None]:
    """Execute ``path`` as module ``fullname``; on error keep the partial module in sys.modules."""
    spec = importlib.util.spec_from_file_location(fullname, path)
    module = importlib.util.module_from_spec(spec)
    if package:
        module.__package__ = package
    sys.modules[fullname] = module
    _owned_modules.add(fullname)
    try:
        spec.loader.exec_module(module)
        return module, None
    except BaseException as exc:  # noqa: BLE001 - student code may raise anything, SystemExit included
        if isinstance(exc, KeyboardInterrupt):
            raise
        sys.modules[fullname] = module  # the import system removed it; dependants get the partial module
        return module, exc


def _order(stems: list[str]) -> list[str]:
    rank = {s: i for i, s in enumerate(BOOK_ORDER)}
    return sorted(stems, key=lambda s: (rank.get(s, len(BOOK_ORDER)), s))


class _Collector:
    """Accumulates modules, errors and intended names while loading."""

    def __init__(self, timeout: float | None, progress: Callable[[str], None] | None, skip,
                 aliases: dict[str, str] | None = None):
        self.modules: dict[str, types.ModuleType] = {}
        self.errors: dict[str, str] = {}
        self.intended: dict[str, str] = {}
        self.advisories: list[str] = []
        self.files: set[str] = set()
        self.loaded: list[str] = []         # absolute paths of the files run, in order
        self.ignored: list[str] = []        # absolute paths of the files beside common/ not run
        self.aliases = dict(aliases or {})
        self.timeout = timeout
        self.progress = progress or (lambda name: None)
        self.skip = set(skip or ())

    def run_file(self, short: str, fullname: str, path: Path, package: str | None) -> None:
        self.files.add(os.path.abspath(path))
        self.loaded.append(os.path.abspath(path))
        if short in self.skip:
            self.errors[short] = ("did not finish importing within the time limit (an infinite loop, or "
                                  "training at import time? guard scripts with if __name__ == '__main__':)")
            self._intend(short, path.read_text(encoding="utf-8", errors="replace"), {})
            return
        if fullname in sys.modules and fullname in _owned_modules and short not in self.modules:
            module, exc = sys.modules[fullname], None   # already imported by a sibling
        else:
            self.progress(short)
            with soft_timeout(self.timeout):
                module, exc = _exec_file(fullname, path, package)
        self.modules[short] = module
        if exc is not None:
            self.errors[short] = _error_text(exc, self.files)
            self._intend(short, path.read_text(encoding="utf-8", errors="replace"), vars(module))

    def _intend(self, short: str, source: str, defined: dict) -> None:
        for name in _top_level_names(source):
            if name not in defined:
                self.intended.setdefault(name, short)


def _register_package(directory: Path) -> types.ModuleType:
    """``directory`` importable as the package ``common`` (its modules imported on demand), and flat."""
    _add_path(directory)                 # from layers import *        (flat)
    _add_path(directory.parent)          # import <dirname>.layers      (its own name)
    init = directory / "__init__.py"
    spec = importlib.machinery.ModuleSpec(PACKAGE_NAME, None, is_package=True)
    spec.submodule_search_locations = [str(directory)]
    package = importlib.util.module_from_spec(spec)
    package.__path__ = [str(directory)]
    package.__file__ = str(init) if init.exists() else None
    sys.modules[PACKAGE_NAME] = package
    _owned_modules.add(PACKAGE_NAME)
    _owned_modules.update(book_shims(PACKAGE_NAME, directory))
    return package


def _load_package_dir(directory: Path, c: _Collector) -> None:
    """``directory`` as the package ``common`` (plus flat imports of its modules)."""
    package = _register_package(directory)
    init = directory / "__init__.py"
    if init.exists():
        c.files.add(os.path.abspath(init))
        c.loaded.append(os.path.abspath(init))
        c.progress("__init__")
        try:
            with soft_timeout(c.timeout):
                exec(compile(init.read_text(encoding="utf-8"), str(init), "exec"), package.__dict__)
        except BaseException as exc:  # noqa: BLE001
            if isinstance(exc, KeyboardInterrupt):
                raise
            c.errors["__init__"] = _error_text(exc, c.files)
        c.modules["__init__"] = package
    stems = [p.stem for p in directory.glob("*.py") if p.stem != "__init__" and p.stem.isidentifier()]
    c.files.update(os.path.abspath(directory / f"{s}.py") for s in stems)
    for stem in _order(stems):
        if stem in ("config", "np") and stem not in c.skip:
            # The GPU switch: imported (dependants need it) but not searched for components.
            if f"{PACKAGE_NAME}.{stem}" not in sys.modules:
                _exec_file(f"{PACKAGE_NAME}.{stem}", directory / f"{stem}.py", PACKAGE_NAME)
            c.loaded.append(os.path.abspath(directory / f"{stem}.py"))
            continue
        c.run_file(stem, f"{PACKAGE_NAME}.{stem}", directory / f"{stem}.py", PACKAGE_NAME)
        if stem in c.modules:            # a module skipped after a hang has none
            setattr(package, stem, c.modules[stem])


def _defines_components(path: Path, aliases: dict[str, str]) -> bool:
    """Whether the file defines (at top level) a contract name, an --alias target or a look-alike
    (``SigmoidLayer``), judged from its source without running it."""
    from reference import registry

    contract = {c.name for c in registry.COMPONENTS}
    wanted = contract | set(aliases.values())
    names = _top_level_names(path.read_text(encoding="utf-8", errors="replace"))
    return any(n in wanted or any(looks_like(n, k) for k in contract) for n in names)


def _load_beside_common(root: Path, c: _Collector) -> None:
    """The top-level files of a directory holding ``common/``: run after it, only if they define components.

    A chapter script (``train.py``), ``main.py`` or a ``sitecustomize.py`` is
    not part of the implementation: running it would train, exit or fail on
    a missing dataset. One that defines components runs as
    ``student_<name>``, so it can neither shadow a module nor be shadowed.
    """
    for path in sorted(root.glob("*.py")):
        if not path.stem.isidentifier() or not _defines_components(path, c.aliases):
            c.ignored.append(os.path.abspath(path))
            continue
        short = path.stem if path.stem not in c.modules else f"{path.stem} (beside {PACKAGE_NAME}/)"
        c.run_file(short, f"student_{path.stem}", path, None)


def _common_package_near(path: Path) -> Path | None:
    """The ``common/`` that a file or notebook's ``common.x`` imports mean: its own directory or a sibling."""
    if path.parent.name == PACKAGE_NAME:
        return path.parent
    if (path.parent / PACKAGE_NAME).is_dir():
        return path.parent / PACKAGE_NAME
    return None


def _load_file(path: Path, c: _Collector) -> None:
    _add_path(path.parent)
    name = path.stem if path.stem.isidentifier() else "student_module"
    if name in sys.modules and name not in _owned_modules or name in sys.stdlib_module_names:
        name = f"student_{name}"
    c.run_file(path.stem, name, path, None)


# -- dotted module names ----------------------------------------------------------

def _load_dotted(spec: str, c: _Collector) -> None:
    c.progress(spec)
    try:
        with soft_timeout(c.timeout):
            root = importlib.import_module(spec)
    except ModuleNotFoundError as exc:
        if exc.name and spec.startswith(exc.name):
            raise LoadError(f"cannot import {spec!r}: no module named {exc.name!r}. Give a module name "
                            f"importable from here, or a path (a directory like common/, a .py file, "
                            f"or a .ipynb notebook)") from None
        raise LoadError(f"importing {spec!r} failed: {_error_text(exc)}") from None
    except BaseException as exc:  # noqa: BLE001
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise LoadError(f"importing {spec!r} failed: {_error_text(exc)}") from None
    c.modules["__init__"] = root
    if root.__file__:
        c.files.add(os.path.abspath(root.__file__))
        c.loaded.append(os.path.abspath(root.__file__))
    infos = list(_iter_submodules(root))
    rank = {s: i for i, s in enumerate(BOOK_ORDER)}
    for short, fullname in sorted(infos, key=lambda x: (rank.get(x[0], len(rank)), x[0])):
        if short in c.skip:
            c.errors[short] = "did not finish importing within the time limit"
            continue
        module_spec = importlib.util.find_spec(fullname)
        if module_spec is None or module_spec.origin is None:
            continue
        c.files.add(os.path.abspath(module_spec.origin))
        c.loaded.append(os.path.abspath(module_spec.origin))
        if fullname in sys.modules:
            c.modules[short] = sys.modules[fullname]
            continue
        c.progress(short)
        try:
            with soft_timeout(c.timeout):
                c.modules[short] = importlib.import_module(fullname)
        except BaseException as exc:  # noqa: BLE001
            if isinstance(exc, KeyboardInterrupt):
                raise
            c.errors[short] = _error_text(exc, c.files)
            try:
                source = Path(module_spec.origin).read_text(encoding="utf-8", errors="replace")
                c._intend(short, source, {})
            except OSError:
                pass


def _iter_submodules(root):
    import pkgutil

    for info in pkgutil.iter_modules(getattr(root, "__path__", []) or [], prefix=root.__name__ + "."):
        short = info.name.rsplit(".", 1)[1]
        if not short.startswith("_") and short not in ("config", "np"):
            yield short, info.name


# -- the entry point ------------------------------------------------------------------

def _is_path_spec(spec: str, path: Path) -> bool:
    """A path unless it reads as an importable dotted name (an existing package dir with
    ``__init__.py`` given by name, like ``scratch_layers``, is imported as a module)."""
    if os.sep in spec or (os.altsep and os.altsep in spec) or spec.endswith((".py", ".ipynb")):
        return True
    if path.is_dir() and (path.name == PACKAGE_NAME or not (path / "__init__.py").exists()):
        return True
    if all(part.isidentifier() for part in spec.split(".")):
        try:
            if importlib.util.find_spec(spec) is not None:
                return False
        except (ImportError, ValueError):
            pass
    return path.exists()


def describe_form(spec: str) -> str:
    path = Path(spec)
    if path.suffix == ".ipynb":
        return "notebook"
    if path.suffix == ".py":
        return "file"
    if path.is_dir():
        return "directory" if (path / PACKAGE_NAME).is_dir() and path.name != PACKAGE_NAME else "package"
    return "module"


def load(spec: str | os.PathLike, aliases: dict[str, str] | None = None, *, timeout: float | None = None,
         skip=(), progress: Callable[[str], None] | None = None) -> Implementation:
    """The implementation named by ``spec`` (see the module docstring for the forms).

    timeout: seconds each module (or notebook cell) may take to import.
    skip: modules (or "cell N") not to run, e.g. one that hung before.
    progress: called with a module's short name before it is imported.
    """
    numpy_compat.install()
    spec = os.fspath(spec)
    path = Path(spec).expanduser()
    c = _Collector(timeout, progress, skip, aliases)
    looks_like_path = _is_path_spec(spec, path)
    if looks_like_path and not path.exists():
        raise LoadError(f"{spec}: no such file or directory")
    _install_stubs()
    base = None                 # the directory the loaded files are listed relative to
    try:
        if looks_like_path:
            _forget_previous()
            path = path.resolve()
            base = path.parent
            if path.is_file() and _common_package_near(path) is not None:
                _register_package(_common_package_near(path))      # from common.layers import ...
            if path.suffix == ".ipynb":
                from reference.sandbox.ipynb import load_notebook

                form = "notebook"
                c.loaded.append(str(path))
                load_notebook(path, c)
            elif path.is_file():
                if path.suffix != ".py":
                    raise LoadError(f"{spec}: expected a .py file, a .ipynb notebook or a directory")
                form = "file"
                _load_file(path, c)
            else:
                directory, form = path, "package"
                if (path / PACKAGE_NAME).is_dir() and path.name != PACKAGE_NAME:
                    directory, form, base = path / PACKAGE_NAME, "directory", path
                if not list(directory.glob("*.py")):
                    raise LoadError(f"{spec}: no .py files here; give the directory that holds "
                                    f"functions.py, layers.py ... (the book's common/) or its parent")
                _load_package_dir(directory, c)
                if form == "directory":
                    _load_beside_common(path, c)
            name = str(path)
        else:
            form, name = "module", spec
            _load_dotted(spec, c)
            root = getattr(c.modules.get("__init__"), "__file__", None)
            base = Path(root).parent.parent if root else None
    finally:
        _remove_stubs()
    if not c.modules or (c.errors and all(k in c.errors for k in c.modules) and not _defines_anything(c)):
        raise LoadError(_nothing_loaded(spec, c, base))
    impl = Implementation(name, c.modules, dict(aliases or {}), form=form,
                          path=str(path) if looks_like_path else None, load_errors=c.errors,
                          intended=c.intended, files=c.files, loaded=_listed(c.loaded, base),
                          ignored=_listed(c.ignored, base))
    impl.advisories.extend(_advisories(impl))
    return impl


def _defines_anything(c: _Collector) -> bool:
    """A public name bound to something other than a module (``import sys; sys.exit(3)`` defines nothing)."""
    return any(not k.startswith("_") and not isinstance(v, types.ModuleType)
               for m in c.modules.values() for k, v in vars(m).items())


def _listed(paths: list[str], base: Path | None) -> list[str]:
    """Paths relative to ``base`` (``common/layers.py``), each once, the plumbing (config, np) last."""
    out = []
    for p in dict.fromkeys(paths):
        try:
            out.append(os.path.relpath(p, base) if base else p)
        except ValueError:      # another drive
            out.append(p)
    return sorted(out, key=lambda p: Path(p).stem in PLUMBING)


def _nothing_loaded(spec: str, c: _Collector, base: Path | None) -> str:
    """Why nothing could be loaded, what was there, and what to do."""
    details = "; ".join(f"{k}: {v}" for k, v in c.errors.items()) or "it defines no class or function"
    ran = ", ".join(_listed(c.loaded, base)) or "none"
    skipped = _listed(c.ignored, base)
    return (f"{spec}: nothing could be loaded ({details}). Files run: {ran}"
            + (f"; not run (they define no component): {', '.join(skipped)}" if skipped else "")
            + ". Fix the error, guard script code with if __name__ == '__main__':, and give the directory "
              "that holds common/ (or the .py file or notebook that defines the classes)")


def _advisories(impl: Implementation) -> list[str]:
    out = []
    for short, module in impl.modules.items():
        for key, value in vars(module).items():
            if isinstance(value, types.ModuleType) and value.__name__.split(".")[0] == "matplotlib":
                out.append(f"{short}: imports matplotlib at module level (import it inside the "
                           f"function that plots, so the module loads without a display)")
                break
    return out


def alias_advisories(impl: Implementation) -> list[str]:
    """Advisories for NumPy-1 aliases the implementation's modules have used so far."""
    names = {getattr(m, "__name__", ""): short for short, m in impl.modules.items()}
    return [numpy_compat.advisory(f"{names[m]}", aliases)
            for m, aliases in sorted(numpy_compat.uses(names).items())]


def from_namespace(namespace, name: str | None = None, aliases: dict[str, str] | None = None) -> Implementation:
    """An implementation from a class, a function, a module or a dict such as ``globals()``."""
    numpy_compat.install()
    if isinstance(namespace, types.ModuleType):
        module = namespace
    elif isinstance(namespace, dict):
        module = types.ModuleType(name or namespace.get("__name__", "namespace"))
        module.__dict__.update({k: v for k, v in namespace.items() if not k.startswith("__")})
        module.__name__ = namespace.get("__name__", module.__name__)
    else:
        obj = namespace
        label = getattr(obj, "__name__", None)
        if label is None:
            raise TypeError(f"check: expected a class, a function, a module or a namespace dict; got "
                            f"{type(obj).__name__}")
        module = types.ModuleType(getattr(obj, "__module__", None) or "namespace")
        setattr(module, label, obj)
        name = name or label
    files = set()
    for value in vars(module).values():
        if inspect.isclass(value) or inspect.isfunction(value):
            try:
                files.add(os.path.abspath(inspect.getsourcefile(value)))
            except (TypeError, OSError):
                pass
    return Implementation(name or module.__name__, {"namespace": module}, dict(aliases or {}),
                          form="namespace", files=files)


def __getattr__(name: str):
    """``loader.python_source`` and ``loader.notebook_cells`` live in ``reference.sandbox.ipynb``."""
    if name in ("python_source", "notebook_cells"):
        from reference.sandbox import ipynb

        return getattr(ipynb, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""Is the code under test the student's own, and did it leave the judge's tools alone?

judging.md: "A component taken from ``scratch_layers``, ``reference`` or a
framework is not the student's: it is an error that says so." Every student
has ``scratch_layers`` installed (it comes with the checker), so a
``layers.py`` whose only line is ``from scratch_layers.layers import Affine``
would otherwise pass.

What counts (``foreign_components``), decided statically at load time from
the objects the implementation exposes under contract names:

- the component is, or inherits from, a class or function whose module is
  in ``FORBIDDEN`` (re-exported, subclassed, or wrapped: closures count);
- a method's code object was compiled from a file inside one of those
  packages;
- the component's code (its methods, and the student's own helpers they
  name, three calls deep) refers to one of those packages or to something
  defined there: ``torch.tanh`` in a forward, ``import tensorflow`` inside a
  method, ``self.fc = torch.nn.Linear(...)``.

Legitimate use: anything that defines no component. A student's test file
that imports torch to compare, or a notebook cell that calls ``from
reference import check``, is fine. An implementation judged as itself by
module name or path (``scratch-conformance scratch_layers``) is exempt for its
own package, and the ``namespace`` form (``check(obj)`` in a notebook, the
suite's own in-process tests) is not examined.

``Guard`` watches the worker process for the other kind of dishonesty:
replacing a function of NumPy (``np.allclose``, ``np.testing``) or of the
judge's modules (``reference.*``) inside the worker, and importing a
framework while a check runs. Verdicts are reached in the judge's process,
on values the judge computed itself, so such a patch cannot turn a check
green there; but the drivers and the finite differences run beside the
code under test, so the worker undoes the patch (``restore``) and the check
during which it happened is an ``Integrity`` error. A patch made at import
time is undone before any check and reported as an advisory.
"""
from __future__ import annotations

import dis
import importlib.util
import inspect
import os
import sys
import types

FORBIDDEN = ("scratch_layers", "reference", "torch", "tensorflow", "keras", "tf_keras", "jax", "jaxlib")
FRAMEWORKS = ("torch", "tensorflow", "keras", "tf_keras", "jax", "jaxlib")
WATCHED_NUMPY = ("numpy", "numpy.testing", "numpy.linalg", "numpy.random")
HELPER_DEPTH = 3
HINT = ("write the component yourself, with NumPy: scratch_layers, reference, torch, TensorFlow, Keras and JAX may "
        "be used by your own tests, not by the code that is judged")


def _top(name) -> str:
    return str(name or "").split(".")[0]


_locations: dict[str, list[str]] = {}


def _package_dirs(package: str) -> list[str]:
    """Where ``package`` lives on disk, found without importing it."""
    if package not in _locations:
        dirs: list[str] = []
        try:
            spec = importlib.util.find_spec(package)
        except (ImportError, ValueError):
            spec = None
        if spec is not None:
            dirs = [os.path.realpath(d) + os.sep for d in (spec.submodule_search_locations or [])]
        _locations[package] = dirs
    return _locations[package]


def _package_of_file(filename: str, forbidden) -> str | None:
    path = os.path.realpath(filename or "")
    for package in forbidden:
        if any(path.startswith(d) for d in _package_dirs(package)):
            return package
    return None


def _qualified(obj) -> str:
    if isinstance(obj, types.ModuleType):
        return obj.__name__
    return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', getattr(obj, '__name__', '?'))}"


def _foreign_package(obj, forbidden) -> str | None:
    """The forbidden package ``obj`` (a module, class or function) comes from, if any."""
    if isinstance(obj, types.ModuleType):
        name = obj.__name__
    elif inspect.isclass(obj) or callable(obj):
        name = getattr(obj, "__module__", None)
        if not isinstance(name, str):
            return None
    else:
        return None
    return _top(name) if _top(name) in forbidden else None


def _functions(value):
    """The plain functions behind a class attribute (methods, static/class methods, properties)."""
    if isinstance(value, (staticmethod, classmethod)):
        value = value.__func__
    if isinstance(value, property):
        return [f for f in (value.fget, value.fset, value.fdel) if f is not None]
    return [value] if inspect.isfunction(value) else []


def _codes(code):
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _codes(const)


def _references(fn, forbidden):
    """(what it names from a forbidden package, the student's helpers it names) for one function."""
    found, helpers = [], []
    values = []
    for code in _codes(fn.__code__):
        for instruction in dis.get_instructions(code):
            if instruction.opname == "IMPORT_NAME" and _top(instruction.argval) in forbidden:
                found.append(f"imports {instruction.argval}")
        values += [fn.__globals__[n] for n in code.co_names if n in fn.__globals__]
    values += [cell.cell_contents for cell in (fn.__closure__ or ()) if _cell_filled(cell)]
    for value in values:
        if _foreign_package(value, forbidden):
            found.append(f"uses {_qualified(value)}")
        elif inspect.isfunction(value) or inspect.isclass(value):
            helpers.append(value)
    return found, helpers


def _cell_filled(cell) -> bool:
    try:
        cell.cell_contents
        return True
    except ValueError:
        return False


def foreign_source(obj, files, forbidden=FORBIDDEN) -> str | None:
    """Why ``obj`` (a component the implementation exposes) is not the student's own code, or None."""
    package = _foreign_package(obj, forbidden)
    if package:
        return f"it is {_qualified(obj)}, taken from {package}"
    queue, seen = [(obj, 0)], set()
    while queue:
        item, level = queue.pop(0)
        if id(item) in seen or level > HELPER_DEPTH:
            continue
        seen.add(id(item))
        if inspect.isclass(item):
            for klass in item.__mro__[1:]:
                package = _foreign_package(klass, forbidden)
                if package and klass.__module__ not in ("builtins",):
                    return f"{_qualified(item)} inherits from {_qualified(klass)} ({package})"
            functions = [(k, f) for k in item.__mro__ if k is not object and getattr(k, "__module__", "") != "builtins"
                         for v in vars(k).values() for f in _functions(v)]
        elif inspect.isfunction(item):
            functions = [(None, item)]
        else:
            continue
        for _, fn in functions:
            where = _package_of_file(fn.__code__.co_filename, forbidden)
            if where:
                return f"{fn.__qualname__} is code of {where} ({os.path.basename(fn.__code__.co_filename)})"
            if os.path.abspath(fn.__code__.co_filename) not in files and "#cell" not in fn.__code__.co_filename:
                continue      # a library the student calls (scipy, ...): not examined further
            found, helpers = _references(fn, forbidden)
            if found:
                return f"{fn.__qualname__} {found[0]}" + (f" (and {len(found) - 1} more)" if len(found) > 1 else "")
            queue += [(h, level + 1) for h in helpers]
    return None


def foreign_components(impl, names) -> dict[str, str]:
    """Contract name -> why that component is not the student's (only those that are not)."""
    if impl.form == "namespace":
        return {}
    allowed = {_top(impl.name)} if impl.form == "module" else set()
    if impl.path:                     # a package judged by its path (scratch_layers/) is its own code too
        inside = _package_of_file(os.path.join(impl.path, "__init__.py"), FORBIDDEN)
        allowed |= {inside} if inside else set()
    forbidden = tuple(p for p in FORBIDDEN if p not in allowed)
    out = {}
    for name in names:
        try:
            obj = impl.find(name)
        except LookupError:
            continue
        try:
            reason = foreign_source(obj, impl.files, forbidden)
        except Exception:  # noqa: BLE001 - an odd object (a C extension, a proxy) must not stop the load
            reason = None
        if reason:
            out[name] = reason
    return out


def message(name: str, reason: str) -> str:
    return f"{name} is not the submission's own code: {reason}"


# -- the worker watching its own process ---------------------------------------------------------

def _is_code(value) -> bool:
    """Functions, classes, modules, ufuncs, NumPy's dispatchers: what a patch replaces (data is not watched)."""
    return callable(value) or isinstance(value, (types.ModuleType, staticmethod, classmethod, property))


class Guard:
    """A snapshot of NumPy's and the judge's functions in this process, to notice and undo replacements."""

    def __init__(self):
        self.modules: dict[str, tuple[types.ModuleType, dict]] = {}
        self.classes: dict[str, tuple[type, dict, int]] = {}
        self.frameworks = self._frameworks()
        self.known: set[str] = set()          # sys.modules names already looked at
        self.watch_new_modules()

    @staticmethod
    def _frameworks() -> set[str]:
        return {name for name in FRAMEWORKS if name in sys.modules}

    def watch_new_modules(self) -> None:
        """Add NumPy's and the judge's modules loaded since (call after the judge's own lazy imports)."""
        if len(sys.modules) == len(self.known):
            return                            # nothing imported since (the common case: a check ran)
        for name, module in list(sys.modules.items()):
            if name in self.known or module is None:
                continue
            self.known.add(name)
            if name in WATCHED_NUMPY or name == "reference" or name.startswith("reference."):
                saved = {k: v for k, v in vars(module).items() if _is_code(v)}
                self.modules[name] = (module, saved)
                if name.startswith("reference"):
                    for value in saved.values():
                        if inspect.isclass(value) and value.__module__ == name:
                            methods = {k: v for k, v in vars(value).items() if _functions(v)}
                            self.classes[f"{name}.{value.__qualname__}"] = (value, methods, len(vars(value)))

    def changes(self, restore: bool = True) -> list[str]:
        """What was replaced or removed since the snapshot (``numpy.allclose``); undone when ``restore``."""
        changed = []
        for name, (module, saved) in self.modules.items():
            current = vars(module)
            for key in [k for k, v in saved.items() if current.get(k, _ABSENT) is not v]:
                changed.append(f"{name}.{key}")
                if restore:
                    setattr(module, key, saved[key])
        for name, (klass, saved, size) in self.classes.items():
            current = vars(klass)
            keys = [k for k, v in saved.items() if current.get(k, _ABSENT) is not v]
            if len(current) != size:          # a method added (overriding an inherited one)
                keys += [k for k, v in current.items() if k not in saved and _functions(v)]
            for key in keys:
                changed.append(f"{name}.{key}")
                if restore:
                    if key in saved:
                        setattr(klass, key, saved[key])
                    else:
                        delattr(klass, key)
        return changed

    def planted(self, files) -> list[str]:
        """Functions of the code under test (defined in ``files``) sitting in a watched module the snapshot did
        not hold (``numpy.testing`` imported by the submission, then patched). Such a pure-Python module is
        dropped from ``sys.modules``, so the judge's own code imports a clean copy if it needs one."""
        found = []
        if len(sys.modules) == len(self.known):
            return found
        for name, module in list(sys.modules.items()):
            if module is None or name in self.known or not _watched(name):
                continue
            own = [key for key, value in list(vars(module).items())
                   if os.path.abspath(getattr(getattr(value, "__code__", None), "co_filename", "")) in files]
            if own:
                found += [f"{name}.{key}" for key in own]
                if str(getattr(module, "__file__", "")).endswith(".py"):
                    del sys.modules[name]
                    parent, _, child = name.rpartition(".")
                    if parent in sys.modules and getattr(sys.modules[parent], child, None) is module:
                        delattr(sys.modules[parent], child)
        return found

    def new_frameworks(self) -> list[str]:
        """Frameworks imported since the last call (the code under test computing with one)."""
        now = self._frameworks()
        added, self.frameworks = sorted(now - self.frameworks), now
        return added


_ABSENT = object()


def _watched(name: str) -> bool:
    return name == "numpy" or name.startswith(("numpy.", "reference.")) or name == "reference"

"""The implementation under test: a namespace of the contract's names.

``Implementation.bundled()`` is scratch_layers. Components are looked up by
their contract names in every module of the implementation (optimizers may
live in ``optimizer.py`` or ``optimizers.py``); ``aliases`` map a contract
name to the implementation's own (``create_co_matrix=get_co_matrix``).
Other forms (a directory laid out like ``common/``, a single file, a
notebook, a namespace such as ``globals()``) are built by
``reference.sandbox.loader``; what went wrong while loading stays on the object
(``load_errors``, ``intended``, ``advisories``) so a report can blame the
right module instead of calling a component missing.
"""
from __future__ import annotations

import difflib
import importlib
import inspect
import pkgutil
import re
from dataclasses import dataclass, field
from types import ModuleType


class NotImplementedComponent(LookupError):
    """The implementation does not define a contract name."""


@dataclass(repr=False)
class Implementation:
    name: str
    modules: dict[str, ModuleType]              # short module name -> module
    aliases: dict[str, str] = field(default_factory=dict)
    form: str = "module"                        # module | package | directory | file | notebook | namespace
    path: str | None = None                     # where it was loaded from, when a path
    load_errors: dict[str, str] = field(default_factory=dict)   # module (or "cell 3") -> error
    intended: dict[str, str] = field(default_factory=dict)      # name -> module that failed before defining it
    advisories: list[str] = field(default_factory=list)
    files: set[str] = field(default_factory=set)                # source files of the implementation
    loaded: list[str] = field(default_factory=list)   # files run to load it, relative ("common/layers.py")
    ignored: list[str] = field(default_factory=list)  # files beside common/ not run: they define no component

    @classmethod
    def from_package(cls, package: str, aliases: dict[str, str] | None = None) -> "Implementation":
        """Every submodule of an importable package (private ones skipped)."""
        pkg = importlib.import_module(package)
        modules = {"__init__": pkg}
        for info in pkgutil.iter_modules(getattr(pkg, "__path__", []), prefix=package + "."):
            short = info.name.rsplit(".", 1)[1]
            if not short.startswith("_"):
                modules[short] = importlib.import_module(info.name)
        return cls(package, modules, dict(aliases or {}))

    @classmethod
    def bundled(cls) -> "Implementation":
        return cls.from_package("scratch_layers")

    def __repr__(self) -> str:
        return f"<Implementation {self.name}>"

    def find(self, name: str):
        """The object named ``name`` (or its alias), from the module ``module_of`` names: where modules hold
        different objects under that name, the one a module defines wins over one it imports (``util.py``
        importing someone else's ``Affine`` must not hide the student's own ``Affine`` in ``layers.py``)."""
        target = self.aliases.get(name, name)
        short = self.module_of(name)
        if short is None:
            raise NotImplementedComponent(f"{self.name} does not define {target}")
        return getattr(self.modules[short], target)

    def module_of(self, name: str) -> str | None:
        """The short name of the module where ``name`` (or its alias) is found."""
        target = self.aliases.get(name, name)
        found = None
        for short, module in self.modules.items():
            obj = getattr(module, target, None)
            if obj is None:
                continue
            if getattr(obj, "__module__", None) == getattr(module, "__name__", ""):
                return short            # where it is defined, not where it is re-exported
            found = found or short
        return found

    def own_names(self) -> list[str]:
        """Public classes and functions defined by the implementation itself (not imported)."""
        own = {getattr(m, "__name__", "") for m in self.modules.values()}
        names = set()
        for module in self.modules.values():
            for key, value in vars(module).items():
                if key.startswith("_") or not (inspect.isclass(value) or inspect.isfunction(value)):
                    continue
                if self.form == "namespace" or getattr(value, "__module__", None) in own:
                    names.add(key)
        return sorted(names)

    def suggest(self, name: str, limit: int = 3, exclude=(), want_class: bool | None = None) -> list[str]:
        """Names of the implementation that look like the contract's ``name`` (for --alias).

        ``SigmoidLayer``, ``MyAffine``, ``Time_RNN`` and ``TimeLstm`` are the
        contract's names with affixes, separators or another case: they match
        exactly once those are dropped (``looks_like``), and a name that
        matches one contract name that way is never offered for another
        (``TimeLstm`` is TimeLSTM, not TimeBiLSTM). Other names match only when
        close in spelling.

        exclude: the contract's names (never suggested, and used to tell which
        contract name a candidate already matches).
        want_class: True for classes only, False for functions only, None to
        follow the contract's spelling (CamelCase is a class, snake_case a
        function).
        """
        if want_class is None:
            want_class = name[:1].isupper()
        candidates = [c for c in self.own_names() if c not in exclude and c != name
                      and inspect.isclass(self.find(c)) == want_class]
        target = _normalized(name)
        exact = [c for c in candidates if looks_like(c, name)]
        if exact:
            return exact[:limit]
        claimed = {c for c in candidates for other in exclude if looks_like(c, other)}
        by_stem = {}
        for c in candidates:
            if c not in claimed:
                by_stem.setdefault(_stem(c), c)
        close = difflib.get_close_matches(target, list(by_stem), n=limit, cutoff=0.78)
        return [by_stem[c] for c in close]

    def has(self, name: str) -> bool:
        try:
            self.find(name)
            return True
        except NotImplementedComponent:
            return False


# Words students add around a contract name: SigmoidLayer, MyAffine, affine_layer, Trainer2.
_PREFIXES = ("my", "custom", "own", "new")
_SUFFIXES = ("layers", "layer", "class", "impl", "module", "func", "fn")


def _normalized(name: str) -> str:
    """Lower case, letters and digits only: ``Time_RNN`` and ``TimeRnn`` are both ``timernn``."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _stem(name: str) -> str:
    """The normalized name without the affixes students add (``MyLSTMLayer2`` -> ``lstm``)."""
    stem = _normalized(name)
    changed = True
    while changed:
        changed = False
        trimmed = re.sub(r"(v?\d+)$", "", stem)
        for prefix in _PREFIXES:
            if trimmed.startswith(prefix) and len(trimmed) > len(prefix) + 1:
                trimmed = trimmed[len(prefix):]
        for suffix in _SUFFIXES:
            if trimmed.endswith(suffix) and len(trimmed) > len(suffix) + 1:
                trimmed = trimmed[: -len(suffix)]
        if trimmed and trimmed != stem:
            stem, changed = trimmed, True
    return stem


def looks_like(candidate: str, contract_name: str) -> bool:
    """``candidate`` is ``contract_name`` up to case, separators and the usual affixes."""
    target = _normalized(contract_name)
    return _normalized(candidate) == target or _stem(candidate) == target

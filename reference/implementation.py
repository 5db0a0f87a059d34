"""The implementation under test: a namespace of the contract's names.

``Implementation.bundled()`` is scratch_layers. Components are looked up by
their contract names in every module of the implementation (optimizers may
live in ``optimizer.py`` or ``optimizers.py``); ``aliases`` map a contract
name to the implementation's own (``create_co_matrix=get_co_matrix``).
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from types import ModuleType


class NotImplementedComponent(LookupError):
    """The implementation does not define a contract name."""


@dataclass(repr=False)
class Implementation:
    name: str
    modules: dict[str, ModuleType]              # short module name -> module
    aliases: dict[str, str] = field(default_factory=dict)

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
        """The object named ``name`` (or its alias), searching every module."""
        target = self.aliases.get(name, name)
        for module in self.modules.values():
            obj = getattr(module, target, None)
            if obj is not None:
                return obj
        raise NotImplementedComponent(f"{self.name} does not define {target}")

    def has(self, name: str) -> bool:
        try:
            self.find(name)
            return True
        except NotImplementedComponent:
            return False

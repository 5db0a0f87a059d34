"""scratch_layers: the "Deep Learning from Scratch 2" layer API in clean, fast NumPy.

Laid out like the book's ``common/``: ``functions``, ``layers``,
``time_layers``, ``optimizer``, ``trainer``, ``util`` (plus ``text`` and
``tokenizer``). Every public name is also reachable from the package itself
(``from scratch_layers import TimeLSTM``); submodules are imported on first
use, so ``import scratch_layers`` stays cheap.
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

# Searched in this order for ``scratch_layers.<name>``.
_MODULES = ("functions", "layers", "time_layers", "optimizer", "trainer", "util", "text", "tokenizer",
            "attention", "seq2seq", "word2vec", "models", "rnnlm", "base_model", "sprint", "grad_utils")


def __getattr__(name: str):
    if name.startswith("_"):
        raise AttributeError(name)
    for module_name in _MODULES:
        try:
            module = importlib.import_module(f"{__name__}.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{module_name}":
                continue
            raise
        if name in getattr(module, "__all__", ()) or (hasattr(module, name) and not name.startswith("_")
                                                       and getattr(getattr(module, name), "__module__", "")
                                                       .startswith(__name__)):
            return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

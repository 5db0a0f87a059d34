"""Room ``oracles``: who computes the expected values. May import ``registry`` only.

Also here: the lazy, once-per-process import of the frameworks
(``frameworks``), the two autodiff harnesses (``autodiff``) and the
Tokenizer/TextVectorization mapping (``text_mappings``).

Every oracle answers one question the same way: given a component and a
``Sample`` in the book's layout, return ``{quantity: np.ndarray}`` in the
book's layout (``out``, ``dx``, ``dW``, ...). Three kinds:

- ``torch``: PyTorch modules and functional ops with autograd;
- ``keras``: Keras 3 layers/ops on TensorFlow with ``GradientTape``;
- ``fd64``: float64 central finite differences of a forward function (the
  implementation's own forward when judging it, a framework's forward when
  the oracles are cross-checked).

Framework adapters are plain functions registered per component name with
``@adapter`` in one module per chapter (``torch_layers``, ``keras_layers``,
...); the modules are imported only when that framework is first used.
"""
from __future__ import annotations

import importlib
from typing import Callable

from reference.oracles import frameworks
from reference.registry.component import Component, Sample

# Adapter modules per oracle, imported on first use (they import nothing
# heavy at module level either; the framework comes from reference.oracles.frameworks).
# One adapter module per framework and chapter, in the registry's chapter order.
CHAPTERS = ("layers", "time", "attention", "seq2seq", "word2vec", "models", "training", "optim",
            "grad_utils", "text")
ADAPTER_MODULES = {
    "torch": [f"reference.oracles.torch_{c}" for c in CHAPTERS],
    # word2vec is judged by torch only (issue 5): no Keras module for it.
    "keras": [f"reference.oracles.keras_{c}" for c in CHAPTERS if c != "word2vec"],
}
FRAMEWORK_OF = {"torch": "torch", "keras": "keras", "fd64": None}

_ADAPTERS: dict[str, dict[str, Callable]] = {"torch": {}, "keras": {}}
_loaded: set[str] = set()


class OracleUnavailable(RuntimeError):
    """The framework behind an oracle is not installed."""


def adapter(oracle: str, name: str):
    """Register ``fn(sample) -> dict`` as ``oracle``'s equivalent of component ``name``."""
    def register(fn):
        table = _ADAPTERS[oracle]
        if name in table:
            raise ValueError(f"adapter: {oracle} already has an adapter for {name}")
        table[name] = fn
        return fn
    return register


def available(oracle: str) -> bool:
    """Whether the oracle's framework is installed (fd64 always is)."""
    fw = FRAMEWORK_OF[oracle]
    return fw is None or frameworks.available(fw)


def _load(oracle: str) -> None:
    if oracle not in _loaded:
        for module in ADAPTER_MODULES[oracle]:
            importlib.import_module(module)
        _loaded.add(oracle)


def adapters(oracle: str) -> dict[str, Callable]:
    """Component name -> adapter for a framework oracle (imports the adapter modules)."""
    _load(oracle)
    return _ADAPTERS[oracle]


def run(oracle: str, component: Component, sample: Sample, forward=None) -> dict:
    """Expected quantities for ``sample`` from ``oracle``.

    forward: for fd64, the ``sample -> out`` function to differentiate.
    """
    if not available(oracle):
        raise OracleUnavailable(f"oracle {oracle!r} needs {FRAMEWORK_OF[oracle]}, which is not installed")
    if oracle == "fd64":
        from reference.oracles import numeric

        if forward is None:
            raise ValueError("run: fd64 needs the forward function to differentiate")
        return numeric.gradients(forward, sample)
    table = adapters(oracle)
    fn = table.get(component.id) or table.get(component.name)
    if fn is None:
        raise LookupError(f"oracle {oracle!r} has no adapter for {component.id}")
    return fn(sample)

"""Room ``registry``: what is checked, on what data, and how closely.

The lowest room; it may import ``scratch_layers`` (the bundled reference
models a trainer check drives) and nothing else of ``reference``. It holds
the component entries (one module per chapter), cases and telling samples
(``cases``, ``strategies``), the contract's signatures and defaults
(``contract``), the book's parameter layouts and their conversions
(``layouts``, ``transforms``), how a component is driven the way the book
calls it (``drive``, ``recurrent_drive``, ``model_drive``,
``isolation_cells``), and what "close" means (``tolerances``, ``compare``).

The component registry: every entry of every chapter, in one tuple.

Chapters live in their own modules (``layers``, ``time_layers``, ...) and
export ``ENTRIES``; ``COMPONENTS`` concatenates them. ``get(id)`` finds one
entry; ``by_oracle(o)`` filters, the way tests are parametrized.
"""
from __future__ import annotations

import importlib

from reference.registry.cases import DTYPES
from reference.registry.component import Component, Divergence, Override, Sample, judges

CHAPTER_MODULES = (
    "reference.registry.layers",
    "reference.registry.attention",
    "reference.registry.seq2seq",
    "reference.registry.word2vec",
    "reference.registry.models",
    "reference.registry.training",
    "reference.registry.optimizers",
    "reference.registry.grad_utils",
    "reference.registry.time_cells",
    "reference.registry.time_layers",
    "reference.registry.text",
)


def _collect() -> tuple[Component, ...]:
    entries: list[Component] = []
    for module in CHAPTER_MODULES:
        entries.extend(importlib.import_module(module).ENTRIES)
    ids = [c.id for c in entries]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ValueError(f"registry: duplicate component ids {dupes}")
    return tuple(entries)


COMPONENTS: tuple[Component, ...] = _collect()


def get(component_id: str) -> Component:
    for c in COMPONENTS:
        if c.id == component_id:
            return c
    raise KeyError(f"no component {component_id!r}; known: {', '.join(c.id for c in COMPONENTS)}")


def by_oracle(oracle: str) -> tuple[Component, ...]:
    return tuple(c for c in COMPONENTS if oracle in c.oracles)


def checks() -> list[tuple[Component, str, str]]:
    """Every (component, oracle, dtype) the suite judges: the parametrization of the generated tests."""
    return [(c, o, d) for c in COMPONENTS for o in c.oracles for d in DTYPES if judges(o, d)]


def oracle_pairs() -> list[tuple[Component, str, str, str]]:
    """Every (component, oracle_a, oracle_b, dtype) cross-check of the oracles themselves."""
    out = []
    for c in COMPONENTS:
        for i, a in enumerate(c.oracles):
            for b in c.oracles[i + 1:]:
                out += [(c, a, b, d) for d in DTYPES if judges(a, d) and judges(b, d)]
    return out


def single_oracle() -> dict[str, tuple[str, ...]]:
    """Components (by name) no entry of which has two oracles to cross-check, with their one oracle.

    Every other component has two or more independent oracles that must agree
    (``oracle_pairs``); the README names these exceptions (tests/test_readme.py).
    """
    paired = {c.name for c, *_ in oracle_pairs()}
    out: dict[str, tuple[str, ...]] = {}
    for c in COMPONENTS:
        if c.name not in paired:
            out[c.name] = tuple(dict.fromkeys(out.get(c.name, ()) + c.oracles))
    return out


__all__ = ["checks", "oracle_pairs", "single_oracle", "COMPONENTS", "Component", "Divergence", "Override", "Sample", "by_oracle", "get"]

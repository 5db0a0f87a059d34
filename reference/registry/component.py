"""What a registry entry is: a component, its sample data, oracles and checks.

A ``Component`` reads like a table row: the book name, how to draw telling
data for a ``Case`` (``sample``), which oracles judge it, which quantities
are compared, the tolerance, known divergences and hints. The tests in
``tests/`` are generated from the entries, so adding a component is adding
an entry (and, per framework, one oracle adapter keyed by the same name).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from reference.registry.cases import Case
from reference.registry.tolerances import Tolerance, default_for

KINDS = ("function", "layer", "loss", "custom")
ORACLES = ("torch", "keras", "fd64")
# Finite differences judge float64 only (judging.md): in float32 the
# implementation's own rounding (e.g. the cancellation in y - onehot) is
# larger than any FD step can resolve, so there the frameworks, computing at
# the same precision, decide.
ORACLE_DTYPES = {"fd64": ("float64",)}


def judges(oracle: str, dtype: str) -> bool:
    """Whether ``oracle`` judges checks in ``dtype``."""
    return dtype in ORACLE_DTYPES.get(oracle, (dtype,))


@dataclass(frozen=True)
class Sample:
    """The data of one check, in the book's layout.

    params: constructor arguments in the book's ``params`` order.
    inputs: forward arguments in order (labels and ids included).
    dout: the upstream gradient fed to ``backward`` (1.0 for losses); None
        for forward-only components.
    differentiable: the inputs that get a gradient, in the order ``backward``
        returns them.
    np_seed: ``np.random.seed`` value set right before ``forward`` (dropout
        masks are drawn from the global legacy generator, so oracles can
        rebuild the same mask).
    steps: sequence length, for the BPTT tolerance budget.
    """

    case: Case
    params: Mapping[str, np.ndarray] = field(default_factory=dict)
    inputs: Mapping[str, Any] = field(default_factory=dict)
    dout: Any = None
    differentiable: tuple[str, ...] = ()
    init_kwargs: Mapping[str, Any] = field(default_factory=dict)
    forward_kwargs: Mapping[str, Any] = field(default_factory=dict)
    np_seed: int | None = None
    steps: int = 1

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(self.case.dtype)

    def gradient_names(self) -> tuple[str, ...]:
        """Quantity names of every gradient: d<input> then d<param>."""
        return tuple("d" + n for n in self.differentiable) + tuple("d" + n for n in self.params)

    def astype(self, dtype) -> "Sample":
        """The same sample with every float array in ``dtype`` (labels untouched)."""
        cast = lambda a: a.astype(dtype) if isinstance(a, np.ndarray) and a.dtype.kind == "f" else a
        return Sample(
            case=self.case.with_dtype(str(np.dtype(dtype))),
            params={k: cast(v) for k, v in self.params.items()},
            inputs={k: cast(v) for k, v in self.inputs.items()},
            dout=cast(self.dout), differentiable=self.differentiable,
            init_kwargs=self.init_kwargs, forward_kwargs=self.forward_kwargs,
            np_seed=self.np_seed, steps=self.steps,
        )

    def nudged(self, rng: np.random.Generator) -> "Sample":
        """A neighbouring sample in the same dtype: every element of a float array that is not integer-valued
        (one-hot targets and masks stay exact) moved by -1, 0 or +1 ulp at random."""
        def nudge(a):
            if not (isinstance(a, np.ndarray) and a.dtype.kind == "f") or np.array_equal(a, np.round(a)):
                return a
            steps = rng.integers(-1, 2, a.shape)
            up, down = np.nextafter(a, a.dtype.type(np.inf)), np.nextafter(a, a.dtype.type(-np.inf))
            return np.where(steps > 0, up, np.where(steps < 0, down, a)).astype(a.dtype)
        return Sample(self.case, {k: nudge(v) for k, v in self.params.items()},
                      {k: nudge(v) for k, v in self.inputs.items()}, nudge(self.dout), self.differentiable,
                      self.init_kwargs, self.forward_kwargs, self.np_seed, self.steps)

    def replace_array(self, where: str, name: str, value: np.ndarray) -> "Sample":
        """A copy with one param or input replaced (finite differences)."""
        params, inputs = dict(self.params), dict(self.inputs)
        (params if where == "params" else inputs)[name] = value
        return Sample(self.case, params, inputs, self.dout, self.differentiable,
                      self.init_kwargs, self.forward_kwargs, self.np_seed, self.steps)


@dataclass(frozen=True)
class Override:
    """A tolerance override aimed at one quantity (and optionally one dtype/oracle)."""

    quantity: str
    factor: float
    reason: str
    dtype: str | None = None
    oracle: str | None = None


@dataclass(frozen=True)
class Divergence:
    """A documented, expected disagreement: the generated test asserts it still exists."""

    oracle: str
    quantity: str
    reason: str
    dtype: str | None = None


@dataclass(frozen=True)
class Component:
    name: str                                   # the book's class or function name
    kind: str                                   # how the driver calls it: see KINDS
    module: str                                 # the book module it lives in ("layers", ...)
    sample: Callable[[Case], Sample]            # telling data for a case
    sizes: Mapping[str, tuple[int, int]]        # size name -> (min, max) for drawn cases
    oracles: tuple[str, ...]                    # subset of ORACLES
    quantities: tuple[str, ...]                 # "out", "dx", "dW", ...
    recurrent: bool = False                     # BPTT tolerance budget
    overrides: tuple[Override, ...] = ()
    divergences: tuple[Divergence, ...] = ()
    hints: Mapping[str, str] = field(default_factory=dict)
    run: Callable[[Any, Sample], dict] | None = None   # a custom driver (kind "custom")
    variant: str = ""                           # e.g. "eval": a second entry for one class
    # Maps fd64's gradients of the forward *as the contract defines it* to the
    # gradient backward must return, where the two differ by design (the
    # book's losses put 1e-7 in the log but return the exact loss's gradient).
    fd_correction: Callable[[Sample, dict], dict] | None = None
    doc: str = ""
    # The magnitude of the operands the quantities are computed from (inputs,
    # states, upstream gradients), when the sample bounds it: rounding errors
    # scale with it, so errors are allowed relative to max(max|ref|, this)
    # (Tolerance.floor). 0: relative to max|ref| only.
    operand_scale: float = 0.0

    @property
    def id(self) -> str:
        """Test-id form: ``Dropout`` or ``Dropout[eval]``."""
        return f"{self.name}[{self.variant}]" if self.variant else self.name

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"Component {self.name}: kind must be one of {KINDS}; got {self.kind!r}")
        unknown = [o for o in self.oracles if o not in ORACLES]
        if unknown:
            raise ValueError(f"Component {self.name}: unknown oracle(s) {unknown}; known: {ORACLES}")
        if self.kind == "custom" and self.run is None:
            raise ValueError(f"Component {self.name}: kind 'custom' needs a run= driver")
        if not self.quantities:
            raise ValueError(f"Component {self.name}: no quantities to compare")
        for d in self.divergences:
            if d.oracle not in self.oracles:
                raise ValueError(f"Component {self.name}: divergence names oracle {d.oracle!r} "
                                 f"that the entry does not use")
        for q in [o.quantity for o in self.overrides] + [d.quantity for d in self.divergences]:
            if q not in self.quantities:
                raise ValueError(f"Component {self.name}: {q!r} is not one of its quantities "
                                 f"{self.quantities}")

    def __str__(self) -> str:
        return self.id

    def __repr__(self) -> str:
        return f"<Component {self.id}>"

    def tolerance(self, quantity: str, dtype: str, oracle: str) -> Tolerance:
        """The tolerance for one quantity: per-dtype default, fd64 floor, overrides."""
        tol = default_for(dtype, recurrent=self.recurrent).with_floor(self.operand_scale)
        if oracle == "fd64":
            from reference.registry.tolerances import FD64

            if FD64.rel_to_max > tol.rel_to_max:
                tol = Tolerance(FD64.rel_to_max, tol.steps_per_budget, FD64.reason, tol.floor)
        for o in self.overrides:
            if o.quantity == quantity and o.dtype in (None, dtype) and o.oracle in (None, oracle):
                tol = tol.scaled(o.factor, o.reason)
        return tol

    def diverges(self, oracle: str, quantity: str, dtype: str) -> Divergence | None:
        for d in self.divergences:
            if d.oracle == oracle and d.quantity == quantity and d.dtype in (None, dtype):
                return d
        return None

    def quantities_for(self, oracle: str, dtype: str) -> tuple[str, ...]:
        """The quantities an oracle judges: fd64 gives gradients only; divergences excluded.

        fd64 yields ``d<input>`` and ``d<param>`` (``Sample.gradient_names``):
        forward quantities (``out``, and e.g. a Time layer's ``hs``, ``h``, ``c``)
        are the frameworks' to judge.
        """
        qs = [q for q in self.quantities if not (oracle == "fd64" and not q.startswith("d"))]
        return tuple(q for q in qs if self.diverges(oracle, q, dtype) is None)

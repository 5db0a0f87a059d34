"""One check: an implementation's component against one oracle on one case.

``check(component, oracle, impl, case)`` draws the sample, runs the
implementation and the oracle, and compares every quantity, returning a
``CheckResult`` that carries each ``Comparison`` (so every wrong quantity is
named, not only the first) plus problems the driver found.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from reference.registry import drive
from reference import oracles
from reference.registry.cases import Case
from reference.registry.compare import Comparison, Expected, compare, float64_of
from reference.registry.component import Component


@dataclass
class CheckResult:
    component: Component
    oracle: str
    case: Case
    comparisons: list[Comparison] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    impl_name: str = "scratch_layers"

    @property
    def ok(self) -> bool:
        return not self.problems and all(c.ok for c in self.comparisons)

    def failed(self) -> list[Comparison]:
        return [c for c in self.comparisons if not c.ok]

    def repro(self) -> str:
        sizes = " ".join(f"{k}={v}" for k, v in self.case.sizes.items())
        oracle = {"fd64": "numeric"}.get(self.oracle, self.oracle)
        return (f"python -m reference {self.impl_name} --only {self.component.name} --oracle {oracle} "
                f"--dtype {self.case.dtype} --seed {self.case.seed} --sizes {sizes}")

    def report(self) -> str:
        lines = [f"{self.component.id} vs {self.oracle} [{self.case}]: "
                 + ("ok" if self.ok else "does not conform")]
        lines += [f"  problem: {p}" for p in self.problems]
        for c in self.failed():
            lines.append("  " + c.message().replace("\n", "\n  "))
            quantity = c.quantity.split(" ", 1)[0]
            if quantity in self.component.hints:
                lines.append(f"    hint: {self.component.hints[quantity]}")
        if not self.ok:
            lines.append(f"  repro: {self.repro()}")
        return "\n".join(lines)


def expected(component: Component, oracle: str, sample, impl_obj=None) -> dict:
    """The oracle's quantities; fd64 differentiates the implementation's own forward."""
    forward = drive.forward_of(component, impl_obj) if oracle == "fd64" else None
    return with_float64(component, oracle, sample,
                        _corrected(component, oracle, sample, oracles.run(oracle, component, sample, forward=forward)))


# More estimates of the oracle's own float32 error: its float32 result against its float64 result on a
# neighbouring float32 sample (every input moved by -1, 0 or +1 ulp at random, seeded by the case so that a
# repro line repeats the verdict), NUDGED_RUNS times: fresh draws of its rounding, on the same operands'
# scale. The rounding of a short sum or of a 2-class softmax is discrete: the cast and wide estimates are
# sometimes exactly or nearly 0 where the implementation is an ulp off; several independent draws rarely
# all are (measurements in registry.tolerances, CANCELLATION).
NUDGED_RUNS = 2


def float64_results(component: Component, oracle: str, sample, reference: dict) -> dict[str, dict]:
    """Float64 arrays whose distance from ``reference`` (the oracle's float32 result on ``sample``) each
    estimates the oracle's own float32 error, by kind:

    - ``cast``: the oracle on the float32 sample cast to float64 (its rounding alone);
    - ``wide``: on the float64 sample the float32 one rounds (its rounding plus the inputs'; absent when a
      sample is not drawn that way);
    - ``nudged k``: ``reference`` moved by the oracle's float32 error on a neighbouring sample (its float32
      result there minus its float64 one).
    """
    out = {"cast": oracles.run(oracle, component, sample.astype(np.float64))}
    sample64 = component.sample(sample.case.with_dtype("float64"))
    if rounds_to(sample64, sample):
        out["wide"] = oracles.run(oracle, component, sample64)
    rng = np.random.default_rng([sample.case.seed, 0x5CA1AB1E])
    for k in range(1, NUDGED_RUNS + 1):
        near = sample.nudged(rng)
        narrow, wide = oracles.run(oracle, component, near), oracles.run(oracle, component, near.astype(np.float64))
        out[f"nudged {k}"] = {q: moved for q in reference
                              if (moved := _moved(reference[q], narrow.get(q), wide.get(q))) is not None}
    return out


def _moved(ref, narrow, wide):
    """``ref - (narrow - wide)`` in float64, or None unless all three are float arrays of one shape."""
    try:
        ref, narrow, wide = (np.asarray(a) for a in (ref, narrow, wide))
    except (TypeError, ValueError):
        return None
    if any(a.dtype.kind != "f" for a in (ref, narrow, wide)) or not ref.shape == narrow.shape == wide.shape:
        return None
    return ref.astype(np.float64) - (narrow.astype(np.float64) - wide.astype(np.float64))


def with_float64(component: Component, oracle: str, sample, quantities: dict) -> dict:
    """For a float32 sample and a framework oracle: ``quantities`` with ``Expected.float64`` attached.

    The float32 cancellation term (tolerances.CANCELLATION) needs the oracle's own float32 error; each
    array of ``float64_results`` gives an estimate of it, and the term takes the largest: one alone can be
    near 0 by luck where the implementation's error is not. They are computed only if a comparison needs
    them (``Expected``).
    """
    if oracle == "fd64" or sample.dtype != np.float32:
        return quantities

    def more() -> dict:
        results = list(float64_results(component, oracle, sample, quantities).values())
        return {q: tuple(r[q] for r in results if q in r) for q in quantities}

    return Expected(quantities, more=more)


ROUNDING_ULPS = 2   # how far (float32 ulps) a float32 sample may be from the float64 one it stands for


def rounds_to(sample64, sample32) -> bool:
    """Whether ``sample32`` is ``sample64`` in float32: same labels and shapes, floats within ROUNDING_ULPS
    float32 ulps (samples are drawn in float64 and rounded; a few add an offset after the rounding)."""
    def arrays(s):
        return [*s.params.values(), *s.inputs.values(), s.dout]

    for wide, narrow in zip(arrays(sample64), arrays(sample32)):
        wide, narrow = np.asarray(wide), np.asarray(narrow)
        if wide.shape != narrow.shape:
            return False
        if narrow.dtype.kind != "f":
            if not np.array_equal(wide, narrow):
                return False
            continue
        ulp = np.spacing(np.abs(narrow)).astype(np.float64)
        if not np.all(np.abs(wide.astype(np.float64) - narrow) <= ROUNDING_ULPS * ulp):
            return False
    return True


def _corrected(component: Component, oracle: str, sample, result: dict) -> dict:
    if oracle == "fd64" and component.fd_correction is not None:
        return component.fd_correction(sample, result)
    return result


def compare_all(component: Component, oracle: str, case: Case, actual: dict, reference: dict,
                steps: int, quantities=None) -> list[Comparison]:
    """One Comparison per quantity the oracle judges."""
    result = []
    for q in quantities or component.quantities_for(oracle, case.dtype):
        tol = component.tolerance(q, case.dtype, oracle)
        result.append(compare(actual.get(q), reference[q], tol, quantity=f"{q} of {component.id} vs {oracle}",
                              context=str(case), steps=steps, expected64=float64_of(reference, q)))
    return result


def check(component: Component, oracle: str, impl, case: Case) -> CheckResult:
    """Judge ``impl``'s ``component`` against ``oracle`` on ``case``."""
    obj = impl.find(component.name)
    sample = component.sample(case)
    outcome = drive.run(component, obj, sample)
    reference = expected(component, oracle, sample, obj)
    result = CheckResult(component, oracle, case, problems=list(outcome.problems), impl_name=impl.name)
    result.comparisons = compare_all(component, oracle, case, outcome.quantities, reference, sample.steps)
    return result


def agree(component: Component, oracle_a: str, oracle_b: str, case: Case, impl=None) -> CheckResult:
    """Cross-check two oracles on ``case`` (fd64 differentiates the other framework's forward)."""
    sample = component.sample(case)

    def framework_forward(name):
        return lambda s: oracles.run(name, component, s)["out"]

    results = {}
    for name, other in ((oracle_a, oracle_b), (oracle_b, oracle_a)):
        forward = framework_forward(other) if name == "fd64" else None
        results[name] = with_float64(component, name, sample, _corrected(
            component, name, sample, oracles.run(name, component, sample, forward=forward)))
    shared = [q for q in component.quantities if q in results[oracle_a] and q in results[oracle_b]
              and component.diverges(oracle_a, q, case.dtype) is None
              and component.diverges(oracle_b, q, case.dtype) is None]
    fd_involved = "fd64" if "fd64" in (oracle_a, oracle_b) else oracle_b
    out = CheckResult(component, f"{oracle_a}~{oracle_b}", case)
    out.comparisons = compare_all(component, fd_involved, case, results[oracle_a], results[oracle_b],
                                  sample.steps, quantities=shared)
    return out

"""Who judges: the oracle sources of a run (live frameworks, their golden recordings, finite differences).

``select_sources(choice)`` turns ``--oracle`` into sources for this machine
(``auto``: a framework live when installed, else its golden recording, plus
finite differences); each source's ``expected(component, case, sample,
runner)`` returns the quantities or None with ``reason`` set (a fault of the
reference side, never blamed on the implementation).
"""
from __future__ import annotations

from dataclasses import dataclass

from reference.oracles import frameworks
from reference import oracles
from reference.golden.cases import DEFAULT_SEED, Stale
from reference.golden.cases import store as golden_store
from reference.sandbox.ops import case_to
from reference.judging.check import rounds_to, with_float64
from reference.registry.compare import Expected

ORACLE_CHOICES = ("auto", "live", "golden", "torch", "keras", "numeric")


class UsageError(ValueError):
    """Settings that cannot work (an oracle that is not installed, golden cases for another seed)."""


@dataclass
class Source:
    name: str          # the label in the report: torch, golden:torch, numeric
    base: str          # what the registry calls it: torch, keras, fd64
    reason: str = ""   # why it cannot judge a case (filled by expected)

    def expected(self, component, case, sample, runner) -> dict | None:
        raise NotImplementedError


class Live(Source):
    def expected(self, component, case, sample, runner):
        try:
            return with_float64(component, self.base, sample, oracles.run(self.base, component, sample))
        except LookupError as exc:
            self.reason = f"{self.name} cannot judge {component.id}: {exc}"
            return None


class Golden(Source):
    def expected(self, component, case, sample, runner):
        store = golden_store()
        if store is None:
            self.reason = "no golden cases are installed (scratch-conformance golden)"
            return None
        try:
            found = store.lookup(component.id, self.base, case, sample)
        except Stale as exc:
            self.reason = str(exc)
            return None
        if found is None:
            self.reason = (f"no golden case for {component.id} [{case}]: golden cases exist for seed "
                           f"{DEFAULT_SEED} at the default sizes only")
        elif case.dtype == "float32":
            wide = self._float64_counterpart(store, component, case, sample)
            found = Expected(found, {q: (v,) for q, v in wide.items()})
        return found

    def _float64_counterpart(self, store, component, case, sample) -> dict:
        """The recorded float64 case whose sample rounds to this float32 one ({} if there is none).

        Golden cases hold neither the oracle on the float32 sample cast to
        float64 nor its runs on nudged samples; the float64 case of the same
        seed and sizes is the oracle on the unrounded sample: the ``wide``
        estimate of the live rule (judging.check.float64_results), measured
        alone as column ``wide`` of ``python -m reference.frontends.measure
        --float32-budget``. Golden cases judge the fixed cases only, where it
        suffices.
        """
        case64 = case.with_dtype("float64")
        sample64 = component.sample(case64)
        if not rounds_to(sample64, sample):
            return {}
        try:
            return store.lookup(component.id, self.base, case64, sample64) or {}
        except Stale:
            return {}


class Numeric(Source):
    def expected(self, component, case, sample, runner):
        response = runner.call("fd64", component_id=component.id, case=case_to(case))
        if "exception" in response:
            return response       # the implementation's forward raised: reported by the caller
        result = response["quantities"]
        if component.fd_correction is not None:
            result = component.fd_correction(sample, result)
        return result


def select_sources(choice: str) -> list[Source]:
    """The oracle sources for ``--oracle choice`` on this machine."""
    live = {b: frameworks.available(b) and oracles.available(b) for b in ("torch", "keras")}
    if choice == "torch" or choice == "keras":
        if not live[choice]:
            raise UsageError(f"--oracle {choice}: {choice} is not installed; use --oracle golden (recorded "
                             f"framework results) or numeric, or pip install the framework")
        return [Live(choice, choice)]
    if choice == "numeric":
        return [Numeric("numeric", "fd64")]
    if choice == "golden":
        if golden_store() is None:
            raise UsageError("--oracle golden: no golden cases are installed; record them with "
                             "scratch-conformance golden")
        return [Golden("golden:torch", "torch"), Golden("golden:keras", "keras")]
    if choice == "live":
        if not any(live.values()):
            raise UsageError("--oracle live: neither torch nor Keras is installed; use --oracle golden")
        return [Live(b, b) for b in ("torch", "keras") if live[b]] + [Numeric("numeric", "fd64")]
    if choice == "auto":
        out = [Live(b, b) if live[b] else Golden(f"golden:{b}", b) for b in ("torch", "keras")]
        if golden_store() is None:
            out = [s for s in out if isinstance(s, Live)]
        return out + [Numeric("numeric", "fd64")]
    raise UsageError(f"--oracle must be one of {', '.join(ORACLE_CHOICES)}; got {choice!r}")


def describe_sources(sources: list[Source]) -> list[dict]:
    versions = frameworks.versions()
    out = []
    for s in sources:
        if isinstance(s, Live):
            fw = "torch" if s.base == "torch" else "keras"
            out.append({"name": s.name, "kind": "live", "framework": fw, "version": versions.get(fw)})
        elif isinstance(s, Golden):
            store = golden_store()
            rec = store.recorded_with if store else {}
            fw = "torch" if s.base == "torch" else "keras"
            out.append({"name": s.name, "kind": "golden", "framework": fw, "version": rec.get(fw),
                        "recorded_at": (store.manifest.get("recorded_at") if store else None)})
        else:
            out.append({"name": s.name, "kind": "finite differences", "framework": None, "version": None})
    return out

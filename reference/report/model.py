"""The report: what was judged, by which oracle, and what is wrong, where and why.

The JSON form (``Report.to_dict()``) is documented in the README and stable:
keys are only ever added. Top level: ``format``, ``implementation``,
``suite_version``, ``environment``, ``oracles``, ``settings``,
``components``, ``advisories``, ``summary``, ``elapsed_seconds``, ``sandbox``
(the protections in force while the code under test ran), ``nothing_judged``
(null, or why nothing could be judged: exit status 2). A component:
``name``, ``status``, ``module``, ``checks``, ``advisories``, ``diagnosis``,
``suggestion``, ``cause`` (null, or the catalogued mistake that reproduces
the failure: ``id``, ``sentence``, ...), ``fix`` (null, or a verified edit of
the student's source: ``file``, ``line``, ``old``, ``new``, ``verified_on``). A check: ``id``, ``oracle``, ``quantity``, ``status``,
``max_abs_error``, ``max_rel_error``, ``tolerance``, ``where``, ``message``,
``hint``, ``case``, ``repro``, ``rules``, ``series``. Numbers that are not
finite (a NaN output) are written as null with the message saying so.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

FORMAT = "scratch-conformance-report/1"
STATUSES = ("pass", "fail", "error", "not_implemented", "variant", "skipped")
CHECK_STATUSES = ("pass", "fail", "error", "skipped")
CONFORMING = ("pass", "variant")


def _number(x):
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


@dataclass
class CheckRecord:
    id: str
    oracle: str                     # torch, keras, numeric, golden:torch, golden:keras, contract, implementation
    quantity: str                   # dWh, hs, out, "grads[1] in place", "signature set_state", ...
    status: str                     # one of CHECK_STATUSES
    max_abs_error: float | None = None
    max_rel_error: float | None = None
    tolerance: float | None = None  # the absolute error allowed for every element
    where: dict | None = None       # {"index": [...], "step": t}
    message: str = ""
    hint: str = ""
    case: dict | None = None        # {"dtype", "sizes", "seed"}
    repro: str | None = None
    rules: list[str] = field(default_factory=list)   # ids of the hint rules that fired
    series: dict | None = None      # {"label", "x", "y", "allowed"}: error per time step

    def to_dict(self) -> dict:
        d = asdict(self)
        for k in ("max_abs_error", "max_rel_error", "tolerance"):
            d[k] = _number(d[k])
        if d["series"]:
            d["series"] = {**d["series"], "y": [_number(v) for v in d["series"]["y"]],
                           "allowed": _number(d["series"].get("allowed"))}
        return d


@dataclass
class ComponentReport:
    name: str                        # the component id: "Affine", "Dropout[train]"
    status: str = "pass"
    module: str | None = None        # where the implementation defines it
    checks: list[CheckRecord] = field(default_factory=list)
    advisories: list[str] = field(default_factory=list)
    diagnosis: list[str] = field(default_factory=list)
    suggestion: str | None = None    # "did you mean get_co_matrix? --alias create_co_matrix=get_co_matrix"
    seconds: float = 0.0
    cause: dict | None = None        # {"id", "sentence", ...}: the catalogued mistake that reproduces the failure
    fix: dict | None = None          # {"file", "line", "old", "new", "verified_on"}: a verified edit

    @property
    def family(self) -> str:
        """The book component this entry belongs to: ``TimeLSTM`` for ``TimeLSTM[set_state]``."""
        return self.name.split("[", 1)[0]

    def failed(self) -> list[CheckRecord]:
        return [c for c in self.checks if c.status in ("fail", "error")]

    def to_dict(self) -> dict:
        return {"name": self.name, "status": self.status, "module": self.module,
                "checks": [c.to_dict() for c in self.checks], "advisories": list(self.advisories),
                "diagnosis": list(self.diagnosis), "suggestion": self.suggestion,
                "seconds": round(self.seconds, 4), "cause": self.cause, "fix": self.fix}


@dataclass
class Report:
    implementation: dict
    suite_version: str
    environment: dict
    oracles: list[dict]
    settings: dict
    components: list[ComponentReport] = field(default_factory=list)
    advisories: list[str] = field(default_factory=list)
    elapsed_seconds: float = 0.0
    sandbox: dict = field(default_factory=dict)   # {"mode", "protections": [...], "missing": [...]}
    nothing_judged: str | None = None             # why nothing was judged (exit status 2)

    @property
    def summary(self) -> dict:
        counts = {s: 0 for s in STATUSES}
        for c in self.components:
            counts[c.status] = counts.get(c.status, 0) + 1
        checks = {s: 0 for s in CHECK_STATUSES}
        for c in self.components:
            for k in c.checks:
                checks[k.status] = checks.get(k.status, 0) + 1
        return {**counts, "components": len(self.components), "checks": checks}

    def exit_code(self) -> int:
        """0 when every implemented component conforms, 1 otherwise, 2 when nothing was judged."""
        if self.nothing_judged:
            return 2
        return 0 if all(c.status in CONFORMING + ("not_implemented", "skipped") for c in self.components) else 1

    def component(self, name: str) -> ComponentReport:
        for c in self.components:
            if c.name == name:
                return c
        raise KeyError(name)

    def to_dict(self) -> dict:
        return {"format": FORMAT, "implementation": self.implementation, "suite_version": self.suite_version,
                "environment": self.environment, "oracles": self.oracles, "settings": self.settings,
                "components": [c.to_dict() for c in self.components], "advisories": list(self.advisories),
                "summary": self.summary, "elapsed_seconds": round(self.elapsed_seconds, 3),
                "sandbox": dict(self.sandbox), "nothing_judged": self.nothing_judged}

"""Judging a whole implementation: every registered component, every oracle, every case.

``Judge(runner, settings).run()`` returns a ``Report``. Per component:

1. not defined -> ``not_implemented`` (with a suggestion and the ``--alias``
   that maps it), or ``error`` when the module that should define it failed
   to import;
2. for each dtype and case (distinct sizes, unit sizes): the implementation
   runs once (in the runner's process) and its quantities are compared with
   every oracle that judges that dtype: live torch/Keras, their golden
   recordings, or float64 finite differences of its own forward;
3. the driver's findings (gradients rebound, inputs or params modified, a
   wrong return) and the contract rules (signatures, state names, fresh
   defaults) are checks of oracle ``contract``;
4. advisories (judging.md): float32 computation (then judged at float32
   precision), dtype not preserved, a backward that cannot be called twice,
   softmax for 2-D only, NumPy-1 aliases, module-level matplotlib, and a
   call or method the book never makes or has, left unsupported (not
   judged: ``reference.registry.book_optional``, ``contract.NOT_IN_BOOK``);
5. a component that fails gets diagnostics (``reference.diagnostics``) and,
   when it matches a documented alternative (``reference.judging.variants``), the
   status ``variant`` - if every entry of the component follows that
   alternative; a mix of conventions fails every entry (``variants.settle``).

Oracle faults (a missing adapter, a stale golden case) are never blamed on
the implementation: the check is ``skipped`` with the reason.
"""
from __future__ import annotations

import shlex
import time
from dataclasses import dataclass, field

import numpy as np

from reference.oracles import frameworks
from reference import registry
from reference.registry import transforms
from reference.registry.cases import DTYPES, TELLING_SIZES, UNIT_SIZES, Case, fixed_sizes
from reference.golden.cases import DEFAULT_SEED
from reference.sandbox.ops import case_to
from reference.judging.policies import BOOK_BEHAVIOURS, FALLBACKS, Fallback
from reference.registry.book_optional import UNSUPPORTED
from reference.registry.compare import float64_of
from reference.judging.records import (_is_float_array, _time_step, comparison_of, computes_in_float32, message_of,
                               per_step_errors)
from reference.registry.component import judges
from reference.report.model import CheckRecord, ComponentReport, Report
from reference.judging import unjudged
from reference.judging.sources import (  # noqa: F401 - re-exported: the CLI and tests import them from here
    ORACLE_CHOICES, Golden, Live, Numeric, Source, UsageError, describe_sources, select_sources)

SUITE_VERSION = "0.1.0"


# -- settings ---------------------------------------------------------------------------

@dataclass
class Settings:
    oracle: str = "auto"
    dtypes: tuple[str, ...] = DTYPES
    seed: int = DEFAULT_SEED
    sizes: dict[str, int] | None = None
    only: list[str] | None = None
    impl_label: str = "scratch_layers"       # as the user typed it, for repro lines
    aliases: dict[str, str] = field(default_factory=dict)
    fix: bool = False                        # search a verified edit of the student's source (--fix)

    def size_sets(self, component) -> list[tuple[str, dict]]:
        if self.sizes:
            base = fixed_sizes(component.sizes, TELLING_SIZES)
            sizes = {k: self.sizes.get(k, v) for k, v in base.items()}
            return [("custom", sizes)]
        return [("distinct", fixed_sizes(component.sizes, TELLING_SIZES)),
                ("unit", fixed_sizes(component.sizes, UNIT_SIZES))]

    def wanted(self, component) -> bool:
        return not self.only or component.name in self.only or component.id in self.only


def repro(settings: Settings, component, oracle: str, case: Case) -> str:
    cli_oracle = {"fd64": "numeric", "numeric": "numeric", "torch": "torch", "keras": "keras"}.get(
        oracle, "golden" if oracle.startswith("golden") else settings.oracle)
    sizes = " ".join(f"{k}={v}" for k, v in case.sizes.items())
    alias = "".join(f" --alias {shlex.quote(f'{k}={v}')}" for k, v in settings.aliases.items())
    return (f"python -m reference {shlex.quote(settings.impl_label)} --only {shlex.quote(component.id)} "
            f"--oracle {cli_oracle} --dtype {case.dtype} --seed {case.seed} --sizes {sizes}{alias}")


# -- the judge ------------------------------------------------------------------------------

@dataclass
class Evidence:
    """One run of one case, kept for diagnostics."""

    case: Case
    sample: object
    actual: dict | None = None
    reference: dict | None = None         # the first oracle's quantities
    oracle: str = ""                       # its base name
    oracle_label: str = ""                 # its name in the report (golden:torch)
    comparisons: dict = field(default_factory=dict)   # quantity -> Comparison (first oracle)
    records: dict = field(default_factory=dict)       # quantity -> CheckRecord (first oracle)
    exception: dict | None = None
    problems: list = field(default_factory=list)
    unsupported: dict = field(default_factory=dict)   # quantity -> why: a call the book never makes, unsupported
    tolerance_dtype: str = ""


class Judge:
    def __init__(self, runner, settings: Settings | None = None, progress=None):
        self.runner = runner
        self.settings = settings or Settings()
        self.sources = select_sources(self.settings.oracle)
        self.progress = progress
        self.components = [c for c in registry.COMPONENTS if self.settings.wanted(c)]
        if self.settings.only and not self.components:
            known = ", ".join(c.id for c in registry.COMPONENTS)
            raise UsageError(f"--only {' '.join(self.settings.only)}: no such component; known: {known}")
        self._done = 0
        self._verdicts: dict[str, str] = {}      # component id -> status, for cross-component diagnosis
        self._conventions: dict[str, str | None] = {}   # component id -> the convention it follows (variants)
        self._unsettled: dict[str, ComponentReport] = {}  # siblings judged early, for _settle_convention
        self._repairs: dict = {}                 # family -> the edits that fixed it (tried first on its variants)
        self._total = sum(len(self.settings.size_sets(c)) * len(self.settings.dtypes) for c in self.components)

    # -- helpers -------------------------------------------------------------------------------
    def _tick(self, label: str) -> None:
        self._done += 1
        if self.progress:
            self.progress(self._done, self._total, label)

    def _record(self, component, case, size_label, **kw) -> CheckRecord:
        quantity, oracle = kw["quantity"], kw["oracle"]
        rid = f"{component.id}/{quantity}/{oracle}/{case.dtype}/{size_label}"
        return CheckRecord(id=rid, case=case_to(case), **kw)

    def _exception_record(self, component, case, size_label, exc: dict) -> CheckRecord:
        phase = exc.get("phase") or "run"
        where = exc.get("where") or ""
        message = f"{exc.get('type')}: {exc.get('message')}" + (f" [{where}]" if where else "")
        rec = self._record(component, case, size_label, oracle="implementation", quantity=phase,
                           status="error", message=message)
        rec.repro = repro(self.settings, component, self.settings.oracle, case)
        rec.where = {"location": where} if where else None
        return rec

    # -- one component -----------------------------------------------------------------------
    def judge(self, component) -> ComponentReport:
        started = time.perf_counter()
        earlier = component.id in self._unsettled   # judged already, as a sibling of a component with variants
        if earlier:
            report = self._unsettled.pop(component.id)
            for _ in range(len(self.settings.size_sets(component)) * len(self.settings.dtypes)):
                self._tick(component.id)
        else:
            report = self._judge(component)
        self._settle_convention(component, report)
        self._verdicts[component.id] = report.status
        report.seconds = (report.seconds if earlier else 0.0) + time.perf_counter() - started
        return report

    def _settle_convention(self, component, report) -> None:
        """A variant holds for the whole component (every entry), or it is a mix: ``variants.settle``."""
        from reference.judging import variants

        family = [c for c in registry.COMPONENTS if c.name == component.name]
        if len(family) < 2 or not variants.has_alternatives(family):
            return
        for sibling in family:
            if sibling.id not in self._conventions:
                quiet = Judge.__new__(Judge)
                quiet.__dict__.update(self.__dict__)
                quiet.progress = None
                self._unsettled[sibling.id] = quiet._judge(sibling)
        variants.settle(component, report, family, self._conventions)

    def _judge(self, component) -> ComponentReport:
        started = time.perf_counter()
        info = self.runner.info["components"].get(component.id, {})
        report = ComponentReport(component.id, module=info.get("module"))
        if not info.get("found"):
            for _ in range(len(self.settings.size_sets(component)) * len(self.settings.dtypes)):
                self._tick(component.id)
            if info.get("error"):
                report.status = "error"
                report.checks.append(CheckRecord(id=f"{component.id}/import", oracle="implementation",
                                                 quantity="import", status="error", message=info["error"],
                                                 hint="fix the import error; the other modules were judged"))
            else:
                report.status = "not_implemented"
                if info.get("suggest"):
                    other = info["suggest"][0]
                    report.suggestion = (f"did you mean {other}? --alias {component.name}={other}")
            report.seconds = time.perf_counter() - started
            return report
        if info.get("integrity"):        # taken from scratch_layers, reference or a framework (sandbox.integrity)
            for _ in range(len(self.settings.size_sets(component)) * len(self.settings.dtypes)):
                self._tick(component.id)
            from reference.sandbox.integrity import HINT

            report.status = "error"
            report.checks.append(CheckRecord(id=f"{component.id}/integrity", oracle="implementation",
                                             quantity="integrity", status="error", message=info["integrity"],
                                             hint=HINT))
            report.seconds = time.perf_counter() - started
            return report
        evidence: list[Evidence] = []
        aborted = False
        dtypes = sorted(self.settings.dtypes, key=lambda d: DTYPES.index(d))
        for dtype in dtypes:
            for size_label, sizes in self.settings.size_sets(component):
                case = Case(dtype, sizes, self.settings.seed)
                if aborted:
                    self._tick(component.id)
                    continue
                ev = self._judge_case(component, case, size_label, report)
                evidence.append(ev)
                if ev.exception and ev.exception.get("type") in ("Crash", "Timeout"):
                    aborted = True
                self._tick(component.id)
        self._contract(component, report)
        from reference import diagnostics
        from reference.judging import variants

        if component.name in FALLBACKS and any(r.status == "fail" for r in report.checks) and \
                not any(r.status == "error" for r in report.checks):
            self._fallback(component, FALLBACKS[component.name], evidence, report)
        book = BOOK_BEHAVIOURS.get(component.id)
        if book and any(r.status == "fail" for r in report.checks) and \
                not any(r.status == "error" for r in report.checks) and all(book.matches(ev) for ev in evidence):
            for rec in report.checks:
                if rec.status == "fail":
                    rec.status, rec.repro, rec.series = "skipped", None, None
                    rec.message = f"book behaviour (advisory); {rec.message}"
            report.advisories = [a for a in report.advisories if not a.startswith("warns while running")]
            report.advisories.append(book.advisory)
        alt = None
        if any(r.status in ("fail", "error") for r in report.checks):
            report.diagnosis.extend(diagnostics.diagnose(component, evidence, self.runner, report.checks))
            alt = variants.match(component, evidence)
            if alt and not any(r.status == "error" for r in report.checks):
                report.status = "variant"
                report.diagnosis.insert(0, f"variant: {alt.description}")
        if report.status != "variant":
            statuses = {r.status for r in report.checks}
            report.status = "error" if "error" in statuses else "fail" if "fail" in statuses else "pass"
            judged = any(r.status in ("pass", "fail") and r.oracle not in ("contract", "implementation")
                         for r in report.checks)
            if report.status == "pass" and not judged:
                report.status = "skipped"      # no selected oracle could judge any case: say so
        self._conventions[component.id] = variants.convention(report.status, alt)
        if report.status in ("fail", "error"):
            from reference.diagnostics import matcher

            report.cause = matcher.match(component, evidence)   # the catalogued mistake that reproduces it
            if report.cause:
                report.diagnosis.insert(0, matcher.line(report.cause))
            line = self._isolation(component)
            if line:
                report.diagnosis.append(line)
        if self.settings.fix and report.status in ("fail", "error") and self.settings.wanted(component):
            from reference.diagnostics import repair

            report.fix = repair.search(component, evidence, self.runner, memo=self._repairs,
                                       expected=lambda ev: self._reference(component, ev), owner=report)
        report.advisories = list(dict.fromkeys(report.advisories))
        report.seconds = time.perf_counter() - started
        return report

    def _reference(self, component, ev):
        """``(oracle, label, quantities)`` of the first framework oracle for ``ev``'s case, or None: the repair
        search's reference for a case where the implementation raised (none was computed then)."""
        for source in self.sources:
            if source.base == "fd64" or source.base not in component.oracles or not judges(source.base, ev.case.dtype):
                continue
            expected = source.expected(component, ev.case, ev.sample, self.runner)
            if expected and "exception" not in expected:
                wanted = component.quantities_for(source.base, ev.case.dtype)
                return source.base, source.name, {q: expected[q] for q in wanted if q in expected}
        return None

    def _fallback(self, component, fallback: Fallback, evidence, report) -> None:
        added = []
        for ev in evidence:
            if ev.reference is None:
                return
            response = self.runner.call("run", component_id=component.id, case=case_to(ev.case),
                                        transform=fallback.transform, twice=False)
            if "exception" in response:
                return
            sample = transforms.apply(ev.sample, fallback.transform)
            size_label = next((lbl for lbl, sz in self.settings.size_sets(component) if sz == ev.case.sizes), "custom")
            for q in ev.comparisons:
                source = Source(ev.oracle_label, ev.oracle)
                rec, c = self._compare(component, ev.case, size_label, source, q, response["quantities"].get(q),
                                       fallback.expected(ev.reference[q]), ev.tolerance_dtype, sample)
                if not c.ok:
                    return
                rec.quantity, rec.id = f"{q} (as 2-D rows)", rec.id.replace(f"/{q}/", f"/{q} (as 2-D rows)/")
                added.append(rec)
        for rec in report.checks:
            if rec.status == "fail" and rec.oracle not in ("contract", "implementation"):
                rec.status, rec.repro, rec.series = "skipped", None, None
                rec.message = f"{fallback.advisory.split(':')[0]} (advisory); {rec.message}"
        report.checks.extend(added)
        report.advisories.append(fallback.advisory)

    def _isolation(self, component) -> str | None:
        """Cell or wrapper at fault, from the isolation entries (judged now if not selected)."""
        from reference.diagnostics import cells

        wrapper, cell = cells.siblings(component)
        if wrapper is None or cell is None:
            return None
        statuses = []
        for entry in (wrapper, cell):
            if entry.id not in self._verdicts:
                quiet = Judge.__new__(Judge)
                quiet.__dict__.update(self.__dict__)
                quiet.progress, quiet._verdicts = None, self._verdicts
                self._verdicts[entry.id] = quiet.judge(entry).status
            status = self._verdicts[entry.id]
            statuses.append(status if status in ("pass", "variant", "fail", "error") else None)
        return cells.sentence(component, *statuses)

    def _judge_case(self, component, case, size_label, report) -> Evidence:
        sample = component.sample(case)
        ev = Evidence(case, sample)
        pending = self.runner.submit("run", component_id=component.id, case=case_to(case))
        live = {}       # the frameworks compute while the implementation runs
        for source in self.sources:
            if isinstance(source, Live) and source.base in component.oracles and judges(source.base, case.dtype):
                live[source.name] = source.expected(component, case, sample, self.runner)
        response = pending()
        if "exception" in response:
            ev.exception = response["exception"]
            report.checks.append(self._exception_record(component, case, size_label, response["exception"]))
            return ev
        actual = response["quantities"]
        unsupported = actual.pop(UNSUPPORTED, None) or {}     # calls the book never makes (book_optional)
        ev.actual, ev.problems, ev.unsupported = actual, response.get("problems", []), unsupported
        self._book_optional(component, case, size_label, unsupported, report)
        for warning in response.get("warnings", [])[:1]:
            if not any(a.startswith("warns while running") for a in report.advisories):
                report.advisories.append(f"warns while running: {warning}")
        tol_dtype = case.dtype
        if case.dtype == "float64":
            low = computes_in_float32(actual)
            if low:
                tol_dtype = "float32"
                report.advisories.append(
                    f"computes in float32 for float64 input ({', '.join(low)} returned as float32): "
                    f"judged at float32 precision")
        elif component.kind != "custom":   # a custom driver may convert what it reads
            high = [q for q, v in actual.items() if _is_float_array(v) and v.ndim > 0 and v.dtype.itemsize > 4]
            if high:
                report.advisories.append(f"dtype not preserved: float32 input, float64 output ({', '.join(high)})")
        ev.tolerance_dtype = tol_dtype
        for source in self.sources:
            if source.base not in component.oracles or not judges(source.base, case.dtype):
                continue
            if source.base == "fd64" and tol_dtype != case.dtype:   # judging.md: only around a float64 forward
                report.checks.append(self._record(
                    component, case, size_label, oracle=source.name, quantity="*", status="skipped",
                    message="finite differences not used: the implementation computes in float32 (they need a "
                            "float64 forward); the frameworks or their golden cases judge it"))
                continue
            expected = live[source.name] if source.name in live else source.expected(component, case, sample,
                                                                                      self.runner)
            if expected is None:
                report.checks.append(self._record(component, case, size_label, oracle=source.name,
                                                  quantity="*", status="skipped", message=source.reason))
                continue
            if "exception" in expected:
                ev.exception = expected["exception"]
                report.checks.append(self._exception_record(component, case, size_label, expected["exception"]))
                continue
            first = not ev.comparisons
            for q in component.quantities_for(source.base, case.dtype):
                if q not in expected or q in unsupported:
                    continue
                rec, comparison = self._compare(component, case, size_label, source, q, actual.get(q),
                                                expected[q], tol_dtype, sample, float64_of(expected, q))
                report.checks.append(rec)
                if first:
                    ev.comparisons[q], ev.records[q] = comparison, rec
            if first and ev.comparisons:
                ev.reference, ev.oracle, ev.oracle_label = expected, source.base, source.name
        if not any(s.base in component.oracles and judges(s.base, case.dtype) for s in self.sources):
            report.checks.append(self._record(
                component, case, size_label, oracle=self.settings.oracle, quantity="*", status="skipped",
                message=f"no selected oracle judges {component.id} in {case.dtype} (its oracles: "
                        f"{', '.join(component.oracles)}); choose --oracle auto"))
        self._fallback_precision(component, ev, report)
        self._driver_findings(component, case, size_label, ev, response, report)
        return ev

    def _book_optional(self, component, case, size_label, unsupported: dict, report) -> None:
        """Quantities of a call the book never makes, which the implementation does not support: not judged,
        an advisory (judging.md: "judged only where the implementation supports it")."""
        for q, why in unsupported.items():
            report.checks.append(self._record(component, case, size_label, oracle="implementation", quantity=q,
                                              status="skipped", message=f"book behaviour (advisory): {why['call']} "
                                                                        f"raised {why['raised']}"))
            report.advisories.append(f"not judged, a book behaviour: {why['call']} is not supported (it raised "
                                     f"{why['raised'].split(':')[0]})")

    def _compare(self, component, case, size_label, source, q, actual, expected, tol_dtype, sample,
                 expected64=None):
        tolerance = component.tolerance(q, tol_dtype, source.base)
        c = comparison_of(actual, expected, tolerance, q, sample.steps, expected64)
        step = _time_step(sample, np.shape(expected), c.where) if not c.problem else None
        rec = self._record(component, case, size_label, oracle=source.name, quantity=q,
                           status="pass" if c.ok else "fail",
                           max_abs_error=None if c.problem else c.max_abs_error,
                           max_rel_error=None if c.problem else c.max_rel_error,
                           tolerance=None if c.problem else c.allowed, message=message_of(c, step))
        if c.where is not None and not c.problem:
            rec.where = {"index": list(c.where), **({"step": step} if step is not None else {})}
        if not c.ok:
            rec.repro = repro(self.settings, component, source.name, case)
            if q in component.hints:
                rec.hint = component.hints[q]
            T = sample.case.sizes.get("T")
            if transforms.has_time_axis(np.shape(expected), sample.case.sizes) and not c.problem:
                errors = per_step_errors(actual, expected, T)
                if errors is not None:
                    rec.series = {"label": f"max |error| of {q} per time step", "x": list(range(T)),
                                  "y": errors, "allowed": c.allowed}
        return rec, c

    def _fallback_precision(self, component, ev, report) -> None:
        """float64 results only as accurate as float32 (float32 intermediates): the float32 budget.

        judging.md: "if float64 inputs come back as float32 (or intermediate
        float32 buffers limit the accuracy), compare with the float32 budget and
        add the advisory". A float64 case whose failing quantities all fit the
        float32 budget passes with that advisory, which names the quantities;
        anything larger still fails. (scratch_layers itself must have no
        advisory, so it cannot hide float32 intermediates this way.)
        """
        if ev.case.dtype != "float64" or ev.tolerance_dtype != "float64" or not ev.comparisons:
            return
        failing = [q for q, c in ev.comparisons.items() if not c.ok]
        if not failing or any(ev.comparisons[q].problem for q in failing):
            return
        for q in failing:
            loose = component.tolerance(q, "float32", ev.oracle).allowed(
                np.asarray(ev.reference[q], dtype=np.float64), ev.sample.steps)
            if ev.comparisons[q].max_abs_error > loose:
                return
        report.advisories.append(f"float64 results are only as accurate as float32 ({', '.join(failing)}: "
                                 f"float32 intermediates, like the book's float32 buffers?): judged at float32 "
                                 f"precision")
        for rec in report.checks:
            if rec.case == case_to(ev.case) and rec.quantity in failing and rec.status == "fail":
                tol = component.tolerance(rec.quantity, "float32", rec.oracle.split(":")[-1].replace(
                    "numeric", "fd64"))
                allowed = tol.allowed(np.asarray(ev.reference[rec.quantity], dtype=np.float64), ev.sample.steps)
                if rec.max_abs_error is not None and rec.max_abs_error <= allowed:
                    rec.status, rec.tolerance, rec.repro, rec.series = "pass", allowed, None, None
                    rec.message = f"ok at float32 precision: greatest abs diff {rec.max_abs_error:.2e} <= {allowed:.2e}"
                    rec.hint = ""

    def _driver_findings(self, component, case, size_label, ev, response, report) -> None:
        for problem in ev.problems:
            if "rebound" in problem:
                quantity = problem.split(" (", 1)[0] + " written in place"
                hint = "write gradients in place (self.grads[i][...] = value): optimizers hold the old arrays"
            elif "modified in place" in problem:
                quantity = ("params unchanged" if problem.startswith("param") else "inputs unchanged")
                hint = ("forward and backward must not modify the caller's arrays: compute x = x - x.max(...) "
                        "instead of x -= ...; only an optimizer updates params")
            else:
                quantity, hint = "return value", "backward returns one gradient per differentiable input, in order"
            rec = self._record(component, case, size_label, oracle="contract", quantity=quantity, status="fail",
                               message=problem, hint=hint)
            rec.repro = repro(self.settings, component, self.settings.oracle, case)
            report.checks.append(rec)
        second = response.get("second")
        if second and ev.actual:
            differ = []
            for q, v in second.items():
                a = ev.actual.get(q)
                try:
                    if not np.array_equal(np.asarray(a), np.asarray(v), equal_nan=True):
                        differ.append(q)
                except (TypeError, ValueError):
                    differ.append(q)
            if differ:
                report.advisories.append(
                    f"backward cannot be called twice: a second backward(dout) gives different {', '.join(differ)} "
                    f"(it overwrites its cache, like the book's TimeSoftmaxWithLoss)")

    def _contract(self, component, report) -> None:
        response = self.runner.call("contract", component_id=component.id)
        if "exception" in response:
            return
        for item in response["checks"]:
            if item.get("book_optional"):       # a method the book's class does not have, absent: an advisory
                report.advisories.append(f"not judged, a book behaviour: {item['message'].split(': not judged')[0]}")
            report.checks.append(CheckRecord(
                id=f"{component.id}/{item['quantity']}/contract", oracle="contract", quantity=item["quantity"],
                status="skipped" if item.get("book_optional") else "pass" if item["ok"] else "fail",
                message=item["message"], hint=item["hint"],
                repro=None if item["ok"] else (f"python -m reference {shlex.quote(self.settings.impl_label)} "
                                               f"--only {shlex.quote(component.id)}")))

    # -- everything ------------------------------------------------------------------------------
    def run(self) -> Report:
        started = time.perf_counter()
        info = self.runner.info
        report = Report(
            implementation={"name": info.get("name"), "form": info.get("form"), "path": info.get("path"),
                            "spec": self.settings.impl_label, "load_errors": info.get("load_errors", {}),
                            "files": info.get("files", []), "ignored_files": info.get("ignored_files", [])},
            suite_version=SUITE_VERSION, environment=frameworks.versions(),
            oracles=describe_sources(self.sources),
            settings={"oracle": self.settings.oracle, "dtypes": list(self.settings.dtypes),
                      "seed": self.settings.seed, "sizes": self.settings.sizes, "only": self.settings.only,
                      "aliases": self.settings.aliases, "fix": self.settings.fix})
        for component in self.components:
            report.components.append(self.judge(component))
        report.advisories.extend(info.get("advisories", []))
        for module, error in info.get("load_errors", {}).items():
            report.advisories.append(f"{module} failed to load: {error}")
        late = self.runner.call("advisories")
        report.advisories.extend(late.get("advisories", []) if "exception" not in late else [])
        grouped: dict[str, list[str]] = {}
        for c in report.components:
            for a in c.advisories:
                grouped.setdefault(a, []).append(c.name)
        report.advisories.extend(f"{', '.join(names)}: {a}" for a, names in grouped.items())
        report.advisories = list(dict.fromkeys(report.advisories))
        report.nothing_judged = unjudged.reason(report, info)      # exit status 2 (judging.md)
        report.elapsed_seconds = time.perf_counter() - started
        return report

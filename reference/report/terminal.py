"""The report as text for a terminal: a table of components, then what failed and why.

Failing checks are grouped by quantity (the same wrong ``dWh`` fails for
every oracle, dtype and case): the first failure is shown in full with its
hint and repro line, the others are counted. Colours only with
``color=True``; ``Progress`` draws a bar on stderr while checks run.
"""
from __future__ import annotations

import sys
from collections import OrderedDict

from reference.report.model import Report

COLORS = {"pass": "32", "fail": "31", "error": "31;1", "not_implemented": "2", "variant": "33",
          "skipped": "2", "head": "1", "dim": "2"}
LABELS = {"pass": "pass", "fail": "FAIL", "error": "ERROR", "not_implemented": "not implemented",
          "variant": "variant", "skipped": "not judged"}


def paint(text: str, what: str, color: bool) -> str:
    return f"\033[{COLORS[what]}m{text}\033[0m" if color and what in COLORS else text


def _case_text(case: dict | None) -> str:
    if not case:
        return ""
    sizes = " ".join(f"{k}={v}" for k, v in case["sizes"].items())
    return f"{case['dtype']} {sizes}"


def grouped_failures(component) -> "OrderedDict[str, list]":
    groups: OrderedDict[str, list] = OrderedDict()
    for rec in component.failed():
        groups.setdefault(f"{rec.quantity}|{rec.oracle if rec.oracle in ('contract', 'implementation') else ''}",
                          []).append(rec)
    return groups


def header_lines(report: Report) -> list[str]:
    impl = report.implementation
    oracles = ", ".join(f"{o['name']}" + (f" ({o['framework']} {o['version']})" if o.get("version") else "")
                        for o in report.oracles)
    s = report.settings
    return [f"scratch-conformance {report.suite_version}: {impl.get('spec') or impl.get('name')} ({impl.get('form')})",
            f"oracles: {oracles}",
            f"dtypes: {', '.join(s['dtypes'])}   seed: {s['seed']}"
            + (f"   sizes: {s['sizes']}" if s.get("sizes") else "")]


def render(report: Report, color: bool = False) -> str:
    out = header_lines(report)
    out.append("")
    width = max([len(c.name) for c in report.components] + [9])
    out.append(paint(f"  {'component':{width}}  {'status':16} checks", "head", color))
    for c in report.components:
        judged = [k for k in c.checks if k.status != "skipped"]
        passed = sum(k.status == "pass" for k in judged)
        label = LABELS[c.status]
        counts = f"{passed}/{len(judged)}" if judged else ""
        note = f"  {c.suggestion}" if c.suggestion else ""
        if c.status == "skipped":
            reason = next((k.message for k in c.checks if k.status == "skipped"), "")
            note = f"  {reason[:110]}"
        if c.advisories and c.status in ("pass", "variant"):
            note += f"  ({len(c.advisories)} advisor{'y' if len(c.advisories) == 1 else 'ies'})"
        out.append(f"  {c.name:{width}}  {paint(f'{label:16}', c.status, color)} {counts:8}{note}")
    detailed: set[str] = set()
    for c in report.components:
        if c.status in ("fail", "error", "variant"):
            out.append("")
            base = c.name.split("[", 1)[0]
            if base in detailed:       # another variant of a class already shown in full: one paragraph
                out += compact_lines(c, color)
            else:
                detailed.add(base)
                out += component_lines(c, color)
    if report.advisories:
        out.append("")
        out.append(paint("advisories (they do not fail a component):", "head", color))
        out += [f"  - {a}" for a in report.advisories]
    s = report.summary
    out.append("")
    out.append(f"{s['pass']} pass, {s['fail']} fail, {s['error']} error, {s['variant']} variant, "
               f"{s['not_implemented']} not implemented" + (f", {s['skipped']} not judged" if s['skipped'] else "")
               + f" ({s['components']} components, "
               f"{sum(s['checks'].values())} checks) in {report.elapsed_seconds:.1f} s")
    return "\n".join(out) + "\n"


def component_lines(c, color: bool = False) -> list[str]:
    """What failed in one component, why, and how to rerun it."""
    out = [paint(f"{c.name}: {LABELS[c.status]}", c.status, color) + (f"  (defined in {c.module})" if c.module else "")]
    for line in c.diagnosis:
        out.append(f"  diagnosis: {line}")
    for recs in grouped_failures(c).values():
        first = recs[0]
        tag = f"vs {first.oracle}" if first.oracle not in ("contract", "implementation") else f"[{first.oracle}]"
        out.append(f"  {paint('x', first.status, color)} {first.quantity} {tag}  {_case_text(first.case)}")
        out.append(f"      {first.message}")
        for hint in first.hint.splitlines():
            if not any(hint in d for d in c.diagnosis):     # already said once, above
                out.append(f"      hint: {hint}")
        if first.repro:
            out.append(f"      repro: {first.repro}")
        if len(recs) > 1:
            others = sorted({f"{r.oracle} {r.case['dtype']}" if r.case else r.oracle for r in recs[1:]})
            out.append(paint(f"      (and {len(recs) - 1} more: {', '.join(others)})", "dim", color))
    for a in c.advisories:
        out.append(f"  advisory: {a}")
    return out


def compact_lines(c, color: bool = False) -> list[str]:
    """A variant of a class whose failures were shown in full just before: what differs, in brief."""
    quantities = list(dict.fromkeys(r.quantity for r in c.failed()))
    out = [paint(f"{c.name}: {LABELS[c.status]}", c.status, color) + f"  ({', '.join(quantities)})"]
    out += [f"  diagnosis: {line}" for line in c.diagnosis if not line.startswith(("isolation", "gate layout"))][:2]
    rerun = next((r.repro for r in c.failed() if r.repro), None)
    if rerun:
        out.append(f"  details: {rerun.split(' --oracle')[0]}")
    return out


class Progress:
    """A one-line progress bar on a terminal stream (nothing when it is not a terminal)."""

    def __init__(self, stream=None, enabled: bool | None = None, width: int = 28):
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.width = width

    def __call__(self, done: int, total: int, label: str) -> None:
        if not self.enabled or total <= 0:
            return
        filled = int(self.width * done / total)
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\r[{bar}] {done}/{total} {label[:30]:30}")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\r" + " " * (self.width + 50) + "\r")
            self.stream.flush()

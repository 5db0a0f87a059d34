"""The report as text for a terminal: a table of components, then what failed and why, cause first.

The table folds a component's variants (``TimeLSTM[set_state]``, ...) under
it (conforming ones counted on its row) and puts the components the
implementation does not define on one line (all listed with ``verbose``).
Each failing component then leads with its cause (``ComponentReport.cause``)
and, when the run searched for one (``--fix``), the verified edit of the
student's source, before the evidence. Failing checks are grouped by quantity (the same wrong ``dWh`` fails for
every oracle, dtype and case): the first failure is shown in full with its
hint and repro line, the others are counted. Colours only with
``color=True``; ``Progress`` draws a bar on stderr while checks run.
"""
from __future__ import annotations

import sys
from collections import OrderedDict
from dataclasses import dataclass, field

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
            + (f"   sizes: {s['sizes']}" if s.get("sizes") else "")] + ([sandbox_line(report)] if report.sandbox else []) \
        + [line for line in (loaded_line(report), unjudged_line(report)) if line]


def loaded_line(report: Report, shown: int = 3) -> str | None:
    """``loaded: common/layers.py, common/time_layers.py (+3)``: the files the implementation was loaded from."""
    files = report.implementation.get("files") or []
    if not files:
        return None
    return "loaded: " + ", ".join(files[:shown]) + (f" (+{len(files) - shown})" if len(files) > shown else "")


def unjudged_line(report: Report) -> str | None:
    """The reason a run judged nothing (exit status 2), or None."""
    return report.nothing_judged or None


def sandbox_line(report: Report) -> str:
    """``sandbox: bubblewrap, no network, ...`` or ``sandbox: off (...)``: what contained the code under test."""
    box = report.sandbox or {}
    if not box:
        return ""
    if box.get("mode") == "off":
        return f"sandbox: off ({box.get('note') or 'the code ran with your permissions'})"
    line = "sandbox: " + ", ".join(box.get("protections", []))
    if box.get("note"):
        line += f" ({box['note']})"
    if box.get("missing"):
        line += "; not in force: " + ", ".join(box["missing"])
    return line


@dataclass
class Family:
    """A book component and its variants (``TimeLSTM``, ``TimeLSTM[set_state]``, ...), in report order."""

    name: str
    members: list = field(default_factory=list)

    @property
    def head(self):
        """The plain entry when judged, else the first variant."""
        return next((c for c in self.members if c.name == self.name), self.members[0])

    @property
    def variants(self) -> list:
        return [c for c in self.members if c is not self.head]


def families(report: Report) -> list[Family]:
    """The components grouped by ``ComponentReport.family``, in the order they were judged."""
    out: "OrderedDict[str, Family]" = OrderedDict()
    for c in report.components:
        out.setdefault(c.family, Family(c.family)).members.append(c)
    return list(out.values())


def variant_label(c) -> str:
    """``[set_state]`` for ``TimeLSTM[set_state]``."""
    return c.name[len(c.family):] or c.name


def not_implemented(report: Report) -> list[str]:
    """The book components the implementation does not define at all (no suggestion to show)."""
    return [f.name for f in families(report)
            if all(c.status == "not_implemented" and not c.suggestion for c in f.members)]


def missing_line(report: Report, verbose: bool, shown: int = 8) -> str | None:
    """``49 not implemented: Affine, Sigmoid, ... (-v lists them all)``."""
    names = not_implemented(report)
    if not names:
        return None
    listed = names if verbose or len(names) <= shown else names[:shown] + ["..."]
    more = "" if verbose or len(names) <= shown else " (-v lists them all)"
    return f"{len(names)} not implemented: {', '.join(listed)}{more}"


def fix_lines(fix: dict, root: str | None = None) -> list[str]:
    """The verified edit: where, the old and the new line(s), and what it was verified on."""
    out = []
    for change in fix.get("changes") or [fix]:
        where = f"{_short_path(change['file'], root)}:{change['line']}"
        func = change.get("function") or fix.get("function")
        out.append(f"fix: {where}" + (f" in {func}" if func else ""))
        out += [f"    - {line}" for line in change["old"].splitlines()]
        out += [f"    + {line}" for line in change["new"].splitlines()]
    if fix.get("verified_on"):
        out.append(f"    {verified_text(fix)}")
    return out


def verified_text(fix: dict) -> str:
    """``verified: with this edit every check passes (4 cases: golden:torch, float32 and float64)``."""
    verified = fix.get("verified_on") or []
    oracles = sorted({v.split(" ")[0] for v in verified})
    dtypes = sorted({v.split(" ")[1] for v in verified if " " in v})
    return (f"verified: with this edit every check of the component passes ({len(verified)} cases: "
            f"{', '.join(oracles)}, {' and '.join(dtypes)})")


def _short_path(path: str, root: str | None) -> str:
    import os

    if root:
        base = root if os.path.isdir(root) else os.path.dirname(root)
        rel = os.path.relpath(path, base) if os.path.isabs(path) and os.path.isabs(base) else None
        if rel and not rel.startswith(".."):
            return rel
    return os.path.basename(path)


def cause_text(cause: dict) -> str:
    """The cause in one line, with how sure the judge is when not sure."""
    confidence = cause.get("confidence")
    how = f" ({confidence} confidence)" if confidence and confidence != "high" else ""
    return f"{cause['sentence']}{how}"


def render(report: Report, color: bool = False, verbose: bool = False) -> str:
    """The report, cause first: the table (variants folded, absent components on one line), then per
    failing component its cause, its fix when one was asked for, then the evidence."""
    out = header_lines(report)
    out.append("")
    groups = families(report)
    absent = set(not_implemented(report))
    shown = [f for f in groups if f.name not in absent]
    width = max([len(f.head.name) for f in shown] + [len(variant_label(v)) + 2 for f in shown for v in f.variants]
                + [9])
    out.append(paint(f"  {'component':{width}}  {'status':16} checks", "head", color))
    for f in shown:
        out.append(_row(f.head, f.head.name, width, color) + _conforming_variants(f))
        for v in f.variants:
            if v.status not in ("pass", "variant", "skipped") or v.status != f.head.status:
                out.append(_row(v, "  " + variant_label(v), width, color))
    line = missing_line(report, verbose)
    if line:
        out.append(paint(f"  {line}", "dim", color))
    searched = bool(report.settings.get("fix"))
    root = report.implementation.get("path")
    for f in groups:
        failing = [c for c in f.members if c.status in ("fail", "error", "variant")]
        for k, c in enumerate(failing):
            out.append("")
            if k == 0:
                out += component_lines(c, color, fix=searched, root=root)
            else:
                out += compact_lines(c, color, first=failing[0])
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
    if not searched and any(c.status in ("fail", "error") for c in report.components):
        out.append(paint("stuck? --fix searches your code for a verified one-line fix", "dim", color))
    return "\n".join(out) + "\n"


def _row(c, label: str, width: int, color: bool) -> str:
    judged = [k for k in c.checks if k.status != "skipped"]
    passed = sum(k.status == "pass" for k in judged)
    counts = f"{passed}/{len(judged)}" if judged else ""
    note = f"  {c.suggestion}" if c.suggestion else ""
    if c.status == "skipped":
        reason = next((k.message for k in c.checks if k.status == "skipped"), "")
        note = f"  {reason[:110]}"
    if c.advisories and c.status in ("pass", "variant"):
        note += f"  ({len(c.advisories)} advisor{'y' if len(c.advisories) == 1 else 'ies'})"
    return f"  {label:{width}}  {paint(f'{LABELS[c.status]:16}', c.status, color)} {counts:8}{note}"


def _conforming_variants(f: Family) -> str:
    same = [v for v in f.variants if v.status == f.head.status and v.status in ("pass", "variant", "skipped")]
    if not same:
        return ""
    return f"  + {len(same)} variant{'s' if len(same) > 1 else ''} {LABELS[f.head.status]}"


def component_lines(c, color: bool = False, fix: bool = False, root: str | None = None) -> list[str]:
    """What failed in one component: the cause first, the fix when asked for (``fix``), then the evidence
    (diagnosis, each failing quantity with its hint and repro line)."""
    out = [paint(f"{c.name}: {LABELS[c.status]}", c.status, color) + (f"  (defined in {c.module})" if c.module else "")]
    if c.cause:
        out.append(paint(f"  cause: {cause_text(c.cause)}", "head", color))
    if c.fix:
        out += [f"  {line}" for line in fix_lines(c.fix, root)]
    elif fix and c.status in ("fail", "error"):
        out.append(paint("  fix: no verified one- or two-edit fix found in your source", "dim", color))
    if c.cause or c.fix:
        out.append(paint("  evidence:", "dim", color))
    for line in c.diagnosis:
        if c.cause and line.startswith("cause ["):
            continue             # stated above
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


def compact_lines(c, color: bool = False, first=None) -> list[str]:
    """A variant of a class whose failures were shown in full just before (``first``): what differs, in brief."""
    quantities = list(dict.fromkeys(r.quantity for r in c.failed()))
    out = [paint(f"{c.name}: {LABELS[c.status]}", c.status, color) + f"  ({', '.join(quantities)})"]
    if c.cause and first is not None and first.cause and first.cause.get("id") == c.cause.get("id"):
        out.append(f"  cause: the same as {first.name}'s")
    else:
        if c.cause:
            out.append(f"  cause: {cause_text(c.cause)}")
        out += [f"  diagnosis: {line}" for line in c.diagnosis
                if not line.startswith(("isolation", "gate layout", "cause ["))][:2]
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

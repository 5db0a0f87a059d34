"""The report as one self-contained HTML page (inline CSS, inline SVG plots, no network).

Top: implementation, oracles, counts, advisories; then a table of every
component; then, for each component that does not conform, its diagnosis
and each failing quantity with message, hint, copy-paste repro line and,
for a quantity with a time axis, a plot of the error per time step against
the allowed value. Every component's full list of checks is folded away
under "all checks".
"""
from __future__ import annotations

import html as _html
import math
from pathlib import Path

from reference.report.model import Report
from reference.report.terminal import (LABELS, cause_text, families, grouped_failures, missing_line, not_implemented,
                                       sandbox_line, variant_label, verified_text, _short_path)

from reference.report.terminal import loaded_line, unjudged_line

WORDS = {**LABELS, "fail": "fail", "error": "error"}

COPY = ("navigator.clipboard.writeText(this.previousElementSibling.textContent);this.textContent='copied'")


def _scoped(css: str, root: str = ".sc") -> str:
    """Every rule of ``css`` prefixed with ``root`` (``:root`` and ``body`` become ``root``), so the page
    can be embedded in a notebook without restyling it."""
    out = []
    for block in css.split("}"):
        if "{" not in block:
            continue
        selectors, rules = block.split("{", 1)
        scoped = []
        for sel in selectors.split(","):
            sel = sel.strip()
            if sel in (":root", "body"):
                scoped.append(root)
            elif sel == "*":
                scoped.append(f"{root}, {root} *")
            else:
                scoped.append(f"{root} {sel}")
        out.append(f"{', '.join(scoped)} {{{rules}}}")
    return "\n".join(out)


CSS = _scoped((Path(__file__).with_name("style.css")).read_text(encoding="utf-8"))


def e(text) -> str:
    return _html.escape("" if text is None else str(text))


SHOWN_FAILURES = 3     # failing quantities shown per component; the rest are folded


def _num(x) -> str:
    return "" if x is None else f"{x:.2e}"


def _case(case: dict | None) -> str:
    if not case:
        return ""
    return f"{case['dtype']} " + " ".join(f"{k}={v}" for k, v in case["sizes"].items())


def _anchor(name: str) -> str:
    return "c-" + "".join(ch if ch.isalnum() else "-" for ch in name)


def error_plot(series: dict, width: int = 420, height: int = 170) -> str:
    """An SVG plot of the error per time step (log scale) with the allowed value dashed."""
    ys = [y for y in series["y"]]
    allowed = series.get("allowed") or 0.0
    finite = [y for y in ys if y is not None and y > 0 and math.isfinite(y)] + ([allowed] if allowed > 0 else [])
    if not finite:
        return ""
    lo, hi = math.log10(min(finite)) - 0.5, math.log10(max(finite)) + 0.5
    left, right, top, bottom = 56, 12, 14, 30
    pw, ph = width - left - right, height - top - bottom
    n = len(ys)

    def X(i):
        return left + (pw * (i + 0.5) / n)

    def Y(v):
        v = max(v, 10 ** lo) if v and math.isfinite(v) else 10 ** hi
        return top + ph * (1 - (math.log10(v) - lo) / (hi - lo))

    parts = [f'<svg class="plot" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
             f'role="img" aria-label="{e(series["label"])}">',
             f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="#f6f8fa" stroke="#d1d9e0"/>']
    for k in range(math.ceil(lo), math.floor(hi) + 1):
        y = top + ph * (1 - (k - lo) / (hi - lo))
        parts.append(f'<line x1="{left}" x2="{left + pw}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e6eaef"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">1e{k}</text>')
    if allowed > 0:
        ya = Y(allowed)
        parts.append(f'<line x1="{left}" x2="{left + pw}" y1="{ya:.1f}" y2="{ya:.1f}" stroke="#1a7f37" '
                     f'stroke-dasharray="5 4"/><text x="{left + pw - 4}" y="{ya - 4:.1f}" text-anchor="end" '
                     f'style="fill:#1a7f37">allowed {allowed:.1e}</text>')
    points = " ".join(f"{X(i):.1f},{Y(y if y is not None else float('inf')):.1f}" for i, y in enumerate(ys))
    parts.append(f'<polyline points="{points}" fill="none" stroke="#59636e" stroke-width="1.2"/>')
    for i, y in enumerate(ys):
        bad = y is None or y > allowed
        parts.append(f'<circle cx="{X(i):.1f}" cy="{Y(y if y is not None else float("inf")):.1f}" r="4" '
                     f'fill="{"#cf222e" if bad else "#1a7f37"}">'
                     f'<title>t={i}: {_num(y) or "non-finite"}</title></circle>')
    step = max(1, n // 12)
    for i in range(0, n, step):
        parts.append(f'<text x="{X(i):.1f}" y="{top + ph + 14}" text-anchor="middle">{i}</text>')
    parts.append(f'<text x="{left + pw / 2:.1f}" y="{height - 2}" text-anchor="middle">time step t</text>')
    parts.append(f'<text x="{left}" y="{top - 3}" text-anchor="start">{e(series["label"])}</text></svg>')
    return "".join(parts)


def _failure(rec, others: int, other_labels: list[str], said=()) -> str:
    tag = f"vs {e(rec.oracle)}" if rec.oracle not in ("contract", "implementation") else f"[{e(rec.oracle)}]"
    out = [f'<div class="failure"><div class="head">{e(rec.quantity)} <span class="muted">{tag} · '
           f'{e(_case(rec.case))}</span></div><div class="msg mono">{e(rec.message)}</div>']
    for hint in rec.hint.splitlines():
        if not any(hint in d for d in said):      # the diagnosis above already says it
            out.append(f'<div class="hint">{e(hint)}</div>')
    if rec.series:
        out.append(error_plot(rec.series))
    if rec.repro:
        out.append(f'<div class="repro"><code>{e(rec.repro)}</code><button class="copy" '
                   f'onclick="{COPY}">copy</button></div>')
    if others:
        out.append(f'<div class="more">and {others} more failing check{"s" if others > 1 else ""} of this '
                   f'quantity: {e(", ".join(other_labels))}</div>')
    out.append("</div>")
    return "".join(out)


def _checks_table(component) -> str:
    rows = ["<table class='checks'><tr><th>quantity</th><th>oracle</th><th>case</th><th>status</th>"
            "<th>max abs err</th><th>max rel err</th><th>allowed</th><th>where</th></tr>"]
    for r in component.checks:
        where = ""
        if r.where:
            where = ", ".join(f"{k} {v}" for k, v in r.where.items())
        rows.append(f"<tr class='row-{e(r.status)}'><td>{e(r.quantity)}</td><td>{e(r.oracle)}</td>"
                    f"<td class='mono'>{e(_case(r.case))}</td><td><span class='badge {e(r.status)}'>{e(r.status)}"
                    f"</span></td><td class='num'>{_num(r.max_abs_error)}</td><td class='num'>{_num(r.max_rel_error)}"
                    f"</td><td class='num'>{_num(r.tolerance)}</td><td class='mono'>{e(where)}</td></tr>")
    rows.append("</table>")
    return "".join(rows)


def _fix(fix: dict, root: str | None) -> str:
    """The verified edit, folded: a student can try on their own first."""
    parts = ['<details class="fix"><summary>show the fix</summary>']
    for change in fix.get("changes") or [fix]:
        func = change.get("function") or fix.get("function")
        parts.append(f'<div class="mono">{e(_short_path(change["file"], root))}:{e(change["line"])}'
                     + (f' in {e(func)}' if func else "") + "</div><pre class='diff'>"
                     + "".join(f"<span class='del'>- {e(x)}</span>\n" for x in change["old"].splitlines())
                     + "".join(f"<span class='add'>+ {e(x)}</span>\n" for x in change["new"].splitlines())
                     + "</pre>")
    if fix.get("verified_on"):
        parts.append(f"<div class='muted' title='{e('; '.join(fix['verified_on']))}'>{e(verified_text(fix))}</div>")
    parts.append("</details>")
    return "".join(parts)


def _component(c, folded: bool = False, root: str | None = None, variants=()) -> str:
    """One component's section; ``folded``: a further variant of a class shown above (details folded);
    ``variants``: the other failing entries of its family, folded inside it."""
    out = [f'<section class="component {e(c.status)}" id="{_anchor(c.name)}"><h3>{e(c.name)} '
           f'<span class="badge {e(c.status)}">{e(WORDS.get(c.status, c.status))}</span>'
           + (f'<span class="muted">defined in {e(c.module)}</span>' if c.module else "") + "</h3>"]
    if c.cause:
        out.append(f'<p class="cause"><b>Cause:</b> {e(cause_text(c.cause))}</p>')
    if c.fix:
        out.append(_fix(c.fix, root))
    diagnosis = [d for d in c.diagnosis if not (c.cause and d.startswith("cause ["))]
    if diagnosis:
        out.append('<ul class="diagnosis">' + "".join(f"<li>{e(d)}</li>" for d in diagnosis) + "</ul>")
    groups = list(grouped_failures(c).values())
    if folded and groups:
        quantities = ", ".join(dict.fromkeys(recs[0].quantity for recs in groups))
        out.append(f"<details><summary>failing: {e(quantities)} (another variant of a class shown above)"
                   f"</summary>")
    for k, recs in enumerate(groups):
        if k == SHOWN_FAILURES and len(groups) > SHOWN_FAILURES:
            out.append(f"<details><summary>{len(groups) - SHOWN_FAILURES} more failing quantities</summary>")
        labels = sorted({f"{r.oracle} {r.case['dtype']}" if r.case else r.oracle for r in recs[1:]})
        out.append(_failure(recs[0], len(recs) - 1, labels, c.diagnosis))
    if len(groups) > SHOWN_FAILURES:
        out.append("</details>")
    if folded and groups:
        out.append("</details>")
    if c.advisories:
        out.append('<ul class="diagnosis muted">' + "".join(f"<li>advisory: {e(a)}</li>" for a in c.advisories)
                   + "</ul>")
    if c.checks:
        out.append(f"<details><summary>all {len(c.checks)} checks</summary>{_checks_table(c)}</details>")
    if variants:
        labels = ", ".join(f"{variant_label(v)} {WORDS.get(v.status, v.status)}" for v in variants)
        out.append(f"<details class='variants'><summary>{len(variants)} more entr{'ies' if len(variants) > 1 else 'y'}"
                   f" of {e(c.family)}: {e(labels)}</summary>"
                   + "".join(_component(v, folded=True, root=root) for v in variants) + "</details>")
    out.append("</section>")
    return "".join(out)


def _overview_row(c, label: str, extra: str, nested: bool = False) -> str:
    judged = [k for k in c.checks if k.status != "skipped"]
    passed = sum(k.status == "pass" for k in judged)
    if c.status in ("fail", "error", "variant"):
        note = cause_text(c.cause) if c.cause else "; ".join(c.diagnosis[:1])
    else:
        note = c.suggestion or "; ".join(c.advisories)
    note = "; ".join(x for x in (extra, note) if x)
    link = f"<a href='#{_anchor(c.name)}'>{e(label)}</a>" if c.status != "not_implemented" else e(label)
    return (f"<tr class='row-{e(c.status)}{' nested' if nested else ''}'><td>{link}</td>"
            f"<td><span class='badge {e(c.status)}'>{e(WORDS.get(c.status, c.status))}</span></td>"
            f"<td class='num'>{f'{passed}/{len(judged)}' if judged else ''}</td><td>{e(c.module or '')}</td>"
            f"<td>{e(note)}</td></tr>")


def body(report: Report) -> str:
    impl = report.implementation
    s = report.summary
    oracles = ", ".join(f"{o['name']}" + (f" ({o['framework']} {o['version']})" if o.get("version") else "")
                        for o in report.oracles)
    env = ", ".join(f"{k} {v}" for k, v in report.environment.items() if v)
    settings = report.settings
    out = [f"<h1>Conformance report: {e(impl.get('spec') or impl.get('name'))}</h1>",
           f"<p class='meta'>{e(impl.get('form'))} · judged by {e(oracles)} · dtypes {e(', '.join(settings['dtypes']))}"
           f" · seed {e(settings['seed'])} · {report.elapsed_seconds:.1f} s · suite {e(report.suite_version)}</p>",
           *([f"<p class='meta sandbox'>{e(sandbox_line(report))}</p>"] if report.sandbox else []),
           *[f"<p class='meta loaded'>{e(line)}</p>" for line in (loaded_line(report),) if line],
           *[f"<p class='nothing-judged'><b>{e(line)}</b></p>" for line in (unjudged_line(report),) if line],
           "<div class='cards'>"]
    for status in ("pass", "fail", "error", "variant", "not_implemented", "skipped"):
        if s.get(status) or status in ("pass", "fail", "error"):
            out.append(f"<div class='card {status}'><b>{s.get(status, 0)}</b>{e(WORDS[status])}</div>")
    out.append("</div>")
    if report.advisories:
        out.append("<h2>Advisories</h2><p class='meta'>Worth knowing; they never fail a component.</p>"
                   "<ul class='advisories'>" + "".join(f"<li>{e(a)}</li>" for a in report.advisories) + "</ul>")
    root = impl.get("path")
    groups = families(report)
    bad = [(f, [c for c in f.members if c.status in ("fail", "error", "variant")]) for f in groups]
    bad = [(f, members) for f, members in bad if members]
    if bad:
        out.append("<h2>What to fix</h2>")
        for f, members in bad:
            out.append(_component(members[0], root=root, variants=members[1:]))
    absent = set(not_implemented(report))
    out.append("<h2>Components</h2><table class='overview'><tr><th>component</th><th>status</th><th>checks passed</th>"
               "<th>module</th><th>note</th></tr>")
    for f in groups:
        if f.name in absent:
            continue
        head = f.head
        same = [v for v in f.variants if v.status == head.status and v.status in ("pass", "variant", "skipped")]
        extra = f"+ {len(same)} variant{'s' if len(same) > 1 else ''} {WORDS[head.status]}" if same else ""
        out.append(_overview_row(head, head.name, extra))
        for v in f.variants:
            if v not in same:
                out.append(_overview_row(v, variant_label(v), "", nested=True))
    out.append("</table>")
    line = missing_line(report, verbose=True)
    if line:
        out.append(f"<p class='meta missing'>{e(line)} (never a failure)</p>")
    shown = [c for c in report.components if c.status != "not_implemented" or c.suggestion]
    good = [c for c in shown if c.status not in ("fail", "error", "variant")]
    if good:
        out.append("<h2>Every check of the conforming components</h2>")
        out += [_component(c) for c in good]
    out.append(f"<footer>scratch-conformance {e(report.suite_version)} · {e(env)}</footer>")
    return "\n".join(out)


def render(report: Report, fragment: bool = False) -> str:
    content = body(report)
    if fragment:   # Jupyter: the same page in a div; the styles are scoped to it
        return f"<div class='sc'><style>{CSS}</style>{content}</div>"
    title = e(report.implementation.get("spec") or report.implementation.get("name"))
    return (f"<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>Conformance: {title}</title><style>body {{ margin: 0; }}\n{CSS}</style></head>"
            f"<body><div class='sc'>\n{content}\n</div></body></html>\n")

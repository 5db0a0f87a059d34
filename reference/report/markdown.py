"""The report as Markdown (a pull-request comment, a README badge page)."""
from __future__ import annotations

from reference.report.model import Report
from reference.report.terminal import (LABELS, cause_text, families, grouped_failures, missing_line, not_implemented,
                                       sandbox_line, variant_label, verified_text, _short_path)

from reference.report.terminal import loaded_line, unjudged_line

ICONS = {"pass": "✅", "fail": "❌", "error": "💥", "not_implemented": "➖", "variant": "🔶", "skipped": "⏭️"}


def _cell(text) -> str:
    return str(text if text is not None else "").replace("|", "\\|").replace("\n", " ")


def _row(c, label: str, extra: str) -> str:
    judged = [k for k in c.checks if k.status != "skipped"]
    passed = sum(k.status == "pass" for k in judged)
    if c.status in ("fail", "error", "variant"):
        note = cause_text(c.cause) if c.cause else (c.diagnosis[0] if c.diagnosis else "")
    else:
        note = c.suggestion or ""
    note = "; ".join(x for x in (extra, note) if x)
    return (f"| {_cell(label)} | {ICONS[c.status]} {LABELS[c.status]} | "
            f"{f'{passed}/{len(judged)}' if judged else ''} | {_cell(note)} |")


def _fix(fix: dict, root) -> list[str]:
    """The verified edit, folded (GitHub renders ``<details>``): a student can try on their own first."""
    out = ["<details><summary>show the fix</summary>", ""]
    for change in fix.get("changes") or [fix]:
        func = change.get("function") or fix.get("function")
        out += [f"`{_short_path(change['file'], root)}:{change['line']}`" + (f" in `{func}`" if func else ""),
                "", "```diff"]
        out += [f"- {x}" for x in change["old"].splitlines()] + [f"+ {x}" for x in change["new"].splitlines()]
        out += ["```", ""]
    if fix.get("verified_on"):
        out += [verified_text(fix), ""]
    return out + ["</details>", ""]


def render(report: Report) -> str:
    impl = report.implementation
    s = report.summary
    oracles = ", ".join(o["name"] + (f" ({o['framework']} {o['version']})" if o.get("version") else "")
                        for o in report.oracles)
    out = [f"# Conformance report: `{impl.get('spec') or impl.get('name')}`", "",
           f"Judged by {oracles}; dtypes {', '.join(report.settings['dtypes'])}; seed {report.settings['seed']}; "
           f"{report.elapsed_seconds:.1f} s.", "",
           *([sandbox_line(report), ""] if report.sandbox else []),
           *([loaded_line(report), ""] if loaded_line(report) else []),
           *([f"**{unjudged_line(report)}**", ""] if unjudged_line(report) else []),
           " · ".join(f"{ICONS[k]} {s.get(k, 0)} {LABELS[k]}" for k in ("pass", "fail", "error", "variant",
                                                                        "not_implemented", "skipped") if s.get(k)),
           "", "| component | status | checks | note |", "|---|---|---|---|"]
    absent = set(not_implemented(report))
    groups = families(report)
    for f in groups:
        if f.name in absent:
            continue
        head = f.head
        same = [v for v in f.variants if v.status == head.status and v.status in ("pass", "variant", "skipped")]
        extra = f"+ {len(same)} variant{'s' if len(same) > 1 else ''} {LABELS[head.status]}" if same else ""
        out.append(_row(head, head.name, extra))
        out += [_row(v, f"&nbsp;&nbsp;{variant_label(v)}", "") for v in f.variants if v not in same]
    line = missing_line(report, verbose=True)
    if line:
        out += ["", f"{ICONS['not_implemented']} {line} (never a failure)"]
    root = impl.get("path")
    for f in groups:
        failing = [c for c in f.members if c.status in ("fail", "error", "variant")]
        for k, c in enumerate(failing):
            out += ["", f"{'##' if k == 0 else '###'} {c.name}: {LABELS[c.status]}", ""]
            if c.cause:
                out += [f"**Cause:** {cause_text(c.cause)}", ""]
            if c.fix and (k == 0 or c.fix.get("changes") != failing[0].fix and failing[0].fix.get("changes")):
                out += _fix(c.fix, root)
            out += [f"- {d}" for d in c.diagnosis if not (c.cause and d.startswith("cause ["))]
            if k:
                continue              # a further entry of the family: its failures repeat the first one's
            for recs in grouped_failures(c).values():
                r = recs[0]
                case = (f"{r.case['dtype']} " + " ".join(f"{k}={v}" for k, v in r.case["sizes"].items())) \
                    if r.case else ""
                more = f" (and {len(recs) - 1} more)" if len(recs) > 1 else ""
                out += ["", f"**{r.quantity}** vs {r.oracle}, {case}{more}",
                        "", f"> {r.message}"]
                out += [f"> *hint:* {h}" for h in r.hint.splitlines()]
                if r.repro:
                    out += ["", "```", r.repro, "```"]
    if report.advisories:
        out += ["", "## Advisories", ""] + [f"- {a}" for a in report.advisories]
    return "\n".join(out) + "\n"

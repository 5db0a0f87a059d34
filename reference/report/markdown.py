"""The report as Markdown (a pull-request comment, a README badge page)."""
from __future__ import annotations

from reference.report.model import Report
from reference.report.terminal import LABELS, grouped_failures

ICONS = {"pass": "✅", "fail": "❌", "error": "💥", "not_implemented": "➖", "variant": "🔶", "skipped": "⏭️"}


def _cell(text) -> str:
    return str(text if text is not None else "").replace("|", "\\|").replace("\n", " ")


def render(report: Report) -> str:
    impl = report.implementation
    s = report.summary
    oracles = ", ".join(o["name"] + (f" ({o['framework']} {o['version']})" if o.get("version") else "")
                        for o in report.oracles)
    out = [f"# Conformance report: `{impl.get('spec') or impl.get('name')}`", "",
           f"Judged by {oracles}; dtypes {', '.join(report.settings['dtypes'])}; seed {report.settings['seed']}; "
           f"{report.elapsed_seconds:.1f} s.", "",
           " · ".join(f"{ICONS[k]} {s.get(k, 0)} {LABELS[k]}" for k in ("pass", "fail", "error", "variant",
                                                                        "not_implemented", "skipped") if s.get(k)),
           "", "| component | status | checks | note |", "|---|---|---|---|"]
    for c in report.components:
        judged = [k for k in c.checks if k.status != "skipped"]
        passed = sum(k.status == "pass" for k in judged)
        note = c.suggestion or (c.diagnosis[0] if c.diagnosis and c.status != "pass" else "")
        out.append(f"| {_cell(c.name)} | {ICONS[c.status]} {LABELS[c.status]} | "
                   f"{f'{passed}/{len(judged)}' if judged else ''} | {_cell(note)} |")
    for c in report.components:
        if c.status not in ("fail", "error", "variant"):
            continue
        out += ["", f"## {c.name}: {LABELS[c.status]}", ""]
        out += [f"- {d}" for d in c.diagnosis]
        for recs in grouped_failures(c).values():
            r = recs[0]
            case = (f"{r.case['dtype']} " + " ".join(f"{k}={v}" for k, v in r.case["sizes"].items())) if r.case else ""
            more = f" (and {len(recs) - 1} more)" if len(recs) > 1 else ""
            out += ["", f"**{r.quantity}** vs {r.oracle}, {case}{more}",
                    "", f"> {r.message}"]
            out += [f"> *hint:* {h}" for h in r.hint.splitlines()]
            if r.repro:
                out += ["", "```", r.repro, "```"]
    if report.advisories:
        out += ["", "## Advisories", ""] + [f"- {a}" for a in report.advisories]
    return "\n".join(out) + "\n"

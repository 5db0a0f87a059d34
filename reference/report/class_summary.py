"""A class at a glance: submissions x book components, what fails most often, what could not be judged.

Input: one result per submission (``{"name", "report", "error"}``: the JSON
report, or None and why not). Columns are book components (variants folded
in, listed when a cell is opened); a cell's status is its worst entry's and
its tooltip the reason. "Fails most often" counts, per component and
quantity, the submissions whose checks of that quantity fail, over one
denominator: the submissions that implement the component.
"""
from __future__ import annotations

import csv
import html as _html
import io

from reference.report import grading
from reference.report.html import CSS

SHORT = {"pass": "✓", "fail": "✗", "error": "!", "variant": "~", "skipped": "?", "not_implemented": "·"}
WORDS = {"pass": "pass", "fail": "fail", "error": "error (raised, crashed or hung)", "variant": "variant",
         "skipped": "not judged", "not_implemented": "not implemented"}


def e(text) -> str:
    return _html.escape("" if text is None else str(text), quote=True)


def not_judged(result: dict) -> str | None:
    """Why nothing of this submission was judged, or None (the summary labels it "not judged: ", so the
    report's own "nothing was judged: " lead is dropped)."""
    report = result.get("report")
    if report is None:
        return result.get("error") or "could not be judged"
    reason = report.get("nothing_judged")
    return reason.removeprefix("nothing was judged: ") if reason else reason


def digest(report: dict) -> dict:
    """What the summary (and scoring) reads of a report: statuses, one reason, and each distinct
    (oracle, quantity, status) once; a class of full reports would not fit in memory."""
    def slim(c: dict) -> dict:
        seen, checks = set(), []
        for k in c["checks"]:
            key = (k["oracle"], k["quantity"], k["status"])
            if k["status"] != "skipped" and key not in seen:
                seen.add(key)
                checks.append({"oracle": k["oracle"], "quantity": k["quantity"], "status": k["status"],
                               "message": k["message"]})
        cause = c.get("cause") or {}
        return {"name": c["name"], "status": c["status"], "checks": checks, "diagnosis": c["diagnosis"][:1],
                "suggestion": c.get("suggestion"),
                "cause": {"sentence": cause["sentence"]} if cause.get("sentence") else None}
    return {"components": [slim(c) for c in report.get("components", [])], "summary": report.get("summary", {}),
            "nothing_judged": report.get("nothing_judged")}


def summarize(results: list[dict], assignment: dict | None = None) -> dict:
    """Plain data behind every rendering: families, rows (cells and scores), rates worst first, unjudged."""
    families: list[str] = []
    for r in results:
        for c in (r.get("report") or {}).get("components", []):
            if c["status"] not in grading.UNJUDGED and grading.family(c["name"]) not in families:
                families.append(grading.family(c["name"]))
    rows, implementing, failing, quantities = [], {}, {}, {}
    for r in results:
        report = r.get("report") if not not_judged(r) else None
        cells = {}
        for fam in families:
            found = grading.entries(report, fam) if report else []
            status = grading.family_status(found) if report else None
            cells[fam] = {"status": status, "reason": grading.reason(found) if found and status != "pass" else "",
                          "entries": [(c["name"], c["status"]) for c in found]}
            if status is None or status in grading.UNJUDGED:
                continue
            implementing[fam] = implementing.get(fam, 0) + 1
            bad = set()
            for c in found:
                for k in c["checks"]:
                    if k["status"] == "skipped":
                        continue
                    q = grading.quantity_of(k)
                    quantities.setdefault((fam, q), None)
                    if c["status"] in ("fail", "error") and k["status"] in ("fail", "error"):
                        bad.add(q)
            for q in bad:
                failing[(fam, q)] = failing.get((fam, q), 0) + 1
        score = None
        if assignment:
            got = [grading.score(r.get("report") or {"nothing_judged": not_judged(r)}, item)
                   for item in assignment["items"]]
            score = (round(sum(g["score"] for g in got), 4), sum(g["max_score"] for g in got))
        rows.append({"name": r["name"], "cells": cells, "not_judged": not_judged(r), "score": score,
                     "summary": (r.get("report") or {}).get("summary", {})})
    rates = [{"component": fam, "quantity": q, "failing": failing.get((fam, q), 0), "implementing": implementing[fam],
              "fail_rate": round(failing.get((fam, q), 0) / implementing[fam], 4)} for fam, q in quantities]
    rates.sort(key=lambda x: (-x["fail_rate"], -x["failing"], families.index(x["component"]), x["quantity"]))
    return {"families": families, "rows": rows, "rates": rates,
            "unjudged": [(row["name"], row["not_judged"]) for row in rows if row["not_judged"]]}


def matrix_csv(summary: dict) -> str:
    out = io.StringIO()
    w = csv.writer(out)
    scored = any(row["score"] for row in summary["rows"])
    w.writerow(["submission", "judged", *(["score", "max score"] if scored else []),
                "pass", "fail", "error", "variant", "not_implemented", *summary["families"]])
    for row in summary["rows"]:
        s = row["summary"]
        w.writerow([row["name"], f"no: {row['not_judged']}" if row["not_judged"] else "yes",
                    *(row["score"] if scored else ()),
                    *(s.get(k, "") for k in ("pass", "fail", "error", "variant", "not_implemented")),
                    *(row["cells"][f]["status"] or "" for f in summary["families"])])
    return out.getvalue()


def rates_csv(summary: dict) -> str:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["component", "quantity", "failing", "implementing", "fail rate"])
    for x in summary["rates"]:
        w.writerow([x["component"], x["quantity"], x["failing"], x["implementing"], x["fail_rate"]])
    return out.getvalue()


EXTRA_CSS = """
.cm th.rot { height: 128px; white-space: nowrap; vertical-align: bottom; padding: 2px 0; }
.cm th.rot span { writing-mode: vertical-rl; transform: rotate(180deg); font-size: 12px; font-weight: 600; }
.cm td.c { text-align: center; padding: 2px; position: relative; min-width: 22px; line-height: 0;
         vertical-align: middle; }
.cm td.name { white-space: nowrap; max-width: 220px; overflow: hidden; text-overflow: ellipsis; }
.cm details { display: block; }
.cm td.c details > summary { list-style: none; cursor: pointer; margin: 0; }
.cm summary, .cm .one { display: flex; justify-content: center; }
.cm summary::-webkit-details-marker { display: none; }
.cm .s { display: inline-block; width: 20px; height: 20px; line-height: 20px; border-radius: 3px;
         font-size: 12px; font-weight: 700;
         vertical-align: middle; }
.cm .s.pass { background: #dafbe1; color: #1a7f37; } .cm .s.fail { background: #ffebe9; color: #cf222e; }
.cm .s.error { background: #cf222e; color: #fff; } .cm .s.variant { background: #fff8c5; color: #9a6700; }
.cm .s.skipped, .cm .s.not_implemented { background: #f6f8fa; color: #8c959f; }
.cm details[open] > .pop { position: absolute; z-index: 5; left: 0; top: 24px; background: #fff; text-align: left;
         border: 1px solid #d1d9e0; border-radius: 4px; padding: 6px 8px; width: 320px; font-size: 12px;
         box-shadow: 0 2px 8px rgba(0,0,0,.15); white-space: normal; line-height: 1.45; }
.cm td.nj { color: #9a6700; font-style: italic; }
.bar { background: #f6f8fa; border: 1px solid #d1d9e0; height: 12px; width: 160px; border-radius: 3px; }
.bar div { background: #cf222e; height: 100%; }
"""


def _cell(fam: str, cell: dict) -> str:
    status = cell["status"]
    if status is None:
        return "<td class='c'></td>"
    tip = f"{fam}: {WORDS[status]}" + (f" - {cell['reason']}" if cell["reason"] else "")
    badge = f"<span class='s {e(status)}' title='{e(tip)}'>{SHORT[status]}</span>"
    if len(cell["entries"]) < 2 and not cell["reason"]:
        return f"<td class='c'><div class='one'>{badge}</div></td>"
    listed = "".join(f"<li><span class='s {e(s)}'>{SHORT[s]}</span> {e(n)}</li>" for n, s in cell["entries"])
    reason = f"<p>{e(cell['reason'])}</p>" if cell["reason"] else ""
    return (f"<td class='c'><details><summary>{badge}</summary><div class='pop'><b>{e(fam)}</b>{reason}"
            f"<ul>{listed}</ul></div></details></td>")


def render_html(summary: dict, reports: dict[str, str] | None = None, title: str = "Class summary") -> str:
    """The summary page; ``reports`` maps a submission name to its report's relative URL."""
    reports = reports or {}
    fams = summary["families"]
    head = "".join(f"<th class='rot'><span>{e(f)}</span></th>" for f in fams)
    scored = any(row["score"] for row in summary["rows"])
    body = []
    for row in summary["rows"]:
        link = (f"<a href='{e(reports[row['name']])}'>{e(row['name'])}</a>" if row["name"] in reports
                else e(row["name"]))
        score = f"<td class='num'>{row['score'][0]:g}/{row['score'][1]:g}</td>" if scored else ""
        if row["not_judged"]:
            body.append(f"<tr><td class='name' title='{e(row['name'])}'>{link}</td>{score}"
                        f"<td class='nj' colspan='{max(len(fams), 1)}'>not judged: {e(row['not_judged'])}</td></tr>")
        else:
            body.append(f"<tr><td class='name' title='{e(row['name'])}'>{link}</td>{score}"
                        + "".join(_cell(f, row["cells"][f]) for f in fams) + "</tr>")
    worst = [x for x in summary["rates"] if x["failing"]][:40]
    rate_rows = "".join(
        f"<tr><td>{e(x['component'])}</td><td class='mono'>{e(x['quantity'])}</td>"
        f"<td class='num'>{x['failing']}/{x['implementing']}</td>"
        f"<td><div class='bar'><div style='width:{100 * x['fail_rate']:.0f}%'></div></div></td></tr>" for x in worst)
    unjudged = "".join(f"<li><b>{e(n)}</b>: {e(why)}</li>" for n, why in summary["unjudged"])
    legend = " · ".join(f"<span class='s {k}'>{v}</span> {WORDS[k]}" for k, v in SHORT.items())
    n = len(summary["rows"])
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{e(title)}</title>"
            f"<style>body {{ margin: 0; }}\n{CSS}\n{EXTRA_CSS}</style></head><body><div class='sc cm'>"
            f"<h1>{e(title)}</h1><p class='meta'>{n} submissions · {n - len(summary['unjudged'])} judged · "
            f"{len(fams)} book components implemented by at least one (variants folded in: click a cell)</p>"
            f"<p class='meta'>{legend}</p>"
            f"<h2>Submissions x components</h2><table><tr><th>submission</th>{'<th>score</th>' if scored else ''}"
            f"{head}</tr>{''.join(body)}</table>"
            + (f"<h2>Not judged</h2><ul>{unjudged}</ul>" if unjudged else "")
            + f"<h2>Fails most often</h2><p class='meta'>per component and quantity, worst first: submissions "
              f"whose checks of it fail, over the submissions that implement the component (all rows in "
              f"fails-most-often.csv)</p>"
            + (f"<table><tr><th>component</th><th>quantity</th><th>failing</th><th>fail rate</th></tr>"
               f"{rate_rows}</table>" if rate_rows else "<p>nothing fails</p>")
            + "</div></body></html>\n")

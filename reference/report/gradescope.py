"""The report as Gradescope's ``results.json``: one test per assignment component, scored.

The assignment comes in as plain data (``Assignment.plain()``: ``name``,
``hidden_visibility``, ``items`` of ``component``, ``points``, ``credit``,
``visible``); without one, every judged component is worth one point, all
or nothing. Each test's output carries what the student needs to fix it:
the failing quantities with message, hint, the catalogued cause (and fix,
when the run asked for fixes) and a repro line relative to their files.
"""
from __future__ import annotations

import json

from reference.report import grading
from reference.report.model import Report

MAX_SHOWN = 4       # failing quantities spelled out per test; the rest are counted


def _unique(lines):
    return list(dict.fromkeys(lines))


def _failures(found: list[dict]) -> list[str]:
    """Cause, fix and diagnosis once per component family, then each failing quantity once."""
    failing = [c for c in found if c["status"] in ("fail", "error")]
    notes = _unique(f"cause: {c['cause']['sentence']}" for c in failing if (c.get("cause") or {}).get("sentence"))
    for c in failing:
        fix = c.get("fix")
        if fix:
            notes.append(f"fix: {fix.get('file')}:{fix.get('line')}: {str(fix.get('old', '')).strip()}  ->  "
                         f"{str(fix.get('new', '')).strip()}")
    notes += _unique(f"diagnosis: {d}" for c in failing for d in c["diagnosis"])[:MAX_SHOWN]
    shown, seen = [], set()
    for c in failing:
        for k in c["checks"]:
            unit = (c["name"], grading.quantity_of(k))
            if k["status"] not in ("fail", "error") or unit in seen:
                continue
            seen.add(unit)
            if len(seen) > MAX_SHOWN:
                continue
            shown.append(f"✗ {c['name']} {unit[1]} (vs {k['oracle']}): {k['message']}")
            shown += [f"  hint: {h}" for h in (k.get("hint") or "").splitlines()]
            if k.get("repro"):
                shown.append(f"  repro: {k['repro']}")
    if len(seen) > MAX_SHOWN:
        shown.append(f"... and {len(seen) - MAX_SHOWN} more failing quantities (see the full report)")
    return _unique(notes) + shown


def _output(result: dict, nothing_judged: str | None) -> str:
    status, found = result["status"], result["entries"]
    if nothing_judged:
        return f"not judged: {nothing_judged}"
    if status == "not_implemented":
        return "; ".join(["not implemented", *_unique(c["suggestion"] for c in found if c.get("suggestion"))])
    head = {"pass": "conforms", "variant": "conforms (a documented variant)", "fail": "does not conform",
            "error": "raised, crashed or hung", "skipped": "not judged (no oracle could judge it)"}[status]
    lines = [f"{result['component']}: {head}"]
    if result["units"]:
        ok = sum(result["units"].values())
        lines.append(f"{ok} of {len(result['units'])} parts conform: "
                     + ", ".join(f"{u} {'✓' if v else '✗'}" for u, v in result["units"].items()))
    if status == "variant":
        lines += [f"note: {d}" for c in found if c["status"] == "variant" for d in c["diagnosis"][:1]]
    return "\n".join(lines + _failures(found))


def results(report: dict, assignment: dict | None = None) -> dict:
    """Gradescope's results for one JSON report (``Report.to_dict()``)."""
    items = assignment["items"] if assignment else grading.default_items(report)
    hidden = assignment.get("hidden_visibility", "after_due_date") if assignment else "after_due_date"
    nothing = report.get("nothing_judged")
    tests = []
    for number, item in enumerate(items, 1):
        r = grading.score(report, item)
        tests.append({"name": item["component"], "number": str(number), "score": r["score"],
                      "max_score": r["max_score"], "status": "passed" if r["score"] >= r["max_score"] else "failed",
                      "output": _output(r, nothing), "visibility": "visible" if item["visible"] else hidden})
    total = round(sum(t["score"] for t in tests), 4)
    summary = report.get("summary", {})
    lines = [f"{(assignment or {}).get('name', 'Conformance')}: {total:g} / {sum(t['max_score'] for t in tests):g}"]
    if nothing:
        lines.append(f"Nothing could be judged: {nothing}")
    elif summary:
        lines.append(f"{summary.get('pass', 0)} components pass, {summary.get('fail', 0)} fail, "
                     f"{summary.get('error', 0)} raised; judged by "
                     + ", ".join(o["name"] for o in report.get("oracles", [])))
    lines += [f"advisory: {a}" for a in report.get("advisories", [])]
    return {"score": total, "output": "\n".join(lines), "tests": tests,
            "execution_time": round(report.get("elapsed_seconds", 0.0), 1), "stdout_visibility": "hidden"}


def render(report: Report, assignment: dict | None = None) -> str:
    return json.dumps(results(report.to_dict(), assignment), indent=2, ensure_ascii=False) + "\n"

"""Reading a JSON report (``Report.to_dict()``) per book component and quantity: statuses and points.

Plain data in, plain data out, shared by the class summary and the
Gradescope results. A book component (``family``) folds its variants in
(``TimeLSTM[set_state]`` counts for ``TimeLSTM``). One quantity is one
quantity whatever oracle, dtype or case judged it: "out (as 2-D rows)" is
"out"; an exception is the quantity "<phase> raised".
"""
from __future__ import annotations

import re

from reference.report.model import CONFORMING

# worst first: a family's status is the worst of its entries'
SEVERITY = ("error", "fail", "variant", "pass", "skipped", "not_implemented")
UNJUDGED = ("not_implemented", "skipped")
GROUPS = ("forward", "backward", "contract")


def family(name: str) -> str:
    return name.split("[", 1)[0]


def quantity_of(check: dict) -> str:
    if check["oracle"] == "implementation":
        return f"{check['quantity']} raised"
    return re.sub(r"\s*\(.*\)$", "", check["quantity"])


def group_of(check: dict) -> str:
    """forward (values), backward (gradients: dx, dWh, grads...) or contract (signatures, state, in place)."""
    q = check["quantity"]
    if check["oracle"] == "contract":
        return "contract"
    if check["oracle"] == "implementation":
        return "backward" if q == "backward" else "forward"
    return "backward" if re.match(r"^(d[A-Za-z]|grad)", q) else "forward"


def entries(report: dict, component: str) -> list[dict]:
    """The report's components that ``component`` names: a family (all variants) or one exact id."""
    exact = [c for c in report.get("components", []) if c["name"] == component]
    return exact if "[" in component else [c for c in report.get("components", []) if family(c["name"]) == component]


def family_status(found: list[dict]) -> str:
    statuses = {c["status"] for c in found}
    return next((s for s in SEVERITY if s in statuses), "not_implemented")


def reason(found: list[dict]) -> str:
    """One line saying why a family is not a plain pass: the first failing check, diagnosis or suggestion."""
    for c in found:
        if c["status"] in ("fail", "error"):
            check = next((k for k in c["checks"] if k["status"] in ("fail", "error")), None)
            head = c["name"] + ": "
            if c.get("cause") and c["cause"].get("sentence"):
                return head + c["cause"]["sentence"]
            if check:
                return head + f"{quantity_of(check)}: {check['message']}"
            if c["diagnosis"]:
                return head + c["diagnosis"][0]
    for c in found:
        if c["status"] == "variant" and c["diagnosis"]:
            return f"{c['name']}: {c['diagnosis'][0]}"
    suggestion = next((c["suggestion"] for c in found if c.get("suggestion")), None)
    if suggestion:
        return suggestion
    return ", ".join(f"{c['name']}: {c['status']}" for c in found)


def units(found: list[dict], credit: str) -> dict[str, bool]:
    """What partial credit counts: quantity or group -> conforms (every check of it passes, or its entry is
    a documented variant)."""
    out: dict[str, bool] = {}
    for c in found:
        if c["status"] in UNJUDGED:
            continue
        for k in c["checks"]:
            if k["status"] == "skipped":
                continue
            unit = quantity_of(k) if credit == "quantity" else group_of(k)
            out[unit] = out.get(unit, True) and (c["status"] in CONFORMING or k["status"] == "pass")
    return out


def score(report: dict, item: dict) -> dict:
    """Points for one assignment item (``{"component", "points", "credit"}``) on one report."""
    found = entries(report, item["component"])
    status = family_status(found) if not report.get("nothing_judged") else "skipped"
    points = float(item["points"])
    if status in UNJUDGED:
        got, counted = 0.0, {}
    elif status in CONFORMING:
        got, counted = points, {}
    else:
        counted = units(found, item["credit"]) if item["credit"] != "all" else {}
        got = points * sum(counted.values()) / len(counted) if counted else 0.0
    return {"component": item["component"], "status": status, "score": round(got, 4), "max_score": points,
            "units": counted, "entries": found}


def default_items(report: dict) -> list[dict]:
    """Without an assignment: every judged book component, one point, all or nothing, visible."""
    names = []
    for c in report.get("components", []):
        if c["status"] not in UNJUDGED and family(c["name"]) not in names:
            names.append(family(c["name"]))
    return [{"component": n, "points": 1.0, "credit": "all", "visible": True} for n in names]

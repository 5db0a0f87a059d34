"""``scratch-conformance batch SUBMISSIONS_DIR``: judge a whole class.

Every entry of SUBMISSIONS_DIR is one submission: a directory (laid out like
``common/`` or containing it), a .py file or a notebook. Each is judged by
its own ``scratch-conformance`` process (which runs the submission in yet
another, isolated process), ``--jobs`` at a time, with an overall time limit
per submission. Written to ``--output`` (default ``SUBMISSIONS_DIR/../conformance-summary``):

- ``<submission>.json`` and ``<submission>.html``: each student's report;
- ``class-summary.csv``: submissions x components, each cell a status;
- ``check-pass-rates.csv``: per check (component, quantity, oracle kind,
  dtype, case), how many of the submissions that implement the component
  pass it;
- ``class-summary.html``: both tables on one page, linking the reports.
"""
from __future__ import annotations

import argparse
import csv
import html
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from reference.report.html import CSS
from reference.report.model import STATUSES

STATUS_SHORT = {"pass": "pass", "fail": "FAIL", "error": "ERROR", "not_implemented": "-", "variant": "variant",
                "skipped": "n/j"}


def submissions(directory: Path) -> list[Path]:
    out = []
    for p in sorted(directory.iterdir()):
        if p.name.startswith((".", "_")):
            continue
        if p.is_dir() or p.suffix in (".py", ".ipynb"):
            out.append(p)
    return out


def _judge_one(path: Path, out_dir: Path, args) -> dict:
    name = path.stem if path.is_file() else path.name
    json_path, html_path = out_dir / f"{name}.json", out_dir / f"{name}.html"
    cmd = [sys.executable, "-m", "reference", str(path), "--format", "json", "--output", str(json_path),
           "--oracle", args.oracle, "--timeout", str(args.timeout), "--no-progress", "--color", "never"]
    for alias in args.alias:
        cmd += ["--alias", alias]
    started = time.monotonic()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.submission_timeout,
                              env={**os.environ, "PYTHONPATH": _root() + os.pathsep + os.environ.get("PYTHONPATH", "")})
        code, err = proc.returncode, proc.stderr.strip()
    except subprocess.TimeoutExpired:
        code, err = None, f"did not finish within {args.submission_timeout:g} s"
    result = {"name": name, "path": str(path), "exit": code, "error": None, "report": None,
              "seconds": time.monotonic() - started}
    if json_path.exists() and code in (0, 1):
        result["report"] = json.loads(json_path.read_text(encoding="utf-8"))
        from reference.report import html as html_report
        from reference.report.model import CheckRecord, ComponentReport, Report

        data = result["report"]
        report = Report(data["implementation"], data["suite_version"], data["environment"], data["oracles"],
                        data["settings"], advisories=data["advisories"], elapsed_seconds=data["elapsed_seconds"])
        for c in data["components"]:
            checks = [CheckRecord(**k) for k in c["checks"]]
            report.components.append(ComponentReport(c["name"], c["status"], c["module"], checks, c["advisories"],
                                                     c["diagnosis"], c["suggestion"], c.get("seconds", 0.0)))
        html_path.write_text(html_report.render(report), encoding="utf-8")
    else:
        result["error"] = (err.splitlines()[-1] if err else f"exit status {code}")
    return result


def _root() -> str:
    return str(Path(__file__).resolve().parent.parent)


def _case_label(check: dict) -> str:
    case = check.get("case") or {}
    sizes = case.get("sizes") or {}
    kind = "unit" if sizes and all(v == 1 for v in sizes.values()) else "distinct" if sizes else ""
    oracle = check["oracle"].split(":")[-1]
    return f"{check['quantity']} vs {oracle} {case.get('dtype', '')} {kind}".strip()


def summarize(results: list[dict]) -> tuple[list[str], list[list[str]], list[list]]:
    """(component names, status rows, pass-rate rows) from the per-submission results."""
    names: list[str] = []
    for r in results:
        for c in (r["report"] or {}).get("components", []):
            if c["name"] not in names:
                names.append(c["name"])
    rows = []
    tally: dict[tuple[str, str], list[int]] = {}
    for r in results:
        by_name = {c["name"]: c for c in (r["report"] or {}).get("components", [])}
        row = [r["name"]]
        for n in names:
            c = by_name.get(n)
            row.append("load error" if r["report"] is None else (c["status"] if c else ""))
            if c and c["status"] not in ("not_implemented",):
                seen = {}
                for k in c["checks"]:
                    if k["status"] == "skipped":
                        continue
                    key = (n, _case_label(k))
                    seen[key] = seen.get(key, True) and k["status"] == "pass"
                for key, ok in seen.items():
                    t = tally.setdefault(key, [0, 0])
                    t[0] += ok
                    t[1] += 1
        rows.append(row)
    rates = [[n, label, passed, total, round(passed / total, 3)] for (n, label), (passed, total) in tally.items()]
    rates.sort(key=lambda x: (names.index(x[0]), x[4], x[1]))
    return names, rows, rates


def write(results: list[dict], out_dir: Path) -> None:
    names, rows, rates = summarize(results)
    with open(out_dir / "class-summary.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["submission", "exit", "pass", "fail", "error", "not_implemented", "variant", *names])
        for r, row in zip(results, rows):
            s = (r["report"] or {}).get("summary", {})
            w.writerow([row[0], r["exit"] if r["error"] is None else f"error: {r['error']}",
                        *(s.get(k, "") for k in ("pass", "fail", "error", "not_implemented", "variant")), *row[1:]])
    with open(out_dir / "check-pass-rates.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["component", "check", "passed", "submissions implementing it", "pass rate"])
        w.writerows(rates)
    (out_dir / "class-summary.html").write_text(_html(results, names, rows, rates), encoding="utf-8")


def _html(results, names, rows, rates) -> str:
    e = html.escape
    used = [n for i, n in enumerate(names)
            if any(row[i + 1] not in ("", "not_implemented", "load error") for row in rows)]
    head = "".join(f"<th class='rot'><span>{e(n)}</span></th>" for n in used)
    body = []
    for r, row in zip(results, rows):
        cells = dict(zip(names, row[1:]))
        link = (f"<a href='{e(r['name'])}.html'>{e(r['name'])}</a>" if r["report"] else e(r["name"]))
        if r["report"] is None:
            body.append(f"<tr><td>{link}</td><td colspan='{len(used)}' class='muted'>could not be judged: "
                        f"{e(r['error'] or '')}</td></tr>")
            continue
        tds = "".join(f"<td class='st'><span class='badge {e(cells[n])}' title='{e(cells[n])}'>"
                      f"{e(STATUS_SHORT.get(cells[n], cells[n]))}</span></td>" if cells[n] else "<td></td>"
                      for n in used)
        body.append(f"<tr><td>{link}</td>{tds}</tr>")
    worst = [x for x in rates if x[4] < 1.0][:60]
    rate_rows = "".join(f"<tr><td>{e(c)}</td><td class='mono'>{e(label)}</td><td class='num'>{p}/{t}</td>"
                        f"<td><div class='bar'><div style='width:{100 * rate:.0f}%'></div></div></td></tr>"
                        for c, label, p, t, rate in worst)
    extra = (".rot { height: 120px; white-space: nowrap; vertical-align: bottom; }"
             ".rot span { writing-mode: vertical-rl; transform: rotate(180deg); font-weight: 600; font-size: 12px; }"
             "td.st { text-align: center; padding: 3px; } .bar { background: #f6f8fa; border: 1px solid #d1d9e0;"
             " height: 12px; width: 160px; border-radius: 3px; } .bar div { background: #1a7f37; height: 100%; }")
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Class summary</title>"
            f"<style>body {{ margin: 0; }}\n{CSS}\n{extra}</style></head><body><div class='sc'>"
            f"<h1>Class summary</h1><p class='meta'>{len(results)} submissions · {len(used)} components implemented "
            f"by at least one · statuses: {', '.join(STATUSES)}</p>"
            f"<h2>Submissions x components</h2><table><tr><th>submission</th>{head}</tr>{''.join(body)}</table>"
            f"<h2>Checks that fail most often</h2><p class='meta'>pass rate among the submissions that implement "
            f"the component; all rates in check-pass-rates.csv</p><table><tr><th>component</th><th>check</th>"
            f"<th>passed</th><th>pass rate</th></tr>{rate_rows}</table></div></body></html>\n")


def main(argv=None) -> int:
    from reference.frontends.options import add_judging_options

    p = argparse.ArgumentParser(prog="scratch-conformance batch",
                                description="Judge every submission of a directory and write a class summary.")
    p.add_argument("submissions", metavar="SUBMISSIONS_DIR")
    add_judging_options(p)
    p.add_argument("--output", "-o", metavar="DIR",
                   help="where to write (default: SUBMISSIONS_DIR/../conformance-summary)")
    p.add_argument("--jobs", "-j", type=int, default=max(1, (os.cpu_count() or 2) // 2),
                   help="submissions judged at the same time")
    p.add_argument("--submission-timeout", type=float, default=600.0, metavar="SECONDS",
                   help="time limit for one whole submission (default 600)")
    p.add_argument("--no-progress", action="store_true", help="accepted for symmetry; batch prints one line per "
                                                              "submission")
    args = p.parse_args(argv)
    directory = Path(args.submissions)
    if not directory.is_dir():
        print(f"scratch-conformance batch: {directory} is not a directory of submissions", file=sys.stderr)
        return 2
    found = submissions(directory)
    if not found:
        print(f"scratch-conformance batch: no submissions (directories, .py or .ipynb) in {directory}", file=sys.stderr)
        return 2
    out_dir = Path(args.output) if args.output else directory.resolve().parent / "conformance-summary"
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(lambda path: _judge_one(path, out_dir, args), found))
    write(results, out_dir)
    for r in results:
        s = (r["report"] or {}).get("summary")
        state = (f"{s['pass']} pass, {s['fail']} fail, {s['error']} error, {s['not_implemented']} not implemented"
                 if s else f"could not be judged: {r['error']}")
        print(f"  {r['name']:24} {state}  ({r['seconds']:.1f} s)")
    print(f"{len(results)} submissions in {time.monotonic() - started:.1f} s; "
          f"summary: {out_dir / 'class-summary.html'}")
    return 0

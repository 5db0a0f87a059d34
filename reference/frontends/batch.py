"""``scratch-conformance batch SUBMISSIONS_DIR``: judge a whole class.

Every entry of SUBMISSIONS_DIR is one submission: a directory (a ``common/``
anywhere inside it, or laid out like ``common/``), a .py file or a notebook.
Judging one is a pure function of (submission bytes, settings)
(``submission.judge_bytes``): submissions are packed as zips in memory and
judged ``--jobs`` at a time in local worker processes (each imports the suite
once and judges many), or on a Dask cluster with ``--scheduler ADDRESS``.
Every judging option means what it means for a single run (the code under
test runs sandboxed: ``--sandbox on`` by default here).

Written to ``--output`` (default ``SUBMISSIONS_DIR/../conformance-summary``):
``<submission>.json`` (compact) and ``<submission>.html`` (each student's
report, rendered by the worker, repro lines relative to their own files;
``<submission>.gradescope.json`` with ``--assignment``), written as each
arrives; then ``class-summary.csv``, ``fails-most-often.csv`` and
``class-summary.html`` (``reference.report.class_summary``) from a digest of
each report, so a class of hundreds fits in memory.

Exit status: 0 when every submission was judged, whatever the verdicts (a
non-conforming submission is a grade, not a failure of the run); 2 when any
could not be judged (nothing loadable, a load error, out of time) or for a
usage error: those need the instructor's eyes.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from reference.frontends.options import add_judging_options
from reference.frontends.submission import judge_bytes, name_of, pack

EXIT_ALL_JUDGED, EXIT_SOME_NOT_JUDGED = 0, 2


def submissions(directory: Path) -> list[Path]:
    out = []
    for p in sorted(directory.iterdir()):
        if p.name.startswith((".", "_")):
            continue
        if p.is_dir() or p.suffix in (".py", ".ipynb"):
            out.append(p)
    return out


def _unique_names(paths: list[Path]) -> list[str]:
    """One output name per submission: its stem, or its full file name when two would collide."""
    stems = [name_of(p) for p in paths]
    return [p.name if stems.count(name_of(p)) > 1 else name_of(p) for p in paths]


def judging_argv(args: argparse.Namespace) -> list[str]:
    """The single-run options equivalent to the judging options in ``args`` (whatever add_judging_options
    defines, so an option added there reaches every worker unchanged)."""
    probe = argparse.ArgumentParser(add_help=False)
    add_judging_options(probe)
    argv = []
    for action in probe._actions:
        value = getattr(args, action.dest, None)
        flag = action.option_strings[0]
        if action.nargs == 0:
            if value != action.default:
                argv.append(flag)
        elif isinstance(value, list):
            if value:
                argv += [flag, *map(str, value)]
        elif value is not None:
            argv += [flag, str(value)]
    if getattr(args, "fix", False):
        argv.append("--fix")
    return argv


def run_local(jobs: list[tuple[str, bytes]], argv: list[str], renders, assignment, time_limit, workers: int,
              on_result=None, digest: bool = False) -> list[dict]:
    """Judge ``jobs`` (name, zip bytes) in ``workers`` local processes; results in the order of ``jobs``
    (each as ``on_result`` returns it, when given: it sees every result as soon as it arrives)."""
    results: dict[str, dict] = {}
    context = multiprocessing.get_context("spawn")   # a clean interpreter: no inherited threads or state
    with ProcessPoolExecutor(max_workers=max(1, workers), mp_context=context) as pool:
        futures = {pool.submit(judge_bytes, name, payload, argv, renders, assignment, time_limit, digest): name
                   for name, payload in jobs}
        for future in as_completed(futures):
            name = futures[future]
            try:
                result = future.result()
            except Exception as exc:  # noqa: BLE001 - a dead worker is this submission's verdict, not the run's
                result = {"name": name, "impl": None, "exit": None, "report": None, "rendered": {},
                          "seconds": 0.0, "error": f"the judging process failed: {type(exc).__name__}: {exc}"}
            results[name] = on_result(result) if on_result else result
    return [results[name] for name, _ in jobs]


def store(result: dict, out_dir: Path) -> dict:
    """Write one student's rendered reports now, and keep only what the summary needs."""
    files = {}
    for fmt, suffix in (("json", ".json"), ("html", ".html"), ("gradescope", ".gradescope.json")):
        if fmt in result["rendered"]:
            files[fmt] = f"{result['name']}{suffix}"
            (out_dir / files[fmt]).write_text(result["rendered"][fmt], encoding="utf-8")
    return {**result, "rendered": {}, "files": files}


def write_summary(results: list[dict], out_dir: Path, assignment: dict | None = None) -> dict:
    """The class summary (HTML and CSVs) of stored results; returns the summary data."""
    from reference.report import class_summary

    links = {r["name"]: r["files"]["html"] for r in results if "html" in r.get("files", {})}
    summary = class_summary.summarize(results, assignment)
    (out_dir / "class-summary.csv").write_text(class_summary.matrix_csv(summary), encoding="utf-8")
    (out_dir / "fails-most-often.csv").write_text(class_summary.rates_csv(summary), encoding="utf-8")
    title = f"Class summary: {assignment['name']}" if assignment else "Class summary"
    (out_dir / "class-summary.html").write_text(class_summary.render_html(summary, links, title), encoding="utf-8")
    return summary


def _line(r: dict) -> str:
    from reference.report.class_summary import not_judged

    s, why = (r["report"] or {}).get("summary"), not_judged(r)
    state = (f"not judged: {why}" if why or not s else
             f"{s['pass']} pass, {s['fail']} fail, {s['error']} error, {s['not_implemented']} not implemented")
    return f"  {r['name']:24} {state}  ({r['seconds']:.1f} s)"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="scratch-conformance batch",
                                description="Judge every submission of a directory and write a class summary.")
    p.add_argument("submissions", metavar="SUBMISSIONS_DIR")
    add_judging_options(p, sandbox="on")      # a class's code runs contained unless --sandbox says otherwise
    p.add_argument("--output", "-o", metavar="DIR",
                   help="where to write (default: SUBMISSIONS_DIR/../conformance-summary)")
    p.add_argument("--jobs", "-j", type=int, default=max(1, (os.cpu_count() or 2) // 2),
                   help="local worker processes (default: half the cores)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="judge on this Dask cluster (tcp://host:8786) instead of local processes")
    p.add_argument("--assignment", metavar="FILE", help="assignment TOML: components, points, oracle; adds "
                                                        "scores and each student's Gradescope results")
    p.add_argument("--fix", action="store_true", help="also search a verified fix for each failing component "
                                                      "(left out of students' reports unless asked)")
    p.add_argument("--submission-timeout", type=float, default=600.0, metavar="SECONDS",
                   help="time limit for one whole submission on local workers (default 600)")
    p.add_argument("--no-progress", action="store_true", help="no line per submission")
    return p


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)

    def fail(message: str) -> int:
        print(f"scratch-conformance batch: {message}", file=sys.stderr)
        return EXIT_SOME_NOT_JUDGED

    directory = Path(args.submissions)
    if not directory.is_dir():
        return fail(f"SUBMISSIONS_DIR: {directory} is not a directory of submissions")
    found = submissions(directory)
    if not found:
        return fail(f"no submissions (directories, .py or .ipynb) in {directory}")
    if args.jobs < 1:
        return fail(f"--jobs expects a positive number of processes; got {args.jobs}")
    assignment = plain = None
    if args.assignment:
        from reference.frontends.assignment import AssignmentError, load

        try:
            assignment = load(args.assignment)
        except AssignmentError as exc:
            return fail(str(exc))
        plain = assignment.plain()
        assignment.apply_to(args, argv)
    judge_argv = judging_argv(args) + (["--only", *(i.component for i in assignment.items)] if assignment else [])
    out_dir = Path(args.output) if args.output else directory.resolve().parent / "conformance-summary"
    renders = ("json", "html", "gradescope") if assignment else ("json", "html")    # rendered by the workers
    jobs = [(name, pack(path)) for name, path in zip(_unique_names(found), found)]
    out_dir.mkdir(parents=True, exist_ok=True)

    def arrived(result: dict) -> dict:
        if not args.no_progress:
            print(_line(result), flush=True)
        return store(result, out_dir)

    # a jailed worker sees neither the class's submissions nor the summary (reference.sandbox.jail); the
    # caller's environment is given back as it was (batch.main is also called in-process, by tests)
    hidden_before = os.environ.get("SCRATCH_SANDBOX_HIDE")
    os.environ["SCRATCH_SANDBOX_HIDE"] = os.pathsep.join(str(d.resolve()) for d in (directory, out_dir))
    started = time.monotonic()
    try:
        if args.scheduler:
            from reference.frontends.distributed import run_on_dask

            try:
                results = run_on_dask(args.scheduler, jobs, judge_argv, renders, plain, on_result=arrived,
                                      digest=True)
            except OSError as exc:
                return fail(f"--scheduler {args.scheduler}: cannot reach the Dask scheduler ({exc})")
        else:
            results = run_local(jobs, judge_argv, renders, plain, args.submission_timeout, args.jobs,
                                on_result=arrived, digest=True)
    finally:
        if hidden_before is None:
            os.environ.pop("SCRATCH_SANDBOX_HIDE", None)
        else:
            os.environ["SCRATCH_SANDBOX_HIDE"] = hidden_before
    summary = write_summary(results, out_dir, plain)
    print(f"{len(results)} submissions in {time.monotonic() - started:.1f} s, {len(summary['unjudged'])} not "
          f"judged; summary: {out_dir / 'class-summary.html'}")
    return EXIT_SOME_NOT_JUDGED if summary["unjudged"] else EXIT_ALL_JUDGED

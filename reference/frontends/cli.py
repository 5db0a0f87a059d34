"""``scratch-conformance``: judge an implementation and say what is wrong, where and why.

    scratch-conformance [IMPL] [--oracle auto|live|golden|torch|keras|numeric] [--only NAME ...]
                        [--dtype float32|float64|both] [--format terminal|markdown|html|json|junit|gradescope]
                        [--output PATH] [--seed N] [--sizes N=3 D=4 ...] [--timeout SECONDS]
                        [--alias NAME=OTHER ...] [--assignment FILE]
    scratch-conformance batch SUBMISSIONS_DIR [--output DIR] [--jobs N] [--scheduler ADDRESS] [...]
    scratch-conformance autograder ASSIGNMENT.toml [-o autograder.zip] [--wheel FILE]
    scratch-conformance classroom-workflow [--install PIP_SPEC] [--impl common] [-- OPTIONS]
    scratch-conformance golden [--check]
    scratch-conformance contract NAME

IMPL (default: the bundled scratch_layers) is a dotted module name, a
directory laid out like the book's ``common/`` (or one that contains
``common/``), a single .py file or a Jupyter notebook. It runs in a separate
process: crashes, hangs and memory blow-ups are reported against the
component that caused them. Exit status: 0 when every implemented component
conforms, 1 when any does not, 2 for a usage or loading error or when nothing
was judged (the reason on stderr and in the report's ``nothing_judged``).
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from reference.oracles import frameworks
from reference.frontends.options import add_judging_options
from reference.report import EXTENSIONS, FORMATS

EXIT_OK, EXIT_NONCONFORMING, EXIT_USAGE = 0, 1, 2
# Subcommands by module name: they build on this module's judging (``judge``), so it names them rather
# than importing them (no import circle).
SUBCOMMANDS = {"batch": "reference.frontends.batch", "golden": "reference.frontends.golden_record",
               "autograder": "reference.frontends.autograder", "classroom-workflow": "reference.frontends.classroom",
               "contract": "reference.frontends.contract_cmd"}


def _pairs(items: list[str], option: str) -> dict[str, str]:
    out = {}
    for item in items:
        for part in item.replace(",", " ").split():
            name, sep, value = part.partition("=")
            if not sep or not name or not value:
                raise argparse.ArgumentTypeError(f"{option} expects NAME=VALUE pairs; got {part!r}")
            out[name] = value
    return out


def _sizes(items: list[str]) -> dict[str, int]:
    out = {}
    for name, value in _pairs(items, "--sizes").items():
        if not value.isdigit() or int(value) < 1:
            raise argparse.ArgumentTypeError(f"--sizes expects NAME=positive integer; got {name}={value}")
        out[name] = int(value)
    return out


def build_parser() -> argparse.ArgumentParser:
    from reference.golden.cases import DEFAULT_SEED

    p = argparse.ArgumentParser(prog="scratch-conformance", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="subcommands: 'batch SUBMISSIONS_DIR', 'autograder ASSIGNMENT.toml', "
                                       "'classroom-workflow' (instructors), 'golden' (regenerate the golden "
                                       "cases), 'contract NAME' (what the checks expect of a component). "
                                       "See README.md.")
    p.add_argument("impl", nargs="?", default="scratch_layers", metavar="IMPL",
                   help="module name, common/-like directory, .py file or .ipynb notebook "
                        "(default: the bundled scratch_layers)")
    add_judging_options(p)
    p.add_argument("--only", action="extend", nargs="+", metavar="NAME", help="judge only these components")
    p.add_argument("--format", choices=FORMATS, default=None,
                   help="terminal (default), markdown, html, json, junit or gradescope (results.json)")
    p.add_argument("--assignment", metavar="FILE",
                   help="assignment TOML: judge its components with its oracle and dtype (unless given), and "
                        "score them in --format gradescope")
    p.add_argument("--output", "-o", metavar="PATH", help="write the report here (format from the extension "
                                                          "unless --format is given)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the case data")
    p.add_argument("--sizes", nargs="+", default=[], metavar="NAME=INT",
                   help="sizes of one case instead of the distinct-sizes and unit-sizes cases")
    p.add_argument("--fix", action="store_true",
                   help="also search a verified one-line fix of your source for each failing component and "
                        "show it after the cause (try on your own first)")
    p.add_argument("--verbose", "-v", action="store_true",
                   help="list every component the implementation does not define")
    p.add_argument("--in-process", action="store_true",
                   help="run the implementation in this process (no isolation; for debugging)")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def _fail(message: str) -> int:
    print(f"scratch-conformance: {message}", file=sys.stderr)
    return EXIT_USAGE


def make_runner(impl: str, aliases: dict, timeout: float, memory: int | None, in_process: bool,
                sandbox: str = "off"):
    """A runner for ``impl``; raises loader.LoadError with what to fix (SandboxUnavailable for sandbox on)."""
    from reference.sandbox.runner import InProcessRunner, SubprocessRunner

    if in_process:
        from reference.sandbox.loader import load

        return InProcessRunner(load(impl, aliases, timeout=timeout), timeout=timeout)
    return SubprocessRunner(impl, aliases, timeout=timeout, memory_mb=memory, sandbox=sandbox)


def _import_frameworks_meanwhile(sources) -> None:
    """Import the live frameworks in a thread while the implementation's process starts."""
    import threading

    from reference.judging.judge import Live

    wanted = {s.base for s in sources if isinstance(s, Live)}
    if wanted:
        def load():
            from reference import oracles

            for name in sorted(wanted):
                try:
                    oracles.adapters(name)
                    (frameworks.torch if name == "torch" else frameworks.keras)()
                except Exception:  # noqa: BLE001 - the judge will report it when it needs the framework
                    pass
        threading.Thread(target=load, daemon=True).start()


def judge(args) -> tuple[int, object]:
    """Run the judge for parsed ``args``; returns (exit status, report or None)."""
    from reference.judging.judge import Judge, Settings, UsageError
    from reference.sandbox.loader import LoadError
    from reference.report.terminal import Progress

    try:
        aliases = _pairs(args.alias, "--alias")
        sizes = _sizes(args.sizes) if getattr(args, "sizes", None) else None
    except argparse.ArgumentTypeError as exc:
        return _fail(str(exc)), None
    oracle = "numeric" if args.oracle == "fd64" else args.oracle
    from reference.golden.cases import DEFAULT_SEED

    if oracle == "golden" and (args.seed != DEFAULT_SEED or sizes):
        return _fail(f"--oracle golden: golden cases exist for --seed {DEFAULT_SEED} and the default sizes only; "
                     f"drop --seed/--sizes, or use a live oracle (torch, keras) or numeric"), None
    settings = Settings(oracle=oracle, dtypes=("float32", "float64") if args.dtype == "both" else (args.dtype,),
                        seed=args.seed, sizes=sizes, only=args.only, impl_label=args.impl, aliases=aliases,
                        fix=getattr(args, "fix", False))
    try:
        from reference.judging.judge import select_sources

        sources = select_sources(oracle)   # usage errors before starting a process
        _import_frameworks_meanwhile(sources)
        from reference.sandbox.jail import SandboxUnavailable

        runner = make_runner(args.impl, aliases, args.timeout, args.memory, args.in_process,
                             sandbox=getattr(args, "sandbox", "off"))
    except (UsageError, LoadError, SandboxUnavailable) as exc:
        return _fail(str(exc)), None
    progress = Progress(enabled=False if args.no_progress else None)
    try:
        with runner:
            report = Judge(runner, settings, progress=progress).run()
            report.sandbox = dict(runner.sandbox_info)     # which protections were in force (report header)
    except UsageError as exc:
        return _fail(str(exc)), None
    finally:
        progress.close()
    return report.exit_code(), report


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    frameworks.quiet_environment()
    if argv and argv[0] in SUBCOMMANDS:
        import importlib

        return importlib.import_module(SUBCOMMANDS[argv[0]]).main(argv[1:])
    args = build_parser().parse_args(argv)
    from reference.report import render

    assignment = None
    if args.assignment:
        from reference.frontends.assignment import AssignmentError, load

        try:
            assignment = load(args.assignment)
        except AssignmentError as exc:
            return _fail(str(exc))
        assignment.apply_to(args, argv)
        assignment = assignment.plain()

    fmt = args.format or (EXTENSIONS.get(Path(args.output).suffix.lower(), "terminal") if args.output else "terminal")
    status, report = judge(args)
    if report is None:
        return status
    if args.output:
        Path(args.output).write_text(render(report, fmt, assignment=assignment), encoding="utf-8")
        if fmt != "terminal":
            print(_terminal(report, args), end="")
            print(f"report written to {args.output}")
    else:
        print(_terminal(report, args) if fmt == "terminal" else render(report, fmt, assignment=assignment), end="")
    if report.nothing_judged:       # exit status 2: say why on stderr too (batch shows this line)
        print(f"scratch-conformance: {report.nothing_judged}", file=sys.stderr)
    return status


def _terminal(report, args) -> str:
    from reference.report import terminal

    return terminal.render(report, color=_color(args), verbose=args.verbose)


def _color(args) -> bool:
    if args.color == "always":
        return True
    if args.color == "never" or os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


if __name__ == "__main__":
    raise SystemExit(main())

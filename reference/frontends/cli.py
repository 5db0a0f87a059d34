"""``scratch-conformance``: judge an implementation and say what is wrong, where and why.

    scratch-conformance [IMPL] [--oracle auto|live|golden|torch|keras|numeric] [--only NAME ...]
                        [--dtype float32|float64|both] [--format terminal|markdown|html|json|junit]
                        [--output PATH] [--seed N] [--sizes N=3 D=4 ...] [--timeout SECONDS]
                        [--alias NAME=OTHER ...]
    scratch-conformance batch SUBMISSIONS_DIR [--output DIR] [--jobs N] [...]
    scratch-conformance golden [--check]

IMPL (default: the bundled scratch_layers) is a dotted module name, a
directory laid out like the book's ``common/`` (or one that contains
``common/``), a single .py file or a Jupyter notebook. It runs in a separate
process: crashes, hangs and memory blow-ups are reported against the
component that caused them. Exit status: 0 when every implemented component
conforms, 1 when any does not, 2 for a usage or loading error.
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
                                epilog="subcommands: 'batch SUBMISSIONS_DIR' (instructors), 'golden' "
                                       "(regenerate the golden cases). See README.md.")
    p.add_argument("impl", nargs="?", default="scratch_layers", metavar="IMPL",
                   help="module name, common/-like directory, .py file or .ipynb notebook "
                        "(default: the bundled scratch_layers)")
    add_judging_options(p)
    p.add_argument("--only", action="extend", nargs="+", metavar="NAME", help="judge only these components")
    p.add_argument("--format", choices=FORMATS, default=None,
                   help="terminal (default), markdown, html, json or junit")
    p.add_argument("--output", "-o", metavar="PATH", help="write the report here (format from the extension "
                                                          "unless --format is given)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the case data")
    p.add_argument("--sizes", nargs="+", default=[], metavar="NAME=INT",
                   help="sizes of one case instead of the distinct-sizes and unit-sizes cases")
    p.add_argument("--in-process", action="store_true",
                   help="run the implementation in this process (no isolation; for debugging)")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def _fail(message: str) -> int:
    print(f"scratch-conformance: {message}", file=sys.stderr)
    return EXIT_USAGE


def make_runner(impl: str, aliases: dict, timeout: float, memory: int | None, in_process: bool):
    """A runner for ``impl``; raises loader.LoadError with what to fix."""
    from reference.sandbox.runner import InProcessRunner, SubprocessRunner

    if in_process:
        from reference.sandbox.loader import load

        return InProcessRunner(load(impl, aliases, timeout=timeout), timeout=timeout)
    return SubprocessRunner(impl, aliases, timeout=timeout, memory_mb=memory)


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
                        seed=args.seed, sizes=sizes, only=args.only, impl_label=args.impl, aliases=aliases)
    try:
        from reference.judging.judge import select_sources

        sources = select_sources(oracle)   # usage errors before starting a process
        _import_frameworks_meanwhile(sources)
        runner = make_runner(args.impl, aliases, args.timeout, args.memory, args.in_process)
    except (UsageError, LoadError) as exc:
        return _fail(str(exc)), None
    progress = Progress(enabled=False if args.no_progress else None)
    try:
        with runner:
            report = Judge(runner, settings, progress=progress).run()
    except UsageError as exc:
        return _fail(str(exc)), None
    finally:
        progress.close()
    return report.exit_code(), report


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    frameworks.quiet_environment()
    if argv and argv[0] == "batch":
        from reference.frontends.batch import main as batch_main

        return batch_main(argv[1:])
    if argv and argv[0] == "golden":
        from reference.frontends.golden_record import main as golden_main

        return golden_main(argv[1:])
    args = build_parser().parse_args(argv)
    from reference.report import render

    fmt = args.format or (EXTENSIONS.get(Path(args.output).suffix.lower(), "terminal") if args.output else "terminal")
    status, report = judge(args)
    if report is None:
        return status
    if args.output:
        Path(args.output).write_text(render(report, fmt), encoding="utf-8")
        if fmt != "terminal":
            print(render(report, "terminal", color=_color(args)), end="")
            print(f"report written to {args.output}")
    else:
        print(render(report, fmt, color=_color(args) and fmt == "terminal"), end="")
    return status


def _color(args) -> bool:
    if args.color == "always":
        return True
    if args.color == "never" or os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


if __name__ == "__main__":
    raise SystemExit(main())

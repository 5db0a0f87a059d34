"""``scratch-conformance``: judge an implementation against the oracles and print a report.

    scratch-conformance [IMPL] [--oracle auto|torch|keras|numeric] [--only NAME ...]
                        [--dtype float32|float64|both] [--seed N] [--sizes N=3 D=4 ...]

IMPL is an importable package laid out like the book's ``common/``
(default: the bundled scratch_layers). Exit status: 0 when every
implemented component conforms, 1 when any does not, 2 for a usage or
loading error.
"""
from __future__ import annotations

import argparse
import sys
import time

from reference import frameworks
from reference.cases import DTYPES, TELLING_SIZES, UNIT_SIZES, Case, fixed_sizes

ORACLE_CHOICES = {"auto": ("torch", "keras", "fd64"), "torch": ("torch",), "keras": ("keras",),
                  "numeric": ("fd64",), "fd64": ("fd64",)}


def _sizes(items: list[str]) -> dict[str, int]:
    out = {}
    for item in items:
        for part in item.replace(",", " ").split():
            name, sep, value = part.partition("=")
            if not sep or not value.isdigit():
                raise argparse.ArgumentTypeError(f"--sizes expects NAME=INT pairs; got {part!r}")
            out[name] = int(value)
    return out


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="scratch-conformance", description=__doc__.split("\n\n")[0])
    p.add_argument("impl", nargs="?", default="scratch_layers",
                   help="importable package under test (default: scratch_layers)")
    p.add_argument("--oracle", choices=sorted(ORACLE_CHOICES), default="auto",
                   help="which oracles judge (auto: every installed one)")
    p.add_argument("--only", nargs="+", metavar="NAME", help="check only these components")
    p.add_argument("--dtype", choices=("float32", "float64", "both"), default="both")
    p.add_argument("--seed", type=int, default=20261122, help="seed of the case data")
    p.add_argument("--sizes", nargs="+", default=[], metavar="NAME=INT",
                   help="sizes of one case instead of the telling and unit cases")
    p.add_argument("--alias", action="append", default=[], metavar="NAME=OTHER",
                   help="use the implementation's OTHER for the contract's NAME")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    frameworks.quiet_environment()
    from reference import oracles, registry
    from reference.check import check
    from reference.implementation import Implementation, NotImplementedComponent

    try:
        aliases = dict(a.split("=", 1) for a in args.alias)
        impl = Implementation.from_package(args.impl, aliases)
        sizes = _sizes(args.sizes)
    except (ImportError, ValueError, argparse.ArgumentTypeError) as exc:
        print(f"scratch-conformance: cannot load {args.impl!r}: {exc}", file=sys.stderr)
        return 2
    wanted = [o for o in ORACLE_CHOICES[args.oracle] if oracles.available(o)]
    if not wanted:
        print(f"scratch-conformance: oracle {args.oracle!r} is not installed", file=sys.stderr)
        return 2
    dtypes = DTYPES if args.dtype == "both" else (args.dtype,)
    components = [c for c in registry.COMPONENTS if not args.only or c.name in args.only or c.id in args.only]
    if args.only and not components:
        print(f"scratch-conformance: no component named {args.only}", file=sys.stderr)
        return 2
    start = time.perf_counter()
    counts = {"pass": 0, "fail": 0, "not_implemented": 0}
    print(f"implementation: {impl.name}   oracles: {', '.join(wanted)}   dtypes: {', '.join(dtypes)}")
    for component in components:
        try:
            impl.find(component.name)
        except NotImplementedComponent:
            counts["not_implemented"] += 1
            print(f"  {component.id:28} not implemented")
            continue
        failures = []
        if sizes:
            size_sets = [{k: sizes.get(k, lo) for k, (lo, _) in component.sizes.items()}]
        else:
            size_sets = [fixed_sizes(component.sizes, TELLING_SIZES), fixed_sizes(component.sizes, UNIT_SIZES)]
        for dtype in dtypes:
            for case_sizes in size_sets:
                case = Case(dtype, case_sizes, args.seed)
                for oracle in component.oracles:
                    if oracle not in wanted or not registry.component.judges(oracle, dtype):
                        continue
                    try:
                        result = check(component, oracle, impl, case)
                    except Exception as exc:  # a broken implementation is a reported failure
                        failures.append(f"{component.id} vs {oracle} [{case}]: error: "
                                        f"{type(exc).__name__}: {exc}")
                        continue
                    if not result.ok:
                        failures.append(result.report())
        status = "fail" if failures else "pass"
        counts[status] += 1
        print(f"  {component.id:28} {status}")
        for text in failures:
            print("    " + text.replace("\n", "\n    "))
    elapsed = time.perf_counter() - start
    print(f"\n{counts['pass']} passed, {counts['fail']} failed, {counts['not_implemented']} not implemented "
          f"in {elapsed:.1f} s")
    return 1 if counts["fail"] else 0


if __name__ == "__main__":
    raise SystemExit(main())

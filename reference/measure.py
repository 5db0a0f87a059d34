"""Measure the errors the tolerances are set from: ``python -m reference.measure``.

For every registry entry, oracle and dtype, over several seeds of the
telling and unit cases (and the oracles cross-checked against each other),
prints the worst ``|actual - expected| / max|expected|`` per (dtype, oracle,
recurrent). The constants in reference/tolerances.py quote these numbers;
re-run this after upgrading a framework.
"""
from __future__ import annotations

import argparse
from collections import defaultdict

from reference import oracles, registry
from reference.cases import DTYPES, TELLING_SIZES, UNIT_SIZES, Case, fixed_sizes
from reference.check import agree, check
from reference.implementation import Implementation


def measure(seeds: int = 5, only: list[str] | None = None) -> dict:
    impl = Implementation.bundled()
    worst: dict[tuple, tuple[float, str]] = defaultdict(lambda: (0.0, ""))
    for component in registry.COMPONENTS:
        if only and component.name not in only:
            continue
        for dtype in DTYPES:
            for base in (TELLING_SIZES, UNIT_SIZES):
                for seed in range(seeds):
                    case = Case(dtype, fixed_sizes(component.sizes, base), seed)
                    results = [check(component, o, impl, case) for o in component.oracles
                               if oracles.available(o)]
                    pairs = [(a, b) for i, a in enumerate(component.oracles) for b in component.oracles[i + 1:]
                             if oracles.available(a) and oracles.available(b)]
                    results += [agree(component, a, b, case) for a, b in pairs]
                    for result in results:
                        for c in result.comparisons:
                            q = c.quantity.split(" ", 1)[0]
                            tol = component.tolerance(q, dtype, result.oracle.split("~")[-1])
                            scale = c.allowed / (tol.rel_to_max * tol.budget(case.sizes.get("T", 1)
                                                                              if component.recurrent else 1))
                            rel = c.max_abs_error / scale
                            key = (dtype, result.oracle, component.recurrent)
                            if rel > worst[key][0]:
                                worst[key] = (rel, f"{component.id}.{q} [{case}]")
    return dict(worst)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="seeds per case (default 5)")
    parser.add_argument("--only", nargs="*", help="component names to measure")
    args = parser.parse_args(argv)
    rows = sorted(measure(args.seeds, args.only).items(), key=lambda kv: (kv[0][0], kv[0][2], kv[0][1]))
    print(f"{'dtype':8} {'oracle':16} {'recurrent':9} {'worst |a-b|/max|ref|':>22}  where")
    for (dtype, oracle, recurrent), (rel, where) in rows:
        print(f"{dtype:8} {oracle:16} {str(recurrent):9} {rel:22.2e}  {where}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Measure the errors the tolerances are set from: ``python -m reference.frontends.measure``.

For every registry entry, oracle and dtype, over several seeds of the
telling and unit cases (and the oracles cross-checked against each other),
prints the worst ``|actual - expected| / max|expected|`` per (dtype, oracle,
recurrent). The constants in reference/registry/tolerances.py quote these numbers;
re-run this after upgrading a framework.
"""
from __future__ import annotations

import argparse
from collections import defaultdict

from reference import oracles, registry
from reference.registry.cases import DTYPES, TELLING_SIZES, UNIT_SIZES, Case, fixed_sizes
from reference.judging.check import agree, check
from reference.sandbox.implementation import Implementation


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


# Long sequences (``--long``): the Time wrappers from an initial state at T
# up to 100 with small sizes, and the LSTM case of oracles.md (N=20, T=35,
# D=H=100); the numbers quoted for F32_BPTT and F64_BPTT.
LONG_COMPONENTS = ("TimeRNN[set_state]", "TimeLSTM[set_state]", "TimeGRU[set_state]")
LONG_STEPS = (1, 35, 100)
LONG_SMALL = {"N": 2, "D": 3, "H": 4}
LONG_BIG = ("TimeLSTM[set_state]", {"N": 20, "T": 35, "D": 100, "H": 100})


def measure_long(seeds: int = 3, oracles_: tuple[str, ...] = ("torch", "keras")) -> list[tuple]:
    """Rows (component, dtype, oracle, sizes, worst |a-b| / max(max|ref|, floor), worst error / allowed, where)."""
    impl = Implementation.bundled()
    cases = [(cid, {**LONG_SMALL, "T": T}) for cid in LONG_COMPONENTS for T in LONG_STEPS] + [LONG_BIG]
    rows = []
    for cid, sizes in cases:
        component = registry.get(cid)
        for dtype in DTYPES:
            for oracle in oracles_:
                if not oracles.available(oracle):
                    continue
                worst, ratio, where = 0.0, 0.0, ""
                for seed in range(seeds):
                    case = Case(dtype, dict(sizes), seed)
                    for c in check(component, oracle, impl, case).comparisons:
                        q = c.quantity.split(" ", 1)[0]
                        tol = component.tolerance(q, dtype, oracle)
                        scale = c.allowed / (tol.rel_to_max * tol.budget(sizes["T"]))
                        if c.max_abs_error / scale > worst:
                            worst, where = c.max_abs_error / scale, f"{q} seed={seed}"
                        ratio = max(ratio, c.max_abs_error / c.allowed)
                rows.append((cid, dtype, oracle, sizes, worst, ratio, where))
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=None, help="seeds per case (default 5; 3 with --long)")
    parser.add_argument("--only", nargs="*", help="component names to measure")
    parser.add_argument("--long", action="store_true",
                        help="the recurrent layers at T = 1, 35, 100 and N=20 T=35 D=H=100 (BPTT budgets)")
    args = parser.parse_args(argv)
    if args.long:
        print(f"{'component':22} {'dtype':8} {'oracle':6} {'sizes':24} {'|a-b|/max(|ref|,1)':>18} "
              f"{'err/allowed':>12}  where")
        for cid, dtype, oracle, sizes, worst, ratio, where in measure_long(args.seeds or 3):
            dims = " ".join(f"{k}={v}" for k, v in sizes.items())
            print(f"{cid:22} {dtype:8} {oracle:6} {dims:24} {worst:18.2e} {ratio:12.2e}  {where}")
        return 0
    rows = sorted(measure(args.seeds or 5, args.only).items(), key=lambda kv: (kv[0][0], kv[0][2], kv[0][1]))
    print(f"{'dtype':8} {'oracle':16} {'recurrent':9} {'worst |a-b|/max|ref|':>22}  where")
    for (dtype, oracle, recurrent), (rel, where) in rows:
        print(f"{dtype:8} {oracle:16} {str(recurrent):9} {rel:22.2e}  {where}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

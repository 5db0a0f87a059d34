"""Measure the errors the tolerances are set from: ``python -m reference.frontends.measure``.

For every registry entry, oracle and dtype, over several seeds of the
telling and unit cases (and the oracles cross-checked against each other),
prints the worst ``|actual - expected| / max|expected|`` per (dtype, oracle,
recurrent). The constants in reference/registry/tolerances.py quote these numbers;
re-run this after upgrading a framework.

``--float32-budget`` measures the float32 rule (tolerances.CANCELLATION):
for every entry and framework oracle, the fixed cases and then randomly
drawn cases until ``--draws`` or ``--seconds`` per entry, and prints per
entry the worst error against the plain ``F32 x max|ref|`` term, the k the
cancellation term needed, the worst error / allowed under the rule, and the
smallest margin a 1e-3 relative error keeps above the allowance. With
``--verdicts`` it judges the drawn cases as the judge does instead (failures
and the worst error / allowed), several times cheaper per draw: the way to
give the slow entries (models, trainers, seq2seq) thousands of draws.
"""
from __future__ import annotations

import argparse
from collections import defaultdict

import random
import time

import numpy as np

from reference import oracles, registry
from reference.golden.cases import DEFAULT_SEED
from reference.judging.check import agree, check, float64_results
from reference.registry import drive
from reference.registry.cases import DTYPES, TELLING_SIZES, UNIT_SIZES, Case, fixed_sizes
from reference.registry.component import judges
from reference.registry.tolerances import CANCELLATION, default_for
from reference.sandbox.implementation import Implementation


def _plain_scale(tol, c, steps: int) -> float:
    """max(max|ref|, floor) of a comparison (its allowance without the budget and without the float32
    cancellation term, which --float32-budget reports apart)."""
    return c.plain_allowed / (tol.rel_to_max * tol.budget(steps))


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
                    usable = [o for o in component.oracles if oracles.available(o) and judges(o, dtype)]
                    results = [check(component, o, impl, case) for o in usable]
                    pairs = [(a, b) for i, a in enumerate(usable) for b in usable[i + 1:]]
                    results += [agree(component, a, b, case) for a, b in pairs]
                    for result in results:
                        for c in result.comparisons:
                            q = c.quantity.split(" ", 1)[0]
                            tol = component.tolerance(q, dtype, result.oracle.split("~")[-1])
                            rel = c.max_abs_error / _plain_scale(tol, c, case.sizes.get("T", 1))
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
                        rel = c.max_abs_error / _plain_scale(tol, c, sizes["T"])
                        if rel > worst:
                            worst, where = rel, f"{q} seed={seed}"
                        ratio = max(ratio, c.max_abs_error / c.allowed)
                rows.append((cid, dtype, oracle, sizes, worst, ratio, where))
    return rows


# -- the float32 rule (--float32-budget) ------------------------------------------------------
MUTATION = 1e-3      # the relative error tests/test_mutations.py must see rejected


def _drawn_case(component, rng: random.Random) -> Case:
    """A float32 case as the generated tests draw one: sizes often at a bound of their range, any seed."""
    sizes = {}
    for name, (lo, hi) in component.sizes.items():
        u = rng.random()
        sizes[name] = lo if u < 0.25 else hi if u < 0.4 else rng.randint(lo, hi)
    return Case("float32", sizes, rng.randrange(2**31))


# The estimates the cancellation term can be taken over (judging.check.float64_results): the float64 sample
# the float32 one rounds (what a golden float64 case holds: the golden rule), that and the oracle on the
# float32 sample cast to float64 (the rule before the nudged samples), and every estimate the live judge
# uses (those two and the nudged samples).
VARIANTS = ("wide", "both", "all")
_KINDS = {"wide": ("wide",), "both": ("cast", "wide"), "all": None}


def _rule_numbers(component, actual, ref, terms: dict, steps: int) -> dict | None:
    """One float32 quantity: err / plain F32, and per variant the k needed and the margin of a 1e-3 error."""
    a, r = np.asarray(actual), np.asarray(ref, dtype=np.float64)
    if a.shape != r.shape or a.dtype.kind != "f" or not r.size or \
            not (np.all(np.isfinite(a)) and np.all(np.isfinite(r))):
        return None
    tol = default_for("float32", recurrent=component.recurrent)
    err = float(np.max(np.abs(a.astype(np.float64) - r)))
    plain = tol.allowed(r, steps)
    mutated = a * a.dtype.type(1 + MUTATION) if np.any(a) else a + a.dtype.type(MUTATION)
    mutated_err = float(np.max(np.abs(mutated.astype(np.float64) - r)))
    out = {"plain": err / plain}
    for v, term in terms.items():      # term: max|oracle32 - oracle64| over that variant's float64 results
        out[f"k {v}"] = 0.0 if err <= plain else (err / term if term else np.inf)
        out[f"mut {v}"] = mutated_err / max(plain, CANCELLATION * term)
        out[f"rule {v}"] = err / max(plain, CANCELLATION * term)
    return out


def _max_diff(a, b) -> float | None:
    if b is None or np.shape(a) != np.shape(b):
        return None
    return float(np.max(np.abs(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64))))


def _terms(ref, results: dict, q: str) -> dict:
    """Per variant: max|oracle32 - oracle64| over its float64 results (0 where it has none)."""
    diffs = {kind: _max_diff(ref, r.get(q)) or 0.0 for kind, r in results.items()}
    return {v: max([d for kind, d in diffs.items() if kinds is None or kind in kinds], default=0.0)
            for v, kinds in _KINDS.items()}


def _framework_rows(only=None):
    """(entry, framework oracle) pairs of the registry, for the float32 rule (``only``: names or ids)."""
    for component in registry.COMPONENTS:
        if only and component.name not in only and component.id not in only:
            continue
        for oracle in component.oracles:
            if judges(oracle, "float32") and oracles.available(oracle):
                yield component, oracle


def measure_float32_budget(only=None, draws: int = 3000, seconds: float = 4.0, seed: int = 0):
    """Yields a row per (entry, oracle): the float32 rule over the fixed cases and drawn cases."""
    impl = Implementation.bundled()
    rng = random.Random(seed)
    for component, oracle in _framework_rows(only):
        obj = impl.find(component.name)
        row = {"entry": component.id, "oracle": oracle, "draws": 0}
        fixed = [Case("float32", fixed_sizes(component.sizes, base), DEFAULT_SEED)
                 for base in (TELLING_SIZES, UNIT_SIZES)]
        started = total = time.perf_counter()
        while row["draws"] < draws and (row["draws"] < len(fixed) or time.perf_counter() - started < seconds):
            case = fixed[row["draws"]] if row["draws"] < len(fixed) else _drawn_case(component, rng)
            row["draws"] += 1
            if row["draws"] == len(fixed):
                started = time.perf_counter()     # the first cases pay the frameworks' warm-up
            sample = component.sample(case)
            actual = drive.run(component, obj, sample).quantities
            ref = oracles.run(oracle, component, sample)
            results = float64_results(component, oracle, sample, ref)
            for q in component.quantities_for(oracle, "float32"):
                if q not in ref or q not in actual:
                    continue
                numbers = _rule_numbers(component, actual[q], ref[q], _terms(ref[q], results, q), sample.steps)
                if numbers is None:
                    continue
                where = f"{q} [{case}]"
                kind = "fixed" if case in fixed else "drawn"
                for key, value in numbers.items():
                    if key.startswith("mut"):
                        key, value = f"{key} {kind}", -value      # track the smallest margin
                    if value > row.get(key, (-np.inf, ""))[0]:
                        row[key] = (value, where)
        row["seconds"] = time.perf_counter() - total
        yield row


def print_float32_budget(rows_iter) -> None:
    print(f"k = CANCELLATION = {CANCELLATION:g}. plain: worst err / (F32 x max|ref| x budget); k wide/both/all: "
          f"the largest k the cancellation term needed, per set of float64 results (wide: the float64 sample "
          f"the float32 one rounds, as golden cases hold; both: that and the float32 sample cast to float64; "
          f"all: those and the nudged samples, the live rule); rule: worst err / allowed at k; mut: smallest "
          f"(1e-3 relative error) / allowed at k, on the fixed cases (distinct, unit sizes) and drawn")
    cols = ["plain", *[f"k {v}" for v in VARIANTS], *[f"rule {v}" for v in VARIANTS],
            *[f"mut {v} fixed" for v in VARIANTS], *[f"mut {v} drawn" for v in VARIANTS]]
    headers = [c.replace(" fixed", " fx").replace(" drawn", " dr") for c in cols]
    print(f"{'entry':30} {'oracle':6} {'draws':>5} " + " ".join(f"{h:>9}" for h in headers) + "  worst rule all at")
    rows = []
    for r in rows_iter:
        rows.append(r)
        values = [abs(r.get(c, (0.0, ""))[0]) for c in cols]
        print(f"{r['entry']:30} {r['oracle']:6} {r['draws']:5d} " + " ".join(f"{v:9.2f}" for v in values)
              + f"  {r.get('rule all', (0, ''))[1]}", flush=True)
    for v in VARIANTS:
        worst = max(rows, key=lambda r: r.get(f"k {v}", (0.0, ""))[0], default=None)
        if worst:
            print(f"largest k needed ({v}): {worst[f'k {v}'][0]:.2f} ({worst['entry']} vs {worst['oracle']}, "
                  f"{worst[f'k {v}'][1]})")
    print(f"draws: {sum(r['draws'] for r in rows)} in {sum(r['seconds'] for r in rows):.0f} s")


def float32_verdicts(only=None, draws: int = 3000, seconds: float = 4.0, seed: int = 1):
    """Yields a row per (entry, framework oracle): drawn float32 cases judged exactly as the judge does
    (``judging.check.check``: the extra float64 estimates only where the plain term is not enough), the
    number of failures, and over the quantities beyond the plain term the worst error / allowed. Several
    times cheaper per draw than ``measure_float32_budget``, for the entries whose oracle runs are slow; it
    does not say which k a case needed."""
    impl = Implementation.bundled()
    rng = random.Random(seed)
    for component, oracle in _framework_rows(only):
        row = {"entry": component.id, "oracle": oracle, "draws": 0, "failures": 0, "needed": 0,
               "worst": (0.0, "")}
        started = time.perf_counter()
        while row["draws"] < draws and time.perf_counter() - started < seconds:
            case = _drawn_case(component, rng)
            result = check(component, oracle, impl, case)
            row["draws"] += 1
            row["failures"] += not result.ok
            for c in result.comparisons:      # within the plain term a quantity is safe whatever k is
                if c.problem or not c.max_abs_error > c.plain_allowed:
                    continue
                row["needed"] += 1
                if c.max_abs_error / c.allowed > row["worst"][0]:
                    row["worst"] = (c.max_abs_error / c.allowed, f"{c.quantity} [{case}]")
        row["seconds"] = time.perf_counter() - started
        yield row


def print_float32_verdicts(rows_iter) -> None:
    print("needed: quantities beyond the plain term (judged by the cancellation term); worst: their largest "
          "error / allowed")
    print(f"{'entry':30} {'oracle':6} {'draws':>6} {'failures':>8} {'needed':>7} {'worst':>7}  at")
    rows = []
    for r in rows_iter:
        rows.append(r)
        print(f"{r['entry']:30} {r['oracle']:6} {r['draws']:6d} {r['failures']:8d} {r['needed']:7d} "
              f"{r['worst'][0]:7.2f}  {r['worst'][1]}", flush=True)
    print(f"draws: {sum(r['draws'] for r in rows)}, failures: {sum(r['failures'] for r in rows)}, "
          f"in {sum(r['seconds'] for r in rows):.0f} s")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=None, help="seeds per case (default 5; 3 with --long)")
    parser.add_argument("--only", nargs="*", help="component names to measure")
    parser.add_argument("--long", action="store_true",
                        help="the recurrent layers at T = 1, 35, 100 and N=20 T=35 D=H=100 (BPTT budgets)")
    parser.add_argument("--float32-budget", action="store_true",
                        help="the float32 rule per entry over drawn cases (tolerances.CANCELLATION)")
    parser.add_argument("--draws", type=int, default=3000, help="--float32-budget: draws per entry and oracle")
    parser.add_argument("--seconds", type=float, default=4.0,
                        help="--float32-budget: at most this long per entry and oracle (after the fixed cases)")
    parser.add_argument("--verdicts", action="store_true",
                        help="--float32-budget: only judge the drawn cases as the judge does (failures and worst "
                             "error / allowed), several times cheaper per draw")
    parser.add_argument("--seed", type=int, default=None,
                        help="--float32-budget: seed of the drawn cases (default 0; 1 with --verdicts): a new seed "
                             "draws new cases, the same seed repeats a run")
    args = parser.parse_args(argv)
    if args.float32_budget and args.verdicts:
        print_float32_verdicts(float32_verdicts(args.only, args.draws, args.seconds,
                                                1 if args.seed is None else args.seed))
        return 0
    if args.float32_budget:
        print_float32_budget(measure_float32_budget(args.only, args.draws, args.seconds,
                                                    0 if args.seed is None else args.seed))
        return 0
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

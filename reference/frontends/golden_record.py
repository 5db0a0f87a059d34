"""Record the golden cases from the live frameworks, or check them for drift.

    scratch-conformance golden              # rewrite cases.json + cases.npz (all components)
    scratch-conformance golden --only TimeLSTM Affine   # re-record some, keep the rest
    scratch-conformance golden --check    # regenerate live and compare; exit 1 on drift

Recording iterates the registry: every component x framework oracle it
names (torch, keras) x dtype x case (distinct sizes, unit sizes) at
``DEFAULT_SEED``. Samples shared by several oracles are stored once.
"""
from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import sys

import numpy as np

from reference.oracles import frameworks
from reference.golden.cases import ARRAYS, DEFAULT_SEED, FORMAT, MANIFEST, case_key
from reference.golden import cases as golden_cases

FRAMEWORK_ORACLES = ("torch", "keras")


def planned(component):
    """(oracle, Case) pairs recorded for ``component``."""
    from reference.registry.cases import DTYPES, Case
    from reference.judging.judge import Settings

    out = []
    for oracle in component.oracles:
        if oracle not in FRAMEWORK_ORACLES:
            continue
        for dtype in DTYPES:
            for _, sizes in Settings().size_sets(component):
                out.append((oracle, Case(dtype, sizes, DEFAULT_SEED)))
    return out


def _storable(value) -> bool:
    return isinstance(value, np.ndarray) and value.dtype.kind in "biuf"


class _Arrays:
    """Arrays by key, identical contents stored once."""

    def __init__(self, existing: dict | None = None):
        self.data: dict[str, np.ndarray] = dict(existing or {})
        self.by_hash = {self._hash(v): k for k, v in self.data.items()}

    @staticmethod
    def _hash(a: np.ndarray) -> str:
        a = np.asarray(a, order="C")    # not ascontiguousarray: it makes a 0-d array 1-d, merging () and (1,)
        return hashlib.sha1(a.dtype.str.encode() + str(a.shape).encode() + a.tobytes()).hexdigest()

    def add(self, a) -> str:
        a = np.asarray(a)
        h = self._hash(a)
        if h not in self.by_hash:
            key = f"a{len(self.data)}"
            while key in self.data:
                key += "_"
            self.data[key] = a
            self.by_hash[h] = key
        return self.by_hash[h]


def record_component(component, arrays: _Arrays, entries: dict, log=lambda s: None) -> None:
    from reference import oracles
    from reference.sandbox.ops import case_to

    for oracle, case in planned(component):
        sample = component.sample(case)
        try:
            result = oracles.run(oracle, component, sample)
        except LookupError as exc:      # an entry whose adapter is not written yet
            log(f"skipped {component.id} {oracle} [{case}]: {exc}")
            continue
        entry = {"component": component.id, "oracle": oracle, "case": case_to(case), "quantities": {},
                 "sample": {"params": {}, "inputs": {}}}
        for q in component.quantities:
            if q in result:
                entry["quantities"][q] = arrays.add(np.asarray(result[q]))
        for where in ("params", "inputs"):
            for name, value in getattr(sample, where).items():
                if _storable(value):
                    entry["sample"][where][name] = arrays.add(value)
        if _storable(sample.dout):
            entry["sample"]["dout"] = arrays.add(sample.dout)
        entries[case_key(component.id, oracle, case.dtype, case.sizes, case.seed)] = entry
    log(f"recorded {component.id}")


def record(only=None, log=print) -> dict:
    """Record (all or ``only``) components and write the files; returns the manifest."""
    from reference import registry

    for fw in FRAMEWORK_ORACLES:
        if not frameworks.available(fw):
            raise SystemExit(f"record: {fw} is not installed; golden cases are recorded from torch and Keras")
    chosen = [c for c in registry.COMPONENTS if not only or c.name in only or c.id in only]
    old = golden_cases.store() if only else None
    replaced = {c.id for c in chosen}          # every variant of a name given: its cases of other sizes go too
    entries = {k: v for k, v in (old.entries.items() if old else ()) if v["component"] not in replaced}
    arrays = _Arrays({k: np.array(old.arrays[k]) for k in old.arrays.files} if old else None)
    for component in chosen:
        record_component(component, arrays, entries, log)
    entries = _renumbered(dict(sorted(entries.items())), arrays.data)
    versions = frameworks.versions()
    manifest = {"format": FORMAT, "suite_version": _suite_version(), "seed": DEFAULT_SEED,
                "recorded_at": datetime.date.today().isoformat(),
                "recorded_with": {k: versions.get(k) for k in ("python", "numpy", "torch", "tensorflow", "keras")},
                "entries": entries}
    buffers, index = golden_cases.FlatArrays.pack(arrays.data)
    manifest["arrays"] = index
    np.savez_compressed(ARRAYS, **buffers)
    MANIFEST.write_text(json.dumps(manifest, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    golden_cases.store.cache_clear()
    return manifest


def _renumbered(entries: dict, data: dict) -> dict:
    """The entries with their arrays named a0, a1, ... in order of first use, and ``data`` cut to those: a
    partial re-record (--only) writes the same files as a full one, without arrays no entry uses."""
    names: dict[str, str] = {}

    def rename(key: str) -> str:
        return names.setdefault(key, f"a{len(names)}")

    out = {}
    for case, e in entries.items():
        quantities = {q: rename(k) for q, k in e["quantities"].items()}
        sample = {w: {n: rename(k) for n, k in e["sample"].get(w, {}).items()} for w in ("params", "inputs")}
        if "dout" in e["sample"]:
            sample["dout"] = rename(e["sample"]["dout"])
        out[case] = {**e, "quantities": quantities, "sample": sample}
    kept = {new: data[old] for old, new in names.items()}
    data.clear()
    data.update(kept)
    return out


def _suite_version() -> str:
    from reference.judging.judge import SUITE_VERSION

    return SUITE_VERSION


def drift(component, only_case: int | None = None) -> list[str]:
    """Differences between the stored golden cases of ``component`` and a live regeneration.

    only_case: compare only the case of that index (0-3: float32 distinct, float32 unit, float64
    distinct, float64 unit) for each oracle; the test suite rotates it over the components so that every
    kind of case is covered at a quarter of the cost. ``--check`` compares everything.
    """
    from reference import oracles
    from reference.registry.compare import compare

    store = golden_cases.store()
    if store is None:
        return ["no golden cases are installed"]
    problems = []
    for index, (oracle, case) in enumerate(planned(component)):
        if only_case is not None and index % 4 != only_case:
            continue
        sample = component.sample(case)
        try:
            stored = store.lookup(component.id, oracle, case, sample)
        except golden_cases.Stale as exc:
            problems.append(str(exc))
            continue
        if stored is None:
            problems.append(f"{component.id} {oracle} [{case}]: not recorded (scratch-conformance golden "
                            f"--only {component.id})")
            continue
        live = oracles.run(oracle, component, sample)
        for q, value in stored.items():
            if q not in live:
                problems.append(f"{component.id}.{q} {oracle} [{case}]: the adapter no longer returns it")
                continue
            try:
                if np.array_equal(np.asarray(live[q]), value, equal_nan=True):
                    continue        # identical (NaN where the frameworks give NaN, e.g. all labels ignored)
            except TypeError:
                pass
            tol = component.tolerance(q, case.dtype, oracle)
            c = compare(live[q], value, tol, quantity=f"{component.id}.{q} {oracle}", context=str(case),
                        steps=sample.steps)
            if not c.ok:
                problems.append(c.message())
        for q in component.quantities:
            if q in live and q not in stored:
                problems.append(f"{component.id}.{q} {oracle} [{case}]: returned live but not recorded")
    return problems


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="scratch-conformance golden",
                                description="Record the golden cases from torch and Keras, or check them.")
    p.add_argument("--check", action="store_true", help="regenerate live and compare; do not write")
    p.add_argument("--only", nargs="+", metavar="NAME", help="only these components")
    args = p.parse_args(argv)
    frameworks.quiet_environment()
    if args.check:
        from reference import registry

        problems = [m for c in registry.COMPONENTS if not args.only or c.name in args.only or c.id in args.only
                    for m in drift(c)]
        print("\n".join(problems) if problems else "golden cases match the live frameworks")
        return 1 if problems else 0
    manifest = record(args.only, log=lambda s: print(s, file=sys.stderr))
    size = ARRAYS.stat().st_size + MANIFEST.stat().st_size
    print(f"recorded {len(manifest['entries'])} golden cases ({size / 1e6:.2f} MB) into {ARRAYS.parent}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

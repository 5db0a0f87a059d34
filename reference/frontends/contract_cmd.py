"""``scratch-conformance contract NAME``: what the checks expect of one component, from the registry.

A student has the report's hints but not the project's specification:
this prints, for a component (every entry of it: ``TimeLSTM``,
``TimeLSTM[set_state]``, ...), the constructor and method calls the checks
make, ``params``/``grads`` in order with their shapes, the inputs and the
results compared with their shapes and dtypes (shapes from the recorded
golden cases, named by the case's pairwise-distinct sizes), the contract's
signature rules, the modes (entries) with their oracles, and the formula
hints. Unknown NAME: exit 2 with the closest names.
"""
from __future__ import annotations

import difflib
import sys

import numpy as np

from reference import registry
from reference.judging import variants
from reference.registry import contract
from reference.registry.cases import TELLING_SIZES, Case, fixed_sizes
from reference.golden.cases import DEFAULT_SEED

EXIT_OK, EXIT_USAGE = 0, 2
MULTIPLES = (1, 2, 3, 4)


# Sizes for reading shapes: distinct primes, so that k * size (k <= 4) names one size only.
PROBE_PRIMES = (11, 13, 17, 19, 23, 29, 31, 37, 41, 43)


def symbolic(shape, sizes: dict) -> str:
    """``(4, 24)`` as ``(D, 4H)`` from the case's sizes; ``T|D`` where two sizes are equal in the case."""
    def one(d):
        for k in MULTIPLES:
            names = [name for name, value in sizes.items() if value * k == d]
            if names:
                return "|".join(names) if k == 1 else "|".join(f"{k}{n}" for n in names)
        return str(d)
    parts = [one(d) for d in shape]
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def _describe(value, sizes: dict) -> str:
    if isinstance(value, np.ndarray):
        kind = "int ids" if value.dtype.kind in "iu" else "float32 or float64" if value.dtype.kind == "f" else str(
            value.dtype)
        return f"{symbolic(value.shape, sizes)} {kind}"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{type(value).__name__} (e.g. {value!r})"
    return type(value).__name__


def family(name: str) -> list:
    """Every registry entry of a component, by name or entry id (``TimeLSTM[set_state]``), any case."""
    base = name.split("[", 1)[0]
    exact = [c for c in registry.COMPONENTS if c.name == base]      # softmax and Softmax are two components
    if exact:
        return exact
    other = next((c.name for c in registry.COMPONENTS if c.name.lower() == base.lower()), None)
    return [c for c in registry.COMPONENTS if c.name == other]


def suggestions(name: str) -> list[str]:
    names = sorted({c.name for c in registry.COMPONENTS})
    lowered = {n.lower(): n for n in names}
    close = difflib.get_close_matches(name.lower(), list(lowered), n=4, cutoff=0.5)
    contains = [n for n in names if name.lower() in n.lower() or n.lower() in name.lower()]
    return list(dict.fromkeys([lowered[c] for c in close] + contains))[:5]


def _recorded_shapes(component, case) -> dict:
    from reference.golden.cases import store

    golden = store()
    if golden is None:
        return {}
    for oracle in component.oracles:
        found = golden.lookup(component.id, oracle, case) if oracle != "fd64" else None
        if found:
            return {q: np.asarray(v) for q, v in found.items()}
    return {}


def _result_shapes(component, example, probe, named: dict, sizes: dict) -> dict[str, str]:
    """Each compared quantity's shape in size names: that of the array it is the gradient or the new value of
    (read at the prime probe sizes), else the recorded golden shape named by the example case's sizes."""
    arrays = {**example.params, **example.inputs, "dout": example.dout}
    probed = {**probe.params, **probe.inputs, "dout": probe.dout}
    recorded = _recorded_shapes(component, example.case)
    out = {}
    for q in component.quantities:
        if q not in recorded or np.ndim(recorded[q]) == 0:
            continue
        shape = recorded[q].shape
        candidates = [q[1:], q, *arrays] if q.startswith("d") else [q, *arrays]
        source = next((n for n in candidates if isinstance(arrays.get(n), np.ndarray) and
                       isinstance(probed.get(n), np.ndarray) and arrays[n].shape == shape), None)
        out[q] = symbolic(probed[source].shape if source else shape, named if source else sizes)
    return out


def describe(entries: list) -> str:
    """The contract of one component (all its entries) as plain text."""
    head = entries[0]
    sizes = fixed_sizes(head.sizes, TELLING_SIZES)
    example = head.sample(Case("float64", sizes, DEFAULT_SEED))
    sample, named = example, sizes
    try:      # the inputs' shapes read at prime sizes, where no two sizes coincide
        probe = dict(zip(head.sizes, PROBE_PRIMES))
        sample, named = head.sample(Case("float64", probe, DEFAULT_SEED)), probe
    except Exception:  # noqa: BLE001 - a sample that needs sizes in its range: the example case's names
        pass
    lines = [f"{head.name}  (in the book's {head.module}.py; oracles: {', '.join(head.oracles)})",
             f"  sizes named below: {', '.join(f'{k}={v}' for k, v in sizes.items())} in the example case "
             f"(the checks also use all-ones sizes and drawn sizes)"]
    init = [*(f"{n} {_describe(v, named)}" for n, v in sample.params.items()),
            *(f"{k}={v!r}" for k, v in sample.init_kwargs.items() if not isinstance(v, (int, float)) or
              k not in ("vocab_size", "wordvec_size", "hidden_size"))]
    call = [f"{n} {_describe(v, named)}" for n, v in sample.inputs.items()]
    switches = [k for k in sample.forward_kwargs if head.kind == "custom"]     # set as attributes by the driver
    call += [f"{k}={v!r}" for k, v in sample.forward_kwargs.items() if k not in switches]
    if head.kind == "function":
        lines.append(f"  call:        {head.name}({', '.join(call)})")
    elif head.kind in ("layer", "loss") or (head.name.startswith("Time") and head.module == "time_layers"):
        lines.append(f"  constructor: {head.name}({', '.join(init)})   (as the checks call it)")
        for k in switches:
            lines.append(f"  attribute:   {k} (True: training, False: evaluation; set on the layer, not passed to "
                         f"forward)")
        lines.append(f"  forward:     forward({', '.join(call)})")
        if sample.dout is not None:
            returns = ", ".join("d" + n for n in sample.differentiable) or "None"
            lines.append(f"  backward:    backward(dout {_describe(sample.dout, named)}) -> {returns}")
        if sample.params:
            names = ", ".join(sample.params)
            lines.append(f"  attributes:  params = [{names}]; grads = [{', '.join('d' + n for n in sample.params)}] "
                         f"same shapes and order, written in place (grads[i][...] = value)")
    else:
        lines.append(f"  driven by the checks' own procedure; data: {', '.join(init + call) or 'see below'}")
    lines.append("  dtypes:      float32 and float64 inputs are both judged; results keep the input's dtype "
                 "(float32 results for float64 input are an advisory, judged at float32 precision)")
    rules = [r for e in entries for r in contract.rules_for(e)]
    if rules:
        lines.append("  signatures and state:")
        for rule in dict.fromkeys(rules):
            lines.append(f"    {rule.quantity}: {rule.hint}")
    optional = contract.NOT_IN_BOOK.get(head.name)
    if optional:
        lines.append(f"  not in the book's {head.name}: {', '.join(optional)} (a missing one is an advisory; one you "
                     f"define is judged on the signature above, where there is one)")
    lines.append("  compared:")
    shapes = _result_shapes(head, example, sample, named, sizes)
    for q in head.quantities:
        shape = f" {shapes[q]}" if q in shapes else ""
        hint = head.hints.get(q)
        lines.append(f"    {q}{shape}{': ' + hint if hint else ''}")
    alternatives = [a for e in entries for a in variants.ALTERNATIVES.get(e.id, [])]
    if alternatives:
        lines.append("  documented alternative (status variant, when followed in every mode; a mix fails):")
        for a in alternatives:
            lines.append(f"    {a.component}: {a.description}")
    if len(entries) > 1:
        lines.append("  modes (each judged on its own; what differs from the first):")
    for e in entries[1:]:
        note = f": {e.doc}" if e.doc else ""
        lines.append(f"    {e.id}  [oracles: {', '.join(e.oracles)}]{note}")
        for q in e.quantities:
            if e.hints.get(q) and e.hints.get(q) != head.hints.get(q):
                lines.append(f"      {q}: {e.hints[q]}")
    return "\n".join(lines) + "\n"


def listing() -> str:
    """Every component the suite knows, one line per registry chapter."""
    import importlib

    lines = []
    for module in registry.CHAPTER_MODULES:
        names = list(dict.fromkeys(c.name for c in importlib.import_module(module).ENTRIES))
        lines.append(f"  {module.rsplit('.', 1)[-1]:<12} {', '.join(names)}\n")
    return "".join(lines)


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: scratch-conformance contract NAME; the components:")
        print(listing(), end="")
        return EXIT_OK
    if len(argv) != 1 or argv[0].startswith("-"):
        print("usage: scratch-conformance contract NAME   (e.g. TimeLSTM, Affine, softmax)",
              file=sys.stderr if argv and argv[0] not in ("-h", "--help") else sys.stdout)
        return EXIT_OK if argv and argv[0] in ("-h", "--help") else EXIT_USAGE
    entries = family(argv[0])
    if not entries:
        close = suggestions(argv[0])
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        print(f"scratch-conformance contract: no component named {argv[0]!r}{hint} "
              f"(known: {len({c.name for c in registry.COMPONENTS})} components, e.g. TimeLSTM, Affine)",
              file=sys.stderr)
        return EXIT_USAGE
    print(describe(entries), end="")
    return EXIT_OK

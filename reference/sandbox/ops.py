"""What the judge asks of an implementation: the operations run next to the code under test.

Each ``op_*`` takes the loaded ``Implementation`` and plain arguments (ids,
cases as dicts, transform specs) and returns plain data (arrays allowed):
the same functions serve the isolated worker process (``reference.sandbox.worker``)
and the in-process runner (pytest, notebooks). An exception raised by the
implementation is returned as ``{"exception": {...}}`` with the phase
(``__init__``, ``forward``, ``backward``) and the line in the student's file,
never raised here.
"""
from __future__ import annotations

import os
import traceback
import warnings

from reference.registry import drive, transforms
from reference.sandbox import integrity, loader
from reference import registry
from reference.sandbox.alarm import SoftTimeout, soft_timeout
from reference.registry.cases import Case
from reference.sandbox.implementation import NotImplementedComponent


def case_from(data: dict) -> Case:
    return Case(data["dtype"], dict(data["sizes"]), int(data["seed"]))


def case_to(case: Case) -> dict:
    return {"dtype": case.dtype, "sizes": dict(case.sizes), "seed": case.seed}


def describe_exception(exc: BaseException, files) -> dict:
    """Type, message, phase and location of an exception raised by the implementation."""
    frames = traceback.extract_tb(exc.__traceback__)
    own = [f for f in frames if os.path.abspath(f.filename) in files or "#cell" in f.filename]
    phase = ""
    for f in frames:
        if f.name in ("__init__", "forward", "backward", "update", "fit", "predict") and (
                not own or f in own):
            phase = f.name
            break
    if not phase and own:
        phase = own[0].name
    where = ""
    if own:
        last = own[-1]
        file, _, cell = last.filename.partition("#")
        where = f"{os.path.basename(file)}{'#' + cell if cell else ''}:{last.lineno} in {last.name}"
        if last.line:
            where += f": {last.line.strip()}"
    if isinstance(exc, SystemExit):
        kind, message = "SystemExit", f"called sys.exit({exc.code!r})"
    elif isinstance(exc, SoftTimeout):
        kind, message = "Timeout", str(exc)
    elif isinstance(exc, MemoryError):
        kind, message = "MemoryError", f"ran out of memory ({str(exc)[:160] or 'MemoryError'})"
    else:
        kind, message = type(exc).__name__, str(exc)[:500]
    return {"type": kind, "message": message, "phase": phase, "where": where,
            "traceback": "".join(traceback.format_exception(type(exc), exc, exc.__traceback__, limit=-6))[-3000:]}


def _guarded(impl, timeout, fn):
    """``fn()`` under the soft timeout; exceptions returned, warnings collected (``"warnings"``)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with soft_timeout(timeout):
                result = fn()
        except BaseException as exc:  # noqa: BLE001 - the implementation may raise anything
            if isinstance(exc, KeyboardInterrupt):
                raise
            result = {"exception": describe_exception(exc, impl.files)}
    own = [w for w in caught if os.path.abspath(w.filename) in impl.files or "#cell" in w.filename]
    if own:
        result["warnings"] = sorted({f"{w.category.__name__}: {w.message} "
                                     f"({os.path.basename(w.filename.split('#')[0])}:{w.lineno})" for w in own})[:3]
    return result


def op_info(impl, component_ids=None, timeout=None) -> dict:
    """Which components the implementation defines, where, and what went wrong while loading."""
    out = {}
    for c in registry.COMPONENTS:
        if component_ids and c.id not in component_ids:
            continue
        entry = {"found": False, "module": None, "error": None, "suggest": []}
        try:
            impl.find(c.name)
            entry["found"] = True
            entry["module"] = impl.module_of(c.name)
        except NotImplementedComponent:
            target = impl.aliases.get(c.name, c.name)
            if target in impl.intended:
                module = impl.intended[target]
                entry["error"] = f"{module} failed to load before defining {target}: {impl.load_errors.get(module, '')}"
            else:
                contract_names = {k.name for k in registry.COMPONENTS}
                entry["suggest"] = impl.suggest(c.name, exclude=contract_names,
                                                want_class=None if c.kind == "custom" else c.kind != "function")
        out[c.id] = entry
    found = {c.name for c in registry.COMPONENTS if out.get(c.id, {}).get("found")}
    foreign = integrity.foreign_components(impl, sorted(found))
    for c in registry.COMPONENTS:
        if c.id in out and c.name in foreign:
            out[c.id]["integrity"] = integrity.message(c.name, foreign[c.name])   # an error for the judge
    return {"name": impl.name, "form": impl.form, "path": impl.path, "components": out,
            "load_errors": dict(impl.load_errors), "advisories": list(impl.advisories),
            "files": list(impl.loaded), "ignored_files": list(impl.ignored), "names": impl.own_names()}


def op_run(impl, component_id: str, case: dict, transform=None, twice: bool = True, timeout=None) -> dict:
    """Run the component on the (transformed) sample: quantities, driver problems, second backward."""
    component = registry.get(component_id)
    sample = transforms.apply(component.sample(case_from(case)), transform)

    def go():
        obj = impl.find(component.name)
        outcome = drive.run(component, obj, sample, backward_twice=twice and component.kind in ("layer", "loss"))
        return {"quantities": dict(outcome.quantities), "problems": outcome.problems, "second": outcome.second}

    return _guarded(impl, timeout, go)


def op_fd64(impl, component_id: str, case: dict, transform=None, timeout=None) -> dict:
    """Float64 central differences of the implementation's own forward (the numeric oracle)."""
    from reference.oracles import numeric

    component = registry.get(component_id)
    sample = transforms.apply(component.sample(case_from(case)), transform)

    def go():
        obj = impl.find(component.name)
        return {"quantities": numeric.gradients(drive.forward_of(component, obj), sample)}

    return _guarded(impl, timeout, go)


def op_contract(impl, component_id: str, timeout=None) -> dict:
    """Signature, state-name and fresh-default checks of one component (see reference.registry.contract)."""
    from reference.registry import contract

    component = registry.get(component_id)

    def go():
        return {"checks": contract.evaluate(component, impl.find(component.name))}

    return _guarded(impl, timeout, go)


def op_advisories(impl) -> dict:
    """Advisories collected while the checks ran (NumPy-1 aliases used inside functions)."""
    return {"advisories": loader.alias_advisories(impl)}


def op_repair_sources(impl, component_id: str) -> dict:
    """The student's functions a component runs, with their source (``reference.sandbox.patching``)."""
    from reference.sandbox import patching

    return {"functions": patching.sources(impl, registry.get(component_id))}


def op_repair_try(impl, component_id: str, candidates: list, cases: list, time_box: float = 8.0,
                  timeout: float | None = None, keep: bool = False) -> dict:
    """Run edited sources of those functions on the cases (``patching.screen``); the functions are restored."""
    from reference.sandbox import patching

    return patching.screen(impl, registry.get(component_id), candidates, cases, time_box=time_box,
                           timeout=min(timeout or 2.0, 2.0), keep=keep, stop_early=not keep)


OPS = {"info": op_info, "run": op_run, "fd64": op_fd64, "contract": op_contract,
       "advisories": op_advisories, "repair_sources": op_repair_sources, "repair_try": op_repair_try}


def dispatch(impl, request: dict) -> dict:
    args = dict(request)
    name = args.pop("op")
    return OPS[name](impl, **args)



"""The catalogue of symptom -> hint rules.

A rule reads the *pattern* of what failed for one component (which
quantities are right and which wrong, the driver's findings, the exception
raised, the error per time step) and names the likely mistake. Each rule
has an id (shown in reports, ``CheckRecord.rules``) and returns the
quantities it explains plus a hint; ``tests/test_diagnostics.py`` triggers
every rule with a small broken implementation.

A rule states only what holds in the report it fires in: each has a
premise checked against that report's Symptoms (a mechanism is named only
when the evidence singles it out; otherwise the hint says what is known),
and ``tests/test_diagnostics.py`` shows each rule silent when its premise
fails. ``PREMISED_HINTS`` does the same for the fixed per-quantity hints
of registry entries: a line whose premise fails in the report is dropped.

Quantity groups come from the sample: forward quantities (``out``, no
leading d), input gradients (``d`` + a differentiable input), parameter
gradients (``d`` + a param). Rules that need them do not fire for custom
components (optimizers, models) whose quantities are named otherwise.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

import numpy as np


@dataclass
class Symptoms:
    """What failed, for one component, across every case and oracle."""

    component: object
    bad: set = field(default_factory=set)          # quantities that failed somewhere
    good: set = field(default_factory=set)         # quantities judged and never failed
    problems: list = field(default_factory=list)   # driver findings (strings)
    exceptions: list = field(default_factory=list) # exception dicts
    comparisons: dict = field(default_factory=dict)  # quantity -> a failing Comparison (first)
    series: dict = field(default_factory=dict)     # quantity -> error per time step (first failing)
    forward: set = field(default_factory=set)
    input_grads: set = field(default_factory=set)
    param_grads: set = field(default_factory=set)
    sizes: dict = field(default_factory=dict)
    recurrent: bool = False                         # gate-stacked / Wx, Wh params
    truncation: dict = field(default_factory=dict)  # quantity -> first bad k (steps.by_length)
    zero: set = field(default_factory=set)          # quantities that are all zero where the reference is not
    fresh_start: bool = True                        # one call from a zero state (no set_state, no earlier call)
    cell_state: bool = False                        # an LSTM: a cell state c is carried beside h


@dataclass(frozen=True)
class Rule:
    id: str
    symptom: str                                     # one line, for the README catalogue
    fires: Callable[[Symptoms], tuple[list[str], str] | None]


def _only_bad(s: Symptoms, group: set) -> bool:
    return bool(group) and bool(s.bad) and s.bad <= group


def _exc(s: Symptoms, *types) -> dict | None:
    return next((e for e in s.exceptions if e.get("type") in types), None)


def _grads_rebound(s):
    if any("rebound" in p for p in s.problems):
        return [], ("a gradient was rebound (self.grads[i] = dW) instead of written in place: write "
                    "self.grads[i][...] = dW, because optimizers and trainers hold the original arrays")


def _input_modified(s):
    if any(p.startswith("input") and "modified" in p for p in s.problems):
        return [], ("the caller's input array was changed: never modify inputs in place "
                    "(x = x - x.max(axis=-1, keepdims=True), not x -= ...; copy before masking)")


def _param_modified(s):
    if any(p.startswith("param") and "modified" in p for p in s.problems):
        return [], ("a parameter was changed by forward/backward: params change only in the optimizer "
                    "(a gradient written into params[i] instead of grads[i]?)")


def _forward_wrong(s):
    """Premise for "fix forward first": a gradient is wrong too (with every gradient right, the error is
    in what forward returns, not in what backward uses)."""
    bad = s.bad & s.forward
    grads = s.input_grads | s.param_grads
    if bad and grads:
        if grads <= s.good:
            return sorted(bad), ("the forward result is wrong while every gradient is right: the error is in "
                                 "what forward returns, not in what it caches for backward")
        return sorted(bad), ("the forward result is wrong, so the gradients computed from it will be too: "
                             "fix forward first")


def _only_input_grad(s):
    """Premise: every weight gradient and the forward are right. A plain layer's dx is then one product
    (dout @ W.T) away from a right dout, so the matrix is the suspect; a recurrent cell's input gradients
    sum several paths, so only "after da" is stated."""
    if _only_bad(s, s.input_grads) and s.param_grads and s.param_grads <= s.good and s.forward <= s.good:
        bad = ", ".join(sorted(s.bad))
        if s.recurrent:
            return sorted(s.bad), (f"{bad} wrong while the output and every weight gradient are right: the "
                                   f"pre-activation gradient da is right (the weight gradients are built from "
                                   f"it), so the error is in what turns da into {bad} (a product with the wrong "
                                   f"matrix, or a missing or extra term)")
        return sorted(s.bad), ("the input gradient is wrong while every weight gradient is right: the last "
                               "product of backward uses the wrong matrix: dx = dout @ W.T (W transposed)")


def _only_param_grads(s):
    if s.bad and all(q.startswith("db") for q in s.bad):
        return None          # bias-axes says it better
    if _only_bad(s, s.param_grads) and s.input_grads and s.input_grads <= s.good and s.forward <= s.good:
        if s.recurrent and s.truncation and all(s.truncation.get(q) not in (None, 1) for q in s.bad):
            return sorted(s.bad), ("the outputs and input gradients are right, the weight gradients wrong "
                                   "only with several steps: sum every step's grads over all T steps "
                                   "(accumulate, then write grads[i][...] = total), not the last step's only")
        return sorted(s.bad), ("the input gradient is right but weight gradients are wrong: dW = x.T @ dout "
                               "with the x cached by forward (and summed over every step of a sequence)")


def _dwh_only(s):
    if s.bad == {"dWh"} and "dWx" in s.good:
        return ["dWh"], ("dWx right but dWh wrong: dWh = h_prev.T @ da uses the hidden state that entered "
                         "the step (h of step t-1, zeros at t = 0), not the one the step produced")


def _dh_not_carried(s):
    """Premise: right at the last step, wrong at every earlier one, and right on a single step (the
    step itself is not wrong). With a cell state, dh and dc are both carried: neither is singled out."""
    for q in sorted(s.bad & s.input_grads):
        y = s.series.get(q)
        if y and len(y["y"]) >= 3 and s.truncation.get(q) != 1:
            allowed = y["allowed"] or 0.0
            errs = [e if e is not None else np.inf for e in y["y"]]
            if errs[-1] <= allowed and all(e > allowed for e in errs[:-1]):
                if s.cell_state:
                    return [q], (f"{q} is right at the last step and wrong before it: what backward carries "
                                 f"from step t+1 to step t (dh, or dc) is lost or wrong")
                return [q], (f"{q} is right at the last step and wrong before it: dh is not carried between "
                             f"steps; step t's backward must get dhs[:, t] + dh (the dh_prev that step t+1 "
                             f"returned)")


def _state_not_carried(s):
    for q in sorted(s.bad & s.forward):
        y = s.series.get(q)
        if y and len(y["y"]) >= 3:
            allowed = y["allowed"] or 0.0
            errs = [e if e is not None else np.inf for e in y["y"]]
            if errs[0] <= allowed and all(e > allowed for e in errs[1:]):
                return [q], (f"{q} is right at t = 0 and wrong from t = 1: the state step t starts from is "
                             f"wrong; it must be the h (and c) that step t-1 produced")


def _bias_axes(s):
    bias = {q for q in s.param_grads if q.startswith("db")}
    if bias and s.bad and s.bad <= bias:
        return sorted(s.bad), ("only the bias gradient is wrong: db is dout summed over every axis except "
                               "the last (the batch, and time for sequence layers): dout.sum(axis=0)")


def _zero_grads(s):
    """Premise: the forward is right (a zero from a zero state, e.g. dWh = h_prev.T @ da with every
    h_prev zero, is not "never stored")."""
    z = s.zero & (s.param_grads | s.input_grads)
    if z and s.forward <= s.good:
        return sorted(z), ("all zeros: the gradient is never stored; write it into self.grads[i][...] "
                           "(and return the input gradient from backward)")


def _nonfinite(s):
    bad = [q for q, c in s.comparisons.items() if c.problem.startswith("non-finite")]
    if bad:
        return bad, ("NaN or inf where the contract is finite: an overflow in exp or a log of 0; use "
                     "stable forms (subtract the max before exp; sigmoid via exp(-|x|); add the epsilon "
                     "inside the log)")


def _shape(s):
    bad = [q for q, c in s.comparisons.items() if c.problem.startswith("shape")]
    if bad:
        same = any("same size" in s.comparisons[q].problem for q in bad)
        extra = " (the values may be right: reshape to the contract's shape)" if same else ""
        return bad, ("wrong shape: the sizes of the case are pairwise distinct, so every axis must be the "
                     f"contract's{extra}")


def _wrong_type(s):
    bad = [q for q, c in s.comparisons.items() if c.problem.startswith(("returned", "missing", "not numeric"))]
    if bad or any(p.startswith("backward returned") for p in s.problems):
        return bad, ("wrong return type: forward returns one ndarray (a tuple only where the contract says "
                     "so), backward returns one gradient per differentiable input, in order")


PRODUCT_ERRORS = ("matmul", "not aligned", "mismatch in its core dimension")


def _exception_shape(s):
    """Premise for "transposed or swapped": NumPy's message for a matrix product whose inner sizes
    differ; any other shape error only says that two shapes met that differ."""
    e = _exc(s, "ValueError", "IndexError")
    text = (e or {}).get("message", "")
    if e and any(w in text for w in ("shape", "align", "broadcast", "dimension", "size", "index")):
        dims = ", ".join(f"{k}={v}" for k, v in s.sizes.items())
        if any(w in text for w in PRODUCT_ERRORS):
            return [], (f"a shape error in a matrix product with sizes {dims} (pairwise distinct): an operand "
                        f"is transposed or swapped (dx = dout @ W.T, dW = x.T @ dout); code like that only "
                        f"runs when sizes happen to be equal")
        return [], (f"a shape error with sizes {dims} (pairwise distinct): two arrays whose shapes differ "
                    f"meet ({text[:120]}); an axis is summed, sliced, indexed or transposed differently from "
                    f"the contract's shapes")


OWN_ATTRIBUTE = re.compile(r"'(\w+)' object has no attribute '(\w+)'")
NOT_A_LAYER = ("NoneType", "list", "tuple", "dict", "int", "float", "str", "ndarray", "module", "type")


def _exception_attribute(s):
    """Premise for "forward did not store it": the missing attribute is read from one of the student's
    own objects; on None or an array the attribute is not a cache (say only what was read)."""
    e = _exc(s, "AttributeError")
    if not e:
        return None
    found = OWN_ATTRIBUTE.search(e.get("message", ""))
    if found and found.group(1) not in NOT_A_LAYER:
        return [], (f"{found.group(1)} has no attribute {found.group(2)!r}: backward reads what forward did "
                    f"not store (cache it in forward, e.g. self.x = x), or the contract's name differs "
                    f"({_contract_command(s)} lists params, grads, h, c, dh)")
    if found and found.group(1) == "NoneType":
        return [], f"attribute {found.group(2)!r} read from None: a value your code uses is still None there"
    return [], f"an AttributeError: {e.get('message', '')}"


BINDING = ("positional argument", "required keyword-only argument", "unexpected keyword argument")
CONTRACT_METHODS = ("__init__", "forward", "backward", "update", "set_state", "reset_state")   # what the suite calls


def _contract_command(s) -> str:
    name = getattr(s.component, "name", "")
    return f"scratch-conformance contract {name}" if name else "scratch-conformance contract NAME"


def _exception_type(s):
    """Premise for the signature: Python's own message for a call that cannot bind its arguments, raised
    at the suite's call (no frame of the student's code on the stack): a TypeError inside the student's
    arithmetic says nothing about the signature."""
    e = _exc(s, "TypeError")
    if not e:
        return None
    text = e.get("message", "")
    name = getattr(s.component, "name", "")
    called = [f"{m}()" for m in CONTRACT_METHODS] + ([f"{name}()"] if name else [])
    if any(b in text for b in BINDING) and any(c in text for c in called) and not e.get("where"):
        return [], (f"a TypeError at the call: the method's signature does not match the contract's "
                    f"({_contract_command(s)} prints it), e.g. forward(xs) takes one array, backward(dout=1) "
                    f"for losses")
    where = f" at {e['where']}" if e.get("where") else ""
    return [], f"a TypeError raised inside your code{where}: {text}"


def _timeout(s):
    if _exc(s, "Timeout"):
        return [], ("it did not return in time: an infinite loop (a while loop that never ends?) or "
                    "far too much work for tiny sizes")


def _crash(s):
    if _exc(s, "Crash"):
        return [], ("the process running it died (os._exit, a segfault, or killed for memory): the other "
                    "components were judged in a fresh process")


def _memory(s):
    if _exc(s, "MemoryError"):
        return [], ("it ran out of memory: an array sized by a product of sizes, or a list growing forever")


def _sys_exit(s):
    if _exc(s, "SystemExit"):
        return [], "it calls sys.exit()/exit(): remove it (a script's ending left in the module?)"


RULES = (
    Rule("grads-rebound", "grads[i] is a new array after backward", _grads_rebound),
    Rule("input-modified", "an input array changed during forward/backward", _input_modified),
    Rule("param-modified", "a parameter changed during forward/backward", _param_modified),
    Rule("forward-wrong", "the forward output is wrong", _forward_wrong),
    Rule("only-input-grad", "dx wrong, every dW right", _only_input_grad),
    Rule("only-param-grads", "dx right, some dW wrong", _only_param_grads),
    Rule("dWh-only", "dWx right, dWh wrong", _dwh_only),
    Rule("dh-not-carried", "input gradient right at the last step only", _dh_not_carried),
    Rule("state-not-carried", "output right at t = 0 only", _state_not_carried),
    Rule("bias-axes", "only db wrong", _bias_axes),
    Rule("zero-grads", "a gradient is all zeros", _zero_grads),
    Rule("non-finite", "NaN/inf where the contract is finite", _nonfinite),
    Rule("shape", "a result has the wrong shape", _shape),
    Rule("wrong-type", "a result is not an ndarray / backward returns the wrong tuple", _wrong_type),
    Rule("exception-shape", "ValueError about shapes", _exception_shape),
    Rule("exception-attribute", "AttributeError", _exception_attribute),
    Rule("exception-type", "TypeError", _exception_type),
    Rule("timeout", "a call never returns", _timeout),
    Rule("crash", "the process dies", _crash),
    Rule("memory", "MemoryError", _memory),
    Rule("sys-exit", "sys.exit() called", _sys_exit),
)


# Fixed per-quantity hints of registry entries that assert something about the report: the line is kept
# only where its premise holds (``reference.diagnostics.diagnose`` drops the others).
PREMISED_HINTS: dict[str, Callable[[Symptoms], bool]] = {
    "dWx right, dWh wrong": lambda s: s.bad & {"dWx", "dWh"} == {"dWh"} and "dWx" in s.good,
}


def hint_holds(line: str, s: Symptoms) -> bool:
    """False when ``line`` (one line of a record's hint) states a premise the report contradicts."""
    return all(premise(s) for prefix, premise in PREMISED_HINTS.items() if line.startswith(prefix))


def fire(symptoms: Symptoms) -> list[tuple[str, list[str], str]]:
    """(rule id, quantities explained, hint) for every rule that fires."""
    out = []
    for rule in RULES:
        result = rule.fires(symptoms)
        if result:
            quantities, hint = result
            out.append((rule.id, list(quantities), hint))
    return out

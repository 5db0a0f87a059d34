"""Contract checks that are not numbers: signatures, state names, fresh defaults, params/grads.

judging.md: "Signatures and state names per the contract: ``train_flg``,
``reset_state()`` with no argument, ``set_state(h, c=None)``, attributes
``h``, ``c``, ``dh``. A deviation is a fail with a hint that names the
expected signature", and "freshly constructed layers behave per the
contract's defaults (a TimeDropout that starts with ``train_flg = None``
never drops)".

Each ``Rule`` names the components it applies to and returns
``(ok, message)``; ``evaluate(component, obj)`` runs them on the
implementation's class and returns one dict per rule (quantity, ok,
message, hint). The rules run in the implementation's process.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Callable

import numpy as np

from reference.registry.cases import TELLING_SIZES, Case, fixed_sizes

STATEFUL_H = ("TimeRNN", "TimeGRU")
STATEFUL_HC = ("TimeLSTM",)
STATEFUL = STATEFUL_H + STATEFUL_HC + ("TimeBiLSTM",)


@dataclass(frozen=True)
class Rule:
    quantity: str                      # what the report calls the check: "signature set_state"
    components: tuple[str, ...]
    check: Callable                    # (obj, component) -> (ok, message)
    hint: str


def _callable_as(fn, *args, **kwargs) -> bool:
    try:
        inspect.signature(fn).bind(None, *args, **kwargs)
        return True
    except TypeError:
        return False
    except ValueError:          # no signature (builtins): assume fine
        return True


def _signature(fn) -> str:
    try:
        return str(inspect.signature(fn)).replace("(self, ", "(").replace("(self)", "()")
    except (TypeError, ValueError):
        return "(?)"


def _method(obj, name):
    fn = getattr(obj, name, None)
    return fn if callable(fn) else None


# Methods the book's class does not have: judged only when the implementation defines them (judging.md).
NOT_IN_BOOK = {"TimeBiLSTM": ("reset_state", "set_state")}


def _absent(obj, component, name):
    """(ok, message) for a method ``obj`` does not define: ``None`` (not judged) where the book has none."""
    if name in NOT_IN_BOOK.get(component.name, ()):
        return None, f"has no {name} method, like the book's {component.name}: not judged"
    return False, f"has no {name} method"


def _reset_state(obj, component):
    fn = _method(obj, "reset_state")
    if fn is None:
        return _absent(obj, component, "reset_state")
    if not _callable_as(fn):
        return False, f"reset_state{_signature(fn)} cannot be called as reset_state()"
    return True, "reset_state() ok"


def _set_state_h(obj, component):
    fn = _method(obj, "set_state")
    if fn is None:
        return _absent(obj, component, "set_state")
    if not _callable_as(fn, "h"):
        return False, f"set_state{_signature(fn)} cannot be called as set_state(h)"
    return True, "set_state(h) ok"


def _set_state_hc(obj, component):
    fn = _method(obj, "set_state")
    if fn is None:
        return _absent(obj, component, "set_state")
    forms = {"set_state(h)": ((("h",), {})), "set_state(h, c)": (("h", "c"), {}),
             "set_state(h, c=c)": (("h",), {"c": "c"})}
    bad = [label for label, (a, k) in forms.items() if not _callable_as(fn, *a, **k)]
    if bad:
        return False, f"set_state{_signature(fn)} cannot be called as {', '.join(bad)}"
    default = inspect.signature(fn).parameters.get("c")
    if default is not None and default.default is not None:
        return False, f"set_state{_signature(fn)}: c must default to None (c restarts at zeros)"
    return True, "set_state(h, c=None) ok"


def _stateful_kwarg(obj, component):
    if not _callable_as(obj.__init__, *(["W"] * (3 if component.name != "TimeBiLSTM" else 6)), stateful=False):
        return False, f"{component.name}{_signature(obj.__init__)} does not accept stateful=False"
    return True, "stateful=False accepted"


def _state_attributes(obj, component):
    """After forward: h (and c for TimeLSTM) is the last state; after backward: dh (N, H)."""
    sizes = fixed_sizes({k: (1, 9) for k in ("N", "T", "D", "H")}, TELLING_SIZES)
    rng = Case("float64", sizes, 7).rng()
    N, T, D, H = sizes["N"], sizes["T"], sizes["D"], sizes["H"]
    k = {"TimeRNN": 1, "TimeGRU": 3, "TimeLSTM": 4}[component.name]
    layer = obj(rng.standard_normal((D, k * H)) * 0.5, rng.standard_normal((H, k * H)) * 0.5,
                rng.standard_normal(k * H) * 0.1)
    hs = np.asarray(layer.forward(rng.standard_normal((N, T, D))))
    problems = []
    names = ("h", "c") if component.name in STATEFUL_HC else ("h",)
    for name in names:
        value = getattr(layer, name, None)
        if not isinstance(value, np.ndarray) or value.shape != (N, H):
            problems.append(f"after forward, self.{name} should be the last state, an (N, H) = ({N}, {H}) "
                            f"array; got {type(value).__name__ if not isinstance(value, np.ndarray) else value.shape}")
    h = getattr(layer, "h", None)
    if isinstance(h, np.ndarray) and h.shape == (N, H) and hs.shape == (N, T, H) and not np.allclose(h, hs[:, -1]):
        problems.append("after forward, self.h differs from hs[:, -1]")
    layer.backward(rng.standard_normal((N, T, H)))
    dh = getattr(layer, "dh", None)
    if not isinstance(dh, np.ndarray) or dh.shape != (N, H):
        problems.append(f"after backward, self.dh should be the gradient of the initial h, (N, H) = ({N}, {H}); "
                        f"got {type(dh).__name__ if not isinstance(dh, np.ndarray) else dh.shape}")
    return (not problems), "; ".join(problems) or "h, c, dh ok"


def _time_dropout_fresh(obj, component):
    layer = obj()
    flag = getattr(layer, "train_flg", "missing")
    if flag is not True:
        return False, (f"a fresh TimeDropout() has train_flg = {flag!r}; the contract starts in training "
                       f"mode (train_flg = True), or the layer never drops")
    ratio = inspect.signature(obj).parameters.get("dropout_ratio")
    if ratio is None or ratio.default != 0.5:
        return False, f"TimeDropout{_signature(obj.__init__)}: expected TimeDropout(dropout_ratio=0.5)"
    return True, "train_flg = True, dropout_ratio = 0.5"


def _dropout_signature(obj, component):
    ratio = inspect.signature(obj).parameters.get("dropout_ratio")
    if ratio is None or ratio.default != 0.5:
        return False, f"Dropout{_signature(obj.__init__)}: expected Dropout(dropout_ratio=0.5)"
    fwd = inspect.signature(obj.forward).parameters.get("train_flg")
    if fwd is None or fwd.default is not True:
        return False, f"Dropout.forward{_signature(obj.forward)}: expected forward(x, train_flg=True)"
    return True, "Dropout(dropout_ratio=0.5), forward(x, train_flg=True)"


RULES = (
    Rule("signature reset_state", STATEFUL, _reset_state,
         "def reset_state(self): self.h = None  (no argument; TimeLSTM also sets self.c = None)"),
    Rule("signature set_state", STATEFUL_H, _set_state_h, "def set_state(self, h): self.h = h"),
    Rule("signature set_state", STATEFUL_HC, _set_state_hc,
         "def set_state(self, h, c=None): self.h, self.c = h, c"),
    Rule("signature __init__", STATEFUL_H + STATEFUL_HC, _stateful_kwarg,
         "def __init__(self, Wx, Wh, b, stateful=False)"),
    Rule("state h, c, dh", STATEFUL_H + STATEFUL_HC, _state_attributes,
         "keep the last hidden state in self.h (and self.c) after forward, and the gradient of the "
         "initial h in self.dh after backward"),
    Rule("fresh defaults", ("TimeDropout",), _time_dropout_fresh,
         "def __init__(self, dropout_ratio=0.5): ...; self.train_flg = True"),
    Rule("signature", ("Dropout",), _dropout_signature,
         "def __init__(self, dropout_ratio=0.5) and def forward(self, x, train_flg=True)"),
)


def rules_for(component) -> list[Rule]:
    if component.variant not in ("", "train"):
        return []       # one set of contract checks per class
    return [r for r in RULES if component.name in r.components]


def evaluate(component, obj) -> list[dict]:
    """Every rule for ``component`` on the implementation's ``obj``.

    ``book_optional`` is True where the rule judged nothing: a method the book's class does not have
    (``NOT_IN_BOOK``) is absent, which is an advisory, not a failure.
    """
    out = []
    for rule in rules_for(component):
        try:
            ok, message = rule.check(obj, component)
        except Exception as exc:  # noqa: BLE001 - a crash in the student's code is a failed check
            ok, message = False, f"{type(exc).__name__}: {exc}"
        out.append({"quantity": rule.quantity, "ok": ok is None or bool(ok), "message": message,
                    "hint": "" if ok or ok is None else f"expected: {rule.hint} (see: scratch-conformance contract "
                                                                  f"{component.name})", "book_optional": ok is None})
    return out

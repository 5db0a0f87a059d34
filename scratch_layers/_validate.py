"""Input checks shared by every layer: clear errors, never ``assert``.

Each helper names the owner (``"Affine.forward"``), the argument, what was
expected and what was received, so a student sees at once which call is
wrong. Shape errors are ValueError, dtype errors TypeError, as in NumPy.
"""
from __future__ import annotations

from scratch_layers.backend import FLOAT_DTYPES, np


def _fmt(shape) -> str:
    return "(" + ", ".join(str(s) for s in shape) + (",)" if len(shape) == 1 else ")")


def float_array(owner: str, name: str, a, dtype=None):
    """``a`` as an array of a float dtype: ``dtype`` if given, else its own.

    Integer and bool arrays are promoted to ``dtype`` (float64 when none is
    given); complex, object and string arrays are refused.
    """
    if not hasattr(a, "dtype"):
        a = np.asarray(a)
    kind = a.dtype.kind
    if kind not in "fiub":
        raise TypeError(f"{owner}: {name} must be a real numeric array; got dtype {a.dtype}")
    if dtype is not None:
        return a if a.dtype == dtype else a.astype(dtype)
    if kind != "f":
        return a.astype(np.float64)
    return a


def param_array(owner: str, name: str, a, ndim: int):
    """A parameter: a float32 or float64 array with ``ndim`` dimensions."""
    if not hasattr(a, "dtype"):
        raise TypeError(f"{owner}: {name} must be a NumPy array; got {type(a).__name__}")
    if a.dtype not in FLOAT_DTYPES:
        raise TypeError(f"{owner}: {name} must be float32 or float64; got {a.dtype}")
    if a.ndim != ndim:
        raise ValueError(f"{owner}: {name} must have {ndim} dimension(s); got shape {_fmt(a.shape)}")
    return a


def same_dtype(owner: str, **params) -> None:
    """All parameters of one layer share one dtype."""
    dtypes = {name: p.dtype for name, p in params.items()}
    if len(set(dtypes.values())) > 1:
        listed = ", ".join(f"{n} {d}" for n, d in dtypes.items())
        raise TypeError(f"{owner}: parameters must share one dtype; got {listed}")


def shape(owner: str, name: str, a, expected: tuple, meaning: str = "") -> None:
    """``a.shape`` matches ``expected``; ``None`` entries match any size.

    ``meaning`` spells the expected shape in symbols, e.g. ``"(N, D) with D=4"``.
    """
    ok = a.ndim == len(expected) and all(e is None or e == s for e, s in zip(expected, a.shape))
    if not ok:
        want = meaning or _fmt(tuple("?" if e is None else e for e in expected))
        raise ValueError(f"{owner}: {name} must be {want}; got {_fmt(a.shape)}")


def ndim(owner: str, name: str, a, allowed: tuple[int, ...], meaning: str) -> None:
    """``a.ndim`` is one of ``allowed``."""
    if a.ndim not in allowed:
        raise ValueError(f"{owner}: {name} must be {meaning}; got shape {_fmt(a.shape)}")


def labels(owner: str, name: str, t, n_classes: int, ignore_label: int | None = None):
    """Integer class labels in ``[0, n_classes)`` (or ``ignore_label``)."""
    t = np.asarray(t)
    if t.dtype.kind not in "iu":
        if t.dtype.kind == "f" and t.size and np.all(t == np.round(t)):
            t = t.astype(np.int64)
        else:
            raise TypeError(f"{owner}: {name} must hold integer class labels; got dtype {t.dtype}")
    bad = (t < 0) | (t >= n_classes)
    if ignore_label is not None:
        bad &= t != ignore_label
    if np.any(bad):
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        allowed = f"[0, {n_classes})" + (f" or {ignore_label}" if ignore_label is not None else "")
        raise ValueError(
            f"{owner}: {name} labels must be in {allowed}; got {t[first]} at index {first}"
        )
    return t


def probability(owner: str, name: str, value: float) -> float:
    """A ratio in [0, 1)."""
    if not 0.0 <= float(value) < 1.0:
        raise ValueError(f"{owner}: {name} must be in [0, 1); got {value!r}")
    return float(value)

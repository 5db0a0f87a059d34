"""Gradient utilities of a training step: global-norm clipping and weight tying.

``clip_grads(grads, max_norm)`` is the book's ``common/util.clip_grads``;
``remove_duplicate(params, grads)`` the book's ``common/trainer.remove_duplicate``.
Both are re-exported by ``scratch_layers.util``.

Tying, precisely. Two entries of ``params`` are the same parameter when an
update of one is an update of the other, i.e. when they view the same
memory in a fixed relation. ``remove_duplicate`` merges entry ``j`` into an
earlier entry ``i`` when

- ``params[j] is params[i]``, or ``params[j]`` views exactly the elements of
  ``params[i]`` in the same layout (same dtype, shape, start address and
  strides: ``W`` and ``W[...]``); its gradient is added as is; or
- both are 2-D and ``params[j]`` views exactly the elements of
  ``params[i].T`` (the book's BetterRnnlm passes ``embed.W.T`` to its
  output TimeAffine); its gradient is added transposed.

"Views exactly" compares dtype, shape, the address of the first element and
the strides of every axis longer than 1 (strides of length-1 axes do not
address anything), so it holds for every way of building the view and never
for a copy. VALUES are never compared: the book also merges two 2-D
parameters whose values are transposes of each other, which merges two
unrelated all-zero matrices (a bias-like (H, H) initialised to zeros and
another one, say) and silently sums their gradients; here they stay apart.
Partial overlaps (``W`` and ``W[:2]``) are not the same parameter and are
left alone.
"""
from __future__ import annotations

import math

from scratch_layers import _validate
from scratch_layers.backend import np

CLIP_EPS = 1e-6   # the book's (and torch.nn.utils.clip_grad_norm_'s) epsilon in the rate


def clip_grads(grads, max_norm):
    """Scale every gradient in place so that their global L2 norm is at most ``max_norm``.

    total = sqrt(sum over all grads of the sum of squared entries);
    rate = max_norm / (total + 1e-6); if rate < 1, every grad *= rate.
    Same as ``torch.nn.utils.clip_grad_norm_`` (the ratio is clamped at 1).
    The squares are summed with a float64 accumulator; the scaling is done
    in each gradient's own dtype. Returns None, like the book.

    grads: a list of float arrays of any shapes (written in place).
    max_norm: a positive finite float.
    """
    max_norm = float(max_norm)
    if not (max_norm > 0 and math.isfinite(max_norm)):
        raise ValueError(f"clip_grads: max_norm must be a positive finite number; got {max_norm!r}")
    grads = list(grads)
    for i, g in enumerate(grads):
        if not hasattr(g, "dtype") or g.dtype.kind != "f":
            what = getattr(g, "dtype", type(g).__name__)
            raise TypeError(f"clip_grads: grads[{i}] must be a float array (scaled in place); got {what}")
    total = math.sqrt(sum(float(np.sum(g * g, dtype=np.float64)) for g in grads))
    rate = max_norm / (total + CLIP_EPS)
    if rate < 1:
        for g in grads:
            g *= rate


def _address(a) -> int:
    """Address of the first element (NumPy's array interface; CuPy's ``data.ptr``)."""
    interface = getattr(a, "__array_interface__", None)
    if interface is not None:
        return interface["data"][0]
    return a.data.ptr  # pragma: no cover - CuPy


def _layout(a) -> tuple:
    """What an array addresses: dtype, shape, first address, strides of axes longer than 1."""
    strides = tuple(s for s, n in zip(a.strides, a.shape) if n > 1)
    return (a.dtype, a.shape, _address(a), strides)


def _relation(survivor, other) -> str | None:
    """"same" when ``other`` is ``survivor`` (as a view), "T" when it is its transpose, else None."""
    if other is survivor:
        return "same"
    if getattr(other, "size", 0) == 0 or getattr(survivor, "size", 0) == 0:
        return None  # an empty array addresses nothing: never a tie
    if _layout(other) == _layout(survivor):
        return "same"
    if survivor.ndim == 2 and other.ndim == 2 and _layout(other) == _layout(survivor.T):
        return "T"
    return None


def remove_duplicate(params, grads):
    """Merge tied parameters, summing their gradients into the surviving entry.

    Returns new lists ``(params, grads)`` (the caller's lists are left as
    they were; the arrays are shared). For each entry, in order, the first
    earlier surviving entry it is tied to (see the module docstring: the same
    array or view, or a 2-D transposed view) receives its gradient IN PLACE
    (``grads[i] += grads[j]``, or ``grads[j].T``) and the entry is dropped.
    The result equals the gradient autograd computes for one tied parameter.

    params, grads: lists of arrays of equal length, ``grads[k].shape == params[k].shape``.
    """
    params, grads = list(params), list(grads)
    if len(params) != len(grads):
        raise ValueError(f"remove_duplicate: params and grads must have the same length; "
                         f"got {len(params)} params and {len(grads)} grads")
    for k, (p, g) in enumerate(zip(params, grads)):
        if not hasattr(p, "shape") or not hasattr(g, "shape"):
            raise TypeError(f"remove_duplicate: params[{k}] and grads[{k}] must be arrays; "
                            f"got {type(p).__name__} and {type(g).__name__}")
        if g.shape != p.shape:
            raise ValueError(f"remove_duplicate: grads[{k}] must have the shape of params[{k}] "
                             f"{_validate._fmt(p.shape)}; got {_validate._fmt(g.shape)}")
    kept_params, kept_grads = [], []
    for p, g in zip(params, grads):
        for i, survivor in enumerate(kept_params):
            relation = _relation(survivor, p)
            if relation is not None:
                kept_grads[i] += g if relation == "same" else g.T
                break
        else:
            kept_params.append(p)
            kept_grads.append(g)
    return kept_params, kept_grads


__all__ = ["clip_grads", "remove_duplicate"]

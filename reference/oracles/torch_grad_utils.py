"""torch equivalents of ``clip_grads`` and ``remove_duplicate``.

clip_grads: ``torch.nn.utils.clip_grad_norm_`` on tensors whose ``.grad``
holds the sample's gradients (the same rate, max_norm / (total + 1e-6),
clamped at 1). remove_duplicate: the tied model built with ONE leaf per
distinct parameter (used several times, or transposed), so autograd sums
the contributions; the merged gradient must equal that leaf's gradient.
"""
from __future__ import annotations

import numpy as np

from reference.oracles import frameworks
from reference.oracles import adapter
from reference.oracles.autodiff import torch_leaf
from reference.registry.grad_utils import CLIP_GRADS, clip_summary


@adapter("torch", "clip_grads")
def torch_clip_grads(sample):
    torch = frameworks.torch()
    tensors = [torch_leaf(np.zeros_like(sample.inputs[k])) for k in CLIP_GRADS]
    for k, t in zip(CLIP_GRADS, tensors):
        t.grad = torch.from_numpy(sample.inputs[k].copy())
    torch.nn.utils.clip_grad_norm_(tensors, sample.init_kwargs["max_norm"])
    out = {k: t.grad.numpy().copy() for k, t in zip(CLIP_GRADS, tensors)}
    return {**out, **clip_summary(out)}


def _survivors(sample):
    return np.asarray(float(len(sample.params)), dtype=sample.dtype)


@adapter("torch", "remove_duplicate[shared]")
def torch_shared_weights(sample):
    """word2vec negative sampling with one W_out leaf used by K+1 dot products."""
    torch = frameworks.torch()
    W_in, W_out = torch_leaf(sample.params["W_in"]), torch_leaf(sample.params["W_out"])
    idx_in = torch.from_numpy(sample.inputs["idx_in"])
    idx_out = torch.from_numpy(sample.inputs["idx_out"])
    douts = torch.from_numpy(sample.inputs["douts"])
    h = W_in[idx_in]
    loss = sum((douts[j] * (W_out[idx_out[j]] * h).sum(dim=1)).sum() for j in range(idx_out.shape[0]))
    dW_in, dW_out = torch.autograd.grad(loss, [W_in, W_out])
    return {"dW_in": dW_in.numpy().copy(), "dW_out": dW_out.numpy().copy(), "survivors": _survivors(sample)}


@adapter("torch", "remove_duplicate[transposed]")
def torch_tied_embedding(sample):
    """BetterRnnlm-style tying: logits = (E[idx] @ M) @ E.T + b with one leaf E; a second head U."""
    torch = frameworks.torch()
    E, M, b, U = (torch_leaf(sample.params[k]) for k in ("E", "M", "b", "U"))
    idx = torch.from_numpy(sample.inputs["idx"])
    h = E[idx] @ M
    loss = ((h @ E.T + b) * torch.from_numpy(sample.inputs["dout"])).sum() \
        + ((h @ U) * torch.from_numpy(sample.inputs["dout2"])).sum()
    grads = torch.autograd.grad(loss, [E, M, b, U])
    out = {"d" + k: g.numpy().copy() for k, g in zip(("E", "M", "b", "U"), grads)}
    return {**out, "survivors": _survivors(sample)}

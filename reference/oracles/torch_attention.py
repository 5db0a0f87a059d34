"""torch equivalents of the book's attention layers: the same dot-product attention in torch ops.

``attend`` is the one formula (also used by the seq2seq adapters): scores
hs_dec @ hs_enc^T, softmax over the encoder steps, weights @ hs_enc.
Gradients come from autograd.
"""
from __future__ import annotations

from reference.oracles import frameworks
from reference.oracles import adapter
from reference.oracles.autodiff import torch_grads, torch_leaf, torch_numpy


def attention_weights(torch, hs_enc, hs_dec):
    """a (N, S, T) = softmax over T of hs_dec (N, S, H) @ hs_enc (N, T, H)^T."""
    return torch.softmax(hs_dec @ hs_enc.transpose(1, 2), dim=-1)


def attend(torch, hs_enc, hs_dec):
    """The context (N, S, H) of every decoder state over the encoder states."""
    return attention_weights(torch, hs_enc, hs_dec) @ hs_enc


def _run(sample, names, forward):
    torch = frameworks.torch()
    leaves = [torch_leaf(sample.inputs[n]) for n in names]
    out = forward(torch, *leaves)
    grads = torch_grads(out, sample.dout, leaves)
    return {"out": torch_numpy(out), **{"d" + n: g for n, g in zip(names, grads)}}


@adapter("torch", "AttentionWeight")
def torch_attention_weight(sample):
    return _run(sample, ("hs", "h"), lambda torch, hs, h: attention_weights(torch, hs, h[:, None, :])[:, 0, :])


@adapter("torch", "WeightSum")
def torch_weight_sum(sample):
    return _run(sample, ("hs", "a"), lambda torch, hs, a: torch.einsum("nt,nth->nh", a, hs))


@adapter("torch", "Attention")
def torch_attention(sample):
    return _run(sample, ("hs", "h"), lambda torch, hs, h: attend(torch, hs, h[:, None, :])[:, 0, :])


@adapter("torch", "TimeAttention")
def torch_time_attention(sample):
    return _run(sample, ("hs_enc", "hs_dec"), attend)

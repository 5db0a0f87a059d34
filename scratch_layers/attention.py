"""Attention layers (the book's chapter 8): dot-product scores, softmax over encoder steps.

Shapes: N batch, T encoder steps, S decoder steps, H hidden size. For one
decoder state h (N, H) and the encoder states hs (N, T, H):

    s[n, t] = sum_h hs[n, t, h] * h[n, h]      (plain dot product: no 1/sqrt(H), no mask)
    a = softmax(s) over t                       (AttentionWeight)
    c[n, :] = sum_t a[n, t] * hs[n, t, :]       (WeightSum)

``TimeAttention`` does this for every decoder step at once, as batched
matrix products ((N, S, H) @ (N, H, T)); the single-step layers are the same
formulas with S = 1, so the four layers share one implementation below.
No layer has parameters (``params`` and ``grads`` are empty lists). Every
layer computes in its first input's float dtype and never modifies the
caller's arrays.
"""
from __future__ import annotations

from scratch_layers import _validate
from scratch_layers.backend import np
from scratch_layers.functions import softmax

__all__ = ["AttentionWeight", "WeightSum", "Attention", "TimeAttention"]


# -- the shared formulas, batched over S decoder steps ------------------------
def _weights(hs, hq):
    """a (N, S, T) = softmax over T of hq (N, S, H) . hs (N, T, H)."""
    return softmax(hq @ hs.transpose(0, 2, 1))


def _weights_backward(hs, hq, a, da):
    """Backward of ``_weights``: returns (dhs (N, T, H), dhq (N, S, H)) from da (N, S, T)."""
    ds = a * (da - (a * da).sum(axis=-1, keepdims=True))
    return ds.transpose(0, 2, 1) @ hq, ds @ hs


def _weighted_sum(hs, a):
    """c (N, S, H) = sum over T of a (N, S, T) times hs (N, T, H)."""
    return a @ hs


def _weighted_sum_backward(hs, a, dc):
    """Backward of ``_weighted_sum``: returns (dhs (N, T, H), da (N, S, T)) from dc (N, S, H)."""
    return a.transpose(0, 2, 1) @ dc, dc @ hs.transpose(0, 2, 1)


# -- input checks -----------------------------------------------------------------
def _encoder_states(owner, hs):
    hs = _validate.float_array(owner, "hs", hs)
    _validate.ndim(owner, "hs", hs, (3,), "(N, T, H) encoder states")
    return hs


def _need_forward(owner, cache):
    if cache is None:
        raise RuntimeError(f"{owner}: call forward before backward")


def _grad(owner, name, g, shape, dtype, meaning):
    g = _validate.float_array(owner, name, g, dtype)
    _validate.shape(owner, name, g, shape, meaning)
    return g


class AttentionWeight:
    """Attention weights of one decoder state over the encoder steps.

    forward(hs (N, T, H), h (N, H)) -> a (N, T) = softmax over T of sum over H of hs * h.
    backward(da (N, T)) -> (dhs (N, T, H), dh (N, H)).
    """

    def __init__(self):
        self.params, self.grads = [], []
        self.cache = None

    def forward(self, hs, h):
        owner = "AttentionWeight.forward"
        hs = _encoder_states(owner, hs)
        N, T, H = hs.shape
        h = _validate.float_array(owner, "h", h, hs.dtype)
        _validate.shape(owner, "h", h, (N, H), f"(N, H) = ({N}, {H}) to match hs {_validate._fmt(hs.shape)}")
        hq = h[:, None, :]
        a = _weights(hs, hq)
        self.cache = (hs, hq, a)
        return a[:, 0, :]

    def backward(self, da):
        owner = "AttentionWeight.backward"
        _need_forward(owner, self.cache)
        hs, hq, a = self.cache
        N, T, _ = hs.shape
        da = _grad(owner, "da", da, (N, T), hs.dtype, f"(N, T) = ({N}, {T}) like forward's a")
        dhs, dhq = _weights_backward(hs, hq, a, da[:, None, :])
        return dhs, dhq[:, 0, :]


class WeightSum:
    """The context vector: the encoder states averaged with the attention weights.

    forward(hs (N, T, H), a (N, T)) -> c (N, H) = sum over T of hs * a.
    backward(dc (N, H)) -> (dhs (N, T, H), da (N, T)).
    """

    def __init__(self):
        self.params, self.grads = [], []
        self.cache = None

    def forward(self, hs, a):
        owner = "WeightSum.forward"
        hs = _encoder_states(owner, hs)
        N, T, _ = hs.shape
        a = _validate.float_array(owner, "a", a, hs.dtype)
        _validate.shape(owner, "a", a, (N, T), f"(N, T) = ({N}, {T}) to match hs {_validate._fmt(hs.shape)}")
        aq = a[:, None, :]
        self.cache = (hs, aq)
        return _weighted_sum(hs, aq)[:, 0, :]

    def backward(self, dc):
        owner = "WeightSum.backward"
        _need_forward(owner, self.cache)
        hs, aq = self.cache
        N, _, H = hs.shape
        dc = _grad(owner, "dc", dc, (N, H), hs.dtype, f"(N, H) = ({N}, {H}) like forward's c")
        dhs, da = _weighted_sum_backward(hs, aq, dc[:, None, :])
        return dhs, da[:, 0, :]


class Attention:
    """AttentionWeight then WeightSum: the context of one decoder state.

    forward(hs (N, T, H), h (N, H)) -> c (N, H); ``attention_weight`` keeps a (N, T).
    backward(dout (N, H)) -> (dhs (N, T, H), dh (N, H)); hs gets a gradient
    through both the weights and the weighted sum, and the two are added.
    """

    def __init__(self):
        self.params, self.grads = [], []
        self.attention_weight_layer = AttentionWeight()
        self.weight_sum_layer = WeightSum()
        self.attention_weight = None

    def forward(self, hs, h):
        a = self.attention_weight_layer.forward(hs, h)
        self.attention_weight = a
        return self.weight_sum_layer.forward(hs, a)

    def backward(self, dout):
        _need_forward("Attention.backward", self.attention_weight)
        dhs_sum, da = self.weight_sum_layer.backward(dout)
        dhs_weight, dh = self.attention_weight_layer.backward(da)
        return dhs_sum + dhs_weight, dh


class TimeAttention:
    """Attention for every decoder step: out[:, s] = Attention()(hs_enc, hs_dec[:, s]).

    forward(hs_enc (N, T, H), hs_dec (N, S, H)) -> (N, S, H); ``attention_weights``
    is the list of the S weight arrays (N, T), one per decoder step.
    backward(dout (N, S, H)) -> (dhs_enc (N, T, H) summed over the decoder steps,
    dhs_dec (N, S, H)). Computed for all steps at once (batched products),
    which equals the book's per-step loop.
    """

    def __init__(self):
        self.params, self.grads = [], []
        self.attention_weights = None
        self.cache = None

    def forward(self, hs_enc, hs_dec):
        owner = "TimeAttention.forward"
        hs_enc = _validate.float_array(owner, "hs_enc", hs_enc)
        _validate.ndim(owner, "hs_enc", hs_enc, (3,), "(N, T, H) encoder states")
        N, _, H = hs_enc.shape
        hs_dec = _validate.float_array(owner, "hs_dec", hs_dec, hs_enc.dtype)
        _validate.shape(owner, "hs_dec", hs_dec, (N, None, H),
                        f"(N, S, H) with N={N}, H={H} to match hs_enc {_validate._fmt(hs_enc.shape)}")
        a = _weights(hs_enc, hs_dec)
        self.cache = (hs_enc, hs_dec, a)
        self.attention_weights = [a[:, s, :] for s in range(a.shape[1])]
        return _weighted_sum(hs_enc, a)

    def backward(self, dout):
        owner = "TimeAttention.backward"
        _need_forward(owner, self.cache)
        hs_enc, hs_dec, a = self.cache
        dout = _grad(owner, "dout", dout, hs_dec.shape, hs_enc.dtype,
                     f"(N, S, H) = {_validate._fmt(hs_dec.shape)} like forward's output")
        dhs_sum, da = _weighted_sum_backward(hs_enc, a, dout)
        dhs_weight, dhs_dec = _weights_backward(hs_enc, hs_dec, a, da)
        return dhs_sum + dhs_weight, dhs_dec

"""Attention and seq2seq: the bugs the registry must catch, and contract points it does not express.

Mutation self-tests (like tests/test_mutations.py, aimed at these models):
each mutant below is a consistent, plausible student implementation with
one real bug (a swapped concatenation, a scaled or unsoftmaxed attention
weight, a missing encoder-gradient path); judged by the registry entry
against torch on the telling case it must fail, on the quantities named,
while the bundled implementation passes. The concatenation orders of the
contract are thereby pinned: peeky [h, embed] and [h, lstm_out], attention
[context, dec_hs].

The torch adapters of the encoders and decoders (judged by torch alone)
against finite differences of the same torch forward.

Contract tests: greedy ``generate`` output, dtype kept, initialisation from
the global np.random (embeddings randn/100, weights randn/sqrt(fan_in),
zero biases), argument errors.
"""
from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pytest

from reference import registry
from reference.registry.cases import TELLING_SIZES, Case, fixed_sizes
from reference.judging.check import agree, check
from reference.sandbox.implementation import Implementation
from scratch_layers.attention import AttentionWeight, TimeAttention
from scratch_layers.seq2seq import (AttentionDecoder, AttentionSeq2seq, Decoder, Encoder, PeekyDecoder,
                                    PeekySeq2seq, Seq2seq)
from tests.generated import require

SEED = 20261122


# -- mutants: one bug each, consistent forward and backward ------------------------
class EmbedFirstPeekyDecoder(PeekyDecoder):
    """LSTM input concat([embed, h]) instead of concat([h, embed])."""

    def _step(self, xs, h):
        N, S = np.asarray(xs).shape
        hs = np.broadcast_to(h[:, None, :], (N, S, h.shape[1]))
        out = self.lstm.forward(np.concatenate([self.embed.forward(xs), hs], axis=2))
        return self.affine.forward(np.concatenate([hs, out], axis=2))

    def backward(self, dscore):
        H, D = self.cache, self.embed.params[0].shape[1]
        dout = self.affine.backward(dscore)
        dx = self.lstm.backward(dout[:, :, H:])
        self.embed.backward(dx[:, :, :D])
        return self.lstm.dh + (dout[:, :, :H] + dx[:, :, D:]).sum(axis=1)


class OutFirstPeekyDecoder(PeekyDecoder):
    """Affine input concat([lstm_out, h]) instead of concat([h, lstm_out])."""

    def _step(self, xs, h):
        N, S = np.asarray(xs).shape
        hs = np.broadcast_to(h[:, None, :], (N, S, h.shape[1]))
        out = self.lstm.forward(np.concatenate([hs, self.embed.forward(xs)], axis=2))
        return self.affine.forward(np.concatenate([out, hs], axis=2))

    def backward(self, dscore):
        H = self.cache
        dout = self.affine.backward(dscore)
        dx = self.lstm.backward(dout[:, :, :H])
        self.embed.backward(dx[:, :, H:])
        return self.lstm.dh + (dout[:, :, H:] + dx[:, :, :H]).sum(axis=1)


class HiddenFirstAttentionDecoder(AttentionDecoder):
    """Affine input concat([dec_hs, context]) instead of concat([context, dec_hs])."""

    def _step(self, xs, enc_hs):
        dec_hs = self.lstm.forward(self.embed.forward(xs))
        c = self.attention.forward(enc_hs, dec_hs)
        return self.affine.forward(np.concatenate([dec_hs, c], axis=2))

    def backward(self, dscore):
        dout = self.affine.backward(dscore)
        H = dout.shape[2] // 2
        denc_hs, ddec_attention = self.attention.backward(dout[:, :, H:])
        self.embed.backward(self.lstm.backward(dout[:, :, :H] + ddec_attention))
        denc_hs[:, -1] += self.lstm.dh
        return denc_hs


class ForgetsLstmDhAttentionDecoder(AttentionDecoder):
    """Forgets that the decoder LSTM started from enc_hs[:, -1]: no lstm.dh in denc_hs."""

    def backward(self, dscore):
        dout = self.affine.backward(dscore)
        H = dout.shape[2] // 2
        denc_hs, ddec_attention = self.attention.backward(dout[:, :, :H])
        self.embed.backward(self.lstm.backward(dout[:, :, H:] + ddec_attention))
        return denc_hs


class NoEncoderBackwardSeq2seq(Seq2seq):
    """Never sends the decoder's dh into the encoder."""

    def backward(self, dout=1):
        self.decoder.backward(self.softmax.backward(dout))


class ScaledTimeAttention(TimeAttention):
    """Scaled dot-product attention, softmax(s / sqrt(H)): the book does not scale."""

    def forward(self, hs_enc, hs_dec):
        self.scale = 1 / np.sqrt(hs_enc.shape[2])
        return super().forward(hs_enc, hs_dec * self.scale)

    def backward(self, dout):
        dhs_enc, dquery = super().backward(dout)
        return dhs_enc, dquery * self.scale


class RawScoreAttentionWeight(AttentionWeight):
    """Returns the raw scores hs . h: the softmax over the encoder steps is missing."""

    def forward(self, hs, h):
        self.cache = (hs, h)
        return (hs * h[:, None, :]).sum(axis=2)

    def backward(self, da):
        hs, h = self.cache
        return da[:, :, None] * h[:, None, :], (da[:, :, None] * hs).sum(axis=1)


class EmbedFirstPeekySeq2seq(PeekySeq2seq):
    """PeekySeq2seq with EmbedFirstPeekyDecoder."""
    decoder_class = EmbedFirstPeekyDecoder


class OutFirstPeekySeq2seq(PeekySeq2seq):
    """PeekySeq2seq with OutFirstPeekyDecoder."""
    decoder_class = OutFirstPeekyDecoder


class HiddenFirstAttentionSeq2seq(AttentionSeq2seq):
    """AttentionSeq2seq with HiddenFirstAttentionDecoder."""
    decoder_class = HiddenFirstAttentionDecoder


class ForgetsLstmDhAttentionSeq2seq(AttentionSeq2seq):
    """AttentionSeq2seq with ForgetsLstmDhAttentionDecoder."""
    decoder_class = ForgetsLstmDhAttentionDecoder


# component, mutant, quantities that must fail (at least these)
MUTANTS = [
    ("PeekyDecoder", EmbedFirstPeekyDecoder, {"out", "dh", "dWx"}),
    ("PeekySeq2seq", EmbedFirstPeekySeq2seq, {"out", "dWx_dec", "dW_embed_enc"}),
    ("PeekyDecoder", OutFirstPeekyDecoder, {"out", "dW_affine"}),
    ("PeekySeq2seq", OutFirstPeekySeq2seq, {"out", "dW_affine"}),
    ("AttentionDecoder", HiddenFirstAttentionDecoder, {"out", "denc_hs", "dW_affine"}),
    ("AttentionSeq2seq", HiddenFirstAttentionSeq2seq, {"out", "dW_affine", "dW_embed_enc"}),
    ("AttentionDecoder", ForgetsLstmDhAttentionDecoder, {"denc_hs"}),
    ("AttentionSeq2seq", ForgetsLstmDhAttentionSeq2seq, {"dW_embed_enc", "dWx_enc", "dWh_enc", "db_enc"}),
    ("Seq2seq", NoEncoderBackwardSeq2seq, {"dW_embed_enc", "dWx_enc", "dWh_enc", "db_enc"}),
    ("TimeAttention", ScaledTimeAttention, {"out", "dhs_enc", "dhs_dec"}),
    ("AttentionWeight", RawScoreAttentionWeight, {"out", "dhs", "dh"}),
]


def _as_impl(component_name, cls):
    return Implementation("mutant", {"mutant": SimpleNamespace(**{component_name: cls})})


def _telling_case(component, dtype="float64"):
    return Case(dtype, fixed_sizes(component.sizes, TELLING_SIZES), SEED)


@pytest.mark.parametrize("name, mutant, must_fail", MUTANTS, ids=[m.__name__ for _, m, _ in MUTANTS])
def test_mutant_is_caught(name, mutant, must_fail, impl):
    require("torch")
    component = registry.get(name)
    case = _telling_case(component)
    assert check(component, "torch", impl, case).ok, f"the implementation under test fails {name} itself"
    result = check(component, "torch", _as_impl(name, mutant), case)
    failed = {c.quantity.split(" ", 1)[0] for c in result.failed()}
    assert must_fail <= failed, f"{mutant.__doc__.strip()} went unnoticed in {must_fail - failed}:\n{result.report()}"


# The encoders and decoders are judged by torch alone (see registry.seq2seq.PARTS);
# their adapters are checked here against finite differences of the same
# torch forward, once, at small sizes (~100 parameters: 0.2 s each).
PART_SIZES = {"N": 2, "T": 3, "O": 2, "D": 2, "H": 2, "V": 3}


@pytest.mark.parametrize("name", ["Encoder", "Decoder", "PeekyDecoder", "AttentionEncoder", "AttentionDecoder"])
def test_torch_part_adapter_agrees_with_finite_differences(name):
    require("torch")
    component = dataclasses.replace(registry.get(name), oracles=("torch", "fd64"))
    result = agree(component, "torch", "fd64", Case("float64", PART_SIZES, SEED))
    assert result.comparisons, f"torch and fd64 share no quantity for {name}"
    assert result.ok, "reference fault, not the implementation's:\n" + result.report()


# -- contract -------------------------------------------------------------------
V, D, H = 7, 4, 6


def _ids(shape, seed=0):
    return np.random.default_rng(seed).integers(0, V, size=shape)


@pytest.mark.parametrize("cls", [Seq2seq, PeekySeq2seq, AttentionSeq2seq])
def test_generate_returns_sample_size_python_ints(cls):
    np.random.seed(0)
    model = cls(V, D, H, dtype=np.float64)
    ids = model.generate(_ids((1, 5)), 2, 6)
    assert isinstance(ids, list) and len(ids) == 6 and all(type(i) is int and 0 <= i < V for i in ids)


@pytest.mark.parametrize("cls", [Decoder, PeekyDecoder])
def test_generate_takes_one_sequence(cls):
    with pytest.raises(ValueError, match=r"generate takes one sequence"):
        cls(V, D, H).generate(np.zeros((2, H), dtype=np.float32), 0, 3)


@pytest.mark.parametrize("cls", [Seq2seq, PeekySeq2seq, AttentionSeq2seq])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_models_keep_their_dtype(cls, dtype):
    np.random.seed(1)
    model = cls(V, D, H, dtype=dtype)
    loss = model.forward(_ids((3, 5)), _ids((3, 4), 1))
    model.backward()
    assert np.asarray(loss).dtype == dtype
    assert all(p.dtype == dtype for p in model.params) and all(g.dtype == dtype for g in model.grads)


@pytest.mark.parametrize("cls", [Seq2seq, PeekySeq2seq, AttentionSeq2seq])
def test_initialisation_comes_from_np_random(cls):
    np.random.seed(3)
    first = [p.copy() for p in cls(V, D, H).params]
    np.random.seed(3)
    again = cls(V, D, H).params
    assert all(np.array_equal(a, b) for a, b in zip(first, again))


def test_initial_weight_scales():
    """Embeddings randn/100, LSTM Wx randn/sqrt(D) and Wh randn/sqrt(H), affine randn/sqrt(fan_in), zero biases."""
    big_V, big_D, big_H = 400, 100, 64
    np.random.seed(4)
    enc_W, enc_Wx, enc_Wh, enc_b = Encoder(big_V, big_D, big_H).params
    dec_W, dec_Wx, dec_Wh, dec_b, aff_W, aff_b = PeekyDecoder(big_V, big_D, big_H).params
    for W, std in [(enc_W, 0.01), (enc_Wx, big_D ** -0.5), (enc_Wh, big_H ** -0.5), (dec_W, 0.01),
                   (dec_Wx, (big_H + big_D) ** -0.5), (dec_Wh, big_H ** -0.5), (aff_W, (2 * big_H) ** -0.5)]:
        assert abs(W.std() / std - 1) < 0.05, f"a {W.shape} weight has std {W.std():.4g}, expected {std:.4g}"
    assert not enc_b.any() and not dec_b.any() and not aff_b.any(), "biases start at zero"


def test_seq2seq_needs_two_target_columns():
    with pytest.raises(ValueError, match=r"ts must be \(N, S\+1\)"):
        Seq2seq(V, D, H).forward(_ids((2, 3)), _ids((2, 1)))


def test_model_dtype_must_be_float():
    with pytest.raises(TypeError, match="dtype must be float32 or float64"):
        Seq2seq(V, D, H, dtype=np.int64)


def test_attention_weights_are_kept_per_decoder_step():
    np.random.seed(5)
    model = AttentionSeq2seq(V, D, H, dtype=np.float64)
    model.forward(_ids((3, 5)), _ids((3, 4), 1))
    weights = model.decoder.attention.attention_weights
    assert len(weights) == 3 and all(w.shape == (3, 5) for w in weights)
    np.testing.assert_allclose(np.sum(weights, axis=2), 1.0, rtol=0, atol=1e-12)


def test_seq2seq_params_round_trip_through_a_file(tmp_path):
    np.random.seed(6)
    model = AttentionSeq2seq(V, D, H, dtype=np.float64)
    model.save_params(tmp_path / "model.npz")
    np.random.seed(7)
    other = AttentionSeq2seq(V, D, H, dtype=np.float64)
    other.load_params(tmp_path / "model.npz")
    assert all(np.array_equal(a, b) for a, b in zip(model.params, other.params))

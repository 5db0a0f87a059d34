"""Registry entries: the seq2seq models (chapters 7 and 8) and their encoders and decoders.

Every entry is kind "custom" (``reference.registry.model_drive``): the model is built
from its sizes with ``np.random`` seeded, then its params are overwritten in
place with telling values (non-zero distinct biases, distinct gate blocks,
the two halves of a concatenated input with different distributions), since
its own initialisation (zero biases, 1/100 embeddings) would hide a dropped
bias or a swapped concatenation. Quantities are named after the params:
``dWx_dec`` is the decoder LSTM's Wx gradient.

- Encoders and decoders: ``out`` (h, hs or scores) and every gradient for an
  upstream ``dout``, judged by torch (nn.Embedding, nn.LSTM, nn.Linear and
  the attention in torch ops).
- Seq2seq, PeekySeq2seq, AttentionSeq2seq: the teacher-forced loss as ``out``
  (decoder reads ts[:, :-1], predicts ts[:, 1:]), every param gradient, and
  ``generated``: ``generate(xs[:1], ts[0, 0], GENERATE_STEPS)``, the greedy ids
  (floats, so the mutation self-test can perturb them; any wrong id differs
  by >= 1), judged by torch and Keras models with the same weights.

Concatenation orders (api.md), which the telling weights make visible:
peeky LSTM input concat([h, embed]) and affine input concat([h, lstm_out]),
h first; attention affine input concat([context, dec_hs]), context first.

Sizes: N batch, T encoder steps, O decoder steps (ts has O + 1 columns),
D word-vector size, H hidden size, V vocabulary; at the telling sizes all
distinct (N=3, T=5, O=2, D=4, H=6, V=7); the smallest case is N=T=O=1,
D=H=2, V=3 (see SIZES). Default tolerances: the float32 rule's cancellation
term covers the cancelling sums of a whole model (see below).
"""
from __future__ import annotations

from functools import partial

import numpy as np

from reference.registry import cases as C
from reference.registry import model_drive
from reference.registry.cases import Case
from reference.registry.component import Component, Sample

# D, H >= 2 and V >= 3: at D = 1, H = 1 or V = 2 a model gradient is a single
# sum of terms that can cancel, and float32 rounding of the terms then has a
# heavy tail relative to the result (measured up to 2.8e-4 x max|ref| over
# 1000 drawn cases, torch32 against torch64 as far off: 1.8e-4). The unit
# sizes of the layers inside (TimeLSTM, TimeEmbedding, ...) are judged by
# their own entries.
SIZES = {"N": (1, 3), "T": (1, 5), "O": (1, 3), "D": (2, 4), "H": (2, 6), "V": (3, 7)}

# float32 through a whole model: a gradient that sums cancelling terms keeps
# the terms' rounding, so its error relative to its own max|ref| exceeds the
# single-layer F32 budget. Measured, impl32 against torch32 at the SIZES
# above, 6000 drawn cases per entry: worst 3.0e-5 x max|ref| (Decoder.dW_embed;
# p99.9 <= 4.8e-6 for every entry), torch32 against torch64 alike: the float32
# rule's cancellation term (tolerances.CANCELLATION) covers it, without a
# per-entry factor; the float64 checks keep 1e-12.
GENERATE_STEPS = 3  # ids generate() produces in the whole-model checks


def _ids(rng, shape, V):
    """Word ids using every id when there are enough, with a repeat (gradients must accumulate)."""
    ids = C.labels(rng, shape, V)
    ids.flat[-1] = ids.flat[0]
    return ids


def encoder_params(rng, V, D, H, dtype, suffix=""):
    return {f"W_embed{suffix}": C.telling(rng, (V, D), dtype),
            f"Wx{suffix}": C.telling(rng, (D, 4 * H), dtype, blocks=4),
            f"Wh{suffix}": C.telling(rng, (H, 4 * H), dtype, blocks=4),
            f"b{suffix}": C.bias(rng, 4 * H, dtype, blocks=4)}


def decoder_params(rng, kind, V, D, H, dtype, suffix=""):
    """Decoder params in the book's order; kind is "plain", "peeky" or "attention".

    peeky: Wx (H+D, 4H) rows [h, embed], affine W (2H, V) rows [h, lstm_out];
    attention: affine W (2H, V) rows [context, dec_hs]. The two row halves of
    a (2H, V) affine W get different distributions, so a swapped concatenation
    changes the scores by O(1) even where the two inputs look alike.
    """
    lstm_in = H + D if kind == "peeky" else D
    affine_in = H if kind == "plain" else 2 * H
    Wx = C.telling(rng, (lstm_in, 4 * H), dtype, blocks=4)
    W_affine = C.telling(rng, (affine_in, V), dtype, blocks=1 if kind == "plain" else 2, axis=0)
    return {f"W_embed{suffix}": C.telling(rng, (V, D), dtype), f"Wx{suffix}": Wx,
            f"Wh{suffix}": C.telling(rng, (H, 4 * H), dtype, blocks=4),
            f"b{suffix}": C.bias(rng, 4 * H, dtype, blocks=4),
            "W_affine": W_affine, "b_affine": C.bias(rng, V, dtype)}


def _sizes(case):
    return case["N"], case["T"], case["O"], case["D"], case["H"], case["V"]


def _init(case):
    return {"vocab_size": case["V"], "wordvec_size": case["D"], "hidden_size": case["H"]}


def sample_encoder(case, all_states=False):
    rng = case.rng()
    N, T, O, D, H, V = _sizes(case)
    dout_shape = (N, T, H) if all_states else (N, H)
    return Sample(case, params=encoder_params(rng, V, D, H, case.dtype), inputs={"xs": _ids(rng, (N, T), V)},
                  dout=C.upstream(rng, dout_shape, case.dtype), init_kwargs=_init(case),
                  np_seed=case.seed % 2**32, steps=T)


def sample_decoder(case, kind):
    rng = case.rng()
    N, T, O, D, H, V = _sizes(case)
    params = decoder_params(rng, kind, V, D, H, case.dtype)
    if kind == "attention":
        state = {"enc_hs": C.telling(rng, (N, T, H), case.dtype, scale=0.8)}
    else:
        state = {"h": C.telling(rng, (N, H), case.dtype, scale=0.8)}
    return Sample(case, params=params, inputs={"xs": _ids(rng, (N, O), V), **state},
                  dout=C.upstream(rng, (N, O, V), case.dtype), differentiable=tuple(state),
                  init_kwargs=_init(case), np_seed=case.seed % 2**32, steps=max(T, O))


def sample_seq2seq(case, kind):
    rng = case.rng()
    N, T, O, D, H, V = _sizes(case)
    params = {**encoder_params(rng, V, D, H, case.dtype, "_enc"),
              **decoder_params(rng, kind, V, D, H, case.dtype, "_dec")}
    return Sample(case, params=params, inputs={"xs": _ids(rng, (N, T), V), "ts": _ids(rng, (N, O + 1), V)},
                  dout=1.0, init_kwargs=_init(case), np_seed=case.seed % 2**32, steps=T + O)


def generate_args(sample):
    """(xs (1, T), start_id, sample_size) of the whole-model generate check."""
    return sample.inputs["xs"][:1], int(sample.inputs["ts"][0, 0]), GENERATE_STEPS


def _generated(model, sample):
    xs, start_id, size = generate_args(sample)
    ids = model.generate(xs.copy(), start_id, size)
    return {"generated": np.asarray(ids, dtype=np.float64).reshape(-1)}


run_part = model_drive.run
run_whole = partial(model_drive.run, extra=_generated)


def _quantities(sample_fn):
    """out, then d<input> and d<param> in order, read from a sample at the smallest sizes."""
    s = sample_fn(Case("float64", {k: lo for k, (lo, _) in SIZES.items()}, 0))
    return ("out",) + s.gradient_names()


ENC_HINTS = {
    "dWh": "dWh wrong but dWx right: is dh carried from step t to t-1?",
    "dW_embed": "np.add.at(dW, xs, dout): repeated ids accumulate",
}
PEEKY_HINTS = {
    "dWx": "the peeky LSTM input is concat([h repeated over the steps, embed], axis=2): h FIRST",
    "dW_affine": "the peeky affine input is concat([h repeated, lstm_out], axis=2): h FIRST",
    "dh": "dh = lstm.dh + the gradients of BOTH h copies (LSTM input and affine input) summed over the steps",
}
ATTENTION_HINTS = {
    "dW_affine": "the attention affine input is concat([context, dec_hs], axis=2): context FIRST",
    "denc_hs": "the decoder LSTM started from enc_hs[:, -1]: add lstm.dh to denc_hs[:, -1]",
    "out": "scores = affine(concat([TimeAttention(enc_hs, dec_hs), dec_hs])); the LSTM starts from enc_hs[:, -1]",
}
WHOLE_HINTS = {
    "dW_embed_enc": "the encoder learns only through the decoder's dh: backward must call "
                    "encoder.backward(decoder.backward(dscore))",
    "dWx_enc": "the encoder learns only through the decoder's dh (Seq2seq.backward)",
    "out": "teacher forcing: the decoder reads ts[:, :-1] and is scored against ts[:, 1:]",
    "generated": "greedy: set_state(h), then feed argmax(scores) back as the next input, sample_size times",
}

_enc = partial(sample_encoder, all_states=False)
_enc_all = partial(sample_encoder, all_states=True)


def _entry(name, sample_fn, oracles, run, hints=(), extra=()):
    quantities = _quantities(sample_fn) + extra
    return Component(name, "custom", "seq2seq", sample_fn, SIZES, oracles, quantities,
                     recurrent=True, run=run, hints=dict(hints))


# The parts are judged by torch alone: finite differences through a whole
# decoder cost ~700 forwards per check (seconds per entry across the drawn,
# agreement and mutation tests), and Keras ~70 ms a run. The torch pieces
# they use are the ones the whole models share, which Keras cross-checks
# (tests/test_oracle_agreement.py), and tests/test_seq2seq.py checks each
# part's adapter against finite differences once, at the smallest sizes.
PARTS = ("torch",)
WHOLE = ("torch", "keras")

ENTRIES = (
    _entry("Encoder", _enc, PARTS, run_part, ENC_HINTS),
    _entry("Decoder", partial(sample_decoder, kind="plain"), PARTS, run_part,
           {"dh": "dh is the decoder LSTM's dh (the gradient w.r.t. its initial state h)"}),
    _entry("PeekyDecoder", partial(sample_decoder, kind="peeky"), PARTS, run_part, PEEKY_HINTS),
    _entry("AttentionEncoder", _enc_all, PARTS, run_part, ENC_HINTS),
    _entry("AttentionDecoder", partial(sample_decoder, kind="attention"), PARTS, run_part, ATTENTION_HINTS),
    _entry("Seq2seq", partial(sample_seq2seq, kind="plain"), WHOLE, run_whole, WHOLE_HINTS, ("generated",)),
    _entry("PeekySeq2seq", partial(sample_seq2seq, kind="peeky"), WHOLE, run_whole,
           {**WHOLE_HINTS, "dWx_dec": PEEKY_HINTS["dWx"], "dW_affine": PEEKY_HINTS["dW_affine"]}, ("generated",)),
    _entry("AttentionSeq2seq", partial(sample_seq2seq, kind="attention"), WHOLE, run_whole,
           {**WHOLE_HINTS, "dW_affine": ATTENTION_HINTS["dW_affine"],
            "dWx_enc": "the encoder's last state gets the decoder LSTM's dh too (denc_hs[:, -1] += dh)"},
           ("generated",)),
)

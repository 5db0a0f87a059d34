"""Sequence-to-sequence models (the book's chapters 7 and 8): an LSTM encoder, an LSTM decoder.

Sizes: V vocabulary, D word-vector size, H hidden size; N batch, T encoder
steps, S decoder steps.

- ``Encoder``: TimeEmbedding, TimeLSTM (not stateful); returns the last h.
- ``Decoder``: TimeEmbedding, TimeLSTM (stateful, started from the encoder's
  h, c from zeros), TimeAffine; greedy ``generate``.
- ``PeekyDecoder``: the encoder's h is also fed to every step, h FIRST in both
  concatenations: LSTM input concat([h, embed], axis=2) (Wx is (H+D, 4H)),
  affine input concat([h, lstm_out], axis=2) (W is (H+H, V)).
- ``AttentionEncoder`` returns all hs; ``AttentionDecoder`` attends over them
  (``TimeAttention``) and feeds the affine concat([context, dec_hs], axis=2),
  context FIRST (W is (2H, V)); it starts from h = enc_hs[:, -1].
- ``Seq2seq``, ``PeekySeq2seq``, ``AttentionSeq2seq``: encoder, decoder and
  TimeSoftmaxWithLoss, trained with teacher forcing: the decoder reads
  ts[:, :-1] and predicts ts[:, 1:].

Initialisation, from the global ``np.random`` (seed it to reproduce):
embeddings randn/100, every other weight randn/sqrt(fan_in), biases zero.
``dtype`` (keyword, default float32 as in the book) is the parameters'
dtype; float64 is honoured end to end. (The initialisation helpers are the
language models', ``scratch_layers.rnnlm``.) ``params`` / ``grads`` list the
layers' own arrays in order (embedding, LSTM Wx, Wh, b, affine W, b), the
encoder's before the decoder's.
"""
from __future__ import annotations

from scratch_layers import _validate
from scratch_layers.attention import TimeAttention
from scratch_layers.backend import np
from scratch_layers.base_model import BaseModel
from scratch_layers.rnnlm import model_dtype, randn, recurrent_weights
from scratch_layers.time_layers import TimeAffine, TimeEmbedding, TimeLSTM, TimeSoftmaxWithLoss

__all__ = ["Encoder", "Decoder", "Seq2seq", "PeekyDecoder", "PeekySeq2seq",
           "AttentionEncoder", "AttentionDecoder", "AttentionSeq2seq"]


def _embedding(V, D, dtype):
    return TimeEmbedding(randn((V, D), 100, dtype))


def _lstm(D, H, dtype, stateful):
    return TimeLSTM(*recurrent_weights(D, H, 4, dtype), stateful=stateful)


def _affine(H_in, V, dtype):
    return TimeAffine(randn((H_in, V), np.sqrt(H_in), dtype), np.zeros(V, dtype=dtype))


def _collect(model, layers):
    model.params = [p for layer in layers for p in layer.params]
    model.grads = [g for layer in layers for g in layer.grads]


def _start(owner, start_id, sample_size):
    if int(sample_size) < 0:
        raise ValueError(f"{owner}: sample_size must be >= 0; got {sample_size!r}")
    return int(start_id), int(sample_size)


def _one_sequence(owner, name, h, ndim):
    """generate works on one sequence (batch size 1), as in the book."""
    if h.ndim != ndim or h.shape[0] != 1:
        want = "(1, H)" if ndim == 2 else "(1, T, H)"
        raise ValueError(f"{owner}: {name} must be {want} (generate takes one sequence); "
                         f"got {_validate._fmt(h.shape)}")


def _greedy(step, start_id, sample_size):
    """Feeds each argmax back in: step(ids (1, 1)) -> scores (1, 1, V)."""
    sampled, sample_id = [], start_id
    for _ in range(sample_size):
        sample_id = int(np.argmax(step(np.array([[sample_id]])).reshape(-1)))
        sampled.append(sample_id)
    return sampled


class Encoder:
    """Reads xs and returns the last hidden state.

    Args: vocab_size V, wordvec_size D, hidden_size H; dtype (keyword).
    forward(xs (N, T) ids) -> h (N, H), the LSTM's state after the last step.
    backward(dh (N, H)) -> None (ids have no gradient); grads written in place.
    """

    def __init__(self, vocab_size, wordvec_size, hidden_size, *, dtype=np.float32):
        dtype = model_dtype(type(self).__name__, dtype)
        V, D, H = vocab_size, wordvec_size, hidden_size
        self.embed = _embedding(V, D, dtype)
        self.lstm = _lstm(D, H, dtype, stateful=False)
        _collect(self, [self.embed, self.lstm])
        self.hs = None

    def forward(self, xs):
        self.hs = self.lstm.forward(self.embed.forward(xs))
        return self.hs[:, -1, :]

    def backward(self, dh):
        if self.hs is None:
            raise RuntimeError(f"{type(self).__name__}.backward: call forward before backward")
        N, _, H = self.hs.shape
        dh = _validate.float_array(f"{type(self).__name__}.backward", "dh", dh, self.hs.dtype)
        _validate.shape(f"{type(self).__name__}.backward", "dh", dh, (N, H), f"(N, H) = ({N}, {H}) like forward's h")
        dhs = np.zeros_like(self.hs)
        dhs[:, -1, :] = dh
        self.embed.backward(self.lstm.backward(dhs))
        return None


class Decoder:
    """Predicts scores for each next word, starting from the encoder's h.

    Args: vocab_size V, wordvec_size D, hidden_size H; dtype (keyword).
    forward(xs (N, S) ids, h (N, H)) -> score (N, S, V); the stateful LSTM is
    set_state(h) first (c from zeros).
    backward(dscore (N, S, V)) -> dh (N, H), the LSTM's gradient w.r.t. its initial h.
    generate(h (1, H), start_id, sample_size) -> list of sample_size ids, each the
    argmax of the scores after the previous one.
    """

    def __init__(self, vocab_size, wordvec_size, hidden_size, *, dtype=np.float32):
        dtype = model_dtype(type(self).__name__, dtype)
        V, D, H = vocab_size, wordvec_size, hidden_size
        self.embed = _embedding(V, D, dtype)
        self.lstm = _lstm(D, H, dtype, stateful=True)
        self.affine = _affine(H, V, dtype)
        _collect(self, [self.embed, self.lstm, self.affine])

    def forward(self, xs, h):
        self.lstm.set_state(h)
        return self.affine.forward(self.lstm.forward(self.embed.forward(xs)))

    def backward(self, dscore):
        self.embed.backward(self.lstm.backward(self.affine.backward(dscore)))
        return self.lstm.dh

    def generate(self, h, start_id, sample_size):
        start_id, sample_size = _start("Decoder.generate", start_id, sample_size)
        self.lstm.set_state(h)
        _one_sequence("Decoder.generate", "h", self.lstm.h, 2)
        step = lambda x: self.affine.forward(self.lstm.forward(self.embed.forward(x)))
        return _greedy(step, start_id, sample_size)


class PeekyDecoder:
    """A decoder that also sees the encoder's h at every step ("peeky"), h first.

    Args: vocab_size V, wordvec_size D, hidden_size H; dtype (keyword).
    LSTM input concat([h repeated over S, embed], axis=2), Wx (H+D, 4H);
    affine input concat([h repeated over S, lstm_out], axis=2), W (H+H, V).
    forward(xs (N, S) ids, h (N, H)) -> score (N, S, V).
    backward(dscore) -> dh (N, H) = the LSTM's dh plus the gradients of both
    copies of h, summed over the steps.
    generate(h (1, H), start_id, sample_size) -> list of ids (greedy).
    """

    def __init__(self, vocab_size, wordvec_size, hidden_size, *, dtype=np.float32):
        dtype = model_dtype(type(self).__name__, dtype)
        V, D, H = vocab_size, wordvec_size, hidden_size
        self.embed = _embedding(V, D, dtype)
        self.lstm = _lstm(H + D, H, dtype, stateful=True)
        self.affine = _affine(H + H, V, dtype)
        _collect(self, [self.embed, self.lstm, self.affine])
        self.cache = None

    def _step(self, xs, h):
        """Scores for xs (N, S) with h (N, H) peeking at every step (the LSTM state is not set here)."""
        N, S = np.asarray(xs).shape
        hs = np.broadcast_to(h[:, None, :], (N, S, h.shape[1]))
        out = self.lstm.forward(np.concatenate([hs, self.embed.forward(xs)], axis=2))
        return self.affine.forward(np.concatenate([hs, out], axis=2))

    def forward(self, xs, h):
        self.lstm.set_state(h)
        h = self.lstm.h  # checked and in the params' dtype
        self.cache = h.shape[1]
        return self._step(xs, h)

    def backward(self, dscore):
        if self.cache is None:
            raise RuntimeError("PeekyDecoder.backward: call forward before backward")
        H = self.cache
        dout = self.affine.backward(dscore)
        dh_affine, dout = dout[:, :, :H], dout[:, :, H:]
        dx = self.lstm.backward(dout)
        dh_lstm_in, dembed = dx[:, :, :H], dx[:, :, H:]
        self.embed.backward(dembed)
        return self.lstm.dh + (dh_affine + dh_lstm_in).sum(axis=1)

    def generate(self, h, start_id, sample_size):
        start_id, sample_size = _start("PeekyDecoder.generate", start_id, sample_size)
        self.lstm.set_state(h)
        h = self.lstm.h
        _one_sequence("PeekyDecoder.generate", "h", h, 2)
        return _greedy(lambda x: self._step(x, h), start_id, sample_size)


class AttentionEncoder(Encoder):
    """An Encoder that returns every hidden state, for attention.

    forward(xs (N, T) ids) -> hs (N, T, H). backward(dhs (N, T, H)) -> None.
    """

    def forward(self, xs):
        self.hs = self.lstm.forward(self.embed.forward(xs))
        return self.hs

    def backward(self, dhs):
        self.embed.backward(self.lstm.backward(dhs))
        return None


class AttentionDecoder:
    """A decoder attending over the encoder's states; affine input concat([context, dec_hs]), context first.

    Args: vocab_size V, wordvec_size D, hidden_size H; dtype (keyword).
    Layers: TimeEmbedding, TimeLSTM (stateful, started from enc_hs[:, -1]),
    TimeAttention, TimeAffine with W (2H, V).
    forward(xs (N, S) ids, enc_hs (N, T, H)) -> score (N, S, V).
    backward(dscore) -> denc_hs (N, T, H): the attention's gradient, with the
    LSTM's dh (its initial state was enc_hs[:, -1]) added to the last step.
    generate(enc_hs (1, T, H), start_id, sample_size) -> list of ids (greedy).
    """

    def __init__(self, vocab_size, wordvec_size, hidden_size, *, dtype=np.float32):
        dtype = model_dtype(type(self).__name__, dtype)
        V, D, H = vocab_size, wordvec_size, hidden_size
        self.embed = _embedding(V, D, dtype)
        self.lstm = _lstm(D, H, dtype, stateful=True)
        self.attention = TimeAttention()
        self.affine = _affine(2 * H, V, dtype)
        _collect(self, [self.embed, self.lstm, self.attention, self.affine])

    def _step(self, xs, enc_hs):
        dec_hs = self.lstm.forward(self.embed.forward(xs))
        c = self.attention.forward(enc_hs, dec_hs)
        return self.affine.forward(np.concatenate([c, dec_hs], axis=2))

    def forward(self, xs, enc_hs):
        enc_hs = _validate.float_array("AttentionDecoder.forward", "enc_hs", enc_hs, self.params[0].dtype)
        _validate.ndim("AttentionDecoder.forward", "enc_hs", enc_hs, (3,), "(N, T, H) encoder states")
        self.lstm.set_state(enc_hs[:, -1])
        return self._step(xs, enc_hs)

    def backward(self, dscore):
        dout = self.affine.backward(dscore)
        H = dout.shape[2] // 2
        dc, ddec_hs = dout[:, :, :H], dout[:, :, H:]
        denc_hs, ddec_hs_attention = self.attention.backward(dc)
        self.embed.backward(self.lstm.backward(ddec_hs + ddec_hs_attention))
        denc_hs[:, -1] += self.lstm.dh
        return denc_hs

    def generate(self, enc_hs, start_id, sample_size):
        start_id, sample_size = _start("AttentionDecoder.generate", start_id, sample_size)
        enc_hs = _validate.float_array("AttentionDecoder.generate", "enc_hs", enc_hs, self.params[0].dtype)
        _one_sequence("AttentionDecoder.generate", "enc_hs", enc_hs, 3)
        self.lstm.set_state(enc_hs[:, -1])
        return _greedy(lambda x: self._step(x, enc_hs), start_id, sample_size)


class Seq2seq(BaseModel):
    """Encoder, Decoder and TimeSoftmaxWithLoss, trained with teacher forcing.

    Args: vocab_size V, wordvec_size D, hidden_size H; dtype (keyword).
    forward(xs (N, T) ids, ts (N, S+1) ids) -> loss: the decoder reads
    ts[:, :-1] and its scores are judged against ts[:, 1:].
    backward(dout=1) -> None; every param's gradient in ``grads``
    (the encoder's through the decoder's dh).
    generate(xs (1, T), start_id, sample_size) -> list of ids (greedy).
    params = encoder.params + decoder.params; grads likewise; ``param_names``
    name them; save_params / load_params from BaseModel.
    """

    encoder_class = Encoder
    decoder_class = Decoder
    param_names = ("W_embed_enc", "Wx_enc", "Wh_enc", "b_enc",
                   "W_embed_dec", "Wx_dec", "Wh_dec", "b_dec", "W_affine", "b_affine")

    def __init__(self, vocab_size, wordvec_size, hidden_size, *, dtype=np.float32):
        V, D, H = vocab_size, wordvec_size, hidden_size
        self.encoder = self.encoder_class(V, D, H, dtype=dtype)
        self.decoder = self.decoder_class(V, D, H, dtype=dtype)
        self.softmax = TimeSoftmaxWithLoss()
        self.params = self.encoder.params + self.decoder.params
        self.grads = self.encoder.grads + self.decoder.grads

    def forward(self, xs, ts):
        ts = np.asarray(ts)
        if ts.ndim != 2 or ts.shape[1] < 2:
            raise ValueError(f"{type(self).__name__}.forward: ts must be (N, S+1) ids with S >= 1 "
                             f"(the decoder reads ts[:, :-1], predicts ts[:, 1:]); got shape {ts.shape}")
        decoder_xs, decoder_ts = ts[:, :-1], ts[:, 1:]
        h = self.encoder.forward(xs)
        score = self.decoder.forward(decoder_xs, h)
        return self.softmax.forward(score, decoder_ts)

    def backward(self, dout=1):
        dscore = self.softmax.backward(dout)
        self.encoder.backward(self.decoder.backward(dscore))
        return None

    def generate(self, xs, start_id, sample_size):
        h = self.encoder.forward(xs)
        return self.decoder.generate(h, start_id, sample_size)


class PeekySeq2seq(Seq2seq):
    """Seq2seq with a PeekyDecoder (same methods and params order)."""

    decoder_class = PeekyDecoder


class AttentionSeq2seq(Seq2seq):
    """Seq2seq with an AttentionEncoder and an AttentionDecoder (same methods and params order)."""

    encoder_class = AttentionEncoder
    decoder_class = AttentionDecoder

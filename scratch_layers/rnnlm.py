"""Recurrent language models (the book's ch05 ``SimpleRnnlm``, ch06 ``Rnnlm`` and ``BetterRnnlm``).

Each model is a stack of Time layers ending in TimeSoftmaxWithLoss:

    SimpleRnnlm   TimeEmbedding -> TimeRNN (stateful)  -> TimeAffine
    Rnnlm         TimeEmbedding -> TimeLSTM (stateful) -> TimeAffine
    BetterRnnlm   TimeEmbedding -> TimeDropout -> TimeLSTM -> TimeDropout -> TimeLSTM
                  -> TimeDropout -> TimeAffine(embed_W.T, b)   (weight tying)

Shapes: xs, ts (N, T) word ids; scores (N, T, V). V vocabulary, D word
vector size, H hidden size.

Initialisation (api.md), drawn from the global legacy ``np.random`` in this
order so that a seed reproduces a model: embedding randn(V, D) / 100; each
recurrent layer Wx randn(in, kH) / sqrt(in), Wh randn(H, kH) / sqrt(H), b
zeros; affine randn(H, V) / sqrt(H), b zeros. The values are drawn in
float64 and cast to ``dtype`` (float32 by default, as in the book; float64
is kept end to end).

The recurrent layers are stateful: consecutive ``forward`` calls carry h
(and c) over, which is what truncated BPTT over a corpus needs;
``reset_state()`` starts the next call from zeros. Nothing here resets the
state on its own.

Weight tying: BetterRnnlm's affine weight is the *view* ``embed_W.T``, so
``params`` holds the same memory twice and ``grads`` the two gradients
separately; ``remove_duplicate`` (what the trainers call) merges them into
embed_W's gradient = embedding grad + affine grad transposed.
"""
from __future__ import annotations

from scratch_layers.backend import FLOAT_DTYPES, np
from scratch_layers.base_model import BaseModel
from scratch_layers.time_layers import (TimeAffine, TimeDropout, TimeEmbedding, TimeLSTM, TimeRNN,
                                        TimeSoftmaxWithLoss)

__all__ = ["SimpleRnnlm", "Rnnlm", "BetterRnnlm"]


def model_dtype(owner: str, dtype):
    """float32 or float64, else a TypeError naming the argument."""
    dt = np.dtype(dtype)
    if dt not in FLOAT_DTYPES:
        raise TypeError(f"{owner}: dtype must be float32 or float64; got {dt}")
    return dt


def positive_sizes(owner: str, **sizes) -> None:
    for name, value in sizes.items():
        if int(value) != value or value < 1:
            raise ValueError(f"{owner}: {name} must be a positive integer; got {value!r}")


def randn(shape, divisor, dtype):
    """np.random.randn(*shape) / divisor, drawn in float64 then cast (the documented init)."""
    return (np.random.randn(*shape) / divisor).astype(dtype)


def recurrent_weights(n_in: int, hidden: int, gates: int, dtype):
    """Wx (n_in, gates*H) / sqrt(n_in), Wh (H, gates*H) / sqrt(H), b zeros, drawn in that order."""
    Wx = randn((n_in, gates * hidden), np.sqrt(n_in), dtype)
    Wh = randn((hidden, gates * hidden), np.sqrt(hidden), dtype)
    return Wx, Wh, np.zeros(gates * hidden, dtype=dtype)


class _LayerStack(BaseModel):
    """predict / forward / backward over ``self.layers`` and ``self.loss_layer``; params gathered."""

    layers: list
    loss_layer: object
    recurrent: list

    def _gather(self):
        self.params, self.grads = [], []
        for layer in self.layers:
            self.params += layer.params
            self.grads += layer.grads

    def predict(self, xs):
        """Scores (N, T, V) for word ids xs (N, T)."""
        for layer in self.layers:
            xs = layer.forward(xs)
        return xs

    def forward(self, xs, ts):
        """Mean cross entropy of predict(xs) against ts (N, T) (labels -1 ignored)."""
        return self.loss_layer.forward(self.predict(xs), ts)

    def backward(self, dout=1):
        """Backpropagates the loss; every layer's grads written in place. Returns None."""
        dout = self.loss_layer.backward(dout)
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout

    def reset_state(self):
        """The next forward starts every recurrent layer from zeros."""
        for layer in self.recurrent:
            layer.reset_state()


class SimpleRnnlm(_LayerStack):
    """Embedding, a stateful vanilla RNN and an affine layer, trained with softmax cross entropy.

    Args: vocab_size V, wordvec_size D, hidden_size H; dtype (float32 default).
    params: [embed_W (V, D), rnn_Wx (D, H), rnn_Wh (H, H), rnn_b (H,), affine_W (H, V), affine_b (V,)].
    predict(xs (N, T)) -> (N, T, V); forward(xs, ts) -> loss; backward(dout=1) -> None.
    """

    param_names = ("embed_W", "rnn_Wx", "rnn_Wh", "rnn_b", "affine_W", "affine_b")

    def __init__(self, vocab_size, wordvec_size, hidden_size, dtype="float32"):
        V, D, H = vocab_size, wordvec_size, hidden_size
        positive_sizes("SimpleRnnlm", vocab_size=V, wordvec_size=D, hidden_size=H)
        dt = model_dtype("SimpleRnnlm", dtype)
        embed_W = randn((V, D), 100, dt)
        rnn = TimeRNN(*recurrent_weights(D, H, 1, dt), stateful=True)
        affine = TimeAffine(randn((H, V), np.sqrt(H), dt), np.zeros(V, dtype=dt))
        self.layers = [TimeEmbedding(embed_W), rnn, affine]
        self.loss_layer = TimeSoftmaxWithLoss()
        self.rnn_layer = rnn
        self.recurrent = [rnn]
        self._gather()


class Rnnlm(_LayerStack):
    """Embedding, a stateful LSTM (gates f, g, i, o) and an affine layer.

    Args: vocab_size V=10000, wordvec_size D=100, hidden_size H=100; dtype (float32 default).
    params: [embed_W (V, D), lstm_Wx (D, 4H), lstm_Wh (H, 4H), lstm_b (4H,), affine_W (H, V), affine_b (V,)].
    predict(xs (N, T)) -> (N, T, V); forward(xs, ts) -> loss; backward(dout=1) -> None.
    forward takes no ``train_flg`` (there is no dropout): ``eval_perplexity``
    calls it without one.
    """

    param_names = ("embed_W", "lstm_Wx", "lstm_Wh", "lstm_b", "affine_W", "affine_b")

    def __init__(self, vocab_size=10000, wordvec_size=100, hidden_size=100, dtype="float32"):
        V, D, H = vocab_size, wordvec_size, hidden_size
        positive_sizes("Rnnlm", vocab_size=V, wordvec_size=D, hidden_size=H)
        dt = model_dtype("Rnnlm", dtype)
        embed_W = randn((V, D), 100, dt)
        lstm = TimeLSTM(*recurrent_weights(D, H, 4, dt), stateful=True)
        affine = TimeAffine(randn((H, V), np.sqrt(H), dt), np.zeros(V, dtype=dt))
        self.layers = [TimeEmbedding(embed_W), lstm, affine]
        self.loss_layer = TimeSoftmaxWithLoss()
        self.lstm_layer = lstm
        self.recurrent = [lstm]
        self._gather()


class BetterRnnlm(_LayerStack):
    """Two stateful LSTMs with inverted dropout between layers and weight tying (ch06).

    Embedding -> Dropout -> LSTM -> Dropout -> LSTM -> Dropout -> Affine(embed_W.T, b).
    The affine weight is the view ``embed_W.T`` (weight tying), which needs D == H.

    Args: vocab_size V=10000, wordvec_size D=650, hidden_size H=650,
    dropout_ratio=0.5 (TimeDropout: masks from np.random, one draw per layer
    per forward, in layer order); dtype (float32 default).
    params: [embed_W (V, D), lstm1_Wx (D, 4H), lstm1_Wh, lstm1_b, lstm2_Wx (H, 4H), lstm2_Wh,
    lstm2_b, affine_W = embed_W.T (D, V) (the same memory), affine_b (V,)].
    predict(xs, train_flg=False) -> (N, T, V); forward(xs, ts, train_flg=True) -> loss;
    backward(dout=1) -> None.
    """

    param_names = ("embed_W", "lstm1_Wx", "lstm1_Wh", "lstm1_b", "lstm2_Wx", "lstm2_Wh", "lstm2_b",
                   "affine_W_tied", "affine_b")

    def __init__(self, vocab_size=10000, wordvec_size=650, hidden_size=650, dropout_ratio=0.5,
                 dtype="float32"):
        V, D, H = vocab_size, wordvec_size, hidden_size
        positive_sizes("BetterRnnlm", vocab_size=V, wordvec_size=D, hidden_size=H)
        if D != H:
            raise ValueError(f"BetterRnnlm: weight tying uses embed_W.T (D, V) as the affine weight "
                             f"(H, V), so wordvec_size must equal hidden_size; got D={D}, H={H}")
        dt = model_dtype("BetterRnnlm", dtype)
        embed_W = randn((V, D), 100, dt)
        lstm1 = TimeLSTM(*recurrent_weights(D, H, 4, dt), stateful=True)
        lstm2 = TimeLSTM(*recurrent_weights(H, H, 4, dt), stateful=True)
        affine = TimeAffine(embed_W.T, np.zeros(V, dtype=dt))  # tied: a view, not a copy
        self.drop_layers = [TimeDropout(dropout_ratio) for _ in range(3)]
        self.layers = [TimeEmbedding(embed_W), self.drop_layers[0], lstm1, self.drop_layers[1], lstm2,
                       self.drop_layers[2], affine]
        self.loss_layer = TimeSoftmaxWithLoss()
        self.lstm_layers = [lstm1, lstm2]
        self.recurrent = [lstm1, lstm2]
        self._gather()

    def predict(self, xs, train_flg=False):
        """Scores (N, T, V); dropout active only when ``train_flg`` is true."""
        for layer in self.drop_layers:
            layer.train_flg = bool(train_flg)
        return super().predict(xs)

    def forward(self, xs, ts, train_flg=True):
        """Loss of predict(xs, train_flg) against ts (N, T)."""
        return self.loss_layer.forward(self.predict(xs, train_flg), ts)

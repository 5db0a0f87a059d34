"""word2vec (the book's chapters 3 and 4): CBOW and skip-gram, plain and with negative sampling.

Sizes: V vocabulary, H word-vector (hidden) size, N batch, w window size
(2w context words per target), k negative samples per target.

- ``SimpleCBOW`` / ``SimpleSkipGram`` (chapter 3): one-hot inputs, MatMul
  layers and a softmax over the whole vocabulary.
- ``UnigramSampler``: negatives drawn from the unigram distribution raised
  to ``power`` (0.75), never the target, without replacement within a row.
- ``NegativeSamplingLoss``: one positive and k negative binary
  classifications, each an EmbeddingDot and a SigmoidWithLoss (batch mean).
- ``CBOW`` / ``SkipGram`` (chapter 4): Embedding inputs and negative sampling.

Weights are initialised 0.01 * randn from the global ``np.random`` (seed it
to reproduce), in ``dtype`` (keyword, default float32 as in the book). When
several layers share one weight matrix, ``params`` lists the same array once
per layer and ``grads`` holds each layer's own contribution: the weight's
gradient is the sum of the grads whose params are that array (what
``remove_duplicate`` computes before an optimizer step).
"""
from __future__ import annotations

from scratch_layers import _validate
from scratch_layers.backend import np
from scratch_layers.layers import Embedding, EmbeddingDot, MatMul, SigmoidWithLoss, SoftmaxWithLoss
from scratch_layers.rnnlm import model_dtype

__all__ = ["UnigramSampler", "NegativeSamplingLoss", "SimpleCBOW", "SimpleSkipGram", "CBOW", "SkipGram"]

NEGATIVE_SAMPLING_POWER = 0.75  # the book's exponent of the unigram counts
NEGATIVE_SAMPLE_SIZE = 5        # negatives per target in CBOW and SkipGram (the book's value)


def _init(shape, dtype):
    return (0.01 * np.random.randn(*shape)).astype(dtype)


def _collect(model, layers):
    model.params = [p for layer in layers for p in layer.params]
    model.grads = [g for layer in layers for g in layer.grads]


class UnigramSampler:
    """Draws negative samples from the unigram distribution to the power ``power``.

    Args: corpus (1-D word ids >= 0), power (0.75 in the book), sample_size k.
    ``vocab_size`` = max id + 1; ``word_p`` (V,) float64 = counts**power / sum.
    get_negative_sample(target (N,) ids) -> (N, k) int64 ids: row n holds k
    distinct ids, never target[n], drawn one after another with probability
    proportional to word_p among the ids not drawn yet (the book's per-row
    ``np.random.choice(V, k, replace=False, p=word_p with target[n] zeroed)``).

    All rows are drawn at once by "exponential clocks": id j of row n rings at
    E[n, j] / word_p[j], E ~ Exp(1) from ``np.random.rand``; the k earliest
    ids in ring order have exactly that sequential distribution (the first to
    ring is j with probability p_j / sum p; the others restart by
    memorylessness). Same distribution as the book, another random stream;
    the global ``np.random`` is the only source, so a seed reproduces a draw.
    """

    def __init__(self, corpus, power, sample_size):
        owner = "UnigramSampler"
        corpus = np.asarray(corpus)
        _validate.ndim(owner, "corpus", corpus, (1,), "a 1-D array of word ids")
        if corpus.size == 0:
            raise ValueError(f"{owner}: corpus must not be empty")
        corpus = _validate.labels(owner, "corpus", corpus, int(corpus.max()) + 1)
        if int(sample_size) < 0:
            raise ValueError(f"{owner}: sample_size must be >= 0; got {sample_size!r}")
        self.sample_size = int(sample_size)
        counts = np.bincount(corpus).astype(np.float64)
        self.vocab_size = counts.shape[0]
        weights = np.power(counts, power)
        self.word_p = weights / weights.sum()

    def get_negative_sample(self, target):
        owner = "UnigramSampler.get_negative_sample"
        target = np.asarray(target)
        _validate.ndim(owner, "target", target, (1,), "(N,) word ids")
        target = _validate.labels(owner, "target", target, self.vocab_size)
        N, V, k = target.shape[0], self.vocab_size, self.sample_size
        p = np.broadcast_to(self.word_p, (N, V)).copy()
        p[np.arange(N), target] = 0
        available = int((p > 0).sum(axis=1).min()) if N else V
        if available < k:
            raise ValueError(f"{owner}: sample_size={k} but a row has only {available} words of non-zero "
                             f"probability besides its target; a corpus with more distinct words is needed")
        u = np.random.rand(N, V)
        ring = np.full((N, V), np.inf)
        drawable = p > 0
        ring[drawable] = -np.log1p(-u[drawable]) / p[drawable]
        if k == 0:
            return np.zeros((N, 0), dtype=np.int64)
        earliest = np.argpartition(ring, k - 1, axis=1)[:, :k]
        order = np.argsort(np.take_along_axis(ring, earliest, axis=1), axis=1)
        return np.take_along_axis(earliest, order, axis=1).astype(np.int64)


class NegativeSamplingLoss:
    """Binary classification of the target against k sampled negatives.

    Args: W (V, H) output word vectors, corpus (for the sampler), power=0.75,
    sample_size=5 (k).
    forward(h (N, H), target (N,) ids) -> loss = the positive SigmoidWithLoss
    of sum(W[target] * h, axis=1) against 1, plus k of sum(W[negative_i] * h)
    against 0 (each a batch mean with the 1e-7 epsilon); negatives come from
    ``self.sampler.get_negative_sample(target)``.
    backward(dout=1) -> dh (N, H), summed over the 1 + k terms.
    params = [W] * (1 + k), the SAME array repeated (one per EmbeddingDot);
    grads are the 1 + k separate contributions (sum them for W's gradient).
    """

    def __init__(self, W, corpus, power=NEGATIVE_SAMPLING_POWER, sample_size=NEGATIVE_SAMPLE_SIZE):
        _validate.param_array("NegativeSamplingLoss", "W", W, 2)
        self.sample_size = int(sample_size)
        self.sampler = UnigramSampler(corpus, power, sample_size)
        self.loss_layers = [SigmoidWithLoss() for _ in range(self.sample_size + 1)]
        self.embed_dot_layers = [EmbeddingDot(W) for _ in range(self.sample_size + 1)]
        _collect(self, self.embed_dot_layers)

    def forward(self, h, target):
        target = np.asarray(target)
        N = target.shape[0] if target.ndim == 1 else -1
        negatives = np.asarray(self.sampler.get_negative_sample(target))
        _validate.shape("NegativeSamplingLoss.forward", "negative samples", negatives, (N, self.sample_size),
                        f"(N, sample_size) = ({N}, {self.sample_size}) from the sampler")
        ids = [target] + [negatives[:, i] for i in range(self.sample_size)]
        labels = [np.ones(N, dtype=np.int64)] + [np.zeros(N, dtype=np.int64)] * self.sample_size
        loss = 0
        for embed_dot, loss_layer, idx, label in zip(self.embed_dot_layers, self.loss_layers, ids, labels):
            loss = loss + loss_layer.forward(embed_dot.forward(h, idx), label)
        return loss

    def backward(self, dout=1):
        dh = 0
        for embed_dot, loss_layer in zip(self.embed_dot_layers, self.loss_layers):
            dh = dh + embed_dot.backward(loss_layer.backward(dout))
        return dh


class SimpleCBOW:
    """CBOW on one-hot vectors, window size 1 (chapter 3).

    Args: vocab_size V, hidden_size H; dtype (keyword).
    forward(contexts (N, 2, V) one-hot, target (N, V) one-hot or (N,) ids) ->
    loss = SoftmaxWithLoss(((contexts[:, 0] @ W_in + contexts[:, 1] @ W_in) / 2) @ W_out, target).
    backward(dout=1) -> None. params = [W_in, W_in, W_out] (W_in (V, H) shared by
    the two input MatMuls), W_out (H, V); ``word_vecs`` is W_in.
    """

    def __init__(self, vocab_size, hidden_size, *, dtype=np.float32):
        dtype = model_dtype("SimpleCBOW", dtype)
        W_in, W_out = _init((vocab_size, hidden_size), dtype), _init((hidden_size, vocab_size), dtype)
        self.in_layer0, self.in_layer1 = MatMul(W_in), MatMul(W_in)
        self.out_layer = MatMul(W_out)
        self.loss_layer = SoftmaxWithLoss()
        _collect(self, [self.in_layer0, self.in_layer1, self.out_layer])
        self.word_vecs = W_in

    def forward(self, contexts, target):
        contexts = np.asarray(contexts)
        _validate.ndim("SimpleCBOW.forward", "contexts", contexts, (3,), "(N, 2, V) one-hot context words")
        h = (self.in_layer0.forward(contexts[:, 0]) + self.in_layer1.forward(contexts[:, 1])) * 0.5
        return self.loss_layer.forward(self.out_layer.forward(h), target)

    def backward(self, dout=1):
        da = self.out_layer.backward(self.loss_layer.backward(dout)) * 0.5
        self.in_layer1.backward(da)
        self.in_layer0.backward(da)
        return None


class SimpleSkipGram:
    """Skip-gram on one-hot vectors, window size 1 (chapter 3).

    Args: vocab_size V, hidden_size H; dtype (keyword).
    forward(contexts (N, 2, V) one-hot, target (N, V) one-hot) -> loss = the sum
    of SoftmaxWithLoss(s, contexts[:, 0]) and SoftmaxWithLoss(s, contexts[:, 1]),
    s = (target @ W_in) @ W_out.
    backward(dout=1) -> None. params = [W_in (V, H), W_out (H, V)]; ``word_vecs`` is W_in.
    """

    def __init__(self, vocab_size, hidden_size, *, dtype=np.float32):
        dtype = model_dtype("SimpleSkipGram", dtype)
        W_in, W_out = _init((vocab_size, hidden_size), dtype), _init((hidden_size, vocab_size), dtype)
        self.in_layer = MatMul(W_in)
        self.out_layer = MatMul(W_out)
        self.loss_layer1, self.loss_layer2 = SoftmaxWithLoss(), SoftmaxWithLoss()
        _collect(self, [self.in_layer, self.out_layer])
        self.word_vecs = W_in

    def forward(self, contexts, target):
        contexts = np.asarray(contexts)
        _validate.ndim("SimpleSkipGram.forward", "contexts", contexts, (3,), "(N, 2, V) one-hot context words")
        s = self.out_layer.forward(self.in_layer.forward(target))
        return self.loss_layer1.forward(s, contexts[:, 0]) + self.loss_layer2.forward(s, contexts[:, 1])

    def backward(self, dout=1):
        ds = self.loss_layer1.backward(dout) + self.loss_layer2.backward(dout)
        self.in_layer.backward(self.out_layer.backward(ds))
        return None


def _contexts(owner, contexts, window_size):
    contexts = np.asarray(contexts)
    _validate.shape(owner, "contexts", contexts, (None, 2 * window_size),
                    f"(N, 2 * window_size) = (N, {2 * window_size}) context ids")
    return contexts


class CBOW:
    """CBOW with negative sampling (chapter 4).

    Args: vocab_size V, hidden_size H, window_size w, corpus (for the sampler); dtype (keyword).
    forward(contexts (N, 2w) ids, target (N,) ids) -> loss: h = the mean of
    W_in[contexts[:, i]] over the 2w context words, then
    NegativeSamplingLoss(W_out, corpus, 0.75, 5)(h, target).
    backward(dout=1) -> None. params = [W_in] * 2w + [W_out] * 6 (W_in, W_out
    both (V, H)); ``word_vecs`` is W_in.
    """

    def __init__(self, vocab_size, hidden_size, window_size, corpus, *, dtype=np.float32):
        dtype = model_dtype("CBOW", dtype)
        W_in, W_out = _init((vocab_size, hidden_size), dtype), _init((vocab_size, hidden_size), dtype)
        self.window_size = int(window_size)
        self.in_layers = [Embedding(W_in) for _ in range(2 * self.window_size)]
        self.ns_loss = NegativeSamplingLoss(W_out, corpus)
        _collect(self, self.in_layers + [self.ns_loss])
        self.word_vecs = W_in

    def forward(self, contexts, target):
        contexts = _contexts("CBOW.forward", contexts, self.window_size)
        h = sum(layer.forward(contexts[:, i]) for i, layer in enumerate(self.in_layers))
        return self.ns_loss.forward(h * (1 / len(self.in_layers)), target)

    def backward(self, dout=1):
        dh = self.ns_loss.backward(dout) * (1 / len(self.in_layers))
        for layer in self.in_layers:
            layer.backward(dh)
        return None


class SkipGram:
    """Skip-gram with negative sampling (chapter 4).

    Args: vocab_size V, hidden_size H, window_size w, corpus; dtype (keyword).
    forward(contexts (N, 2w) ids, target (N,) ids) -> loss = sum over i of
    NegativeSamplingLoss_i(W_in[target], contexts[:, i]), one loss layer (and
    sampler) per context position.
    backward(dout=1) -> None. params = [W_in] + [W_out] * (2w * 6); ``word_vecs`` is W_in.
    """

    def __init__(self, vocab_size, hidden_size, window_size, corpus, *, dtype=np.float32):
        dtype = model_dtype("SkipGram", dtype)
        W_in, W_out = _init((vocab_size, hidden_size), dtype), _init((vocab_size, hidden_size), dtype)
        self.window_size = int(window_size)
        self.in_layer = Embedding(W_in)
        self.loss_layers = [NegativeSamplingLoss(W_out, corpus) for _ in range(2 * self.window_size)]
        _collect(self, [self.in_layer] + self.loss_layers)
        self.word_vecs = W_in

    def forward(self, contexts, target):
        contexts = _contexts("SkipGram.forward", contexts, self.window_size)
        h = self.in_layer.forward(target)
        return sum(layer.forward(h, contexts[:, i]) for i, layer in enumerate(self.loss_layers))

    def backward(self, dout=1):
        dh = sum(layer.backward(dout) for layer in self.loss_layers)
        self.in_layer.backward(dh)
        return None

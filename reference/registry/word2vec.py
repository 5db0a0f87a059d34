"""Registry entries: word2vec (chapters 3 and 4).

All entries are kind "custom" (``reference.registry.model_drive``), judged by torch
with autograd on ONE tensor per shared weight: the book lists a shared
weight once per layer in ``params`` ([W] * (1 + k) in NegativeSamplingLoss,
[W_in] * 2w in CBOW) with one grads entry each, so the quantity ``dW`` is the
SUM of those grads (what ``remove_duplicate`` gives the optimizer), and it
must equal autograd's gradient of the tied tensor.

Negative samples are random, so the checks inject them: the driver replaces
each NegativeSamplingLoss's ``sampler`` (book attribute names: ``sampler``,
CBOW's ``ns_loss``, SkipGram's ``loss_layers``) by one that returns
``negatives(sample)`` (distinct ids per row, never the target), after
checking it is asked about the right targets; the torch oracle uses the same
ids. The sampler itself is judged here on its distribution (``word_p``) and
on a full draw (sample_size = V - 1 must return every other id exactly once);
its randomness is tested statistically in tests/test_word2vec.py.

The losses carry the book's 1e-7 inside the log; their gradients are the
exact loss's (so finite differences would need a per-term correction: torch
judges alone). Sizes: N batch, H hidden size, V vocabulary, K negatives per
target (NegativeSamplingLoss), W window size (2W contexts; >= 2, since code
that is right only for window 1 exists). CBOW and SkipGram use the book's 5
negatives, so V >= 6 there.
"""
from __future__ import annotations

from functools import partial

import numpy as np

from reference.registry import cases as C
from reference.registry import model_drive
from reference.registry.component import Component, Sample

NEGATIVE_SALT = 1           # case.rng(NEGATIVE_SALT) draws the injected negatives
BOOK_SAMPLE_SIZE = 5        # negatives per target in the book's CBOW and SkipGram
BOOK_POWER = 0.75
SAMPLER_POWER = 0.6         # not 0.75: a sampler that ignores its power argument shows

# H >= 2, V >= 3: at H = 1 or V = 2 a gradient is one cancelling sum and its
# float32 error has a heavy tail (measured 7.4e-5 x max|ref|, SimpleCBOW.dW_in).
SIZES = {"N": (1, 3), "H": (2, 5), "V": (3, 7)}
CBOW_SIZES = {"N": (1, 3), "H": (2, 5), "V": (6, 7), "W": (2, 3)}

# float32 gradients of whole word2vec models sum cancelling terms (softmax and
# sigmoid gradients, shared weights): impl32 against torch32 reached 1.1e-5 x
# max|ref| over 3000 drawn cases per entry (SimpleSkipGram.dW_in), torch32
# against torch64 alike. The float32 rule's cancellation term
# (tolerances.CANCELLATION) covers it without a per-entry factor.


# -- data ---------------------------------------------------------------------


def corpus_of(rng, V):
    """A shuffled corpus where word v appears a distinct number of times (1..V): distinct probabilities."""
    counts = rng.permutation(np.arange(1, V + 1))
    corpus = np.repeat(np.arange(V), counts)
    rng.shuffle(corpus)
    return corpus.astype(np.int64)


def _ids(rng, shape, V):
    ids = C.labels(rng, shape, V)
    ids.flat[-1] = ids.flat[0]  # a repeat: gradients must accumulate
    return ids


def _negative_rows(rng, targets, V, k):
    """(N, k): per row k distinct ids drawn uniformly among those != the row's target."""
    rows = []
    for t in targets:
        candidates = np.array([v for v in range(V) if v != t])
        rows.append(rng.permutation(candidates)[:k])
    return np.array(rows, dtype=np.int64).reshape(len(targets), k)


def negatives(sample, per_context=False):
    """The negative samples injected for ``sample``, as (loss layers, N, k).

    One loss layer (NegativeSamplingLoss, CBOW: its target), or with
    ``per_context`` one per context column (SkipGram: layer i's target is contexts[:, i]).
    """
    rng = sample.case.rng(NEGATIVE_SALT)
    k = sample.init_kwargs.get("sample_size", BOOK_SAMPLE_SIZE)
    return np.stack([_negative_rows(rng, t, sample.case["V"], k) for t in loss_targets(sample, per_context)])


def loss_targets(sample, per_context=False):
    """The target each NegativeSamplingLoss of the model is called with, in layer order."""
    if per_context:
        contexts = sample.inputs["contexts"]
        return [contexts[:, i] for i in range(contexts.shape[1])]
    return [sample.inputs["target"]]


# -- driving the implementation --------------------------------------------------


class InjectedSampler:
    """Stands in for a UnigramSampler: hands out the sample's negatives for the expected targets."""

    def __init__(self, negatives, target, where):
        self.negatives, self.target, self.where = negatives, np.asarray(target), where

    def get_negative_sample(self, target):
        if not np.array_equal(np.asarray(target), self.target):
            raise model_drive.ModelContractError(
                f"{self.where} asked its sampler for negatives of target {np.asarray(target).tolist()}; "
                f"expected {self.target.tolist()}")
        return self.negatives.copy()


def _inject(model, sample, per_context=False):
    """Replace the sampler of every NegativeSamplingLoss of the model (book attribute names)."""
    name = type(model).__name__
    if per_context:                              # SkipGram: one loss layer per context position
        layers = [(f"{name}.loss_layers[{i}]", layer) for i, layer in enumerate(getattr(model, "loss_layers", []))]
    elif hasattr(model, "ns_loss"):              # CBOW
        layers = [(f"{name}.ns_loss", model.ns_loss)]
    else:                                        # NegativeSamplingLoss itself
        layers = [(name, model)]
    targets, drawn = loss_targets(sample, per_context), negatives(sample, per_context)
    if len(layers) != len(targets):
        raise model_drive.ModelContractError(f"{name}: expected {len(targets)} NegativeSamplingLoss layers; "
                                             f"found {len(layers)}")
    for (where, layer), target, rows in zip(layers, targets, drawn):
        if not hasattr(layer, "sampler"):
            raise model_drive.ModelContractError(f"{where} has no attribute 'sampler' (the book's name for its "
                                                 f"UnigramSampler), so negative samples cannot be injected")
        layer.sampler = InjectedSampler(rows, target, where)


def _make_loss(obj, sample):
    """NegativeSamplingLoss(W, corpus, power, sample_size) on a copy of the sample's W."""
    kw = sample.init_kwargs
    return obj(sample.params["W"].copy(), kw["corpus"], kw["power"], kw["sample_size"])


def run_sampler(obj, sample):
    """word_p, and the sorted rows of a draw of sample_size = V - 1 (every id but the target, once)."""
    kw = sample.init_kwargs
    np.random.seed(sample.np_seed)
    sampler = obj(kw["corpus"].copy(), kw["power"], kw["sample_size"])
    if not hasattr(sampler, "word_p"):
        raise model_drive.ModelContractError("UnigramSampler has no attribute 'word_p' (the book's name for "
                                             "its distribution counts**power / sum)")
    drawn = np.asarray(sampler.get_negative_sample(sample.inputs["target"].copy()))
    return {"word_p": np.asarray(sampler.word_p), "negatives_sorted": np.sort(drawn, axis=1).astype(np.float64)}


# -- samples ---------------------------------------------------------------------


def sample_sampler(case):
    rng = case.rng()
    N, V = case["N"], case["V"]
    return Sample(case, inputs={"target": _ids(rng, (N,), V)},
                  init_kwargs={"corpus": corpus_of(rng, V), "power": SAMPLER_POWER, "sample_size": V - 1},
                  np_seed=case.seed % 2**32)


def sample_negative_sampling_loss(case):
    rng = case.rng()
    N, H, V = case["N"], case["H"], case["V"]
    k = min(case["K"], V - 1)
    return Sample(case, params={"W": C.telling(rng, (V, H), case.dtype)},
                  inputs={"h": C.telling(rng, (N, H), case.dtype), "target": _ids(rng, (N,), V)},
                  dout=1.0, differentiable=("h",),
                  init_kwargs={"corpus": corpus_of(rng, V), "power": BOOK_POWER, "sample_size": k},
                  np_seed=case.seed % 2**32)


def sample_cbow(case):
    rng = case.rng()
    N, H, V, w = case["N"], case["H"], case["V"], case["W"]
    init = {"vocab_size": V, "hidden_size": H, "window_size": w, "corpus": corpus_of(rng, V)}
    return Sample(case, params={"W_in": C.telling(rng, (V, H), case.dtype),
                                "W_out": C.telling(rng, (V, H), case.dtype)},
                  inputs={"contexts": _ids(rng, (N, 2 * w), V), "target": _ids(rng, (N,), V)},
                  dout=1.0, init_kwargs=init, np_seed=case.seed % 2**32)


def sample_simple(case):
    rng = case.rng()
    N, H, V = case["N"], case["H"], case["V"]
    eye = np.eye(V, dtype=np.int64)
    return Sample(case, params={"W_in": C.telling(rng, (V, H), case.dtype),
                                "W_out": C.telling(rng, (H, V), case.dtype)},
                  inputs={"contexts": eye[_ids(rng, (N, 2), V)], "target": eye[_ids(rng, (N,), V)]},
                  dout=1.0, init_kwargs={"vocab_size": V, "hidden_size": H}, np_seed=case.seed % 2**32)


NS_HINTS = {
    "out": "loss = SigmoidWithLoss(score of the target, 1) + for each negative SigmoidWithLoss(its score, 0); "
           "each a batch mean with the 1e-7 epsilon",
    "dW": "W is shared by the 1 + k EmbeddingDot layers: params lists it 1 + k times, each grads entry holds "
          "one layer's np.add.at contribution, and W's gradient is their SUM",
    "dh": "dh sums the EmbeddingDot gradients of the positive and every negative term",
}
ENTRIES = (
    Component("UnigramSampler", "custom", "word2vec", sample_sampler, {"N": (1, 3), "V": (2, 7)}, ("torch",),
              ("word_p", "negatives_sorted"), run=run_sampler,
              hints={"word_p": "word_p = counts**power / sum(counts**power), counts from the corpus (np.bincount)",
                     "negatives_sorted": "with sample_size = V - 1 every row must hold each id but its target "
                                         "exactly once: no replacement within a row, never the target"}),
    Component("NegativeSamplingLoss", "custom", "word2vec", sample_negative_sampling_loss,
              {**SIZES, "K": (1, 3)}, ("torch",), ("out", "dh", "dW"),
              run=partial(model_drive.run, make=_make_loss, prepare=_inject), hints=NS_HINTS),
    Component("SimpleCBOW", "custom", "word2vec", sample_simple, SIZES, ("torch",),
              ("out", "dW_in", "dW_out"), run=model_drive.run,
              hints={"dW_in": "h = 0.5 * (h0 + h1): each input MatMul gets 0.5 * dh; W_in's gradient is the "
                              "sum of both layers' grads"}),
    Component("SimpleSkipGram", "custom", "word2vec", sample_simple, SIZES, ("torch",),
              ("out", "dW_in", "dW_out"), run=model_drive.run,
              hints={"out": "loss = SoftmaxWithLoss(s, contexts[:, 0]) + SoftmaxWithLoss(s, contexts[:, 1])",
                     "dW_out": "ds = dl1 + dl2: both context losses flow back through the same score"}),
    Component("CBOW", "custom", "word2vec", sample_cbow,
              CBOW_SIZES, ("torch",), ("out", "dW_in", "dW_out"),
              run=partial(model_drive.run, prepare=_inject),
              hints={"dW_in": "h is the MEAN of the 2 * window_size context embeddings: "
                              "each gets dh / (2 * window_size)",
                     "dW_out": NS_HINTS["dW"]}),
    Component("SkipGram", "custom", "word2vec", sample_cbow,
              CBOW_SIZES, ("torch",), ("out", "dW_in", "dW_out"),
              run=partial(model_drive.run, prepare=partial(_inject, per_context=True)),
              hints={"dW_in": "h = W_in[target] feeds every context's loss: its gradient is the sum of their dh",
                     "out": "loss = sum over the 2 * window_size context positions of "
                            "NegativeSamplingLoss(h, contexts[:, i])"}),
)

"""torch equivalents of word2vec: the same losses with autograd on one tensor per shared weight.

A shared weight is ONE leaf tensor here (W looked up by the positive and
every negative, W_in by every context), so autograd's gradient is the sum
the book spreads over several grads entries. The negative samples are the
ones the driver injects (``registry.word2vec.negatives``).

The book's sigmoid and softmax losses put 1e-7 inside the log but return the
exact loss's gradient: the loss value is computed with the epsilon, the
gradients from ``binary_cross_entropy_with_logits`` / ``cross_entropy``
(exact), as in torch_layers.
"""
from __future__ import annotations

import numpy as np

from reference.oracles import frameworks
from reference.oracles import adapter
from reference.oracles.autodiff import torch_grads, torch_leaf, torch_numpy
from reference.registry.word2vec import negatives

BOOK_LOG_EPS = 1e-7


def _sigmoid_losses(torch, scores, label):
    """(book value with epsilon, exact loss): batch-mean binary cross entropy of scores (N,) against label."""
    y = torch.sigmoid(scores)
    picked = y if label == 1 else 1.0 - y
    value = -torch.log(picked + BOOK_LOG_EPS).mean()
    exact = torch.nn.functional.binary_cross_entropy_with_logits(scores, torch.full_like(scores, float(label)))
    return value, exact


def negative_sampling(torch, W, h, target, negative_ids):
    """(value, exact) of NegativeSamplingLoss: the positive term plus one term per negative column."""
    value, exact = _sigmoid_losses(torch, (W[target] * h).sum(dim=1), 1)
    for i in range(negative_ids.shape[1]):
        v, e = _sigmoid_losses(torch, (W[negative_ids[:, i]] * h).sum(dim=1), 0)
        value, exact = value + v, exact + e
    return value, exact


def _ids(a):
    return torch_leaf(np.asarray(a), requires_grad=False)


def _result(value, exact, names, leaves, dout):
    grads = torch_grads(exact, dout, leaves)
    return {"out": torch_numpy(value), **{"d" + n: g for n, g in zip(names, grads)}}


@adapter("torch", "UnigramSampler")
def torch_unigram_sampler(sample):
    torch = frameworks.torch()
    kw = sample.init_kwargs
    weights = torch.bincount(_ids(kw["corpus"])).double() ** kw["power"]
    target = _ids(sample.inputs["target"])
    everything = torch.arange(weights.shape[0]).expand(target.shape[0], -1)
    others = everything[everything != target[:, None]].reshape(target.shape[0], -1)
    return {"word_p": torch_numpy(weights / weights.sum()), "negatives_sorted": torch_numpy(others.double())}


@adapter("torch", "NegativeSamplingLoss")
def torch_negative_sampling_loss(sample):
    torch = frameworks.torch()
    W, h = torch_leaf(sample.params["W"]), torch_leaf(sample.inputs["h"])
    value, exact = negative_sampling(torch, W, h, _ids(sample.inputs["target"]), _ids(negatives(sample)[0]))
    return _result(value, exact, ("h", "W"), [h, W], sample.dout)


def _cbow_like(sample, skip_gram):
    torch = frameworks.torch()
    W_in, W_out = torch_leaf(sample.params["W_in"]), torch_leaf(sample.params["W_out"])
    contexts, target = _ids(sample.inputs["contexts"]), _ids(sample.inputs["target"])
    if skip_gram:
        h = W_in[target]
        drawn = negatives(sample, per_context=True)
        value = exact = 0
        for i in range(contexts.shape[1]):
            v, e = negative_sampling(torch, W_out, h, contexts[:, i], _ids(drawn[i]))
            value, exact = value + v, exact + e
    else:
        h = W_in[contexts].mean(dim=1)
        value, exact = negative_sampling(torch, W_out, h, target, _ids(negatives(sample)[0]))
    return _result(value, exact, ("W_in", "W_out"), [W_in, W_out], sample.dout)


adapter("torch", "CBOW")(lambda sample: _cbow_like(sample, skip_gram=False))
adapter("torch", "SkipGram")(lambda sample: _cbow_like(sample, skip_gram=True))


def _softmax_losses(torch, scores, labels):
    """(book value with epsilon, exact cross entropy), batch means."""
    p = torch.softmax(scores, dim=1)
    value = -torch.log(p[torch.arange(len(labels)), labels] + BOOK_LOG_EPS).mean()
    return value, torch.nn.functional.cross_entropy(scores, labels)


def _simple(sample, skip_gram):
    torch = frameworks.torch()
    W_in, W_out = torch_leaf(sample.params["W_in"]), torch_leaf(sample.params["W_out"])
    dtype = W_in.dtype
    contexts = torch_leaf(sample.inputs["contexts"], requires_grad=False)
    target = torch_leaf(sample.inputs["target"], requires_grad=False)
    if skip_gram:
        scores = (target.to(dtype) @ W_in) @ W_out
        value, exact = 0, 0
        for i in range(2):
            v, e = _softmax_losses(torch, scores, contexts[:, i].argmax(dim=1))
            value, exact = value + v, exact + e
    else:
        h = (contexts[:, 0].to(dtype) @ W_in + contexts[:, 1].to(dtype) @ W_in) * 0.5
        value, exact = _softmax_losses(torch, h @ W_out, target.argmax(dim=1))
    return _result(value, exact, ("W_in", "W_out"), [W_in, W_out], sample.dout)


adapter("torch", "SimpleCBOW")(lambda sample: _simple(sample, skip_gram=False))
adapter("torch", "SimpleSkipGram")(lambda sample: _simple(sample, skip_gram=True))

"""torch training loops equivalent to Trainer.fit, RnnlmTrainer.fit and eval_perplexity.

Each loop starts from the sample's weights in torch modules (torch_models),
visits the batches the contract prescribes (replayed by
reference.registry.training from the same seed), and per step: zero the
grads, forward, ``backward()``, ``torch.nn.utils.clip_grad_norm_`` (the
book's clip_grads: global norm, epsilon 1e-6, scale only when the rate is
below 1), ``torch.optim.SGD.step()``. Tied weights are one parameter, so
autograd's gradient is remove_duplicate's merged gradient and the norm
counts it once. Recurrent state is carried from step to step, detached
(truncated BPTT), and never reset.

Besides the compared quantities each result carries ``_grad_norms`` (the
global norm before clipping, per step) for the test that clipping is active.
"""
from __future__ import annotations

import math

import numpy as np

from reference.oracles import frameworks
from reference.oracles import adapter
from reference.oracles.autodiff import torch_numpy
from reference.oracles.memo import memoized
from reference.oracles.torch_models import TorchLm, TorchMlp, TorchRegressor
from reference.registry.models import LM_SPECS
from reference.registry.training import dropout_stream, logged, rnnlm_positions, trainer_rows


def _sgd_loop(sample, parameters, steps):
    """Runs ``steps`` (an iterator of closures returning (loss to differentiate, logged loss value))."""
    torch = frameworks.torch()
    optimizer = torch.optim.SGD(parameters, lr=sample.init_kwargs["lr"])
    max_grad = sample.forward_kwargs["max_grad"]
    values, norms = [], []
    for step in steps:
        optimizer.zero_grad()
        exact, value = step()
        exact.backward()
        if max_grad is not None:
            norms.append(float(torch.nn.utils.clip_grad_norm_(parameters, max_grad)))
        optimizer.step()
        values.append(float(value.detach()))
    return values, np.asarray(norms)


def _trainer(build, loss_of):
    def run(sample):
        torch = frameworks.torch()
        model = build(sample.params, sample.dtype)
        x, t = sample.inputs["x"], sample.inputs["t"]

        def steps():
            for rows in trainer_rows(sample):
                yield lambda rows=rows: loss_of(model, torch.from_numpy(x[rows]), torch.from_numpy(t[rows]))
        values, norms = _sgd_loop(sample, model.parameters(), steps())
        return {"loss_list": logged(values, sample), **model.book("data"), "_grad_norms": norms}
    return run


def _mlp_loss(model, x, t):
    return model.losses(model.scores(x), t.numpy())


def _regressor_loss(model, xs, ts):
    loss = model.loss(model.predict(xs), ts)
    return loss, loss


adapter("torch", "Trainer[TwoLayerNet]")(memoized(_trainer(TorchMlp, _mlp_loss)))
adapter("torch", "Trainer[LstmRegressor]")(memoized(_trainer(TorchRegressor, _regressor_loss)))


def lm_mask_shapes_for(sample):
    B, T = sample.forward_kwargs["batch_size"], sample.forward_kwargs["time_size"]
    k = sample.init_kwargs
    return [(B, T, k["wordvec_size"]), (B, T, k["hidden_size"]), (B, T, k["hidden_size"])]


def _rnnlm_trainer(name: str):
    spec = LM_SPECS[name]

    def run(sample):
        lm = TorchLm(spec, sample.params, sample.dtype)
        xs, ts = sample.inputs["xs"], sample.inputs["ts"]
        masks = dropout_stream(sample, lm_mask_shapes_for(sample)) if spec.dropout else None

        def step(positions):
            loss = lm.loss(lm.scores(xs[positions], next(masks) if masks else None), ts[positions])
            return loss, loss

        values, norms = _sgd_loop(sample, lm.parameters(),
                                  (lambda p=p: step(p) for p in rnnlm_positions(sample)))
        return {"ppl_list": logged(values, sample, perplexity=True), **lm.book("data"), "_grad_norms": norms}
    return run


adapter("torch", "RnnlmTrainer[Rnnlm]")(memoized(_rnnlm_trainer("Rnnlm")))
adapter("torch", "RnnlmTrainer[BetterRnnlm]")(memoized(_rnnlm_trainer("BetterRnnlm")))


@adapter("torch", "eval_perplexity")
@memoized
def torch_eval_perplexity(sample):
    """exp(mean loss) over the contract's offsets, BetterRnnlm without dropout, state carried."""
    torch = frameworks.torch()
    lm = TorchLm(LM_SPECS["BetterRnnlm"], sample.params, sample.dtype)
    corpus = sample.inputs["corpus"]
    B, T = sample.forward_kwargs["batch_size"], sample.forward_kwargs["time_size"]
    L = len(corpus)
    max_iters, jump = (L - 1) // (B * T), (L - 1) // B
    total = 0.0
    with torch.no_grad():
        for iters in range(max_iters):
            positions = iters * T + np.arange(B)[:, None] * jump + np.arange(T)[None, :]
            loss = lm.loss(lm.scores(corpus[positions % L]), corpus[(positions + 1) % L])
            total += float(torch_numpy(loss))
    return {"ppl": np.asarray(math.exp(total / max_iters))}

"""Keras training loops (custom loops with GradientTape) equivalent to the book's trainers.

Per step, over the batches the contract prescribes (replayed from the same
seed by reference.registry.training): forward and loss under a
``tf.GradientTape``, gradients of the model's trainable variables, the
book's global-norm clipping written out (``keras.optimizers``'
``global_clipnorm`` has no 1e-6 in the rate, ~1e-6 relative difference;
``clipnorm`` is per variable), ``keras.optimizers.SGD.apply_gradients``.
Embedding gradients arrive as IndexedSlices whose repeated ids are not
summed: they are made dense before the norm. The tied weight is one
variable, so its gradient is already merged. Recurrent state is carried
from step to step through ``initial_state`` with ``stop_gradient``.
"""
from __future__ import annotations

import math

import numpy as np

from reference.oracles import frameworks
from reference.oracles import adapter
from reference.oracles.autodiff import keras_constant
from reference.oracles.keras_models import KerasLm, KerasMlp, KerasRegressor
from reference.oracles.memo import memoized
from reference.oracles.torch_training import lm_mask_shapes_for
from reference.registry.models import LM_SPECS
from reference.registry.training import dropout_stream, logged, rnnlm_positions, trainer_rows

CLIP_EPS = 1e-6  # the book's epsilon in clip_grads' rate


def clip_by_global_norm(grads, max_norm):
    """The book's clip_grads on tensors: rate = max_norm / (norm + 1e-6), applied only when < 1."""
    tf = frameworks.tf()
    total = tf.sqrt(tf.add_n([tf.reduce_sum(tf.cast(g, tf.float64) ** 2) for g in grads]))
    rate = max_norm / (float(total) + CLIP_EPS)
    # tf.constant(rate, dtype): tf.cast(rate, ...) would make the Python float a float32 tensor first
    return ([g * tf.constant(rate, dtype=g.dtype) for g in grads] if rate < 1 else grads), float(total)


def _sgd_loop(sample, variables, steps):
    """``steps``: closures returning (loss to differentiate, logged value), called under the tape."""
    keras, tf = frameworks.keras(), frameworks.tf()
    optimizer = keras.optimizers.SGD(learning_rate=sample.init_kwargs["lr"])
    max_grad = sample.forward_kwargs["max_grad"]
    values, norms = [], []
    for step in steps:
        with tf.GradientTape() as tape:
            exact, value = step()
        grads = [tf.convert_to_tensor(g) for g in tape.gradient(exact, [v.value for v in variables])]
        if max_grad is not None:
            grads, norm = clip_by_global_norm(grads, max_grad)
            norms.append(norm)
        optimizer.apply_gradients(zip(grads, variables))
        values.append(float(value))
    return values, np.asarray(norms)


def _trainer(build, loss_of):
    def run(sample):
        model = build(sample.params, sample.dtype)
        x, t = sample.inputs["x"], sample.inputs["t"]
        steps = (lambda rows=rows: loss_of(model, x[rows], t[rows]) for rows in trainer_rows(sample))
        values, norms = _sgd_loop(sample, model.variables(), steps)
        return {"loss_list": logged(values, sample), **model.book([v.value for v in model.variables()]),
                "_grad_norms": norms}
    return run


def _mlp_loss(model, x, t):
    return model.losses(model.scores(keras_constant(x)), t)


def _regressor_loss(model, xs, ts):
    loss = model.loss(model.predict(keras_constant(xs)), keras_constant(ts))
    return loss, loss


adapter("keras", "Trainer[TwoLayerNet]")(memoized(_trainer(KerasMlp, _mlp_loss)))
adapter("keras", "Trainer[LstmRegressor]")(memoized(_trainer(KerasRegressor, _regressor_loss)))


def _rnnlm_trainer(name: str):
    spec = LM_SPECS[name]

    def run(sample):
        lm = KerasLm(spec, sample.params, sample.dtype)
        xs, ts = sample.inputs["xs"], sample.inputs["ts"]
        masks = dropout_stream(sample, lm_mask_shapes_for(sample)) if spec.dropout else None

        def step(positions):
            loss = lm.loss(lm.scores(xs[positions], next(masks) if masks else None), ts[positions])
            return loss, loss

        values, norms = _sgd_loop(sample, lm.variables(), (lambda p=p: step(p) for p in rnnlm_positions(sample)))
        return {"ppl_list": logged(values, sample, perplexity=True),
                **lm.book([v.value for v in lm.variables()]), "_grad_norms": norms}
    return run


adapter("keras", "RnnlmTrainer[Rnnlm]")(memoized(_rnnlm_trainer("Rnnlm")))
adapter("keras", "RnnlmTrainer[BetterRnnlm]")(memoized(_rnnlm_trainer("BetterRnnlm")))


@adapter("keras", "eval_perplexity")
@memoized
def keras_eval_perplexity(sample):
    """exp(mean loss) over the contract's offsets, BetterRnnlm without dropout, state carried."""
    lm = KerasLm(LM_SPECS["BetterRnnlm"], sample.params, sample.dtype)
    corpus = sample.inputs["corpus"]
    B, T = sample.forward_kwargs["batch_size"], sample.forward_kwargs["time_size"]
    L = len(corpus)
    max_iters, jump = (L - 1) // (B * T), (L - 1) // B
    total = 0.0
    for iters in range(max_iters):
        positions = iters * T + np.arange(B)[:, None] * jump + np.arange(T)[None, :]
        total += float(lm.loss(lm.scores(corpus[positions % L]), corpus[(positions + 1) % L]))
    return {"ppl": np.asarray(math.exp(total / max_iters))}

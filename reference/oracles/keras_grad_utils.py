"""Keras equivalents of ``clip_grads`` and ``remove_duplicate``.

clip_grads: ``keras.optimizers.SGD(learning_rate=1, global_clipnorm=max_norm)``
applied to zero variables, so each variable ends at minus its clipped
gradient. Keras's global clip has no epsilon: it scales by
min(1, max_norm / total) where the book scales by min(1, max_norm / (total
+ 1e-6)) (pinned in tests/test_optimizer_divergences.py). Keras's result is
corrected by the ratio of the two closed-form rates (total from the sample
in float64), so every quantity is judged against Keras too: Keras still
decides which tensors are clipped and by which global norm.

remove_duplicate: the tied models written the Keras way: an ``Embedding``
layer called several times (shared), or whose ``embeddings`` variable is
also used transposed as the output weight (tied); ``GradientTape`` sums the
contributions into one variable's gradient.
"""
from __future__ import annotations

import numpy as np

from reference.oracles import frameworks
from reference.oracles import adapter
from reference.registry.grad_utils import CLIP_EPS, CLIP_GRADS, clip_summary, global_norm


@adapter("keras", "clip_grads")
def keras_clip_grads(sample):
    keras, tf = frameworks.keras(), frameworks.tf()
    dtype = str(sample.dtype)
    variables = [keras.Variable(np.zeros_like(sample.inputs[k]), dtype=dtype) for k in CLIP_GRADS]
    optimizer = keras.optimizers.SGD(learning_rate=1.0, global_clipnorm=float(sample.init_kwargs["max_norm"]))
    optimizer.apply([tf.constant(sample.inputs[k]) for k in CLIP_GRADS], variables)
    correction = _book_rate_over_keras_rate(sample)
    out = {k: -np.array(v.numpy()) * np.asarray(correction, dtype=dtype) for k, v in zip(CLIP_GRADS, variables)}
    return {**out, **clip_summary(out)}


def _book_rate_over_keras_rate(sample) -> float:
    """min(1, max_norm / (total + 1e-6)) / min(1, max_norm / total): the book's epsilon, in closed form."""
    max_norm = float(sample.init_kwargs["max_norm"])
    total = global_norm([sample.inputs[k] for k in CLIP_GRADS])
    if total == 0.0:
        return 1.0
    return min(1.0, max_norm / (total + CLIP_EPS)) / min(1.0, max_norm / total)


def _embedding(keras, weights, dtype):
    layer = keras.layers.Embedding(*weights.shape, dtype=dtype)
    layer.build((None,))
    layer.embeddings.assign(weights)
    return layer


def _survivors(sample):
    return np.asarray(float(len(sample.params)), dtype=sample.dtype)


def _numpy(tf, g):
    return np.array(tf.convert_to_tensor(g))   # an Embedding's gradient arrives as IndexedSlices


@adapter("keras", "remove_duplicate[shared]")
def keras_shared_weights(sample):
    """One ``Embedding`` layer for W_out, called by each of the K+1 dot products."""
    keras, tf = frameworks.keras(), frameworks.tf()
    ops, dtype = keras.ops, str(sample.dtype)
    emb_in, emb_out = _embedding(keras, sample.params["W_in"], dtype), _embedding(keras, sample.params["W_out"], dtype)
    idx_out, douts = sample.inputs["idx_out"], sample.inputs["douts"]
    with tf.GradientTape() as tape:
        h = emb_in(tf.constant(sample.inputs["idx_in"]))
        loss = sum(ops.sum(tf.constant(douts[j]) * ops.sum(emb_out(tf.constant(idx_out[j])) * h, axis=1))
                   for j in range(len(idx_out)))
    dW_in, dW_out = tape.gradient(loss, [emb_in.embeddings.value, emb_out.embeddings.value])
    return {"dW_in": _numpy(tf, dW_in), "dW_out": _numpy(tf, dW_out), "survivors": _survivors(sample)}


@adapter("keras", "remove_duplicate[transposed]")
def keras_tied_embedding(sample):
    """An ``Embedding`` whose ``embeddings`` also serve, transposed, as the output weight."""
    keras, tf = frameworks.keras(), frameworks.tf()
    ops, dtype = keras.ops, str(sample.dtype)
    emb = _embedding(keras, sample.params["E"], dtype)
    M, b, U = (keras.Variable(sample.params[k], dtype=dtype) for k in ("M", "b", "U"))
    targets = [emb.embeddings.value, M.value, b.value, U.value]
    with tf.GradientTape() as tape:
        h = ops.matmul(emb(tf.constant(sample.inputs["idx"])), M)
        logits = ops.matmul(h, ops.transpose(emb.embeddings)) + b
        loss = ops.sum(logits * tf.constant(sample.inputs["dout"])) \
            + ops.sum(ops.matmul(h, U) * tf.constant(sample.inputs["dout2"]))
    grads = tape.gradient(loss, targets)
    out = {"d" + k: _numpy(tf, g) for k, g in zip(("E", "M", "b", "U"), grads)}
    return {**out, "survivors": _survivors(sample)}

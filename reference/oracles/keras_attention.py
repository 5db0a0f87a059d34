"""Keras 3 equivalents of the book's attention layers.

``keras.layers.Attention(score_mode="dot", use_scale=False)`` called on
[query, value, key] = [decoder states, encoder states, encoder states]
computes softmax(query @ key^T) @ value: the book's TimeAttention. The
single-step layers use it with one query step; AttentionWeight reads the
weights it returns (``return_attention_scores=True``), WeightSum is a
``keras.layers.Dot`` over the time axis. Gradients from ``GradientTape``.
"""
from __future__ import annotations

import warnings

import numpy as np

from reference.oracles import frameworks
from reference.oracles import adapter
from reference.oracles.autodiff import keras_constant, keras_grads


def attention_layer(keras, dtype):
    """The book's attention as a Keras layer: dot scores, no scaling, softmax over the keys."""
    return keras.layers.Attention(score_mode="dot", use_scale=False, dtype=str(np.dtype(dtype)))


def _run(sample, names, forward):
    keras, tf = frameworks.keras(), frameworks.tf()
    tensors = [keras_constant(sample.inputs[n]) for n in names]
    with tf.GradientTape() as tape, warnings.catch_warnings():
        # Keras warns about a softmax over an axis of size 1 (T = 1, a drawn edge case).
        warnings.simplefilter("ignore", UserWarning)
        for t in tensors:
            tape.watch(t)
        out = forward(keras, sample.dtype, *tensors)
    grads = keras_grads(tape, out, sample.dout, tensors)
    return {"out": np.asarray(out).copy(), **{"d" + n: g for n, g in zip(names, grads)}}


def _attention_weight(keras, dtype, hs, h):
    _, weights = attention_layer(keras, dtype)([h[:, None, :], hs, hs], return_attention_scores=True)
    return weights[:, 0, :]


def _weight_sum(keras, dtype, hs, a):
    return keras.layers.Dot(axes=(1, 1), dtype=str(np.dtype(dtype)))([a, hs])


def _attention(keras, dtype, hs, h):
    return attention_layer(keras, dtype)([h[:, None, :], hs, hs])[:, 0, :]


def _time_attention(keras, dtype, hs_enc, hs_dec):
    return attention_layer(keras, dtype)([hs_dec, hs_enc, hs_enc])


adapter("keras", "AttentionWeight")(lambda sample: _run(sample, ("hs", "h"), _attention_weight))
adapter("keras", "WeightSum")(lambda sample: _run(sample, ("hs", "a"), _weight_sum))
adapter("keras", "Attention")(lambda sample: _run(sample, ("hs", "h"), _attention))
adapter("keras", "TimeAttention")(lambda sample: _run(sample, ("hs_enc", "hs_dec"), _time_attention))

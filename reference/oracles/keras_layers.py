"""Keras 3 (TensorFlow backend) equivalents of the book's functions.py and layers.py.

Layers where Keras has one (Dense, Embedding, Softmax), ``keras.ops``
otherwise, gradients from ``tf.GradientTape``. Keras computes in its layer's
dtype policy, so every layer is built with the sample's dtype (a float64
check must not silently run in float32). Like the torch adapters, the loss
values include the book's 1e-7 explicitly; Keras's own losses clip
probabilities to [1e-7, 1 - 1e-7] instead (pinned in tests/test_losses.py).
"""
from __future__ import annotations

import warnings

import numpy as np

from reference.oracles import frameworks
from reference.oracles import adapter
from reference.oracles.autodiff import keras_constant, keras_grads
from reference.registry.layers import dropout_mask

BOOK_LOG_EPS = 1e-7


def _np(t) -> np.ndarray:
    return np.asarray(t).copy()


def _elementwise(op):
    def run(sample):
        keras = frameworks.keras()
        return {"out": _np(op(keras, keras_constant(sample.inputs["x"])))}
    return run


adapter("keras", "sigmoid")(_elementwise(lambda keras, x: keras.ops.sigmoid(x)))
adapter("keras", "relu")(_elementwise(lambda keras, x: keras.ops.relu(x)))


def _softmax(keras, x):
    with warnings.catch_warnings():  # Keras warns when the last axis has size 1 (a drawn edge case)
        warnings.simplefilter("ignore", UserWarning)
        return keras.ops.softmax(x, axis=-1)


adapter("keras", "softmax")(_elementwise(_softmax))


def book_cross_entropy(keras, probabilities, t):
    """-mean(log(p[n, t[n]] + 1e-7)) with keras.ops."""
    picked = keras.ops.take_along_axis(probabilities, keras.ops.expand_dims(t, 1), axis=1)
    return -keras.ops.mean(keras.ops.log(picked + BOOK_LOG_EPS))


@adapter("keras", "cross_entropy_error")
def keras_cross_entropy_error(sample):
    keras = frameworks.keras()
    y, t = keras_constant(sample.inputs["y"]), keras_constant(sample.inputs["t"])
    return {"out": _np(book_cross_entropy(keras, y, t))}


def dense(sample, bias: bool = True):
    """Dense fed the book's W (and b); x may have any leading axes (TimeAffine's is 3-D)."""
    keras, tf = frameworks.keras(), frameworks.tf()
    W = sample.params["W"]
    dense = keras.layers.Dense(W.shape[1], use_bias=bias, dtype=str(sample.dtype))
    dense.build((None, W.shape[0]))
    dense.set_weights([W, sample.params["b"]] if bias else [W])
    x = keras_constant(sample.inputs["x"])
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = dense(x)
    tensors = [x, dense.kernel] + ([dense.bias] if bias else [])
    grads = keras_grads(tape, out, sample.dout, tensors)
    result = {"out": _np(out), "dx": grads[0], "dW": grads[1]}
    if bias:
        result["db"] = grads[2]
    return result


adapter("keras", "MatMul")(lambda sample: dense(sample, bias=False))
adapter("keras", "Affine")(dense)


def _x_layer(op):
    def run(sample):
        keras, tf = frameworks.keras(), frameworks.tf()
        x = keras_constant(sample.inputs["x"])
        with tf.GradientTape() as tape:
            tape.watch(x)
            out = op(keras, x, sample)
        result = {"out": _np(out)}
        if sample.dout is not None:
            (result["dx"],) = keras_grads(tape, out, sample.dout, [x])
        return result
    return run


adapter("keras", "Softmax")(_x_layer(lambda keras, x, s: _softmax(keras, x)))
adapter("keras", "Sigmoid")(_x_layer(lambda keras, x, s: keras.layers.Activation("sigmoid", dtype=str(s.dtype))(x)))


def _dropout(keras, x, sample):
    if sample.forward_kwargs["train_flg"]:
        return x * keras_constant(dropout_mask(sample).astype(sample.dtype))
    return x * (1.0 - sample.init_kwargs["dropout_ratio"])


adapter("keras", "Dropout[train]")(_x_layer(_dropout))
adapter("keras", "Dropout[eval]")(_x_layer(_dropout))


@adapter("keras", "SoftmaxWithLoss")
def keras_softmax_with_loss(sample):
    keras, tf = frameworks.keras(), frameworks.tf()
    x, t = keras_constant(sample.inputs["x"]), keras_constant(sample.inputs["t"])
    exact_loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True, dtype=str(sample.dtype))
    with tf.GradientTape() as tape:
        tape.watch(x)
        exact = exact_loss(t, x)
    (dx,) = keras_grads(tape, exact, sample.dout, [x])
    loss = book_cross_entropy(keras, keras.ops.softmax(x, axis=1), t)
    return {"out": _np(loss), "dx": dx}


@adapter("keras", "SigmoidWithLoss")
def keras_sigmoid_with_loss(sample):
    keras, tf = frameworks.keras(), frameworks.tf()
    x = keras_constant(sample.inputs["x"])
    t = keras_constant(sample.inputs["t"].astype(sample.dtype))
    exact_loss = keras.losses.BinaryCrossentropy(from_logits=True, dtype=str(sample.dtype))
    with tf.GradientTape() as tape:
        tape.watch(x)
        exact = exact_loss(keras.ops.expand_dims(t, 1), keras.ops.expand_dims(x, 1))
    (dx,) = keras_grads(tape, exact, sample.dout, [x])
    y = keras.ops.sigmoid(x)
    picked = keras.ops.where(t > 0.5, y, 1.0 - y)
    return {"out": _np(-keras.ops.mean(keras.ops.log(picked + BOOK_LOG_EPS))), "dx": dx}


def _embedding_layer(keras, W, dtype):
    emb = keras.layers.Embedding(W.shape[0], W.shape[1], dtype=str(dtype))
    emb.build((None,))
    emb.set_weights([W])
    return emb


def embedding(sample, ids: str = "idx"):
    """Keras Embedding fed the book's W; ``ids`` names the input holding the word ids (any shape)."""
    keras, tf = frameworks.keras(), frameworks.tf()
    emb = _embedding_layer(keras, sample.params["W"], sample.dtype)
    with tf.GradientTape() as tape:
        out = emb(keras_constant(sample.inputs[ids]))
    (dW,) = keras_grads(tape, out, sample.dout, [emb.embeddings])
    return {"out": _np(out), "dW": dW}


adapter("keras", "Embedding")(embedding)


@adapter("keras", "EmbeddingDot")
def keras_embedding_dot(sample):
    keras, tf = frameworks.keras(), frameworks.tf()
    emb = _embedding_layer(keras, sample.params["W"], sample.dtype)
    h = keras_constant(sample.inputs["h"])
    with tf.GradientTape() as tape:
        tape.watch(h)
        out = keras.ops.sum(emb(keras_constant(sample.inputs["idx"])) * h, axis=1)
    dh, dW = keras_grads(tape, out, sample.dout, [h, emb.embeddings])
    return {"out": _np(out), "dh": dh, "dW": dW}

"""Keras 3 equivalents of the models: Embedding, SimpleRNN / LSTM, Dense, sparse cross entropy.

Like torch_models: builders take book-layout weights (layouts.book_lstm_to_keras:
gates f,g,i,o -> i,f,c,o; kernels are (in, out) like the book's) and
``book(...)`` maps variables or gradients back to the book's names. Every
layer is built in the sample's dtype. The training-loop oracles
(keras_training) reuse the builders.

BetterRnnlm's tied affine is ``h @ transpose(embeddings) + b`` with the
embedding layer's own variable, so the tape returns one gradient for it.
Embedding gradients come back as IndexedSlices (repeated ids not summed);
``dense`` converts them before any norm or comparison.
"""
from __future__ import annotations

from collections import OrderedDict

import numpy as np

from reference.oracles import frameworks
from reference.registry import layouts
from reference.oracles import adapter
from reference.oracles.memo import memoized
from reference.oracles.autodiff import keras_constant
from reference.oracles.keras_layers import book_cross_entropy
from reference.oracles.torch_models import lm_mask_shapes
from reference.registry.models import LM_SPECS, LmSpec, dropout_masks, recurrent_names


def dense(g) -> np.ndarray:
    """A gradient (Tensor or IndexedSlices) as a NumPy array."""
    tf = frameworks.tf()
    return np.asarray(tf.convert_to_tensor(g)).copy()


_LAYERS: OrderedDict = OrderedDict()
MAX_LAYERS = 256


def _built(key: tuple, make, input_shape, weights):
    """A built layer holding ``weights``: made once per ``key`` and process, then only re-weighted.

    Building a Keras layer costs more than running it on these sizes (~30 ms
    per model); a layer keeps no state between calls but its weights, which
    are set here every time. ``key`` must name the layer's role in its model
    (two LSTMs of one model must never share a layer) and everything its
    shape depends on.
    """
    key = key + (tuple(input_shape),)
    layer = _LAYERS.get(key)
    if layer is None:
        layer = make()
        layer.build(input_shape)
        _LAYERS[key] = layer
        if len(_LAYERS) > MAX_LAYERS:
            _LAYERS.popitem(last=False)
    else:
        _LAYERS.move_to_end(key)
    layer.set_weights([np.ascontiguousarray(w) for w in weights])
    return layer


class KerasLm:
    """A language model of ``spec`` in Keras, carrying its recurrent state between calls."""

    def __init__(self, spec: LmSpec, params: dict, dtype):
        keras = frameworks.keras()
        dt = str(np.dtype(dtype))
        self.spec = spec
        V, D = params["E"].shape
        self.embed = _built(("lm.embed", V, D, dt), lambda: keras.layers.Embedding(V, D, dtype=dt), (None,),
                            [params["E"]])
        self.cells = []
        for k in range(spec.layers):
            wx, wh, b = (params[n] for n in recurrent_names(spec, k))
            H = wh.shape[0]
            kind = keras.layers.LSTM if spec.cell == "lstm" else keras.layers.SimpleRNN
            weights = layouts.book_lstm_to_keras(wx, wh, b) if spec.cell == "lstm" else [wx, wh, b]
            # unroll: a Python loop over the T steps instead of tf.while_loop (same
            # arithmetic, ~30% faster eagerly at T <= 5)
            make = lambda kind=kind, H=H: kind(H, return_sequences=True, return_state=True, unroll=True, dtype=dt)
            self.cells.append(_built((f"lm.{spec.cell}{k}", H, dt), make, (None, None, wx.shape[0]), weights))
        if spec.tied:
            self.dense = None
            self.bias = keras.Variable(params["ba"], dtype=dt, name="affine_b")
        else:
            self.dense = _built(("lm.dense", V, dt), lambda: keras.layers.Dense(V, dtype=dt),
                                (None, params["Wa"].shape[0]), [params["Wa"], params["ba"]])
        self.state = [None] * spec.layers

    def variables(self) -> list:
        out = [self.embed.embeddings]
        for cell in self.cells:
            out += list(cell.trainable_variables)
        out += [self.bias] if self.dense is None else list(self.dense.trainable_variables)
        return out

    def scores(self, xs: np.ndarray, masks=None):
        keras, tf = frameworks.keras(), frameworks.tf()
        h = self.embed(keras_constant(xs))
        if masks is not None:
            h = h * keras_constant(masks[0])
        for k, cell in enumerate(self.cells):
            h, *state = cell(h, initial_state=self.state[k])
            self.state[k] = [tf.stop_gradient(s) for s in state]
            if masks is not None:
                h = h * keras_constant(masks[k + 1])
        if self.dense is None:
            return keras.ops.matmul(h, keras.ops.transpose(self.embed.embeddings)) + self.bias
        return self.dense(h)

    def loss(self, scores, ts: np.ndarray):
        keras = frameworks.keras()
        ce = keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1,
                                                        dtype=str(scores.dtype.name))
        return ce(keras_constant(ts), scores)

    def book(self, values: list, prefix: str = "") -> dict[str, np.ndarray]:
        """Book names and layouts for ``values``, one per ``variables()`` entry (weights or gradients)."""
        values = [dense(v) for v in values]
        out = {"E": values[0]}
        i = 1
        for k in range(self.spec.layers):
            names = recurrent_names(self.spec, k)
            kernel, recurrent, bias = values[i:i + 3]
            i += 3
            book = (layouts.keras_lstm_to_book(kernel, recurrent, bias) if self.spec.cell == "lstm"
                    else (kernel, recurrent, bias))
            out.update(zip(names, book))
        if self.dense is None:
            out["ba"] = values[i]
        else:
            out["Wa"], out["ba"] = values[i:i + 2]
        return {prefix + k: v for k, v in out.items()}


def _lm_adapter(name: str):
    spec = LM_SPECS[name]

    def run(sample):
        tf = frameworks.tf()
        lm = KerasLm(spec, sample.params, sample.dtype)
        scores = lm.scores(sample.inputs["xs0"])
        train = spec.dropout and sample.forward_kwargs.get("train_flg", True)
        masks = dropout_masks(sample, lm_mask_shapes(sample)) if train else None
        with tf.GradientTape() as tape:
            loss = lm.loss(lm.scores(sample.inputs["xs"], masks), sample.inputs["ts"])
        grads = tape.gradient(loss, [v.value for v in lm.variables()])
        return {"scores": np.asarray(scores).copy(), "loss": np.asarray(loss).copy(), **lm.book(grads, "d")}
    return run


adapter("keras", "SimpleRnnlm")(memoized(_lm_adapter("SimpleRnnlm")))
adapter("keras", "Rnnlm")(memoized(_lm_adapter("Rnnlm")))
adapter("keras", "BetterRnnlm")(memoized(_lm_adapter("BetterRnnlm")))


class KerasMlp:
    """TwoLayerNet: Dense(sigmoid) -> Dense; loss value with the book's 1e-7, gradient of the exact loss."""

    def __init__(self, params: dict, dtype):
        keras = frameworks.keras()
        dt = str(np.dtype(dtype))
        (D, H), C = params["W1"].shape, params["W2"].shape[1]
        self.l1 = _built(("mlp.l1", H, dt), lambda: keras.layers.Dense(H, activation="sigmoid", dtype=dt), (None, D),
                         [params["W1"], params["b1"]])
        self.l2 = _built(("mlp.l2", C, dt), lambda: keras.layers.Dense(C, dtype=dt), (None, H),
                         [params["W2"], params["b2"]])

    def variables(self) -> list:
        return [*self.l1.trainable_variables, *self.l2.trainable_variables]

    def scores(self, x):
        return self.l2(self.l1(x))

    def losses(self, scores, t: np.ndarray):
        """(exact loss to differentiate, the book's loss value with 1e-7 in the log)."""
        keras = frameworks.keras()
        t = keras_constant(t)
        exact = keras.losses.SparseCategoricalCrossentropy(from_logits=True, dtype=scores.dtype.name)(t, scores)
        return exact, book_cross_entropy(keras, keras.ops.softmax(scores, axis=1), t)

    def book(self, values: list, prefix: str = "") -> dict[str, np.ndarray]:
        return {prefix + n: dense(v) for n, v in zip(("W1", "b1", "W2", "b2"), values)}


@adapter("keras", "TwoLayerNet")
@memoized
def keras_two_layer_net(sample):
    tf = frameworks.tf()
    net = KerasMlp(sample.params, sample.dtype)
    x = keras_constant(sample.inputs["x"])
    with tf.GradientTape() as tape:
        tape.watch(x)
        scores = net.scores(x)
        exact, loss = net.losses(scores, sample.inputs["t"])
    dx, *grads = tape.gradient(exact, [x] + [v.value for v in net.variables()])
    return {"scores": np.asarray(scores).copy(), "loss": np.asarray(loss).copy(), "dx": dense(dx),
            **net.book(grads, "d")}


class KerasRegressor:
    """LstmRegressor: LSTM (all steps) -> Dense; loss 0.5 * sum((y - t)[:, -1]**2) / N."""

    def __init__(self, params: dict, dtype):
        keras = frameworks.keras()
        dt = str(np.dtype(dtype))
        D, H = params["Wx"].shape[0], params["Wh"].shape[0]
        O = params["Wa"].shape[1]
        self.lstm = _built(("regressor.lstm", H, dt),
                           lambda: keras.layers.LSTM(H, return_sequences=True, unroll=True, dtype=dt), (None, None, D),
                           layouts.book_lstm_to_keras(params["Wx"], params["Wh"], params["b"]))
        self.dense = _built(("regressor.dense", O, dt), lambda: keras.layers.Dense(O, dtype=dt), (None, H),
                            [params["Wa"], params["ba"]])

    def variables(self) -> list:
        return [*self.lstm.trainable_variables, *self.dense.trainable_variables]

    def predict(self, xs):
        return self.dense(self.lstm(xs))

    @staticmethod
    def loss(pred, ts):
        keras = frameworks.keras()
        diff = pred[:, -1] - ts[:, -1]
        return 0.5 * keras.ops.sum(diff * diff) / pred.shape[0]

    def book(self, values: list, prefix: str = "") -> dict[str, np.ndarray]:
        values = [dense(v) for v in values]
        Wx, Wh, b = layouts.keras_lstm_to_book(*values[:3])
        return {prefix + "Wx": Wx, prefix + "Wh": Wh, prefix + "b": b, prefix + "Wa": values[3],
                prefix + "ba": values[4]}


@adapter("keras", "LstmRegressor")
@memoized
def keras_lstm_regressor(sample):
    tf = frameworks.tf()
    model = KerasRegressor(sample.params, sample.dtype)
    xs, ts = keras_constant(sample.inputs["xs"]), keras_constant(sample.inputs["ts"])
    with tf.GradientTape() as tape:
        tape.watch(xs)
        pred = model.predict(xs)
        loss = model.loss(pred, ts)
    dxs, *grads = tape.gradient(loss, [xs] + [v.value for v in model.variables()])
    return {"pred": np.asarray(pred).copy(), "loss": np.asarray(loss).copy(), "dxs": dense(dxs),
            **model.book(grads, "d")}


@adapter("keras", "SimpleRNN")
@memoized
def keras_simple_rnn(sample):
    """keras.layers.SimpleRNN (tanh, returns the last h), kernel (n_features, n_nodes) like the sprint's Wx."""
    keras, tf = frameworks.keras(), frameworks.tf()
    p = sample.params
    H, dt = p["Wx"].shape[1], str(sample.dtype)
    rnn = _built(("sprint.rnn", H, dt), lambda: keras.layers.SimpleRNN(H, unroll=True, dtype=dt),
                 (None, None, p["Wx"].shape[0]), [p["Wx"], p["Wh"], p["B"]])
    x = keras_constant(sample.inputs["x"])
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = rnn(x)
    dx, dWx, dWh, dB = tape.gradient(out, [x] + [v.value for v in rnn.trainable_variables],
                                     output_gradients=tf.constant(sample.dout, dtype=out.dtype))
    return {"out": np.asarray(out).copy(), "dx": dense(dx), "dWx": dense(dWx), "dWh": dense(dWh),
            "dB": dense(dB)}

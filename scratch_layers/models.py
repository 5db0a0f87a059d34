"""Small models for the training loops: an MLP classifier and a many-to-one LSTM regressor.

- ``TwoLayerNet``: the book's ch01 classifier, Affine -> Sigmoid -> Affine ->
  SoftmaxWithLoss; what ``Trainer`` trains in its conformance checks.
- ``LstmRegressor``: the seed example's model, TimeLSTM -> TimeAffine ->
  TimeOutputWithLoss, learning the next value of a noisy sine wave from a
  window of T values (many-to-one: only the last step's prediction counts).

The language models live in ``rnnlm`` (SimpleRnnlm, Rnnlm, BetterRnnlm).
Both models here draw their initial weights from the global legacy
``np.random`` (a seed reproduces them), in float64 cast to ``dtype``
(float32 by default, float64 kept end to end), and save/load their params
like every model (``base_model``).
"""
from __future__ import annotations

from scratch_layers.backend import np
from scratch_layers.base_model import BaseModel
from scratch_layers.layers import Affine, Sigmoid, SoftmaxWithLoss
from scratch_layers.rnnlm import model_dtype, positive_sizes, randn, recurrent_weights
from scratch_layers.time_layers import TimeAffine, TimeLSTM, TimeOutputWithLoss

__all__ = ["TwoLayerNet", "LstmRegressor"]


class TwoLayerNet(BaseModel):
    """A two-layer perceptron classifier: Affine -> Sigmoid -> Affine, softmax cross entropy.

    Args: input_size D, hidden_size H, output_size C; dtype (float32 default).
    Init: W1 = 0.01 * randn(D, H), b1 = 0, W2 = 0.01 * randn(H, C), b2 = 0.
    params: [W1 (D, H), b1 (H,), W2 (H, C), b2 (C,)].
    predict(x (N, D)) -> scores (N, C); forward(x, t (N,) labels or (N, C) one-hot)
    -> loss (the book's SoftmaxWithLoss, 1e-7 in the log); backward(dout=1) -> dx (N, D).
    """

    param_names = ("W1", "b1", "W2", "b2")

    def __init__(self, input_size, hidden_size, output_size, dtype="float32"):
        D, H, C = input_size, hidden_size, output_size
        positive_sizes("TwoLayerNet", input_size=D, hidden_size=H, output_size=C)
        dt = model_dtype("TwoLayerNet", dtype)
        W1 = (0.01 * np.random.randn(D, H)).astype(dt)
        W2 = (0.01 * np.random.randn(H, C)).astype(dt)
        self.layers = [Affine(W1, np.zeros(H, dtype=dt)), Sigmoid(), Affine(W2, np.zeros(C, dtype=dt))]
        self.loss_layer = SoftmaxWithLoss()
        self.params = [p for layer in self.layers for p in layer.params]
        self.grads = [g for layer in self.layers for g in layer.grads]

    def predict(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def forward(self, x, t):
        return self.loss_layer.forward(self.predict(x), t)

    def backward(self, dout=1):
        dout = self.loss_layer.backward(dout)
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout


class LstmRegressor(BaseModel):
    """Many-to-one sequence regression: TimeLSTM -> TimeAffine, squared error on the last step.

    The seed example: windows xs[n] = (s_t0, ..., s_t0+T-1) of a noisy sine
    wave, target the next value; ts (N, T, O) holds the target of every
    step, of which only the last counts (TimeOutputWithLoss).

    Args: input_size D=1, hidden_size H=16, output_size O=1; dtype (float32 default).
    The LSTM is not stateful: every batch is a set of independent windows.
    Init: Wx randn(D, 4H) / sqrt(D), Wh randn(H, 4H) / sqrt(H), b zeros,
    affine W randn(H, O) / sqrt(H), b zeros, drawn in that order.
    params: [lstm_Wx (D, 4H), lstm_Wh (H, 4H), lstm_b (4H,), affine_W (H, O), affine_b (O,)].
    predict(xs (N, T, D)) -> (N, T, O) (the answer is [:, -1]);
    forward(xs, ts (N, T, O)) -> loss = 0.5 * sum((y[:, -1] - ts[:, -1])**2) / N;
    backward(dout=1) -> dxs (N, T, D).
    """

    param_names = ("lstm_Wx", "lstm_Wh", "lstm_b", "affine_W", "affine_b")

    def __init__(self, input_size=1, hidden_size=16, output_size=1, dtype="float32"):
        D, H, O = input_size, hidden_size, output_size
        positive_sizes("LstmRegressor", input_size=D, hidden_size=H, output_size=O)
        dt = model_dtype("LstmRegressor", dtype)
        self.lstm = TimeLSTM(*recurrent_weights(D, H, 4, dt), stateful=False)
        self.affine = TimeAffine(randn((H, O), np.sqrt(H), dt), np.zeros(O, dtype=dt))
        self.loss_layer = TimeOutputWithLoss()
        self.params = self.lstm.params + self.affine.params
        self.grads = self.lstm.grads + self.affine.grads

    def predict(self, xs):
        return self.affine.forward(self.lstm.forward(xs))

    def forward(self, xs, ts):
        return self.loss_layer.forward(self.predict(xs), ts)

    def backward(self, dout=1):
        return self.lstm.backward(self.affine.backward(self.loss_layer.backward(dout)))

    def reset_state(self):
        """Nothing is carried between calls (not stateful); kept for the models' common API."""
        self.lstm.reset_state()

"""torch equivalents of the models: nn.Embedding, nn.RNN / nn.LSTM, nn.Linear, cross entropy.

Each builder takes the book-layout weights of a sample (reference.registry.models)
and returns torch modules holding them (layouts.book_*_to_torch: gates
f,g,i,o -> i,f,g,o, transposes, bias_hh zero); ``book(...)`` maps the
parameters or their gradients back to the book's names and layouts. The
training-loop oracles (torch_training) reuse the same builders.

BetterRnnlm's affine weight IS the embedding's parameter (``linear.weight =
embed.weight``: torch's (V, H) Linear weight is the (V, D) embedding matrix
when D == H), so autograd returns one gradient for it: the tied gradient.
"""
from __future__ import annotations

import numpy as np

from reference.oracles import frameworks
from reference.registry import layouts
from reference.oracles import adapter
from reference.oracles.memo import memoized
from reference.oracles.autodiff import torch_copy_module, torch_grads, torch_leaf, torch_numpy
from reference.oracles.torch_layers import book_cross_entropy
from reference.registry.models import LM_SPECS, LmSpec, dropout_masks, recurrent_names


def single_bias(module):
    """Freezes torch's second recurrent bias at zero: the book has one bias per gate.

    torch adds bias_ih and bias_hh; both get the gradient dL/db, so training
    both would move the effective bias twice as fast as the book's.
    """
    for name, p in module.named_parameters():
        if name.startswith("bias_hh"):
            p.requires_grad_(False)
    return module


def _recurrent(torch, spec: LmSpec, Wx, Wh, b, dtype):
    n_in, H = Wx.shape[0], Wh.shape[0]
    if spec.cell == "lstm":
        module = torch_copy_module(torch.nn.LSTM(n_in, H, batch_first=True),
                                   layouts.book_lstm_to_torch(Wx, Wh, b), dtype)
    else:
        module = torch_copy_module(torch.nn.RNN(n_in, H, batch_first=True, nonlinearity="tanh"),
                                   layouts.book_rnn_to_torch(Wx, Wh, b), dtype)
    return single_bias(module)


class TorchLm:
    """A language model of ``spec`` in torch, carrying its recurrent state between calls (detached)."""

    def __init__(self, spec: LmSpec, params: dict, dtype):
        torch = frameworks.torch()
        self.spec = spec
        V, D = params["E"].shape
        self.embed = torch_copy_module(torch.nn.Embedding(V, D), {"weight": params["E"]}, dtype)
        self.cells = []
        for k in range(spec.layers):
            wx, wh, b = recurrent_names(spec, k)
            self.cells.append(_recurrent(torch, spec, params[wx], params[wh], params[b], dtype))
        H = params[recurrent_names(spec, spec.layers - 1)[1]].shape[0]
        self.linear = torch.nn.Linear(H, V)
        if spec.tied:
            torch_copy_module(self.linear, {"bias": params["ba"]}, dtype)
            self.linear.weight = self.embed.weight  # one parameter: truly tied
        else:
            torch_copy_module(self.linear, {"weight": layouts.book_linear_to_torch(params["Wa"]),
                                            "bias": params["ba"]}, dtype)
        self.state = [None] * spec.layers

    def parameters(self) -> list:
        seen, out = set(), []
        for module in [self.embed, *self.cells, self.linear]:
            for p in module.parameters():
                if p.requires_grad and id(p) not in seen:
                    seen.add(id(p))
                    out.append(p)
        return out

    def scores(self, xs: np.ndarray, masks=None):
        """(N, T, V) scores; masks: the three dropout masks (embedding, LSTM 1, LSTM 2 outputs) or None."""
        torch = frameworks.torch()
        h = self.embed(torch.from_numpy(np.ascontiguousarray(xs)))
        if masks is not None:
            h = h * torch.from_numpy(masks[0])
        for k, cell in enumerate(self.cells):
            h, state = cell(h, self.state[k])
            self.state[k] = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
            if masks is not None:
                h = h * torch.from_numpy(masks[k + 1])
        return self.linear(h)

    def loss(self, scores, ts: np.ndarray):
        torch = frameworks.torch()
        V = scores.shape[-1]
        return torch.nn.functional.cross_entropy(scores.reshape(-1, V), torch.from_numpy(ts.reshape(-1)),
                                                 ignore_index=-1)

    def book(self, what: str, prefix: str = "") -> dict[str, np.ndarray]:
        """Parameters (what="data") or gradients (what="grad") under the book's names and layouts."""
        get = lambda p: torch_numpy(getattr(p, what))
        out = {"E": get(self.embed.weight)}
        for k, cell in enumerate(self.cells):
            names = recurrent_names(self.spec, k)
            tensors = (get(cell.weight_ih_l0), get(cell.weight_hh_l0), get(cell.bias_ih_l0))
            to_book = layouts.torch_lstm_to_book if self.spec.cell == "lstm" else layouts.torch_rnn_to_book
            out.update(zip(names, to_book(*tensors)))
        if not self.spec.tied:
            out["Wa"] = layouts.torch_linear_to_book(get(self.linear.weight))
        out["ba"] = get(self.linear.bias)
        return {prefix + k: v for k, v in out.items()}


def lm_mask_shapes(sample) -> list[tuple[int, ...]]:
    N, T = sample.inputs["xs"].shape
    H = sample.init_kwargs["hidden_size"]
    return [(N, T, sample.init_kwargs["wordvec_size"]), (N, T, H), (N, T, H)]


def _lm_adapter(name: str):
    spec = LM_SPECS[name]

    def run(sample):
        torch = frameworks.torch()
        lm = TorchLm(spec, sample.params, sample.dtype)
        with torch.no_grad():
            scores = lm.scores(sample.inputs["xs0"])
        train = spec.dropout and sample.forward_kwargs.get("train_flg", True)
        masks = dropout_masks(sample, lm_mask_shapes(sample)) if train else None
        loss = lm.loss(lm.scores(sample.inputs["xs"], masks), sample.inputs["ts"])
        loss.backward()
        return {"scores": torch_numpy(scores), "loss": torch_numpy(loss), **lm.book("grad", "d")}
    return run


adapter("torch", "SimpleRnnlm")(memoized(_lm_adapter("SimpleRnnlm")))
adapter("torch", "Rnnlm")(memoized(_lm_adapter("Rnnlm")))
adapter("torch", "BetterRnnlm")(memoized(_lm_adapter("BetterRnnlm")))


class TorchMlp:
    """TwoLayerNet: Linear -> sigmoid -> Linear; loss value with the book's 1e-7, gradient of the exact loss."""

    def __init__(self, params: dict, dtype):
        torch = frameworks.torch()
        (D, H), C = params["W1"].shape, params["W2"].shape[1]
        self.l1 = torch_copy_module(torch.nn.Linear(D, H), {"weight": layouts.book_linear_to_torch(params["W1"]),
                                                            "bias": params["b1"]}, dtype)
        self.l2 = torch_copy_module(torch.nn.Linear(H, C), {"weight": layouts.book_linear_to_torch(params["W2"]),
                                                            "bias": params["b2"]}, dtype)

    def parameters(self) -> list:
        return [*self.l1.parameters(), *self.l2.parameters()]

    def scores(self, x):
        torch = frameworks.torch()
        return self.l2(torch.sigmoid(self.l1(x)))

    def losses(self, scores, t: np.ndarray):
        """(exact loss to differentiate, the book's loss value with 1e-7 in the log)."""
        torch = frameworks.torch()
        t = torch.from_numpy(t)
        exact = torch.nn.functional.cross_entropy(scores, t)
        return exact, book_cross_entropy(torch, torch.softmax(scores, dim=1), t)

    def book(self, what: str, prefix: str = "") -> dict[str, np.ndarray]:
        get = lambda p: torch_numpy(getattr(p, what))
        return {prefix + "W1": layouts.torch_linear_to_book(get(self.l1.weight)), prefix + "b1": get(self.l1.bias),
                prefix + "W2": layouts.torch_linear_to_book(get(self.l2.weight)), prefix + "b2": get(self.l2.bias)}


@adapter("torch", "TwoLayerNet")
@memoized
def torch_two_layer_net(sample):
    net = TorchMlp(sample.params, sample.dtype)
    x = torch_leaf(sample.inputs["x"])
    scores = net.scores(x)
    exact, loss = net.losses(scores, sample.inputs["t"])
    grads = torch_grads(exact, 1.0, [x] + net.parameters())
    names = ("dx", "dW1", "db1", "dW2", "db2")
    out = dict(zip(names, grads))
    out["dW1"], out["dW2"] = layouts.torch_linear_to_book(out["dW1"]), layouts.torch_linear_to_book(out["dW2"])
    return {"scores": torch_numpy(scores), "loss": torch_numpy(loss), **out}


class TorchRegressor:
    """LstmRegressor: nn.LSTM -> nn.Linear on every step; loss 0.5 * sum((y - t)[:, -1]**2) / N."""

    def __init__(self, params: dict, dtype):
        torch = frameworks.torch()
        D, H, O = params["Wx"].shape[0], params["Wh"].shape[0], params["Wa"].shape[1]
        self.lstm = single_bias(torch_copy_module(torch.nn.LSTM(D, H, batch_first=True),
                                                  layouts.book_lstm_to_torch(params["Wx"], params["Wh"], params["b"]),
                                                  dtype))
        self.linear = torch_copy_module(torch.nn.Linear(H, O), {"weight": layouts.book_linear_to_torch(params["Wa"]),
                                                                "bias": params["ba"]}, dtype)

    def parameters(self) -> list:
        return [p for p in [*self.lstm.parameters(), *self.linear.parameters()] if p.requires_grad]

    def predict(self, xs):
        return self.linear(self.lstm(xs)[0])

    @staticmethod
    def loss(pred, ts):
        diff = pred[:, -1] - ts[:, -1]
        return 0.5 * (diff * diff).sum() / pred.shape[0]

    def book(self, what: str, prefix: str = "") -> dict[str, np.ndarray]:
        get = lambda p: torch_numpy(getattr(p, what))
        Wx, Wh, b = layouts.torch_lstm_to_book(get(self.lstm.weight_ih_l0), get(self.lstm.weight_hh_l0),
                                               get(self.lstm.bias_ih_l0))
        return {prefix + "Wx": Wx, prefix + "Wh": Wh, prefix + "b": b,
                prefix + "Wa": layouts.torch_linear_to_book(get(self.linear.weight)),
                prefix + "ba": get(self.linear.bias)}


@adapter("torch", "LstmRegressor")
@memoized
def torch_lstm_regressor(sample):
    model = TorchRegressor(sample.params, sample.dtype)
    xs, ts = torch_leaf(sample.inputs["xs"]), torch_leaf(sample.inputs["ts"], requires_grad=False)
    pred = model.predict(xs)
    loss = model.loss(pred, ts)
    loss.backward()
    return {"pred": torch_numpy(pred), "loss": torch_numpy(loss), "dxs": torch_numpy(xs.grad),
            **model.book("grad", "d")}


@adapter("torch", "SimpleRNN")
@memoized
def torch_simple_rnn(sample):
    """nn.RNN(tanh), h0 = 0; the sprint's output is the last step's h."""
    torch = frameworks.torch()
    p = sample.params
    rnn = torch_copy_module(torch.nn.RNN(*p["Wx"].shape, batch_first=True, nonlinearity="tanh"),
                            layouts.book_rnn_to_torch(p["Wx"], p["Wh"], p["B"]), sample.dtype)
    x = torch_leaf(sample.inputs["x"])
    out = rnn(x)[0][:, -1]
    dx, dw_ih, dw_hh, db = torch_grads(out, sample.dout, [x, rnn.weight_ih_l0, rnn.weight_hh_l0, rnn.bias_ih_l0])
    dWx, dWh, dB = layouts.torch_rnn_to_book(dw_ih, dw_hh, db)
    return {"out": torch_numpy(out), "dx": dx, "dWx": dWx, "dWh": dWh, "dB": dB}

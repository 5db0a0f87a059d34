"""torch equivalents of the book's recurrent layers: cells, Time wrappers, TimeBiLSTM.

- RNN: ``nn.RNNCell`` / ``nn.RNN`` (tanh), the bias in bias_ih, bias_hh zero.
- LSTM: ``nn.LSTMCell`` / ``nn.LSTM``, gate blocks permuted f,g,i,o -> i,f,g,o
  (``layouts.book_lstm_to_torch``), the bias in bias_ih, bias_hh zero.
- GRU: the book's formulas written with torch ops (``gru_step``) and
  autograd: ``nn.GRU`` applies the reset after the matmul and cannot
  reproduce the book's GRU (tests/test_gru_torch_divergence.py shows it).
- TimeBiLSTM: ``nn.LSTM(bidirectional=True)``, the second direction's
  tensors suffixed ``_l0_reverse``.

The initial state is a leaf tensor requiring grad, so ``dh0`` is torch's
autograd gradient w.r.t. h0. A sample of several stateful calls
(``recurrent_drive.Protocol``) runs them in turn, each from the previous
call's final state, detached (truncated BPTT).
"""
from __future__ import annotations

import numpy as np

from reference.oracles import frameworks
from reference.registry import layouts
from reference.oracles import adapter, torch_layers
from reference.oracles.autodiff import torch_copy_module, torch_grads, torch_leaf, torch_numpy
from reference.registry.recurrent_drive import Protocol, cell_kind


def gru_step(torch, x, h, Wx, Wh, b):
    """The book's GRU step in torch ops: gates [z, r, h~], reset before the matmul, z weights h~."""
    H = h.shape[1]
    a = x @ Wx[:, :2 * H] + h @ Wh[:, :2 * H] + b[:2 * H]
    z, r = torch.sigmoid(a[:, :H]), torch.sigmoid(a[:, H:])
    h_tilde = torch.tanh(x @ Wx[:, 2 * H:] + (r * h) @ Wh[:, 2 * H:] + b[2 * H:])
    return (1 - z) * h + z * h_tilde


class _Recurrent:
    """One RNN/LSTM/GRU with the book's weights; ``run`` maps gradients back to the book's layout."""

    def __init__(self, torch, kind: str, Wx, Wh, b, dtype, cell: bool):
        self.torch, self.kind, self.cell = torch, kind, cell
        D, H = Wx.shape[0], Wh.shape[0]
        if kind == "GRU":
            self.tensors = [torch_leaf(a) for a in (Wx, Wh, b)]
            return
        if kind == "RNN":
            mapping = layouts.book_rnn_to_torch(Wx, Wh, b)
            module = (torch.nn.RNNCell(D, H, nonlinearity="tanh") if cell
                      else torch.nn.RNN(D, H, nonlinearity="tanh", batch_first=True))
        else:
            mapping = layouts.book_lstm_to_torch(Wx, Wh, b)
            module = torch.nn.LSTMCell(D, H) if cell else torch.nn.LSTM(D, H, batch_first=True)
        if cell:  # cells name their tensors without the layer suffix
            mapping = {k.replace("_l0", ""): v for k, v in mapping.items()}
        self.module = torch_copy_module(module, mapping, dtype)
        suffix = "" if cell else "_l0"
        self.tensors = [getattr(module, f"{n}{suffix}") for n in ("weight_ih", "weight_hh", "bias_ih")]

    def book_grads(self, grads):
        """(dWx, dWh, db) in the book's layout from the gradients of ``self.tensors``."""
        if self.kind == "GRU":
            return tuple(grads)
        to_book = layouts.torch_rnn_to_book if self.kind == "RNN" else layouts.torch_lstm_to_book
        return to_book(*grads)

    def step(self, x, h, c):
        """One step (cells): returns (h', c') (c' None except LSTM)."""
        if self.kind == "GRU":
            return gru_step(self.torch, x, h, *self.tensors), None
        if self.kind == "LSTM":
            return self.module(x, (h, c))
        return self.module(x, h), None

    def sequence(self, xs, h0, c0):
        """The whole sequence (N, T, D) from (h0, c0): returns (hs, h_T, c_T)."""
        if self.kind == "GRU":
            h, hs = h0, []
            for t in range(xs.shape[1]):
                h = gru_step(self.torch, xs[:, t], h, *self.tensors)
                hs.append(h)
            return self.torch.stack(hs, dim=1), h, None
        if self.kind == "LSTM":
            hs, (h, c) = self.module(xs, (h0.unsqueeze(0), c0.unsqueeze(0)))
            return hs, h[0], c[0]
        hs, h = self.module(xs, h0.unsqueeze(0))
        return hs, h[0], None


def _weights(sample):
    p = sample.params
    return p["Wx"], p["Wh"], p["b"]


def torch_cell(sample) -> dict:
    """A single step: h_next (c_next), dx, dh_prev (dc_prev), dWx, dWh, db."""
    torch = frameworks.torch()
    Wx, Wh, b = _weights(sample)
    kind = cell_kind(Wh)
    net = _Recurrent(torch, kind, Wx, Wh, b, sample.dtype, cell=True)
    inputs = [torch_leaf(sample.inputs[n]) for n in ("x", "h_prev", "c_prev") if n in sample.inputs]
    h, c = net.step(inputs[0], inputs[1], inputs[2] if kind == "LSTM" else None)
    out = torch.stack([h, c]) if kind == "LSTM" else h
    grads = torch_grads(out, sample.dout, inputs + net.tensors)
    n = len(inputs)
    result = {"out": torch_numpy(out), "h_next": torch_numpy(h), "dx": grads[0], "dh_prev": grads[1]}
    if kind == "LSTM":
        result.update(c_next=torch_numpy(c), dc_prev=grads[2])
    result.update(zip(("dWx", "dWh", "db"), net.book_grads(grads[n:])))
    return result


def torch_time(sample) -> dict:
    """A Time wrapper driven per the sample's protocol: hs, h, c, dxs, dWx, dWh, db, dh0 (stacked per call)."""
    torch = frameworks.torch()
    Wx, Wh, b = _weights(sample)
    kind = cell_kind(Wh)
    proto = Protocol.of(sample)
    net = _Recurrent(torch, kind, Wx, Wh, b, sample.dtype, cell=False)
    xs_all, dout_all = sample.inputs["xs"], np.asarray(sample.dout)
    N, H = xs_all.shape[-3], Wh.shape[0]
    zeros = np.zeros((N, H), dtype=sample.dtype)
    h = sample.inputs["h0"] if proto.set_h else zeros
    c = sample.inputs["c0"] if proto.set_c else zeros
    per_call = []
    for k in range(proto.calls):
        xs_np, dhs = (xs_all, dout_all) if proto.calls == 1 else (xs_all[k], dout_all[k])
        xs, h0, c0 = torch_leaf(xs_np), torch_leaf(h), torch_leaf(c, requires_grad=False)
        hs, h_T, c_T = net.sequence(xs, h0, c0)
        grads = torch_grads(hs, dhs, [xs, h0] + net.tensors)
        q = {"hs": torch_numpy(hs), "h": torch_numpy(h_T), "dxs": grads[0], "dh0": grads[1]}
        q.update(zip(("dWx", "dWh", "db"), net.book_grads(grads[2:])))
        if kind == "LSTM":
            q["c"] = torch_numpy(c_T)
        h, c = q["h"], q.get("c", zeros)  # carried to the next call as plain arrays: detached
        per_call.append(q)
    if proto.calls == 1:
        result = per_call[0]
    else:
        result = {key: np.stack([q[key] for q in per_call]) for key in per_call[0]}
    result["out"] = result["hs"]
    return result


@adapter("torch", "TimeBiLSTM")
def torch_time_bilstm(sample) -> dict:
    torch = frameworks.torch()
    p = sample.params
    D, H = p["Wx1"].shape[0], p["Wh1"].shape[0]
    module = torch.nn.LSTM(D, H, batch_first=True, bidirectional=True)
    mapping = {**layouts.book_lstm_to_torch(p["Wx1"], p["Wh1"], p["b1"], suffix="_l0"),
               **layouts.book_lstm_to_torch(p["Wx2"], p["Wh2"], p["b2"], suffix="_l0_reverse")}
    torch_copy_module(module, mapping, sample.dtype)
    xs = torch_leaf(sample.inputs["xs"])
    out, _ = module(xs)
    names = [f"{n}{s}" for s in ("_l0", "_l0_reverse") for n in ("weight_ih", "weight_hh", "bias_ih")]
    grads = torch_grads(out, sample.dout, [xs] + [getattr(module, n) for n in names])
    fwd, bwd = layouts.torch_lstm_to_book(*grads[1:4]), layouts.torch_lstm_to_book(*grads[4:7])
    return {"out": torch_numpy(out), "dxs": grads[0],
            **dict(zip(("dWx1", "dWh1", "db1"), fwd)), **dict(zip(("dWx2", "dWh2", "db2"), bwd))}


for _kind in ("RNN", "LSTM", "GRU"):
    adapter("torch", _kind)(torch_cell)
    adapter("torch", f"Time{_kind}")(torch_time)
    # Named after the cell (the implementation's object it judges) but driven like the Time wrapper.
    adapter("torch", f"{_kind}[reference-wrapper,student-cell]")(torch_time)


# -- the non-recurrent Time layers (registry.time_layers) -----------------------
# The same modules as the single-step layers: nn.Embedding on (N, T) ids,
# nn.Linear on (N, T, D) (it maps the last axis).
adapter("torch", "TimeEmbedding")(lambda sample: torch_layers.embedding(sample, ids="xs"))
adapter("torch", "TimeAffine")(torch_layers.linear)


def torch_time_softmax_with_loss(sample):
    """CrossEntropyLoss(ignore_index=-1) on (N*T, V) rows; one-hot targets as class probabilities."""
    torch = frameworks.torch()
    xs = torch_leaf(sample.inputs["xs"])
    rows, ts = xs.reshape(-1, xs.shape[-1]), sample.inputs["ts"]
    if ts.ndim == 3:
        target = torch.from_numpy(ts.reshape(-1, ts.shape[-1]).astype(sample.dtype))
    else:
        target = torch.from_numpy(ts.reshape(-1))
    loss = torch.nn.CrossEntropyLoss(ignore_index=-1)(rows, target)
    (dxs,) = torch_grads(loss, sample.dout, [xs])
    return {"out": torch_numpy(loss), "dxs": dxs}


for _variant in ("", "[ignored-labels]", "[one-hot]", "[all-ignored]"):
    adapter("torch", f"TimeSoftmaxWithLoss{_variant}")(torch_time_softmax_with_loss)

BOOK_LOG_EPS = 1e-7  # the book's epsilon inside the log of TimeSigmoidWithLoss (as SigmoidWithLoss)


@adapter("torch", "TimeSigmoidWithLoss")
def torch_time_sigmoid_with_loss(sample):
    """The gradient from BCEWithLogitsLoss (exact loss); the value with the book's 1e-7 in the log."""
    torch = frameworks.torch()
    xs = torch_leaf(sample.inputs["xs"])
    ts = torch.from_numpy(sample.inputs["ts"].astype(sample.dtype))
    (dxs,) = torch_grads(torch.nn.BCEWithLogitsLoss()(xs, ts), sample.dout, [xs])
    y = torch.sigmoid(xs)
    loss = -torch.log(torch.where(ts > 0.5, y, 1.0 - y) + BOOK_LOG_EPS).mean()
    return {"out": torch_numpy(loss), "dxs": dxs}


def _torch_time_dropout(sample):
    from reference.registry.time_layers import time_dropout_mask

    torch = frameworks.torch()
    xs = torch_leaf(sample.inputs["xs"])
    out = xs * torch.from_numpy(time_dropout_mask(sample)) if sample.forward_kwargs["train_flg"] else xs * 1
    (dxs,) = torch_grads(out, sample.dout, [xs])
    return {"out": torch_numpy(out), "dxs": dxs}


adapter("torch", "TimeDropout[train]")(_torch_time_dropout)
adapter("torch", "TimeDropout[eval]")(_torch_time_dropout)


@adapter("torch", "TimeOutputWithLoss")
def torch_time_output_with_loss(sample):
    """0.5 * MSELoss(reduction='sum') of the last step / N."""
    torch = frameworks.torch()
    xs = torch_leaf(sample.inputs["xs"])
    ts = torch.from_numpy(sample.inputs["ts"])
    loss = 0.5 * torch.nn.MSELoss(reduction="sum")(xs[:, -1], ts[:, -1]) / xs.shape[0]
    (dxs,) = torch_grads(loss, sample.dout, [xs])
    return {"out": torch_numpy(loss), "dxs": dxs}

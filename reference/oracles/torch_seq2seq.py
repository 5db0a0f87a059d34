"""torch equivalents of the seq2seq models: nn.Embedding, nn.LSTM, nn.Linear and torch-op attention.

The book's weights are copied in (LSTM gates f,g,i,o -> i,f,g,o and
transposed, the bias into bias_ih with bias_hh zero; affine W transposed),
the model is run with autograd, and every gradient is mapped back to the
book's layout under the sample's param names. The decoder LSTM starts from
(h, 0) with h the encoder's last state (attention: enc_hs[:, -1]), so the
encoder's gradients flow through the decoder's initial state as in the book.
Teacher-forced loss: ``F.cross_entropy`` (mean over N * O), which equals
TimeSoftmaxWithLoss when no label is ignored.
"""
from __future__ import annotations

import numpy as np

from reference.oracles import frameworks
from reference.registry import layouts
from reference.oracles import adapter
from reference.oracles.autodiff import torch_copy_module, torch_grads, torch_leaf, torch_numpy
from reference.oracles.torch_attention import attend
from reference.registry.seq2seq import generate_args


class _Parts:
    """The torch modules of an encoder or a decoder, built from the book's params (suffix "_enc", ...)."""

    def __init__(self, torch, params, suffix, dtype):
        W = params["W_embed" + suffix]
        self.embed = torch_copy_module(torch.nn.Embedding(*W.shape), {"weight": W}, dtype)
        Wx, Wh, b = params["Wx" + suffix], params["Wh" + suffix], params["b" + suffix]
        self.lstm = torch_copy_module(torch.nn.LSTM(Wx.shape[0], Wh.shape[0], batch_first=True),
                                      layouts.book_lstm_to_torch(Wx, Wh, b), dtype)
        self.names = ["W_embed" + suffix, "Wx" + suffix, "Wh" + suffix, "b" + suffix]
        self.tensors = [self.embed.weight, self.lstm.weight_ih_l0, self.lstm.weight_hh_l0, self.lstm.bias_ih_l0]
        self.affine = None
        if "W_affine" in params and suffix != "_enc":
            Wa = params["W_affine"]
            self.affine = torch_copy_module(torch.nn.Linear(*Wa.shape),
                                            {"weight": layouts.book_linear_to_torch(Wa),
                                             "bias": params["b_affine"]}, dtype)
            self.names += ["W_affine", "b_affine"]
            self.tensors += [self.affine.weight, self.affine.bias]

    def book_grads(self, grads) -> dict[str, np.ndarray]:
        """Gradients of ``self.tensors`` in the book's layout, keyed d<name>."""
        dWx, dWh, db = layouts.torch_lstm_to_book(*grads[1:4])
        book = [grads[0], dWx, dWh, db]
        if self.affine is not None:
            book += [layouts.torch_linear_to_book(grads[4]), grads[5]]
        return {"d" + n: g for n, g in zip(self.names, book)}


def encode(parts, xs):
    """hs (N, T, H) of the encoder LSTM from the zero state."""
    hs, _ = parts.lstm(parts.embed(xs))
    return hs


def decode(torch, kind, parts, xs, memory, state=None):
    """Scores (N, S, V) and the LSTM's last (h, c) for decoder inputs xs (N, S).

    memory: the encoder's h (N, H) (plain, peeky) or hs (N, T, H) (attention).
    state: the LSTM's (h, c) to start from; None = (the encoder's last h, zeros).
    """
    h_enc = memory[:, -1] if kind == "attention" else memory
    if state is None:
        state = (h_enc[None], torch.zeros_like(h_enc)[None])
    x = parts.embed(xs)
    if kind == "peeky":
        repeated = h_enc[:, None, :].expand(-1, xs.shape[1], -1)
        x = torch.cat([repeated, x], dim=2)               # h first
    dec_hs, state = parts.lstm(x, state)
    if kind == "peeky":
        features = torch.cat([repeated, dec_hs], dim=2)   # h first
    elif kind == "attention":
        features = torch.cat([attend(torch, memory, dec_hs), dec_hs], dim=2)  # context first
    else:
        features = dec_hs
    return parts.affine(features), state


def greedy(torch, kind, parts, memory, start_id, size):
    """generate(): argmax of each step's scores fed back as the next input."""
    ids, state, sample_id = [], None, start_id
    with torch.no_grad():
        for _ in range(size):
            x = torch.tensor([[sample_id]], dtype=torch.int64)
            score, state = decode(torch, kind, parts, x, memory, state)
            sample_id = int(torch.argmax(score.reshape(-1)))
            ids.append(sample_id)
    return np.asarray(ids, dtype=np.float64)


def _encoder(sample, all_states):
    torch = frameworks.torch()
    parts = _Parts(torch, sample.params, "", sample.dtype)
    hs = encode(parts, torch_leaf(sample.inputs["xs"], requires_grad=False))
    out = hs if all_states else hs[:, -1]
    return {"out": torch_numpy(out), **parts.book_grads(torch_grads(out, sample.dout, parts.tensors))}


def _decoder(sample, kind):
    torch = frameworks.torch()
    parts = _Parts(torch, sample.params, "", sample.dtype)
    (state_name,) = sample.differentiable
    memory = torch_leaf(sample.inputs[state_name])
    score, _ = decode(torch, kind, parts, torch_leaf(sample.inputs["xs"], requires_grad=False), memory)
    grads = torch_grads(score, sample.dout, [memory] + parts.tensors)
    return {"out": torch_numpy(score), "d" + state_name: grads[0], **parts.book_grads(grads[1:])}


def _seq2seq(sample, kind):
    torch = frameworks.torch()
    enc = _Parts(torch, sample.params, "_enc", sample.dtype)
    dec = _Parts(torch, sample.params, "_dec", sample.dtype)
    xs = torch_leaf(sample.inputs["xs"], requires_grad=False)
    ts = torch_leaf(sample.inputs["ts"], requires_grad=False)
    hs = encode(enc, xs)
    memory = hs if kind == "attention" else hs[:, -1]
    score, _ = decode(torch, kind, dec, ts[:, :-1], memory)
    loss = torch.nn.functional.cross_entropy(score.reshape(-1, score.shape[-1]), ts[:, 1:].reshape(-1))
    grads = torch_grads(loss, sample.dout, enc.tensors + dec.tensors)
    out = {"out": torch_numpy(loss), **enc.book_grads(grads[:4]), **dec.book_grads(grads[4:])}
    xs1, start_id, size = generate_args(sample)
    hs1 = encode(enc, torch_leaf(xs1, requires_grad=False))
    out["generated"] = greedy(torch, kind, dec, hs1 if kind == "attention" else hs1[:, -1], start_id, size)
    return out


adapter("torch", "Encoder")(lambda sample: _encoder(sample, all_states=False))
adapter("torch", "AttentionEncoder")(lambda sample: _encoder(sample, all_states=True))
adapter("torch", "Decoder")(lambda sample: _decoder(sample, "plain"))
adapter("torch", "PeekyDecoder")(lambda sample: _decoder(sample, "peeky"))
adapter("torch", "AttentionDecoder")(lambda sample: _decoder(sample, "attention"))
adapter("torch", "Seq2seq")(lambda sample: _seq2seq(sample, "plain"))
adapter("torch", "PeekySeq2seq")(lambda sample: _seq2seq(sample, "peeky"))
adapter("torch", "AttentionSeq2seq")(lambda sample: _seq2seq(sample, "attention"))

"""Registry entries: the models (ch05-ch06 language models, the Trainer's MLP, the seed regressor, the sprint RNN).

A model entry is kind "custom": its driver builds the implementation's
model, copies the sample's telling weights into ``model.params`` in place
(so biases are non-zero and every gate block differs, whatever the model's
own initialisation), runs it and returns every quantity by a readable name.
The language models are run twice in a row, which checks that their
recurrent layers are stateful:

    scores = model.predict(xs0)          # from the zero state (and no dropout)
    loss   = model.forward(xs, ts, ...)  # from the state xs0 left behind
    model.backward()                     # d<param> for every unique parameter

BetterRnnlm is judged in both modes at their contract defaults: ``predict``
(train_flg=False, no dropout) gives ``scores``, ``forward`` (train_flg=True)
the loss and gradients with dropout.

Weight tying (BetterRnnlm): ``params`` holds embed_W and, as the affine
weight, the view embed_W.T; the driver reports one gradient ``dE`` = the
embedding's gradient + the affine's gradient transposed (what
``remove_duplicate`` hands the optimizer), compared with the gradient of a
truly shared parameter in torch and Keras. Dropout masks come from
``np.random.seed(np_seed)`` set right before ``predict``; TimeDropout draws
``np.random.rand(*xs.shape)`` once per layer per training forward, in layer
order, and the oracles replay those draws (``dropout_masks``).

Layouts in the samples are the book's (x @ W, LSTM gates f, g, i, o).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reference.registry import cases as C
from reference.registry.model_drive import build
from reference.registry.component import Component, Sample

BATCH = (1, 4)
STEPS = (1, 5)
VOCAB = (2, 8)     # V=1 makes softmax trivially 1: nothing to compare
FEATURES = (1, 5)
HIDDEN = (1, 6)
DROPOUT_RATIO = 0.3  # not 0.5: a swapped keep/drop or a missing 1/(1-ratio) shows


@dataclass(frozen=True)
class LmSpec:
    """What a language model is made of, in the book's params order."""

    cell: str                    # "rnn" or "lstm"
    layers: int                  # stacked recurrent layers
    tied: bool                   # affine weight = embed_W.T
    dropout: bool
    # model.params in order: (sample param name, transposed?) per entry
    order: tuple[tuple[str, bool], ...]

    @property
    def gates(self) -> int:
        return 1 if self.cell == "rnn" else 4


LM_SPECS = {
    "SimpleRnnlm": LmSpec("rnn", 1, False, False,
                          (("E", False), ("Wx", False), ("Wh", False), ("b", False), ("Wa", False), ("ba", False))),
    "Rnnlm": LmSpec("lstm", 1, False, False,
                    (("E", False), ("Wx", False), ("Wh", False), ("b", False), ("Wa", False), ("ba", False))),
    "BetterRnnlm": LmSpec("lstm", 2, True, True,
                          (("E", False), ("Wx1", False), ("Wh1", False), ("b1", False), ("Wx2", False),
                           ("Wh2", False), ("b2", False), ("E", True), ("ba", False))),
}


def recurrent_names(spec: LmSpec, k: int) -> tuple[str, str, str]:
    suffix = str(k + 1) if spec.layers > 1 else ""
    return f"Wx{suffix}", f"Wh{suffix}", f"b{suffix}"


def lm_params(rng, spec: LmSpec, V: int, D: int, H: int, dtype) -> dict[str, np.ndarray]:
    """Telling weights of a language model, one array per unique parameter (tied E once)."""
    g = spec.gates
    params = {"E": C.telling(rng, (V, D), dtype)}
    for k in range(spec.layers):
        wx, wh, b = recurrent_names(spec, k)
        params[wx] = C.telling(rng, (D if k == 0 else H, g * H), dtype, blocks=g)
        params[wh] = C.telling(rng, (H, g * H), dtype, blocks=g)
        params[b] = C.bias(rng, g * H, dtype, blocks=g)
    if not spec.tied:
        params["Wa"] = C.telling(rng, (H, V), dtype)
    params["ba"] = C.bias(rng, V, dtype)
    return params


def lm_sample_for(name: str):
    spec = LM_SPECS[name]

    def sample(case):
        rng = case.rng()
        N, T, V, H = case["N"], case["T"], case["V"], case["H"]
        D = H if spec.tied else case["D"]
        init = {"vocab_size": V, "wordvec_size": D, "hidden_size": H}
        if spec.dropout:
            init["dropout_ratio"] = DROPOUT_RATIO
        ids = lambda: rng.integers(0, V, size=(N, T))
        return Sample(case, params=lm_params(rng, spec, V, D, H, case.dtype),
                      inputs={"xs0": ids(), "xs": ids(), "ts": ids()}, dout=1.0,
                      init_kwargs=init,
                      np_seed=case.seed % (2**32), steps=T)
    return sample


def dropout_masks(sample, shapes, dtype=None) -> list[np.ndarray]:
    """The inverted-dropout masks TimeDropout draws after ``np.random.seed(np_seed)``, in order.

    Each is (rand(*shape) > ratio) / (1 - ratio), one rand call per shape.
    """
    ratio = sample.init_kwargs["dropout_ratio"]
    rs = np.random.RandomState(sample.np_seed)
    dtype = dtype or sample.dtype
    return [((rs.rand(*shape) > ratio) * (1.0 / (1.0 - ratio))).astype(dtype) for shape in shapes]


# -- building and driving an implementation's model -----------------------------


def copy_params(model, order, values: dict) -> None:
    """Writes ``values`` into ``model.params`` in place, following ``order`` ((name, transposed) per entry)."""
    if len(model.params) != len(order):
        listed = ", ".join(n + (".T" if t else "") for n, t in order)
        raise ValueError(f"{type(model).__name__}: params has {len(model.params)} entries; "
                         f"the contract's order is [{listed}] (see: scratch-conformance contract "
                         f"{type(model).__name__})")
    for param, (name, transposed) in zip(model.params, order):
        value = values[name].T if transposed else values[name]
        if param.shape != value.shape:
            raise ValueError(f"{type(model).__name__}: params entry for {name}{'.T' if transposed else ''} "
                             f"is {param.shape}; expected {value.shape}")
        param[...] = value


def named_values(arrays, order, prefix: str = "") -> dict[str, np.ndarray]:
    """One array per unique name: entries sharing a name are summed (transposed back first).

    For gradients this is what remove_duplicate gives the optimizer (a tied
    weight's gradients added); for parameters, pass the first entry only.
    """
    out: dict[str, np.ndarray] = {}
    for a, (name, transposed) in zip(arrays, order):
        a = np.array(a, copy=True)
        a = a.T if transposed else a
        key = prefix + name
        out[key] = out[key] + a if key in out else a
    return out


def build_lm(cls, sample, spec: LmSpec):
    args = [sample.init_kwargs[k] for k in ("vocab_size", "wordvec_size", "hidden_size")]
    if spec.dropout:
        args.append(sample.init_kwargs["dropout_ratio"])
    model = build(cls, args, sample.dtype)
    copy_params(model, spec.order, sample.params)
    return model


def run_lm(name: str):
    spec = LM_SPECS[name]

    def run(obj, sample):
        model = build_lm(obj, sample, spec)
        np.random.seed(sample.np_seed)  # dropout masks (BetterRnnlm in training mode)
        scores = np.array(model.predict(sample.inputs["xs0"].copy()), copy=True)
        loss = model.forward(sample.inputs["xs"].copy(), sample.inputs["ts"].copy(), **sample.forward_kwargs)
        model.backward()
        return {"scores": scores, "loss": np.asarray(loss), **named_values(model.grads, spec.order, "d")}
    return run


def lm_quantities(name: str) -> tuple[str, ...]:
    spec = LM_SPECS[name]
    names = [n for n, t in spec.order if not t]
    return ("scores", "loss") + tuple("d" + n for n in names)


LM_HINTS = {
    "scores": "predict(xs) from the zero state: embedding lookup, recurrent layer, x @ W + b",
    "loss": "scores right but loss wrong: the recurrent layers must be stateful (the second forward "
            "starts from the state the first left), and the loss averages over N*T",
    "dWh": "dWx right, dWh wrong: is dh carried to step t-1?",
    "dE": "dE is the embedding's gradient (np.add.at over repeated ids); with weight tying it also "
          "includes the affine's gradient transposed: keep the affine weight as the view embed_W.T in params",
}


# -- TwoLayerNet, LstmRegressor -----------------------------------------------------

MLP_ORDER = (("W1", False), ("b1", False), ("W2", False), ("b2", False))
REGRESSOR_ORDER = (("Wx", False), ("Wh", False), ("b", False), ("Wa", False), ("ba", False))


def mlp_params(rng, D, H, Cn, dtype):
    return {"W1": C.telling(rng, (D, H), dtype), "b1": C.bias(rng, H, dtype),
            "W2": C.telling(rng, (H, Cn), dtype), "b2": C.bias(rng, Cn, dtype)}


# The regressor's output bias is pushed this far from zero. Predictions then
# sit ~2.5 away from the targets (sin values in [-1.05, 1.05]), so the
# squared error has no cancellation (in float32 a prediction within 0.1 of
# its target gave a loss 2e-6 off, relative); and in training the bias, a
# single number, cannot cross zero: with clipping every step moves each
# weight by at most lr * max_grad = 0.25, 2.0 over the longest run (8
# steps), and a value near zero has no relative precision (measured 3.8e-6
# off over 300 drawn float32 cases before the offset).
OUTPUT_BIAS_OFFSET = 2.5


def regressor_params(rng, D, H, O, dtype):
    ba = C.bias(rng, O, np.float64)
    return {"Wx": C.telling(rng, (D, 4 * H), dtype, blocks=4), "Wh": C.telling(rng, (H, 4 * H), dtype, blocks=4),
            "b": C.bias(rng, 4 * H, dtype, blocks=4), "Wa": C.telling(rng, (H, O), dtype),
            "ba": (ba + np.sign(ba) * OUTPUT_BIAS_OFFSET).astype(dtype)}


def sample_two_layer_net(case):
    rng = case.rng()
    N, D, H, Cn = case["N"], case["D"], case["H"], case["C"]
    return Sample(case, params=mlp_params(rng, D, H, Cn, case.dtype),
                  inputs={"x": C.telling(rng, (N, D), case.dtype, scale=1.0), "t": C.labels(rng, (N,), Cn)},
                  dout=1.0, init_kwargs={"input_size": D, "hidden_size": H, "output_size": Cn})


def run_two_layer_net(obj, sample):
    k = sample.init_kwargs
    model = build(obj, (k["input_size"], k["hidden_size"], k["output_size"]), sample.dtype)
    copy_params(model, MLP_ORDER, sample.params)
    x, t = sample.inputs["x"].copy(), sample.inputs["t"].copy()
    scores = np.array(model.predict(x), copy=True)
    loss = model.forward(x, t)
    dx = model.backward()
    return {"scores": scores, "loss": np.asarray(loss), "dx": np.asarray(dx),
            **named_values(model.grads, MLP_ORDER, "d")}


def noisy_sine_windows(rng, n: int, T: int, dtype, noise: float = 0.05):
    """The seed example's data: n windows of T values of sin(0.4 t) + noise, target the next value.

    xs (n, T, 1); ts (n, T, 1) with ts[:, t] = the value after xs[:, t] (only
    ts[:, -1] counts for the many-to-one loss).
    """
    length = n + T + 1
    wave = np.sin(0.4 * np.arange(length)) + noise * rng.standard_normal(length)
    starts = rng.permutation(length - T - 1)[:n]
    xs = np.stack([wave[s:s + T] for s in starts])[..., None]
    ts = np.stack([wave[s + 1:s + T + 1] for s in starts])[..., None]
    return xs.astype(dtype), ts.astype(dtype)


def sample_regressor(case):
    rng = case.rng()
    N, T, H = case["N"], case["T"], case["H"]
    xs, ts = noisy_sine_windows(rng, N, T, case.dtype)
    return Sample(case, params=regressor_params(rng, 1, H, 1, case.dtype), inputs={"xs": xs, "ts": ts},
                  dout=1.0, init_kwargs={"input_size": 1, "hidden_size": H, "output_size": 1}, steps=T)


def run_regressor(obj, sample):
    k = sample.init_kwargs
    model = build(obj, (k["input_size"], k["hidden_size"], k["output_size"]), sample.dtype)
    copy_params(model, REGRESSOR_ORDER, sample.params)
    xs, ts = sample.inputs["xs"].copy(), sample.inputs["ts"].copy()
    pred = np.array(model.predict(xs), copy=True)
    loss = model.forward(xs, ts)
    dxs = model.backward()
    return {"pred": pred, "loss": np.asarray(loss), "dxs": np.asarray(dxs),
            **named_values(model.grads, REGRESSOR_ORDER, "d")}


# -- the sprint's SimpleRNN ------------------------------------------------------------


def sample_simple_rnn(case):
    """x (batch_size, n_sequences, n_features) = (N, T, D), n_nodes = H; dout for the last h."""
    rng = case.rng()
    N, T, D, H = case["N"], case["T"], case["D"], case["H"]
    return Sample(case, params={"Wx": C.telling(rng, (D, H), case.dtype), "Wh": C.telling(rng, (H, H), case.dtype),
                                "B": C.bias(rng, H, case.dtype)},
                  inputs={"x": C.telling(rng, (N, T, D), case.dtype, scale=1.0)},
                  dout=C.upstream(rng, (N, H), case.dtype), differentiable=("x",), steps=T)


# No fd64 for these: finite differences of the Keras oracle's forward (the
# oracle cross-check) cost two Keras RNN calls per weight, ~30 s per case;
# the Time layers' own entries carry the fd64 checks of the same arithmetic.
# float32 rounding in these small models is relative to the operands
# (activations, weights and softmax terms of order 1), not to the result: a
# mean of terms that cancel (dba at V=2, the dxs of a D=1 input) can be 1e-3
# of its terms. Measured over 400 (torch) and 150 (Keras) drawn float32 cases
# per entry (H >= 2): worst |a-b| / max|ref| 9.1e-4 (SimpleRnnlm.dba vs
# torch); worst |a-b| / max(max|ref|, 0.25) 9.7e-7 vs torch, 1.3e-6 vs Keras
# (SimpleRNN.dWh at T=4, plain BPTT rounding); float64 <= 1.5e-14 without,
# 1.2e-15 with the floor. Errors are therefore measured against
# max(max|ref|, OPERAND_SCALE) (Tolerance.floor) under the defaults (F32 2e-6,
# F32_BPTT 5e-6 per 35 steps); a 1e-3 relative error is still caught in any
# quantity above 1.25e-3 (tests/test_mutations.py at the telling case).
OPERAND_SCALE = 0.25
FRAMEWORKS = ("torch", "keras")
LM_SIZES = {"N": BATCH, "T": STEPS, "V": VOCAB, "D": FEATURES, "H": HIDDEN}
TIED_SIZES = {"N": BATCH, "T": STEPS, "V": VOCAB, "H": HIDDEN}

ENTRIES = (
    Component("SimpleRnnlm", "custom", "rnnlm", lm_sample_for("SimpleRnnlm"), LM_SIZES, FRAMEWORKS,
              lm_quantities("SimpleRnnlm"), recurrent=True, run=run_lm("SimpleRnnlm"), hints=LM_HINTS,
              operand_scale=OPERAND_SCALE),
    Component("Rnnlm", "custom", "rnnlm", lm_sample_for("Rnnlm"), LM_SIZES, FRAMEWORKS,
              lm_quantities("Rnnlm"), recurrent=True, run=run_lm("Rnnlm"), hints=LM_HINTS,
              operand_scale=OPERAND_SCALE),
    # One entry for both modes, each at its contract default: predict(xs0)
    # is eval mode (train_flg=False: forward only, no mask drawn), then
    # forward(xs, ts) is training mode (train_flg=True: three masks drawn).
    Component("BetterRnnlm", "custom", "rnnlm", lm_sample_for("BetterRnnlm"), TIED_SIZES,
              FRAMEWORKS, lm_quantities("BetterRnnlm"), recurrent=True, run=run_lm("BetterRnnlm"),
              operand_scale=OPERAND_SCALE,
              doc="scores in eval mode, loss and gradients in training mode (masks replayed), tied dE",
              hints={**LM_HINTS,
                     "scores": "predict(xs, train_flg=False) by default: no dropout at evaluation",
                     "loss": "forward(xs, ts, train_flg=True) by default: each TimeDropout draws "
                             "np.random.rand(*xs.shape) once, in layer order, keeps rand > ratio and scales "
                             "by 1/(1-ratio); the LSTMs start from the state predict left"}),
    Component("TwoLayerNet", "custom", "models", sample_two_layer_net,
              {"N": BATCH, "D": FEATURES, "H": HIDDEN, "C": (2, 6)}, FRAMEWORKS,
              ("scores", "loss", "dx", "dW1", "db1", "dW2", "db2"), run=run_two_layer_net,
              operand_scale=OPERAND_SCALE,
              hints={"loss": "SoftmaxWithLoss: batch mean of -log(softmax + 1e-7)"}),
    Component("LstmRegressor", "custom", "models", sample_regressor, {"N": BATCH, "T": STEPS, "H": HIDDEN},
              FRAMEWORKS, ("pred", "loss", "dxs", "dWx", "dWh", "db", "dWa", "dba"), recurrent=True,
              run=run_regressor, operand_scale=OPERAND_SCALE,
              hints={"loss": "0.5 * sum((y[:, -1] - t[:, -1])**2) / N: the last step only, divided by N",
                     "dxs": "the gradient enters at the last step only, scaled by 1/N"}),
    Component("SimpleRNN", "layer", "sprint", sample_simple_rnn,
              {"N": BATCH, "T": STEPS, "D": FEATURES, "H": HIDDEN}, FRAMEWORKS,
              ("out", "dx", "dWx", "dWh", "dB"), recurrent=True, operand_scale=OPERAND_SCALE,
              hints={"out": "the sprint's forward returns the LAST h (batch_size, n_nodes), h0 = 0, tanh",
                     "dWh": "dWx right, dWh wrong: is dh carried to step t-1?"}),
)

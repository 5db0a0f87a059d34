"""Registry entries: the training loops (Trainer, RnnlmTrainer) and eval_perplexity.

A training entry is kind "custom". Its driver trains a model with the
implementation's trainer and returns the logged history and the final
parameters; the torch and Keras oracles run an equivalent training loop of
their own (their modules, their autograd, ``torch.optim.SGD`` /
``keras.optimizers.SGD``) from the same initial weights over the SAME
batches, and must arrive at the same history and parameters.

Isolation: the model and the optimizer the trainer drives are the bundled
scratch_layers ones (``bundled``), not the implementation's, so a Trainer
is judged on its own: batch order, the step (forward, backward,
remove_duplicate, clipping, update), logging and state handling. The
models and optimizers have entries of their own. (A book-style package
keeps its models in chapter folders, not in ``common/``, anyway.)

The same batches: the trainers' batch order is a function of the sample
and of the global legacy ``np.random`` seeded with ``np_seed`` just before
``fit``; ``trainer_rows`` and ``rnnlm_positions`` replay it for the oracles
from the contract (api.md), and ``dropout_stream`` replays BetterRnnlm's
masks (three TimeDropout draws per step, in layer order, from the same
stream). ``logged`` applies the contract's logging rule to per-step losses.

Hyperparameters: SGD with lr = 0.5 (exactly representable: Keras keeps
hyperparameters in float32), 2 epochs of 2 iterations (4 steps: a Keras
LSTM step costs ~30 ms and these entries run ~30 times per suite),
eval_interval 2 (a single-batch first log, then a mean over two steps that
straddle the epoch boundary), and a max_grad small enough that clipping is
active on some steps (tests/test_trainer.py asserts it).
"""
from __future__ import annotations

import contextlib
import functools
import io

import numpy as np

from reference.registry import cases as C
from reference.registry.model_drive import build
from reference.registry.component import Component, Sample
from reference.registry.models import (LM_SPECS, MLP_ORDER, REGRESSOR_ORDER, build_lm, copy_params,
                                       lm_params, mlp_params, noisy_sine_windows, regressor_params)

LR = 0.5
MAX_EPOCH = 2
ITERS_PER_EPOCH = 2
EVAL_INTERVAL = 2
# Global-norm clipping thresholds, below the gradient norms of the telling
# weights so that clipping is active. Pre-clip norms seen by the torch oracle
# at the telling and unit cases (seeds 20261122, 1, 2, 3): TwoLayerNet
# 0.32-1.39, LstmRegressor 0.86-4.72, Rnnlm 0.18-0.77, BetterRnnlm 0.14-0.91;
# so some steps clip and some do not, except the regressor, which always
# clips: its bound lr * max_grad = 0.25 per step is what keeps its output
# bias away from zero (models.OUTPUT_BIAS_OFFSET).
MAX_GRAD = {"TwoLayerNet": 0.8, "LstmRegressor": 0.5, "Rnnlm": 0.3, "BetterRnnlm": 0.3}


@functools.cache
def bundled(name: str):
    """The bundled scratch_layers' ``name`` (the model and optimizer a trainer check drives)."""
    import scratch_layers

    return getattr(scratch_layers, name)


# -- the batch order and logging rule of the contract, replayed for the oracles ----


def trainer_rows(sample):
    """Row indices into the ORIGINAL data of every Trainer batch, in order (compounding shuffles)."""
    k = sample.forward_kwargs
    n = len(sample.inputs["x"])
    B = k["batch_size"]
    rs = np.random.RandomState(sample.np_seed)
    order = np.arange(n)
    for _ in range(k["max_epoch"]):
        order = order[rs.permutation(n)]  # x = x[idx] on the data as last reordered
        for iters in range(n // B):
            yield order[iters * B:(iters + 1) * B]


def rnnlm_positions(sample):
    """Corpus positions (B, T) of every RnnlmTrainer batch: (i*jump + time_idx + t) % L."""
    k = sample.forward_kwargs
    L = len(sample.inputs["xs"])
    B, T = k["batch_size"], k["time_size"]
    offsets = np.arange(B)[:, None] * (L // B)
    time_idx = 0
    for _ in range(k["max_epoch"]):
        for _ in range(L // (B * T)):
            yield (offsets + time_idx + np.arange(T)[None, :]) % L
            time_idx += T


def dropout_stream(sample, shapes):
    """Per training step, BetterRnnlm's three inverted-dropout masks, drawn in order from np_seed."""
    ratio = sample.init_kwargs["dropout_ratio"]
    rs = np.random.RandomState(sample.np_seed)
    while True:
        yield [((rs.rand(*s) > ratio) * (1.0 / (1.0 - ratio))).astype(sample.dtype) for s in shapes]


def logged(losses, sample, perplexity: bool = False) -> np.ndarray:
    """The contract's log of per-step losses: at iters % eval_interval == 0, the mean since the last log."""
    k = sample.forward_kwargs
    data = sample.inputs["x"] if "x" in sample.inputs else sample.inputs["xs"]
    per_epoch = len(data) // (k["batch_size"] * k.get("time_size", 1))
    out, total, count = [], 0.0, 0
    for step, loss in enumerate(losses):
        total, count = total + float(loss), count + 1
        if k["eval_interval"] is not None and (step % per_epoch) % k["eval_interval"] == 0:
            mean = total / count
            out.append(float(np.exp(mean)) if perplexity else mean)
            total, count = 0.0, 0
    return np.asarray(out, dtype=np.float64)


# -- samples ------------------------------------------------------------------------


def _fit_kwargs(B, max_grad, **extra):
    return {"max_epoch": MAX_EPOCH, "batch_size": B, **extra, "max_grad": max_grad,
            "eval_interval": EVAL_INTERVAL}


def sample_trainer_mlp(case):
    rng = case.rng()
    B, D, H, Cn = case["N"], case["D"], case["H"], case["C"]
    n = ITERS_PER_EPOCH * B + 1  # with B > 1, one sample left over each epoch (dropped)
    return Sample(case, params=mlp_params(rng, D, H, Cn, case.dtype),
                  inputs={"x": C.telling(rng, (n, D), case.dtype, scale=1.0), "t": C.labels(rng, (n,), Cn)},
                  init_kwargs={"lr": LR, "sizes": (D, H, Cn)},
                  forward_kwargs=_fit_kwargs(B, MAX_GRAD["TwoLayerNet"]), np_seed=case.seed % (2**32))


def sample_trainer_regressor(case):
    rng = case.rng()
    B, T, H = case["N"], case["T"], case["H"]
    xs, ts = noisy_sine_windows(rng, ITERS_PER_EPOCH * B + 1, T, case.dtype)
    return Sample(case, params=regressor_params(rng, 1, H, 1, case.dtype), inputs={"x": xs, "t": ts},
                  init_kwargs={"lr": LR, "sizes": (1, H, 1)},
                  forward_kwargs=_fit_kwargs(B, MAX_GRAD["LstmRegressor"]), np_seed=case.seed % (2**32),
                  steps=T)


def rnnlm_sample_for(name: str):
    spec = LM_SPECS[name]

    def sample(case):
        rng = case.rng()
        B, T, V, H = case["N"], case["T"], case["V"], case["H"]
        D = H if spec.tied else case["D"]
        L = ITERS_PER_EPOCH * B * T + (B * T) // 2  # a partial batch left over
        corpus = rng.integers(0, V, size=L + 1)
        init = {"lr": LR, "vocab_size": V, "wordvec_size": D, "hidden_size": H}
        if spec.dropout:
            init["dropout_ratio"] = 0.3
        return Sample(case, params=lm_params(rng, spec, V, D, H, case.dtype),
                      inputs={"xs": corpus[:-1], "ts": corpus[1:]}, init_kwargs=init,
                      forward_kwargs=_fit_kwargs(B, MAX_GRAD[name], time_size=T),
                      np_seed=case.seed % (2**32), steps=T)
    return sample


def sample_eval_perplexity(case):
    """BetterRnnlm weights and a corpus of 2 batches plus B - 1 leftovers; eval mode (no dropout).

    L = 2*B*T + B is a multiple of B, so the contract's jump (L - 1) // B = 2T
    differs from the trainer's L // B = 2T + 1 (B > 1): an eval_perplexity
    that copies RnnlmTrainer's jump reads other windows. (Its offsets never
    pass the end of the corpus, for any L: tests/test_edges.py.)
    """
    rng = case.rng()
    spec = LM_SPECS["BetterRnnlm"]
    B, T, V, H = case["N"], case["T"], case["V"], case["H"]
    L = 2 * B * T + B
    return Sample(case, params=lm_params(rng, spec, V, H, H, case.dtype),
                  inputs={"corpus": rng.integers(0, V, size=L)},
                  init_kwargs={"vocab_size": V, "wordvec_size": H, "hidden_size": H, "dropout_ratio": 0.3},
                  forward_kwargs={"batch_size": B, "time_size": T}, np_seed=case.seed % (2**32), steps=T)


# -- drivers ------------------------------------------------------------------------


def _first_entries(params, order) -> dict[str, np.ndarray]:
    """Final parameter values by name (a tied weight once, from its first entry)."""
    out = {}
    for p, (name, transposed) in zip(params, order):
        if not transposed and name not in out:
            out[name] = np.array(p, copy=True)
    return out


def _fit(trainer, sample, data_keys):
    np.random.seed(sample.np_seed)
    with contextlib.redirect_stdout(io.StringIO()):  # book-style trainers print progress
        trainer.fit(*(sample.inputs[k].copy() for k in data_keys), **sample.forward_kwargs)


def run_trainer(model_name: str, order):
    def run(obj, sample):
        model = build(bundled(model_name), sample.init_kwargs["sizes"], sample.dtype)
        copy_params(model, order, sample.params)
        trainer = obj(model, bundled("SGD")(lr=sample.init_kwargs["lr"]))
        _fit(trainer, sample, ("x", "t"))
        return {"loss_list": np.asarray(trainer.loss_list, dtype=np.float64),
                **_first_entries(model.params, order)}
    return run


def run_rnnlm_trainer(model_name: str):
    spec = LM_SPECS[model_name]

    def run(obj, sample):
        model = build_lm(bundled(model_name), sample, spec)
        trainer = obj(model, bundled("SGD")(lr=sample.init_kwargs["lr"]))
        _fit(trainer, sample, ("xs", "ts"))
        return {"ppl_list": np.asarray(trainer.ppl_list, dtype=np.float64),
                **_first_entries(model.params, spec.order)}
    return run


def run_eval_perplexity(obj, sample):
    spec = LM_SPECS["BetterRnnlm"]
    model = build_lm(bundled("BetterRnnlm"), sample, spec)
    np.random.seed(sample.np_seed)
    with contextlib.redirect_stdout(io.StringIO()):
        ppl = obj(model, sample.inputs["corpus"].copy(), **sample.forward_kwargs)
    return {"ppl": np.asarray(ppl, dtype=np.float64)}


def _names(order) -> tuple[str, ...]:
    return tuple(dict.fromkeys(n for n, t in order if not t))


# Tolerance. Trajectories accumulate rounding over the steps, and the
# oracles' own order of operations differs (torch's fused SGD step, Keras's
# unrolled LSTM, each framework's norm). Measured |a-b| / max|ref| after the
# 4 clipped SGD steps, over 200 (torch) and 40 (Keras) drawn cases per entry
# and dtype: float64 <= 6.7e-16 (Trainer[TwoLayerNet].b2), far inside the
# default 1e-12; float32 <= 6.6e-7 vs torch (RnnlmTrainer[Rnnlm].ba) and
# <= 7.1e-7 vs Keras (Trainer[TwoLayerNet].b2), inside the defaults (F32
# 2e-6; the recurrent entries' F32_BPTT 5e-6).
# One exception needs the floor below: a one-element parameter can pass
# through zero while training (TwoLayerNet's b1 at H=1 ended at 0.0036, off
# by 4.1e-6 relative, over 300 drawn H=1 cases); the parameters, loss_list
# and ppl_list are of order 1, so errors are measured against
# max(max|ref|, 0.25): worst 3.6e-7 with it.
TRAIN_OPERAND_SCALE = 0.25
LM_TRAIN_SIZES = {"N": (1, 3), "T": (1, 4), "V": (2, 8), "D": (1, 5), "H": (1, 6)}
TIED_TRAIN_SIZES = {"N": (1, 3), "T": (1, 4), "V": (2, 8), "H": (1, 5)}
FRAMEWORKS = ("torch", "keras")
HINTS = {
    "loss_list": "each epoch x = x[np.random.permutation(N)] (compounding); max_iters = N // batch_size; "
                 "log the mean since the last log when iters % eval_interval == 0",
    "ppl_list": "batch[i, t] = xs[(i * (L // B) + time_idx + t) % L], time_idx += T per step, reset only "
                "in fit; perplexity = exp(mean loss since the last log); never reset the model state",
    "E": "with weight tying, remove_duplicate must merge embed_W.T into embed_W (gradient transposed) "
         "before clipping: the global norm counts the tied weight once",
    "ppl": "max_iters = (L-1)//(B*T), jump = (L-1)//B, offset = iters*T + i*jump; forward(xs, ts, "
           "train_flg=False) when forward takes train_flg; exp(total / max_iters)",
}
PARAM_HINT = ("final parameters differ: check the step order (forward, backward, remove_duplicate, "
              "clip_grads over ALL grads with one global norm when max_grad is set, update)")

ENTRIES = (
    Component("Trainer", "custom", "trainer", sample_trainer_mlp,
              {"N": (1, 4), "D": (1, 5), "H": (1, 5), "C": (2, 6)}, FRAMEWORKS,
              ("loss_list",) + _names(MLP_ORDER), run=run_trainer("TwoLayerNet", MLP_ORDER),
              variant="TwoLayerNet", operand_scale=TRAIN_OPERAND_SCALE,
              hints={**HINTS, **{n: PARAM_HINT for n in _names(MLP_ORDER)}},
              doc="Trainer.fit on TwoLayerNet, SGD, clipping on, 2 epochs"),
    Component("Trainer", "custom", "trainer", sample_trainer_regressor, {"N": (1, 4), "T": (1, 4), "H": (1, 5)},
              FRAMEWORKS, ("loss_list",) + _names(REGRESSOR_ORDER), recurrent=True,
              run=run_trainer("LstmRegressor", REGRESSOR_ORDER), variant="LstmRegressor",
              operand_scale=TRAIN_OPERAND_SCALE,
              hints={**HINTS, **{n: PARAM_HINT for n in _names(REGRESSOR_ORDER)}},
              doc="the seed example: a noisy sine wave, TimeLSTM + TimeAffine many-to-one"),
    # torch only: the Keras loop is the costliest oracle of the suite, and
    # RnnlmTrainer[BetterRnnlm] runs the same loop against Keras.
    Component("RnnlmTrainer", "custom", "trainer", rnnlm_sample_for("Rnnlm"), LM_TRAIN_SIZES, ("torch",),
              ("ppl_list",) + _names(LM_SPECS["Rnnlm"].order), recurrent=True,
              run=run_rnnlm_trainer("Rnnlm"), variant="Rnnlm", operand_scale=TRAIN_OPERAND_SCALE,
              hints={**HINTS, **{n: PARAM_HINT for n in _names(LM_SPECS["Rnnlm"].order)}}),
    Component("RnnlmTrainer", "custom", "trainer", rnnlm_sample_for("BetterRnnlm"), TIED_TRAIN_SIZES, FRAMEWORKS,
              ("ppl_list",) + _names(LM_SPECS["BetterRnnlm"].order), recurrent=True,
              run=run_rnnlm_trainer("BetterRnnlm"), variant="BetterRnnlm", operand_scale=TRAIN_OPERAND_SCALE,
              hints={**HINTS, **{n: PARAM_HINT for n in _names(LM_SPECS["BetterRnnlm"].order)},
                     "E": HINTS["E"]},
              doc="two LSTMs, dropout masks replayed, tied weights, clipping"),
    # torch only: a forward-only loop; the Keras BetterRnnlm is judged by the entries above.
    Component("eval_perplexity", "custom", "trainer", sample_eval_perplexity, TIED_TRAIN_SIZES, ("torch",),
              ("ppl",), recurrent=True, run=run_eval_perplexity, hints=HINTS,
              operand_scale=TRAIN_OPERAND_SCALE,
              doc="BetterRnnlm in eval mode, state carried across iterations"),
)

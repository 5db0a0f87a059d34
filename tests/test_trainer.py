"""Training-loop behaviour the registry cannot express, on recording stub models.

The generated conformance tests compare whole training runs (loss_list /
ppl_list and final parameters) with torch and Keras loops over the same
batches (reference/registry/training.py). Here: the batch order and the
logging rule step by step, time_idx and state handling, eval_perplexity's
offsets and its train_flg fallback, argument checks, plot() without
matplotlib, and that the registry's max_grad really clips.
"""
from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

from scratch_layers import trainer as trainer_module
from scratch_layers.optimizer import SGD
from scratch_layers.rnnlm import BetterRnnlm, Rnnlm
from scratch_layers.trainer import RnnlmTrainer, Trainer, eval_perplexity


class Recorder:
    """A model whose loss at step k is LOSSES[k]; it records every batch and call."""

    LOSSES = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0)

    def __init__(self):
        self.params, self.grads = [np.zeros(2)], [np.zeros(2)]
        self.batches, self.calls = [], []

    def forward(self, x, t):
        self.batches.append((np.array(x, copy=True), np.array(t, copy=True)))
        self.calls.append("forward")
        return self.LOSSES[len(self.batches) - 1]

    def backward(self, dout=1):
        self.calls.append("backward")
        self.grads[0][...] = 1.0

    def reset_state(self):
        self.calls.append("reset_state")


def _fit_quietly(trainer, *args, **kwargs):
    trainer.fit(*args, verbose=False, **kwargs)
    return trainer


def test_trainer_batches_follow_compounding_permutations():
    """Each epoch x = x[np.random.permutation(N)] on the already shuffled data; remainder dropped."""
    N, B = 7, 2
    x, t = np.arange(N) * 10, np.arange(N)
    model = Recorder()
    np.random.seed(42)
    _fit_quietly(Trainer(model, SGD()), x, t, max_epoch=2, batch_size=B, eval_interval=1)
    rs = np.random.RandomState(42)
    order, expected = np.arange(N), []
    for _ in range(2):
        order = order[rs.permutation(N)]
        expected += [order[i * B:(i + 1) * B] for i in range(N // B)]
    assert len(model.batches) == 2 * (N // B)
    for (bx, bt), rows in zip(model.batches, expected):
        np.testing.assert_array_equal(bt, rows)
        np.testing.assert_array_equal(bx, rows * 10)


def test_trainer_logs_every_eval_interval_with_a_single_batch_first():
    model = Recorder()
    tr = _fit_quietly(Trainer(model, SGD()), np.zeros((6, 1)), np.zeros(6), max_epoch=2, batch_size=2,
                      eval_interval=2)
    # 3 iterations per epoch: logs at iters 0 and 2 of each epoch
    assert tr.loss_list == [1.0, (2.0 + 4.0) / 2, 8.0, (16.0 + 32.0) / 2]
    assert tr.eval_interval == 2 and tr.current_epoch == 2


def test_trainer_running_mean_straddles_epochs():
    model = Recorder()
    tr = _fit_quietly(Trainer(model, SGD()), np.zeros((4, 1)), np.zeros(4), max_epoch=2, batch_size=2,
                      eval_interval=2)
    # 2 iterations per epoch: logs at iters 0 only; iteration 1 joins the next epoch's first
    assert tr.loss_list == [1.0, (2.0 + 4.0) / 2]


def test_trainer_fit_restarts_loss_list_and_none_logs_nothing():
    tr = _fit_quietly(Trainer(Recorder(), SGD()), np.zeros((4, 1)), np.zeros(4), max_epoch=1, batch_size=2,
                      eval_interval=None)
    assert tr.loss_list == []


def test_trainer_step_order_and_clip_only_when_asked(monkeypatch):
    seen = []
    monkeypatch.setattr(trainer_module, "clip_grads", lambda grads, max_norm: seen.append(("clip", max_norm)))
    real_dedup = trainer_module.remove_duplicate
    monkeypatch.setattr(trainer_module, "remove_duplicate",
                        lambda p, g: seen.append(("dedup",)) or real_dedup(p, g))
    model = Recorder()
    _fit_quietly(Trainer(model, SGD(lr=0.5)), np.zeros((2, 1)), np.zeros(2), max_epoch=1, batch_size=2)
    assert seen == [("dedup",)]
    np.testing.assert_array_equal(model.params[0], -0.5)  # SGD applied the recorded grad
    seen.clear()
    _fit_quietly(Trainer(Recorder(), SGD()), np.zeros((2, 1)), np.zeros(2), max_epoch=1, batch_size=2,
                 max_grad=0.25)
    assert seen == [("dedup",), ("clip", 0.25)]


def test_trainer_refuses_bad_arguments():
    with pytest.raises(ValueError, match="Trainer.fit: batch_size 5 is larger than the data"):
        Trainer(Recorder(), SGD()).fit(np.zeros((4, 1)), np.zeros(4), batch_size=5, verbose=False)
    with pytest.raises(ValueError, match="Trainer.fit: eval_interval"):
        Trainer(Recorder(), SGD()).fit(np.zeros((4, 1)), np.zeros(4), batch_size=2, eval_interval=0)
    with pytest.raises(ValueError, match="x and t must hold the same number of samples"):
        Trainer(Recorder(), SGD()).fit(np.zeros((4, 1)), np.zeros(3), batch_size=2)


def test_rnnlm_trainer_batches_offsets_and_time_idx():
    L, B, T = 13, 3, 2  # jump 4, max_iters 2
    xs, ts = np.arange(L), np.arange(L) + 100
    model = Recorder()
    tr = _fit_quietly(RnnlmTrainer(model, SGD()), xs, ts, max_epoch=2, batch_size=B, time_size=T, eval_interval=1)
    assert len(model.batches) == 2 * 2 and tr.time_idx == 4 * T
    for step, (bx, bt) in enumerate(model.batches):
        expected = (np.arange(B)[:, None] * (L // B) + step * T + np.arange(T)[None, :]) % L
        np.testing.assert_array_equal(bx, expected)
        np.testing.assert_array_equal(bt, expected + 100)
    assert tr.ppl_list == pytest.approx([math.exp(v) for v in Recorder.LOSSES[:4]])


def test_rnnlm_trainer_resets_time_idx_at_each_fit_and_never_the_state():
    xs = np.arange(12)
    model = Recorder()
    tr = RnnlmTrainer(model, SGD())
    _fit_quietly(tr, xs, xs, max_epoch=1, batch_size=2, time_size=3)
    first_fit = [bx for bx, _ in model.batches]
    model.batches.clear()
    _fit_quietly(tr, xs, xs, max_epoch=1, batch_size=2, time_size=3)
    for a, b in zip(first_fit, (bx for bx, _ in model.batches)):
        np.testing.assert_array_equal(a, b)
    assert "reset_state" not in model.calls


def test_rnnlm_trainer_refuses_a_corpus_shorter_than_a_batch():
    with pytest.raises(ValueError, match="shorter than one batch of batch_size \\* time_size = 12"):
        RnnlmTrainer(Recorder(), SGD()).fit(np.arange(10), np.arange(10), batch_size=3, time_size=4)


class PlainForward:
    """forward(xs, ts) without train_flg (like Rnnlm); records the batches."""

    def __init__(self):
        self.seen = []

    def forward(self, xs, ts):
        self.seen.append((xs.copy(), ts.copy()))
        return float(len(self.seen))


class FlaggedForward(PlainForward):
    def forward(self, xs, ts, train_flg=True):
        self.seen.append((xs.copy(), ts.copy(), train_flg))
        return float(len(self.seen))


def test_eval_perplexity_offsets_and_fallback_without_train_flg():
    L, B, T = 15, 2, 3  # max_iters = 14 // 6 = 2, jump = 7
    corpus = np.arange(L) * 2
    model = PlainForward()
    ppl = eval_perplexity(model, corpus, batch_size=B, time_size=T)
    assert len(model.seen) == 2
    for k, (xs, ts) in enumerate(model.seen):
        pos = k * T + np.arange(B)[:, None] * 7 + np.arange(T)[None, :]
        np.testing.assert_array_equal(xs, corpus[pos % L])
        np.testing.assert_array_equal(ts, corpus[(pos + 1) % L])
    assert ppl == pytest.approx(math.exp((1.0 + 2.0) / 2))


def test_eval_perplexity_passes_train_flg_false_when_accepted():
    model = FlaggedForward()
    eval_perplexity(model, np.arange(20), batch_size=2, time_size=3)
    assert [s[2] for s in model.seen] == [False, False, False]


def test_eval_perplexity_does_not_swallow_a_type_error_from_forward():
    class Broken:
        calls = 0

        def forward(self, xs, ts):
            Broken.calls += 1
            raise TypeError("a bug inside forward")

    with pytest.raises(TypeError, match="a bug inside forward"):
        eval_perplexity(Broken(), np.arange(20), batch_size=2, time_size=3)
    assert Broken.calls == 1, "forward must not be retried (a stateful model would advance twice)"


def test_eval_perplexity_with_the_books_models():
    corpus = np.random.default_rng(0).integers(0, 7, 40)
    np.random.seed(1)
    plain = Rnnlm(7, 4, 5, dtype="float64")  # forward(xs, ts): the fallback
    assert eval_perplexity(plain, corpus, 2, 4) > 1.0
    better = BetterRnnlm(7, 5, 5, dtype="float64")
    state = np.random.get_state()[1].copy()
    first = eval_perplexity(better, corpus, 2, 4)
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # no dropout masks drawn
    better.reset_state()
    assert eval_perplexity(better, corpus, 2, 4) == first


def test_eval_perplexity_refuses_a_corpus_without_a_full_batch():
    with pytest.raises(ValueError, match="too short for one batch"):
        eval_perplexity(PlainForward(), np.arange(6), batch_size=2, time_size=3)


@pytest.mark.parametrize("cls, attr", [(Trainer, "loss_list"), (RnnlmTrainer, "ppl_list")])
def test_plot_without_matplotlib_says_so(monkeypatch, cls, attr):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=f"{cls.__name__}.plot needs matplotlib.*pip install matplotlib"):
        cls(Recorder(), SGD()).plot()


def test_importing_the_trainer_does_not_import_matplotlib():
    code = "import sys, scratch_layers.trainer, scratch_layers.util; sys.exit('matplotlib' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


@pytest.mark.framework("torch")
@pytest.mark.parametrize("entry", ["Trainer[TwoLayerNet]", "Trainer[LstmRegressor]", "RnnlmTrainer[Rnnlm]",
                                   "RnnlmTrainer[BetterRnnlm]"])
def test_registry_max_grad_really_clips(entry):
    """A missing or per-tensor clip can only be caught if the global norm exceeds max_grad somewhere."""
    from reference import oracles, registry
    from reference.registry.cases import TELLING_SIZES, UNIT_SIZES, Case, fixed_sizes

    component = registry.get(entry)
    for base in (TELLING_SIZES, UNIT_SIZES):
        sample = component.sample(Case("float64", fixed_sizes(component.sizes, base), 20261122))
        norms = oracles.run("torch", component, sample)["_grad_norms"]
        max_grad = sample.forward_kwargs["max_grad"]
        assert (norms > max_grad).any(), f"{entry}: no step clipped (norms {norms}, max_grad {max_grad})"

"""Training loops (the book's ``common/trainer.py``): Trainer, RnnlmTrainer, eval_perplexity.

A model here is anything with ``params`` and ``grads`` (lists, same order,
grads written in place by ``backward``), ``forward(x, t) -> loss`` and
``backward()``; an optimizer anything with ``update(params, grads)``.
Every step is

    loss = model.forward(x_batch, t_batch); model.backward()
    params, grads = remove_duplicate(model.params, model.grads)  # shared / tied weights once
    clip_grads(grads, max_grad)            # only when max_grad is not None: one global norm
    optimizer.update(params, grads)

Batch order (api.md), reproducible from the global legacy ``np.random``:

- ``Trainer``: at the start of every epoch ``idx = np.random.permutation(N)``
  reorders the data it already holds (``x = x[idx]``), so the shuffles
  compound across epochs; the batches are consecutive slices, and the last
  ``N % batch_size`` samples of the epoch's order are dropped.
- ``RnnlmTrainer``: no shuffling. Row i of a batch reads the corpus from
  offset ``i * (len // batch_size)``; ``time_idx`` advances by one per time
  step and wraps around the corpus, and goes back to 0 at each ``fit`` only.
  The model's recurrent state is never reset by the trainer (truncated
  BPTT: the state flows from batch to batch, gradients do not).

Progress: every ``eval_interval`` iterations (``iters % eval_interval ==
0``, so the first log covers one batch) the mean loss since the previous
log is printed and appended to ``loss_list`` (Trainer) or its exponential,
the perplexity, to ``ppl_list`` (RnnlmTrainer). The running sum is not
reset at epoch boundaries. ``eval_interval=None`` logs nothing.
"""
from __future__ import annotations

import inspect
import math
import time

from scratch_layers.backend import np
# Imported from their home module: scratch_layers.util re-exports them and
# also re-exports eval_perplexity from here, so importing util here would be
# a cycle.
from scratch_layers.grad_utils import clip_grads, remove_duplicate

__all__ = ["Trainer", "RnnlmTrainer", "eval_perplexity"]


def _positive_int(owner: str, name: str, value) -> int:
    if isinstance(value, bool) or int(value) != value or value < 1:
        raise ValueError(f"{owner}: {name} must be a positive integer; got {value!r}")
    return int(value)


def _check_interval(owner: str, eval_interval) -> None:
    if eval_interval is not None:
        _positive_int(owner, "eval_interval (or None)", eval_interval)


def _step(model, optimizer, x, t, max_grad):
    """One forward, backward, de-duplication, optional clip and update; returns the loss."""
    loss = model.forward(x, t)
    model.backward()
    params, grads = remove_duplicate(model.params, model.grads)
    if max_grad is not None:
        clip_grads(grads, max_grad)
    optimizer.update(params, grads)
    return loss


def _plot(values, eval_interval, ylabel, ylim, owner, attribute):
    try:
        import matplotlib.pyplot as plt  # lazily: training must not need matplotlib
    except ImportError as exc:
        raise ImportError(f"{owner}.plot needs matplotlib, which is not installed "
                          f"(pip install matplotlib); the values are in {owner}.{attribute}") from exc
    x = np.arange(len(values))
    if ylim is not None:
        plt.ylim(*ylim)
    plt.plot(x, values, label="train")
    plt.xlabel(f"iterations (x{eval_interval})")
    plt.ylabel(ylabel)
    plt.show()


class Trainer:
    """Mini-batch training with per-epoch shuffling.

    Args: model, optimizer (see the module docstring).
    fit(x (N, ...), t (N, ...), max_epoch=10, batch_size=32, max_grad=None,
    eval_interval=20): max_iters = N // batch_size steps per epoch.
    Attributes: ``loss_list`` (the logged mean losses of the last fit, as
    floats), ``eval_interval``, ``current_epoch`` (epochs run so far, over all fits).
    fit(verbose=False) keeps it silent; the book prints every log line.
    """

    def __init__(self, model, optimizer):
        self.model = model
        self.optimizer = optimizer
        self.loss_list = []
        self.eval_interval = None
        self.current_epoch = 0

    def fit(self, x, t, max_epoch=10, batch_size=32, max_grad=None, eval_interval=20, verbose=True):
        owner = "Trainer.fit"
        batch_size = _positive_int(owner, "batch_size", batch_size)
        _check_interval(owner, eval_interval)
        x, t = np.asarray(x), np.asarray(t)
        data_size = len(x)
        if len(t) != data_size:
            raise ValueError(f"{owner}: x and t must hold the same number of samples; got {data_size} and {len(t)}")
        max_iters = data_size // batch_size
        if max_iters == 0:
            raise ValueError(f"{owner}: batch_size {batch_size} is larger than the data ({data_size} samples): "
                             "no full batch to train on")
        self.eval_interval = eval_interval
        self.loss_list = []
        total_loss, loss_count = 0.0, 0
        start = time.time()
        for _ in range(max_epoch):
            idx = np.random.permutation(data_size)
            x, t = x[idx], t[idx]  # compounding: the next epoch shuffles this order
            for iters in range(max_iters):
                rows = slice(iters * batch_size, (iters + 1) * batch_size)
                total_loss += float(_step(self.model, self.optimizer, x[rows], t[rows], max_grad))
                loss_count += 1
                if eval_interval is not None and iters % eval_interval == 0:
                    avg = total_loss / loss_count
                    if verbose:
                        print(f"| epoch {self.current_epoch + 1} |  iter {iters + 1} / {max_iters} | "
                              f"time {time.time() - start:.0f}[s] | loss {avg:.2f}")
                    self.loss_list.append(avg)
                    total_loss, loss_count = 0.0, 0
            self.current_epoch += 1

    def plot(self, ylim=None):
        """Plots ``loss_list`` (needs matplotlib, imported here, not at module import)."""
        _plot(self.loss_list, self.eval_interval, "loss", ylim, "Trainer", "loss_list")


class RnnlmTrainer:
    """Truncated-BPTT training of a language model over one long corpus.

    Args: model (with a stateful recurrent layer), optimizer.
    fit(xs (L,) word ids, ts (L,) the next ids, max_epoch=10, batch_size=20,
    time_size=35, max_grad=None, eval_interval=20): max_iters = L // (B*T)
    steps per epoch; batch_x[i, t] = xs[(i * (L // B) + time_idx + t) % L],
    likewise ts; ``time_idx`` advances by T per step, starts at 0 in each fit.
    Attributes: ``ppl_list`` (perplexities exp(mean loss) of the last fit),
    ``time_idx``, ``eval_interval``, ``current_epoch``.
    fit(verbose=False) keeps it silent.
    """

    def __init__(self, model, optimizer):
        self.model = model
        self.optimizer = optimizer
        self.time_idx = None
        self.ppl_list = []
        self.eval_interval = None
        self.current_epoch = 0

    def get_batch(self, x, t, batch_size, time_size):
        """(batch_x, batch_t), each (batch_size, time_size), at the current ``time_idx``; advances it."""
        data_size = len(x)
        jump = data_size // batch_size
        offsets = np.arange(batch_size) * jump
        positions = (offsets[:, None] + self.time_idx + np.arange(time_size)[None, :]) % data_size
        self.time_idx += time_size
        return x[positions], t[positions]

    def fit(self, xs, ts, max_epoch=10, batch_size=20, time_size=35, max_grad=None, eval_interval=20,
            verbose=True):
        owner = "RnnlmTrainer.fit"
        batch_size = _positive_int(owner, "batch_size", batch_size)
        time_size = _positive_int(owner, "time_size", time_size)
        _check_interval(owner, eval_interval)
        xs, ts = np.asarray(xs), np.asarray(ts)
        data_size = len(xs)
        if len(ts) != data_size:
            raise ValueError(f"{owner}: xs and ts must have the same length; got {data_size} and {len(ts)}")
        max_iters = data_size // (batch_size * time_size)
        if max_iters == 0:
            raise ValueError(f"{owner}: the corpus ({data_size} ids) is shorter than one batch of "
                             f"batch_size * time_size = {batch_size * time_size}")
        self.time_idx = 0
        self.ppl_list = []
        self.eval_interval = eval_interval
        total_loss, loss_count = 0.0, 0
        start = time.time()
        for _ in range(max_epoch):
            for iters in range(max_iters):
                batch_x, batch_t = self.get_batch(xs, ts, batch_size, time_size)
                total_loss += float(_step(self.model, self.optimizer, batch_x, batch_t, max_grad))
                loss_count += 1
                if eval_interval is not None and iters % eval_interval == 0:
                    ppl = math.exp(total_loss / loss_count)
                    if verbose:
                        print(f"| epoch {self.current_epoch + 1} |  iter {iters + 1} / {max_iters} | "
                              f"time {time.time() - start:.0f}[s] | perplexity {ppl:.2f}")
                    self.ppl_list.append(ppl)
                    total_loss, loss_count = 0.0, 0
            self.current_epoch += 1

    def plot(self, ylim=None):
        """Plots ``ppl_list`` (needs matplotlib, imported here, not at module import)."""
        _plot(self.ppl_list, self.eval_interval, "perplexity", ylim, "RnnlmTrainer", "ppl_list")


def _accepts_train_flg(forward) -> bool:
    try:
        parameters = inspect.signature(forward).parameters.values()
    except (TypeError, ValueError):  # no signature (a builtin): call it the plain way
        return False
    return any(p.name == "train_flg" or p.kind is p.VAR_KEYWORD for p in parameters)


def eval_perplexity(model, corpus, batch_size=10, time_size=35, verbose=False):
    """Perplexity exp(mean loss) of ``model`` over ``corpus`` (L,) word ids, without training.

    max_iters = (L - 1) // (B*T), jump = (L - 1) // B; step k reads
    xs[i, t] = corpus[(k*T + i*jump + t) % L] and ts[i, t] = corpus[(k*T + i*jump + t + 1) % L].
    Calls ``model.forward(xs, ts, train_flg=False)`` when forward takes a
    ``train_flg`` (dropout off), else ``model.forward(xs, ts)``. The choice
    is made from forward's signature, not by catching a TypeError: a
    TypeError raised inside forward must surface, and a retried forward
    would advance a stateful model twice. The model's state is neither reset
    before nor after (reset it yourself to evaluate from zeros).
    """
    owner = "eval_perplexity"
    batch_size = _positive_int(owner, "batch_size", batch_size)
    time_size = _positive_int(owner, "time_size", time_size)
    corpus = np.asarray(corpus)
    corpus_size = len(corpus)
    max_iters = (corpus_size - 1) // (batch_size * time_size)
    if max_iters == 0:
        raise ValueError(f"{owner}: the corpus ({corpus_size} ids) is too short for one batch of "
                         f"batch_size * time_size = {batch_size * time_size} inputs plus one target")
    jump = (corpus_size - 1) // batch_size
    with_flag = _accepts_train_flg(model.forward)
    steps = np.arange(time_size)[None, :]
    total_loss = 0.0
    for iters in range(max_iters):
        offsets = iters * time_size + np.arange(batch_size)[:, None] * jump
        xs = corpus[(offsets + steps) % corpus_size]
        ts = corpus[(offsets + steps + 1) % corpus_size]
        loss = model.forward(xs, ts, train_flg=False) if with_flag else model.forward(xs, ts)
        total_loss += float(loss)
        if verbose:
            print(f"\revaluating perplexity {iters + 1} / {max_iters}", end="")
    if verbose:
        print()
    return math.exp(total_loss / max_iters)

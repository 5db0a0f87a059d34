"""The diagnosis benchmark's buggy implementations: realistic student bugs in a book-style ``common/``.

Each bug is one edit of ``tests/fixtures/book_like/common`` (plus ``extra/``:
book-style optimizers and clip_grads written for this benchmark): ``old`` is
replaced by ``new`` in ``file`` (``old`` must occur exactly once). ``cause``
is the true cause: the catalogue id that names it
(``reference.diagnostics.mistakes``), or None when no catalogue entry
describes it (``truth`` says what it is in words; any cause stated for such
a bug is a wrong one). ``component`` is where the bug shows first;
``only`` the components judged. These bugs are kept apart from the
catalogue's own tests and fixtures on purpose: they measure the matcher and
the repair search, they do not train them.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bug:
    id: str
    file: str
    old: str
    new: str
    component: str
    cause: str | None
    truth: str
    only: tuple[str, ...] = ()


RNN_GRADS = """        self.grads[0][...] = np.dot(x.T, dt)
        self.grads[1][...] = np.dot(h_prev.T, dt)
        self.grads[2][...] = np.sum(dt, axis=0)
        return np.dot(dt, Wx.T), np.dot(dt, Wh.T)"""
TIME_RNN_TAIL = """            dxs[:, t, :] = dx
            for i, grad in enumerate(layer.grads):
                grads[i] += grad
        for i, grad in enumerate(grads):
            self.grads[i][...] = grad
        self.dh = dh
        return dxs

    def set_state(self, h):"""
TIME_LSTM_TAIL = """        for i, grad in enumerate(grads):
            self.grads[i][...] = grad
        self.dh = dh
        return dxs

    def set_state(self, h, c=None):"""

BUGS = [
    # -- RNN cell ------------------------------------------------------------------------
    Bug("rnn-dx-dWx", "time_layers.py", RNN_GRADS, """        dWx = np.dot(x.T, dt)
        dWh = np.dot(h_prev.T, dt)
        db = np.sum(dt, axis=0)
        self.grads[0][...] = dWx
        self.grads[1][...] = dWh
        self.grads[2][...] = db
        return np.dot(dt, dWx.T), np.dot(dt, Wh.T)""", "RNN", "rnn-dx-uses-dWx",
        "dx uses the local dWx where Wx belongs", ("RNN",)),
    Bug("rnn-no-tanh-grad", "time_layers.py", "        dt = dh_next * (1 - h_next ** 2)", "        dt = dh_next",
        "RNN", "rnn-no-tanh-derivative", "tanh's derivative left out", ("RNN",)),
    Bug("rnn-tanh-again", "time_layers.py", "        dt = dh_next * (1 - h_next ** 2)",
        "        dt = dh_next * (1 - np.tanh(h_next) ** 2)", "RNN", "rnn-tanh-applied-again",
        "tanh applied again to the cached output", ("RNN",)),
    Bug("rnn-dWh-h-next", "time_layers.py", "        self.grads[1][...] = np.dot(h_prev.T, dt)",
        "        self.grads[1][...] = np.dot(h_next.T, dt)", "RNN", "rnn-dWh-uses-h-next",
        "dWh uses h_next", ("RNN",)),
    Bug("rnn-db-mean", "time_layers.py", "        self.grads[2][...] = np.sum(dt, axis=0)",
        "        self.grads[2][...] = np.mean(dt, axis=0)", "RNN", "rnn-db-mean", "db averaged", ("RNN",)),
    Bug("rnn-dh-prev-Wh", "time_layers.py", "        return np.dot(dt, Wx.T), np.dot(dt, Wh.T)",
        "        return np.dot(dt, Wx.T), np.dot(dt, Wh)", "RNN", "rnn-dh-prev-untransposed",
        "dh_prev uses Wh, not Wh.T", ("RNN",)),
    # -- TimeRNN -------------------------------------------------------------------------
    Bug("timernn-forward-loop", "time_layers.py", """        for t in reversed(range(T)):
            layer = self.layers[t]
            dx, dh = layer.backward(dhs[:, t, :] + dh)""", """        for t in range(T):
            layer = self.layers[t]
            dx, dh = layer.backward(dhs[:, t, :] + dh)""", "TimeRNN", "time-backward-loop-forward",
        "backward loops forward in time", ("TimeRNN",)),
    Bug("timernn-dh-not-carried", "time_layers.py", "            dx, dh = layer.backward(dhs[:, t, :] + dh)",
        "            dx, dh = layer.backward(dhs[:, t, :])", "TimeRNN", "time-dh-not-carried",
        "dh not carried between steps", ("TimeRNN",)),
    Bug("timernn-grads-assigned", "time_layers.py", TIME_RNN_TAIL,
        TIME_RNN_TAIL.replace("grads[i] += grad", "grads[i] = grad"), "TimeRNN", "time-grads-assigned",
        "grads assigned per step, not summed", ("TimeRNN",)),
    Bug("timernn-state-reset", "time_layers.py", "            self.h = layer.forward(xs[:, t, :], self.h)",
        "            self.h = layer.forward(xs[:, t, :], np.zeros((N, H), dtype='f'))", "TimeRNN",
        "time-state-reset-each-step", "every step starts from zeros", ("TimeRNN",)),
    Bug("timernn-dh-not-stored", "time_layers.py", TIME_RNN_TAIL, TIME_RNN_TAIL.replace("        self.dh = dh\n", ""),
        "TimeRNN", "time-dh0-not-stored", "self.dh never stored", ("TimeRNN",)),
    # -- LSTM cell -------------------------------------------------------------------------
    Bug("lstm-dc-next-dropped", "time_layers.py", "        ds = dc_next + (dh_next * o) * (1 - tanh_c_next ** 2)",
        "        ds = (dh_next * o) * (1 - tanh_c_next ** 2)", "LSTM", "lstm-dc-next-dropped",
        "dc_next not added", ("LSTM",)),
    Bug("lstm-dc-prev-no-f", "time_layers.py", "        dc_prev = ds * f", "        dc_prev = ds", "LSTM",
        "lstm-dc-prev-without-f", "dc_prev without the forget gate", ("LSTM",)),
    Bug("lstm-tanh-grad-at-c", "time_layers.py", "        ds = dc_next + (dh_next * o) * (1 - tanh_c_next ** 2)",
        "        ds = dc_next + (dh_next * o) * (1 - c_next ** 2)", "LSTM", "lstm-tanh-derivative-at-c",
        "tanh derivative taken at c", ("LSTM",)),
    Bug("lstm-do-tanh-grad", "time_layers.py", "        do = dh_next * tanh_c_next * o * (1 - o)",
        "        do = dh_next * tanh_c_next * (1 - o ** 2)", "LSTM", "lstm-o-tanh-derivative",
        "do uses tanh's derivative", ("LSTM",)),
    Bug("lstm-backward-gates", "time_layers.py", "        dA = np.hstack((df, dg, di, do))",
        "        dA = np.hstack((df, di, dg, do))", "LSTM", "lstm-backward-gate-order",
        "gate gradients stacked in another order than forward", ("LSTM",)),
    Bug("lstm-dg-no-tanh-grad", "time_layers.py", "        dg = ds * i * (1 - g ** 2)", "        dg = ds * i", "LSTM",
        "lstm-g-missing-tanh-derivative", "dg without tanh's derivative", ("LSTM",)),
    Bug("lstm-i-reads-g-block", "time_layers.py", "        i = sigmoid(A[:, 2 * H:3 * H])",
        "        i = sigmoid(A[:, H:2 * H])", "LSTM", "lstm-i-reads-g-block",
        "the input gate reads the g block: i = sigmoid(A[:, H:2H]); written with no catalogue entry for it, "
        "one with this very id appeared in the catalogue later (not independent any more)", ("LSTM",)),
    # -- TimeLSTM --------------------------------------------------------------------------
    Bug("timelstm-dc-not-carried", "time_layers.py", "            dx, dh, dc = layer.backward(dhs[:, t, :] + dh, dc)",
        "            dx, dh, dc = layer.backward(dhs[:, t, :] + dh, 0)", "TimeLSTM", "time-dc-not-carried",
        "dc not carried", ("TimeLSTM",)),
    Bug("timelstm-last-grads", "time_layers.py", TIME_LSTM_TAIL,
        TIME_LSTM_TAIL.replace("enumerate(grads)", "enumerate(self.layers[-1].grads)"), "TimeLSTM",
        "time-last-step-grads-only", "only the last step's (t = T-1) grads kept",
        ("TimeLSTM",)),
    Bug("timelstm-stateful-ignored", "time_layers.py", """        if not self.stateful or self.h is None:
            self.h = np.zeros((N, H), dtype='f')
        if not self.stateful or self.c is None:
            self.c = np.zeros((N, H), dtype='f')""", """        self.h = np.zeros((N, H), dtype='f')
        self.c = np.zeros((N, H), dtype='f')""", "TimeLSTM[stateful-3-calls]", "time-stateful-ignored",
        "stateful ignored", ("TimeLSTM",)),
    # -- layers ----------------------------------------------------------------------------
    Bug("affine-dx-dW", "layers.py", """        dx = np.dot(dout, W.T)
        self.grads[0][...] = np.dot(self.x.T, dout)
        self.grads[1][...] = np.sum(dout, axis=0)
        return dx""", """        dW = np.dot(self.x.T, dout)
        db = np.sum(dout, axis=0)
        dx = np.dot(dout, dW.T)
        self.grads[0][...] = dW
        self.grads[1][...] = db
        return dx""", "Affine", "affine-dx-uses-dW", "dx uses dW", ("Affine",)),
    Bug("affine-db-mean", "layers.py", """        self.grads[1][...] = np.sum(dout, axis=0)
        return dx


class Softmax""", """        self.grads[1][...] = np.mean(dout, axis=0)
        return dx


class Softmax""", "Affine", "affine-db-mean", "db averaged", ("Affine",)),
    Bug("affine-no-bias", "layers.py", "        return np.dot(x, W) + b", "        return np.dot(x, W)", "Affine",
        "affine-no-bias", "bias left out", ("Affine",)),
    Bug("matmul-dx-dW", "layers.py", """        dx = np.dot(dout, W.T)
        dW = np.dot(self.x.T, dout)""", """        dW = np.dot(self.x.T, dout)
        dx = np.dot(dout, dW.T)""", "MatMul", "matmul-dx-uses-dW", "dx uses dW", ("MatMul",)),
    Bug("softmax-grad-diagonal", "layers.py", """        sumdx = np.sum(dx, axis=1, keepdims=True)
        dx -= self.out * sumdx
        return dx""", """        return dx * (1 - self.out)""", "Softmax", "softmax-grad-diagonal",
        "diagonal of the Jacobian only", ("Softmax",)),
    Bug("softmax-grad-sum-all", "layers.py", "        sumdx = np.sum(dx, axis=1, keepdims=True)",
        "        sumdx = np.sum(dx)", "Softmax", "softmax-grad-sum-all", "sum over the whole batch", ("Softmax",)),
    Bug("swl-dx-not-averaged", "layers.py", """        dx *= dout
        dx = dx / batch_size
        return dx""", """        dx *= dout
        return dx""", "SoftmaxWithLoss", "softmax-loss-dx-not-averaged", "dx not divided by N",
        ("SoftmaxWithLoss",)),
    Bug("sigmoid-loss-sign", "layers.py", "        return (self.y - self.t) * dout / batch_size",
        "        return (self.t - self.y) * dout / batch_size", "SigmoidWithLoss", "sigmoid-loss-dx-sign",
        "dx sign flipped", ("SigmoidWithLoss",)),
    Bug("embedding-assigns", "layers.py", "        np.add.at(dW, self.idx, dout)", "        dW[self.idx] = dout",
        "Embedding", "embedding-assigns", "repeated ids assigned, not accumulated", ("Embedding",)),
    Bug("dropout-below-ratio", "layers.py", "            self.mask = np.random.rand(*x.shape) > self.dropout_ratio",
        "            self.mask = np.random.rand(*x.shape) < self.dropout_ratio", "Dropout[train]",
        "dropout-keeps-below-ratio", "keeps rand < ratio", ("Dropout",)),
    # -- functions -------------------------------------------------------------------------
    Bug("cee-sums", "functions.py", "    return -np.sum(np.log(y[np.arange(batch_size), t] + 1e-7)) / batch_size",
        "    return -np.sum(np.log(y[np.arange(batch_size), t] + 1e-7))", "cross_entropy_error", "cee-sums",
        "sums instead of averaging", ("cross_entropy_error",)),
    Bug("sigmoid-sign", "functions.py", "    return 1 / (1 + np.exp(-x))", "    return 1 / (1 + np.exp(x))",
        "sigmoid", "sigmoid-sign", "exp(x) for exp(-x)", ("sigmoid",)),
    # -- time layers -----------------------------------------------------------------------
    Bug("timeaffine-db-mean", "time_layers.py", "        self.grads[1][...] = np.sum(dout, axis=0)",
        "        self.grads[1][...] = np.mean(dout, axis=0)", "TimeAffine", "time-affine-db-mean", "db averaged",
        ("TimeAffine",)),
    Bug("timeembedding-grad-assigned", "time_layers.py", "            grad += layer.grads[0]",
        "            grad = layer.grads[0]", "TimeEmbedding", None,
        "dW keeps only the last step's embedding gradient (grad = instead of +=)", ("TimeEmbedding",)),
    Bug("tswl-grad-not-masked", "time_layers.py", "        dx *= mask[:, np.newaxis]\n", "",
        "TimeSoftmaxWithLoss[ignored-labels]", "tswl-gradient-not-masked", "gradient not masked",
        ("TimeSoftmaxWithLoss",)),
    # -- optimizers and clipping (extra/) ---------------------------------------------------
    Bug("sgd-uphill", "optimizer.py", """            params[i] -= self.lr * grads[i]


class Momentum""", """            params[i] += self.lr * grads[i]


class Momentum""", "SGD", "optimizer-uphill", "moves uphill", ("SGD",)),
    Bug("momentum-overwritten", "optimizer.py", "            self.v[i] = self.momentum * self.v[i] - self.lr * grads[i]",
        "            self.v[i] = - self.lr * grads[i]", "Momentum", "momentum-velocity-overwritten",
        "velocity overwritten", ("Momentum",)),
    Bug("adagrad-eps-inside", "optimizer.py", """            params[i] -= self.lr * grads[i] / (np.sqrt(self.h[i]) + 1e-7)


class RMSprop""", """            params[i] -= self.lr * grads[i] / np.sqrt(self.h[i] + 1e-7)


class RMSprop""", "AdaGrad", "epsilon-inside-sqrt", "epsilon inside sqrt", ("AdaGrad",)),
    Bug("adagrad-h-overwritten", "optimizer.py", "            self.h[i] += grads[i] * grads[i]",
        "            self.h[i] = grads[i] * grads[i]", "AdaGrad", "adagrad-h-overwritten", "h overwritten",
        ("AdaGrad",)),
    Bug("adam-no-bias-correction", "optimizer.py",
        "        lr_t = self.lr * np.sqrt(1.0 - self.beta2 ** self.iter) / (1.0 - self.beta1 ** self.iter)",
        "        lr_t = self.lr", "Adam", "adam-no-bias-correction", "no bias correction", ("Adam",)),
    Bug("adam-betas-swapped", "optimizer.py", """            self.m[i] += (1 - self.beta1) * (grads[i] - self.m[i])
            self.v[i] += (1 - self.beta2) * (grads[i] ** 2 - self.v[i])""",
        """            self.m[i] += (1 - self.beta2) * (grads[i] - self.m[i])
            self.v[i] += (1 - self.beta1) * (grads[i] ** 2 - self.v[i])""", "Adam", "adam-betas-swapped",
        "betas swapped", ("Adam",)),
    Bug("clip-per-tensor", "util.py", """    total_norm = 0
    for grad in grads:
        total_norm += np.sum(grad ** 2)
    total_norm = np.sqrt(total_norm)
    rate = max_norm / (total_norm + 1e-6)
    if rate < 1:
        for grad in grads:
            grad *= rate""", """    for grad in grads:
        norm = np.sqrt(np.sum(grad ** 2))
        rate = max_norm / (norm + 1e-6)
        if rate < 1:
            grad *= rate""", "clip_grads", "clip-per-tensor", "each tensor clipped by its own norm", ("clip_grads",)),
    Bug("clip-wrong-comparison", "util.py", "    if rate < 1:", "    if rate > 1:", "clip_grads",
        "clip-wrong-comparison", "clips when below max_norm", ("clip_grads",)),
]

"""Mistakes in the recurrent step formulas (RNN, LSTM, GRU cells).

Each applies to the cell and to its Time wrapper: a student's TimeLSTM that
steps their own wrong LSTM computes what the correct loop
(``recurrent.TimeWrapper``) computes around the wrong cell.
"""
from __future__ import annotations

import numpy as np

from reference.diagnostics.mistakes import recurrent as R
from reference.diagnostics.mistakes.entry import Mistake


def _cell_mistake(mistake_id: str, kind: str, sentence: str, cell_cls, wrapper: bool = True) -> Mistake:
    """wrapper=False: through the Time wrapper the mistake looks like a wrapper's (``wrappers`` names it)."""
    def build(name: str):
        return cell_cls if name == kind else R.wrapped(cell_cls, kind)
    return Mistake(mistake_id, (kind, f"Time{kind}") if wrapper else (kind,), sentence, build)


# -- RNN ----------------------------------------------------------------------------------------

class RNNDxUsesGrad(R.RNN):
    def dx(self, da):
        return da @ self.grads[0].T


class RNNNoTanhGrad(R.RNN):
    def tanh_grad(self, dh_next, h_next):
        return dh_next


class RNNTanhAgain(R.RNN):
    def tanh_grad(self, dh_next, h_next):
        return dh_next * (1 - np.tanh(h_next) ** 2)


class RNNDhPrevUntransposed(R.RNN):
    def dh_prev(self, da):
        return da @ self.params[1]


class RNNDwhUsesHNext(R.RNN):
    def weight_grads(self, x, h_prev, da):
        return super().weight_grads(x, self.cache[2], da)


class RNNDwhOperandsSwapped(R.RNN):
    def weight_grads(self, x, h_prev, da):
        dWx, _, db = super().weight_grads(x, h_prev, da)
        return [dWx, da.T @ h_prev, db]


class RNNDbMean(R.RNN):
    def weight_grads(self, x, h_prev, da):
        dWx, dWh, _ = super().weight_grads(x, h_prev, da)
        return [dWx, dWh, da.mean(axis=0)]


# -- LSTM ---------------------------------------------------------------------------------------

class LSTMTorchOrder(R.LSTM):
    ORDER = BACKWARD_ORDER = "ifgo"


class LSTMInputGateReadsG(R.LSTM):
    """i = A[:, H:2H], a copy of g's slice; backward stacks [df, dg, di, do] as if the slices were right."""

    def split(self, A, order):
        f, g, _, o = super().split(A, order)
        return f, g, g, o


class LSTMBackwardStacksIG(R.LSTM):
    BACKWARD_ORDER = "figo"


class LSTMNoTanhGradInDc(R.LSTM):
    def dc(self, dh_next, dc_next, o, c_next):
        return dc_next + dh_next * o


class LSTMTanhGradAtC(R.LSTM):
    def dc(self, dh_next, dc_next, o, c_next):
        return dc_next + dh_next * o * (1 - c_next ** 2)


class LSTMDropsDcNext(R.LSTM):
    def dc(self, dh_next, dc_next, o, c_next):
        return super().dc(dh_next, 0 * dc_next, o, c_next)


class LSTMDcPrevWithoutF(R.LSTM):
    def dc_prev(self, ds, f):
        return ds


class LSTMOutputWithoutTanh(R.LSTM):
    def output(self, o, c_next):
        return o * c_next

    def dc(self, dh_next, dc_next, o, c_next):
        return dc_next + dh_next * o

    def gate_grads(self, ds, dh_next, c_prev, f, g, i, o, c_next):
        d = super().gate_grads(ds, dh_next, c_prev, f, g, i, o, c_next)
        d["o"] = dh_next * c_next * o * (1 - o)
        return d


class LSTMGNoTanhGrad(R.LSTM):
    def gate_grads(self, ds, dh_next, c_prev, f, g, i, o, c_next):
        d = super().gate_grads(ds, dh_next, c_prev, f, g, i, o, c_next)
        d["g"] = ds * i
        return d


class LSTMSigmoidGradAsTanh(R.LSTM):
    def gate_grads(self, ds, dh_next, c_prev, f, g, i, o, c_next):
        d = super().gate_grads(ds, dh_next, c_prev, f, g, i, o, c_next)
        d["o"] = dh_next * np.tanh(c_next) * (1 - o ** 2)
        return d


# -- GRU ----------------------------------------------------------------------------------------

class GRUTorchZ(R.GRU):
    Z_WEIGHTS_NEW = False


class GRUResetAfter(R.GRU):
    RESET_BEFORE = False


class GRUCandidateGradUsesH(R.GRU):
    def candidate_weight_input(self, h_prev, r):
        return h_prev


class GRUDhMissesCandidatePath(R.GRU):
    def dh_prev(self, dh_next, w, drh, r, dz, dr, Wh, H):
        return dh_next * (1 - w) + dz @ Wh[:, :H].T + dr @ Wh[:, H:2 * H].T


class GRUDhMissesDirectPath(R.GRU):
    def dh_prev(self, dh_next, w, drh, r, dz, dr, Wh, H):
        return drh * r + dz @ Wh[:, :H].T + dr @ Wh[:, H:2 * H].T


MISTAKES = (
    _cell_mistake("rnn-dx-uses-dWx", "RNN", "your dx uses dWx where Wx belongs: dx = da @ dWx.T instead of "
                  "da @ Wx.T", RNNDxUsesGrad),
    _cell_mistake("rnn-no-tanh-derivative", "RNN", "your backward leaves out tanh's derivative: "
                  "da = dh_next, not dh_next * (1 - h_next**2)", RNNNoTanhGrad),
    _cell_mistake("rnn-tanh-applied-again", "RNN", "your backward applies tanh again to the cached output: "
                  "1 - tanh(h_next)**2, where h_next already is tanh(a): use 1 - h_next**2", RNNTanhAgain),
    _cell_mistake("rnn-dh-prev-untransposed", "RNN", "your dh_prev uses Wh where Wh.T belongs: "
                  "dh_prev = da @ Wh.T", RNNDhPrevUntransposed),
    _cell_mistake("rnn-dWh-uses-h-next", "RNN", "your dWh uses the state the step produced (h_next.T @ da); "
                  "it is h_prev.T @ da, with the state that entered the step", RNNDwhUsesHNext),
    _cell_mistake("rnn-dWh-operands-swapped", "RNN", "your dWh swaps the operands: da.T @ h_prev is the "
                  "transpose of the contract's h_prev.T @ da", RNNDwhOperandsSwapped),
    _cell_mistake("rnn-db-mean", "RNN", "your db averages da over the batch; the contract sums it "
                  "(da.sum(axis=0))", RNNDbMean),
    _cell_mistake("lstm-torch-gate-order", "LSTM", "your LSTM reads the gate blocks as i,f,g,o (torch's and "
                  "Keras's order); the contract's order is f,g,i,o", LSTMTorchOrder),
    _cell_mistake("lstm-i-reads-g-block", "LSTM", "your input gate reads the g block, A[:, H:2H] (a "
                  "copy-pasted slice); i is A[:, 2H:3H]", LSTMInputGateReadsG),
    _cell_mistake("lstm-backward-gate-order", "LSTM", "your backward stacks the gate gradients as f,i,g,o "
                  "while forward reads the blocks as f,g,i,o: stack dA in forward's order", LSTMBackwardStacksIG),
    _cell_mistake("lstm-dc-missing-tanh-derivative", "LSTM", "your dc leaves out tanh's derivative on the "
                  "path through h: dc = dc_next + dh_next * o * (1 - tanh(c_next)**2)", LSTMNoTanhGradInDc),
    _cell_mistake("lstm-tanh-derivative-at-c", "LSTM", "your dc takes tanh's derivative as 1 - c_next**2, "
                  "at the cell state instead of at tanh(c_next)", LSTMTanhGradAtC),
    _cell_mistake("lstm-dc-next-dropped", "LSTM", "your backward does not add the dc_next it receives: "
                  "dc = dc_next + dh_next * o * (1 - tanh(c)**2)", LSTMDropsDcNext, wrapper=False),
    _cell_mistake("lstm-dc-prev-without-f", "LSTM", "your dc_prev leaves out the forget gate: "
                  "dc_prev = dc * f", LSTMDcPrevWithoutF),
    _cell_mistake("lstm-h-without-tanh", "LSTM", "your h_next is o * c_next; the contract's is "
                  "o * tanh(c_next)", LSTMOutputWithoutTanh),
    _cell_mistake("lstm-g-missing-tanh-derivative", "LSTM", "your dg leaves out tanh's derivative: "
                  "dg = dc * i * (1 - g**2)", LSTMGNoTanhGrad),
    _cell_mistake("lstm-o-tanh-derivative", "LSTM", "your do uses tanh's derivative (1 - o**2) for the "
                  "sigmoid gate o: use o * (1 - o)", LSTMSigmoidGradAsTanh),
    _cell_mistake("gru-z-weights-old-state", "GRU", "your GRU weights the old state with z, "
                  "h' = z*h + (1-z)*h~ (torch's and Keras's convention); the contract's is "
                  "h' = (1-z)*h + z*h~", GRUTorchZ),
    _cell_mistake("gru-reset-after-product", "GRU", "your GRU applies the reset after the product, "
                  "r * (h @ Whh) (Keras's reset_after, torch's); the contract's is (r * h) @ Whh",
                  GRUResetAfter),
    _cell_mistake("gru-candidate-dWh-uses-h", "GRU", "your h~ block of dWh is h_prev.T @ dh~; the candidate "
                  "read r * h_prev, so it is (r * h_prev).T @ dh~", GRUCandidateGradUsesH),
    _cell_mistake("gru-dh-misses-candidate-path", "GRU", "your dh_prev misses the path through the "
                  "candidate: add (dh~ @ Whh.T) * r", GRUDhMissesCandidatePath),
    _cell_mistake("gru-dh-misses-direct-path", "GRU", "your dh_prev misses the direct path "
                  "dh_next * (1 - z)", GRUDhMissesDirectPath),
)

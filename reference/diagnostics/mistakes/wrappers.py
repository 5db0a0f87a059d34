"""Mistakes in the loop over time (TimeRNN, TimeLSTM, TimeGRU): BPTT and the carried state.

Each entry is the correct wrapper (``recurrent.TimeWrapper``) with one
method changed, stepping the correct cell of its kind.
"""
from __future__ import annotations

import numpy as np

from reference.diagnostics.mistakes import recurrent as R
from reference.diagnostics.mistakes.entry import Mistake

KINDS = ("RNN", "LSTM", "GRU")


class LoopForwardInBackward:
    def time_order(self, T):
        return range(T)


class DhNotCarried:
    def carried(self, dh):
        return 0 * dh


class DcNotCarried:
    def carried_c(self, dc):
        return 0 * dc


class GradsAssigned:
    """grads[i][...] = g at every step: backward ends at t = 0, so that step's grads remain."""

    def add_grads(self, total, grads, t, T):
        for acc, g in zip(total, grads):
            acc[...] = g


class LastStepGradsOnly:
    def add_grads(self, total, grads, t, T):
        if t == T - 1:
            super().add_grads(total, grads, t, T)


class StateResetEachStep:
    def step_input_state(self, h):
        return np.zeros_like(h)


class StatefulIgnored:
    def start_state(self, state, N, H, dtype):
        return np.zeros((N, H), dtype=dtype)


class StateKeptUnderAnotherName:
    def keep_state(self, h, c):
        self.last_h, self.last_c = h, c


class Dh0NotStored:
    def backward(self, dhs):
        dh_before = self.dh
        dxs = super().backward(dhs)
        self.dh = dh_before
        return dxs


def _wrapper_mistake(mistake_id: str, sentence: str, mixin, kinds=KINDS) -> Mistake:
    def build(name: str):
        kind = name[len("Time"):]
        return type(name, (mixin, R.WRAPPERS[kind]), {})
    return Mistake(mistake_id, tuple(f"Time{k}" for k in kinds), sentence, build)


MISTAKES = (
    _wrapper_mistake("time-backward-loop-forward", "your loop over time runs forward in backward: BPTT "
                     "starts at the last step, for t in reversed(range(T))", LoopForwardInBackward),
    _wrapper_mistake("time-dh-not-carried", "your backward does not carry dh between steps: step t must get "
                     "dhs[:, t] + the dh_prev that step t+1 returned", DhNotCarried),
    _wrapper_mistake("time-dc-not-carried", "your backward does not carry dc between steps: step t must get "
                     "the dc_prev that step t+1 returned (your loop passes zeros, or your LSTM's backward ignores its "
                     "dc_next)",
                     DcNotCarried, kinds=("LSTM",)),
    _wrapper_mistake("time-grads-assigned", "your weight gradients are assigned at every step instead of "
                     "summed, so only the t = 0 step's remain: add every step's grads, then write the total",
                     GradsAssigned),
    _wrapper_mistake("time-last-step-grads-only", "your weight gradients keep only the last step's "
                     "(t = T-1) grads: sum them over all T steps", LastStepGradsOnly),
    _wrapper_mistake("time-state-reset-each-step", "your loop starts every step from a zero state: step t "
                     "must start from the h (and c) that step t-1 produced", StateResetEachStep),
    _wrapper_mistake("time-stateful-ignored", "your forward always starts from zeros, even when stateful: "
                     "a stateful layer starts from the state the last call (or set_state) left",
                     StatefulIgnored),
    _wrapper_mistake("time-state-under-another-name", "your layer keeps its last state under another name: "
                     "the contract's self.h (and self.c) must hold the last step's state after forward",
                     StateKeptUnderAnotherName),
    _wrapper_mistake("time-dh0-not-stored", "your backward does not store self.dh, the gradient with "
                     "respect to the initial h (the dh left after the t = 0 step)", Dh0NotStored),
)

"""Book behaviours never fail a component (judging.md): what the book's class lacks or never uses.

The book-like fixture (tests/fixtures/book_like) has a TimeDropout whose
backward multiplies by a mask that an eval-mode forward leaves at None, and
a TimeBiLSTM without state methods: it passes with exactly those two
"not judged" advisories. An implementation that does support the call is
judged on it; one that breaks it in another way is not excused.
"""
from __future__ import annotations

import numpy as np
import pytest

from reference.sandbox.loader import load
from tests.judging import FIXTURES, judge

BOOK_OPTIONAL = "not judged, a book behaviour"


@pytest.fixture(scope="module")
def book_report():
    return judge(FIXTURES / "book_like")


@pytest.fixture(scope="module")
def book_classes():
    impl = load(FIXTURES / "book_like")
    return {name: impl.find(name) for name in ("TimeDropout", "TimeBiLSTM")}


def test_book_like_fixture_passes_with_exactly_the_book_behaviour_advisories(book_report):
    statuses = {c.name: c.status for c in book_report.components}
    assert statuses["TimeDropout[eval]"] == "pass" and statuses["TimeBiLSTM"] == "pass"
    bad = {c.name: c.status for c in book_report.components
           if c.status not in ("pass", "skipped", "not_implemented")}
    assert not bad, bad
    optional = sorted(a for a in book_report.advisories if BOOK_OPTIONAL in a)
    assert len(optional) == 2, optional
    assert optional[0].startswith("TimeBiLSTM: ") and "has no reset_state method" in optional[0]
    assert optional[1].startswith("TimeDropout[eval]: ") and "backward after an eval-mode forward" in optional[1]


def test_eval_forward_is_still_judged_when_backward_is_unsupported(book_report):
    checks = book_report.component("TimeDropout[eval]").checks
    judged = {k.quantity for k in checks if k.status == "pass" and k.oracle.startswith("golden")}
    skipped = {k.quantity for k in checks if k.status == "skipped"}
    assert judged == {"out"} and skipped == {"dxs"}


class EvalBackwardScales:
    """Eval backward runs, and is wrong: book-style test-time scaling in backward only."""

    def __init__(self, dropout_ratio=0.5):
        self.params, self.grads = [], []
        self.dropout_ratio, self.mask, self.train_flg = dropout_ratio, None, True

    def forward(self, xs):
        if self.train_flg:
            self.mask = (np.random.rand(*xs.shape) > self.dropout_ratio) / (1.0 - self.dropout_ratio)
            return xs * self.mask.astype(xs.dtype)
        self.mask = None
        return xs

    def backward(self, dout):
        if self.mask is None:
            return dout * (1.0 - self.dropout_ratio)
        return dout * self.mask.astype(dout.dtype)


class EvalBackwardRight(EvalBackwardScales):
    def backward(self, dout):
        return dout if self.mask is None else dout * self.mask.astype(dout.dtype)


class EvalBackwardExits(EvalBackwardScales):
    def backward(self, dout):
        if self.mask is None:
            raise SystemExit(3)
        return dout * self.mask.astype(dout.dtype)


def test_an_eval_backward_that_runs_is_judged():
    wrong = judge({"TimeDropout": EvalBackwardScales}, only=["TimeDropout[eval]"]).component("TimeDropout[eval]")
    assert wrong.status == "fail" and {k.quantity for k in wrong.failed()} == {"dxs"}
    assert not any(BOOK_OPTIONAL in a for a in wrong.advisories)
    right = judge({"TimeDropout": EvalBackwardRight}, only=["TimeDropout[eval]"]).component("TimeDropout[eval]")
    assert right.status == "pass" and not right.advisories
    assert any(k.quantity == "dxs" and k.status == "pass" for k in right.checks)


def test_an_exit_in_the_eval_backward_is_not_excused():
    report = judge({"TimeDropout": EvalBackwardExits}, only=["TimeDropout[eval]"]).component("TimeDropout[eval]")
    assert report.status == "error"


def test_state_methods_of_a_bilstm_are_judged_when_defined(book_classes):
    class WithResetTakingAnArgument(book_classes["TimeBiLSTM"]):
        def reset_state(self, h):
            self.forward_lstm.reset_state()

    class WithReset(book_classes["TimeBiLSTM"]):
        def reset_state(self):
            self.forward_lstm.reset_state()
            self.backward_lstm.reset_state()

    bad = judge({"TimeBiLSTM": WithResetTakingAnArgument}, only=["TimeBiLSTM"]).component("TimeBiLSTM")
    assert bad.status == "fail"
    assert [k.quantity for k in bad.failed()] == ["signature reset_state"]
    good = judge({"TimeBiLSTM": WithReset}, only=["TimeBiLSTM"]).component("TimeBiLSTM")
    assert good.status == "pass" and not any(BOOK_OPTIONAL in a for a in good.advisories)


def test_a_missing_method_the_book_has_still_fails(book_classes):
    """Only what the book's class lacks is excused: a TimeLSTM without reset_state fails."""
    from reference.registry import contract, get

    class NoReset:
        pass

    (item,) = [i for i in contract.evaluate(get("TimeLSTM"), NoReset) if i["quantity"] == "signature reset_state"]
    assert not item["ok"] and not item["book_optional"]
    (item,) = [i for i in contract.evaluate(get("TimeBiLSTM"), NoReset) if i["quantity"] == "signature reset_state"]
    assert item["ok"] and item["book_optional"]

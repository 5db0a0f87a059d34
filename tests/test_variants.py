"""A variant holds for a component as a whole: one documented convention in every mode, or a fail.

Each fixture is a dropout written one way in training and one way at test
time. Following one convention throughout is ``pass`` (the contract's) or
``variant`` (the documented alternative); one mode of each is a mix, and
every entry of the component fails with a ``one convention`` check naming
the closest convention.
"""
from __future__ import annotations

import numpy as np
import pytest

from reference.judging import variants
from reference import registry
from tests.judging import judge

RATIO_SCALED, INVERTED = "unscaled mask, x * (1 - ratio) at test time", "mask / (1 - ratio), identity at test time"


def dropout(train: str, test: str, time: bool):
    """A Dropout (``time`` False: forward(x, train_flg)) or TimeDropout (attribute train_flg) class."""
    inverted_train, inverted_test = train == INVERTED, test == INVERTED

    class Layer:
        def __init__(self, dropout_ratio=0.5):
            self.params, self.grads = [], []
            self.dropout_ratio, self.mask, self.train_flg = dropout_ratio, None, True

        def _forward(self, x, train_flg):
            if train_flg:
                keep = np.random.rand(*x.shape) > self.dropout_ratio
                self.mask = (keep / (1.0 - self.dropout_ratio) if inverted_train else keep).astype(x.dtype)
                return x * self.mask
            self.mask = np.ones_like(x) if inverted_test else np.full_like(x, 1.0 - self.dropout_ratio)
            return x * self.mask

        def backward(self, dout):
            return dout * self.mask

    if time:
        Layer.forward = lambda self, xs: self._forward(xs, self.train_flg)
    else:
        Layer.forward = lambda self, x, train_flg=True: self._forward(x, train_flg)
    return Layer


# (name, contract's convention, the alternative's label)
FAMILIES = [("Dropout", RATIO_SCALED, "inverted dropout"), ("TimeDropout", INVERTED, variants.NON_INVERTED)]


def _judge_family(name, train, test):
    report = judge({name: dropout(train, test, time=name == "TimeDropout")}, only=[name])
    return {c.name: c for c in report.components}


@pytest.mark.parametrize("name, contract, label", FAMILIES, ids=[f[0] for f in FAMILIES])
def test_one_convention_throughout_is_pass_or_variant(name, contract, label):
    other = INVERTED if contract == RATIO_SCALED else RATIO_SCALED
    assert {c.status for c in _judge_family(name, contract, contract).values()} == {"pass"}
    alt = _judge_family(name, other, other)
    assert {c.status for c in alt.values()} == {"variant"}, {k: c.diagnosis[:1] for k, c in alt.items()}
    assert all(c.diagnosis[0].startswith(f"variant: {label}") for c in alt.values())


@pytest.mark.parametrize("name, contract, label", FAMILIES, ids=[f[0] for f in FAMILIES])
@pytest.mark.parametrize("train_follows", ["contract", "alternative"])
def test_a_mix_of_conventions_fails_every_entry(name, contract, label, train_follows):
    other = INVERTED if contract == RATIO_SCALED else RATIO_SCALED
    train, test = (contract, other) if train_follows == "contract" else (other, contract)
    family = _judge_family(name, train, test)
    assert {c.status for c in family.values()} == {"fail"}, {k: c.status for k, c in family.items()}
    for c in family.values():
        (check,) = [k for k in c.checks if k.quantity == "one convention"]
        assert check.status == "fail" and f"{name}[train] follows" in check.message
        assert check.hint.startswith(f"closest convention: {variants.CONTRACT}")   # a tie goes to the contract
        assert c.diagnosis[0].startswith("mixes conventions")
        assert not any(d.startswith("variant: ") for d in c.diagnosis)


def test_a_variant_asked_alone_is_settled_against_its_siblings():
    """--only Dropout[train]: the eval entry is judged quietly to decide, and not reported."""
    mixed = judge({"Dropout": dropout(INVERTED, RATIO_SCALED, time=False)}, only=["Dropout[train]"])
    assert [(c.name, c.status) for c in mixed.components] == [("Dropout[train]", "fail")]
    whole = judge({"Dropout": dropout(INVERTED, INVERTED, time=False)}, only=["Dropout[train]"])
    assert [(c.name, c.status) for c in whole.components] == [("Dropout[train]", "variant")]


def test_a_variant_beside_a_broken_mode_is_not_a_variant():
    class BrokenEval(dropout(INVERTED, INVERTED, time=False)):
        def forward(self, x, train_flg=True):
            return super().forward(x, train_flg) if train_flg else x * 2.0

    family = {c.name: c for c in judge({"Dropout": BrokenEval}, only=["Dropout"]).components}
    assert family["Dropout[train]"].status == "fail" and family["Dropout[eval]"].status == "fail"
    assert "Dropout[eval] follows neither" in family["Dropout[train]"].diagnosis[0]


def test_settle_leaves_a_pass_beside_a_broken_sibling_alone():
    family = [c for c in registry.COMPONENTS if c.name == "Dropout"]

    class Report:
        status, diagnosis, checks = "pass", [], []

    report = Report()
    variants.settle(family[0], report, family, {family[0].id: variants.CONTRACT, family[1].id: None})
    assert report.status == "pass" and not report.checks


def test_an_entry_without_a_documented_alternative_does_not_contradict_one():
    """Where the conventions coincide (no alternative registered for that entry), passing it agrees with both."""
    from types import SimpleNamespace

    train = registry.get("Dropout[train]")
    coinciding = SimpleNamespace(id="Dropout[coinciding]", name="Dropout", hints={})
    report = SimpleNamespace(status="variant", diagnosis=["variant: inverted dropout ..."], checks=[])
    conventions = {train.id: "inverted dropout", coinciding.id: variants.CONTRACT}
    variants.settle(train, report, [train, coinciding], conventions)
    assert report.status == "variant" and not report.checks
    conventions[coinciding.id] = None                      # broken in that mode: not a whole variant
    variants.settle(train, report, [train, coinciding], conventions)
    assert report.status == "fail" and report.checks[0].quantity == "one convention"

"""Diagnostics: every hint rule, constant factors, time steps, gate layouts, isolation, variants, advisories.

Each broken fixture (tests/fixtures/bugs.py) is judged in this process
against the golden cases; the rules that need a separate process (crash,
a hang that ignores the soft timeout, memory) are triggered in
tests/test_cli.py and listed in SUBPROCESS_RULES below.
"""
from __future__ import annotations

import numpy as np
import pytest

from reference.diagnostics import factors, rules, steps
from tests.fixtures import bugs
from tests.judging import FIXTURES, judge, rules_of

# rule id -> (namespace, component id that must show it)
RULE_FIXTURES = {
    "grads-rebound": ({"Affine": bugs.AffineRebindsGrads}, "Affine"),
    "input-modified": ({"softmax": bugs.softmax_in_place}, "softmax"),
    "param-modified": ({"Affine": bugs.AffineWritesParams}, "Affine"),
    "forward-wrong": ({"Affine": bugs.AffineNoBias}, "Affine"),
    "only-input-grad": ({"MatMul": bugs.MatMulFlippedDx}, "MatMul"),
    "only-param-grads": ({"MatMul": bugs.MatMulMisalignedDw}, "MatMul"),
    "dWh-only": ({"RNN": bugs.RNNWrongStateInDwh}, "RNN"),
    "dh-not-carried": ({"TimeRNN": bugs.TimeRNNDropsDh, "RNN": bugs.RNN}, "TimeRNN"),
    "state-not-carried": ({"TimeRNN": bugs.TimeRNNForgetsState, "RNN": bugs.RNN}, "TimeRNN"),
    "bias-axes": ({"Affine": bugs.AffineDropsLastRow}, "Affine"),
    "zero-grads": ({"Affine": bugs.AffineNeverStoresGrads}, "Affine"),
    "non-finite": ({"sigmoid": bugs.sigmoid_nan}, "sigmoid"),
    "shape": ({"Affine": bugs.AffineFlatDx}, "Affine"),
    "wrong-type": ({"Affine": bugs.AffineReturnsList}, "Affine"),
    "exception-shape": ({"MatMul": bugs.MatMulNoTranspose}, "MatMul"),
    "exception-attribute": ({"Affine": bugs.AffineForgetsCache}, "Affine"),
    "exception-type": ({"Sigmoid": bugs.SigmoidTwoArgs}, "Sigmoid"),
    "timeout": ({"relu": bugs.relu_loops_forever}, "relu"),
    "memory": ({"relu": bugs.relu_memory_hog}, "relu"),
    "sys-exit": ({"relu": bugs.relu_exits}, "relu"),
    "constant-factor": ({"SoftmaxWithLoss": bugs.SoftmaxWithLossNoMean}, "SoftmaxWithLoss"),
    "gate-layout": ({"LSTM": bugs.LSTMTorchOrder}, "LSTM"),
}
SUBPROCESS_RULES = {"crash"}            # tests/test_cli.py::test_hostile_implementation_is_isolated


def test_every_rule_has_a_fixture():
    catalogue = {r.id for r in rules.RULES} | {"constant-factor", "gate-layout"}
    assert catalogue <= set(RULE_FIXTURES) | SUBPROCESS_RULES, catalogue - set(RULE_FIXTURES) - SUBPROCESS_RULES


@pytest.mark.parametrize("rule_id", sorted(RULE_FIXTURES))
def test_rule_fires_on_its_bug(rule_id):
    namespace, component_id = RULE_FIXTURES[rule_id]
    report = judge(namespace, only=[component_id], timeout=0.5)
    c = report.component(component_id)
    assert c.status in ("fail", "error"), c.status
    assert rule_id in rules_of(c), (rule_id, rules_of(c), [k.message for k in c.failed()][:3])


def test_correct_fixture_fires_no_rule():
    report = judge({"Affine": bugs.Affine, "MatMul": bugs.MatMul, "TimeLSTM": bugs.TimeLSTM, "LSTM": bugs.LSTM},
                   only=["Affine", "MatMul", "TimeLSTM", "LSTM"])
    assert {c.status for c in report.components} == {"pass"}, [(c.name, c.status) for c in report.components]
    assert all(not rules_of(c) for c in report.components)


# -- constant factors -------------------------------------------------------------------

SIZES = {"N": 3, "T": 5, "D": 4, "H": 6}


@pytest.mark.parametrize("factor, words", [
    (1 / 3, "1/N = 1/3 of the contract's value: you average over the batch where the contract sums"),
    (3.0, "N = 3 times the contract's value: you sum over the batch where the contract averages"),
    (5.0, "T = 5 times"), (1 / 15, "1/N*T = 1/15"), (-1.0, "negative"), (2.0, "twice"), (0.0, "all zeros"),
])
def test_constant_factor_names_the_axis(factor, words):
    ref = np.random.default_rng(0).standard_normal((3, 4))
    found = factors.constant_factor(ref * factor, ref, SIZES)
    assert found is not None and words in found[1]


def test_no_constant_factor_for_a_general_error():
    rng = np.random.default_rng(1)
    ref = rng.standard_normal((3, 4))
    assert factors.constant_factor(ref + 0.1 * rng.standard_normal((3, 4)), ref, SIZES) is None
    assert factors.constant_factor(ref * 1.7, ref, SIZES) is None          # not a telling factor


def test_average_where_the_contract_sums_is_named_in_the_report():
    report = judge(FIXTURES / "student_repo", only=["Affine"])
    affine = report.component("Affine")
    assert any("you average over the batch where the contract sums" in d for d in affine.diagnosis)
    db = next(k for k in affine.failed() if k.quantity == "db")
    assert "constant-factor" in db.rules and "dout.sum(axis=0)" in db.hint


# -- where in time -----------------------------------------------------------------------

def test_first_bad_step_forward_and_backward():
    forward = steps.first_bad_step("hs", {"y": [0, 0, 1, 1, 1], "allowed": 0.5})
    assert "the error starts at t = 2" in forward and "t = 0..1 are right" in forward
    backward = steps.first_bad_step("dxs", {"y": [1, 1, 1, 1, 0], "allowed": 0.5})
    assert "going backward in time the error starts at t = 3" in backward


def test_bptt_failure_reports_the_step_and_a_series_to_plot():
    report = judge(FIXTURES / "student_repo", only=["TimeRNN"])
    c = next(c for c in report.components if c.name == "TimeRNN")
    dxs = next(k for k in c.failed() if k.quantity == "dxs")
    assert dxs.where["step"] in range(5) and len(dxs.series["y"]) == 5
    assert dxs.series["y"][-1] <= dxs.series["allowed"] < min(dxs.series["y"][:-1])
    assert any("from T = 2 on: the error is in what is carried between steps" in d for d in c.diagnosis)


# -- gate layouts -----------------------------------------------------------------------------

@pytest.mark.parametrize("namespace, component_id, words", [
    ({"LSTM": bugs.LSTMTorchOrder}, "LSTM", "reads the gate blocks as i,f,g,o (torch's and Keras's order); "
                                            "the contract is f,g,i,o"),
    ({"TimeLSTM": bugs.TimeLSTMTorchOrder}, "TimeLSTM", "your TimeLSTM reads the gate blocks as i,f,g,o"),
    ({"GRU": bugs.GRUTorchZ}, "GRU", "weights the old state with z, h' = z*h + (1-z)*h~"),
    ({"TimeGRU": bugs.TimeGRUTorchZ}, "TimeGRU", "the contract's z weights the new candidate"),
])
def test_gate_layout_is_detected(namespace, component_id, words):
    report = judge(namespace, only=[component_id])
    c = report.component(component_id)
    assert c.status == "fail" and any(words in d for d in c.diagnosis), c.diagnosis


# -- isolation: cell or wrapper ------------------------------------------------------------------

@pytest.mark.parametrize("fixture, words", [
    ("isolation_cell_bug.py", "the cell is at fault"),
    ("isolation_wrapper_bug.py", "the wrapper is at fault"),
])
def test_isolation_blames_cell_or_wrapper(fixture, words):
    report = judge(FIXTURES / fixture, only=["TimeLSTM"])
    c = report.component("TimeLSTM")
    assert c.status == "fail" and any(words in d for d in c.diagnosis), c.diagnosis


# -- variants and advisories -------------------------------------------------------------------

def test_inverted_dropout_is_a_variant():
    report = judge({"Dropout": bugs.InvertedDropout}, only=["Dropout"])
    assert {c.status for c in report.components} == {"variant"}
    assert "inverted dropout" in report.component("Dropout[train]").diagnosis[0]
    assert report.exit_code() == 0


def test_float32_computation_is_judged_at_float32_precision():
    """A layer that computes in float32 whatever it is given: pass, with the advisory."""
    class Float32Affine(bugs.Affine):
        def forward(self, x):
            self.x = x.astype(np.float32)
            return self.x @ self.params[0].astype(np.float32) + self.params[1].astype(np.float32)

        def backward(self, dout):
            W, b = (p.astype(np.float32) for p in self.params)
            dout = dout.astype(np.float32)
            self.grads[0][...] = self.x.T @ dout
            self.grads[1][...] = dout.sum(axis=0)
            return dout @ W.T

    report = judge({"Affine": Float32Affine}, only=["Affine"])
    c = report.component("Affine")
    assert c.status == "pass", [k.message for k in c.failed()]
    assert any("judged at float32 precision" in a for a in c.advisories)


# -- the judging.md policies that are not a numeric rule ----------------------------------------

def test_fresh_layer_defaults_are_checked():
    report = judge({"TimeDropout": bugs.TimeDropoutStartsUntrained}, only=["TimeDropout"])
    failed = [k for c in report.components for k in c.failed() if k.oracle == "contract"]
    assert failed and "train_flg = None" in failed[0].message and "train_flg = True" in failed[0].hint


def test_contract_signatures_and_state_names_are_checked():
    report = judge({"TimeLSTM": bugs.TimeLSTMOddSignatures, "LSTM": bugs.LSTM}, only=["TimeLSTM"])
    c = report.component("TimeLSTM")
    messages = {k.quantity: k for k in c.failed() if k.oracle == "contract"}
    assert "cannot be called as reset_state()" in messages["signature reset_state"].message
    assert "set_state(self, h, c=None)" in messages["signature set_state"].hint
    assert c.status == "fail"


def test_components_are_found_in_any_module():
    report = judge(FIXTURES / "optimizers_pkg", only=["SGD"])
    assert {c.status for c in report.components} == {"pass"}
    assert {c.module for c in report.components} == {"optimizers"}


def test_float32_intermediates_with_float64_outputs_are_judged_at_float32_precision():
    report = judge({"Affine": bugs.AffineFloat32Inside}, only=["Affine"])
    c = report.component("Affine")
    assert c.status == "pass", [k.message for k in c.failed()]
    assert any("only as accurate as float32" in a for a in c.advisories)


def test_a_float64_error_above_the_float32_budget_still_fails():
    class AffineSmallBias(bugs.Affine):
        def forward(self, x):
            return super().forward(x) + x.dtype.type(1e-4) * self.params[1]

    c = judge({"Affine": AffineSmallBias}, only=["Affine"], dtypes=("float64",)).component("Affine")
    assert c.status == "fail" and not c.advisories


def test_text_window_size_two_is_judged():
    report = judge({"CBOW": bugs.cbow_for_window_one()}, only=["CBOW"])
    assert report.component("CBOW").status == "fail"


# -- premises: a rule states only what holds in the report it fires in ----------------------------

class _Named:
    name, kind, variant = "Affine", "layer", ""


def _symptoms(**kw) -> rules.Symptoms:
    base = dict(forward={"out"}, input_grads={"dx"}, param_grads={"dW", "db"}, sizes={"N": 3, "D": 4, "H": 5})
    return rules.Symptoms(_Named(), **{**base, **kw})


def _exception(kind, message, where=""):
    return [{"type": kind, "message": message, "phase": "backward", "where": where}]


def _comparison(problem):
    from reference.registry.compare import Comparison
    return {"out": Comparison("out", ok=False, problem=problem)}


LAST_ONLY = {"y": [1.0, 1.0, 1.0, 0.0], "allowed": 0.5}
FIRST_ONLY = {"y": [0.0, 1.0, 1.0, 1.0], "allowed": 0.5}
EVERYWHERE = {"y": [1.0, 1.0, 1.0, 1.0], "allowed": 0.5}
REBOUND = "grads[0] (dW) was rebound instead of written in place: use grads[0][...] = value"
INPUT_CHANGED = "input 'x' was modified in place by forward/backward"
PARAM_CHANGED = "param 'W' was modified in place by forward/backward"

# rule id -> (symptoms where the premise holds, symptoms where it fails, words the hint says when it holds).
# Where the premise fails the rule is silent, or (rules that then say less) its hint lacks those words.
PREMISES = {
    "grads-rebound": (dict(problems=[REBOUND]), dict(problems=[INPUT_CHANGED]), "rebound"),
    "input-modified": (dict(problems=[INPUT_CHANGED]), dict(problems=[PARAM_CHANGED]), "input array"),
    "param-modified": (dict(problems=[PARAM_CHANGED]), dict(problems=[INPUT_CHANGED]), "parameter was changed"),
    "forward-wrong": (dict(bad={"out", "dx"}, good={"dW", "db"}), dict(bad={"out"}, good={"dx", "dW", "db"}),
                      "fix forward first"),
    "only-input-grad": (dict(bad={"dx"}, good={"out", "dW", "db"}),
                        dict(bad={"dx"}, good={"out", "dW", "db"}, recurrent=True), "uses the wrong matrix"),
    "only-param-grads": (dict(bad={"dW"}, good={"out", "dx", "db"}), dict(bad={"dW", "dx"}, good={"out", "db"}),
                         "weight gradients are wrong"),
    "dWh-only": (dict(bad={"dWh"}, good={"dWx", "db"}, param_grads={"dWx", "dWh", "db"}),
                 dict(bad={"dWh", "dWx"}, good={"db"}, param_grads={"dWx", "dWh", "db"}), "dWx right"),
    "dh-not-carried": (dict(bad={"dx"}, series={"dx": LAST_ONLY}),
                       dict(bad={"dx"}, series={"dx": LAST_ONLY}, truncation={"dx": 1}), "dh is not carried"),
    "state-not-carried": (dict(bad={"out"}, series={"out": FIRST_ONLY}),
                          dict(bad={"out"}, series={"out": EVERYWHERE}), "right at t = 0"),
    "bias-axes": (dict(bad={"db"}, good={"out", "dx", "dW"}), dict(bad={"db", "dW"}, good={"out", "dx"}),
                  "only the bias gradient"),
    "zero-grads": (dict(bad={"dW"}, good={"out", "dx"}, zero={"dW"}),
                   dict(bad={"dW", "out"}, good={"dx"}, zero={"dW"}), "never stored"),
    "non-finite": (dict(comparisons=_comparison("non-finite value nan at (0,)")),
                   dict(comparisons=_comparison("shape (3,), expected (3, 1)")), "NaN or inf"),
    "shape": (dict(comparisons=_comparison("shape (3,), expected (3, 1)")),
              dict(comparisons=_comparison("non-finite value nan at (0,)")), "wrong shape"),
    "wrong-type": (dict(comparisons=_comparison("returned a list; expected one ndarray")),
                   dict(comparisons=_comparison("shape (3,), expected (3, 1)")), "wrong return type"),
    "exception-shape": (dict(exceptions=_exception("ValueError", "matmul: Input operand 1 has a mismatch in its "
                                                                 "core dimension 0")),
                        dict(exceptions=_exception("ValueError", "operands could not be broadcast together with "
                                                                 "shapes (3,4) (5,)")), "transposed or swapped"),
    "exception-attribute": (dict(exceptions=_exception("AttributeError", "'Affine' object has no attribute 'inp'")),
                            dict(exceptions=_exception("AttributeError", "'NoneType' object has no attribute 'T'")),
                            "did not store"),
    "exception-type": (dict(exceptions=_exception("TypeError", "forward() missing 1 required positional argument: "
                                                               "'train'")),
                       dict(exceptions=_exception("TypeError", "object of type 'int' has no len()")),
                       "signature does not match"),
    "timeout": (dict(exceptions=_exception("Timeout", "")), dict(exceptions=_exception("Crash", "")), "in time"),
    "crash": (dict(exceptions=_exception("Crash", "")), dict(exceptions=_exception("Timeout", "")), "died"),
    "memory": (dict(exceptions=_exception("MemoryError", "")), dict(exceptions=_exception("Crash", "")), "memory"),
    "sys-exit": (dict(exceptions=_exception("SystemExit", "")), dict(exceptions=_exception("Crash", "")), "sys.exit"),
}


def test_every_rule_has_a_premise_test():
    assert {r.id for r in rules.RULES} == set(PREMISES)


@pytest.mark.parametrize("rule_id", sorted(PREMISES))
def test_rule_fires_only_when_its_premise_holds(rule_id):
    rule = next(r for r in rules.RULES if r.id == rule_id)
    holds, fails, words = PREMISES[rule_id]
    fired = rule.fires(_symptoms(**holds))
    assert fired and words in fired[1], fired
    silent = rule.fires(_symptoms(**fails))
    assert not silent or words not in silent[1], silent


def test_signature_is_not_blamed_for_a_call_inside_the_students_code():
    """The binding message, but raised at the student's own call (a frame of their code on the stack)."""
    s = _symptoms(exceptions=_exception("TypeError", "step() missing 1 required positional argument: 'h'",
                                        where="layers.py:12 in forward: self.step(x)"))
    _, hint = next(r for r in rules.RULES if r.id == "exception-type").fires(s)
    assert "signature" not in hint and "layers.py:12" in hint
    _, hint = next(r for r in rules.RULES if r.id == "exception-type").fires(
        _symptoms(exceptions=_exception("TypeError", "forward() takes 2 positional arguments but 3 were given")))
    assert "scratch-conformance contract Affine" in hint
    _, hint = next(r for r in rules.RULES if r.id == "exception-type").fires(
        _symptoms(exceptions=_exception("TypeError", "helper() takes 2 positional arguments but 3 were given")))
    assert "signature" not in hint


def test_dh_not_carried_does_not_single_out_dh_with_a_cell_state():
    s = _symptoms(bad={"dx"}, series={"dx": LAST_ONLY}, cell_state=True)
    _, hint = next(r for r in rules.RULES if r.id == "dh-not-carried").fires(s)
    assert "dh is not carried" not in hint and "(dh, or dc)" in hint


def test_a_fixed_registry_hint_is_dropped_where_its_premise_fails():
    line = "dWx right, dWh wrong: is dh carried from step t to t-1 (backward feeds dhs[:, t] + dh)?"
    assert rules.hint_holds(line, _symptoms(bad={"dWh"}, good={"dWx"}))
    assert not rules.hint_holds(line, _symptoms(bad={"dWh", "dWx"}))
    assert rules.hint_holds("dWx = x.T @ da summed over steps", _symptoms(bad={"dWh", "dWx"}))


@pytest.mark.parametrize("fresh, step_right, says", [
    (True, True, "the step's own formula is wrong"),
    (False, True, "the state the call starts from"),
])
def test_single_step_sentence_names_the_step_only_from_a_zero_state(fresh, step_right, says):
    assert says in steps.by_length_sentence("dxs, hs", 1, 5, fresh, step_right)
    stored = steps.by_length_sentence("dh0", 1, 5, fresh, step_right)
    assert ("what the layer stores (self.h" in stored) == fresh


def test_a_factor_names_an_axis_only_where_it_is_summed_over():
    ref = np.random.default_rng(2).standard_normal((3, 4))
    assert "you sum over input features" in factors.constant_factor(ref * 4, ref, SIZES)[1]
    neutral = factors.constant_factor(ref * 4, ref, SIZES, axes=False)
    assert neutral[0] == 4.0 and neutral[1] == "is exactly 4 times the contract's value"


# -- the false statements issue 13 found, end to end ---------------------------------------------

def _all_text(c) -> str:
    return "\n".join(c.diagnosis + [k.hint for k in c.checks])


def test_no_dwx_right_hint_when_dwx_is_wrong():
    """A TimeRNN whose BPTT loop runs forward in time: dWx is wrong too, and the cause is named."""
    from reference.diagnostics import mistakes
    report = judge({"TimeRNN": mistakes.get("time-backward-loop-forward").build("TimeRNN")}, only=["TimeRNN"])
    c = report.component("TimeRNN")
    assert {"dWx", "dWh"} <= {k.quantity for k in c.failed()}
    assert "dWx right" not in _all_text(c)
    assert c.cause["id"] == "time-backward-loop-forward"


def test_no_never_stored_for_a_zero_that_comes_from_a_zero_state():
    """Every step starts from zeros: dWh = h_prev.T @ da is all zeros, but it is stored."""
    from reference.diagnostics import mistakes
    report = judge({"TimeRNN": mistakes.get("time-state-reset-each-step").build("TimeRNN")}, only=["TimeRNN"])
    c = report.component("TimeRNN")
    assert "zero-grads" not in rules_of(c) and "never stored" not in _all_text(c)
    assert any("dWh is all zeros" in d for d in c.diagnosis)


def test_no_single_step_formula_blamed_for_an_ignored_state():
    from reference.diagnostics import mistakes
    report = judge({"TimeRNN": mistakes.get("time-stateful-ignored").build("TimeRNN")}, only=["TimeRNN"])
    c = report.component("TimeRNN[set_state]")
    assert any("already wrong for a single step" in d for d in c.diagnosis)
    assert "the step's own formula is wrong" not in _all_text(c)


def test_no_axis_named_for_a_clipping_bug():
    def clip_never(grads, max_norm):
        return None

    c = judge({"clip_grads": clip_never}, only=["clip_grads"]).component("clip_grads[above]")
    assert c.status == "fail" and "you sum over" not in _all_text(c) and "time step" not in _all_text(c)
    assert any("is exactly 4 times the contract's value" in d for d in c.diagnosis)


def test_no_signature_blamed_for_a_type_error_in_arithmetic():
    class SigmoidLen(bugs.Sigmoid):
        def backward(self, dout):
            return dout * (1.0 - self.out) * self.out * len(3)

    c = judge({"Sigmoid": SigmoidLen}, only=["Sigmoid"]).component("Sigmoid")
    assert c.status == "error" and "exception-type" in rules_of(c)
    assert "signature" not in _all_text(c) and "has no len()" in _all_text(c)

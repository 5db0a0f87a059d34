"""``scratch-conformance contract NAME``: the expected API of a component, for students without api.md."""
from __future__ import annotations

import pytest

from reference import registry
from reference.frontends import cli, contract_cmd


def test_time_lstm_contract_names_signatures_attributes_shapes_and_modes(capsys):
    assert cli.main(["contract", "TimeLSTM"]) == 0
    out = capsys.readouterr().out
    for expected in ("constructor: TimeLSTM(Wx (D, 4H) float32 or float64, Wh (H, 4H)", "stateful=False",
                     "forward(xs (N, T, D)", "-> dxs", "params = [Wx, Wh, b]",
                     "def set_state(self, h, c=None)", "def reset_state(self)", "self.dh",
                     "dWh (H, 4H)", "hs (N, T, H)", "TimeLSTM[stateful-3-calls]", "TimeLSTM[set_state-h-only]"):
        assert expected in out, expected


def test_modes_alternatives_and_book_optional_methods_are_listed(capsys):
    assert cli.main(["contract", "TimeDropout"]) == 0
    out = capsys.readouterr().out
    assert "attribute:   train_flg" in out and "TimeDropout[eval]" in out and "non-inverted dropout" in out
    assert cli.main(["contract", "TimeBiLSTM"]) == 0
    assert "not in the book's TimeBiLSTM: reset_state, set_state" in capsys.readouterr().out


def test_names_are_exact_first_then_case_insensitive(capsys):
    assert cli.main(["contract", "softmax"]) == 0
    assert capsys.readouterr().out.startswith("softmax  ")
    assert cli.main(["contract", "timelstm"]) == 0
    assert capsys.readouterr().out.startswith("TimeLSTM  ")


def test_unknown_name_is_a_usage_error_with_suggestions(capsys):
    assert cli.main(["contract", "LSTMLayer"]) == 2
    err = capsys.readouterr().err
    assert "no component named 'LSTMLayer'" in err and "did you mean LSTM" in err
    assert cli.main(["contract", "TimeLSTM", "LSTM"]) == 2   # one name at a time


@pytest.mark.parametrize("name", sorted({c.name for c in registry.COMPONENTS}))
def test_every_component_has_a_contract(name):
    text = contract_cmd.describe(contract_cmd.family(name))
    assert text.startswith(f"{name}  ") and "compared" in text


def test_shapes_are_named_even_where_two_sizes_coincide_in_the_example_case(capsys):
    """Embedding's example case has T == D == 4: shapes are read at distinct prime sizes instead."""
    assert cli.main(["contract", "Embedding"]) == 0
    out = capsys.readouterr().out
    assert "Embedding(W (V, D)" in out and "out (N, T, D)" in out and "dW (V, D)" in out
    assert "|" not in out.split("compared:")[1].split("\n")[1]


def test_without_a_name_every_component_is_listed(capsys):
    assert contract_cmd.main([]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in {c.name for c in registry.COMPONENTS})

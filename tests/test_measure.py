"""The measuring tool the float32 tolerance is set from (``python -m reference.frontends.measure``)."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from reference.frontends import measure
from tests.generated import require


def test_float32_budget_rows_carry_the_k_each_estimate_set_needed_and_the_mutation_margins():
    require("torch")
    (row,) = [r for r in measure.measure_float32_budget(only=["MatMul"], draws=5, seconds=30) if r["oracle"] == "torch"]
    assert row["draws"] == 5 and row["entry"] == "MatMul"
    for v in measure.VARIANTS:
        assert row[f"rule {v}"][0] < 1, "the bundled implementation passes under every estimate set"
        assert -row[f"mut {v} fixed"][0] > 1, "a 1e-3 relative error fails on the fixed cases"


def test_float32_verdicts_judge_drawn_cases_as_the_judge_does():
    require("torch")
    rows = [r for r in measure.float32_verdicts(only=["Affine"], draws=4, seconds=30) if r["oracle"] == "torch"]
    assert [(r["entry"], r["draws"], r["failures"]) for r in rows] == [("Affine", 4, 0)]
    assert rows[0]["needed"] == 0 or rows[0]["worst"][0] <= 1


@pytest.mark.parametrize("argv", [["--float32-budget", "--verdicts", "--only", "relu", "--draws", "2"]])
def test_the_command_line_prints_a_row_per_entry_and_oracle(argv, capsys):
    require("torch")
    assert measure.main(argv) == 0
    out = capsys.readouterr().out
    assert "relu" in out and "draws: " in out and "failures: 0" in out


def test_a_seed_repeats_its_drawn_cases_and_another_seed_draws_new_ones(monkeypatch, capsys):
    """``--seed`` lets a longer run add new draws to an earlier one instead of repeating them."""
    drawn = []

    def judged(component, oracle, impl, case):
        drawn.append(case)
        return SimpleNamespace(ok=True, comparisons=[])

    monkeypatch.setattr(measure, "check", judged)
    monkeypatch.setattr(measure.oracles, "available", lambda name: True)

    def cases(*seed):
        drawn.clear()
        measure.main(["--float32-budget", "--verdicts", "--only", "relu", "--draws", "3", *seed])
        return list(drawn)

    assert cases() == cases("--seed", "1"), "the default seed of --verdicts is 1"
    assert len(cases()) == 3 * len(list(measure._framework_rows(["relu"]))) > 0
    assert cases("--seed", "2") == cases("--seed", "2")
    assert not any(case in cases() for case in cases("--seed", "2"))

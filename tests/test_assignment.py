"""Assignment TOML: what it means, and a clear error naming the key for everything it must not contain."""
from __future__ import annotations

import argparse

import pytest

from reference.frontends import cli
from reference.frontends.assignment import AssignmentError, load, parse

EXAMPLE = """
name = "Homework 6"
oracle = "golden"
dtype = "float64"
hidden_visibility = "after_published"

[components.Affine]
points = 2

[components.TimeLSTM]
points = 6
credit = "quantity"
visible = false

[components."TimeLSTM[set_state]"]
points = 1.5
credit = "group"
"""


def test_example_is_read_as_written():
    a = parse(EXAMPLE, "hw6.toml")
    assert (a.name, a.oracle, a.dtype, a.hidden_visibility) == ("Homework 6", "golden", "float64", "after_published")
    assert [(i.component, i.points, i.credit, i.visible) for i in a.items] == [
        ("Affine", 2.0, "all", True), ("TimeLSTM", 6.0, "quantity", False), ("TimeLSTM[set_state]", 1.5, "group", True)]
    assert a.max_score == 9.5
    assert a.judging_argv() == ["--oracle", "golden", "--dtype", "float64", "--only", "Affine", "TimeLSTM",
                                "TimeLSTM[set_state]"]
    plain = a.plain()
    assert plain["items"][1] == {"component": "TimeLSTM", "points": 6.0, "credit": "quantity", "visible": False}
    assert "source" not in plain


def test_defaults_are_golden_both_dtypes_all_or_nothing_visible():
    a = parse("[components.Affine]\npoints = 1\n", "a.toml")
    assert (a.name, a.oracle, a.dtype, a.hidden_visibility) == ("a", "golden", "both", "after_due_date")
    assert (a.items[0].credit, a.items[0].visible) == ("all", True)


@pytest.mark.parametrize("text, key, expected", [
    ("oracle = 'golden'\n", "components", "at least one [components.NAME]"),
    ("[components.Afine]\npoints = 1\n", "components.Afine", "did you mean Affine"),
    ("[components.Affine]\npoints = 0\n", "components.Affine.points", "greater than 0"),
    ("[components.Affine]\npoints = true\n", "components.Affine.points", "greater than 0"),
    ("[components.Affine]\n", "components.Affine.points", "greater than 0"),
    ("[components.Affine]\npoints = 1\ncredit = 'half'\n", "components.Affine.credit", "all, quantity, group"),
    ("[components.Affine]\npoints = 1\nvisible = 'yes'\n", "components.Affine.visible", "true or false"),
    ("[components.Affine]\npoints = 1\nweight = 2\n", "components.Affine.weight", "unknown key"),
    ("oracel = 'golden'\n[components.Affine]\npoints = 1\n", "oracel", "unknown key"),
    ("oracle = 'pytorch'\n[components.Affine]\npoints = 1\n", "oracle", "auto, live, golden"),
    ("dtype = 'float16'\n[components.Affine]\npoints = 1\n", "dtype", "float32, float64, both"),
    ("hidden_visibility = 'later'\n[components.Affine]\npoints = 1\n", "hidden_visibility", "after_due_date"),
    ("components = 3\n", "components", "at least one"),
    ("[components]\nAffine = 2\n", "components.Affine", "expected a table"),
])
def test_a_wrong_key_is_named_with_what_was_expected(text, key, expected):
    with pytest.raises(AssignmentError) as info:
        parse(text, "hw.toml")
    assert str(info.value).startswith(f"hw.toml: {key}: ") and expected in str(info.value)


def test_not_toml_and_missing_file_say_so(tmp_path):
    with pytest.raises(AssignmentError, match=r"hw.toml: not valid TOML"):
        parse("[components.Affine\n", "hw.toml")
    with pytest.raises(AssignmentError, match=r"--assignment .*missing.toml: cannot read it"):
        load(tmp_path / "missing.toml")


def test_assignment_sets_oracle_dtype_and_components_unless_the_command_line_does():
    a = parse(EXAMPLE, "hw6.toml")
    args = argparse.Namespace(oracle="auto", dtype="both", only=None)
    a.apply_to(args, ["common"])
    assert (args.oracle, args.dtype, args.only) == ("golden", "float64", ["Affine", "TimeLSTM", "TimeLSTM[set_state]"])
    args = argparse.Namespace(oracle="numeric", dtype="float32", only=["Affine"])
    a.apply_to(args, ["common", "--oracle", "numeric", "--dtype=float32", "--only", "Affine"])
    assert (args.oracle, args.dtype, args.only) == ("numeric", "float32", ["Affine"])


def test_cli_reports_a_bad_assignment_as_a_usage_error(tmp_path, capsys):
    bad = tmp_path / "hw.toml"
    bad.write_text("[components.Affine]\npoints = -1\n", encoding="utf-8")
    assert cli.main(["common", "--assignment", str(bad)]) == cli.EXIT_USAGE
    assert "components.Affine.points: expected a number greater than 0" in capsys.readouterr().err

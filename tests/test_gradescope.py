"""Gradescope: points per component (all, per quantity, per group), results.json, and the autograder bundle
run end to end in a temporary directory laid out like Gradescope's."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from reference.frontends import autograder
from reference.frontends.assignment import parse
from reference.report import grading, gradescope, render
from tests.judging import FIXTURES, judge


def check(quantity, status="pass", oracle="golden:torch", **kw):
    return {"id": f"x/{quantity}/{oracle}", "oracle": oracle, "quantity": quantity, "status": status,
            "message": kw.get("message", f"{quantity} {status}"), "hint": kw.get("hint", ""),
            "repro": kw.get("repro")}


def component(name, status, checks=(), **kw):
    return {"name": name, "status": status, "checks": list(checks), "diagnosis": kw.get("diagnosis", []),
            "suggestion": kw.get("suggestion"), "cause": kw.get("cause"), "fix": kw.get("fix"), "advisories": []}


# TimeRNN: hs passes; dxs fails in one variant only; "out (as 2-D rows)" is "out"; a contract check passes
REPORT = {"components": [
    component("TimeRNN", "fail", [check("hs"), check("dxs"), check("dWh", "fail"), check("signature", oracle="contract")]),
    component("TimeRNN[set_state]", "fail", [check("hs"), check("dxs", "fail", hint="carry dh", repro="python -m reference common --only X"),
                                             check("dWh")], cause={"id": "c1", "sentence": "dh is not carried back"}),
    component("Softmax", "fail", [check("out"), check("out (as 2-D rows)", "fail")]),
    component("Affine", "variant", [check("dW", "fail")], diagnosis=["a documented variant"]),
    component("GRU", "not_implemented", suggestion="did you mean Gru? --alias GRU=Gru"),
    component("Dropout[train]", "error", [check("backward", "error", oracle="implementation"), check("out")]),
], "summary": {"pass": 0, "fail": 2}, "oracles": [{"name": "golden:torch"}], "advisories": [], "nothing_judged": None}


def item(name, points, credit="all", visible=True):
    return {"component": name, "points": points, "credit": credit, "visible": visible}


def test_points_all_or_nothing_per_quantity_per_group():
    assert grading.score(REPORT, item("TimeRNN", 4))["score"] == 0
    by_quantity = grading.score(REPORT, item("TimeRNN", 4, "quantity"))
    # hs ok; dxs and dWh fail in one variant each; "signature" (contract) ok -> 2 of 4 units
    assert by_quantity["units"] == {"hs": True, "dxs": False, "dWh": False, "signature": True}
    assert by_quantity["score"] == 2.0
    by_group = grading.score(REPORT, item("TimeRNN", 3, "group"))
    assert by_group["units"] == {"forward": True, "backward": False, "contract": True} and by_group["score"] == 2.0
    assert grading.score(REPORT, item("Softmax", 2, "quantity"))["units"] == {"out": False}     # one quantity
    assert grading.score(REPORT, item("Affine", 2))["score"] == 2.0          # a documented variant conforms
    assert grading.score(REPORT, item("GRU", 2, "quantity"))["score"] == 0
    raised = grading.score(REPORT, item("Dropout", 2, "quantity"))
    assert raised["units"] == {"backward raised": False, "out": True} and raised["score"] == 1.0
    assert grading.score(REPORT, item("TimeRNN[set_state]", 3, "quantity"))["units"] == {
        "hs": True, "dxs": False, "dWh": True}                                # one exact id, not the family


def test_results_json_scores_tests_with_visibility_and_what_to_fix():
    assignment = {"name": "HW", "hidden_visibility": "after_due_date",
                  "items": [item("TimeRNN", 4, "quantity"), item("Affine", 2, visible=False), item("GRU", 1)]}
    data = gradescope.results(REPORT, assignment)
    assert data["score"] == 4.0 and data["output"].startswith("HW: 4 / 7")
    rnn, affine, gru = data["tests"]
    assert (rnn["score"], rnn["max_score"], rnn["status"], rnn["visibility"]) == (2.0, 4.0, "failed", "visible")
    assert (affine["score"], affine["status"], affine["visibility"]) == (2.0, "passed", "after_due_date")
    assert "cause: dh is not carried back" in rnn["output"] and "hint: carry dh" in rnn["output"]
    assert "repro: python -m reference common --only X" in rnn["output"] and "2 of 4 parts conform" in rnn["output"]
    assert gru["output"] == "not implemented; did you mean Gru? --alias GRU=Gru" and gru["score"] == 0


def test_nothing_judged_scores_zero_with_the_reason():
    data = gradescope.results({"nothing_judged": "SyntaxError in layers.py:3"}, {"name": "HW", "items": [item("Affine", 2)]})
    assert data["score"] == 0 and data["tests"][0]["output"] == "not judged: SyntaxError in layers.py:3"
    assert "Nothing could be judged: SyntaxError" in data["output"]


def test_format_gradescope_on_a_real_report_defaults_to_a_point_per_component():
    report = judge(FIXTURES / "student_repo", only=["Affine", "MatMul", "GRU"])
    data = json.loads(render(report, "gradescope"))
    tests = {t["name"]: t for t in data["tests"]}
    assert set(tests) == {"Affine", "MatMul"}                      # judged ones; GRU is not implemented
    assert tests["MatMul"]["status"] == "passed" and tests["Affine"]["status"] == "failed"
    assert "hint: " in tests["Affine"]["output"] and data["score"] == 1.0


ASSIGNMENT = """
name = "Homework: Affine and TimeRNN"
oracle = "golden"
dtype = "float64"
[components.Affine]
points = 2
[components.MatMul]
points = 1
visible = false
[components.TimeRNN]
points = 4
credit = "quantity"
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The bundle unpacked in a Gradescope-like root and its setup.sh run (pip into a target directory)."""
    root = tmp_path_factory.mktemp("gradescope") / "autograder"
    (root / "source").mkdir(parents=True)
    toml = root.parent / "hw.toml"
    toml.write_text(ASSIGNMENT, encoding="utf-8")
    bundle = autograder.build(toml, root.parent / "autograder.zip")
    with zipfile.ZipFile(bundle) as z:
        assert sorted(n for n in z.namelist() if not n.startswith("dist/")) == [
            "assignment.toml", "run_autograder", "setup.sh"]
        assert (z.getinfo("run_autograder").external_attr >> 16) & 0o111
        z.extractall(root / "source")
    site = root.parent / "site"
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": sys.executable,
           "AUTOGRADER_PIP_OPTIONS": f"--no-deps --no-index --quiet --target {site}"}
    subprocess.run(["bash", str(root / "source" / "setup.sh")], env=env, check=True, timeout=120)
    env.pop("AUTOGRADER_PIP_OPTIONS")
    env["PYTHONPATH"] = str(site)
    return root, env


def _run_autograder(root, env, submission: Path | None):
    shutil.rmtree(root / "submission", ignore_errors=True)
    shutil.rmtree(root / "results", ignore_errors=True)
    target = root / "submission" / "hw-upload"
    if submission:
        shutil.copytree(submission, target, ignore=shutil.ignore_patterns("__pycache__"))
    else:
        target.mkdir(parents=True)
        (target / "notes.txt").write_text("no code\n", encoding="utf-8")
    done = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env, capture_output=True,
                          text=True, timeout=120, cwd=root)     # not this checkout: the installed wheel runs
    assert done.returncode == 0, done.stderr
    return json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))


def test_bundle_installs_the_wheel_and_runs_from_it(installed):
    root, env = installed
    where = subprocess.run([sys.executable, "-c", "import reference, numpy; print(reference.__file__)"],
                           env=env, capture_output=True, text=True, check=True, cwd=root).stdout
    assert where.startswith(str(root.parent / "site"))


def test_autograder_end_to_end_scores_a_student_repository(installed):
    root, env = installed
    data = _run_autograder(root, env, FIXTURES / "student_repo")
    tests = {t["name"]: t for t in data["tests"]}
    assert list(tests) == ["Affine", "MatMul", "TimeRNN"]
    assert (tests["Affine"]["score"], tests["Affine"]["max_score"]) == (0.0, 2.0)    # student_repo's db bug
    assert tests["MatMul"]["score"] == 1.0 and tests["MatMul"]["visibility"] == "after_due_date"
    assert 0 <= tests["TimeRNN"]["score"] < 4.0 and data["score"] == sum(t["score"] for t in data["tests"])
    text = json.dumps(data)
    assert "repro: python -m reference hw-upload/common --only Affine --oracle golden --dtype float64" in text
    assert str(root) not in text


def test_autograder_without_code_writes_zero_and_the_reason(installed):
    root, env = installed
    data = _run_autograder(root, env, None)
    assert data["score"] == 0 and len(data["tests"]) == 3
    assert "no common/ directory, .py file or notebook" in data["tests"][0]["output"]


def test_autograder_command_rejects_a_bad_assignment(tmp_path, capsys):
    bad = tmp_path / "hw.toml"
    bad.write_text("[components.Affine]\npoints = 'two'\n", encoding="utf-8")
    assert autograder.main([str(bad), "-o", str(tmp_path / "a.zip")]) == 2
    assert "components.Affine.points" in capsys.readouterr().err and not (tmp_path / "a.zip").exists()
    assert parse(ASSIGNMENT).max_score == 7

"""``batch``: a small class judged in worker processes, the class summary, students' reports and exit status."""
from __future__ import annotations

import argparse
import csv
import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from reference.frontends import batch, cli
from reference.frontends.submission import SubmissionError, judge_bytes, locate, pack
from reference.report import class_summary
from tests.benchmarks.bench_batch import book_like_with_bugs
from tests.judging import FIXTURES

ASSIGNMENT = """
name = "Layers"
[components.Affine]
points = 2
[components.Sigmoid]
points = 1
credit = "quantity"
[components.TimeRNN]
points = 2
credit = "group"
"""


def make_class(root: Path, with_empty: bool = True) -> Path:
    """clean and buggy (Affine db, Sigmoid dx) book-like copies, a notebook, and a README-only upload."""
    cls = root / "class"
    book_like_with_bugs(cls / "clean", [])
    assert book_like_with_bugs(cls / "buggy", ["affine-db-mean", "sigmoid-derivative"]) == [
        "affine-db-mean", "sigmoid-derivative"]
    shutil.copy(FIXTURES / "homework.ipynb", cls / "nb.ipynb")
    if with_empty:
        (cls / "empty").mkdir()
        (cls / "empty" / "README.md").write_text("forgot the code\n", encoding="utf-8")
    (root / "hw.toml").write_text(ASSIGNMENT, encoding="utf-8")
    return cls


@pytest.fixture(scope="module")
def judged(tmp_path_factory):
    root = tmp_path_factory.mktemp("batch")
    cls = make_class(root)
    status = batch.main([str(cls), "-o", str(root / "out"), "--jobs", "2", "--assignment", str(root / "hw.toml")])
    return root, cls, root / "out", status


def _csv(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_class_matrix_has_one_column_per_book_component_and_the_reason_for_the_unjudged(judged):
    root, cls, out, status = judged
    assert status == batch.EXIT_SOME_NOT_JUDGED            # "empty" could not be judged
    rows = {r[0]: r for r in _csv(out / "class-summary.csv")}
    header = rows.pop("submission")
    assert header[-3:] == ["Affine", "Sigmoid", "TimeRNN"] and "TimeRNN[set_state]" not in header
    assert set(rows) == {"clean", "buggy", "nb", "empty"}
    status_of = dict(zip(header, rows["buggy"]))
    assert (status_of["Affine"], status_of["Sigmoid"], status_of["TimeRNN"]) == ("fail", "fail", "pass")
    # TimeRNN 2 + Sigmoid 1 x (out passes, dx fails: 1 of 2 quantities) + Affine 0 (all or nothing)
    assert (status_of["score"], status_of["max score"]) == ("2.5", "5.0")
    assert rows["empty"][1].startswith("no: no common/ directory, .py file or notebook")
    page = (out / "class-summary.html").read_text(encoding="utf-8")
    assert "not judged: no common/ directory" in page and "<a href='buggy.html'>buggy</a>" in page
    assert "TimeRNN[set_state]" in page            # the variants, folded into the TimeRNN cell


def test_fails_most_often_is_per_component_and_quantity_worst_first_over_implementers(judged):
    _, _, out, _ = judged
    rows = _csv(out / "fails-most-often.csv")
    assert rows[0] == ["component", "quantity", "failing", "implementing", "fail rate"]
    failing = [r for r in rows[1:] if r[2] != "0"]
    # Affine is implemented by clean and buggy, Sigmoid also by the notebook: one denominator per component
    assert failing == [["Affine", "db", "1", "2", "0.5"], ["Sigmoid", "dx", "1", "3", "0.3333"]]
    assert ["Affine", "dW", "0", "2", "0.0"] in rows


def test_students_reports_are_relative_to_their_own_files(judged):
    root, cls, out, _ = judged
    text = (out / "buggy.json").read_text(encoding="utf-8")
    report = json.loads(text)
    repros = [k["repro"] for c in report["components"] for k in c["checks"] if k.get("repro")]
    assert repros and all(r.startswith("python -m reference common --only ") for r in repros)
    assert str(root) not in text and "scratch-submission-" not in text     # neither the instructor's nor ours
    assert "python -m reference common --only Affine" in (out / "buggy.html").read_text(encoding="utf-8")
    grades = json.loads((out / "buggy.gradescope.json").read_text(encoding="utf-8"))
    assert grades["score"] == 2.5 and [t["name"] for t in grades["tests"]] == ["Affine", "Sigmoid", "TimeRNN"]
    assert not (out / "empty.json").exists()


def test_exit_status_is_0_when_every_submission_was_judged_whatever_the_verdicts(tmp_path, capsys):
    cls = tmp_path / "class"
    book_like_with_bugs(cls / "buggy", ["sigmoid-derivative"])
    status = batch.main([str(cls), "-o", str(tmp_path / "out"), "--jobs", "1", "--oracle", "golden",
                         "--dtype", "float64", "--sandbox", "off"])
    assert status == batch.EXIT_ALL_JUDGED
    assert "buggy" in capsys.readouterr().out
    assert "fail" in _csv(tmp_path / "out" / "class-summary.csv")[1]


def test_a_submission_that_defines_nothing_is_listed_with_its_reason_once(tmp_path, capsys, monkeypatch):
    cls = tmp_path / "class"
    (cls / "stranger" / "common").mkdir(parents=True)
    (cls / "stranger" / "common" / "layers.py").write_text("def unrelated():\n    return 1\n", encoding="utf-8")
    monkeypatch.delenv("SCRATCH_SANDBOX_HIDE", raising=False)
    status = batch.main([str(cls), "-o", str(tmp_path / "out"), "--jobs", "1", "--oracle", "golden",
                         "--sandbox", "off"])
    assert status == batch.EXIT_SOME_NOT_JUDGED
    line = next(x for x in capsys.readouterr().out.splitlines() if "stranger" in x)
    assert "not judged: it defines none of the contract's names" in line and "nothing was judged" not in line
    page = (tmp_path / "out" / "class-summary.html").read_text(encoding="utf-8")
    assert "not judged: it defines none of the contract" in page and "nothing was judged" not in page
    assert "SCRATCH_SANDBOX_HIDE" not in __import__("os").environ      # the caller's environment, given back


def test_usage_errors(tmp_path, capsys):
    assert batch.main([str(tmp_path / "nope")]) == 2
    assert "SUBMISSIONS_DIR" in capsys.readouterr().err
    assert batch.main([str(tmp_path), "--jobs", "0"]) == 2          # empty directory: no submissions
    assert "no submissions" in capsys.readouterr().err


def _result(name, components=None, error=None, nothing=None):
    report = None if components is None else {"components": components, "summary": {}, "nothing_judged": nothing}
    return {"name": name, "report": report, "error": error}


def _c(name, status, *checks):
    return {"name": name, "status": status, "diagnosis": [], "suggestion": None,
            "checks": [{"oracle": "golden:torch", "quantity": q, "status": s, "message": q} for q, s in checks]}


def test_summary_uses_one_denominator_and_folds_variants_and_quantities():
    results = [
        _result("a", [_c("TimeRNN", "pass", ("hs", "pass")), _c("TimeRNN[set_state]", "error", ("hs", "error")),
                      _c("Softmax", "fail", ("out (as 2-D rows)", "fail"), ("out", "pass"))]),
        _result("b", [_c("Softmax", "pass", ("out", "pass")), _c("TimeRNN", "pass", ("hs", "pass"))]),
        _result("c", [_c("Softmax", "not_implemented"), _c("TimeRNN", "pass", ("hs", "pass"))]),
        _result("d", error="SyntaxError in layers.py:3"),
        _result("e", [], nothing="nothing could be loaded"),
    ]
    s = class_summary.summarize(results)
    assert s["families"] == ["TimeRNN", "Softmax"]
    assert s["rows"][0]["cells"]["TimeRNN"]["status"] == "error"      # worst of its variants
    assert s["rows"][0]["cells"]["TimeRNN"]["entries"] == [("TimeRNN", "pass"), ("TimeRNN[set_state]", "error")]
    assert [(x["component"], x["quantity"], x["failing"], x["implementing"]) for x in s["rates"]] == [
        ("Softmax", "out", 1, 2), ("TimeRNN", "hs", 1, 3)]          # worst rate first, not column order
    assert s["unjudged"] == [("d", "SyntaxError in layers.py:3"), ("e", "nothing could be loaded")]


@pytest.mark.parametrize("files, expected", [
    (["repo/ch06/train.py", "repo/common/layers.py", "common.txt"], "repo/common"),
    (["layers.py", "time_layers.py"], "."),
    (["hw/src/layers.py", "hw/notes.py"], "hw/src"),
    (["hw.ipynb", "deep/x.py"], "deep/x.py"),
    (["hw.ipynb", ".ipynb_checkpoints/hw-checkpoint.ipynb"], "hw.ipynb"),
])
def test_locate_finds_the_implementation_anywhere(tmp_path, files, expected):
    for f in files:
        (tmp_path / f).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / f).write_text("x = 1\n", encoding="utf-8")
    assert locate(tmp_path) == expected


def test_locate_says_what_it_found_when_there_is_no_code(tmp_path):
    (tmp_path / "README.md").write_text("hi\n", encoding="utf-8")
    with pytest.raises(SubmissionError, match=r"no common/ directory, .py file or notebook .*found: README.md"):
        locate(tmp_path)


def test_every_judging_option_reaches_the_workers_unchanged():
    args = batch.build_parser().parse_args(["class", "--oracle", "numeric", "--dtype", "float64", "--timeout", "3",
                                            "--memory", "512", "--sandbox", "off", "--alias", "a=b", "c=d", "--fix"])
    argv = batch.judging_argv(args)
    single = cli.build_parser().parse_args(["common", *argv])
    for name in ("oracle", "dtype", "timeout", "memory", "sandbox", "alias", "fix"):
        assert getattr(single, name) == getattr(args, name), name
    assert batch.judging_argv(batch.build_parser().parse_args(["class"]))[-2:] == ["--sandbox", "on"]
    assert isinstance(args, argparse.Namespace)


def test_a_submission_out_of_time_is_not_judged_and_says_so(tmp_path):
    book_like_with_bugs(tmp_path / "slow", [])
    result = judge_bytes("slow", pack(tmp_path / "slow"), ["--oracle", "golden", "--sandbox", "off"], time_limit=0.3)
    assert result["report"] is None and result["error"] == "did not finish within 0.3 s"


def test_pack_leaves_out_links_caches_and_vcs(tmp_path):
    sub = tmp_path / "alice"
    (sub / "common" / "__pycache__").mkdir(parents=True)
    (sub / "common" / "layers.py").write_text("x = 1\n", encoding="utf-8")
    (sub / "common" / "__pycache__" / "layers.cpython-311.pyc").write_bytes(b"\0")
    (sub / ".git").mkdir()
    (sub / ".git" / "config").write_text("[core]\n", encoding="utf-8")
    secret = tmp_path / "grades.csv"
    secret.write_text("alice,0\n", encoding="utf-8")
    (sub / "common" / "grades.csv").symlink_to(secret)
    (sub / "elsewhere").symlink_to(tmp_path, target_is_directory=True)
    names = zipfile.ZipFile(io.BytesIO(pack(sub))).namelist()
    assert names == ["common/layers.py"]


def test_a_single_file_submission_travels_whole(tmp_path):
    (tmp_path / "hw.py").write_text("x = 1\n", encoding="utf-8")
    z = zipfile.ZipFile(io.BytesIO(pack(tmp_path / "hw.py")))
    assert z.namelist() == ["hw.py"] and z.read("hw.py") == b"x = 1\n"

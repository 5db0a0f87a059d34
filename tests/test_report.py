"""Reports: the documented JSON shape, every format, the book-like calibration, the bundled verdict, check()."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from reference.report import render
from tests.fixtures import bugs
from tests.judging import FIXTURES, judge

TOP_KEYS = {"implementation", "suite_version", "environment", "oracles", "components", "advisories", "summary"}
COMPONENT_KEYS = {"name", "status", "checks"}
CHECK_KEYS = {"id", "oracle", "quantity", "status", "max_abs_error", "max_rel_error", "tolerance", "where",
              "message", "hint"}


@pytest.fixture(scope="module")
def student_report():
    """A realistic failing student repository (constant factor, accumulation, BPTT, gate order)."""
    return judge(FIXTURES / "student_repo", only=["Affine", "Embedding", "TimeRNN", "LSTM", "MatMul", "Softmax"])


def test_json_shape_is_the_documented_one(student_report):
    data = json.loads(render(student_report, "json"))
    assert TOP_KEYS <= set(data)
    assert {"python", "numpy", "torch", "tensorflow", "keras"} <= set(data["environment"])
    assert [o["name"] for o in data["oracles"]] == ["golden:torch", "golden:keras"]
    for c in data["components"]:
        assert COMPONENT_KEYS <= set(c) and c["status"] in ("pass", "fail", "error", "not_implemented", "variant")
        for k in c["checks"]:
            assert CHECK_KEYS <= set(k), CHECK_KEYS - set(k)
    assert data["summary"]["fail"] == sum(c["status"] == "fail" for c in data["components"])
    failed = [k for c in data["components"] for k in c["checks"] if k["status"] == "fail"]
    assert failed and all(k["repro"].startswith("python -m reference ") and "--seed" in k["repro"] for k in failed)


def test_every_failed_check_has_a_repro_line_that_reruns_it(student_report):
    rec = student_report.component("Affine").failed()[0]
    assert f"--only Affine --oracle golden --dtype {rec.case['dtype']} --seed {rec.case['seed']}" in rec.repro
    assert "--sizes N=3 D=4 H=6" in rec.repro or "--sizes N=1 D=1 H=1" in rec.repro


def test_terminal_report_names_quantity_hint_and_repro(student_report):
    text = render(student_report, "terminal")
    assert "Affine: FAIL" in text and "x db vs golden:torch" in text
    assert "hint: " in text and "repro: python -m reference" in text
    assert "\033[" not in text and "\033[" in render(student_report, "terminal", color=True)


def test_markdown_and_junit(student_report):
    md = render(student_report, "markdown")
    assert "| component | status | checks | note |" in md and "## Affine: FAIL" in md
    root = ET.fromstring(render(student_report, "junit"))
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert int(suites["Affine"].get("failures")) > 0 and int(suites["MatMul"].get("failures")) == 0
    assert suites["Softmax"].find("testcase/skipped") is not None       # not implemented


def test_html_is_self_contained_with_a_bptt_plot(student_report):
    page = render(student_report, "html")
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page
    assert "src=\"http" not in page and "href=\"http" not in page and "<link" not in page
    assert "<svg" in page and "time step t" in page                  # TimeRNN's dxs per step
    assert "What to fix" in page and "copy" in page


def test_exit_code_and_not_implemented_is_never_a_failure():
    report = judge({"MatMul": bugs.MatMul}, only=["MatMul", "Affine"])
    assert report.component("Affine").status == "not_implemented"
    assert report.exit_code() == 0
    assert judge({"MatMul": bugs.MatMulNoTranspose}, only=["MatMul"]).exit_code() == 1


# -- calibration: a faithful copy of the book passes, with the advisories -------------------------

BOOK_ADVISORIES = ("softmax handles 1-D and 2-D input only", "computes in float32 for float64 input",
                   "backward cannot be called twice", "imports matplotlib at module level",
                   "returns nan when every label is ignored, like the book")


@pytest.fixture(scope="module")
def book_report():
    return judge(FIXTURES / "book_like")


def test_book_like_implementation_passes_with_advisories(book_report):
    implemented = [c for c in book_report.components if c.status != "not_implemented"]
    assert len(implemented) >= 20
    bad = {c.name: [k.message for k in c.failed()][:2] for c in implemented
           if c.status not in ("pass", "skipped")}
    assert not bad, bad
    text = "\n".join(book_report.advisories)
    missing = [a for a in BOOK_ADVISORIES if a not in text]
    assert not missing, (missing, text)


def test_bundled_implementation_passes_everything_without_advisories():
    report = judge("scratch_layers")
    bad = [c.name for c in report.components if c.status not in ("pass", "skipped")]
    assert not bad, (f"{bad} fail against the golden cases; if their entries, adapters or implementation "
                     f"changed on purpose, regenerate them: scratch-conformance golden --only "
                     f"{' '.join(sorted({b.split('[')[0] for b in bad}))}")
    assert not report.advisories, report.advisories


# -- the notebook entry point -------------------------------------------------------------------

def test_check_from_a_notebook_renders_html_and_text(capsys):
    from reference import check

    class SoftmaxWithLoss(bugs.SoftmaxWithLossNoMean):
        """As a student names it in a notebook."""

    result = check(SoftmaxWithLoss, oracle="golden")
    printed = capsys.readouterr().out
    assert "SoftmaxWithLoss: FAIL" in printed and "N = 3 times" in printed
    assert "<div class='sc'>" in result._repr_html_() and "conformance report" in repr(result)
    namespace = {"MatMul": bugs.MatMul, "helper": 3}
    report = check(namespace, oracle="golden", show=False)
    assert [c.name for c in report.components] == ["MatMul"] and report.components[0].status == "pass"


# -- cause first, fix on request, variants folded, absent components on one line ---------------------

def _cause_first_report(fix_searched: bool = True):
    """A report as the judge builds it: a failing TimeRNN with cause and fix, its variants, absent names."""
    from reference.report.model import CheckRecord, ComponentReport, Report

    case = {"dtype": "float32", "sizes": {"N": 3, "T": 5, "D": 4, "H": 6}, "seed": 1}
    failing = CheckRecord(id="TimeRNN/dxs/golden:torch/float32/distinct", oracle="golden:torch", quantity="dxs",
                          status="fail", message="not close: 60/60 elements differ", hint="a hint", case=case,
                          repro="python -m reference common --only TimeRNN")
    cause = {"id": "time-backward-loop-forward", "sentence": "your loop over time runs forward in backward",
             "quantities": ["dxs"], "confidence": "high", "cases": []}
    fix = {"file": "/tmp/student/common/time_layers.py", "line": 57, "old": "for t in range(T):",
           "new": "for t in reversed(range(T)):", "function": "TimeRNN.backward",
           "verified_on": ["golden:torch float32 N=3 T=5 D=4 H=6", "golden:torch float64 N=3 T=5 D=4 H=6"]}
    absent = [f"Absent{k}" for k in range(12)]
    components = [ComponentReport("TimeRNN", "fail", "time_layers", [failing], cause=cause,
                                  fix=fix if fix_searched else None,
                                  diagnosis=["cause [time-backward-loop-forward]: your loop ...", "isolation: ..."]),
                  ComponentReport("TimeRNN[set_state]", "fail", "time_layers", [failing], cause=cause),
                  ComponentReport("TimeRNN[student-wrapper,reference-cell]", "pass", "time_layers"),
                  ComponentReport("TimeLSTM", "pass", "time_layers"),
                  ComponentReport("TimeLSTM[set_state]", "pass", "time_layers"),
                  ComponentReport("Affin", "not_implemented", suggestion="did you mean Afine? --alias Affine=Afine")]
    components += [ComponentReport(name, "not_implemented") for name in absent]
    return Report(implementation={"name": "common", "form": "directory", "path": "/tmp/student/common",
                                  "spec": "common"}, suite_version="0", environment={}, oracles=[],
                  settings={"oracle": "golden", "dtypes": ["float32"], "seed": 1, "sizes": None, "only": None,
                            "aliases": {}, "fix": fix_searched}, components=components)


def test_terminal_report_leads_with_the_cause_then_the_fix_then_the_evidence():
    text = render(_cause_first_report(), "terminal")
    section = text[text.index("TimeRNN: FAIL"):].splitlines()
    assert section[1] == "  cause: your loop over time runs forward in backward"
    assert section[2] == "  fix: common/time_layers.py:57 in TimeRNN.backward"
    assert section[3:5] == ["      - for t in range(T):", "      + for t in reversed(range(T)):"]
    assert "verified" in section[5] and section[6] == "  evidence:"
    evidence = "\n".join(section[6:])
    assert "x dxs vs golden:torch" in evidence and "cause [" not in evidence      # said once, first
    unrequested = render(_cause_first_report(fix_searched=False), "terminal")
    assert "fix:" not in unrequested and "--fix" in unrequested


def test_terminal_table_folds_variants_and_lists_absent_components_on_one_line():
    report = _cause_first_report()
    text = render(report, "terminal")
    rows = text.splitlines()
    timernn = next(i for i, r in enumerate(rows) if r.startswith("  TimeRNN "))
    assert rows[timernn + 1].startswith("    [set_state]") and "FAIL" in rows[timernn + 1]
    assert rows[timernn + 2].startswith("    [student-wrapper,reference-cell]")
    assert any(r.startswith("  TimeLSTM ") and "+ 1 variant pass" in r for r in rows)
    assert not any("[set_state]" in r and "pass" in r for r in rows)              # conforming variant folded
    assert "12 not implemented: Absent0, Absent1" in text and "(-v lists them all)" in text
    assert "Absent11" not in text and "Affin" in text                              # suggestions stay visible
    from reference.report import terminal

    verbose = terminal.render(report, verbose=True)
    assert "Absent11" in verbose and "-v lists" not in verbose
    detail = text[text.index("TimeRNN[set_state]: FAIL"):]                        # a variant: brief
    assert "x dxs" not in detail.split("\n\n")[0]


def test_html_card_starts_with_the_cause_and_folds_the_fix_and_the_variants():
    page = render(_cause_first_report(), "html")
    card = page[page.index('id="c-TimeRNN"'):]
    assert card.index("Cause:") < card.index("show the fix") < card.index("dxs")
    assert '<details class="fix"><summary>show the fix</summary>' in card        # collapsed: try first
    assert "- for t in range(T):" in card and "+ for t in reversed(range(T)):" in card
    variants = card[card.index("<details class='variants'>"):]
    assert "TimeRNN[set_state]" in variants and card.index("variants") < card.index("</section>", card.index(
        "TimeRNN[set_state]"))
    assert "12 not implemented: Absent0" in page and "Absent11" in page
    assert "show the fix" not in render(_cause_first_report(fix_searched=False), "html")


def test_markdown_leads_with_the_cause_and_folds_the_fix():
    md = render(_cause_first_report(), "markdown")
    section = md[md.index("## TimeRNN: FAIL"):]
    assert section.index("**Cause:** your loop over time") < section.index("<details><summary>show the fix")
    assert "```diff\n- for t in range(T):\n+ for t in reversed(range(T)):\n```" in section
    assert "| &nbsp;&nbsp;[set_state] |" in md and "12 not implemented" in md


def test_json_has_cause_and_fix_per_component():
    data = json.loads(render(_cause_first_report(), "json"))
    first = data["components"][0]
    assert first["cause"]["id"] == "time-backward-loop-forward"
    assert {"file", "line", "old", "new", "verified_on"} <= set(first["fix"])
    assert data["components"][2]["fix"] is None and data["settings"]["fix"] is True

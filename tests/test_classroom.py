"""The GitHub Classroom / CI workflow: its judging step, run with bash as Actions would, on a student's repo."""
from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
import yaml

from reference.frontends import classroom, cli
from tests.benchmarks.bench_batch import book_like_with_bugs


def _steps(text: str) -> dict:
    workflow = yaml.safe_load(text)
    return {s.get("name", s.get("uses")): s for s in workflow["jobs"]["conformance"]["steps"]}


def test_printed_workflow_is_valid_yaml_with_the_install_and_options_filled_in(capsys):
    assert cli.main(["classroom-workflow", "--install", "scratch-layers-conformance==0.1.0", "--impl", "src/common",
                     "--", "--oracle", "golden", "--only", "Affine"]) == 0
    text = capsys.readouterr().out
    steps = _steps(text)
    assert "{" not in steps["Judge"]["run"].replace("${", "")          # no placeholder left
    assert 'pip install "scratch-layers-conformance==0.1.0"' in text
    assert "scratch-conformance src/common --oracle golden --only Affine --format junit" in steps["Judge"]["run"]
    assert steps["Test view"]["with"]["report_paths"] == "conformance.xml"


@pytest.mark.parametrize("bugs, status", [([], 0), (["sigmoid-derivative"], 1)])
def test_judge_step_writes_summary_and_junit_and_fails_the_job_on_nonconformance(tmp_path, bugs, status):
    repo = tmp_path / "repo"
    book_like_with_bugs(repo, bugs)
    script = _steps(classroom.render(args=["--oracle", "golden", "--dtype", "float64",
                                           "--only", "Affine", "Sigmoid"]))["Judge"]["run"]
    summary = tmp_path / "step-summary.md"
    env = {**os.environ, "GITHUB_STEP_SUMMARY": str(summary),
           "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}
    done = subprocess.run(["bash", "-e", "-c", script], cwd=repo, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == status, done.stderr
    md = summary.read_text(encoding="utf-8")
    assert md.startswith("# Conformance report: `common`") and "| component | status | checks | note |" in md
    suites = {s.get("name"): s for s in ET.parse(repo / "conformance.xml").getroot().iter("testsuite")}
    assert set(suites) == {"Affine", "Sigmoid"}
    failures = list(suites["Sigmoid"].iter("failure"))
    if status:
        assert "## Sigmoid: FAIL" in md and "python -m reference common --only Sigmoid" in md
        assert failures and "repro: python -m reference common --only Sigmoid" in failures[0].text
    else:
        assert not failures and "FAIL" not in md

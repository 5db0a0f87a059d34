"""The command line, end to end, in subprocesses: isolation, exit codes, formats, batch, the pytest plugin.

Few and small on purpose (each starts Python twice): the judging logic is
tested in-process by test_diagnostics.py and test_report.py.
"""
from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"


def run(*args, cwd=ROOT, timeout=120):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "reference", *map(str, args), "--no-progress"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_hostile_implementation_is_isolated(tmp_path):
    """A crash, a hang that ignores the soft timeout, sys.exit, a memory blow-up and a backward that
    mutates dout are each reported against their component, and the run continues with the others."""
    out = tmp_path / "r.json"
    p = run(FIXTURES / "hostile.py", "--oracle", "golden", "--timeout", "1", "--memory", "900", "--output", out,
            "--only", "relu", "sigmoid", "softmax", "cross_entropy_error", "MatMul", "Sigmoid")
    assert p.returncode == 1, p.stderr
    data = json.loads(out.read_text())
    by = {c["name"]: c for c in data["components"]}
    status = {n: c["status"] for n, c in by.items()}
    assert status == {"relu": "error", "sigmoid": "error", "softmax": "error", "cross_entropy_error": "error",
                      "softmax[large-logits]": "error", "cross_entropy_error[saturated]": "error",
                      "MatMul": "pass", "Sigmoid": "fail"}, status

    def first(name):
        return next(k for k in by[name]["checks"] if k["status"] in ("error", "fail"))

    assert "exited with status 7" in first("relu")["message"] and "crash" in first("relu")["rules"]
    assert "Timeout" in first("sigmoid")["message"] and "timeout" in first("sigmoid")["rules"]
    assert "sys.exit(3)" in first("softmax")["message"] and "sys-exit" in first("softmax")["rules"]
    assert "memory" in first("cross_entropy_error")["message"] and "memory" in first("cross_entropy_error")["rules"]
    mutated = [k for k in by["Sigmoid"]["checks"] if k["oracle"] == "contract" and k["status"] == "fail"]
    assert mutated and "'dout' was modified in place by backward" in mutated[0]["message"]


def test_usage_and_loading_errors_exit_2():
    p = run("tests/fixtures/no_such_dir")
    assert p.returncode == 2 and "no such file or directory" in p.stderr
    p = run("scratch_layers", "--only", "NoSuchComponent", "--oracle", "golden")
    assert p.returncode == 2 and "no such component" in p.stderr
    p = run("scratch_layers", "--sizes", "N=x")
    assert p.returncode == 2


def test_exit_0_format_from_extension_and_terminal_summary(tmp_path):
    out = tmp_path / "report.html"
    p = run(FIXTURES / "book_like" / "common", "--oracle", "golden", "--only", "Affine", "MatMul", "--output", out)
    assert p.returncode == 0, p.stdout + p.stderr
    assert out.read_text().startswith("<!DOCTYPE html>")
    assert "2 pass, 0 fail" in p.stdout and f"report written to {out}" in p.stdout


def test_pytest_plugin_in_a_students_own_repository(tmp_path):
    """`pytest --impl common` in a directory that has no tests of its own (the plugin brings them)."""
    shutil.copytree(FIXTURES / "student_repo" / "common", tmp_path / "common")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    p = subprocess.run([sys.executable, "-m", "pytest", "-p", "reference.pytest_plugin", "--impl", "common",
                        "--conformance-oracle", "golden", "-q", "-p", "no:cacheprovider", "-k", "Affine or MatMul"],
                       cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 1, p.stdout[-2000:]
    assert "test_conforms[Affine]" in p.stdout and "1 failed, 1 passed" in p.stdout
    assert "you average over the batch where the contract sums" in p.stdout


def test_entry_points_are_declared():
    text = (ROOT / "pyproject.toml").read_text()
    assert 'scratch-conformance = "reference.frontends.cli:main"' in text
    assert '"reference.pytest_plugin" = "reference.frontends.pytest_plugin"' in text


def test_golden_mode_imports_no_framework():
    code = ("import sys; from reference.frontends.cli import main; code = main(['scratch_layers', '--oracle', 'golden', "
            "'--format', 'json', '--output', '/dev/null', '--no-progress']); "
            "print([m for m in ('torch', 'tensorflow', 'keras') if m in sys.modules], code)")
    p = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                       capture_output=True, text=True, timeout=120)
    assert p.stdout.strip().splitlines()[-1] == "[] 0", p.stdout + p.stderr


def test_book_like_directory_with_scripts_beside_common_judges_common(tmp_path):
    """train.py (importing common.time_layers), main.py, a sys.exit(3) file and start-up hooks beside common/:
    only common/ is judged, and nothing beside it runs, at load or at the worker's start-up (cwd = the
    submission; a random.py there would shadow the standard library's)."""
    from tests.test_loader import book_like_with_scripts

    root = book_like_with_scripts(tmp_path / "hw")
    for hook in ("sitecustomize.py", "usercustomize.py", "random.py"):
        (root / hook).write_text("raise SystemExit(7)\n")
    out = tmp_path / "r.json"
    script = Path(sys.executable).with_name("scratch-conformance")   # `python -m` would itself import random.py
    p = subprocess.run([str(script), ".", "--oracle", "golden", "--only", "Affine", "TimeLSTM", "Trainer",
                        "--output", str(out), "--no-progress"], cwd=root, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-2000:]
    data = json.loads(out.read_text())
    status = {c["name"]: c["status"] for c in data["components"]}
    assert status["Affine"] == status["TimeLSTM[set_state]"] == "pass", status
    assert set(status.values()) <= {"pass", "not_implemented"}, status
    assert data["implementation"]["form"] == "directory" and "train.py" in data["implementation"]["ignored_files"]
    assert "loaded: common/functions.py, common/util.py, common/layers.py (+4)" in p.stdout


def test_nothing_judged_exits_2_with_the_reason_on_stderr_and_in_the_json(tmp_path):
    (tmp_path / "renamed.py").write_text("class SigmoidLayer:\n    pass\n")
    out = tmp_path / "r.json"
    p = run(tmp_path / "renamed.py", "--oracle", "golden", "--output", out)
    assert p.returncode == 2, p.stdout[-2000:] + p.stderr[-2000:]
    reason = json.loads(out.read_text())["nothing_judged"]
    assert reason.startswith("nothing was judged: it defines none of the contract's names")
    assert f"scratch-conformance: {reason}" in p.stderr.splitlines()

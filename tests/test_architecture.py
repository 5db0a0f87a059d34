"""The rooms of ``reference/`` and the direction of imports between them.

The contracts live in ``pyproject.toml`` (``[tool.importlinter]``); the
README's architecture picture draws the same layers. Both tests run
import-linter in a subprocess (its own import graph, no cache), the second
on a copy of the tree with one wrong arrow, so the first can fail.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; "
        "sys.argv = ['lint-imports', '--no-cache']; lint_imports_command()"]


def _lint(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(LINT, cwd=cwd, capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(cwd)})


def _copy_tree(tmp_path: Path) -> Path:
    for name in ("reference", "scratch_layers"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("*.json", "*.npz", "__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_every_import_contract_is_kept():
    p = _lint(ROOT)
    assert p.returncode == 0, p.stdout[-4000:] + p.stderr[-2000:]
    assert "0 broken" in p.stdout


@pytest.mark.parametrize("module, line, broken", [
    # a lower room reaching up: the registry importing the judge
    ("registry/cases.py", "from reference.judging import judge", "reference.registry is not allowed to import"),
    # code under test's room reaching a verdict-maker
    ("sandbox/worker.py", "from reference.diagnostics import rules", "reference.sandbox is not allowed to import"),
    # siblings that must stay independent
    ("report/terminal.py", "from reference.sandbox import protocol", "reference.report is not allowed to import"),
    # the model importing a renderer (the circle this layout removed)
    ("report/model.py", "from reference.report import html", "reference.report.model is not allowed to import"),
    # a circle inside one room
    ("sandbox/ipynb.py", "from reference.sandbox import loader", "No cycles are allowed"),
    # the bundled implementation importing its judge
    ("../scratch_layers/layers.py", "import reference.registry", "scratch_layers is not allowed to import"),
])
def test_a_wrong_import_breaks_a_contract(tmp_path, module, line, broken):
    tree = _copy_tree(tmp_path)
    target = tree / "reference" / module
    target.write_text(target.read_text() + f"\n{line}  # wrong on purpose\n")
    p = _lint(tree)
    assert p.returncode == 1, p.stdout[-3000:]
    assert broken in p.stdout, p.stdout[-3000:]

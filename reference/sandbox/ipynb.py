"""Jupyter notebooks as implementations: their code cells, without IPython syntax, run in order.

``notebook_cells(path)`` reads the code cells (nbformat 4, or 3's
worksheets); ``python_source(cell)`` removes what only IPython understands;
``load_notebook`` (called by ``reference.sandbox.loader.load``) runs the cells into
one module, each under the soft time limit: a cell that raises (training on
data that is not there) is recorded and the next cells still run, so the
classes defined after it are found.
"""
from __future__ import annotations

import json
import linecache
import re
import sys
import tempfile
import types
from pathlib import Path

from reference.sandbox.alarm import soft_timeout
from reference.sandbox.modules import LoadError, _add_path, _error_text, _owned_modules


_SKIPPED_CELL_MAGICS_RUN_BODY = ("%%time", "%%timeit", "%%capture", "%%prun")


def notebook_cells(path: Path) -> list[str]:
    """The code cells of a notebook, as source strings, in order."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise LoadError(f"{path}: not a readable Jupyter notebook ({exc}); save it from Jupyter "
                        f"as .ipynb") from None
    cells = nb.get("cells")
    if cells is None and nb.get("worksheets"):          # nbformat 3
        cells = [c for ws in nb["worksheets"] for c in ws.get("cells", [])]
    out = []
    for cell in cells or []:
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", cell.get("input", ""))
        out.append("".join(source) if isinstance(source, list) else str(source))
    return out


def python_source(cell: str, scratch_dir: Path | None = None) -> str | None:
    """A cell's code without IPython syntax; None when the whole cell is not Python.

    Line magics (``%matplotlib inline``), shell lines (``!pip install``),
    ``x = !ls`` and help queries (``obj?``) become ``pass`` (indentation
    kept); ``%%time``/``%%capture`` cells run their body; ``%%writefile f.py``
    writes the body to ``scratch_dir``; other cell magics skip the cell.
    """
    lines = cell.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return None
    head = lines[first].strip()
    if head.startswith("%%"):
        magic = head.split()[0]
        if magic == "%%writefile" and scratch_dir is not None:
            parts = head.split()
            target = parts[-1] if len(parts) > 1 else None
            if target and not target.startswith("-"):
                out = scratch_dir / Path(target).name
                out.write_text("\n".join(lines[first + 1:]) + "\n", encoding="utf-8")
            return None
        if magic not in _SKIPPED_CELL_MAGICS_RUN_BODY:
            return None
        lines = lines[first + 1:]
    result = []
    for line in lines:
        stripped = line.lstrip()
        indent = line[: len(line) - len(stripped)]
        if stripped.startswith(("%", "!")) or (stripped.endswith("?") and not stripped.startswith("#")
                                                 and re.fullmatch(r"[\w.]+\?{1,2}", stripped)):
            result.append(indent + "pass")
        elif re.match(r"^[A-Za-z_]\w*\s*=\s*[!%]", stripped):
            result.append(indent + stripped.split("=", 1)[0].strip() + " = None")
        else:
            result.append(line)
    return "\n".join(result) + "\n"


class _IPythonStub:
    """What ``get_ipython()`` returns outside IPython: every method does nothing."""

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


def load_notebook(path: Path, c) -> None:
    """Run the notebook's code cells into one module, recording each failing cell on the collector ``c``."""
    cells = notebook_cells(path)
    scratch = Path(tempfile.mkdtemp(prefix="scratch-notebook-"))
    _add_path(scratch)
    _add_path(path.parent)
    name = "student_notebook"
    module = types.ModuleType(name)
    module.__file__ = str(path)
    module.__dict__.update(get_ipython=lambda: _IPythonStub(), display=lambda *a, **k: None)
    sys.modules[name] = module
    _owned_modules.add(name)
    c.modules["notebook"] = module
    for number, cell in enumerate(cells, start=1):
        label = f"cell {number}"
        if label in c.skip:
            c.errors[label] = "did not finish within the time limit (skipped)"
            c._intend("notebook", cell, vars(module))
            continue
        source = python_source(cell, scratch)
        if source is None:
            continue
        filename = f"{path}#cell{number}"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        c.progress(label)
        try:
            with soft_timeout(c.timeout):
                exec(compile(source, filename, "exec"), module.__dict__)
        except BaseException as exc:  # noqa: BLE001
            if isinstance(exc, KeyboardInterrupt):
                raise
            c.errors[label] = _error_text(exc, None)
            c._intend(label, cell, vars(module))

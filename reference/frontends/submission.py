"""One submission, judged as a pure function: (submission bytes, settings) -> result dict.

``batch`` (local processes or a Dask cluster) and the Gradescope autograder
share this. A submission travels as a zip in memory (``pack``), never as a
path a remote worker may not see; ``judge_bytes`` unpacks it into a private
temporary directory, finds the implementation there (``locate``), judges it
with the command line's own judging (``cli.judge``, so every judging option,
``--sandbox`` or ``--fix`` included, means the same as for a single run) and
rewrites the temporary paths in the report so that its repro lines are
relative to the student's own files.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import tempfile
import time
import zipfile
from pathlib import Path

from reference.sandbox.alarm import SoftTimeout, soft_timeout

SOURCE_SUFFIXES = (".py", ".ipynb")
IGNORED_DIRS = {"__pycache__", ".git", ".ipynb_checkpoints", "__MACOSX", ".venv", "venv", "node_modules"}
COMMON_MODULES = ("layers.py", "time_layers.py", "functions.py", "optimizer.py", "trainer.py", "util.py")


class SubmissionError(Exception):
    """The submission holds nothing this suite can judge; the message says what was looked for."""


class OutOfTime(BaseException):
    """A whole submission ran past its time limit (a BaseException: no ``except Exception`` of the judge
    may swallow it and carry on)."""


def name_of(path: Path) -> str:
    return path.stem if path.is_file() else path.name


def pack(path: Path) -> bytes:
    """``path`` (a directory, .py file or notebook) as a zip in memory; caches and VCS data left out, and
    symbolic links too (one pointing at the instructor's files would carry them to the code under test)."""
    buffer = io.BytesIO()
    path = Path(path)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        if path.is_file():
            z.write(path, path.name)
        for folder, dirs, files in os.walk(path):           # does not follow links to directories (nor files)
            dirs[:] = sorted(d for d in dirs if d not in IGNORED_DIRS and not os.path.islink(os.path.join(folder, d)))
            for name in sorted(files):
                p = Path(folder) / name
                if not p.is_symlink() and p.is_file() and p.suffix != ".pyc":
                    z.write(p, p.relative_to(path).as_posix())
    return buffer.getvalue()


def _visible(paths, root: Path):
    return [p for p in paths if not IGNORED_DIRS.intersection(p.relative_to(root).parts)
            and not any(part.startswith(".") for part in p.relative_to(root).parts)]


def locate(root: Path) -> str:
    """The implementation inside ``root``, relative to it: a ``common/`` directory (the shallowest, anywhere),
    else the shallowest directory laid out like ``common/`` (``.`` for ``root`` itself), else the shallowest
    .py file, else notebook. Raises SubmissionError saying what was found."""
    root = Path(root)
    commons = sorted(_visible([p for p in root.rglob("common") if p.is_dir()], root),
                     key=lambda p: (len(p.parts), str(p)))
    if commons:
        return commons[0].relative_to(root).as_posix()
    modules = sorted(_visible([p for m in COMMON_MODULES for p in root.rglob(m) if p.is_file()], root),
                     key=lambda p: (len(p.parts), str(p)))
    if modules:     # laid out like common/ under another name
        return modules[0].parent.relative_to(root).as_posix()
    for suffix in SOURCE_SUFFIXES:
        files = sorted(_visible([p for p in root.rglob(f"*{suffix}") if p.is_file()], root),
                       key=lambda p: (len(p.parts), str(p)))
        if files:
            return files[0].relative_to(root).as_posix()
    listing = ", ".join(sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())[:8])
    raise SubmissionError(f"no common/ directory, .py file or notebook in the submission "
                          f"(found: {listing or 'nothing'})")


def _relative(text: str | None, root: str) -> str | None:
    """``text`` with every mention of the temporary ``root`` made relative to the student's files."""
    return text if text is None else text.replace(root + os.sep, "").replace(root, ".")


@contextlib.contextmanager
def _time_limit(seconds: float | None):
    """Raise OutOfTime after ``seconds`` (main thread only: local workers; a Dask task relies on the
    per-check limits, which bound a submission too)."""
    try:
        with soft_timeout(seconds):
            yield
    except SoftTimeout as exc:
        raise OutOfTime(str(exc)) from None


def judge_directory(root: Path, argv: list[str], renders: tuple[str, ...] = (), assignment: dict | None = None,
                    time_limit: float | None = None) -> dict:
    """Judge the implementation found under ``root`` with the command line's judging options ``argv``.

    Returns ``{"impl", "exit", "error", "report", "rendered", "seconds"}``: ``report`` is the JSON report
    (paths relative to ``root``) or None with ``error`` saying why nothing was judged; ``rendered`` maps each
    format of ``renders`` to the report in that format."""
    from reference.frontends import cli
    from reference.report import gradescope, render

    started = time.monotonic()
    out = {"impl": None, "exit": 2, "error": None, "report": None, "rendered": {}, "seconds": 0.0}
    root = Path(root).resolve()
    stderr = io.StringIO()
    try:
        impl = locate(root)
        out["impl"] = impl
        with contextlib.redirect_stderr(stderr), _time_limit(time_limit):
            args = cli.build_parser().parse_args([str(root / impl), *argv, "--no-progress", "--color", "never"])
            status, report = cli.judge(args)
    except (SubmissionError, OutOfTime) as exc:
        out["error"] = str(exc)
    except SystemExit:
        out["error"] = stderr.getvalue().strip().splitlines()[-1] if stderr.getvalue().strip() else "usage error"
    else:
        out["exit"] = status
        if report is None:
            lines = stderr.getvalue().strip().splitlines()
            out["error"] = lines[-1].removeprefix("scratch-conformance: ") if lines else f"exit status {status}"
        else:
            # one pass over the JSON text (C encoder) makes every path relative; far cheaper than walking the dict
            text = _relative(json.dumps(report.to_dict(), allow_nan=False), json.dumps(str(root))[1:-1])
            out["report"] = json.loads(text)
            out["error"] = report.nothing_judged
            for fmt in renders:
                if fmt == "json":
                    out["rendered"][fmt] = text + "\n"
                elif fmt == "gradescope":
                    out["rendered"][fmt] = json.dumps(gradescope.results(out["report"], assignment), indent=2,
                                                      ensure_ascii=False) + "\n"
                else:
                    out["rendered"][fmt] = _relative(render(report, fmt, assignment=assignment), str(root))
    out["error"] = _relative(out["error"], str(root))
    out["seconds"] = time.monotonic() - started
    return out


def judge_bytes(name: str, payload: bytes, argv: list[str], renders: tuple[str, ...] = (),
                assignment: dict | None = None, time_limit: float | None = None, digest: bool = False) -> dict:
    """``judge_directory`` on a submission packed by ``pack``: what a local or remote worker runs. With
    ``digest``, the report comes back as only what the class summary reads (``class_summary.digest``): a
    whole report is megabytes, and a class is hundreds of them."""
    scratch = Path(tempfile.mkdtemp(prefix="scratch-submission-"))
    try:
        root = scratch / "submission"
        root.mkdir()
        with zipfile.ZipFile(io.BytesIO(payload)) as z:
            for member in z.namelist():
                target = (root / member).resolve()
                if not target.is_relative_to(root.resolve()):
                    raise SubmissionError(f"the archive member {member!r} points outside the submission")
            z.extractall(root)
        result = judge_directory(root, argv, renders, assignment, time_limit)
    except (SubmissionError, zipfile.BadZipFile) as exc:
        result = {"impl": None, "exit": 2, "error": str(exc), "report": None, "rendered": {}, "seconds": 0.0}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if digest and result["report"] is not None:
        from reference.report.class_summary import digest as summary_digest

        result["report"] = summary_digest(result["report"])
    return {"name": name, **result}

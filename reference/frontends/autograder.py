"""The Gradescope autograder: build its bundle, and run inside it.

``scratch-conformance autograder ASSIGNMENT.toml -o autograder.zip [--wheel FILE]``
writes the zip Gradescope asks for: ``setup.sh`` (installs this suite, NumPy
only, from ``dist/``), ``run_autograder``, ``assignment.toml`` and ``dist/``
holding a wheel of this very installation (built here, no build tools or
network needed) or the wheel/sdist given with ``--wheel``.

Inside the image, ``run_autograder`` runs ``--run``: find the submission under
``ROOT/submission`` (``submission.locate``), judge it with the assignment's
oracle, dtype and components, write ``ROOT/results/results.json``
(``reference.report.gradescope``). ROOT is ``/autograder``, or
``$AUTOGRADER_ROOT`` so that a test can lay one out in a temporary directory.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import importlib.metadata
import json
import os
import sys
import zipfile
from pathlib import Path

DIST_NAME = "scratch-layers-conformance"
PACKAGES = ("reference", "scratch_layers")
TEMPLATES = Path(__file__).with_name("templates")     # package data


def _digest(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _package_files():
    """(archive name, path) of every file of the installed packages, caches left out."""
    import reference
    import scratch_layers

    for module in (reference, scratch_layers):
        top = Path(module.__file__).resolve().parent
        for path in sorted(top.rglob("*")):
            rel = path.relative_to(top.parent)
            if path.is_file() and "__pycache__" not in rel.parts and path.suffix not in (".pyc", ".pyo"):
                yield rel.as_posix(), path


def build_wheel(directory: Path) -> Path:
    """A pure-Python wheel of this installation (its runtime requirements only: NumPy) in ``directory``."""
    version = importlib.metadata.version(DIST_NAME)
    requires = [r for r in importlib.metadata.requires(DIST_NAME) or [] if "extra ==" not in r]
    info = f"{DIST_NAME.replace('-', '_')}-{version}.dist-info"
    meta = {
        f"{info}/METADATA": "\n".join(["Metadata-Version: 2.1", f"Name: {DIST_NAME}", f"Version: {version}",
                                       "Requires-Python: >=3.10", *(f"Requires-Dist: {r}" for r in requires)]) + "\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: scratch-conformance autograder\nRoot-Is-Purelib: true\n"
                         "Tag: py3-none-any\n",
        f"{info}/entry_points.txt": "[console_scripts]\nscratch-conformance = reference.frontends.cli:main\n",
    }
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{DIST_NAME.replace('-', '_')}-{version}-py3-none-any.whl"
    record = []
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as whl:
        for name, path in _package_files():
            data = path.read_bytes()
            whl.writestr(name, data)
            record.append(f"{name},{_digest(data)},{len(data)}")
        for name, text in meta.items():
            data = text.encode()
            whl.writestr(name, data)
            record.append(f"{name},{_digest(data)},{len(data)}")
        record.append(f"{info}/RECORD,,")
        whl.writestr(f"{info}/RECORD", "\n".join(record) + "\n")
    return target


def _add_executable(bundle: zipfile.ZipFile, name: str, data: bytes) -> None:
    entry = zipfile.ZipInfo(name)
    entry.external_attr = 0o100755 << 16
    entry.compress_type = zipfile.ZIP_DEFLATED
    bundle.writestr(entry, data)


def build(assignment_path: Path, output: Path, wheel: Path | None = None) -> Path:
    """Write the Gradescope bundle for ``assignment_path`` to ``output``; raises AssignmentError, OSError."""
    import tempfile

    from reference.frontends.assignment import load

    assignment = load(assignment_path)
    if wheel is not None and not (wheel.is_file() and wheel.name.endswith((".whl", ".tar.gz", ".zip"))):
        raise OSError(f"--wheel {wheel}: expected an existing wheel (.whl) or sdist (.tar.gz) of this suite")
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        package = wheel or build_wheel(Path(scratch))
        with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as bundle:
            for script in ("setup.sh", "run_autograder"):
                _add_executable(bundle, script, (TEMPLATES / script).read_bytes())
            bundle.writestr("assignment.toml", assignment.source)
            bundle.write(package, f"dist/{package.name}")
    return output


def run(root: Path) -> int:
    """Judge ``root/submission`` for ``root/source/assignment.toml``; always writes ``root/results/results.json``."""
    from reference.frontends.assignment import AssignmentError, load
    from reference.frontends.submission import judge_directory
    from reference.report.gradescope import results as gradescope_results

    out = root / "results" / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        assignment = load(root / "source" / "assignment.toml")
    except AssignmentError as exc:     # the instructor's mistake: say so to everyone, score nothing
        out.write_text(json.dumps({"score": 0, "output": f"autograder misconfigured: {exc}"}, indent=2) + "\n")
        print(exc, file=sys.stderr)
        return 1
    plain = assignment.plain()
    # Gradescope already runs each submission in its own container; the sandbox is a second wall where the
    # container allows namespaces (setup.sh installs bubblewrap), resource limits where it does not.
    argv = [*assignment.judging_argv(), "--sandbox", os.environ.get("AUTOGRADER_SANDBOX", "auto")]
    result = judge_directory(root / "submission", argv, ("gradescope", "terminal"), plain)
    if "gradescope" in result["rendered"]:
        out.write_text(result["rendered"]["gradescope"], encoding="utf-8")
        print(result["rendered"]["terminal"], end="")
    else:
        data = gradescope_results({"nothing_judged": result["error"]}, plain)
        out.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"not judged: {result['error']}")
    return 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="scratch-conformance autograder",
                                description="Build a Gradescope autograder bundle for an assignment.")
    p.add_argument("assignment", nargs="?", metavar="ASSIGNMENT.toml")
    p.add_argument("--output", "-o", metavar="ZIP", default="autograder.zip", help="default: autograder.zip")
    p.add_argument("--wheel", metavar="FILE", help="install this wheel or sdist of the suite instead of one built "
                                                   "from this installation")
    p.add_argument("--run", action="store_true", help=argparse.SUPPRESS)    # what run_autograder calls
    p.add_argument("--root", default="/autograder", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.run:
        return run(Path(args.root))
    if not args.assignment:
        p.error("the ASSIGNMENT.toml to grade is required")
    from reference.frontends.assignment import AssignmentError

    try:
        written = build(Path(args.assignment), Path(args.output), Path(args.wheel) if args.wheel else None)
    except (AssignmentError, OSError) as exc:
        print(f"scratch-conformance autograder: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {written}: upload it as the autograder of a Gradescope programming assignment")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

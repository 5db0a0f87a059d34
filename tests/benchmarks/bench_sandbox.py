"""What the sandbox costs per submission in ``batch --oracle golden`` (not a test: it prints times).

A class of identical submissions (the book-like fixture's functions.py and
layers.py: 19 components, 285 checks each) is judged with ``--sandbox off``
and ``--sandbox on``, alternately, best of ``--repeat`` wall times each; the
difference per submission is what the sandbox adds (bubblewrap's namespaces
and mounts at each worker start, the rlimits, the integrity watch after each
check). Target: under 10% of the judging time.

    python tests/benchmarks/bench_sandbox.py [--submissions 20] [--repeat 3] [--jobs 1]

About 4 minutes with the defaults on a 2-core machine.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODULES = ("config.py", "np.py", "functions.py", "layers.py")
TARGET = 0.10


def make_class(directory: Path, count: int) -> Path:
    source = ROOT / "tests" / "fixtures" / "book_like" / "common"
    submissions = directory / "submissions"
    for i in range(count):
        common = submissions / f"student{i:02d}" / "common"
        common.mkdir(parents=True)
        for name in MODULES:
            shutil.copy(source / name, common / name)
    return submissions


def batch_seconds(submissions: Path, output: Path, sandbox: str, jobs: int) -> float:
    started = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "reference", "batch", str(submissions), "-o", str(output),
                          "--oracle", "golden", "--jobs", str(jobs), "--sandbox", sandbox, "--no-progress"],
                         capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - started
    if run.returncode != 0:
        raise SystemExit(f"batch --sandbox {sandbox} failed:\n{run.stdout}\n{run.stderr}")
    return seconds


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--submissions", type=int, default=20)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--jobs", type=int, default=1)
    args = p.parse_args(argv)
    from reference.sandbox import jail

    if not jail.bubblewrap():
        raise SystemExit("bubblewrap cannot create namespaces here: nothing to measure")
    times: dict[str, list[float]] = {"off": [], "on": []}
    with tempfile.TemporaryDirectory() as tmp:
        submissions = make_class(Path(tmp), args.submissions)
        for round_ in range(args.repeat):
            for sandbox in ("off", "on"):
                times[sandbox].append(batch_seconds(submissions, Path(tmp) / f"out-{sandbox}-{round_}", sandbox,
                                                    args.jobs))
    off, on = min(times["off"]), min(times["on"])
    per_off, per_on = off * args.jobs / args.submissions, on * args.jobs / args.submissions
    added = (on - off) / off
    print(f"batch --oracle golden, {args.submissions} submissions (19 components, 285 checks each), "
          f"--jobs {args.jobs}, best of {args.repeat}")
    print(f"  sandbox off: {off:7.2f} s   ({per_off:.2f} s per submission)   all: "
          + ", ".join(f"{t:.2f}" for t in times["off"]))
    print(f"  sandbox on:  {on:7.2f} s   ({per_on:.2f} s per submission)   all: "
          + ", ".join(f"{t:.2f}" for t in times["on"]))
    print(f"  the sandbox adds {per_on - per_off:+.3f} s per submission: {100 * added:+.1f}% of the judging time "
          f"(target < {100 * TARGET:.0f}%)")
    return 0 if added < TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())

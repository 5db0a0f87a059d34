"""How fast ``batch`` judges a class: 200 copies of the book-like fixture with a random mix of seeded bugs.

    python tests/benchmarks/bench_batch.py [--students 200] [--jobs 2] [--seed 7] [--keep DIR]

Prints wall time, submissions per minute per core and the peak memory of
the judging processes (``resource.getrusage(RUSAGE_CHILDREN)``: the largest
child, i.e. one worker or one sandboxed implementation process). Target
(issue 14): 200 submissions in at most 5 minutes on 2 cores. Not a timed
test: the figures depend on the machine; ``make_class`` is shared with
tests/test_batch.py.
"""
from __future__ import annotations

import argparse
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BOOK_LIKE = Path(__file__).resolve().parent.parent / "fixtures" / "book_like" / "common"

# (name, file, text, replacement): one real student mistake each; each text occurs once in the fixture
BUGS = (
    ("affine-db-mean", "layers.py", "self.grads[1][...] = np.sum(dout, axis=0)\n        return dx",
     "self.grads[1][...] = np.sum(dout, axis=0) / len(dout)\n        return dx"),
    ("matmul-dW-doubled", "layers.py", "dW = np.dot(self.x.T, dout)", "dW = 2 * np.dot(self.x.T, dout)"),
    ("sigmoid-derivative", "layers.py", "return dout * (1.0 - self.out) * self.out", "return dout * (1.0 - self.out)"),
    ("softmax-loss-no-batch-mean", "layers.py", "dx = dx / batch_size", "dx = dx"),
    ("rnn-tanh-derivative", "time_layers.py", "dt = dh_next * (1 - h_next ** 2)", "dt = dh_next * (1 - h_next)"),
    ("lstm-forget-gate-in-dc", "time_layers.py", "dc_prev = ds * f", "dc_prev = ds"),
    ("lstm-output-gate", "time_layers.py", "do = dh_next * tanh_c_next * o * (1 - o)", "do = dh_next * tanh_c_next"),
    ("time-layers-syntax-error", "time_layers.py", "dc_prev = ds * f", "dc_prev = ds * f)"),
)
EMPTY = "empty-submission"      # a student who uploaded only a README: judged as "nothing to judge"


def make_class(directory: Path, students: int, seed: int = 7, bug_rate: float = 0.6) -> dict[str, list[str]]:
    """Write ``students`` submissions into ``directory``; returns each one's seeded bugs (by name)."""
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    seeded = {}
    for i in range(students):
        name = f"student{i:03d}"
        target = directory / name
        if students >= 20 and i % 50 == 49:
            target.mkdir()
            (target / "README.txt").write_text("forgot to upload the code\n", encoding="utf-8")
            seeded[name] = [EMPTY]
            continue
        wanted = [b[0] for b in rng.sample(BUGS, rng.choice((1, 1, 2, 3)))] if rng.random() < bug_rate else []
        seeded[name] = book_like_with_bugs(target, wanted)
    return seeded


def book_like_with_bugs(target: Path, bug_names: list[str]) -> list[str]:
    """A copy of the book-like fixture at ``target/common`` with the named bugs seeded; returns those seeded
    (a bug whose text an earlier one replaced is left out)."""
    shutil.copytree(BOOK_LIKE, target / "common", ignore=shutil.ignore_patterns("__pycache__"))
    seeded = []
    for bug in (b for b in BUGS if b[0] in bug_names):
        path = target / "common" / bug[1]
        text = path.read_text(encoding="utf-8")
        if bug[2] in text:
            path.write_text(text.replace(bug[2], bug[3], 1), encoding="utf-8")
            seeded.append(bug[0])
    return seeded


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--students", type=int, default=200)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--sandbox", default="on", choices=("on", "auto", "off"),
                   help="batch's --sandbox (default on, as batch; see the note it prints on CPU accounting)")
    p.add_argument("--keep", metavar="DIR", help="write the class and the summary here and keep them")
    args = p.parse_args(argv)
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-batch-"))
    try:
        seeded = make_class(root / "class", args.students, args.seed)
        buggy = sum(bool(b) for b in seeded.values())
        cmd = [sys.executable, "-m", "reference", "batch", str(root / "class"), "-o", str(root / "summary"),
               "--oracle", "golden", "--jobs", str(args.jobs), "--sandbox", args.sandbox, "--no-progress"]
        started = time.monotonic()
        done = subprocess.run(cmd, capture_output=True, text=True)
        wall = time.monotonic() - started
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = usage.ru_utime + usage.ru_stime
        print(done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr.strip())
        print(f"submissions:        {args.students} ({buggy} with seeded bugs or empty), exit status {done.returncode}")
        print(f"wall time:          {wall:.1f} s (target: at most 300 s on 2 cores)")
        print(f"per minute per core: {args.students / (wall / 60) / args.jobs:.1f} submissions")
        print(f"CPU time:           {cpu:.1f} s ({cpu / args.students:.2f} s per submission)")
        print(f"peak memory:        {usage.ru_maxrss / 1024:.0f} MB (largest judging process)")
        if args.sandbox != "off":
            print("note: processes inside a bubblewrap jail are not counted by getrusage(RUSAGE_CHILDREN); "
                  "--sandbox off counts the implementation processes too")
        return 0 if done.returncode in (0, 2) else 1
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())

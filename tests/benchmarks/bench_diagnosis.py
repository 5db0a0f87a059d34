"""Benchmark: how often the report names the true cause of a student's bug, and finds a verified fix.

Each bug of ``tests/benchmarks/diagnosis/bugs.py`` (realistic student bugs,
each with its true cause, kept apart from the catalogue's own tests) is
applied to a copy of the book-like ``common/`` (tests/fixtures/book_like plus
the benchmark's optimizers and clip_grads) and judged in golden mode with
``--fix``, in its own worker process like the command line does. Printed:

- named: the component's first report line (its cause) names the true cause;
- wrong: a cause is stated and it is not the true one (the worst outcome);
- fixed: a verified fix was found (and how many restore the original line);
- the time diagnosis adds per failing component: the matcher (cause) and the
  repair search (fix), measured around those two calls.

The unmodified copy is judged first: it must get no cause and no fix.

Not a test (pytest does not collect it). From the repository root:

    python tests/benchmarks/bench_diagnosis.py [--only BUG_ID ...] [--json results.json]
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent / "diagnosis"))

from bugs import BUGS, Bug  # noqa: E402

from reference.diagnostics import matcher, repair  # noqa: E402
from reference.judging.judge import Judge, Settings  # noqa: E402
from reference.sandbox.runner import SubprocessRunner  # noqa: E402

FIXTURE = ROOT / "tests" / "fixtures" / "book_like" / "common"
EXTRA = Path(__file__).resolve().parent / "diagnosis" / "extra"


class Timed:
    """Wraps ``module.name`` to add the seconds spent in it to ``self.seconds``."""

    def __init__(self, module, name):
        self.module, self.name, self.original = module, name, getattr(module, name)
        self.seconds = 0.0
        self.per_component: dict[str, float] = {}     # component id -> seconds, since the last take()

        def timed(component, *args, **kwargs):
            started = time.perf_counter()
            try:
                return self.original(component, *args, **kwargs)
            finally:
                spent = time.perf_counter() - started
                self.seconds += spent
                self.per_component[component.id] = self.per_component.get(component.id, 0.0) + spent
        setattr(module, name, timed)

    def take(self) -> float:
        s, self.seconds = self.seconds, 0.0
        return s

    def take_per_component(self) -> dict[str, float]:
        d, self.per_component = self.per_component, {}
        return d


def base_copy(where: Path) -> Path:
    common = where / "common"
    shutil.copytree(FIXTURE, common)
    for f in EXTRA.glob("*.py"):
        shutil.copy(f, common / f.name)
    return common


def apply_bug(common: Path, bug: Bug) -> None:
    path = common / bug.file
    text = path.read_text()
    if text.count(bug.old) != 1:
        raise SystemExit(f"bug {bug.id}: the text to replace occurs {text.count(bug.old)} times in {bug.file}")
    path.write_text(text.replace(bug.old, bug.new))


def judge(common: Path, only) -> object:
    with SubprocessRunner(str(common)) as runner:
        return Judge(runner, Settings(oracle="golden", only=list(only), impl_label=str(common), fix=True)).run()


def target_of(report, name: str, failing):
    """The component ``name`` (an id), or the first failing entry of the family ``name``."""
    exact = [c for c in report.components if c.name == name]
    family = [c for c in failing if c.family == name] or [c for c in report.components if c.family == name]
    return (exact or family)[0]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--only", nargs="+", metavar="BUG_ID")
    p.add_argument("--json", metavar="PATH", help="write the per-bug results here")
    args = p.parse_args(argv)
    bugs = [b for b in BUGS if not args.only or b.id in args.only]
    cause_timer, fix_timer = Timed(matcher, "match"), Timed(repair, "search")
    rows = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        clean = judge(base_copy(Path(tmp) / "clean"), sorted({n for b in bugs for n in b.only}))
        stray = [c.name for c in clean.components if c.cause or c.fix or c.status in ("fail", "error")]
        print(f"unmodified copy: {len(clean.components)} components, "
              + ("no cause, no fix, nothing failing" if not stray else f"NOT CLEAN: {', '.join(stray)}"))
        cause_timer.take(), fix_timer.take(), cause_timer.take_per_component(), fix_timer.take_per_component()
        worst = (0.0, "")
        for bug in bugs:
            common = base_copy(Path(tmp) / bug.id)
            apply_bug(common, bug)
            report = judge(common, bug.only)
            failing = [c for c in report.components if c.status in ("fail", "error")]
            target = target_of(report, bug.component, failing)
            cause = target.cause or {}
            stated = cause.get("id")
            named = bool(stated and bug.cause and bug.cause in stated.split("+"))
            fix = target.fix
            original = (FIXTURE / bug.file if (FIXTURE / bug.file).exists() else EXTRA / bug.file).read_text()
            restores = bool(fix) and all(line.strip() in original for line in fix["new"].splitlines())
            rows.append({"bug": bug.id, "component": bug.component, "status": target.status,
                         "true_cause": bug.cause, "stated_cause": stated, "named": named,
                         "wrong": bool(stated) and not named, "fixed": bool(fix), "restores": restores,
                         "fix": fix and f"{Path(fix['file']).name}:{fix['line']}: {fix['new']}",
                         "failing": len(failing), "cause_s": cause_timer.take(), "fix_s": fix_timer.take()})
            r = rows[-1]
            causes, fixes = cause_timer.take_per_component(), fix_timer.take_per_component()
            for cid in set(causes) | set(fixes):
                worst = max(worst, (causes.get(cid, 0.0) + fixes.get(cid, 0.0), f"{cid} ({bug.id})"))
            print(f"  {bug.id:28} {target.status:6} cause {'named' if named else 'WRONG' if r['wrong'] else '-':5} "
                  f"fix {'yes' if fix else '-':3} {r['cause_s'] + r['fix_s']:5.2f} s / {len(failing)} failing"
                  + (f"   stated {stated}" if r["wrong"] else ""))
    n = len(rows)
    per = [(r["cause_s"] + r["fix_s"]) / r["failing"] for r in rows if r["failing"]]
    fix_per = [r["fix_s"] / r["failing"] for r in rows if r["failing"]]
    detected = sum(r["status"] in ("fail", "error") for r in rows)
    print(f"\n{n} buggy implementations ({sum(r['true_cause'] is not None for r in rows)} with a catalogued cause), "
          f"{detected} detected as failing, in {time.perf_counter() - started:.0f} s")
    print(f"  first line names the true cause: {sum(r['named'] for r in rows)}/{n} "
          f"({100 * sum(r['named'] for r in rows) / n:.0f}%)")
    print(f"  verified fix found:              {sum(r['fixed'] for r in rows)}/{n} "
          f"({100 * sum(r['fixed'] for r in rows) / n:.0f}%), {sum(r['restores'] for r in rows)} restoring "
          f"the original line")
    print(f"  stated cause is wrong:           {sum(r['wrong'] for r in rows)}/{n} "
          f"({100 * sum(r['wrong'] for r in rows) / n:.0f}%)")
    if per:
        print(f"  diagnosis time per failing component (cause + fix): median {statistics.median(per):.2f} s, "
              f"max {max(per):.2f} s (repair search alone: median {statistics.median(fix_per):.2f} s, "
              f"max {max(fix_per):.2f} s); slowest single component: {worst[0]:.2f} s, {worst[1]}")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    return 0 if not stray else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""``scratch-conformance classroom-workflow``: the GitHub Actions workflow for GitHub Classroom or any CI.

Prints ``templates/classroom.yml`` with the install source, the student's
implementation path and the judging options filled in. The workflow writes
the Markdown report to ``$GITHUB_STEP_SUMMARY``, the JUnit report for the test
view, and exits with the suite's status (1 when a component does not
conform), which fails the job.
"""
from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

TEMPLATE = Path(__file__).with_name("templates") / "classroom.yml"     # package data
DEFAULT_INSTALL = "scratch-layers-conformance @ git+https://github.com/YOUR-ORG/scratch-layers-conformance"


def render(install: str = DEFAULT_INSTALL, impl: str = "common", args: list[str] | None = None) -> str:
    text = TEMPLATE.read_text(encoding="utf-8")
    return (text.replace("{install}", install).replace("{impl}", shlex.quote(impl))
            .replace("{args}", shlex.join(args if args is not None else ["--oracle", "golden"])))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="scratch-conformance classroom-workflow",
                                description="Print the GitHub Actions workflow that judges a student's push.")
    p.add_argument("--install", default=DEFAULT_INSTALL, metavar="PIP_SPEC",
                   help="what `pip install` installs in the job (a git URL or a wheel URL of this suite)")
    p.add_argument("--impl", default="common", help="the implementation in the student's repository "
                                                    "(default: common)")
    p.add_argument("--output", "-o", metavar="FILE", help="write it here (e.g. .github/workflows/conformance.yml)")
    p.add_argument("judging", nargs=argparse.REMAINDER, metavar="-- OPTIONS",
                   help="judging options after --, e.g. -- --oracle golden --only Affine TimeLSTM "
                        "(default: --oracle golden)")
    args = p.parse_args(argv)
    judging = args.judging[1:] if args.judging[:1] == ["--"] else args.judging
    text = render(args.install, args.impl, judging or None)
    if args.output:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        print(text, end="")
    return 0

"""The judging options the single run and ``batch`` share (one definition, no circle)."""
from __future__ import annotations

import argparse


def add_judging_options(p: argparse.ArgumentParser, sandbox: str = "auto") -> None:
    """The shared options; ``sandbox`` is the default of ``--sandbox`` (``batch`` and autograders: ``on``)."""
    from reference.judging.judge import ORACLE_CHOICES
    from reference.sandbox.runner import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT

    p.add_argument("--oracle", choices=ORACLE_CHOICES + ("fd64",), default="auto",
                   help="who judges: auto (live frameworks when installed, else their golden recordings, "
                        "plus finite differences), live, golden, torch, keras, numeric")
    p.add_argument("--dtype", choices=("float32", "float64", "both"), default="both")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                   help=f"time limit per check (default {DEFAULT_TIMEOUT:g})")
    p.add_argument("--memory", type=int, default=DEFAULT_MEMORY_MB, metavar="MB",
                   help=f"memory limit of the process running the implementation (default {DEFAULT_MEMORY_MB})")
    p.add_argument("--sandbox", choices=("auto", "on", "off"), default=sandbox,
                   help=f"contain the code under test (bubblewrap: no network, read-only file system, other "
                        f"submissions hidden): on (fail when impossible), auto (the best this machine offers), "
                        f"off (default {sandbox})")
    p.add_argument("--alias", action="extend", nargs="+", default=[], metavar="NAME=OTHER",
                   help="use the implementation's OTHER for the contract's NAME")

"""The judging options the single run and ``batch`` share (one definition, no circle)."""
from __future__ import annotations

import argparse


def add_judging_options(p: argparse.ArgumentParser) -> None:
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
    p.add_argument("--alias", action="extend", nargs="+", default=[], metavar="NAME=OTHER",
                   help="use the implementation's OTHER for the contract's NAME")

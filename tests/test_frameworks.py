"""The frameworks as the oracles use them: imported lazily, one thread each unless told otherwise."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from reference.oracles import frameworks
from tests.generated import require

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.parametrize("environment, expected", [
    ({}, 1),                                                        # not the core count: see frameworks.threads
    ({"OMP_NUM_THREADS": "3"}, 3),                                  # the variable every numeric library reads
    ({"OMP_NUM_THREADS": "3", "SCRATCH_CONFORMANCE_THREADS": "2"}, 2),
    ({"OMP_NUM_THREADS": "auto"}, 1),                               # not a count: ignored
    ({"SCRATCH_CONFORMANCE_THREADS": "0"}, 1),
])
def test_threads_default_to_one_and_follow_the_environment(monkeypatch, environment, expected):
    for variable in ("OMP_NUM_THREADS", frameworks.THREADS_ENV, "PYTEST_XDIST_WORKER"):
        monkeypatch.delenv(variable, raising=False)
    for variable, value in environment.items():
        monkeypatch.setenv(variable, value)
    assert frameworks.threads() == expected


def test_torch_runs_on_one_thread_outside_pytest_xdist_too():
    """A live report or ``batch`` job must not start two OpenMP threads per process: on a busy machine a
    small torch LSTM then takes ~1000x longer (tests/benchmarks/bench_threads.py)."""
    require("torch")
    env = {k: v for k, v in os.environ.items()
           if k not in ("OMP_NUM_THREADS", frameworks.THREADS_ENV, "PYTEST_XDIST_WORKER", "MKL_NUM_THREADS")}
    out = subprocess.run([sys.executable, "-c", "from reference.oracles import frameworks; "
                          "print(frameworks.torch().get_num_threads())"],
                         capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["1"], out.stdout

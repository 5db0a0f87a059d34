"""Why the oracles run their frameworks on one thread (not a test: it prints times).

A torch LSTM of the oracles' size (N=3 T=4 D=H=5, float32 and float64)
runs forward and backward with 1 and with 2 threads, first on a quiet
machine, then while one busy process per core competes for the CPU (as
under pytest -n 2, ``batch --jobs 2`` or a laptop doing something else).
``reference.oracles.frameworks.threads`` defaults to 1 from these numbers.

    python tests/benchmarks/bench_threads.py [--calls 20]

About 20 s on a 2-core machine.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import time


def _spin(stop) -> None:
    while not stop.is_set():
        pass


def _lstm_ms(torch, threads: int, dtype, calls: int) -> float:
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(5, 5, batch_first=True).to(dtype)
    x = torch.randn(3, 4, 5, dtype=dtype, requires_grad=True)
    for _ in range(3):
        lstm(x)[0].sum().backward()
    started = time.perf_counter()
    for _ in range(calls):
        lstm(x)[0].sum().backward()
    return (time.perf_counter() - started) / calls * 1000


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20, help="forward and backward calls timed per setting")
    args = parser.parse_args(argv)
    import torch

    cores = os.cpu_count() or 1
    print(f"torch {torch.__version__}, {cores} cores; ms per forward + backward (best of 3 runs)")
    print(f"{'machine':8} {'dtype':8} {'1 thread':>9} {'2 threads':>10}")
    for busy in (False, True):
        stop = multiprocessing.Event()
        spinners = [multiprocessing.Process(target=_spin, args=(stop,)) for _ in range(cores if busy else 0)]
        for p in spinners:
            p.start()
        try:
            for dtype in (torch.float32, torch.float64):
                ms = [min(_lstm_ms(torch, n, dtype, args.calls) for _ in range(3)) for n in (1, 2)]
                print(f"{'busy' if busy else 'quiet':8} {str(dtype)[6:]:8} {ms[0]:9.2f} {ms[1]:10.2f}", flush=True)
        finally:
            stop.set()
            for p in spinners:
                p.join()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

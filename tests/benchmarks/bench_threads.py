"""Why the oracles run their frameworks on one thread (not a test: it prints times).

A torch LSTM of the oracles' size (N=3 T=4 D=H=5, float32) runs forward
and backward with 1 and with 2 threads: alone, and in as many processes at
once as there are cores, each doing the same (as two judges side by side,
``batch --jobs 2`` or ``measure`` in two terminals do), and alone beside one
busy pure-Python process per core. ``reference.oracles.frameworks.threads``
defaults to 1 from these numbers.

    python tests/benchmarks/bench_threads.py [--calls 50]

About 30 s on a 2-core machine.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import time


def _spin(stop) -> None:
    while not stop.is_set():
        pass


def _lstm_ms(threads: int, calls: int, results=None) -> float:
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(5, 5, batch_first=True)
    x = torch.randn(3, 4, 5, requires_grad=True)
    for _ in range(3):
        lstm(x)[0].sum().backward()
    started = time.perf_counter()
    for _ in range(calls):
        lstm(x)[0].sum().backward()
    ms = (time.perf_counter() - started) / calls * 1000
    if results is not None:
        results.put(ms)
    return ms


def _side_by_side(processes: int, threads: int, calls: int) -> float:
    """The mean ms per call over ``processes`` processes timing at once."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    workers = [context.Process(target=_lstm_ms, args=(threads, calls, results)) for _ in range(processes)]
    for w in workers:
        w.start()
    times = [results.get(timeout=600) for _ in workers]
    for w in workers:
        w.join()
    return statistics.mean(times)


def _beside_spinners(threads: int, calls: int) -> float:
    stop = multiprocessing.Event()
    spinners = [multiprocessing.Process(target=_spin, args=(stop,)) for _ in range(os.cpu_count() or 1)]
    for p in spinners:
        p.start()
    try:
        return _side_by_side(1, threads, calls)
    finally:
        stop.set()
        for p in spinners:
            p.join()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=50, help="forward and backward calls timed per process")
    args = parser.parse_args(argv)
    import torch

    cores = os.cpu_count() or 1
    print(f"torch {torch.__version__}, {cores} cores; ms per forward + backward, float32, mean over processes")
    print(f"{'setting':34} {'1 thread':>9} {'2 threads':>10}")
    rows = [("alone", lambda n: _side_by_side(1, n, args.calls)),
            (f"{cores} processes side by side", lambda n: _side_by_side(cores, n, args.calls)),
            (f"alone beside {cores} busy processes", lambda n: _beside_spinners(n, args.calls))]
    for name, run in rows:
        one, two = run(1), run(2)
        print(f"{name:34} {one:9.2f} {two:10.2f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark: TimeLSTM forward + backward, three implementations on the CPU.

- ``scratch``: ``scratch_layers.time_layers.TimeLSTM`` (one input projection
  for all steps, preallocated caches, stacked weight gradients);
- ``book``: a straightforward per-step implementation in the book's style,
  the suite's book-like fixture (tests/fixtures/book_like): a Python list of
  LSTM cell objects, one per step, each with its own matmuls and its own
  weight gradients, summed afterwards;
- ``torch``: ``torch.nn.LSTM(batch_first=True)`` forward + autograd backward.

float32, N=20, T=35, D=H=100 and D=H=650 (the book's Rnnlm and BetterRnnlm
sizes). Each implementation runs forward(xs) and backward(dhs) with the same
weights and the same upstream gradient; the repeats are interleaved so that
load from other processes hits all three alike, and the median wall time is
reported after warm-up, with the ratio of median CPU times beside it (the
steadier figure on a shared machine). The script also checks that the three
agree on hs and dxs.

Threads: BLAS and torch use the same count. The thread variables are set
from ``--threads`` (default 1) before NumPy is imported; when threadpoolctl
is installed, torch gets the count NumPy's BLAS actually reports.

Not a test (pytest does not collect it). From the repository root:

    python tests/benchmarks/bench_time_lstm.py [--threads 1] [--repeats 9]

Targets: scratch within 2.5x of torch at D=H=100 and within 1.3x at D=H=650.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

N, T = 20, 35
SIZES = (100, 650)
TARGET_SCRATCH_OVER_TORCH = {100: 2.5, 650: 1.3}
WARMUP = 2


def _parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=1, help="BLAS and torch threads (default 1)")
    parser.add_argument("--repeats", type=int, default=9, help="timed runs per implementation and size")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="comma-separated D=H sizes")
    return parser.parse_args()


ARGS = _parse_args()
# Thread pools read these when they load: set them before NumPy and torch are imported.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = str(ARGS.threads)
os.environ["SCRATCH_CONFORMANCE_THREADS"] = str(ARGS.threads)  # read by reference.oracles.frameworks
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np  # noqa: E402

from reference.oracles import frameworks
from reference.registry import layouts  # noqa: E402
from reference.oracles.autodiff import torch_copy_module  # noqa: E402
from scratch_layers.time_layers import TimeLSTM  # noqa: E402


def blas_threads() -> tuple[int, str]:
    """Threads NumPy's BLAS uses: from threadpoolctl when installed, else the --threads we set."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return ARGS.threads, "set via OPENBLAS_NUM_THREADS/OMP_NUM_THREADS"
    blas = [info for info in threadpool_info() if info.get("user_api") == "blas"]
    if not blas:
        return ARGS.threads, "threadpoolctl found no BLAS; assumed --threads"
    return int(blas[0]["num_threads"]), f"threadpoolctl: {blas[0].get('internal_api')}"


def load_torch(threads: int):
    """torch via reference.oracles.frameworks (lazy, quiet), pinned to ``threads``."""
    torch = frameworks.torch()
    torch.set_num_threads(threads)
    return torch


# ------------------------------------------------ the book-style baseline
# The suite's book-like fixture implementation (tests/fixtures/book_like, written
# from the contract in the book's style): a Python list of LSTM cell objects,
# one per step, each with its own matmuls; per-step weight gradients summed.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures" / "book_like"))
from common.time_layers import TimeLSTM as BookTimeLSTM  # noqa: E402


# ------------------------------------------------------------ measuring
def make_runners(torch, size: int, seed: int = 0):
    """Three zero-argument callables doing forward + backward, and a function returning (hs, dxs) of each."""
    D = H = size
    rng = np.random.default_rng(seed)
    Wx = (rng.standard_normal((D, 4 * H)) / np.sqrt(D)).astype(np.float32)
    Wh = (rng.standard_normal((H, 4 * H)) / np.sqrt(H)).astype(np.float32)
    b = (rng.standard_normal(4 * H) * 0.1).astype(np.float32)
    xs = rng.standard_normal((N, T, D)).astype(np.float32)
    dhs = rng.standard_normal((N, T, H)).astype(np.float32)

    scratch = TimeLSTM(Wx, Wh, b)
    book = BookTimeLSTM(Wx, Wh, b)
    module = torch_copy_module(torch.nn.LSTM(D, H, batch_first=True),
                               layouts.book_lstm_to_torch(Wx, Wh, b), np.float32)
    x_t = torch.from_numpy(xs).requires_grad_(True)
    dhs_t = torch.from_numpy(dhs)

    def run_torch():
        module.zero_grad(set_to_none=True)
        x_t.grad = None
        out, _ = module(x_t)
        out.backward(dhs_t)
        return out.detach().numpy(), x_t.grad.numpy()

    runners = {
        "scratch": lambda: (scratch.forward(xs), scratch.backward(dhs)),
        "book": lambda: (book.forward(xs), book.backward(dhs)),
        "torch": run_torch,
    }
    return runners


def agreement(runners) -> str:
    """Largest difference of hs and dxs from torch, relative to max |torch|."""
    ref_hs, ref_dxs = runners["torch"]()
    parts = []
    for name in ("scratch", "book"):
        hs, dxs = runners[name]()
        rel_hs = np.max(np.abs(hs - ref_hs)) / np.max(np.abs(ref_hs))
        rel_dxs = np.max(np.abs(dxs - ref_dxs)) / np.max(np.abs(ref_dxs))
        parts.append(f"{name} vs torch: hs {rel_hs:.1e}, dxs {rel_dxs:.1e}")
    return "; ".join(parts)


def median_seconds(runners, repeats: int) -> tuple[dict[str, float], dict[str, float]]:
    """Median wall and CPU time per implementation, runs interleaved, after WARMUP runs of each.

    CPU time (this process) is the steadier number when other processes share
    the cores; with one thread it equals the wall time on an idle machine.
    """
    for _ in range(WARMUP):
        for run in runners.values():
            run()
    wall = {name: [] for name in runners}
    cpu = {name: [] for name in runners}
    for _ in range(repeats):
        for name, run in runners.items():
            w0, c0 = time.perf_counter(), time.process_time()
            run()
            wall[name].append(time.perf_counter() - w0)
            cpu[name].append(time.process_time() - c0)
    return ({name: statistics.median(ts) for name, ts in wall.items()},
            {name: statistics.median(ts) for name, ts in cpu.items()})


def main() -> None:
    threads, how = blas_threads()
    torch = load_torch(threads)
    sizes = [int(s) for s in ARGS.sizes.split(",") if s.strip()]
    print(f"TimeLSTM forward+backward, float32, N={N} T={T}; median of {ARGS.repeats} "
          f"interleaved runs after {WARMUP} warm-ups")
    print(f"threads: BLAS {threads} ({how}), torch {torch.get_num_threads()}; "
          f"numpy {np.__version__}, torch {torch.__version__}")
    header = (f"{'D=H':>5} {'scratch ms':>11} {'book ms':>9} {'torch ms':>9} "
              f"{'scratch/torch':>14} {'book/scratch':>13} {'cpu scratch/torch':>18} {'target':>10}")
    rows = []
    for size in sizes:
        runners = make_runners(torch, size)
        check = agreement(runners)
        wall, cpu = median_seconds(runners, ARGS.repeats)
        ratio = wall["scratch"] / wall["torch"]
        target = TARGET_SCRATCH_OVER_TORCH.get(size)
        verdict = "" if target is None else (f"<={target}" + (" ok" if ratio <= target else " MISSED"))
        rows.append(f"{size:>5} {wall['scratch'] * 1e3:>11.2f} {wall['book'] * 1e3:>9.2f} "
                    f"{wall['torch'] * 1e3:>9.2f} {ratio:>14.2f} {wall['book'] / wall['scratch']:>13.2f} "
                    f"{cpu['scratch'] / cpu['torch']:>18.2f} {verdict:>10}")
        print(f"  D=H={size} agreement: {check}")
    print(header)
    print("\n".join(rows))


if __name__ == "__main__":
    main()

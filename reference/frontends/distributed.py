"""Judging a class on a Dask cluster (``batch --scheduler ADDRESS``).

The task is the same pure function the local workers run
(``submission.judge_bytes``); each submission travels to its worker as zip
bytes, so a worker needs this package installed (same version) but not the
instructor's file system. Any cluster dask.distributed reaches works: a
``dask scheduler`` with ``dask worker`` processes, dask-jobqueue (Slurm,
PBS), dask-kubernetes (README, "Judging a class").
"""
from __future__ import annotations

from reference.frontends.submission import judge_bytes

CONNECT_TIMEOUT = "20s"      # how long to wait for the scheduler before saying it cannot be reached


def run_on_dask(address, jobs: list[tuple[str, bytes]], argv: list[str], renders=(), assignment=None,
                on_result=None, digest: bool = False) -> list[dict]:
    """Judge ``jobs`` (name, zip bytes) on the cluster at ``address`` (a scheduler address or a Cluster
    object); results in the order of ``jobs``, each as ``on_result`` returns it (as ``batch.run_local``)."""
    try:
        from dask.distributed import Client, as_completed
    except ImportError:
        raise OSError("dask.distributed is not installed: pip install 'scratch-layers-conformance[dask]'") from None
    with Client(address, timeout=CONNECT_TIMEOUT) as client:
        futures = [client.submit(judge_bytes, name, payload, argv, tuple(renders), assignment, None, digest,
                                 key=f"judge-{index}-{name}", pure=False)
                   for index, (name, payload) in enumerate(jobs)]
        results = {}
        for future in as_completed(futures):
            try:
                result = future.result()
            except Exception as exc:  # noqa: BLE001 - a lost worker is this submission's verdict, not the run's
                index = futures.index(future)
                result = {"name": jobs[index][0], "impl": None, "exit": None, "report": None, "rendered": {},
                          "seconds": 0.0, "error": f"the Dask task failed: {type(exc).__name__}: {exc}"}
            results[result["name"]] = on_result(result) if on_result else result
    return [results[name] for name, _ in jobs]

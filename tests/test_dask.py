"""Grading beyond one machine: a class judged on a Dask cluster gives the class summary local workers give."""
from __future__ import annotations

import distributed      # the test extra installs it (pyproject.toml)

from reference.frontends import batch
from reference.frontends.assignment import parse
from reference.frontends.distributed import run_on_dask
from reference.frontends.submission import pack
from reference.report import class_summary
from tests.benchmarks.bench_batch import book_like_with_bugs
from tests.test_batch import ASSIGNMENT


def test_summary_on_a_local_cluster_equals_the_local_one(tmp_path):
    book_like_with_bugs(tmp_path / "alice", [])
    book_like_with_bugs(tmp_path / "bob", ["affine-db-mean", "rnn-tanh-derivative"])
    (tmp_path / "carol").mkdir()
    (tmp_path / "carol" / "notes.txt").write_text("no code\n", encoding="utf-8")
    assignment = parse(ASSIGNMENT)
    argv = assignment.judging_argv() + ["--sandbox", "off"]
    # bytes travel, not paths: the workers never see tmp_path
    jobs = [(path.name, pack(path)) for path in sorted(tmp_path.iterdir())]
    plain = assignment.plain()
    local = batch.run_local(jobs, argv, ("html",), plain, time_limit=300, workers=1)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        remote = run_on_dask(cluster.scheduler_address, jobs, argv, ("html",), plain)
    assert [r["name"] for r in remote] == ["alice", "bob", "carol"]
    assert class_summary.summarize(remote, plain) == class_summary.summarize(local, plain)
    # what batch keeps of each report (a digest) summarizes and scores the same as the whole report
    digested = [{**r, "report": class_summary.digest(r["report"]) if r["report"] else None} for r in local]
    assert class_summary.summarize(digested, plain) == class_summary.summarize(local, plain)
    statuses = {r["name"]: (r["report"] or {}).get("summary", {}).get("fail") for r in remote}
    assert statuses["alice"] == 0 and statuses["bob"] >= 2 and statuses["carol"] is None
    assert "python -m reference common --only Affine" in remote[1]["rendered"]["html"]


def test_an_unreachable_scheduler_is_a_clear_usage_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("reference.frontends.distributed.CONNECT_TIMEOUT", "1s")
    book_like_with_bugs(tmp_path / "class" / "alice", [])
    assert batch.main([str(tmp_path / "class"), "--scheduler", "tcp://127.0.0.1:9", "-o", str(tmp_path / "o")]) == 2
    assert "--scheduler tcp://127.0.0.1:9: cannot reach the Dask scheduler" in capsys.readouterr().err

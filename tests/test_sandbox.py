"""Grading untrusted code (issue 12): the sandbox, the integrity checks, one hostile submission per threat.

Every hostile submission of ``tests/fixtures/hostile/`` is judged in ONE
``batch`` (sandbox on, its default) beside ``good/``; ``good/`` is also judged
alone. Each threat's test then asserts that the report names what happened,
that nothing outside the submissions changed, that no process it started
survives, and that ``good/`` got exactly the report it gets alone.

Bubblewrap is required: where it cannot create namespaces these tests FAIL,
unless ``SCRATCH_SANDBOX_UNAVAILABLE=1`` declares that this machine cannot
(then they skip, saying so).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import types
from pathlib import Path

import numpy as np
import pytest

from reference.sandbox import integrity, jail
from reference.sandbox.runner import SubprocessRunner
from tests.judging import FIXTURES, judge

HOSTILE = FIXTURES / "hostile"
ROOT = Path(__file__).resolve().parent.parent

# threat -> what its report must say (a regular expression over the JSON report)
THREATS = {
    "write_outside": r"relu.{0,200}Read-only file system",
    "read_other": r"relu.{0,200}FileNotFoundError: \[Errno 2\] No such file or directory: '[^']*good",
    "read_absolute": r"relu.{0,200}FileNotFoundError: \[Errno 2\] No such file or directory: '[^']*secret",
    "connect": r"relu.{0,200}ConnectionRefusedError: \[Errno 111\] Connection refused",
    "leave_process": r"left 1 process\(es\) running after importing \(sleep {token}\); they were killed",
    "fork_many": (r"left 100 process\(es\) running after importing \(sleep {token}\); they were killed"
                  if not jail.processes_limited() else r"BlockingIOError: \[Errno 11\] Resource temporarily unavailable"),
    "huge_file": r"relu.{0,200}OSError: \[Errno 27\] File too large",
    "spin_cpu": r"sigmoid.{0,200}did not finish within the time limit \(layers.py:1[01]\)",
    "import_reference": r"Affine is not the submission's own code: it is scratch_layers\.layers\.Affine",
    "patch_judge": (r"the code under test replaced numpy\.allclose, numpy\.testing\.assert_allclose, \d+ functions "
                    r"of reference\.registry\.compare in the process that runs it \(undone\)"),
}

def require_bubblewrap() -> None:
    if jail.bubblewrap():
        return
    if os.environ.get("SCRATCH_SANDBOX_UNAVAILABLE"):
        pytest.skip("SCRATCH_SANDBOX_UNAVAILABLE is set: this machine cannot create namespaces for bubblewrap")
    pytest.fail("bubblewrap is missing or cannot create namespaces here (install the 'bubblewrap' package; "
                ".ci/run does). If this machine cannot, set SCRATCH_SANDBOX_UNAVAILABLE=1 to skip these tests.")


def _state(directory: Path, skip: tuple[str, ...]) -> dict:
    """Every file under ``directory`` (but ``skip``) with its size, time and content hash."""
    out = {}
    for path in sorted(directory.rglob("*")):
        rel = path.relative_to(directory)
        if rel.parts[0] in skip or not path.is_file():
            continue
        stat = path.stat()
        out[str(rel)] = (stat.st_size, stat.st_mtime_ns, hash(path.read_bytes()))
    return out


def _processes_named(token: str) -> list[str]:
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                command = f.read().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if token in command:
            found.append(f"{entry}: {command}")
    return found


def _worker_cgroups() -> list[str]:
    """Workers' pids cgroups left behind (root; each is removed when its worker's run ends): those made by
    this process or by one that has ended (a ``batch``), not those of other test processes still running."""
    parent = jail._own_pids_cgroup()
    found = sorted(Path(parent).glob(f"{jail.CGROUP_PREFIX}*")) if parent else []
    owners = {p: jail.cgroup_owner(p.name) for p in found}
    return [str(p) for p, owner in owners.items() if owner == os.getpid() or not Path(f"/proc/{owner}").exists()]


def _batch(submissions: Path, output: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "reference", "batch", str(submissions), "-o", str(output),
                           "--oracle", "golden", "--dtype", "float64", "--timeout", "2", "--jobs", "2"],
                          capture_output=True, text=True, timeout=600, cwd=ROOT)


def _real_disk_directory() -> Path:
    """A writable directory outside everything the jail makes private (/tmp, HOME, ...): the checkout,
    unless it lies in one of them (a CI clone under /tmp), else /var/tmp."""
    private = [Path(p).resolve() for p in ("/tmp", "/dev/shm", "/run", Path.home(), tempfile.gettempdir())]
    for candidate in (ROOT, Path("/var/tmp")):
        if not any(candidate.resolve().is_relative_to(p) for p in private) and os.access(candidate, os.W_OK):
            return candidate
    pytest.fail("no writable directory outside /tmp and HOME for the write_outside threat")


@pytest.fixture(scope="module")
def arena(tmp_path_factory):
    """The batch of every threat beside good/, good/ alone, and what the machine looked like around them."""
    require_bubblewrap()
    root = tmp_path_factory.mktemp("arena")
    token = f"300.{os.getpid()}{np.random.default_rng().integers(10**6, 10**7)}"   # names their processes
    subs, alone, outside = root / "submissions", root / "alone", root / "outside"
    for d in (subs, alone, outside):
        d.mkdir()
    (outside / "secret.txt").write_text("another user's secret")
    listener = socket.create_server(("127.0.0.1", 0))
    listener.setblocking(False)
    shutil.copytree(HOSTILE / "good", subs / "good")
    shutil.copytree(HOSTILE / "good", alone / "good")
    readonly = _real_disk_directory() / f".hostile-{token}"    # read-only in the jail
    target = {"outside": str(readonly), "other": str(subs / "good" / "layers.py"),
              "secret": str(outside / "secret.txt"), "port": listener.getsockname()[1], "token": token}
    for threat in THREATS:
        shutil.copytree(HOSTILE / threat, subs / threat)
        (subs / threat / "target.json").write_text(json.dumps(target))
    before = _state(root, skip=("summary", "summary-alone"))
    run = _batch(subs, root / "summary")
    run_alone = _batch(alone, root / "summary-alone")
    try:
        connection, _ = listener.accept()
        connection.close()
        reached = True
    except BlockingIOError:
        reached = False
    listener.close()
    reports = {p.stem: json.loads(p.read_text()) for p in (root / "summary").glob("*.json")}
    yield types.SimpleNamespace(
        run=run, reports=reports, token=token, root=root, before=before, reached=reached,
        after=_state(root, skip=("summary", "summary-alone")), survivors=_processes_named(token),
        tmp_left=sorted(Path("/tmp").glob(f"hostile-{token}*")) + ([readonly] if readonly.exists() else []),
        good_alone=json.loads((root / "summary-alone" / "good.json").read_text()), cgroups_left=_worker_cgroups())
    readonly.unlink(missing_ok=True)      # only there if the jail failed (the tests then say so)


def _verdicts(report: dict) -> list:
    """What a report concludes, without its timings."""
    return [(c["name"], c["status"], [(k["id"], k["status"], k["max_abs_error"], k["message"]) for k in c["checks"]])
            for c in report["components"]]


@pytest.mark.parametrize("threat", sorted(THREATS))
def test_hostile_submission_is_contained_and_named(arena, threat):
    report = arena.reports.get(threat)
    assert report is not None, f"{threat} was not judged:\n{arena.run.stdout}\n{arena.run.stderr[-2000:]}"
    assert report["sandbox"]["mode"] == "bubblewrap", report["sandbox"]
    text = json.dumps(report)
    pattern = THREATS[threat].replace("{token}", re.escape(arena.token))
    assert re.search(pattern, text), f"{threat}: the report does not say /{pattern}/:\n{text[:3000]}"
    assert arena.after == arena.before, "files outside the submissions' own output changed"
    assert not arena.tmp_left, f"written outside the jail: {arena.tmp_left}"
    assert not arena.reached, "a submission connected to 127.0.0.1"
    assert not arena.survivors, f"processes outlived the batch: {arena.survivors}"
    assert not arena.cgroups_left, f"the workers' cgroups outlived the batch: {arena.cgroups_left}"
    assert _verdicts(arena.reports["good"]) == _verdicts(arena.good_alone), \
        "good/ was judged differently beside the hostile submissions"


def test_good_submission_passes_in_the_sandbox(arena):
    statuses = {c["name"]: c["status"] for c in arena.good_alone["components"] if c["status"] != "not_implemented"}
    assert statuses == {"relu": "pass", "MatMul": "pass", "Sigmoid": "pass"}, statuses


def test_patching_the_worker_changes_no_verdict(arena):
    """The wrong Affine fails though it patched np.allclose and the judge's compare module; Sigmoid,
    which replaced the finite differences while it ran, is an Integrity error."""
    components = {c["name"]: c for c in arena.reports["patch_judge"]["components"]}
    assert components["Affine"]["status"] == "fail"
    failing = {k["quantity"] for k in components["Affine"]["checks"] if k["status"] == "fail"}
    assert "out" in failing, failing
    sigmoid = components["Sigmoid"]
    assert sigmoid["status"] == "error"
    assert any("Integrity" in k["message"] and "reference.oracles.numeric.gradients" in k["message"]
               for k in sigmoid["checks"]), sigmoid["checks"]


def test_report_header_says_which_protections_were_in_force(arena):
    page = (arena.root / "summary" / "good.html").read_text()
    assert "sandbox: bubblewrap, no network, read-only file system, private /tmp" in page


# -- the fallbacks and the settings --------------------------------------------------------------

def test_sandbox_on_fails_clearly_without_namespace_tools(monkeypatch, capsys):
    from reference.frontends import cli

    monkeypatch.setenv("SCRATCH_SANDBOX_BWRAP", "")
    monkeypatch.setenv("SCRATCH_SANDBOX_UNSHARE", "")
    status = cli.main([str(HOSTILE / "good"), "--sandbox", "on", "--oracle", "golden", "--no-progress"])
    assert status == 2
    assert "neither bubblewrap nor unshare" in capsys.readouterr().err


def test_auto_without_bubblewrap_says_what_is_not_in_force(monkeypatch):
    from reference.report.model import Report
    from reference.report.terminal import sandbox_line

    monkeypatch.setenv("SCRATCH_SANDBOX_BWRAP", "")
    monkeypatch.setenv("SCRATCH_SANDBOX_UNSHARE", "")
    with SubprocessRunner(str(HOSTILE / "good"), sandbox="auto") as runner:
        assert runner.info["components"]["relu"]["found"]
        box = runner.sandbox_info
    assert box["mode"] == "limits" and "no network" in box["missing"] and "read-only file system" in box["missing"]
    line = sandbox_line(Report({}, "", {}, [], {}, sandbox=box))
    assert line.startswith("sandbox: private working directory") and "bubblewrap not found" in line


def test_unshare_fallback_cuts_the_network_and_ends_every_process(monkeypatch, tmp_path):
    monkeypatch.setenv("SCRATCH_SANDBOX_BWRAP", "")
    if not jail.unshare():
        pytest.skip("unshare cannot create namespaces here (the bubblewrap tests cover the sandbox)")
    token = f"300.{os.getpid()}7"
    shutil.copytree(HOSTILE / "leave_process", tmp_path / "leave_process")
    (tmp_path / "leave_process" / "target.json").write_text(json.dumps({"token": token}))
    with SubprocessRunner(str(tmp_path / "leave_process"), sandbox="on") as runner:
        assert runner.sandbox_info["mode"] == "unshare" and "no network" in runner.sandbox_info["protections"]
        advisories = runner.info["advisories"]
    assert any(f"(sleep {token})" in a for a in advisories), advisories
    assert not _processes_named(token)


def test_a_spinner_deaf_to_the_alarm_is_stopped_by_the_cpu_limit(monkeypatch):
    """The per-check timeout is a SIGALRM that code can ignore; RLIMIT_CPU is the backstop the kernel keeps."""
    from reference.registry.cases import Case
    from reference.sandbox.ops import case_to

    monkeypatch.setattr(jail, "CPU_SECONDS", 3)          # read when the runner plans its jail
    with SubprocessRunner(str(FIXTURES / "hostile.py"), timeout=60, sandbox="auto") as runner:
        started = __import__("time").monotonic()
        answer = runner.call("run", component_id="sigmoid", case=case_to(Case("float64", {"N": 2, "D": 3}, 0)))
        seconds = __import__("time").monotonic() - started
    message = answer["exception"]["message"]
    assert "SIGXCPU" in message and "out of CPU time: the sandbox allows 3 s per run" in message, message
    assert seconds < 30, f"stopped after {seconds:.0f} s: by the 60 s timeout, not by the CPU limit"


def test_the_process_count_is_limited_for_root_too_or_the_header_says_it_is_not(monkeypatch):
    """RLIMIT_NPROC does not bind root (an autograder container, a course server's service): root's
    workers get a pids cgroup; where none can be made, the header lists the limit as missing."""
    box = jail.prepare("auto", str(HOSTILE / "good"))
    try:
        limited = f"{jail.PROCESSES} processes" in box.protections
        assert limited == jail.processes_limited() and limited != any("process count" in m for m in box.missing)
        assert (box.cgroup is not None) == (os.geteuid() == 0 and limited)
        if box.cgroup:
            assert Path(box.cgroup, "pids.max").read_text().strip() == str(jail.PROCESSES)
            assert box.prefix[:4] == jail._enter_cgroup(box.cgroup), "the worker enters it before anything runs"
    finally:
        box.close()
    assert box.cgroup is None and not _worker_cgroups()
    monkeypatch.setenv("SCRATCH_SANDBOX_CGROUP", "")
    without = jail.prepare("auto", str(HOSTILE / "good"))
    without.close()
    assert without.cgroup is None
    assert any("process count" in m for m in without.missing) == (os.geteuid() == 0)


def test_a_process_storm_stops_at_the_limit_even_without_namespaces(monkeypatch, tmp_path):
    """Resource limits only (no bubblewrap, no unshare): the 100 processes of fork_many stop at PROCESSES,
    and none outlives the run."""
    if not jail.processes_limited():
        pytest.skip("running as root where no pids cgroup can be made: the header says so (test above)")
    monkeypatch.setenv("SCRATCH_SANDBOX_BWRAP", "")
    monkeypatch.setenv("SCRATCH_SANDBOX_UNSHARE", "")
    token = f"300.{os.getpid()}9"
    shutil.copytree(HOSTILE / "fork_many", tmp_path / "fork_many")
    (tmp_path / "fork_many" / "target.json").write_text(json.dumps({"token": token}))
    with SubprocessRunner(str(tmp_path / "fork_many"), sandbox="auto") as runner:
        assert runner.sandbox_info["mode"] == "limits"
        load_errors = runner.info["load_errors"]
    assert "BlockingIOError: [Errno 11] Resource temporarily unavailable" in load_errors.get("layers", ""), load_errors
    assert not _processes_named(token) and not _worker_cgroups()


def test_cgroups_left_by_a_judge_that_died_are_removed(tmp_path):
    if os.geteuid() != 0 or not jail.processes_limited():
        pytest.skip("only root makes pids cgroups, and only where the machine lets it")
    parent = Path(jail._own_pids_cgroup())
    dead = 2**22 + 1                                   # above pid_max's default ceiling: no such process
    stale, busy = parent / f"{jail.CGROUP_PREFIX}{dead}-1", parent / f"{jail.CGROUP_PREFIX}{os.getpid()}-999"
    stale.mkdir()
    busy.mkdir()
    try:
        jail._remove_cgroup(jail.pids_cgroup())
        assert not stale.exists(), "an empty cgroup of a judge that no longer runs is removed"
        assert busy.exists(), "a cgroup of a judge still running is left alone"
    finally:
        for d in (stale, busy):
            if d.exists():
                d.rmdir()


def test_sandbox_off_runs_the_worker_as_before():
    with SubprocessRunner(str(HOSTILE / "good"), sandbox="off") as runner:
        assert runner.sandbox_info["mode"] == "off" and runner.plan.prefix == []
        assert runner.info["components"]["MatMul"]["found"]


# -- integrity --------------------------------------------------------------------------------------

def test_components_taken_from_the_checker_are_errors_that_say_so():
    report = judge(HOSTILE / "borrowed", only=["Affine", "Softmax", "MatMul"])
    by_name = {c.name: c for c in report.components}
    assert by_name["Affine"].status == "error"
    assert "inherits from scratch_layers.layers.Affine" in by_name["Affine"].checks[0].message
    assert by_name["Softmax"].status == "error"
    assert "uses scratch_layers.functions.softmax" in by_name["Softmax"].checks[0].message
    # my_tests.py imports the reference's MatMul and torch, util.py imports it under its own name: allowed,
    # and the MatMul judged is the one layers.py defines
    assert by_name["MatMul"].status == "pass"


def test_the_bundled_implementation_judged_by_name_is_its_own():
    report = judge("scratch_layers", only=["Affine", "TimeLSTM"])
    assert {c.status for c in report.components} == {"pass"}


def test_guard_undoes_a_replaced_numpy_function_and_notices_a_framework_import(monkeypatch):
    guard = integrity.Guard()
    original = np.allclose
    np.allclose = lambda *args, **kwargs: True
    try:
        assert guard.changes(restore=True) == ["numpy.allclose"]
    finally:
        if np.allclose is not original:
            np.allclose = original
    assert np.allclose is original and guard.changes() == []
    monkeypatch.setitem(sys.modules, "jax", types.ModuleType("jax"))
    assert guard.new_frameworks() == ["jax"]


@pytest.mark.parametrize("shadow", ["random.py", "tempfile.py"])
def test_a_file_named_like_the_standard_library_does_not_replace_it_in_the_worker(tmp_path, shadow):
    """``--sandbox off`` runs the worker in the user's directory: its files must not shadow the stdlib."""
    shutil.copytree(FIXTURES / "book_like" / "common", tmp_path / "common")
    (tmp_path / shadow).write_text("raise SystemExit('the standard library was shadowed')\n")
    # -I: the judge's own process keeps the directory off its path, as the console script does
    p = subprocess.run([sys.executable, "-I", "-m", "reference", "common", "--oracle", "golden", "--only", "Affine",
                        "--sandbox", "off", "--no-progress", "--format", "json"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    assert json.loads(p.stdout)["components"][0]["status"] == "pass"

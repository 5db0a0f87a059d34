"""Where the worker runs: a bubblewrap jail, ``unshare`` namespaces, or resource limits only.

Code under test is untrusted (judging.md), and ``batch`` or an autograder
runs a whole class of it on one machine. ``prepare(setting, spec)`` picks the
strongest containment this machine offers and returns a ``Plan``: the command
prefix that starts the worker, its reduced environment and working
directory, the limits the worker sets on itself before loading
(``apply_limits``), and, for the report header, which protections are in
force and which are missing. The approach follows contest graders (CMS's
``isolate``, nsjail): namespaces for what the process can see and reach,
rlimits for what it can consume, and a kill of everything it started.
Root, whom the kernel exempts from the process limit, gets a pids cgroup
per worker instead (``pids_cgroup``), in every mode but ``off``.

- ``bubblewrap`` (``bwrap``): new user, PID, network, IPC and UTS
  namespaces; the file system read-only (``--ro-bind / /``) with private
  tmpfs ``/tmp``, ``/dev/shm``, ``/run`` and HOME; the directory holding
  the submission masked by a tmpfs and the submission bound back read-only
  (other submissions are invisible); ``--die-with-parent``. When the worker
  ends, its PID namespace ends and every process it started is killed.
- ``unshare``: new network, PID and mount namespaces (no network; every
  process dies with the run); the file system stays visible and writable.
- ``limits``: only the rlimits, a private working directory and HOME, and
  the worker's process group killed at the end.

Settings: ``on`` needs bubblewrap or unshare (else ``SandboxUnavailable``
says what to install), ``auto`` takes the best there is and says what is
missing, ``off`` runs the worker as before (inherited environment and
working directory, memory limit only).

``SCRATCH_SANDBOX_BWRAP`` / ``SCRATCH_SANDBOX_UNSHARE`` name the tools
(empty: treat as absent), so a machine, or a test, can choose the fallback;
``SCRATCH_SANDBOX_CGROUP=`` (empty) makes no pids cgroup for root.
"""
from __future__ import annotations

import functools
import os
import shutil
import signal
import site
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

SETTINGS = ("auto", "on", "off")

# Limits the worker sets on itself before loading the code under test.
CPU_SECONDS = 900          # CPU time of one worker (a whole judging run takes < 60 s; a spinner is stopped sooner
                           # by the per-check timeout: this is the backstop for what escapes it)
FILE_MB = 64               # largest file the code under test may write (a checkpoint of the book's models is < 5 MB)
PROCESSES = 64             # processes of the worker's user (RLIMIT_NPROC), or of the worker (a pids cgroup, for root)
STRAY_SETTLE = 0.1         # seconds between finding a stray process and naming it (only when there is one)
TMPFS_MB = 256             # the private /tmp of a bubblewrap jail (tmpfs lives in memory)

# What the worker needs from the environment; the rest (tokens, proxies, ...) is not passed.
KEPT_VARIABLES = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "SCRATCH_LAYERS_ARRAY_MODULE", "PYTHONHASHSEED")
WORKER_VARIABLES = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                    "MPLBACKEND": "Agg", "PYTHONUNBUFFERED": "1", "PYTHONFAULTHANDLER": "1"}


class SandboxUnavailable(RuntimeError):
    """``--sandbox on`` was asked for and no namespace tool works here; the message says what to do."""


def suite_root() -> str:
    """The directory that holds the ``reference`` package (put on the worker's PYTHONPATH)."""
    return str(Path(__file__).resolve().parent.parent.parent)


def inherited_environment() -> dict:
    """The environment of an unsandboxed worker: ours, plus single-threaded BLAS and the suite importable."""
    env = dict(os.environ)
    env.update(WORKER_VARIABLES)
    root = suite_root()
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


@dataclass
class Plan:
    """How one implementation's worker is started (``prefix + [python, -m, worker, ...]``)."""

    mode: str                                   # bubblewrap | unshare | limits | off
    prefix: list[str] = field(default_factory=list)
    env: dict = field(default_factory=inherited_environment)
    cwd: str | None = None
    spec: str = ""                              # the implementation as the worker must name it
    limits: dict | None = None                  # for apply_limits in the worker
    protections: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    note: str = ""                              # why the sandbox is weaker than asked (auto), for the header
    new_session: bool = False                   # its own process group, killed as a whole
    cgroup: str | None = None                   # the worker's pids cgroup (root), removed by close
    _scratch: tempfile.TemporaryDirectory | None = None

    def describe(self) -> dict:
        """``Report.sandbox``: mode, protections, missing (and the note)."""
        out = {"mode": self.mode, "protections": list(self.protections), "missing": list(self.missing)}
        if self.note:
            out["note"] = self.note
        return out

    def close(self) -> None:
        if self.cgroup is not None:
            _remove_cgroup(self.cgroup)
            self.cgroup = None
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None


# -- which tools work here -------------------------------------------------------------------

def _tool(variable: str, name: str) -> str | None:
    value = os.environ.get(variable)
    if value is not None:
        return value or None
    return shutil.which(name)


@functools.cache
def _runs(command: tuple[str, ...]) -> bool:
    """True when ``command`` (a namespace tool running ``true``) succeeds: the kernel allows it here."""
    try:
        return subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _true() -> str:
    return shutil.which("true") or "/bin/true"


def bubblewrap() -> str | None:
    """The bwrap executable if it can create its namespaces on this machine."""
    bwrap = _tool("SCRATCH_SANDBOX_BWRAP", "bwrap")
    if bwrap and _runs((bwrap, "--ro-bind", "/", "/", "--unshare-all", "--die-with-parent", "--", _true())):
        return bwrap
    return None


def _unshare_flags() -> list[str]:
    user = [] if os.geteuid() == 0 else ["--user", "--map-root-user"]
    return [*user, "--net", "--pid", "--fork", "--kill-child", "--mount", "--mount-proc"]


def unshare() -> str | None:
    tool = _tool("SCRATCH_SANDBOX_UNSHARE", "unshare")
    if tool and _runs((tool, *_unshare_flags(), _true())):
        return tool
    return None


# -- the process count ---------------------------------------------------------------------------
# RLIMIT_NPROC binds everyone but root: the kernel exempts uid 0, in a user namespace too. Root (an
# autograder container, a course server's service) gets a pids cgroup instead: the worker moves into a
# cgroup of its own with pids.max = PROCESSES before it starts the code under test, and every process it
# starts stays in it. cgroup v1 keeps the pids controller in its own hierarchy; v2 has one tree, where a
# child cgroup has pids.max only if its parent delegates the controller.

CGROUP_ROOT = "/sys/fs/cgroup"
CGROUP_PREFIX = "scratch-sandbox-"
_cgroups_made = 0


def _own_pids_cgroup() -> str | None:
    """The directory of the cgroup this process is in, in the hierarchy that has the pids controller."""
    try:
        with open("/proc/self/cgroup") as f:
            lines = [line.rstrip("\n").split(":", 2) for line in f]
    except OSError:
        return None
    for _, controllers, path in lines:
        if "pids" in controllers.split(","):
            return os.path.join(CGROUP_ROOT, "pids", path.lstrip("/"))
    for hierarchy, controllers, path in lines:
        if hierarchy == "0" and controllers == "":
            directory = os.path.join(CGROUP_ROOT, path.lstrip("/"))
            try:
                with open(os.path.join(directory, "cgroup.subtree_control")) as f:
                    if "pids" in f.read().split():
                        return directory
            except OSError:
                return None
    return None


def _remove_cgroup(directory: str) -> None:
    """Kill what is still in a worker's cgroup and remove it (a cgroup can go only once it is empty)."""
    for _ in range(50):
        try:
            with open(os.path.join(directory, "cgroup.procs")) as f:
                pids = [int(line) for line in f if line.strip()]
        except OSError:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        try:
            os.rmdir(directory)
            return
        except OSError:
            time.sleep(0.02)      # killed processes leave the cgroup once the kernel has reaped them


def cgroup_owner(name: str) -> int | None:
    """The pid of the judge that made the worker cgroup ``name`` (``scratch-sandbox-PID-N``), or None."""
    owner = name[len(CGROUP_PREFIX):].split("-")[0] if name.startswith(CGROUP_PREFIX) else ""
    return int(owner) if owner.isdigit() else None


def _remove_stale_cgroups(parent: str) -> None:
    """Empty worker cgroups a judge that died before its cleanup left behind (rmdir spares busy ones)."""
    try:
        names = [n for n in os.listdir(parent) if n.startswith(CGROUP_PREFIX)]
    except OSError:
        return
    for name in names:
        owner = cgroup_owner(name)
        if owner is not None and not os.path.exists(f"/proc/{owner}"):
            try:
                os.rmdir(os.path.join(parent, name))
            except OSError:
                pass


def pids_cgroup() -> str | None:
    """A new cgroup with pids.max = PROCESSES for one worker (root only; None where none can be made)."""
    global _cgroups_made
    if os.geteuid() != 0 or os.environ.get("SCRATCH_SANDBOX_CGROUP") == "":
        return None
    parent = _own_pids_cgroup()
    if parent is None or not os.access(parent, os.W_OK):
        return None
    _remove_stale_cgroups(parent)
    _cgroups_made += 1
    directory = os.path.join(parent, f"{CGROUP_PREFIX}{os.getpid()}-{_cgroups_made}")
    try:
        os.mkdir(directory)
    except OSError:
        return None
    try:
        with open(os.path.join(directory, "pids.max"), "w") as f:
            f.write(str(PROCESSES))
    except OSError:
        _remove_cgroup(directory)
        return None
    return directory


def _enter_cgroup(directory: str) -> list[str]:
    """A command prefix that moves itself into ``directory`` and then runs the rest of the command."""
    return [shutil.which("sh") or "/bin/sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', directory]


def processes_limited() -> bool:
    """True when a worker's process count is limited on this machine: RLIMIT_NPROC (not root) or a pids
    cgroup (root, where one can be made)."""
    if os.geteuid() != 0:
        return True
    probe = pids_cgroup()
    if probe:
        _remove_cgroup(probe)
    return probe is not None


# -- the plan ------------------------------------------------------------------------------------

def _is_path(spec: str) -> bool:
    from reference.sandbox.loader import _is_path_spec

    return _is_path_spec(spec, Path(spec).expanduser())


def _reduced_environment(home: str, tmp: str, extra_path: str | None) -> dict:
    env = {k: os.environ[k] for k in KEPT_VARIABLES if k in os.environ}
    env.update(WORKER_VARIABLES)
    env.update({"HOME": home, "TMPDIR": tmp, "PYTHONDONTWRITEBYTECODE": "1",
                "PYTHONPATH": os.pathsep.join(p for p in (suite_root(), extra_path) if p)})
    if site.ENABLE_USER_SITE and os.path.isdir(site.getusersitepackages()):
        env["PYTHONUSERBASE"] = site.getuserbase()   # HOME moves; packages installed with --user stay found
    return env


def _inside(path: str, directory: str) -> bool:
    return path != directory and path.startswith(directory.rstrip(os.sep) + os.sep)


def _needed_paths(extra_path: str | None) -> list[str]:
    """What the worker reads besides the submission: Python, its packages, the suite (and, for a dotted
    module name, the directory it is imported from); not the directory the judge happens to run in."""
    import numpy

    paths = [sys.prefix, sys.base_prefix, os.path.dirname(os.path.realpath(sys.executable)),
             os.path.join(suite_root(), "reference"), os.path.dirname(os.path.dirname(numpy.__file__))]
    try:
        import scratch_layers
        paths += list(scratch_layers.__path__)
    except ImportError:  # pragma: no cover - the suite ships it
        pass
    if site.ENABLE_USER_SITE:
        paths.append(site.getusersitepackages())
    paths += [p for p in sys.path if p and os.path.isabs(p) and os.path.realpath(p) != os.path.realpath(os.getcwd())]
    if extra_path:
        paths.append(extra_path)
    found = sorted({os.path.realpath(p) for p in paths if os.path.exists(p)})
    return [p for p in found if not any(_inside(p, other) for other in found)]


def _hidden_directories(submission: str | None) -> list[str]:
    """Directories a jailed worker sees empty: /tmp and friends, HOME, the submission's own parent
    (its classmates), the system temporary directory, and ``SCRATCH_SANDBOX_HIDE`` (``batch`` names the
    submissions and the summary there)."""
    hidden = ["/tmp", "/dev/shm", "/run", os.path.realpath(os.path.expanduser("~")),
              os.path.realpath(tempfile.gettempdir())]
    if submission:
        hidden.append(os.path.dirname(submission))
    hidden += [os.path.realpath(h) for h in os.environ.get("SCRATCH_SANDBOX_HIDE", "").split(os.pathsep) if h]
    hidden = [h for h in dict.fromkeys(hidden) if h not in ("/", "") and os.path.isdir(h)]
    return [h for h in hidden if not any(_inside(h, other) for other in hidden)]


def _bubblewrap_prefix(bwrap: str, submission: str | None, extra_path: str | None
                       ) -> tuple[list[str], list[str], list[str]]:
    """bwrap arguments, protections, missing."""
    args = [bwrap, "--die-with-parent", "--unshare-all", "--new-session",
            "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    protections = ["no network", "read-only file system", "private /tmp", "own PID namespace"]
    missing = []
    needed = _needed_paths(extra_path)
    for directory in _hidden_directories(submission):
        args += (["--size", str(TMPFS_MB * 1024 * 1024)] if directory == "/tmp" else []) + ["--tmpfs", directory]
        for path in needed:     # Python, its packages and the suite stay visible, wherever they live
            if _inside(path, directory) and not (submission and (path == submission or _inside(path, submission))):
                args += ["--ro-bind", path, path]
    if submission and os.path.dirname(submission) != "/":
        args += ["--ro-bind", submission, submission]
        protections.append("other submissions hidden")
    elif submission:
        missing.append("other submissions hidden (the submission lies in /)")
    args += ["--dir", "/tmp/work", "--dir", "/tmp/home", "--chdir", "/tmp/work", "--"]
    return args, protections, missing


def prepare(setting: str, spec: str) -> Plan:
    """The strongest containment ``setting`` allows for the implementation ``spec`` (see the module docstring)."""
    if setting not in SETTINGS:
        raise ValueError(f"sandbox: setting must be one of {', '.join(SETTINGS)}; got {setting!r}")
    spec = str(spec)
    if setting == "off":
        return Plan("off", spec=spec, note="the code ran with your permissions")
    is_path = _is_path(spec)
    submission = os.path.realpath(os.path.expanduser(spec)) if is_path else None
    if submission and not os.path.exists(submission):
        from reference.sandbox.loader import LoadError

        raise LoadError(f"{spec}: no such file or directory")     # as the loader says it, before any jail
    extra_path = None if is_path else os.getcwd()      # a dotted module importable from here stays importable
    cgroup = pids_cgroup()
    try:
        plan = _contained(setting, spec, submission, extra_path, cgroup)
    except BaseException:
        if cgroup:
            _remove_cgroup(cgroup)
        raise
    if cgroup:
        plan.prefix, plan.cgroup = [*_enter_cgroup(cgroup), *plan.prefix], cgroup
    return plan


def _contained(setting: str, spec: str, submission: str | None, extra_path: str | None, cgroup: str | None) -> Plan:
    """The plan of ``prepare`` for ``auto`` and ``on``: bubblewrap, else unshare, else limits only."""
    limits = {"cpu_seconds": CPU_SECONDS, "file_bytes": FILE_MB * 1024 * 1024, "processes": PROCESSES}
    rlimits = [f"{CPU_SECONDS} s of CPU", f"files up to {FILE_MB} MB"]
    nproc = [f"{PROCESSES} processes"] if cgroup or os.geteuid() != 0 else []
    nproc_missing = [] if nproc else ["process count limit (root is exempt from RLIMIT_NPROC and no pids "
                                      "cgroup could be made)"]
    bwrap = bubblewrap()
    if bwrap:
        prefix, protections, missing = _bubblewrap_prefix(bwrap, submission, extra_path)
        return Plan("bubblewrap", prefix, _reduced_environment("/tmp/home", "/tmp", extra_path), "/",
                    submission or spec, limits, ["bubblewrap", *protections, *nproc, *rlimits],
                    missing + nproc_missing, new_session=True)
    why = ("bubblewrap cannot create namespaces here" if _tool("SCRATCH_SANDBOX_BWRAP", "bwrap")
           else "bubblewrap not found")
    tool = unshare()
    if setting == "on" and not tool:
        raise SandboxUnavailable(
            "--sandbox on: neither bubblewrap nor unshare can create namespaces on this machine; install "
            "bubblewrap (Debian/Ubuntu: apt-get install bubblewrap), or pass --sandbox auto (resource limits "
            "only) or --sandbox off")
    scratch = tempfile.TemporaryDirectory(prefix="scratch-sandbox-")
    work, home = os.path.join(scratch.name, "work"), os.path.join(scratch.name, "home")
    os.mkdir(work)
    os.mkdir(home)
    env = _reduced_environment(home, work, extra_path)
    hidden_missing = ["read-only file system", "other submissions hidden", "private /tmp"]
    if tool:
        return Plan("unshare", [tool, *_unshare_flags()], env, work, submission or spec, limits,
                    ["unshare", "no network", "own PID namespace", "private working directory", *nproc, *rlimits],
                    hidden_missing + nproc_missing,
                    note=f"{why}: no network and every process ends with the run, but the file system is "
                         f"visible and writable", new_session=True, _scratch=scratch)
    outlive = [] if cgroup else ["processes that start their own session outlive the run"]   # the cgroup holds them
    return Plan("limits", [], env, work, submission or spec, limits,
                ["private working directory", *nproc, *rlimits],
                ["no network", *hidden_missing, *outlive] + nproc_missing,
                note=f"{why}: the code ran with your permissions, under resource limits only",
                new_session=True, _scratch=scratch)


# -- inside the worker ------------------------------------------------------------------------------

def apply_limits(limits: dict | None) -> None:
    """CPU time, file size and process count (``Plan.limits``), set by the worker on itself before loading.

    An over-large write then fails with ``OSError: File too large`` (SIGXFSZ
    is ignored) instead of killing the process, so the report names it.
    """
    if not limits:
        return
    import resource

    def cap(which, value):
        soft, hard = resource.getrlimit(which)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(which, (value, value if which != resource.RLIMIT_CPU else hard))

    cap(resource.RLIMIT_CPU, int(limits["cpu_seconds"]))
    cap(resource.RLIMIT_FSIZE, int(limits["file_bytes"]))
    cap(resource.RLIMIT_NPROC, int(limits["processes"]))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def stray_processes() -> list[tuple[int, str]]:
    """Processes the code under test started that are still running: (pid, command line).

    In a PID namespace every process but ours and the namespace's init is a
    stray; without one, those of our process group.
    """
    me = os.getpid()
    in_namespace = me <= 2 and os.path.exists("/proc/1")
    group = os.getpgrp()
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) in (me, 1 if in_namespace and me != 1 else -1):
            continue
        pid = int(entry)
        try:
            if not in_namespace and os.getpgid(pid) != group:
                continue
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                command = f.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
            with open(f"/proc/{pid}/stat", "rb") as f:
                if f.read().rsplit(b")", 1)[-1].split()[0] == b"Z":
                    continue   # a zombie: already dead, waiting for its parent
        except OSError:
            continue
        out.append((pid, command or "?"))
    return out


def kill_strays() -> list[str]:
    """Kill the stray processes now; their command lines (for the report)."""
    found = stray_processes()
    if found:
        time.sleep(STRAY_SETTLE)       # a child just forked has not exec'ed yet: let its command line show
        found = stray_processes() or found
    for pid, _ in found:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    return [command for _, command in found]

"""Runners: where the implementation's code runs while the judge stays safe.

Both runners answer ``call(op, **kwargs) -> dict`` (see ``reference.sandbox.ops``)
and expose ``info`` (what the implementation defines).

- ``SubprocessRunner``: the implementation runs in ``reference.sandbox.worker``, a
  separate process with a memory limit. A check that takes longer than
  ``timeout`` is interrupted inside the worker (SIGALRM) or, if stuck in C,
  the worker is killed; a crash (segfault, ``os._exit``) or a hang ends
  that one check with ``{"exception": {"type": "Timeout" | "Crash", ...}}``
  and a fresh worker serves the next call. A module that hangs at import is
  skipped on restart (its components are reported as errors).
  ``sandbox`` (``auto``, ``on``, ``off``) chooses the containment of that
  process (``reference.sandbox.jail``); ``sandbox_info`` says what was in
  force, for the report header.
- ``InProcessRunner``: the same operations in this process (pytest, the
  notebook ``check``), with the soft timeout only.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time

from reference.sandbox import jail, protocol
from reference.sandbox.loader import LoadError

DEFAULT_TIMEOUT = 10.0          # seconds per check (--timeout)
DEFAULT_MEMORY_MB = 4096        # address space of the worker process
HARD_GRACE = 3.0                # at most this long after the soft timeout before the worker is killed
MAX_LOAD_RESTARTS = 5


worker_environment = jail.inherited_environment     # the environment of an unsandboxed worker


def _signal_name(code: int) -> str:
    try:
        return signal.Signals(-code).name
    except (ValueError, TypeError):
        return f"signal {-code}"



# The worker starts with ``-c``, not ``-m``: ``-m`` puts the current directory first on sys.path, so a
# student's ``random.py`` or ``types.py`` there would replace the standard library in the worker itself
# (``--sandbox off`` runs in the user's directory). The directory stays importable, last, for a dotted
# IMPL such as ``mypkg.common``.
WORKER_BOOTSTRAP = ("import os, sys; del sys.path[0]; sys.path.append(os.getcwd()); "
                    "from reference.sandbox.worker import main; raise SystemExit(main(sys.argv[1:]))")

class InProcessRunner:
    """The operations run right here, on an already loaded Implementation."""

    sandbox_info = {"mode": "off", "protections": [], "missing": [],
                    "note": "in this process: the code ran with your permissions"}

    def __init__(self, impl, timeout: float | None = DEFAULT_TIMEOUT):
        from reference.sandbox import ops

        self.impl, self.timeout, self._ops = impl, timeout, ops
        self.info = ops.op_info(impl)

    def call(self, op: str, **kwargs) -> dict:
        if op in ("run", "fd64", "contract"):
            kwargs.setdefault("timeout", self.timeout)
        return self._ops.dispatch(self.impl, {"op": op, **kwargs})

    def submit(self, op: str, **kwargs):
        """``call`` now; returns a function giving the result (the same API as the subprocess runner)."""
        result = self.call(op, **kwargs)
        return lambda: result

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class SubprocessRunner:
    """The implementation in a worker process; see the module docstring."""

    def __init__(self, spec: str, aliases: dict | None = None, timeout: float = DEFAULT_TIMEOUT,
                 memory_mb: int | None = DEFAULT_MEMORY_MB, sandbox: str = "off"):
        self.spec, self.aliases = str(spec), dict(aliases or {})
        self.timeout, self.memory_mb = timeout, memory_mb
        self.skip: list[str] = []
        self.restarts = 0
        self.proc = None
        self.plan = jail.prepare(sandbox, self.spec)      # SandboxUnavailable for "on" without namespaces
        self.sandbox_info = self.plan.describe()
        try:
            self.info = self._start()
        except BaseException:
            self.plan.close()
            raise

    # -- process management ---------------------------------------------------
    def _spawn(self):
        req_r, req_w = os.pipe()
        resp_r, resp_w = os.pipe()
        self._stderr = tempfile.TemporaryFile()
        # --die-with-parent (bubblewrap) follows the thread that starts the worker: start it from a
        # thread that lives as long as the runner (the main thread, as the CLI and batch do).
        self.proc = subprocess.Popen(
            [*self.plan.prefix, sys.executable, "-c", WORKER_BOOTSTRAP, str(req_r), str(resp_w)],
            stdin=subprocess.DEVNULL, stdout=self._stderr, stderr=self._stderr,
            pass_fds=(req_r, resp_w), env=self.plan.env, cwd=self.plan.cwd, close_fds=True,
            start_new_session=self.plan.new_session)
        os.close(req_r)
        os.close(resp_w)
        self._to, self._from = req_w, resp_r

    def _kill(self) -> None:
        if self.proc is None:
            return
        if self.plan.new_session:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)    # the worker and whatever it started in its group
            except OSError:
                pass
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover
            pass
        for fd in (self._to, self._from):
            try:
                os.close(fd)
            except OSError:
                pass
        self.proc = None

    def _stderr_tail(self, limit: int = 1500) -> str:
        try:
            self._stderr.seek(0)
            text = self._stderr.read().decode("utf-8", "replace")
        except (OSError, ValueError):
            return ""
        return text[-limit:].strip()

    def _start(self) -> dict:
        """Spawn and load; a module that hangs or kills the process is skipped and loading restarts."""
        for _ in range(MAX_LOAD_RESTARTS + 1):
            self._spawn()
            current = None
            try:
                protocol.write(self._to, {"spec": self.plan.spec, "aliases": self.aliases, "timeout": self.timeout,
                                          "skip": self.skip, "memory_mb": self.memory_mb, "limits": self.plan.limits})
                while True:
                    message = protocol.read(self._from, timeout=(self.timeout or 60) + HARD_GRACE + 10)
                    if message.get("event") == "loading":
                        current = message["module"]
                        continue
                    if "error" in message:
                        self._kill()
                        raise LoadError(message["error"])
                    return message["info"]
            except (protocol.TimedOut, protocol.Closed, BrokenPipeError):
                tail = self._stderr_tail()
                self._kill()
                if current is None or current in self.skip:
                    raise LoadError(f"{self.spec}: the process running it stopped while starting"
                                    + (f":\n{tail}" if tail else "")) from None
                self.skip.append(current)
        raise LoadError(f"{self.spec}: too many modules hang or crash at import ({', '.join(self.skip)})")

    def restart(self) -> None:
        self._kill()
        self.restarts += 1
        self.info = self._start()

    # -- calls --------------------------------------------------------------------
    def call(self, op: str, **kwargs) -> dict:
        return self.submit(op, **kwargs)()

    def submit(self, op: str, **kwargs):
        """Send the request now and return a function that waits for its answer.

        The judge computes the oracles' values while the implementation runs
        (one request in flight at a time: call the returned function before
        the next submit).
        """
        if self.proc is None:
            self.restart()
        if op in ("run", "fd64", "contract"):
            kwargs.setdefault("timeout", self.timeout)
        started = time.monotonic()
        try:
            protocol.write(self._to, {"op": op, **kwargs})
        except (BrokenPipeError, OSError):
            return lambda: self._crashed()
        return lambda: self._answer(started)

    def _answer(self, started: float) -> dict:
        try:
            hard = None if not self.timeout else self.timeout + min(HARD_GRACE, max(0.5, self.timeout))
            return protocol.read(self._from, timeout=hard)
        except protocol.TimedOut:
            self._kill()
            return {"exception": {"type": "Timeout", "phase": "", "where": "",
                                  "message": f"no answer within {time.monotonic() - started:.0f} s "
                                             f"(an infinite loop?); the process was stopped"}}
        except (protocol.Closed, BrokenPipeError, OSError):
            return self._crashed()

    def _crashed(self) -> dict:
        """The worker is gone: say how it ended (signal, exit status, its last output)."""
        code = self.proc.wait(timeout=5) if self.proc is not None else None
        tail = self._stderr_tail()
        self._kill()
        if code is not None and code > 128 and self.plan.mode in ("bubblewrap", "unshare"):
            code = 128 - code           # bubblewrap and unshare exit with 128 + the signal that ended the worker
        if code is not None and code < 0:
            what = f"the process died with {_signal_name(code)}"
            if code == -signal.SIGKILL:
                what += " (killed: out of memory?)"
            elif code == -signal.SIGXCPU:
                what += f" (out of CPU time: the sandbox allows {jail.CPU_SECONDS} s per run)"
        else:
            what = f"the process exited with status {code} (os._exit?)"
        last = tail.splitlines()[-1] if tail else ""
        return {"exception": {"type": "Crash", "phase": "", "where": "",
                              "message": what + (f"; last output: {last}" if last else ""), "traceback": tail}}

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                protocol.write(self._to, {"op": "exit"})
                self.proc.wait(timeout=2)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self._kill()
        self.plan.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

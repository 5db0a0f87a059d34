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

from reference.sandbox import protocol
from reference.sandbox.loader import LoadError

DEFAULT_TIMEOUT = 10.0          # seconds per check (--timeout)
DEFAULT_MEMORY_MB = 4096        # address space of the worker process
HARD_GRACE = 3.0                # at most this long after the soft timeout before the worker is killed
MAX_LOAD_RESTARTS = 5


def worker_environment() -> dict:
    env = dict(os.environ)
    env.update({"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                "MPLBACKEND": "Agg", "PYTHONUNBUFFERED": "1", "PYTHONFAULTHANDLER": "1"})
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def _signal_name(code: int) -> str:
    try:
        return signal.Signals(-code).name
    except (ValueError, TypeError):
        return f"signal {-code}"


class InProcessRunner:
    """The operations run right here, on an already loaded Implementation."""

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
                 memory_mb: int | None = DEFAULT_MEMORY_MB):
        self.spec, self.aliases = str(spec), dict(aliases or {})
        self.timeout, self.memory_mb = timeout, memory_mb
        self.skip: list[str] = []
        self.restarts = 0
        self.proc = None
        self.info = self._start()

    # -- process management ---------------------------------------------------
    def _spawn(self):
        req_r, req_w = os.pipe()
        resp_r, resp_w = os.pipe()
        self._stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "reference.sandbox.worker", str(req_r), str(resp_w)],
            stdin=subprocess.DEVNULL, stdout=self._stderr, stderr=self._stderr,
            pass_fds=(req_r, resp_w), env=worker_environment(), close_fds=True)
        os.close(req_r)
        os.close(resp_w)
        self._to, self._from = req_w, resp_r

    def _kill(self) -> None:
        if self.proc is None:
            return
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
            protocol.write(self._to, {"spec": self.spec, "aliases": self.aliases, "timeout": self.timeout,
                                      "skip": self.skip, "memory_mb": self.memory_mb})
            current = None
            try:
                while True:
                    message = protocol.read(self._from, timeout=(self.timeout or 60) + HARD_GRACE + 10)
                    if message.get("event") == "loading":
                        current = message["module"]
                        continue
                    if "error" in message:
                        self._kill()
                        raise LoadError(message["error"])
                    return message["info"]
            except (protocol.TimedOut, protocol.Closed):
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
        if code is not None and code < 0:
            what = f"the process died with {_signal_name(code)}"
            if code == -signal.SIGKILL:
                what += " (killed: out of memory?)"
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

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

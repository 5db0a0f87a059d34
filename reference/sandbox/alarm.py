"""A soft timeout for code under test: SIGALRM raises ``SoftTimeout`` inside it.

Pure-Python loops and NumPy calls return to the interpreter often, so an
alarm interrupts them and the process survives with its state intact (the
next check can run). ``SoftTimeout`` derives from BaseException so a
student's ``except Exception: pass`` cannot swallow it. Code stuck inside C
never sees the alarm: the runner's hard timeout kills the process then.
Outside the main thread, or where SIGALRM does not exist, this is a no-op.
"""
from __future__ import annotations

import signal
import threading
from contextlib import contextmanager


class SoftTimeout(BaseException):
    """The code under test did not finish within its time limit."""


@contextmanager
def soft_timeout(seconds: float | None):
    usable = (seconds and seconds > 0 and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return

    def expired(signum, frame):
        raise SoftTimeout(f"did not finish within {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)

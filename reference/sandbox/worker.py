"""The process that runs an implementation under test (``python -m reference.sandbox.worker IN OUT``).

Started by ``reference.sandbox.runner.SubprocessRunner``. It limits its own memory
(``RLIMIT_AS``), loads the implementation, then answers requests
(``reference.sandbox.ops``) one at a time over two pipe descriptors. The student's
``print`` output goes to stderr, never into the protocol; stdin is empty.
Before each module it imports it reports ``{"event": "loading", "module":
...}``, so the judge knows which module hung if no answer comes.
"""
from __future__ import annotations

import os
import sys


def _limit_memory(megabytes: int | None) -> None:
    if not megabytes:
        return
    try:
        import resource

        limit = int(megabytes) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):  # pragma: no cover - not on this platform
        pass


def main(argv: list[str]) -> int:
    fd_in, fd_out = int(argv[0]), int(argv[1])
    os.dup2(2, 1)                       # prints from the code under test go to stderr
    sys.stdout = sys.stderr
    from reference.sandbox import protocol

    request = protocol.read(fd_in)
    _limit_memory(request.get("memory_mb"))
    from reference.sandbox import loader, ops

    try:
        impl = loader.load(request["spec"], request.get("aliases") or {}, timeout=request.get("timeout"),
                           skip=request.get("skip") or (),
                           progress=lambda m: protocol.write(fd_out, {"event": "loading", "module": m}))
    except loader.LoadError as exc:
        protocol.write(fd_out, {"event": "loaded", "error": str(exc)})
        return 0
    except BaseException as exc:  # noqa: BLE001 - report, do not die silently
        protocol.write(fd_out, {"event": "loaded", "error": f"{type(exc).__name__}: {exc}"})
        return 0
    protocol.write(fd_out, {"event": "loaded", "info": ops.op_info(impl)})
    while True:
        try:
            request = protocol.read(fd_in)
        except protocol.Closed:
            return 0
        if request.get("op") == "exit":
            return 0
        try:
            response = ops.dispatch(impl, request)
        except BaseException as exc:  # noqa: BLE001 - an op itself failed: say so and keep serving
            if isinstance(exc, KeyboardInterrupt):
                raise
            response = {"exception": ops.describe_exception(exc, impl.files)}
        try:
            protocol.write(fd_out, response)
        except (TypeError, ValueError) as exc:
            protocol.write(fd_out, {"exception": {"type": "Unencodable", "message": str(exc),
                                                  "phase": "", "where": ""}})


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

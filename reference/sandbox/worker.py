"""The process that runs an implementation under test (``python -m reference.sandbox.worker IN OUT``).

Started by ``reference.sandbox.runner.SubprocessRunner``. It limits its own memory
(``RLIMIT_AS``), loads the implementation, then answers requests
(``reference.sandbox.ops``) one at a time over two pipe descriptors. The student's
``print`` output goes to stderr, never into the protocol; stdin is empty.
Before each module it imports it reports ``{"event": "loading", "module":
...}``, so the judge knows which module hung if no answer comes.

When sandboxed (``reference.sandbox.jail``) it also sets its CPU, file-size
and process limits before loading, and after the load and every operation
kills the processes the code under test left running and undoes any
replacement of NumPy's or the judge's functions (``integrity.Guard``): a
check during which that happened is answered with an ``Integrity`` error,
and everything else it did is listed by the ``advisories`` operation.
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


def _grouped(names: list[str]) -> str:
    """``numpy.allclose, 10 functions of reference.registry.compare``: a short list of what was replaced."""
    by_module: dict[str, list[str]] = {}
    for name in names:
        module = name.rpartition(".")[0]
        by_module.setdefault(module, []).append(name)
    parts = [", ".join(found) if len(found) <= 2 else f"{len(found)} functions of {module}"
             for module, found in sorted(by_module.items(), key=lambda item: (len(item[1]), item[0]))]
    return ", ".join(parts)


AT_IMPORT = "after importing"
CHECKED_OPS = ("run", "fd64", "contract")     # answers a patch made while they ran must not be trusted


class Watch:
    """What the code under test did to this process besides computing (see the module docstring)."""

    def __init__(self, sandboxed: bool):
        from reference.sandbox import integrity, numpy_compat

        import reference.oracles.numeric  # noqa: F401 - the judge's lazy imports, loaded before the snapshot
        import reference.registry.contract  # noqa: F401

        numpy_compat.install()            # the loader's own change to NumPy, made before the snapshot

        self.sandboxed = sandboxed
        self.guard = integrity.Guard()
        self.advisories: list[str] = []

    def after(self, when: str, files) -> str | None:
        """Clean up after the code under test ran; the sentence for an error, if what it did voids the answer."""
        from reference.sandbox import jail

        problems = []
        replaced = self.guard.changes(restore=True) + self.guard.planted(files)
        if replaced:
            problems.append(f"replaced {_grouped(replaced)} in the process that runs it (undone)")
        imported = self.guard.new_frameworks()
        if imported and when != AT_IMPORT:     # importing one is fine (a test file); computing with one is not
            problems.append(f"imported {', '.join(imported)} {when} (computing with a framework is not allowed)")
        self.guard.watch_new_modules()
        strays = jail.kill_strays() if self.sandboxed else []
        if strays:
            shown = "; ".join(sorted(set(strays))[:3])
            self.advisories.append(f"the code under test left {len(strays)} process(es) running {when} "
                                   f"({shown[:200]}); they were killed")
        for problem in problems:
            self.advisories.append(f"the code under test {problem}")
        return "; ".join(problems) or None


def main(argv: list[str]) -> int:
    fd_in, fd_out = int(argv[0]), int(argv[1])
    os.dup2(2, 1)                       # prints from the code under test go to stderr
    sys.stdout = sys.stderr
    from reference.sandbox import protocol

    request = protocol.read(fd_in)
    _limit_memory(request.get("memory_mb"))
    from reference.sandbox import jail, loader, ops

    jail.apply_limits(request.get("limits"))
    watch = Watch(sandboxed=bool(request.get("limits")))
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
    watch.after(AT_IMPORT, impl.files)
    info = ops.op_info(impl)
    info["advisories"] = list(info.get("advisories", [])) + watch.advisories
    watch.advisories.clear()
    protocol.write(fd_out, {"event": "loaded", "info": info})
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
        voided = watch.after(f"while {request.get('op')} {request.get('component_id', '')}".rstrip(), impl.files)
        if voided and request.get("op") in CHECKED_OPS:
            response = {"exception": {"type": "Integrity", "phase": "", "where": "", "message": voided}}
        if request.get("op") == "advisories" and "advisories" in response:
            response["advisories"] = list(response["advisories"]) + watch.advisories
        try:
            protocol.write(fd_out, response)
        except (TypeError, ValueError) as exc:
            protocol.write(fd_out, {"exception": {"type": "Unencodable", "message": str(exc),
                                                  "phase": "", "where": ""}})


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

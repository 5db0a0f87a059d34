"""The messages between the judge and the process that runs an implementation.

The implementation under test is untrusted (often broken, sometimes
hostile by accident: ``sys.exit`` in a module, an infinite loop, a memory
blow-up), so it runs in its own process and talks to the judge through a
pipe. Nothing crossing that pipe is pickled: a message is JSON, with NumPy
arrays encoded as ``{"__ndarray__": dtype, "shape": [...], "data": base64}``
(raw little-endian bytes, numeric dtypes only) and anything else the
implementation returned described in words (``{"__object__": "list of 2
arrays"}``) so the judge can say what was wrong with it.

Framing: a 4-byte big-endian length, then that many bytes of UTF-8 JSON.
"""
from __future__ import annotations

import base64
import json
import math
import os
import select
import struct
import time

import numpy as np

HEADER = struct.Struct(">I")
MAX_MESSAGE = 256 * 1024 * 1024


class Described:
    """A value that is not an array: what it was, in words (``list of 2 arrays``)."""

    def __init__(self, description: str):
        self.description = description

    def __repr__(self) -> str:
        return f"<{self.description}>"


def describe(value) -> str:
    """A short phrase naming a value's type and shape (``tuple of 2 arrays``, ``None``)."""
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        return f"ndarray {value.dtype} {value.shape}"
    if isinstance(value, (list, tuple)):
        kinds = {type(v).__name__ for v in value}
        inner = "arrays" if kinds == {"ndarray"} else "/".join(sorted(kinds)) or "nothing"
        return f"{type(value).__name__} of {len(value)} {inner}"
    return type(value).__name__


def _encode_array(a: np.ndarray) -> dict:
    a = np.asarray(a, order="C")   # ascontiguousarray would turn a 0-d array into 1-d
    if a.dtype.byteorder == ">":
        a = a.astype(a.dtype.newbyteorder("<"))
    return {"__ndarray__": a.dtype.str, "shape": list(a.shape),
            "data": base64.b64encode(a.tobytes()).decode("ascii")}


def encode(value):
    """``value`` as JSON-ready data: arrays and NumPy scalars kept exactly, the rest described."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "biufc":
            return _encode_array(value)
        return {"__object__": f"ndarray of dtype {value.dtype}"}
    if isinstance(value, np.generic):
        return _encode_array(np.asarray(value)) if value.dtype.kind in "biufc" else str(value)
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return {"__seq__": type(value).__name__, "items": [encode(v) for v in value]}
    if isinstance(value, Described):
        return {"__object__": value.description}
    return {"__object__": describe(value)}


def decode(data):
    """The inverse of ``encode``: arrays back as arrays, described objects as ``Described``."""
    if isinstance(data, dict):
        if "__ndarray__" in data:
            raw = base64.b64decode(data["data"])
            return np.frombuffer(raw, dtype=np.dtype(data["__ndarray__"])).reshape(tuple(data["shape"])).copy()
        if "__object__" in data:
            return Described(data["__object__"])
        if "__float__" in data:
            return float(data["__float__"])
        if "__seq__" in data:
            items = [decode(v) for v in data["items"]]
            return tuple(items) if data["__seq__"] == "tuple" else items
        return {k: decode(v) for k, v in data.items()}
    if isinstance(data, list):
        return [decode(v) for v in data]
    return data


def dumps(message: dict) -> bytes:
    body = json.dumps(encode(message), separators=(",", ":"), allow_nan=False).encode("utf-8")
    return HEADER.pack(len(body)) + body


def write(fd: int, message: dict) -> None:
    """Send one message on a file descriptor."""
    data = dumps(message)
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


class Closed(EOFError):
    """The other end closed the pipe (the process died)."""


class TimedOut(TimeoutError):
    """No complete message arrived before the deadline."""


def _read_exactly(fd: int, n: int, deadline: float | None) -> bytes:
    chunks, got = [], 0
    while got < n:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimedOut()
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                raise TimedOut()
        chunk = os.read(fd, min(n - got, 1 << 20))
        if not chunk:
            raise Closed()
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def read(fd: int, timeout: float | None = None) -> dict:
    """Receive one message; ``TimedOut`` after ``timeout`` seconds, ``Closed`` at end of file."""
    deadline = None if timeout is None else time.monotonic() + timeout
    (length,) = HEADER.unpack(_read_exactly(fd, HEADER.size, deadline))
    if length > MAX_MESSAGE:
        raise ValueError(f"protocol: message of {length} bytes is larger than {MAX_MESSAGE}")
    return decode(json.loads(_read_exactly(fd, length, deadline).decode("utf-8")))

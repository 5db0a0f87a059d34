"""The frameworks, imported lazily, once per process, quiet and thread-pinned.

Importing torch costs 1.5-3 s and TensorFlow 3-5 s on this machine, so
nothing in ``reference`` imports them at module level: oracles call
``torch()``, ``tf()`` or ``keras()`` where they need them. The first call
sets the environment the framework reads at import (TF log level, oneDNN
notice off, Keras backend) and pins its thread pools to one thread (see
``threads``).

``available(name)`` answers without importing, for skips and ``--oracle auto``.
"""
from __future__ import annotations

import functools
import importlib.util
import os

# Threads each framework may use in this process. The oracles' problems are small (sizes <= 10): torch and
# TensorFlow split no work of that size across threads, so one thread is as fast as two on a quiet machine,
# and more than one is ruinous on a busy one, where OpenMP threads wait for each other's time slice:
# a torch LSTM forward and backward at N=3 T=4 D=H=5 takes 0.25 ms with one thread or two alone, 0.31 vs
# 0.72 ms in two such processes side by side, and 0.3-0.6 vs 50-124 ms beside two busy processes on this
# 2-core machine (python tests/benchmarks/bench_threads.py, two runs). SCRATCH_CONFORMANCE_THREADS or
# OMP_NUM_THREADS sets more (the benchmark of large cases does).
THREADS_ENV = "SCRATCH_CONFORMANCE_THREADS"

_FRAMEWORK_MODULES = {"torch": "torch", "tensorflow": "tensorflow", "keras": "keras",
                      "tf_keras": "tf_keras"}


def threads() -> int:
    """Threads per framework: $SCRATCH_CONFORMANCE_THREADS, else $OMP_NUM_THREADS, else 1 (see above)."""
    for variable in (THREADS_ENV, "OMP_NUM_THREADS"):
        value = os.environ.get(variable, "").strip()
        if value.isdigit():
            return max(1, int(value))
    return 1


def available(name: str) -> bool:
    """Whether ``name`` (torch, tensorflow, keras, tf_keras) can be imported, without importing it."""
    module = _FRAMEWORK_MODULES.get(name, name)
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def quiet_environment() -> None:
    """Set, before any framework import, the variables that silence and pin it."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # its notice ignores the log level
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    n = str(threads())
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(var, n)


@functools.cache
def torch():
    """The torch module, thread-pinned, float64 capable."""
    quiet_environment()
    import torch as _torch

    _torch.set_num_threads(threads())
    try:
        _torch.set_num_interop_threads(1)
    except RuntimeError:  # already set after the first parallel op
        pass
    return _torch


@functools.cache
def tf():
    """The tensorflow module, quiet, thread pools pinned before its first op."""
    quiet_environment()
    import tensorflow as _tf

    try:
        _tf.config.threading.set_intra_op_parallelism_threads(threads())
        _tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:  # pragma: no cover - TF already ran an op
        pass
    _tf.get_logger().setLevel("ERROR")
    return _tf


@functools.cache
def keras():
    """Keras 3 on the TensorFlow backend (imports TensorFlow first, pinned)."""
    tf()
    import keras as _keras

    return _keras


@functools.cache
def tf_keras():
    """tf-keras (Keras 2), home of the legacy ``preprocessing.text.Tokenizer``."""
    tf()
    import tf_keras as _tf_keras

    return _tf_keras


def versions() -> dict[str, str | None]:
    """Versions of Python, NumPy and of each framework that is installed (imports nothing new)."""
    import platform
    import sys

    import numpy

    out: dict[str, str | None] = {"python": platform.python_version(), "numpy": numpy.__version__}
    for name in ("torch", "tensorflow", "keras", "tf_keras"):
        mod = sys.modules.get(_FRAMEWORK_MODULES[name])
        if mod is not None:
            out[name] = getattr(mod, "__version__", None)
        else:
            try:
                from importlib.metadata import version

                dist = {"tf_keras": "tf-keras", "tensorflow": "tensorflow-cpu"}.get(name, name)
                out[name] = version(dist)
            except Exception:
                out[name] = None
    return out

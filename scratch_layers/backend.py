"""The array module, chosen in one place.

Every module of scratch_layers does ``from scratch_layers.backend import np``
instead of importing NumPy itself, so swapping NumPy for a compatible array
module (CuPy on a GPU, as the book's ``config.GPU`` switch does) is one
environment variable: ``SCRATCH_LAYERS_ARRAY_MODULE=cupy``. It is read once,
at import; NumPy is the default.
"""
from __future__ import annotations

import importlib
import os

ARRAY_MODULE_ENV = "SCRATCH_LAYERS_ARRAY_MODULE"


def _select_array_module():
    name = os.environ.get(ARRAY_MODULE_ENV, "numpy").strip() or "numpy"
    try:
        return importlib.import_module(name)
    except ImportError as exc:  # pragma: no cover - depends on the machine
        raise ImportError(
            f"{ARRAY_MODULE_ENV}={name!r}: cannot import that array module ({exc}); "
            "unset the variable to use NumPy"
        ) from exc


np = _select_array_module()

# Floating dtypes the layers compute in. Parameters decide a layer's dtype;
# inputs of another float dtype are converted to it (see _validate).
FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))

"""What every model shares (the book's ``common/base_model.py``): saving and loading ``params``.

A model keeps ``params`` and ``grads`` (lists, same order, gathered from its
layers) and ``param_names`` (one readable name per entry of ``params``).
``save_params`` / ``load_params`` move the values of ``params`` to and from a
file in one of two formats, chosen by the file name when saving and by the
file's first bytes when loading:

- **lossless** (the default, any name not ending in ``.pkl``; ``<Class>.npz``
  when no name is given): a NumPy ``.npz`` archive with one array per entry
  of ``params``, in ``params`` order, under the keys ``"000_<name>"``,
  ``"001_<name>"``, ... The values and the dtype are stored exactly
  (float32 stays float32, float64 stays float64), so save then load gives
  back the same bits. It is read with ``allow_pickle=False``.
- **the book's** (a name ending in ``.pkl``): a pickled list of float16
  arrays, one per entry of ``params`` (a tied weight appears twice, as in
  the book). Lossy: float16 keeps ~3 significant digits and overflows above
  65504. Offered to exchange weights with the book's own scripts; loading
  casts the arrays to the model's dtype. Pickles are read with an unpickler
  that accepts NumPy arrays only, so a crafted file cannot run code.

Loading writes each value into the existing array (``param[...] = value``):
the layers, the optimizer's state and a tied view such as ``E.T`` keep
seeing the same arrays. A file with another number of arrays or other shapes
is refused with a ValueError naming the first mismatch.
"""
from __future__ import annotations

import importlib
import os
import pickle

from scratch_layers.backend import np

LOSSLESS_SUFFIX = ".npz"
BOOK_SUFFIX = ".pkl"
_ZIP_MAGIC = b"PK\x03\x04"

# The only globals a pickled list of NumPy arrays needs (protocols 2 to 5,
# written by NumPy 1.x or 2.x).
_ALLOWED_GLOBALS = {
    ("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode"),
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer"),
}


class _ArraysOnlyUnpickler(pickle.Unpickler):
    """Unpickles NumPy arrays and plain containers, refuses every other global."""

    def find_class(self, module, name):
        if (module, name) not in _ALLOWED_GLOBALS:
            raise pickle.UnpicklingError(
                f"load_params: the pickle refers to {module}.{name}; only NumPy arrays are accepted")
        if module.startswith("numpy.core."):  # NumPy 1.x names, moved to numpy._core in 2.x
            try:
                return getattr(importlib.import_module("numpy._core." + module.rsplit(".", 1)[1]), name)
            except ImportError:  # pragma: no cover - NumPy 1.x
                pass
        return getattr(importlib.import_module(module), name)


def read_book_params(file_name) -> list:
    """The arrays of a book-format file (a pickled list of arrays), as NumPy arrays."""
    with open(file_name, "rb") as f:
        values = _ArraysOnlyUnpickler(f).load()
    if not isinstance(values, (list, tuple)):
        raise ValueError(f"load_params: {os.fspath(file_name)!r} holds a {type(values).__name__}; "
                         "the book's format is a pickled list of arrays")
    return list(values)


class BaseModel:
    """Base of the language models: ``params``, ``grads``, ``param_names``, save and load.

    Subclasses fill ``self.params``, ``self.grads`` and ``self.param_names``
    and define predict / forward / backward.
    """

    params: list
    grads: list
    param_names: tuple = ()

    def _names(self) -> list[str]:
        names = list(self.param_names)
        return names if len(names) == len(self.params) else [f"p{i}" for i in range(len(self.params))]

    def save_params(self, file_name=None):
        """Writes ``params`` to ``file_name`` (default ``<Class>.npz``); see the module docstring.

        A name ending in ``.pkl`` writes the book's lossy float16 pickle;
        any other name the lossless ``.npz`` archive (written to exactly
        that name: no suffix is added).
        """
        if file_name is None:
            file_name = type(self).__name__ + LOSSLESS_SUFFIX
        if os.fspath(file_name).endswith(BOOK_SUFFIX):
            with open(file_name, "wb") as f:
                pickle.dump([_to_host(p.astype("float16")) for p in self.params], f)
            return
        arrays = {f"{i:03d}_{name}": p for i, (name, p) in enumerate(zip(self._names(), self.params))}
        with open(file_name, "wb") as f:  # a file object: np.savez adds no suffix to it
            np.savez(f, **arrays)

    def load_params(self, file_name=None):
        """Reads ``params`` from ``file_name`` (default ``<Class>.npz``), either format, in place."""
        if file_name is None:
            file_name = type(self).__name__ + LOSSLESS_SUFFIX
        with open(file_name, "rb") as f:
            head = f.read(len(_ZIP_MAGIC))
        if head == _ZIP_MAGIC:
            with np.load(file_name, allow_pickle=False) as archive:
                keys = sorted(archive.files)
                values = [archive[k] for k in keys]
        else:
            keys = None
            values = read_book_params(file_name)
        self._assign(values, keys, os.fspath(file_name))

    def _assign(self, values, keys, where: str):
        if len(values) != len(self.params):
            raise ValueError(f"{type(self).__name__}.load_params: {where!r} holds {len(values)} arrays; "
                             f"the model has {len(self.params)} params ({', '.join(self._names())})")
        for i, (name, param, value) in enumerate(zip(self._names(), self.params, values)):
            value = np.asarray(value)
            if value.shape != param.shape:
                label = keys[i] if keys else f"entry {i}"
                raise ValueError(f"{type(self).__name__}.load_params: {name} must be {param.shape}; "
                                 f"{where!r} has {value.shape} at {label}")
        for param, value in zip(self.params, values):
            param[...] = np.asarray(value)  # in place, cast to the model's dtype


def _to_host(a):
    """``a`` as a host (NumPy) array: CuPy arrays are copied off the GPU, as the book does."""
    to_host = getattr(np, "asnumpy", None)
    return to_host(a) if to_host is not None else a

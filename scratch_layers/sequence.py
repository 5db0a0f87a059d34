"""``pad_sequences``: ragged lists of ids to one rectangular array, as Keras does it.

Re-exported by ``scratch_layers.tokenizer``. Semantics of
``keras.utils.pad_sequences`` (Keras 3, same as tf-keras), observed:

- ``maxlen`` None means the longest sequence; longer sequences lose their
  start (``truncating="pre"``) or their end (``"post"``); shorter ones are
  filled with ``value`` at the start (``padding="pre"``) or the end.
- Elements may be vectors: the sample shape is taken from the first
  non-empty sequence, and every other must match it.
- Each kept slice is converted with ``np.asarray(.., dtype)`` (so floats are
  truncated towards zero into an int dtype); the output is
  ``np.full((N, maxlen) + sample_shape, value, dtype)`` filled in.
- A str ``value`` needs a str, bytes or object ``dtype`` ("set dtype=object
  for variable length strings"); a flexible dtype such as "U" or "S" without
  a size is one character wide, as in NumPy.

Deliberate differences from Keras (each is a crash there): no sequences
gives shape (0, maxlen or 0); ``maxlen=0`` gives (N, 0) for both truncating
modes (Keras's ``s[-0:]`` keeps everything and fails to broadcast); a bad
``padding`` or ``truncating`` is refused even when no sequence needs it;
``maxlen`` < 0 is a ValueError naming it.
"""
from __future__ import annotations

import operator

from scratch_layers.backend import np

PAD_MODES = ("pre", "post")


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre", value=0.0):
    """Pad (and truncate) sequences to one length.

    Args:
        sequences: a list (anything with len) of sequences (lists, tuples or
            arrays) of ids, or of equal-shaped vectors.
        maxlen: the output length; None for the longest sequence.
        dtype: the output dtype (NumPy dtype or name).
        padding: "pre" or "post": where the fill goes.
        truncating: "pre" or "post": which end of a long sequence is cut.
        value: the fill value.

    Returns:
        (N, maxlen) or (N, maxlen) + sample_shape array of ``dtype``.

    Example:
        >>> pad_sequences([[1, 2, 3], [4], []]).tolist()
        [[1, 2, 3], [0, 0, 4], [0, 0, 0]]
    """
    owner = "pad_sequences"
    for name, mode in (("padding", padding), ("truncating", truncating)):
        if not isinstance(mode, str) or mode not in PAD_MODES:
            raise ValueError(f'{owner}: {name} must be "pre" or "post"; got {mode!r}')
    if maxlen is not None:
        if isinstance(maxlen, bool):
            raise TypeError(f"{owner}: maxlen must be None or an int; got {maxlen!r}")
        try:
            maxlen = operator.index(maxlen)
        except TypeError:
            raise TypeError(f"{owner}: maxlen must be None or an int; got {maxlen!r}") from None
        if maxlen < 0:
            raise ValueError(f"{owner}: maxlen must be >= 0; got {maxlen}")
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{owner}: dtype must be a NumPy dtype; got {dtype!r}") from None
    if isinstance(value, str) and dtype.kind not in "OUS":
        raise ValueError(f"{owner}: dtype {dtype} is not compatible with value's type {type(value)}; "
                         "set dtype=object for variable length strings")
    if not hasattr(sequences, "__len__"):
        raise ValueError(f"{owner}: sequences must be a list of sequences (with a length); "
                         f"got {type(sequences).__name__}")

    lengths = []
    sample_shape = None
    for position, s in enumerate(sequences):
        try:
            lengths.append(len(s))
        except TypeError:
            raise ValueError(f"{owner}: sequences must be a list of iterables; "
                             f"found non-iterable {s!r} at position {position}") from None
        if sample_shape is None and len(s):
            sample_shape = np.asarray(s).shape[1:]
    sample_shape = sample_shape or ()
    if maxlen is None:
        maxlen = max(lengths, default=0)

    try:
        x = np.full((len(lengths), maxlen) + sample_shape, value, dtype=dtype)
    except (TypeError, ValueError, OverflowError) as exc:
        raise type(exc)(f"{owner}: value {value!r} cannot fill dtype {dtype}: {exc}") from None
    if maxlen == 0:
        return x
    for position, s in enumerate(sequences):
        n = lengths[position]
        if not n:
            continue
        kept = s[n - maxlen:] if truncating == "pre" and n > maxlen else s[:maxlen]
        kept = np.asarray(kept, dtype=dtype)
        if kept.shape[1:] != sample_shape:
            raise ValueError(f"{owner}: sequence at position {position} has samples of shape "
                             f"{kept.shape[1:]}; expected {sample_shape} (the first non-empty sequence's)")
        if padding == "post":
            x[position, : len(kept)] = kept
        else:
            x[position, maxlen - len(kept):] = kept
    return x

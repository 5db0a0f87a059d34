"""From the Tokenizer's convention to Keras 3 ``TextVectorization``'s: pure functions.

Keras 3 has no ``Tokenizer``; its ``TextVectorization`` (default
``standardize="lower_and_strip_punctuation"``, ``split="whitespace"``,
``output_mode="int"``) is the nearest oracle, with its own convention,
observed with Keras 3.15 on TensorFlow 2.21:

==================  ==========================================  ==========================================
                    Tokenizer (defaults)                        TextVectorization (defaults)
==================  ==========================================  ==========================================
lower-casing        ``str.lower`` (all of Unicode)              ``tf.strings.lower``: ASCII letters only
punctuation         REPLACED by a space (apostrophe kept)       DELETED, apostrophe included
splitting           on " " (tab and newline are filters)        on ASCII whitespace: also \\r, \\v, \\f
index 0             unused (padding)                            "" (padding)
index 1             oov_token if given, else the top word       "[UNK]", always
order               count descending, ties by first appearance  count descending, ties by token DESCENDING
unknown words       dropped (oov index with oov_token)          1
output              ragged lists                                padded with 0 at the end to the longest
==================  ==========================================  ==========================================

So the two produce the same tokens exactly when a text has no apostrophe,
no punctuation run glued to word characters on both sides (``"a.b"`` is
two words for the Tokenizer, ``"ab"`` for TextVectorization; ``"pen."``
and ``"a . b"`` agree), no \\r, \\v or \\f, and no non-ASCII character
that ``str.lower`` changes; ``text_vectorization_obstacles`` names what a
text breaks. On such corpora, a Tokenizer fitted with default options
(``num_words`` None; any ``oov_token``) gives the same vocabulary up to
order, and ``tokenizer_to_text_vectorization`` turns its sequences into
the exact integers TextVectorization outputs.

Not covered: ``num_words`` (which words survive a cut differs on tied
counts), ``char_level``, custom filters, split or ``lower=False``.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

PAD_TOKEN = ""
OOV_TOKEN = "[UNK]"

# Characters TextVectorization deletes (Keras's default strip regex), and the
# whitespace it splits on.
TV_PUNCTUATION = "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~'"
TV_ONLY_WHITESPACE = "\r\x0b\x0c"        # split by TextVectorization, kept in words by the Tokenizer
_TOKENIZER_SEPARATORS = " \t\n"          # split (or filtered to a split) by both

_GLUED_PUNCTUATION = re.compile(
    "[^" + re.escape(_TOKENIZER_SEPARATORS + TV_PUNCTUATION) + "]"
    "[" + re.escape(TV_PUNCTUATION) + "]+"
    "[^" + re.escape(_TOKENIZER_SEPARATORS + TV_PUNCTUATION) + "]"
)


def text_vectorization_obstacles(text: str) -> tuple[str, ...]:
    """Why ``text`` tokenises differently in the Tokenizer and TextVectorization ('' reasons: it does not)."""
    reasons = []
    if "'" in text:
        reasons.append("apostrophe: kept by the Tokenizer, deleted by TextVectorization")
    if _GLUED_PUNCTUATION.search(text):
        reasons.append("punctuation between word characters: splits for the Tokenizer, joins for "
                       "TextVectorization")
    if any(c in text for c in TV_ONLY_WHITESPACE):
        reasons.append("\\r, \\v or \\f: a separator only for TextVectorization")
    if any(not c.isascii() and c.lower() != c for c in text):
        reasons.append("non-ASCII upper case: lower-cased only by the Tokenizer")
    return tuple(reasons)


def text_vectorization_vocabulary(word_counts: Mapping[str, int]) -> list[str]:
    """TextVectorization's vocabulary for the words a Tokenizer counted.

    ``["", "[UNK]"]`` then the words by count descending, ties by the word
    descending (code point order, the same as UTF-8 byte order).
    """
    ranked = sorted(word_counts.items(), key=lambda wc: (wc[1], wc[0]), reverse=True)
    return [PAD_TOKEN, OOV_TOKEN] + [w for w, _ in ranked]


def tokenizer_to_text_vectorization(sequences: Iterable[Sequence[int]], index_word: Mapping[int, str],
                                    word_counts: Mapping[str, int], oov_token: str | None = None
                                    ) -> np.ndarray:
    """A fitted Tokenizer's sequences as TextVectorization's int output.

    Each Tokenizer index becomes its word (``index_word``), each word its
    position in ``text_vectorization_vocabulary(word_counts)``; the oov
    token becomes 1. Rows are padded with 0 at the end to the longest.

    Returns:
        (N, L) int64, L the longest sequence (0 columns if all are empty).
    """
    position = {w: i for i, w in enumerate(text_vectorization_vocabulary(word_counts))}
    rows = []
    for seq in sequences:
        row = []
        for index in seq:
            word = index_word[index]
            row.append(1 if oov_token is not None and word == oov_token else position[word])
        rows.append(row)
    width = max((len(r) for r in rows), default=0)
    out = np.zeros((len(rows), width), dtype=np.int64)
    for i, row in enumerate(rows):
        out[i, : len(row)] = row
    return out

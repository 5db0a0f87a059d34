"""The book's published chapter-2 answers as an oracle, confirmed against the frameworks' computation.

The ``book_*`` quantities of the text entries (reference/registry/text.py)
are judged against the numbers the book prints for "You say goodbye and I
say hello." (``BOOK_*`` there, typed from the book, not computed). Each
adapter computes the same quantity with its framework and passes both here:
they must agree (exactly for ids and counts, to the 3 printed digits for
PPMI, to 1e-15 for the 16-digit cosine), else the reference is at fault and
says so (``KnownAnswerMismatch``), never the implementation.
"""
from __future__ import annotations

import numpy as np

from reference.registry import text as T


class KnownAnswerMismatch(AssertionError):
    """An oracle's own computation disagrees with the book's printed answer: a fault of the reference."""


def confirm(name: str, computed, published, atol: float = 0.0, keep: str = "published") -> np.ndarray:
    """``published`` (or ``computed`` with keep="computed") after checking they agree within ``atol``."""
    c = np.asarray(computed, dtype=np.float64)
    p = np.asarray(published, dtype=np.float64)
    if c.shape != p.shape or not np.allclose(c, p, rtol=0.0, atol=atol):
        raise KnownAnswerMismatch(f"{name}: the oracle computes {c.tolist()}, the book prints {p.tolist()}")
    return c if keep == "computed" else p


def vocabulary(corpus, id_to_word) -> dict:
    """The ``book_*`` quantities of preprocess: the book's corpus and vocabulary, checked against ``corpus``
    and ``id_to_word`` as an oracle computed them."""
    words = {w: i for i, w in enumerate(id_to_word)}
    computed = T.encode_vocabulary(corpus, words, dict(enumerate(id_to_word)), T.BOOK_PROBE, "book_")
    published = T.encode_vocabulary(T.BOOK_CORPUS, T.BOOK_WORD_TO_ID, dict(enumerate(T.BOOK_ID_TO_WORD)),
                                    T.BOOK_PROBE, "book_")
    return {q: confirm(f"preprocess {q}", computed[q], published[q]) for q in published}


def co_matrix(computed) -> np.ndarray:
    return confirm("create_co_matrix (window 1)", computed, T.BOOK_CO_MATRIX)


def ppmi(computed) -> np.ndarray:
    """Computed to full precision; the book prints 3 decimals (half a unit of the last: 5e-4)."""
    return confirm("ppmi", computed, T.BOOK_PPMI_3_DIGITS, atol=5e-4 + 1e-12, keep="computed")


def cos_you_i(computed) -> np.ndarray:
    return confirm("cos_similarity(you, i)", computed, T.BOOK_COS_YOU_I, atol=1e-15)


def most_similar_you(pairs) -> dict:
    """The book's most_similar('you') ranking (and '.' after it: top=6), checked against ``pairs``."""
    published = T.encode_ranking(T.BOOK_MOST_SIMILAR_YOU_ALL, T.BOOK_WORD_TO_ID, "book_")
    computed = T.encode_ranking(pairs, T.BOOK_WORD_TO_ID, "book_")
    out = {"book_ranking": confirm("most_similar('you') words", computed["book_ranking"], published["book_ranking"]),
           "book_scores": confirm("most_similar('you') scores", computed["book_scores"], published["book_scores"],
                                  atol=1e-15)}
    return {**out, "book_agrees": np.asarray(1.0)}

"""Count-based word vectors (the text half of the book's ``common/util.py``).

From a sentence to a corpus of word ids (``preprocess``), to a co-occurrence
matrix (``create_co_matrix``), to positive PMI (``ppmi``); word2vec's
training pairs (``create_contexts_target``, ``convert_one_hot``); and the
similarity queries run on any word-vector matrix (``cos_similarity``,
``most_similar``, ``analogy``, ``normalize``).

Differences from the book, all deliberate:

- vectorised (no Python loop over the corpus or the matrix);
- arguments are checked: a ValueError names the argument, what was expected
  and what was received;
- inputs are never modified (the book's ``normalize`` divides in place);
- ``most_similar`` and ``analogy`` RETURN ``[(word, similarity), ...]``
  and print the book's report only when ``verbose=True``.
"""
from __future__ import annotations

from scratch_layers.backend import np

__all__ = ["analogy", "convert_one_hot", "cos_similarity", "create_co_matrix", "create_contexts_target",
           "most_similar", "normalize", "ppmi", "preprocess"]

# The book's guard against division by zero in cos_similarity and log(0) in ppmi.
SIMILARITY_EPS = 1e-8
PPMI_EPS = 1e-8

# dtype of the book's count matrices (create_co_matrix, convert_one_hot), and of
# ppmi's result when it is given integer counts.
COUNT_DTYPE = np.int32
PPMI_DTYPE_FOR_INT_COUNTS = np.float32


# --------------------------------------------------------------------- checks

def _window(owner: str, window_size) -> int:
    if isinstance(window_size, bool) or not isinstance(window_size, (int, np.integer)):
        raise TypeError(f"{owner}: window_size must be an int; got {type(window_size).__name__}")
    if window_size < 1:
        raise ValueError(f"{owner}: window_size must be >= 1; got {window_size}")
    return int(window_size)


def _vocab_size(owner: str, vocab_size) -> int:
    if isinstance(vocab_size, bool) or not isinstance(vocab_size, (int, np.integer)):
        raise TypeError(f"{owner}: vocab_size must be an int; got {type(vocab_size).__name__}")
    if vocab_size < 0:
        raise ValueError(f"{owner}: vocab_size must be >= 0; got {vocab_size}")
    return int(vocab_size)


def _corpus(owner: str, corpus, ndims: tuple[int, ...] = (1,), vocab_size: int | None = None):
    """``corpus`` as an integer array of word ids, checked against ``vocab_size``."""
    corpus = np.asarray(corpus)
    if corpus.size == 0 and corpus.dtype.kind == "f":  # np.asarray([]) is float64
        corpus = corpus.astype(np.int64)
    if corpus.dtype.kind not in "iu":
        raise TypeError(f"{owner}: corpus must hold integer word ids; got dtype {corpus.dtype}")
    if corpus.ndim not in ndims:
        want = " or ".join(f"{n}-D" for n in ndims)
        raise ValueError(f"{owner}: corpus must be {want}; got shape {corpus.shape}")
    if vocab_size is not None and corpus.size:
        bad = (corpus < 0) | (corpus >= vocab_size)
        if bad.any():
            where = tuple(int(i) for i in np.argwhere(bad)[0])
            raise ValueError(
                f"{owner}: corpus ids must be in [0, vocab_size={vocab_size}); "
                f"got {corpus[where]} at index {where}"
            )
    return corpus


def _vector(owner: str, name: str, v):
    v = np.asarray(v)
    if v.dtype.kind not in "fiu":
        raise TypeError(f"{owner}: {name} must be a real numeric vector; got dtype {v.dtype}")
    if v.ndim != 1:
        raise ValueError(f"{owner}: {name} must be 1-D (D,); got shape {v.shape}")
    return v if v.dtype.kind == "f" else v.astype(np.float64)


# ------------------------------------------------------------------ the corpus

def preprocess(text: str):
    """A sentence to ``(corpus, word_to_id, id_to_word)``, as the book does it.

    The text is lower-cased, a space is inserted before every '.', and the
    result is split on single spaces; each new word gets the next id,
    starting at 0, in order of first appearance.

    Exactly the book's rule, with its consequences: only '.' is split off
    (``"a,b"`` is one word); the space goes *before* the dot only, so
    ``"a.b"`` gives ``["a", ".b"]``; two spaces in a row, or a leading or
    trailing space, give the empty word ``""``.

    Args:
        text: str.

    Returns:
        corpus: (N,) int64 word ids; word_to_id: dict str -> int;
        id_to_word: dict int -> str.

    Example:
        >>> corpus, word_to_id, id_to_word = preprocess("You say goodbye and I say hello.")
        >>> corpus.tolist()
        [0, 1, 2, 3, 4, 1, 5, 6]
    """
    if not isinstance(text, str):
        raise TypeError(f"preprocess: text must be a str; got {type(text).__name__}")
    words = text.lower().replace(".", " .").split(" ")
    word_to_id: dict[str, int] = {}
    for word in words:
        word_to_id.setdefault(word, len(word_to_id))
    id_to_word = {i: w for w, i in word_to_id.items()}
    corpus = np.array([word_to_id[w] for w in words], dtype=np.int64)
    return corpus, word_to_id, id_to_word


def create_co_matrix(corpus, vocab_size, window_size=1):
    """Co-occurrence counts: C[w, c] = times c occurs within window_size of w.

    For every position i and every offset d in 1..window_size, the word at
    i - d (if i - d >= 0) and the word at i + d (if i + d < N) each add one
    to row corpus[i]. The matrix is symmetric.

    Args:
        corpus: (N,) integer word ids in [0, vocab_size).
        vocab_size: V.
        window_size: words counted on each side (>= 1).

    Returns:
        (V, V) int32 counts.
    """
    owner = "create_co_matrix"
    vocab_size = _vocab_size(owner, vocab_size)
    window_size = _window(owner, window_size)
    corpus = _corpus(owner, corpus, (1,), vocab_size)
    co_matrix = np.zeros((vocab_size, vocab_size), dtype=COUNT_DTYPE)
    for d in range(1, min(window_size, corpus.size - 1) + 1):
        # corpus[d:] sees corpus[:-d] on its left; and corpus[:-d] sees corpus[d:] on its right.
        np.add.at(co_matrix, (corpus[d:], corpus[:-d]), 1)
        np.add.at(co_matrix, (corpus[:-d], corpus[d:]), 1)
    return co_matrix


def ppmi(C, verbose=False, eps=PPMI_EPS):
    """Positive pointwise mutual information of a co-occurrence matrix.

    M[i, j] = max(0, log2(C[i, j] * N / (S[i] * S[j]) + eps)), with
    N = C.sum() and S = C.sum(axis=0) (column sums, used for rows too, as in
    the book: C is assumed symmetric). Where S[i] * S[j] == 0 the book's
    loop yields 0 (its max(0, nan)); so does this.

    Args:
        C: (V, V) counts, integer or float.
        verbose: print the book's progress line (one line, "100.0% done",
            since there is no loop to report on).
        eps: added inside the log.

    Returns:
        (V, V) in C's float dtype, float32 for integer C (as the book).
    """
    C = np.asarray(C)
    if C.dtype.kind not in "fiub":
        raise TypeError(f"ppmi: C must be a numeric matrix; got dtype {C.dtype}")
    if C.ndim != 2:
        raise ValueError(f"ppmi: C must be 2-D (V, V); got shape {C.shape}")
    out_dtype = C.dtype if C.dtype.kind == "f" else np.dtype(PPMI_DTYPE_FOR_INT_COUNTS)
    c = C.astype(np.float64)
    n = c.sum()
    s = c.sum(axis=0)
    if s.shape[0] < c.shape[0]:
        raise ValueError(f"ppmi: C must have at least as many columns as rows; got shape {C.shape}")
    denom = s[: c.shape[0], None] * s[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log2(c * n / denom + eps)
    pmi = np.where(denom > 0, pmi, 0.0)
    M = np.maximum(pmi, 0.0).astype(out_dtype)
    if verbose:
        print("%.1f%% done" % 100.0)
    return M


def create_contexts_target(corpus, window_size=1):
    """word2vec training pairs: the words around each position, and that word.

    Targets are corpus[w : N - w]; the contexts of the target at i are
    corpus[i - w], ..., corpus[i - 1], corpus[i + 1], ..., corpus[i + w], in
    that order.

    Args:
        corpus: (N,) integer word ids.
        window_size: w >= 1.

    Returns:
        contexts (N - 2w, 2w) and target (N - 2w,), in corpus's dtype. A
        corpus of N <= 2w words gives (0, 2w) and (0,) (the book returns
        contexts of shape (0,), float64).
    """
    owner = "create_contexts_target"
    window_size = _window(owner, window_size)
    corpus = _corpus(owner, corpus)
    n_targets = max(corpus.size - 2 * window_size, 0)
    offsets = [t for t in range(-window_size, window_size + 1) if t != 0]
    target = corpus[window_size: window_size + n_targets]
    contexts = np.empty((n_targets, 2 * window_size), dtype=corpus.dtype)
    for k, t in enumerate(offsets):
        contexts[:, k] = corpus[window_size + t: window_size + t + n_targets]
    return contexts, target.copy()


def convert_one_hot(corpus, vocab_size):
    """Word ids to one-hot rows.

    Args:
        corpus: (N,) or (N, C) integer ids in [0, vocab_size).
        vocab_size: V.

    Returns:
        (N, V) or (N, C, V) int32, one 1 per id.
    """
    owner = "convert_one_hot"
    vocab_size = _vocab_size(owner, vocab_size)
    corpus = _corpus(owner, corpus, (1, 2), vocab_size)
    return (corpus[..., None] == np.arange(vocab_size)).astype(COUNT_DTYPE)


# ------------------------------------------------------------------ similarity

def normalize(x):
    """Unit-length rows (2-D) or unit-length vector (1-D); x is not modified.

    x / sqrt(sum(x**2)) along the last axis. A zero row gives nan, as in
    the book (without NumPy's warning); ``analogy`` skips nan scores.

    Args:
        x: (D,) or (N, D).

    Returns:
        the same shape, in x's float dtype (float64 for integers).
    """
    x = np.asarray(x)
    if x.dtype.kind not in "fiu":
        raise TypeError(f"normalize: x must be real numeric; got dtype {x.dtype}")
    if x.ndim not in (1, 2):
        raise ValueError(f"normalize: x must be 1-D (D,) or 2-D (N, D); got shape {x.shape}")
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    s = np.sqrt((x ** 2).sum(axis=-1, keepdims=True))
    with np.errstate(divide="ignore", invalid="ignore"):
        return x / s


def cos_similarity(x, y, eps=SIMILARITY_EPS):
    """Cosine similarity of two vectors, the book's way.

    Each vector is divided by (its norm + eps) and the results are dotted:
    dot(x / (|x| + eps), y / (|y| + eps)). A zero vector gives 0. (torch's
    cosine_similarity divides the dot by max(|x| |y|, eps) instead: the two
    agree to about eps / |x| + eps / |y|.)

    Args:
        x, y: (D,) vectors.
        eps: added to each norm.

    Returns:
        a NumPy scalar.
    """
    x = _vector("cos_similarity", "x", x)
    y = _vector("cos_similarity", "y", y)
    if x.shape != y.shape:
        raise ValueError(f"cos_similarity: x and y must have the same shape; got {x.shape} and {y.shape}")
    nx = x / (np.sqrt(np.sum(x ** 2)) + eps)
    ny = y / (np.sqrt(np.sum(y ** 2)) + eps)
    return np.dot(nx, ny)


def _word_matrix(owner: str, word_matrix, id_to_word):
    word_matrix = np.asarray(word_matrix)
    if word_matrix.ndim != 2:
        raise ValueError(f"{owner}: word_matrix must be 2-D (V, D); got shape {word_matrix.shape}")
    if word_matrix.dtype.kind not in "fiu":
        raise TypeError(f"{owner}: word_matrix must be real numeric; got dtype {word_matrix.dtype}")
    if len(id_to_word) > word_matrix.shape[0]:
        raise ValueError(
            f"{owner}: word_matrix must have a row per word: {len(id_to_word)} words in id_to_word; "
            f"got shape {word_matrix.shape}"
        )
    return word_matrix


def _top(owner: str, top) -> int:
    if isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 0:
        raise ValueError(f"{owner}: top must be an int >= 0; got {top!r}")
    return int(top)


def _ranked(scores, id_to_word, skip, top):
    """Highest score first (ties: lower id first), skipping the words in ``skip`` and nan."""
    out = []
    for i in np.argsort(-scores, kind="stable"):
        if len(out) >= top:
            break
        word = id_to_word[int(i)]
        if word in skip or np.isnan(scores[i]):
            continue
        out.append((word, scores[i].item()))
    return out


def most_similar(query, word_to_id, id_to_word, word_matrix, top=5, *, verbose=False):
    """The ``top`` words whose vectors are most cosine-similar to ``query``'s.

    Scores are cos_similarity(word_matrix[i], word_matrix[query_id]) for
    every word i (vectorised); the query itself is left out; ties keep the
    lower id first.

    Args:
        query: a word of word_to_id.
        word_to_id, id_to_word: the vocabulary (as from ``preprocess``).
        word_matrix: (V, D) one row per word id.
        top: how many words to return.
        verbose: also print the book's report ("[query] you", then
            " word: score" per line; "x is not found" for an unknown query).

    Returns:
        [(word, similarity), ...], best first; [] when the query is unknown.
    """
    owner = "most_similar"
    top = _top(owner, top)
    word_matrix = _word_matrix(owner, word_matrix, id_to_word)
    if query not in word_to_id:
        if verbose:
            print("%s is not found" % query)
        return []
    if verbose:
        print("\n[query] " + query)
    W = word_matrix if word_matrix.dtype.kind == "f" else word_matrix.astype(np.float64)
    query_vec = W[word_to_id[query]]
    nq = query_vec / (np.sqrt(np.sum(query_vec ** 2)) + SIMILARITY_EPS)
    nW = W / (np.sqrt(np.sum(W ** 2, axis=1, keepdims=True)) + SIMILARITY_EPS)
    similarity = (nW @ nq)[: len(id_to_word)]
    result = _ranked(similarity, id_to_word, {query}, top)
    if verbose:
        for word, score in result:
            print(" %s: %s" % (word, score))
    return result


def analogy(a, b, c, word_to_id, id_to_word, word_matrix, top=5, answer=None, *, verbose=False):
    """a : b = c : ?, answered by the words nearest to normalize(b - a + c).

    Scores are word_matrix @ normalize(vec(b) - vec(a) + vec(c)) (rows are
    not normalised, as in the book); a, b, c themselves and nan scores are
    left out; ties keep the lower id first.

    Args:
        a, b, c: words of word_to_id.
        word_to_id, id_to_word: the vocabulary.
        word_matrix: (V, D).
        top: how many words to return.
        answer: the expected word; only printed with its score (verbose).
        verbose: also print the book's report.

    Returns:
        [(word, score), ...], best first; [] when a, b or c is unknown.
    """
    owner = "analogy"
    top = _top(owner, top)
    word_matrix = _word_matrix(owner, word_matrix, id_to_word)
    for word in (a, b, c):
        if word not in word_to_id:
            if verbose:
                print("%s is not found" % word)
            return []
    if verbose:
        print("\n[analogy] " + a + ":" + b + " = " + c + ":?")
    W = word_matrix if word_matrix.dtype.kind == "f" else word_matrix.astype(np.float64)
    query_vec = normalize(W[word_to_id[b]] - W[word_to_id[a]] + W[word_to_id[c]])
    similarity = (W @ query_vec)[: len(id_to_word)]
    if verbose and answer is not None and answer in word_to_id:
        print("==>" + answer + ":" + str(np.dot(W[word_to_id[answer]], query_vec)))
    result = _ranked(similarity, id_to_word, {a, b, c}, top)
    if verbose:
        for word, score in result:
            print(" {0}: {1}".format(word, score))
    return result

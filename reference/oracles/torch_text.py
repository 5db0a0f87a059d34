"""torch adapters for the text tools (reference/registry/text.py).

Framework functions where torch has them: ``F.one_hot`` (convert_one_hot),
``F.cosine_similarity`` (cos_similarity, most_similar), ``F.normalize``
(analogy), ``Tensor.unfold`` (create_contexts_target), ``torch.sort`` with
``stable=True`` (rankings: ties keep the lower id first, as the book's
argsort does on these sizes). The co-occurrence matrix is written as
one-hot products (sum over d of X[:-d].T @ X[d:] and its transpose), PPMI
with torch's log2; preprocess has no torch counterpart (Keras judges it).

The book adds eps = 1e-8 to each norm: dot(x / (|x| + eps), y / (|y| + eps)).
torch divides by max(|x|, eps') instead; with eps' far below any norm here
(1e-30), the book's value is torch's cosine times |x| / (|x| + eps) times
|y| / (|y| + eps), applied explicitly (``book_cosine``). Without that factor
torch differs from the book by 7e-9 to 1.5e-8 relative at unit norms
(measured on the distinct-sizes sample, seeds 20261122, 1, 2, 3), far above
the float64 tolerance, and by a factor 2 at |x| = 1e-8 (``similarity_tiny``).
"""
from __future__ import annotations

import numpy as np

from reference.oracles import adapter, frameworks
from reference.oracles import text_known as known
from reference.registry import text as T

BOOK_EPS = 1e-8
TINY = 1e-30        # torch's own eps, kept out of the way of the book's


def _torch():
    return frameworks.torch()


def _tensor(a, dtype=None):
    torch = _torch()
    a = np.asarray(a)
    if dtype is None:
        dtype = torch.float32 if a.dtype == np.float32 else torch.float64
    return torch.as_tensor(a.copy()).to(dtype)


def book_cosine(rows, query):
    """The book's cosine of each row of ``rows`` (or of one vector) with ``query``."""
    torch = _torch()
    F = torch.nn.functional
    rows2 = rows.reshape(-1, rows.shape[-1])
    cos = F.cosine_similarity(rows2, query[None, :], dim=1, eps=TINY)
    n_rows, n_query = torch.linalg.vector_norm(rows2, dim=1), torch.linalg.vector_norm(query)
    book = cos * (n_rows / (n_rows + BOOK_EPS)) * (n_query / (n_query + BOOK_EPS))
    return book.reshape(rows.shape[:-1])


def _co_matrix(corpus, V, window):
    torch = _torch()
    X = torch.nn.functional.one_hot(torch.as_tensor(np.asarray(corpus, dtype=np.int64)), V).to(torch.float64)
    C = torch.zeros((V, V), dtype=torch.float64)
    for d in range(1, min(window, len(corpus) - 1) + 1):
        pairs = X[:-d].T @ X[d:]
        C += pairs + pairs.T
    return C.numpy()


@adapter("torch", "create_co_matrix")
def co_matrix(sample):
    corpus, V = sample.inputs["corpus"], sample.inputs["vocab_size"]
    out = {f"C_w{w}": _co_matrix(corpus, V, w) for w in T.WINDOWS}
    out["book_C"] = known.co_matrix(_co_matrix(T.BOOK_CORPUS, len(T.BOOK_ID_TO_WORD), 1))
    return out


@adapter("torch", "create_contexts_target")
def contexts_target(sample):
    torch = _torch()
    corpus = torch.as_tensor(sample.inputs["corpus"])
    out = {}
    for w in T.WINDOWS:
        windows = corpus.unfold(0, 2 * w + 1, 1)
        out[f"contexts_w{w}"] = torch.cat([windows[:, :w], windows[:, w + 1:]], dim=1).double().numpy()
        out[f"target_w{w}"] = windows[:, w].double().numpy()
    return out


@adapter("torch", "convert_one_hot")
def one_hot(sample):
    torch = _torch()
    V = sample.inputs["vocab_size"]
    flat = torch.nn.functional.one_hot(torch.as_tensor(sample.inputs["target"]), V)
    nested = torch.nn.functional.one_hot(torch.as_tensor(sample.inputs["contexts"]), V)
    return {"one_hot": flat.double().numpy(), "one_hot_contexts": nested.double().numpy(),
            "integer_dtype": np.array([float(not t.is_floating_point()) for t in (flat, nested)])}


def _ppmi(C):
    torch = _torch()
    n, s = C.sum(), C.sum(dim=0)
    denom = s[:, None] * s[None, :]
    pmi = torch.log2(C * n / denom + BOOK_EPS)
    return torch.clamp(torch.where(denom > 0, pmi, torch.zeros_like(pmi)), min=0.0).numpy()


@adapter("torch", "ppmi")
def ppmi(sample):
    counts = _tensor(sample.inputs["counts"], _torch().float64)
    M_counts = _ppmi(counts)
    return {"M": _ppmi(_tensor(sample.inputs["C"])), "M_counts": M_counts, "M_verbose": M_counts,
            "book_M": known.ppmi(_ppmi(_tensor(T.BOOK_CO_MATRIX, _torch().float64))),
            "prints": np.array([1.0, 1.0])}


@adapter("torch", "cos_similarity")
def cos_similarity(sample):
    x, y = _tensor(sample.inputs["x"]), _tensor(sample.inputs["y"])
    book = _tensor(T.BOOK_CO_MATRIX, _torch().float64)
    return {"similarity": book_cosine(x, y).numpy(),
            "similarity_tiny": book_cosine(_tensor(sample.inputs["tiny"]), y).numpy(),
            "similarity_zero": book_cosine(_tensor(sample.inputs["zero"]), y).double().numpy(),
            "book_similarity": known.cos_you_i(book_cosine(book[T.BOOK_WORD_TO_ID["you"]],
                                                           book[T.BOOK_WORD_TO_ID["i"]]).numpy())}


def _ranked(scores, id_to_word, skip, top):
    torch = _torch()
    order = torch.sort(scores, descending=True, stable=True).indices.tolist()
    pairs = [(id_to_word[i], scores[i].item()) for i in order
             if id_to_word[i] not in skip and not torch.isnan(scores[i])]
    return pairs[:top]


def _similar(W, word_to_id, id_to_word, query, top):
    return _ranked(book_cosine(W, W[word_to_id[query]]), id_to_word, {query}, top)


@adapter("torch", "most_similar")
def most_similar(sample):
    s = sample.inputs
    W, w2i, i2w = _tensor(s["word_matrix"]), s["word_to_id"], s["id_to_word"]
    out = {**T.encode_ranking(_similar(W, w2i, i2w, s["query"], 5), w2i),
           **T.encode_ranking(_similar(W, w2i, i2w, s["query"], 2), w2i, "top2_"),
           "agrees": np.asarray(1.0), "top2_agrees": np.asarray(1.0)}
    book = _similar(_tensor(T.BOOK_CO_MATRIX, _torch().float64), T.BOOK_WORD_TO_ID,
                    dict(enumerate(T.BOOK_ID_TO_WORD)), "you", T.BOOK_TOP)
    return {**out, **known.most_similar_you(book)}


@adapter("torch", "analogy")
def analogy(sample):
    torch = _torch()
    s = sample.inputs
    W, w2i = _tensor(s["word_matrix"]), s["word_to_id"]
    a, b, c = s["abc"]
    query = torch.nn.functional.normalize(W[w2i[b]] - W[w2i[a]] + W[w2i[c]], dim=0, eps=TINY)
    return {**T.encode_ranking(_ranked(W @ query, s["id_to_word"], {a, b, c}, 5), w2i), "agrees": np.asarray(1.0)}

"""Keras adapters for the text tools (reference/registry/text.py), on the TensorFlow backend.

Framework functions where Keras/TensorFlow have them: ``tf.strings`` and
``tf.unique`` (preprocess: lower-case, '.' spaced off, split on single
spaces, ids in order of first appearance: exactly what ``tf.unique``
returns), ``keras.utils.to_categorical`` (convert_one_hot),
``keras.losses.cosine_similarity`` (cos_similarity, most_similar; the book's
eps added to each norm is modelled as in torch_text), ``keras.ops.normalize``
(analogy), ``keras.ops.top_k`` (rankings: equal scores keep the lower index
first). The co-occurrence matrix and the contexts are an independent
formulation: NumPy's ``sliding_window_view`` over the corpus padded with -1,
counted with ``keras.ops.bincount``.

to_categorical returns float32; the book's one-hot is np.int32, so
``integer_dtype`` states the contract (1) rather than Keras's dtype.
``keras.losses.cosine_similarity`` normalises with sqrt(max(|x|^2, 1e-12)):
inputs are scaled by 1 / max|x| first (the cosine does not change), so the
1e-8-norm sample is not clipped.
"""
from __future__ import annotations

import numpy as np

from reference.oracles import adapter, frameworks
from reference.oracles import text_known as known
from reference.registry import text as T

BOOK_EPS = 1e-8


def _np(x) -> np.ndarray:
    return np.asarray(x.numpy() if hasattr(x, "numpy") else x)


def _dtype(a) -> str:
    return "float32" if np.asarray(a).dtype == np.float32 else "float64"


def _unit_scaled(a: np.ndarray) -> np.ndarray:
    """``a`` divided by its largest magnitude (rows separately); zero rows unchanged."""
    big = np.max(np.abs(a), axis=-1, keepdims=True)
    return a / np.where(big > 0, big, 1).astype(a.dtype)


def book_cosine(rows, query):
    """The book's cosine of each row of ``rows`` (or of one vector) with ``query``, via Keras."""
    keras = frameworks.keras()
    dtype = _dtype(rows)
    rows2 = np.asarray(rows, dtype=dtype).reshape(-1, np.shape(rows)[-1])
    q = np.asarray(query, dtype=dtype)
    cos = -keras.losses.cosine_similarity(keras.ops.convert_to_tensor(_unit_scaled(rows2)),
                                          keras.ops.convert_to_tensor(_unit_scaled(q)[None, :]), axis=-1)
    n_rows = keras.ops.norm(keras.ops.convert_to_tensor(rows2), axis=-1)
    n_query = keras.ops.norm(keras.ops.convert_to_tensor(q))
    book = cos * (n_rows / (n_rows + BOOK_EPS)) * (n_query / (n_query + BOOK_EPS))
    return _np(book).reshape(np.shape(rows)[:-1])


def _tokens(text: str):
    tf = frameworks.tf()
    spaced = tf.strings.regex_replace(tf.strings.lower(text), r"\.", " .")
    words, ids = tf.unique(tf.strings.split(spaced, sep=" "))
    return _np(ids), [w.decode("utf-8") for w in _np(words).tolist()]


@adapter("keras", "preprocess")
def preprocess(sample):
    ids, words = _tokens(sample.inputs["text"])
    out = T.encode_vocabulary(ids, {w: i for i, w in enumerate(words)}, dict(enumerate(words)),
                              sample.inputs["words"])
    return {**out, **known.vocabulary(*_tokens(T.BOOK_TEXT))}


def _windows(corpus, w):
    """(T, 2w + 1) windows centred on every position, -1 outside the corpus."""
    padded = np.concatenate([np.full(w, -1), np.asarray(corpus, dtype=np.int64), np.full(w, -1)])
    return np.lib.stride_tricks.sliding_window_view(padded, 2 * w + 1)


def _co_matrix(corpus, V, w):
    keras = frameworks.keras()
    windows = _windows(corpus, w)
    centre = np.repeat(windows[:, w], 2 * w)
    around = np.delete(windows, w, axis=1).ravel()
    inside = around >= 0
    counts = keras.ops.bincount(keras.ops.convert_to_tensor(centre[inside] * V + around[inside]),
                                minlength=V * V)
    return _np(counts).reshape(V, V).astype(np.float64)


@adapter("keras", "create_co_matrix")
def co_matrix(sample):
    corpus, V = sample.inputs["corpus"], sample.inputs["vocab_size"]
    out = {f"C_w{w}": _co_matrix(corpus, V, w) for w in T.WINDOWS}
    out["book_C"] = known.co_matrix(_co_matrix(T.BOOK_CORPUS, len(T.BOOK_ID_TO_WORD), 1))
    return out


@adapter("keras", "create_contexts_target")
def contexts_target(sample):
    keras = frameworks.keras()
    corpus = sample.inputs["corpus"]
    out = {}
    for w in T.WINDOWS:
        full = _windows(corpus, w)[w: len(corpus) - w]              # the windows that fit in the corpus
        columns = [k for k in range(2 * w + 1) if k != w]
        out[f"contexts_w{w}"] = _np(keras.ops.take(full, columns, axis=1)).astype(np.float64)
        out[f"target_w{w}"] = full[:, w].astype(np.float64)
    return out


@adapter("keras", "convert_one_hot")
def one_hot(sample):
    keras = frameworks.keras()
    V = sample.inputs["vocab_size"]
    return {"one_hot": np.asarray(keras.utils.to_categorical(sample.inputs["target"], V), dtype=np.float64),
            "one_hot_contexts": np.asarray(keras.utils.to_categorical(sample.inputs["contexts"], V),
                                           dtype=np.float64),
            "integer_dtype": np.array([1.0, 1.0])}


def _ppmi(C):
    keras = frameworks.keras()
    ops = keras.ops
    C = ops.convert_to_tensor(C)
    n, s = ops.sum(C), ops.sum(C, axis=0)
    denom = ops.expand_dims(s, 1) * ops.expand_dims(s, 0)
    pmi = ops.log2(C * n / denom + BOOK_EPS)
    return _np(ops.maximum(ops.where(denom > 0, pmi, ops.zeros_like(pmi)), 0.0))


@adapter("keras", "ppmi")
def ppmi(sample):
    M_counts = _ppmi(sample.inputs["counts"].astype(np.float64))
    return {"M": _ppmi(sample.inputs["C"]), "M_counts": M_counts, "M_verbose": M_counts,
            "book_M": known.ppmi(_ppmi(np.array(T.BOOK_CO_MATRIX, dtype=np.float64))),
            "prints": np.array([1.0, 1.0])}


@adapter("keras", "cos_similarity")
def cos_similarity(sample):
    x, y = sample.inputs["x"], sample.inputs["y"]
    book = np.array(T.BOOK_CO_MATRIX, dtype=np.float64)
    return {"similarity": book_cosine(x, y), "similarity_tiny": book_cosine(sample.inputs["tiny"], y),
            "similarity_zero": book_cosine(sample.inputs["zero"], y).astype(np.float64),
            "book_similarity": known.cos_you_i(book_cosine(book[T.BOOK_WORD_TO_ID["you"]],
                                                           book[T.BOOK_WORD_TO_ID["i"]]))}


def _ranked(scores, id_to_word, skip, top):
    keras = frameworks.keras()
    scores = np.asarray(scores)
    _, order = keras.ops.top_k(keras.ops.convert_to_tensor(scores), k=len(scores), sorted=True)
    pairs = [(id_to_word[int(i)], scores[int(i)].item()) for i in _np(order)
             if id_to_word[int(i)] not in skip and not np.isnan(scores[int(i)])]
    return pairs[:top]


def _similar(W, word_to_id, id_to_word, query, top):
    return _ranked(book_cosine(W, W[word_to_id[query]]), id_to_word, {query}, top)


@adapter("keras", "most_similar")
def most_similar(sample):
    s = sample.inputs
    W, w2i, i2w = s["word_matrix"], s["word_to_id"], s["id_to_word"]
    out = {**T.encode_ranking(_similar(W, w2i, i2w, s["query"], 5), w2i),
           **T.encode_ranking(_similar(W, w2i, i2w, s["query"], 2), w2i, "top2_"),
           "agrees": np.asarray(1.0), "top2_agrees": np.asarray(1.0)}
    book = _similar(np.array(T.BOOK_CO_MATRIX, dtype=np.float64), T.BOOK_WORD_TO_ID,
                    dict(enumerate(T.BOOK_ID_TO_WORD)), "you", T.BOOK_TOP)
    return {**out, **known.most_similar_you(book)}


@adapter("keras", "analogy")
def analogy(sample):
    keras = frameworks.keras()
    s = sample.inputs
    W, w2i = s["word_matrix"], s["word_to_id"]
    a, b, c = s["abc"]
    query = _np(keras.ops.normalize(keras.ops.convert_to_tensor(W[w2i[b]] - W[w2i[a]] + W[w2i[c]]), axis=-1,
                                    order=2))
    scores = _np(keras.ops.matmul(keras.ops.convert_to_tensor(W), keras.ops.convert_to_tensor(query)))
    return {**T.encode_ranking(_ranked(scores, s["id_to_word"], {a, b, c}, 5), w2i), "agrees": np.asarray(1.0)}

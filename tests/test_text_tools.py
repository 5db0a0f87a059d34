"""scratch_layers.text (the book's count-based tools) against known answers and independent formulations.

Oracles: hand-computed cases, explicit loops and scipy.sparse written here
(differently from the vectorised code under test), ``keras.utils.to_categorical``
and ``torch.nn.functional.cosine_similarity``. Window sizes 1, 2 and 3 throughout:
several student copies are right only for 1.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from reference.oracles import frameworks
from reference.registry.compare import assert_close
from reference.registry.tolerances import F32, F64
from scratch_layers import text, util

CHECKS = settings(max_examples=max(30, settings.default.max_examples), deadline=None,
                  suppress_health_check=[HealthCheck.too_slow])
WINDOW_SIZES = (1, 2, 3)

BOOK_SENTENCE = "You say goodbye and I say hello."
BOOK_CORPUS = [0, 1, 2, 3, 4, 1, 5, 6]
BOOK_CO_MATRIX = [[0, 1, 0, 0, 0, 0, 0],
                  [1, 0, 1, 0, 1, 1, 0],
                  [0, 1, 0, 1, 0, 0, 0],
                  [0, 0, 1, 0, 1, 0, 0],
                  [0, 1, 0, 1, 0, 0, 0],
                  [0, 1, 0, 0, 0, 0, 1],
                  [0, 0, 0, 0, 0, 1, 0]]


@st.composite
def corpora(draw, min_size=0):
    """(corpus, vocab_size): ids in [0, V), V up to 8 so words repeat and windows overlap."""
    vocab_size = draw(st.integers(1, 8), label="vocab_size")
    corpus = draw(st.lists(st.integers(0, vocab_size - 1), min_size=min_size, max_size=30), label="corpus")
    return np.array(corpus, dtype=np.int64), vocab_size


# --------------------------------------------------------------- preprocess

def test_preprocess_known_answer():
    corpus, word_to_id, id_to_word = text.preprocess(BOOK_SENTENCE)
    assert corpus.tolist() == BOOK_CORPUS
    assert word_to_id == {"you": 0, "say": 1, "goodbye": 2, "and": 3, "i": 4, "hello": 5, ".": 6}
    assert id_to_word == {i: w for w, i in word_to_id.items()}


@pytest.mark.parametrize("sentence, words", [
    ("A.b", ["a", ".b"]),            # the space goes before the dot only
    ("a,b. c", ["a,b", ".", "c"]),   # only '.' is split off
    ("a  b", ["a", "", "b"]),        # single-space split keeps the empty word
    ("Hi.", ["hi", "."]),
], ids=["dot_inside", "comma_kept", "double_space", "final_dot"])
def test_preprocess_follows_the_books_rule(sentence, words):
    corpus, _, id_to_word = text.preprocess(sentence)
    assert [id_to_word[i] for i in corpus.tolist()] == words


# ------------------------------------------------------- co-occurrence, PPMI

# window_size=2 on the book's sentence, counted by hand (row sums 2+7+4+4+4+3+2 = 26 = neighbours).
BOOK_CO_MATRIX_W2 = [[0, 1, 1, 0, 0, 0, 0],
                     [1, 0, 1, 2, 1, 1, 1],
                     [1, 1, 0, 1, 1, 0, 0],
                     [0, 2, 1, 0, 1, 0, 0],
                     [0, 1, 1, 1, 0, 1, 0],
                     [0, 1, 0, 0, 1, 0, 1],
                     [0, 1, 0, 0, 0, 1, 0]]


@pytest.mark.parametrize("window_size, expected", [(1, BOOK_CO_MATRIX), (2, BOOK_CO_MATRIX_W2)])
def test_create_co_matrix_known_answer(window_size, expected):
    C = text.create_co_matrix(np.array(BOOK_CORPUS), 7, window_size=window_size)
    assert C.dtype == np.int32 and C.tolist() == expected


def _co_matrix_by_pairs(corpus, vocab_size, window_size):
    """Independent formulation: every ordered pair of positions 0 < |i - j| <= w, summed by scipy.sparse."""
    sparse = pytest.importorskip("scipy.sparse", reason="scipy is the independent oracle here")
    n = len(corpus)
    pairs = [(corpus[i], corpus[j]) for i in range(n) for j in range(n) if 0 < abs(i - j) <= window_size]
    rows = [p[0] for p in pairs]
    cols = [p[1] for p in pairs]
    return sparse.coo_matrix((np.ones(len(pairs), dtype=np.int64), (rows, cols)),
                             shape=(vocab_size, vocab_size)).toarray()


@pytest.mark.parametrize("window_size", WINDOW_SIZES)
@CHECKS
@given(case=corpora())
def test_create_co_matrix_matches_pair_counting(window_size, case):
    corpus, vocab_size = case
    expected = _co_matrix_by_pairs(corpus, vocab_size, window_size)
    np.testing.assert_array_equal(text.create_co_matrix(corpus, vocab_size, window_size), expected,
                                  err_msg=f"corpus={corpus.tolist()} V={vocab_size} w={window_size}")


def _ppmi_by_loops(C, eps=1e-8):
    """The contract's formula, one element at a time in float64; S[i]*S[j] == 0 gives 0 (the book's max(0, nan))."""
    C = np.asarray(C, dtype=np.float64)
    N, S = C.sum(), C.sum(axis=0)
    M = np.zeros_like(C)
    for i in range(C.shape[0]):
        for j in range(C.shape[1]):
            if S[i] * S[j] > 0:
                M[i, j] = max(0.0, math.log2(C[i, j] * N / (S[j] * S[i]) + eps))
    return M


def test_ppmi_known_answer():
    M = text.ppmi(np.array(BOOK_CO_MATRIX, dtype=np.int32))
    assert M.dtype == np.float32
    # rounded as Python floats: NumPy 1 compares a float32 scalar with 1.807 in float64
    assert round(float(M[0, 1]), 3) == 1.807 and round(float(M[1, 2]), 3) == 0.807 and round(float(M[5, 6]), 3) == 2.807
    assert M[0, 0] == 0


@pytest.mark.parametrize("window_size", WINDOW_SIZES)
@CHECKS
@given(case=corpora())
def test_ppmi_matches_elementwise_loops(window_size, case):
    corpus, vocab_size = case
    C = text.create_co_matrix(corpus, vocab_size, window_size)  # checked above; unused ids give zero sums
    context = f"corpus={corpus.tolist()} V={vocab_size} w={window_size}"
    assert_close(text.ppmi(C), _ppmi_by_loops(C), F32, quantity="ppmi(int32 C) float32", context=context)
    assert_close(text.ppmi(C.astype(np.float64)), _ppmi_by_loops(C), F64, quantity="ppmi(float64 C)",
                 context=context)


def test_ppmi_verbose_prints_progress_and_keeps_input(capsys):
    C = np.array(BOOK_CO_MATRIX, dtype=np.int32)
    before = C.copy()
    text.ppmi(C, verbose=True)
    assert "100.0% done" in capsys.readouterr().out
    np.testing.assert_array_equal(C, before)


# ------------------------------------------------------- contexts, one-hot

@pytest.mark.parametrize("window_size, contexts, target", [
    (1, [[0, 2], [1, 3], [2, 4], [3, 1], [4, 5], [1, 6]], [1, 2, 3, 4, 1, 5]),
    (2, [[0, 1, 3, 4], [1, 2, 4, 1], [2, 3, 1, 5], [3, 4, 5, 6]], [2, 3, 4, 1]),
    (3, [[0, 1, 2, 4, 1, 5], [1, 2, 3, 1, 5, 6]], [3, 4]),
    (4, np.zeros((0, 8), dtype=np.int64), []),
])
def test_create_contexts_target_known_answers(window_size, contexts, target):
    got_contexts, got_target = text.create_contexts_target(np.array(BOOK_CORPUS), window_size)
    assert np.asarray(contexts).shape == got_contexts.shape
    assert got_contexts.tolist() == np.asarray(contexts).tolist() and got_target.tolist() == target


@pytest.mark.parametrize("window_size", WINDOW_SIZES)
@CHECKS
@given(case=corpora())
def test_create_contexts_target_matches_loops(window_size, case):
    corpus, _ = case
    expected_contexts = [[corpus[i + t] for t in range(-window_size, window_size + 1) if t != 0]
                         for i in range(window_size, len(corpus) - window_size)]
    contexts, target = text.create_contexts_target(corpus, window_size)
    assert contexts.shape == (len(expected_contexts), 2 * window_size)
    assert contexts.tolist() == expected_contexts
    assert target.tolist() == corpus[window_size: len(corpus) - window_size].tolist()


def test_convert_one_hot_known_answer():
    one_hot = text.convert_one_hot(np.array([[0, 2], [1, 0]]), 3)
    assert one_hot.dtype == np.int32
    assert one_hot.tolist() == [[[1, 0, 0], [0, 0, 1]], [[0, 1, 0], [1, 0, 0]]]
    assert text.convert_one_hot([2, 0], 3).tolist() == [[0, 0, 1], [1, 0, 0]]


@CHECKS
@given(case=corpora(min_size=1), columns=st.sampled_from([None, 2, 3]))
def test_convert_one_hot_matches_keras_to_categorical(keras, case, columns):
    corpus, vocab_size = case
    if columns is not None:  # (N, C) contexts; C >= 2 (Keras squeezes a trailing 1)
        corpus = corpus[: len(corpus) // columns * columns].reshape(-1, columns)
    expected = keras.utils.to_categorical(corpus, vocab_size)
    np.testing.assert_array_equal(text.convert_one_hot(corpus, vocab_size), expected.astype(np.int32))


@pytest.fixture(scope="module")
def keras():
    if not (frameworks.available("keras") and frameworks.available("tensorflow")):
        pytest.skip("Keras 3 with TensorFlow is not installed: no to_categorical oracle")
    return frameworks.keras()


@pytest.mark.parametrize("call, error, argument", [
    (lambda: text.create_co_matrix([0, 1], 2, window_size=0), ValueError, "window_size"),
    (lambda: text.create_co_matrix([0, 5], 2), ValueError, "vocab_size=2"),
    (lambda: text.create_co_matrix([0.5, 1], 2), TypeError, "corpus"),
    (lambda: text.create_contexts_target([0, 1, 2], window_size=-1), ValueError, "window_size"),
    (lambda: text.convert_one_hot(np.zeros((2, 2, 2), dtype=int), 2), ValueError, "corpus"),
    (lambda: text.ppmi(np.zeros(3)), ValueError, "C"),
    (lambda: text.cos_similarity(np.ones(2), np.ones(3)), ValueError, "same shape"),
    (lambda: text.normalize(np.ones((2, 2, 2))), ValueError, "x"),
    (lambda: text.most_similar("a", {"a": 0}, {0: "a"}, np.ones(3)), ValueError, "word_matrix"),
])
def test_bad_arguments_name_the_argument(call, error, argument):
    with pytest.raises(error, match=argument):
        call()


# ---------------------------------------------------------------- similarity

@pytest.fixture(scope="module")
def torch():
    if not frameworks.available("torch"):
        pytest.skip("torch is not installed: no cosine_similarity oracle")
    return frameworks.torch()


vectors = st.integers(1, 6).flatmap(lambda d: st.tuples(
    st.lists(st.floats(-10, 10), min_size=d, max_size=d), st.lists(st.floats(-10, 10), min_size=d, max_size=d)))


# Cosines lie in [-1, 1]: their rounding error is relative to 1, not to a value near zero
# (orthogonal vectors give ~1e-17 with a different sign in each library).
COS_SCALE = np.array(1.0)
# Below this norm torch's eps clamp (max(|x| |y|, 1e-8) or per-norm) may act.
TORCH_EPS_INACTIVE_NORM = 1e-3


@CHECKS
@given(pair=vectors)
def test_cos_similarity_matches_torch(torch, pair):
    """Where they coincide (book eps=0; torch's clamp inactive) they agree to float64 rounding; with the
    book's eps the difference is bounded by |cos| * (eps/|x| + eps/|y|). Near-zero vectors: see below."""
    x, y = (np.array(v, dtype=np.float64) for v in pair)
    nx, ny = np.linalg.norm(x), np.linalg.norm(y)
    assume(min(nx, ny) >= TORCH_EPS_INACTIVE_NORM)
    expected = torch.nn.functional.cosine_similarity(torch.from_numpy(x), torch.from_numpy(y), dim=0).item()
    allowed = F64.allowed(COS_SCALE)
    without_eps = text.cos_similarity(x, y, eps=0.0)
    context = f"[x={x.tolist()} y={y.tolist()}]"
    assert abs(without_eps - expected) <= allowed, \
        f"cos_similarity(eps=0)={without_eps!r}, torch {expected!r}; allowed {allowed:.1e} {context}"
    eps = text.SIMILARITY_EPS
    bound = abs(expected) * (eps / nx + eps / ny) + allowed
    with_eps = text.cos_similarity(x, y)
    assert abs(with_eps - expected) <= bound, \
        f"cos_similarity={with_eps!r}, torch {expected!r}; allowed {bound:.1e} {context}"


def test_cos_similarity_where_eps_placement_differs(torch):
    """Zero vector: both 0. A tiny vector: the book's |x| + eps shrinks the cosine, torch's clamp does not act."""
    cos = torch.nn.functional.cosine_similarity
    zero, x = np.zeros(3), np.array([1.0, 2.0, 3.0])
    assert text.cos_similarity(zero, x) == 0.0
    assert cos(torch.zeros(3, dtype=torch.float64), torch.from_numpy(x), dim=0).item() == 0.0
    tiny, unit = np.array([1e-6, 0.0]), np.array([1.0, 0.0])
    assert cos(torch.from_numpy(tiny), torch.from_numpy(unit), dim=0).item() == pytest.approx(1.0, abs=1e-12)
    assert text.cos_similarity(tiny, unit) < 0.991


def test_cos_similarity_known_answer():
    """The book's formula: dot(x / (|x| + eps), y / (|y| + eps)); eps matters for a tiny vector."""
    tiny, unit = np.array([1e-6, 0.0]), np.array([1.0, 0.0])
    assert text.cos_similarity(tiny, unit) == pytest.approx(1e-6 / (1e-6 + 1e-8) / (1 + 1e-8), rel=1e-12)
    assert text.cos_similarity(np.array([3.0, 4.0]), np.array([4.0, 3.0])) == pytest.approx(
        24 / (5 + 1e-8) ** 2, rel=1e-14)
    assert text.cos_similarity(np.array([1.0, 0.0]), np.array([0.0, 2.0])) == 0.0


def test_cos_similarity_keeps_float32():
    x = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    assert text.cos_similarity(x, x).dtype == np.float32


def test_normalize_rows_vector_and_input_untouched():
    x = np.array([[3.0, 4.0], [0.0, 2.0]])
    before = x.copy()
    np.testing.assert_allclose(text.normalize(x), [[0.6, 0.8], [0.0, 1.0]], rtol=1e-15)
    np.testing.assert_array_equal(x, before)
    np.testing.assert_allclose(text.normalize(np.array([3, 4])), [0.6, 0.8], rtol=1e-15)
    assert np.isnan(text.normalize(np.zeros(2))).all()  # as the book (0/0), without a warning


# A tiny embedding whose answers can be worked out by hand: axes (royal, male, fruit).
WORDS = ["king", "queen", "man", "woman", "apple"]
WORD_TO_ID = {w: i for i, w in enumerate(WORDS)}
ID_TO_WORD = dict(enumerate(WORDS))
EMBEDDING = np.array([[1.0, 0.9, 0.0],     # king
                      [1.0, -0.9, 0.1],    # queen
                      [0.1, 1.0, 0.0],     # man
                      [0.1, -1.0, 0.1],    # woman
                      [0.0, 0.0, 1.0]])    # apple


def _cos(u, v):
    return sum(a * b for a, b in zip(u, v)) / (math.sqrt(sum(a * a for a in u)) * math.sqrt(sum(b * b for b in v)))


def test_most_similar_known_answer(capsys):
    result = text.most_similar("king", WORD_TO_ID, ID_TO_WORD, EMBEDDING, top=3)
    assert [w for w, _ in result] == ["man", "queen", "apple"]  # woman is negative; king itself skipped
    for word, score in result:
        assert abs(score - _cos(EMBEDDING[0], EMBEDDING[WORD_TO_ID[word]])) < 1e-7  # the book's eps
    assert capsys.readouterr().out == ""  # quiet unless verbose
    text.most_similar("king", WORD_TO_ID, ID_TO_WORD, EMBEDDING, top=1, verbose=True)
    out = capsys.readouterr().out.splitlines()
    assert out[1:] == ["[query] king", " man: %s" % result[0][1]]


def test_analogy_known_answer(capsys):
    result = text.analogy("man", "king", "woman", WORD_TO_ID, ID_TO_WORD, EMBEDDING, top=2)
    assert [w for w, _ in result] == ["queen", "apple"]  # man, king, woman are excluded
    q = EMBEDDING[0] - EMBEDDING[2] + EMBEDDING[3]
    q = q / np.linalg.norm(q)
    assert abs(result[0][1] - float(EMBEDDING[1] @ q)) < 1e-12
    text.analogy("man", "king", "woman", WORD_TO_ID, ID_TO_WORD, EMBEDDING, top=1, answer="queen", verbose=True)
    out = capsys.readouterr().out.splitlines()
    assert out[1] == "[analogy] man:king = woman:?" and out[2].startswith("==>queen:")
    assert out[3] == " queen: %s" % result[0][1]


def test_unknown_words_return_empty_and_print_when_verbose(capsys):
    assert text.most_similar("prince", WORD_TO_ID, ID_TO_WORD, EMBEDDING) == []
    assert text.analogy("man", "prince", "woman", WORD_TO_ID, ID_TO_WORD, EMBEDDING, verbose=True) == []
    assert capsys.readouterr().out == "prince is not found\n"


def test_util_reexports_the_text_tools():
    for name in ("preprocess", "create_co_matrix", "ppmi", "create_contexts_target", "convert_one_hot",
                 "cos_similarity", "most_similar", "analogy", "normalize"):
        assert getattr(util, name) is getattr(text, name)

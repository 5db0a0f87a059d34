"""A student's chapter 2-3 text tools are judged: real mistakes fail on the right quantity.

Each buggy copy (tests/fixtures/text_bugs/bugs.py) stands in for its contract
name in an in-process namespace and is judged against the golden cases (no
framework needed); the book-like fixture's util.py passes (advisories only),
and the book's published chapter-2 numbers are what the oracles return.
"""
from __future__ import annotations

import numpy as np
import pytest

from reference.oracles import text_known
from reference.registry import text as T
from tests.fixtures.text_bugs import bugs
from tests.judging import FIXTURES, judge
from tests.generated import require

TEXT_TOOLS = ("preprocess", "create_co_matrix", "ppmi", "cos_similarity", "most_similar", "analogy",
              "create_contexts_target", "convert_one_hot")

# (contract name, buggy copy, a quantity that must fail, quantities that must still pass)
BUGS = [
    ("preprocess", bugs.preprocess_sorted_ids, "corpus", ("sizes",)),
    ("preprocess", bugs.preprocess_no_lower, "sizes", ()),
    ("create_co_matrix", bugs.co_matrix_left_only, "C_w1", ()),
    ("create_co_matrix", bugs.co_matrix_range_without_plus_one, "C_w1", ()),
    ("create_co_matrix", bugs.co_matrix_window_one_only, "C_w2", ("C_w1", "book_C")),
    ("create_co_matrix", bugs.co_matrix_counts_itself, "C_w1", ()),
    ("cos_similarity", bugs.cos_similarity_no_eps, "similarity_tiny", ()),
    ("cos_similarity", bugs.cos_similarity_one_normalised, "similarity", ()),
    ("ppmi", bugs.ppmi_n_per_row, "M", ()),
    ("ppmi", bugs.ppmi_no_max, "M", ()),
    ("ppmi", bugs.ppmi_ignores_verbose, "prints", ("M", "M_counts", "book_M")),
    ("convert_one_hot", bugs.one_hot_float, "integer_dtype", ("one_hot", "one_hot_contexts")),
    ("convert_one_hot", bugs.one_hot_transposed, "one_hot", ("integer_dtype",)),
    ("create_contexts_target", bugs.contexts_drop_last_target, "target_w1", ()),
    ("create_contexts_target", bugs.contexts_right_first, "contexts_w2", ("target_w2",)),
    ("most_similar", bugs.most_similar_includes_query, "ranking", ()),
    ("most_similar", bugs.most_similar_ascending, "ranking", ()),
    ("analogy", bugs.analogy_a_minus_b, "ranking", ()),
]


def _statuses(component_report):
    """quantity -> the set of statuses of its numeric checks."""
    out: dict[str, set] = {}
    for check in component_report.checks:
        if check.oracle not in ("contract", "implementation"):
            out.setdefault(check.quantity, set()).add(check.status)
    return out


@pytest.mark.parametrize("name, fn, failing, passing", BUGS, ids=[f"{n}-{f.__name__}" for n, f, _, _ in BUGS])
def test_buggy_copy_fails_on_the_right_quantity(name, fn, failing, passing):
    (component,) = judge({name: fn}, only=[name], oracle="golden").components
    statuses = _statuses(component)
    assert component.status == "fail", (component.status, [c.message for c in component.checks][:3])
    assert "fail" in statuses.get(failing, ()), (failing, statuses)
    for q in passing:
        assert statuses.get(q) == {"pass"}, (q, statuses)


@pytest.mark.parametrize("name, fn", [("most_similar", bugs.most_similar_returns_only),
                                      ("ppmi", bugs.ppmi_without_verbose)], ids=lambda v: getattr(v, "__name__", v))
def test_a_right_copy_in_another_style_conforms(name, fn):
    """Returning the ranking instead of printing it, or a ppmi without verbose, is not a failure."""
    (component,) = judge({name: fn}, only=[name], oracle="golden").components
    assert component.status == "pass", [c.message for c in component.failed()][:3]


def test_book_like_text_tools_pass_with_advisories_only():
    report = judge(FIXTURES / "book_like", only=list(TEXT_TOOLS), oracle="golden")
    statuses = {c.name: c.status for c in report.components}
    assert statuses == {name: "pass" for name in TEXT_TOOLS}, statuses
    ppmi = next(c for c in report.components if c.name == "ppmi")
    assert any("computes in float32" in a for a in ppmi.advisories), ppmi.advisories   # the book's float32 buffer


def test_printed_ranking_is_parsed_and_ties_are_put_in_id_order():
    printed = "\n[query] you\n hello: 0.5\n i: 0.5\n and: 0.0\n say: 0.25\n"
    words = {"you": 0, "say": 1, "and": 3, "i": 4, "hello": 5}
    got = T.judged_ranking(None, printed, words)
    # the tie (hello, i) is put in id order; the out-of-order 0.25 after 0.0 is kept, so it still fails
    assert got["ranking"].tolist() == [4, 5, 3, 1] and got["scores"].tolist() == [0.5, 0.5, 0.0, 0.25]
    assert got["agrees"] == 1.0
    returned = [("i", 0.5), ("hello", 0.5), ("say", 0.25), ("and", 0.0)]
    assert T.judged_ranking(returned, printed, words)["agrees"] == 0.0       # prints one thing, returns another
    assert T.judged_ranking(returned, "", words)["ranking"].tolist() == [4, 5, 1, 3]


def test_a_printed_score_agrees_with_the_returned_one_to_the_digits_printed():
    words = {"a": 0, "b": 1}
    returned = [("a", 0.70710678), ("b", 0.0001234)]
    rounded = " a: 0.707\n b: 1.23e-04\n"
    got = T.judged_ranking(returned, rounded, words)
    assert got["agrees"] == 1.0 and got["scores"].tolist() == [0.70710678, 0.0001234]   # the returned scores
    assert T.judged_ranking(returned, " a: 0.708\n b: 1.23e-04\n", words)["agrees"] == 0.0
    assert T.judged_ranking([("a", 0.5)], " a: 0.4999999\n", {"a": 0})["agrees"] == 0.0
    assert T.printed_resolution("0.7071067691154799") == pytest.approx(5e-17)


def test_the_published_numbers_are_what_an_independent_numpy_computation_gives():
    """The BOOK_* constants were typed from the book: recompute them here with plain NumPy."""
    words = T.BOOK_TEXT.lower().replace(".", " .").split(" ")
    assert [T.BOOK_WORD_TO_ID[w] for w in words] == list(T.BOOK_CORPUS)
    corpus = np.array(T.BOOK_CORPUS)
    C = np.zeros((7, 7), dtype=np.int64)
    np.add.at(C, (corpus[1:], corpus[:-1]), 1)
    np.add.at(C, (corpus[:-1], corpus[1:]), 1)
    assert C.tolist() == [list(r) for r in T.BOOK_CO_MATRIX]
    S = C.sum(axis=0)
    with np.errstate(divide="ignore"):
        M = np.maximum(0, np.log2(C * C.sum() / np.outer(S, S) + 1e-8))
    np.testing.assert_allclose(M, T.BOOK_PPMI_3_DIGITS, atol=5e-4)
    you, i = C[0] / (np.linalg.norm(C[0]) + 1e-8), C[4] / (np.linalg.norm(C[4]) + 1e-8)
    assert abs(you @ i - T.BOOK_COS_YOU_I) < 1e-16


def test_a_wrong_published_number_is_a_reference_fault():
    text_known.cos_you_i(T.BOOK_COS_YOU_I)
    with pytest.raises(text_known.KnownAnswerMismatch, match="the book prints"):
        text_known.cos_you_i(T.BOOK_COS_YOU_I + 1e-12)
    with pytest.raises(text_known.KnownAnswerMismatch):
        text_known.ppmi(np.array(T.BOOK_PPMI_3_DIGITS) + 1e-3)
    with pytest.raises(text_known.KnownAnswerMismatch):
        text_known.most_similar_you([(w, s) for w, s in reversed(T.BOOK_MOST_SIMILAR_YOU_ALL)])


def test_plain_framework_cosine_differs_from_the_books_by_more_than_float64_allows():
    """Why the adapters model the book's eps: torch's cosine_similarity alone is 1e-8 relative off."""
    require("torch")
    from reference.oracles import frameworks, torch_text

    torch = frameworks.torch()
    sample = T.sample_vectors(T.Case("float64", {"D": 4}, 20261122))
    x, y = (torch.as_tensor(sample.inputs[k]) for k in ("x", "y"))
    plain = torch.nn.functional.cosine_similarity(x, y, dim=0).item()
    book = torch_text.book_cosine(x, y).item()
    nx, ny = np.linalg.norm(sample.inputs["x"]), np.linalg.norm(sample.inputs["y"])
    by_hand = sample.inputs["x"] / (nx + 1e-8) @ (sample.inputs["y"] / (ny + 1e-8))
    assert abs(book - by_hand) <= 1e-15
    assert abs(plain - book) / abs(book) > 1e-9       # 100 x the float64 tolerance

"""scratch_layers.tokenizer against tf-keras's Tokenizer (live and recorded) and Keras 3 TextVectorization.

Three oracles, one observation format (``reference.golden.tokenizer_record``):

- live tf-keras on Hypothesis-generated cases (skips without tf-keras);
- the recorded tf-keras cases in ``reference/golden/tokenizer_cases.json``
  (run everywhere), plus a drift check that re-records them live;
- Keras 3 ``TextVectorization`` through ``reference.oracles.text_mappings``, on
  corpora where the two conventions coincide.

A failure prints the case as JSON: ``record.observe(module, case)`` on it
reproduces the run.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reference.oracles import frameworks, text_mappings
from reference.golden import tokenizer_record as record
from scratch_layers import tokenizer as scratch

# Modest: the whole file runs in a few seconds after the TF import (more under a profile that asks for more).
LIVE = settings(max_examples=max(40, settings.default.max_examples), deadline=None,
                suppress_health_check=[HealthCheck.too_slow])
LIVE_SMALL = settings(max_examples=max(25, settings.default.max_examples), deadline=None,
                      suppress_health_check=[HealthCheck.too_slow])

PEN = ["I have a pen.", "I have an apple", "You have pen and apple."]
PEN_SEQUENCES = [[2, 1, 5, 3], [2, 1, 6, 4], [7, 1, 3, 8, 4]]


# ------------------------------------------------------------------ oracles

@pytest.fixture(scope="module")
def tf_text():
    """tf-keras's ``preprocessing.text`` module, or a skip saying why."""
    if not frameworks.available("tf_keras"):
        pytest.skip("tf-keras is not installed (pip install tf-keras --no-deps after tensorflow-cpu): "
                    "no live Tokenizer oracle; the recorded cases still run")
    return frameworks.tf_keras().preprocessing.text


@pytest.fixture(scope="module")
def keras3():
    """Keras 3 (for TextVectorization), or a skip saying why."""
    if not (frameworks.available("keras") and frameworks.available("tensorflow")):
        pytest.skip("Keras 3 with TensorFlow is not installed: no TextVectorization oracle")
    return frameworks.keras()


# --------------------------------------------------------------- strategies
# Characters chosen to hit every rule: both cases, Unicode whose lower() is
# special (ß, İ -> 'i̇', final sigma), every default filter, the apostrophe
# (not a filter), the filtered whitespace (\t, \n) and the unfiltered (\r, nbsp).
CHARS = ("a", "b", "A", "B", "é", "É", "ß", "İ", "Σ", "中") + tuple(scratch.DEFAULT_FILTERS) + \
    ("'", " ", " ", "\r", "\xa0")
# Words from a small pool repeat, so counts tie often (tie order is tested).
WORDS = ("a", "b", "A", "cat", "Cat", "don't", "'", "É", "é", "ß", "İstanbul", "ΟΔΟΣ", "中文", "x1", "_")
SEPARATORS = (" ", "  ", "\t", "\n", ". ", ",", "!", "'", "-", " ... ", "\r", "\xa0", "", "?\n")

raw_texts = st.text(alphabet=st.sampled_from(CHARS), max_size=20)
word_texts = st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPARATORS)), max_size=8).map(
    lambda pairs: "".join(w + s for w, s in pairs))
texts = st.one_of(word_texts, raw_texts)
token_lists = st.lists(st.sampled_from(WORDS), max_size=4)  # pre-tokenised texts

filter_sets = st.one_of(st.just(scratch.DEFAULT_FILTERS), st.text(alphabet=st.sampled_from(CHARS), max_size=6))

init_options = st.fixed_dictionaries({}, optional={  # a missing key exercises the default
    "num_words": st.one_of(st.none(), st.integers(0, 12)),  # 0: no limit; < and > the vocabulary
    "oov_token": st.sampled_from(["<OOV>", "a", "[UNK]", "oov"]),  # "a" also occurs in texts
    "char_level": st.booleans(),
    "lower": st.booleans(),
    "split": st.sampled_from([" ", ",", "--", "a", None]),
    "filters": filter_sets,
    "analyzer": st.sampled_from(sorted(record.ANALYZERS)),
})


@st.composite
def tokenizer_cases(draw):
    """A recorded-format case: options, one or two fitting steps, queries."""
    init = draw(init_options, label="init")
    fit_texts = draw(st.lists(st.one_of(texts, texts, token_lists), max_size=5), label="fit_texts")
    steps = [["fit_on_texts", fit_texts]]
    extra = draw(st.sampled_from(["none", "texts", "sequences_first"]), label="extra step")
    if extra == "texts":
        steps.append(["fit_on_texts", draw(st.lists(texts, max_size=3), label="more texts")])
    elif extra == "sequences_first":
        seqs = draw(st.lists(st.lists(st.integers(0, 9), max_size=4), max_size=3), label="fit_sequences")
        steps.insert(0, ["fit_on_sequences", seqs])
    queries = fit_texts + draw(st.lists(texts, max_size=2), label="unseen texts")
    sequences = draw(st.one_of(st.none(), st.lists(st.lists(st.integers(0, 15), max_size=6), max_size=3)),
                     label="sequences (None: every index)")
    return record.make_case("hypothesis", steps, texts=queries, sequences=sequences, **init)


def _assert_same(case, actual, expected):
    __tracebackhide__ = True
    diffs = record.differences(actual, expected)
    assert not diffs, record.report(case, diffs)


# ----------------------------------------------------- known answers (no TF)

def test_fit_on_texts_known_answer():
    tok = scratch.Tokenizer()
    tok.fit_on_texts(PEN)
    assert tok.texts_to_sequences(PEN) == PEN_SEQUENCES
    assert tok.word_index == {"have": 1, "i": 2, "pen": 3, "apple": 4, "a": 5, "an": 6, "you": 7, "and": 8}
    assert tok.document_count == 3 and tok.word_docs["have"] == 3 and tok.index_docs[3] == 2


def test_oov_token_takes_index_one_and_num_words_limits_only_conversion():
    tok = scratch.Tokenizer(num_words=4, oov_token="<OOV>")
    tok.fit_on_texts(PEN)
    assert tok.word_index["<OOV>"] == 1 and len(tok.word_index) == 9  # the vocabulary is not cut
    assert tok.texts_to_sequences(["I have a pen", "zebra"]) == [[3, 2, 1, 1], [1]]
    assert tok.sequences_to_texts([[3, 2, 7, 0]]) == ["i have <OOV> <OOV>"]
    assert tok.texts_to_matrix(["have have zebra"], mode="count").tolist() == [[0, 1, 2, 0]]


def test_char_level_only_lowercases():
    tok = scratch.Tokenizer(char_level=True)
    tok.fit_on_texts(["Ab.a b"])
    assert list(tok.word_index) == ["a", "b", ".", " "]  # filters not applied, ties by first appearance


def test_matrix_modes_known_values():
    tok = scratch.Tokenizer()
    tok.fit_on_texts(["a b b c", "a"])  # a: 2 docs, b: 1, c: 1; D = 2
    m = {mode: tok.texts_to_matrix(["a b b c"], mode=mode)[0] for mode in scratch.MATRIX_MODES}
    assert m["binary"].tolist() == [0, 1, 1, 1] and m["count"].tolist() == [0, 1, 2, 1]
    assert m["freq"].tolist() == [0, 0.25, 0.5, 0.25]
    np.testing.assert_allclose(m["tfidf"], [0, np.log(1 + 2 / 3), (1 + np.log(2)) * np.log(2), np.log(2)],
                               rtol=1e-15)


@pytest.mark.parametrize("make, call, error, match", [
    (lambda: scratch.Tokenizer(), lambda t: t.texts_to_matrix(["a"]), ValueError, "num_words"),
    (lambda: scratch.Tokenizer(num_words=3), lambda t: t.texts_to_matrix(["a"], mode="tfidf"),
     ValueError, "tfidf"),
    (lambda: scratch.Tokenizer(num_words=3), lambda t: t.sequences_to_matrix([[]], mode="bogus"),
     ValueError, "mode"),
    (lambda: scratch.Tokenizer(num_words=3), lambda t: t.sequences_to_matrix([[-1]]), ValueError, ">= 0"),
    (lambda: scratch.Tokenizer(), lambda t: t.fit_on_texts([None]), TypeError, "position 0"),
], ids=["no_dimension", "tfidf_before_fit", "unknown_mode", "negative_index", "text_not_str"])
def test_errors_name_the_problem(make, call, error, match):
    with pytest.raises(error, match=match):
        call(make())


@pytest.mark.parametrize("kwargs, error, match", [
    ({"num_words": -1}, ValueError, "num_words"),
    ({"num_words": 2.5}, TypeError, "num_words"),
    ({"split": ""}, ValueError, "split"),
    ({"oov_token": 3}, TypeError, "oov_token"),
    ({"analyzer": "split"}, TypeError, "analyzer"),
    ({"bogus": 1}, TypeError, "Unrecognized keyword arguments"),
])
def test_bad_constructor_arguments_fail_at_construction(kwargs, error, match):
    with pytest.raises(error, match=match):
        scratch.Tokenizer(**kwargs)


def test_deliberate_divergences_from_tf_keras():
    """Each is a crash or garbage in tf-keras (see the module docstring of scratch_layers.tokenizer)."""
    unfitted = scratch.Tokenizer(oov_token="<OOV>")  # tf-keras: [[None, None]] and KeyError
    assert unfitted.texts_to_sequences(["a b"]) == [[]] and unfitted.sequences_to_texts([[1]]) == [""]
    tok = scratch.tokenizer_from_json(_fitted(PEN).to_json())
    tok.fit_on_texts(["brand new words"])  # tf-keras: KeyError (its loaded word_docs is a plain dict)
    assert tok.word_docs["brand"] == 1 and tok.document_count == 4


def _fitted(texts, **kwargs):
    tok = scratch.Tokenizer(**kwargs)
    tok.fit_on_texts(texts)
    return tok


# --------------------------------------------------------- tf-keras, live

@LIVE
@given(case=tokenizer_cases())
def test_tokenizer_matches_tf_keras_on_generated_cases(tf_text, case):
    _assert_same(case, record.observe(scratch, case), record.observe(tf_text, case))


@LIVE_SMALL
@given(case=tokenizer_cases())
def test_json_loads_across_implementations(tf_text, case):
    """Our loader reads tf-keras's JSON, and tf-keras's loader reads ours, to the same tokenizer."""
    theirs = tf_text.Tokenizer(**record.tokenizer_kwargs(case))
    ours = scratch.Tokenizer(**record.tokenizer_kwargs(case))
    for tok in (theirs, ours):
        for op, data in case["steps"]:
            getattr(tok, op)(data)
    expected = tf_text.tokenizer_from_json(theirs.to_json())
    for loaded in (scratch.tokenizer_from_json(theirs.to_json()), tf_text.tokenizer_from_json(ours.to_json())):
        _assert_same(case, record.fitted_state(loaded), record.fitted_state(expected))
        assert loaded.texts_to_sequences(case["texts"]) == expected.texts_to_sequences(case["texts"])


@LIVE
@given(text=texts, filters=filter_sets, lower=st.booleans(), split=st.sampled_from([" ", ",", "--", "a", "\n", None]))
def test_text_to_word_sequence_matches_tf_keras(tf_text, text, filters, lower, split):
    expected = tf_text.text_to_word_sequence(text, filters=filters, lower=lower, split=split)
    assert scratch.text_to_word_sequence(text, filters=filters, lower=lower, split=split) == expected


@pytest.mark.parametrize("kwargs", [{"nb_words": 3}, {"nb_words": 3, "num_words": 5}, {"document_count": 7}],
                         ids=["nb_words", "nb_words_wins", "document_count"])
def test_legacy_keyword_arguments_match_tf_keras(tf_text, kwargs):
    with warnings.catch_warnings(record=True) as theirs_w:
        warnings.simplefilter("always")
        theirs = tf_text.Tokenizer(**kwargs)
    with warnings.catch_warnings(record=True) as ours_w:
        warnings.simplefilter("always")
        ours = scratch.Tokenizer(**kwargs)
    assert (ours.num_words, ours.document_count) == (theirs.num_words, theirs.document_count)
    assert [w.category for w in ours_w] == [w.category for w in theirs_w
                                            if "nb_words" in str(w.message)]


def test_unknown_keyword_argument_matches_tf_keras(tf_text):
    with pytest.raises(TypeError, match="Unrecognized keyword arguments") as theirs:
        tf_text.Tokenizer(bogus=1)
    with pytest.raises(TypeError) as ours:
        scratch.Tokenizer(bogus=1)
    assert str(ours.value) == str(theirs.value)


# -------------------------------------------- recorded cases (no TF needed)

RECORDED = record.load()["cases"]


@pytest.mark.parametrize("recorded", RECORDED, ids=[c["case"]["name"] for c in RECORDED])
def test_tokenizer_matches_recorded_tf_keras_case(recorded):
    _assert_same(recorded["case"], record.observe(scratch, recorded["case"]), recorded["expected"])


def test_recorded_cases_have_not_drifted_from_live_tf_keras(tf_text):
    """Re-record live: the stored file must equal it (else rerun ``python -m reference.golden.tokenizer_record``)."""
    stored = record.load()
    live = record.record()
    assert [c["case"] for c in live["cases"]] == [c["case"] for c in stored["cases"]], \
        "build_cases() changed since the file was written: re-record it"
    problems = []
    for got, kept in zip(live["cases"], stored["cases"]):
        diffs = record.differences(got["expected"], kept["expected"])
        if diffs:
            problems.append(record.report(got["case"], diffs))
    assert not problems, "tf-keras now behaves differently from the recording " \
        f"{stored['recorded_with']}:\n" + "\n".join(problems)


# ------------------------------------------- Keras 3 TextVectorization

# Corpora where the mapping applies (reference.oracles.text_mappings): words of
# ASCII letters, lower-case Unicode and digits; punctuation only next to
# whitespace; separators the two conventions share.
TV_WORDS = ("a", "b", "ab", "Cat", "cat", "DOG", "é", "中文", "x1", "zz")
TV_SEPARATORS = (" ", "  ", "\t", "\n", ". ", " , ", "! ", " ...\n", "? ")
tv_texts = st.lists(st.tuples(st.sampled_from(TV_WORDS), st.sampled_from(TV_SEPARATORS)), max_size=7).map(
    lambda pairs: "".join(w + s for w, s in pairs))


@LIVE_SMALL
@given(corpus=st.lists(tv_texts, min_size=1, max_size=5).filter(lambda c: any(w in t for t in c for w in TV_WORDS)),
       unseen=st.lists(tv_texts, max_size=2))
def test_sequences_match_text_vectorization_through_the_mapping(keras3, corpus, unseen):
    queries = corpus + unseen
    assert not any(text_mappings.text_vectorization_obstacles(t) for t in queries)
    tok = _fitted(corpus, oov_token="<OOV>")
    mapped = text_mappings.tokenizer_to_text_vectorization(
        tok.texts_to_sequences(queries), tok.index_word, tok.word_counts, tok.oov_token)
    tv = keras3.layers.TextVectorization()
    tv.adapt(corpus)
    assert [str(w) for w in tv.get_vocabulary()] == text_mappings.text_vectorization_vocabulary(tok.word_counts)
    np.testing.assert_array_equal(mapped, np.asarray(tv(queries)))


@pytest.mark.parametrize("text", ["don't stop", "a.b c", "x\ry z", "Éclair tart"],
                         ids=["apostrophe", "glued_punctuation", "carriage_return", "non_ascii_upper"])
def test_mapping_does_not_apply_where_documented(keras3, text):
    """Each documented obstacle is real: the mapped sequences differ from TextVectorization's."""
    assert text_mappings.text_vectorization_obstacles(text)
    tok = _fitted([text], oov_token="<OOV>")
    mapped = text_mappings.tokenizer_to_text_vectorization(
        tok.texts_to_sequences([text]), tok.index_word, tok.word_counts, tok.oov_token)
    tv = keras3.layers.TextVectorization()
    tv.adapt([text])
    tv_vocabulary = [str(w) for w in tv.get_vocabulary()]
    vocab_differs = tv_vocabulary != text_mappings.text_vectorization_vocabulary(tok.word_counts)
    assert vocab_differs or mapped.tolist() != np.asarray(tv([text])).tolist()


def test_text_vectorization_vocabulary_breaks_ties_by_descending_token():
    vocab = text_mappings.text_vectorization_vocabulary({"b": 1, "a": 2, "é": 1, "z": 1})
    assert vocab == ["", "[UNK]", "a", "é", "z", "b"]
    mapped = text_mappings.tokenizer_to_text_vectorization([[2, 1], [], [1]], {1: "<OOV>", 2: "z"},
                                                           {"z": 1}, oov_token="<OOV>")
    assert mapped.tolist() == [[2, 1], [0, 0], [1, 0]]

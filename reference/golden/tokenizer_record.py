"""tf-keras's ``Tokenizer``, recorded: cases, observations, and their comparison.

A *case* is plain JSON: constructor options, the fitting steps, and the
texts and sequences to convert. ``observe(module, case)`` runs a case on a
module that has ``Tokenizer`` and ``tokenizer_from_json`` (tf-keras's
``preprocessing.text`` or ``scratch_layers.tokenizer``) and returns every
observable result as JSON-ready data: the fitted state, sequences, texts,
all four matrix modes (or the error type), the config and a JSON round trip.
``differences(actual, expected)`` lists, in words, where two observations
disagree. The live tests, the replay of ``tokenizer_cases.json`` and its
drift check all use these three functions.

    python -m reference.golden.tokenizer_record     # rewrite tokenizer_cases.json from tf-keras

Normalisation: tf-keras fills ``word_docs`` and ``index_docs`` from a set,
so their order changes from run to run: they are recorded sorted. The
order of ``word_counts``, ``word_index`` and ``index_word`` is part of the
behaviour and is kept. Matrices are stored sparse (see ``_matrices``), and a
value that repeats another observation is written as ``SAME``.
"""
from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import numpy as np

from reference.registry.compare import compare
from reference.registry.tolerances import F64

CASES_PATH = Path(__file__).with_name("tokenizer_cases.json")
MATRIX_MODES = ("binary", "count", "freq", "tfidf")
FORMAT_VERSION = 1

# Analyzers are code, not JSON: a case names one of these.
ANALYZERS = {
    "pipe_split": lambda text: text.split("|"),
    "upper_words": lambda text: text.upper().split(),
}

# Seeds of the generated cases (the hand-written ones come first).
RANDOM_CASE_SEEDS = (11, 12, 14)
DEFAULT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'


# ------------------------------------------------------------------- cases

def make_case(name, steps, texts=None, sequences=None, **init) -> dict:
    """A case: ``steps`` is a list of ``["fit_on_texts", texts]`` / ``["fit_on_sequences", seqs]``.

    ``texts`` (queries) default to every fitted text plus one unseen;
    ``sequences`` default to 0..max fitted index + 2 in two rows (so unknown
    indices and indices beyond num_words are asked for).
    """
    if texts is None:
        fitted = [t for op, data in steps if op == "fit_on_texts" for t in data]
        texts = fitted + ["zzz unseen words, Zzz"]
    return {"name": name, "init": init, "steps": [list(s) for s in steps], "texts": list(texts),
            "sequences": sequences}


def _default_sequences(tokenizer) -> list[list[int]]:
    top = max(list(tokenizer.index_word) + list(tokenizer.index_docs) + [0]) + 2
    ids = list(range(top + 1))
    return [ids, ids[::-1][: max(1, len(ids) // 2)] + [1, 1], []]


def _hand_cases() -> list[dict]:
    pen = ["I have a pen.", "I have an apple", "You have pen and apple."]
    every_filter = " ".join("w" + c + "x" for c in DEFAULT_FILTERS) + " ok"
    mixed_ws = ["a\tb\nc\rd\xa0e  f\x0bg", "\t\n", "a a\tb"]
    unicode = ["Éclair ÉCLAIR éclair", "straße STRASSE İstanbul",  # ß stays; İ lowers to 2 chars
               "ΣΊΣΥΦΟΣ σίσυφος 中文 中文", "ǅemal"]                 # final sigma; titlecase ǅ
    ties = ["b a b a c c d", "e d", "f"]
    C = make_case
    return [
        C("book_known_answer", [["fit_on_texts", pen]]),
        C("ties_first_appearance", [["fit_on_texts", ties]]),
        C("every_default_filter", [["fit_on_texts", [every_filter, "w x w"]]]),
        C("apostrophes", [["fit_on_texts", ["don't stop, don't 'quote' it's", "' ''", "rock'n'roll"]]]),
        C("tabs_newlines_other_whitespace", [["fit_on_texts", mixed_ws]]),
        C("unicode_lower", [["fit_on_texts", unicode]]),
        C("empty_and_all_filtered", [["fit_on_texts", ["", "...", "  ", "a", "!?"]]]),
        C("num_words_small", [["fit_on_texts", ties]], num_words=3),
        C("num_words_small_oov", [["fit_on_texts", ties]], num_words=3, oov_token="<OOV>"),
        C("num_words_large_oov", [["fit_on_texts", pen]], num_words=50, oov_token="<OOV>"),
        C("num_words_one", [["fit_on_texts", pen]], num_words=1),
        C("num_words_zero_means_all", [["fit_on_texts", pen]], num_words=0),
        C("oov_token_in_texts", [["fit_on_texts", ["a b b c", "c c"]]], oov_token="b"),
        C("oov_token_in_texts_num_words", [["fit_on_texts", ["a b b c", "c c"]]], oov_token="b",
          num_words=3),
        C("char_level", [["fit_on_texts", ["Ab.a b", "ÀB\t", ""]]], char_level=True),
        C("char_level_oov_num_words", [["fit_on_texts", ["abcaab", "dd"]]], char_level=True,
          oov_token="#", num_words=4),
        C("custom_split_comma", [["fit_on_texts", ["a,b,,c d", "D,a"]]], split=",", filters=""),
        C("custom_split_multichar", [["fit_on_texts", ["a--b--c-d", "b--B"]]], split="--"),
        C("split_none_deletes_filters", [["fit_on_texts", ["a.b c\rd  E", "x,y z"]]], split=None),
        C("split_in_filters", [["fit_on_texts", ["bAcad", "aab"]]], filters="a", split="a"),
        C("custom_filters", [["fit_on_texts", ["x!y z?w", "hello-world hello"]]], filters="?-"),
        C("lower_false", [["fit_on_texts", ["Hello hello HELLO", "World hello"]]], lower=False),
        C("pretokenized_lists", [["fit_on_texts", [["Hello", "World"], "hello there", []]]],
          texts=[["HELLO", "x"], "world", ["there", "Hello"]]),
        C("pretokenized_lists_lower_false", [["fit_on_texts", [["Hello", "World"], "hello"]]],
          texts=[["HELLO", "Hello"], "world"], lower=False),
        C("analyzer_pipe", [["fit_on_texts", ["A|b|A", "c|a", ["Tok", "a"]]]],
          texts=["A|c", "a", ["TOK"]], analyzer="pipe_split"),
        C("fit_on_sequences_only", [["fit_on_sequences", [[1, 2, 2], [3], []]]], num_words=5,
          texts=["a b"], sequences=[[1, 2, 2, 4], [0, 7], []]),
        C("unfitted_num_words", [], num_words=4, texts=["a b"], sequences=[[1, 2, 2, 7], []]),
        C("unfitted_no_num_words", [], texts=["a b"], sequences=[[1], []]),
        C("sequences_then_texts", [["fit_on_sequences", [[1, 5], [5]]], ["fit_on_texts", ["x y y"]]]),
        C("fit_twice", [["fit_on_texts", ["x y"]], ["fit_on_texts", ["y y z", "w"]]]),
        C("document_count_kwarg", [["fit_on_texts", ["a b a"]]], document_count=5),
    ]


# Pools for the generated cases: words that repeat (tied counts), and
# separators that exercise filters, apostrophes and whitespace.
WORD_POOL = ("a", "b", "A", "B", "cat", "Cat", "don't", "it's", "É", "é", "ß", "İ", "中", "x1", "_")
SEP_POOL = (" ", "  ", "\t", "\n", ". ", ", ", "!", "'", "-", " ... ", "\r", "\xa0", "")


def _random_case(seed: int) -> dict:
    rng = random.Random(seed)
    texts = []
    for _ in range(rng.randint(2, 4)):
        n = rng.randint(0, 7)
        texts.append("".join(rng.choice(WORD_POOL) + rng.choice(SEP_POOL) for _ in range(n)))
    init = {}
    if rng.random() < 0.5:
        init["oov_token"] = rng.choice(["<OOV>", "a", "[UNK]"])
    if rng.random() < 0.6:
        init["num_words"] = rng.choice([1, 2, 3, 5, 40])
    if rng.random() < 0.25:
        init["char_level"] = True
    if rng.random() < 0.25:
        init["lower"] = False
    return make_case(f"random_seed_{seed}", [["fit_on_texts", texts]],
                     texts=texts[:2] + ["unseen Cat"], **init)


def build_cases() -> list[dict]:
    """Every recorded case: the hand-written ones, then the seeded random ones."""
    return _hand_cases() + [_random_case(seed) for seed in RANDOM_CASE_SEEDS]


# --------------------------------------------------------------- observing

def tokenizer_kwargs(case: dict) -> dict:
    """The constructor arguments of ``case`` (a named analyzer becomes its function)."""
    init = dict(case["init"])
    if "analyzer" in init:
        init["analyzer"] = ANALYZERS[init["analyzer"]]
    return init


# Matrix values are stored to 12 significant digits: a relative error <= 5e-13,
# inside tolerances.F64 (1e-12 x max|ref|) used to compare them.
MATRIX_DIGITS = 12


def _matrices(call) -> dict:
    """All four modes of one matrix call, packed: the cells that are non-zero in
    any mode are listed once, with one value list per mode; errors by type name."""
    dense, errors = {}, {}
    for mode in MATRIX_MODES:
        try:
            dense[mode] = np.asarray(call(mode), dtype=np.float64)
        except Exception as exc:  # the error type is the observation
            errors[mode] = type(exc).__name__
    out = {}
    if dense:
        shapes = {mode: list(m.shape) for mode, m in dense.items()}
        same_shape = len({tuple(s) for s in shapes.values()}) == 1
        out["shape"] = next(iter(shapes.values())) if same_shape else shapes
        if same_shape:
            nonzero = np.zeros(next(iter(dense.values())).shape, dtype=bool)
            for m in dense.values():
                nonzero |= m != 0
            cells = np.argwhere(nonzero)
            out["cells"] = cells.tolist()
            out["values"] = {mode: [float(f"{m[i, j]:.{MATRIX_DIGITS}g}") for i, j in cells]
                             for mode, m in dense.items()}
        else:
            out["values"] = {mode: m.tolist() for mode, m in dense.items()}
    if errors:
        out["errors"] = errors
    return out


def fitted_state(tok) -> dict:
    """The attributes of a tokenizer, JSON-ready (word_docs and index_docs sorted)."""
    return {
        "word_index": [[w, int(i)] for w, i in tok.word_index.items()],
        "index_word": [[int(i), w] for i, w in tok.index_word.items()],
        "word_counts": [[w, int(c)] for w, c in tok.word_counts.items()],
        "word_docs": sorted([w, int(c)] for w, c in tok.word_docs.items()),
        "index_docs": sorted([int(i), int(c)] for i, c in tok.index_docs.items()),
        "document_count": int(tok.document_count),
        "num_words": tok.num_words,
        "oov_token": tok.oov_token,
        "filters": tok.filters,
        "lower": tok.lower,
        "split": tok.split,
        "char_level": tok.char_level,
    }


def _config(tok) -> dict:
    config = dict(tok.get_config())
    for name in ("word_counts", "index_word", "word_index"):
        config[name] = list(json.loads(config[name]).items())
    for name in ("word_docs", "index_docs"):
        config[name] = sorted(json.loads(config[name]).items())
    return config


SAME = "="  # in an observation: equal to the fitted tokenizer's own value (keeps the file small)


def _same_or(value, reference):
    return SAME if value == reference else value


def _compact_config(config: dict, state: dict):
    """get_config's fields become SAME where they hold exactly the attributes; all SAME: SAME."""
    for name in ("word_counts", "index_word", "word_index", "word_docs", "index_docs"):
        as_pairs = [[str(k), v] for k, v in state[name]]  # JSON object keys are strings
        if name in ("word_docs", "index_docs"):
            as_pairs = sorted(as_pairs)
        config[name] = _same_or(config[name], as_pairs)
    for name in ("num_words", "filters", "lower", "split", "char_level", "oov_token", "document_count"):
        if name in config:
            config[name] = _same_or(config[name], state[name])
    return SAME if all(v == SAME for v in config.values()) else config


def observe(module, case: dict) -> dict:
    """Everything observable of ``case`` run on ``module.Tokenizer``, as JSON-ready data.

    Values that merely repeat another observation are written as ``SAME``:
    the generators' output (same as the list methods), ``get_config``'s
    fields (same as the attributes), ``index_word`` when it is exactly the
    inverse of ``word_index``, and after the JSON round trip every value
    that survived unchanged.
    """
    tok = module.Tokenizer(**tokenizer_kwargs(case))
    for op, data in case["steps"]:
        getattr(tok, op)(data)
    texts = case["texts"]
    sequences = case["sequences"] if case["sequences"] is not None else _default_sequences(tok)
    obs = {
        "state": fitted_state(tok),
        "texts_to_sequences": tok.texts_to_sequences(texts),
        "texts_to_sequences_generator": list(tok.texts_to_sequences_generator(texts)),
        "sequences": sequences,
        "sequences_to_texts": tok.sequences_to_texts(sequences),
        "sequences_to_texts_generator": list(tok.sequences_to_texts_generator(sequences)),
        "texts_to_matrix": _matrices(lambda mode: tok.texts_to_matrix(texts, mode=mode)),
        "sequences_to_matrix": _matrices(lambda mode: tok.sequences_to_matrix(sequences, mode=mode)),
        "config": _config(tok),
    }
    loaded = module.tokenizer_from_json(tok.to_json())
    obs["round_trip"] = {
        "state": fitted_state(loaded),
        "config": _config(loaded),
        "texts_to_sequences": loaded.texts_to_sequences(texts),
        "sequences_to_texts": loaded.sequences_to_texts(sequences),
        "texts_to_matrix": _matrices(lambda mode: loaded.texts_to_matrix(texts, mode=mode)),
    }
    obs = json.loads(json.dumps(obs))  # tuples -> lists, as after a file round trip
    for key in ("texts_to_sequences", "sequences_to_texts"):
        obs[key + "_generator"] = _same_or(obs[key + "_generator"], obs[key])
    trip = obs["round_trip"]
    for holder in (obs, trip):
        holder["config"] = _compact_config(holder["config"], holder["state"])
        inverse = [[i, w] for w, i in holder["state"]["word_index"]]
        holder["state"]["index_word"] = _same_or(holder["state"]["index_word"], inverse)
    for key in trip:
        trip[key] = _same_or(trip[key], obs[key])
    if all(v == SAME for v in trip.values()):
        obs["round_trip"] = SAME
    return obs


# -------------------------------------------------------------- comparing

def _is_float_list(value) -> bool:
    return (isinstance(value, list) and any(isinstance(v, float) for v in value)
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value))


def differences(actual, expected, path: str = "") -> list[str]:
    """Where ``actual`` and ``expected`` observations differ, one sentence each.

    Lists of floats (matrix values) compare under ``tolerances.F64``
    (float64 rounding: the formulas are the same, only libm and the stored
    digits may differ); everything else must be equal, order included.
    """
    if _is_float_list(expected) and _is_float_list(actual) and len(actual) == len(expected):
        result = compare(np.array(actual, dtype=np.float64), np.array(expected, dtype=np.float64),
                         F64, quantity=path)
        return [] if result.ok else [result.message()]
    if isinstance(expected, dict) and isinstance(actual, dict):
        out = []
        for key in sorted(set(expected) | set(actual)):
            if key not in actual:
                out.append(f"{path}.{key}: missing, expected {expected[key]!r}")
            elif key not in expected:
                out.append(f"{path}.{key}: unexpected {actual[key]!r}")
            else:
                out += differences(actual[key], expected[key], f"{path}.{key}")
        return out
    if actual != expected:
        return [f"{path}: got {actual!r}, expected {expected!r}"]
    return []


def report(case: dict, diffs: list[str], limit: int = 12) -> str:
    """A failure message: the case (to reproduce it) and the first differences."""
    lines = [f"Tokenizer case {case['name']!r} differs from tf-keras in {len(diffs)} place(s):"]
    lines += ["  " + d.replace("\n", "\n  ") for d in diffs[:limit]]
    if len(diffs) > limit:
        lines.append(f"  ... and {len(diffs) - limit} more")
    lines.append("  case: " + json.dumps(case, ensure_ascii=False))
    return "\n".join(lines)


# -------------------------------------------------------------- recording

def record() -> dict:
    """Run every case on the live tf-keras Tokenizer (imports TensorFlow)."""
    from reference.oracles import frameworks

    text = frameworks.tf_keras().preprocessing.text
    versions = frameworks.versions()
    return {
        "format": FORMAT_VERSION,
        "recorded_with": {k: versions.get(k) for k in ("python", "numpy", "tensorflow", "tf_keras")},
        "cases": [{"case": case, "expected": observe(text, case)} for case in build_cases()],
    }


def load(path: Path = CASES_PATH) -> dict:
    """The stored recording."""
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def dumps(recording: dict) -> str:
    """The file's text: one line per case, so a diff shows which case changed."""
    head = {k: v for k, v in recording.items() if k != "cases"}
    cases = ",\n".join(json.dumps(c, ensure_ascii=False, separators=(",", ":")) for c in recording["cases"])
    return json.dumps(head, ensure_ascii=False)[:-1] + ',\n"cases":[\n' + cases + "\n]}\n"


def main(argv=None) -> int:
    path = Path(argv[0]) if argv else CASES_PATH
    text = dumps(record())
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path} ({len(text.encode('utf-8')) / 1024:.1f} KiB, {len(build_cases())} cases)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

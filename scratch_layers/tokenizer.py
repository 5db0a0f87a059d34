"""Keras's text ``Tokenizer``, in pure Python and NumPy.

The public API of tf-keras's ``preprocessing.text`` (``Tokenizer``,
``text_to_word_sequence``, ``tokenizer_from_json``; the legacy module that
Keras 3 dropped), written from its documented and observed behaviour, plus
``pad_sequences`` (re-exported from ``scratch_layers.sequence``).

The rules, all as tf-keras:

- Words: the text is lower-cased (``lower``), every character of
  ``filters`` is REPLACED by ``split``, the result is split on ``split``
  and empty strings are dropped. ``split=None`` deletes the filtered
  characters and splits on runs of whitespace. A list instead of a string
  is taken as already tokenised (only lower-cased); ``char_level`` makes
  every character a token (only lower-cased, filters not applied); an
  ``analyzer`` callable replaces ``text_to_word_sequence`` for strings
  (neither lower-casing nor filters are applied then).
- ``word_index``: 1, 2, ... by count descending, ties by first appearance;
  ``oov_token``, when given, takes index 1 (if it also occurs in the texts
  its later index overwrites 1, which is then unused).
- ``num_words`` limits only ``texts_to_*``/``sequences_to_*``: indices
  >= num_words are dropped, or become the oov index. ``0`` and ``None``
  both mean "no limit".
- Matrices (float64, one column per index): binary 1; count c; freq
  c / len(sequence) (the length counts indices beyond num_words too);
  tfidf (1 + ln c) * ln(1 + documents / (1 + documents with that index)).

Deliberate differences (each is a crash or silent garbage in tf-keras):
bad constructor arguments fail at construction (tf-keras accepts
``num_words=-1`` and fails later); an unknown matrix mode is refused even
when every sequence is empty; a negative index in ``sequences_to_matrix`` is
a ValueError (tf-keras counts it in the last column); an ``oov_token`` on an
unfitted tokenizer is ignored (tf-keras emits ``None`` ids or a KeyError); a
text that is neither str nor list is a TypeError (tf-keras: AttributeError);
a tokenizer loaded from JSON can be fitted further (tf-keras's loaded
``word_docs`` is a plain dict, so a new word raises KeyError); a malformed
JSON config is a ValueError naming the missing key.
"""
from __future__ import annotations

import json
import operator
import warnings
from collections import Counter, OrderedDict, defaultdict

from scratch_layers.backend import np
from scratch_layers.sequence import pad_sequences

__all__ = ["DEFAULT_FILTERS", "MATRIX_MODES", "Tokenizer", "pad_sequences",
           "text_to_word_sequence", "tokenizer_from_json"]

# All ASCII punctuation except the apostrophe, plus tab and newline.
DEFAULT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'
MATRIX_MODES = ("binary", "count", "freq", "tfidf")

# The JSON fields of get_config() that hold the fitted state, in tf-keras's order.
_STATE_FIELDS = ("word_counts", "word_docs", "index_docs", "index_word", "word_index")


def text_to_word_sequence(input_text, filters=DEFAULT_FILTERS, lower=True, split=" "):
    """Split a text into words.

    Lower-cases (``lower``), replaces every character of ``filters`` by
    ``split``, splits on ``split`` and drops empty strings. With
    ``split=None`` the filtered characters are deleted and the text is split
    on runs of whitespace.

    Args:
        input_text: str.
        filters: characters to remove (a str).
        lower: lower-case first (``str.lower``, so Unicode too).
        split: a non-empty separator, or None.

    Returns:
        list of str.

    Example:
        >>> text_to_word_sequence("Don't stop.\\tNow!")
        ["don't", 'stop', 'now']
    """
    owner = "text_to_word_sequence"
    if not isinstance(input_text, str):
        raise TypeError(f"{owner}: input_text must be a str; got {type(input_text).__name__}")
    _check_filters_split(owner, filters, split)
    if lower:
        input_text = input_text.lower()
    if split is None:
        words = input_text.translate({ord(c): None for c in filters}).split()
    else:
        words = input_text.translate({ord(c): split for c in filters}).split(split)
    return [w for w in words if w]


def _check_filters_split(owner: str, filters, split) -> None:
    if not isinstance(filters, str):
        raise TypeError(f"{owner}: filters must be a str of characters; got {type(filters).__name__}")
    if split is not None and not isinstance(split, str):
        raise TypeError(f"{owner}: split must be a str or None; got {type(split).__name__}")
    if split == "":
        raise ValueError(f"{owner}: split must not be empty; got ''")


class Tokenizer:
    """Word (or character) to index vocabulary, fitted on texts.

    Indices start at 1 (0 is left for padding), most frequent word first,
    ties in order of first appearance; ``oov_token`` takes index 1.

    Args:
        num_words: keep only indices < num_words in ``texts_to_*`` and
            ``sequences_to_*`` (the vocabulary itself is not cut); None or 0
            for no limit.
        filters: characters replaced by ``split`` before splitting.
        lower: lower-case texts.
        split: the word separator (None: any whitespace, filters deleted).
        char_level: every character is a token.
        oov_token: a token for unknown words (index 1); without it unknown
            words are dropped.
        analyzer: a callable str -> list of tokens replacing
            ``text_to_word_sequence`` (not serialised, as in tf-keras).
        document_count: start value of the document counter (JSON loading).

    Attributes (after fitting): ``word_counts`` (OrderedDict word -> count,
    first-appearance order), ``word_docs`` (word -> number of texts holding
    it), ``index_docs`` (index -> number of texts/sequences holding it),
    ``word_index`` (word -> index), ``index_word`` (index -> word),
    ``document_count``.

    Example:
        >>> tok = Tokenizer()
        >>> tok.fit_on_texts(["I have a pen.", "I have an apple", "You have pen and apple."])
        >>> tok.texts_to_sequences(["I have a pen."])
        [[2, 1, 5, 3]]
    """

    def __init__(self, num_words=None, filters=DEFAULT_FILTERS, lower=True, split=" ",
                 char_level=False, oov_token=None, analyzer=None, **kwargs):
        if "nb_words" in kwargs:  # Keras 1 name, still accepted by tf-keras
            warnings.warn("The `nb_words` argument in `Tokenizer` has been renamed `num_words`.",
                          UserWarning, stacklevel=2)
            num_words = kwargs.pop("nb_words")
        document_count = kwargs.pop("document_count", 0)
        if kwargs:
            raise TypeError("Unrecognized keyword arguments: " + str(kwargs))
        owner = "Tokenizer"
        if num_words is not None:
            if isinstance(num_words, bool) or not isinstance(num_words, (int, np.integer)):
                raise TypeError(f"{owner}: num_words must be None or an int; got {num_words!r}")
            if num_words < 0:
                raise ValueError(f"{owner}: num_words must be >= 0 (0 or None: no limit); got {num_words}")
            num_words = int(num_words)
        _check_filters_split(owner, filters, split)
        if oov_token is not None and not isinstance(oov_token, str):
            raise TypeError(f"{owner}: oov_token must be None or a str; got {type(oov_token).__name__}")
        if analyzer is not None and not callable(analyzer):
            raise TypeError(f"{owner}: analyzer must be None or a callable; got {type(analyzer).__name__}")
        if isinstance(document_count, bool) or not isinstance(document_count, (int, np.integer)) \
                or document_count < 0:
            raise ValueError(f"{owner}: document_count must be an int >= 0; got {document_count!r}")
        self.num_words = num_words
        self.filters = filters
        self.lower = lower
        self.split = split
        self.char_level = char_level
        self.oov_token = oov_token
        self.analyzer = analyzer
        self.document_count = int(document_count)
        self.word_counts: OrderedDict = OrderedDict()
        self.word_docs: defaultdict = defaultdict(int)
        self.index_docs: defaultdict = defaultdict(int)
        self.word_index: dict = {}
        self.index_word: dict = {}

    # ------------------------------------------------------------- fitting
    def _tokens(self, owner: str, text, position: int):
        """The tokens of one text, by the rules in the module docstring."""
        if isinstance(text, list):
            return [t.lower() for t in text] if self.lower else text
        if not isinstance(text, str):
            raise TypeError(f"Tokenizer.{owner}: each text must be a str or a list of str tokens; "
                            f"got {type(text).__name__} at position {position}")
        if self.char_level:
            return text.lower() if self.lower else text
        if self.analyzer is not None:
            return self.analyzer(text)
        return text_to_word_sequence(text, self.filters, self.lower, self.split)

    def fit_on_texts(self, texts):
        """Count the words of ``texts`` (an iterable of str or of token lists) and rebuild the index."""
        for position, text in enumerate(texts):
            self.document_count += 1
            tokens = self._tokens("fit_on_texts", text, position)
            for w in tokens:
                self.word_counts[w] = self.word_counts.get(w, 0) + 1
            for w in dict.fromkeys(tokens):  # each distinct word once, first-appearance order
                self.word_docs[w] += 1
        by_count = sorted(self.word_counts.items(), key=lambda wc: -wc[1])  # stable: ties keep order
        vocab = ([] if self.oov_token is None else [self.oov_token]) + [w for w, _ in by_count]
        self.word_index = {}
        for index, w in enumerate(vocab, start=1):
            self.word_index[w] = index  # a repeated oov_token keeps its first slot, later index
        self.index_word = {index: w for w, index in self.word_index.items()}
        for w, c in self.word_docs.items():
            self.index_docs[self.word_index[w]] = c

    def fit_on_sequences(self, sequences):
        """Count documents per index from integer sequences (only ``index_docs``, ``document_count``)."""
        for position, seq in enumerate(sequences):
            self.document_count += 1
            for i in dict.fromkeys(_index(f"Tokenizer.fit_on_sequences: sequence {position}", j)
                                   for j in seq):
                self.index_docs[i] += 1

    # ---------------------------------------------------------- conversion
    def _oov_index(self):
        return None if self.oov_token is None else self.word_index.get(self.oov_token)

    def texts_to_sequences(self, texts):
        """Texts to lists of word indices (see ``texts_to_sequences_generator``)."""
        return list(self.texts_to_sequences_generator(texts))

    def texts_to_sequences_generator(self, texts):
        """Yield, per text, the list of indices of its words.

        Unknown words and indices >= num_words become the oov index, or are
        dropped when there is no oov_token.
        """
        num_words, oov_index = self.num_words, self._oov_index()
        for position, text in enumerate(texts):
            vect = []
            for w in self._tokens("texts_to_sequences", text, position):
                i = self.word_index.get(w)
                if i is not None and not (num_words and i >= num_words):
                    vect.append(i)
                elif oov_index is not None:
                    vect.append(oov_index)
            yield vect

    def sequences_to_texts(self, sequences):
        """Lists of indices back to space-joined texts (see ``sequences_to_texts_generator``)."""
        return list(self.sequences_to_texts_generator(sequences))

    def sequences_to_texts_generator(self, sequences):
        """Yield, per sequence, its words joined by single spaces.

        Unknown indices and indices >= num_words become the oov token, or are
        dropped when there is no oov_token.
        """
        num_words, oov_index = self.num_words, self._oov_index()
        for seq in sequences:
            vect = []
            for num in seq:
                word = self.index_word.get(num)
                if word is not None and not (num_words and num >= num_words):
                    vect.append(word)
                elif oov_index is not None:
                    vect.append(self.index_word[oov_index])
            yield " ".join(vect)

    def texts_to_matrix(self, texts, mode="binary"):
        """``sequences_to_matrix(texts_to_sequences(texts), mode)``: (len(texts), num_words) float64."""
        return self.sequences_to_matrix(self.texts_to_sequences(texts), mode=mode)

    def sequences_to_matrix(self, sequences, mode="binary"):
        """One row per sequence, one column per index 0..num_words-1, float64.

        Columns: num_words, or len(word_index) + 1 when num_words is not set.
        mode: "binary" (1 where present), "count" (c), "freq"
        (c / len(sequence)), "tfidf" ((1 + ln c) * ln(1 + D / (1 + d_j)) with D
        the documents fitted and d_j those holding index j). Indices >=
        num_words are skipped.
        """
        owner = "Tokenizer.sequences_to_matrix"
        if self.num_words:
            num_words = self.num_words
        elif self.word_index:
            num_words = len(self.word_index) + 1
        else:
            raise ValueError(f"{owner}: no dimension: pass num_words to Tokenizer, "
                             "or fit on some text data first")
        if mode == "tfidf" and not self.document_count:
            raise ValueError(f"{owner}: fit the Tokenizer on some data before using mode 'tfidf'")
        if mode not in MATRIX_MODES:
            raise ValueError(f"{owner}: mode must be one of {', '.join(map(repr, MATRIX_MODES))}; "
                             f"got {mode!r}")
        sequences = list(sequences)
        x = np.zeros((len(sequences), num_words), dtype=np.float64)
        for row, seq in enumerate(sequences):
            seq = [_index(f"{owner}: sequence {row}", j) for j in seq]
            if not seq:
                continue
            counts = Counter(j for j in seq if j < num_words)
            for j, c in counts.items():
                if mode == "binary":
                    x[row, j] = 1.0
                elif mode == "count":
                    x[row, j] = c
                elif mode == "freq":
                    x[row, j] = c / len(seq)
                else:
                    tf = 1 + np.log(c)
                    idf = np.log(1 + self.document_count / (1 + self.index_docs.get(j, 0)))
                    x[row, j] = tf * idf
        return x

    # ------------------------------------------------------- serialisation
    def get_config(self):
        """The constructor options and the fitted state (dicts as JSON strings), like tf-keras."""
        return {
            "num_words": self.num_words,
            "filters": self.filters,
            "lower": self.lower,
            "split": self.split,
            "char_level": self.char_level,
            "oov_token": self.oov_token,
            "document_count": self.document_count,
            **{name: json.dumps(getattr(self, name)) for name in _STATE_FIELDS},
        }

    def to_json(self, **kwargs):
        """``{"class_name": "Tokenizer", "config": get_config()}`` as JSON; kwargs go to ``json.dumps``."""
        return json.dumps({"class_name": "Tokenizer", "config": self.get_config()}, **kwargs)


def _index(owner: str, j) -> int:
    """A non-negative int index (NumPy integers accepted)."""
    if isinstance(j, bool):
        raise TypeError(f"{owner}: indices must be ints; got {j!r}")
    try:
        j = operator.index(j)
    except TypeError:
        raise TypeError(f"{owner}: indices must be ints; got {type(j).__name__} {j!r}") from None
    if j < 0:
        raise ValueError(f"{owner}: indices must be >= 0; got {j}")
    return j


def tokenizer_from_json(json_string):
    """A ``Tokenizer`` from ``Tokenizer.to_json()`` output (ours or tf-keras's).

    The analyzer is not restored (it is not serialised).
    """
    owner = "tokenizer_from_json"
    data = json.loads(json_string)
    if not isinstance(data, dict) or not isinstance(data.get("config"), dict):
        raise ValueError(f"{owner}: json_string must hold an object with a 'config' object; "
                         f"got {type(data).__name__}")
    config = dict(data["config"])
    missing = [name for name in _STATE_FIELDS if name not in config]
    if missing:
        raise ValueError(f"{owner}: config is missing {', '.join(missing)}")
    state = {name: json.loads(config.pop(name)) for name in _STATE_FIELDS}
    tokenizer = Tokenizer(**config)
    tokenizer.word_counts = OrderedDict(state["word_counts"])
    tokenizer.word_docs = defaultdict(int, state["word_docs"])
    tokenizer.index_docs = defaultdict(int, {int(k): v for k, v in state["index_docs"].items()})
    tokenizer.index_word = {int(k): v for k, v in state["index_word"].items()}
    tokenizer.word_index = dict(state["word_index"])
    return tokenizer

"""Model behaviour the registry cannot express: saving and loading, initialisation, state, dropout mode.

Values against torch and Keras (forward, loss, every gradient, the tied
gradient, dropout masks, state carried between forwards) are the generated
conformance tests' job (reference/registry/models.py).
"""
from __future__ import annotations

import os
import pickle

import numpy as np
import pytest

from scratch_layers.base_model import read_book_params
from scratch_layers.models import LstmRegressor, TwoLayerNet
from scratch_layers.rnnlm import BetterRnnlm, Rnnlm, SimpleRnnlm

V, D, H = 7, 4, 5
DTYPES = ("float32", "float64")


def _models(dtype):
    np.random.seed(3)
    return [SimpleRnnlm(V, D, H, dtype=dtype), Rnnlm(V, D, H, dtype=dtype), BetterRnnlm(V, H, H, dtype=dtype),
            TwoLayerNet(D, H, 3, dtype=dtype), LstmRegressor(1, H, 1, dtype=dtype)]


def _randomise(model, seed):
    """Distinct, non-zero values in every parameter (in place; a tied view follows its base)."""
    rng = np.random.default_rng(seed)
    for p in model.params:
        p[...] = rng.standard_normal(p.shape)


@pytest.mark.parametrize("dtype", DTYPES)
def test_save_load_round_trip_is_lossless_and_keeps_dtype(tmp_path, dtype):
    for model in _models(dtype):
        _randomise(model, 1)
        saved = [p.copy() for p in model.params]
        path = tmp_path / f"{type(model).__name__}_weights"  # no suffix: none may be added
        model.save_params(path)
        assert os.path.exists(path), "save_params must write exactly the given file name"
        with np.load(path, allow_pickle=False) as archive:
            assert [archive[k].dtype for k in sorted(archive.files)] == [np.dtype(dtype)] * len(saved)
        arrays_before = [id(p) for p in model.params]
        _randomise(model, 2)
        model.load_params(path)
        assert [id(p) for p in model.params] == arrays_before, "load_params must write into the existing arrays"
        for p, s in zip(model.params, saved):
            assert p.dtype == np.dtype(dtype)
            np.testing.assert_array_equal(p, s)


def test_default_file_name_is_the_class_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    model = Rnnlm(V, D, H)
    model.save_params()
    assert os.path.exists("Rnnlm.npz")
    expected = [p.copy() for p in model.params]
    _randomise(model, 4)
    model.load_params()
    for p, e in zip(model.params, expected):
        np.testing.assert_array_equal(p, e)


def test_archive_keys_name_the_params_in_order(tmp_path):
    model = BetterRnnlm(V, H, H)
    model.save_params(tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz") as archive:
        assert sorted(archive.files) == [f"{i:03d}_{n}" for i, n in enumerate(model.param_names)]


def test_loading_keeps_weight_tying(tmp_path):
    model = BetterRnnlm(V, H, H, dtype="float64")
    _randomise(model, 5)
    model.save_params(tmp_path / "tied.npz")
    other = BetterRnnlm(V, H, H, dtype="float64")
    other.load_params(tmp_path / "tied.npz")
    embed_W, affine_W = other.params[0], other.params[7]
    assert np.shares_memory(embed_W, affine_W), "the affine weight must stay the view embed_W.T"
    np.testing.assert_array_equal(affine_W, embed_W.T)
    np.testing.assert_array_equal(embed_W, model.params[0])


@pytest.mark.parametrize("dtype", DTYPES)
def test_reads_the_books_float16_pickle(tmp_path, dtype):
    """The book's save_params: pickle.dump([p.astype(np.float16) for p in params]); load casts back."""
    source = Rnnlm(V, D, H, dtype="float64")
    _randomise(source, 6)
    book_file = tmp_path / "Rnnlm.pkl"
    with open(book_file, "wb") as f:
        pickle.dump([p.astype(np.float16) for p in source.params], f)
    model = Rnnlm(V, D, H, dtype=dtype)
    model.load_params(book_file)
    for p, s in zip(model.params, source.params):
        assert p.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(p, s.astype(np.float16).astype(dtype))


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_reads_pickles_of_every_protocol(tmp_path, protocol):
    model = SimpleRnnlm(V, D, H)
    values = [np.full(p.shape, i + 0.5, dtype=np.float16) for i, p in enumerate(model.params)]
    path = tmp_path / "old.pkl"
    path.write_bytes(pickle.dumps(values, protocol=protocol))
    model.load_params(path)
    for i, p in enumerate(model.params):
        assert np.all(p == i + 0.5)


def test_pkl_name_writes_the_books_format(tmp_path):
    model = BetterRnnlm(V, H, H)
    _randomise(model, 7)
    model.save_params(tmp_path / "BetterRnnlm.pkl")
    values = read_book_params(tmp_path / "BetterRnnlm.pkl")
    assert isinstance(values, list) and len(values) == len(model.params) == 9  # the tied weight twice
    assert all(v.dtype == np.float16 for v in values)
    np.testing.assert_array_equal(values[7], values[0].T)


def test_a_pickle_that_is_not_arrays_is_refused_without_running_it(tmp_path):
    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps([Payload()]))
    with pytest.raises(pickle.UnpicklingError, match="only NumPy arrays"):
        Rnnlm(V, D, H).load_params(path)
    assert not marker.exists()


def test_a_file_for_another_model_is_refused_with_the_mismatch(tmp_path):
    Rnnlm(V, D, H).save_params(tmp_path / "r.npz")
    with pytest.raises(ValueError, match=r"Rnnlm.load_params: embed_W must be \(7, 3\).* has \(7, 4\) at 000_embed_W"):
        Rnnlm(V, 3, H).load_params(tmp_path / "r.npz")
    with pytest.raises(ValueError, match="holds 6 arrays; the model has 9 params"):
        BetterRnnlm(V, H, H).load_params(tmp_path / "r.npz")


def test_initialisation_follows_the_documented_draws():
    """api.md: embeddings randn/100, Wx randn/sqrt(D), Wh randn/sqrt(H), affine randn/sqrt(H), biases 0."""
    np.random.seed(11)
    model = Rnnlm(V, D, H, dtype="float64")
    np.random.seed(11)
    expected = [np.random.randn(V, D) / 100, np.random.randn(D, 4 * H) / np.sqrt(D),
                np.random.randn(H, 4 * H) / np.sqrt(H), np.zeros(4 * H), None, np.zeros(V)]
    expected[4] = np.random.randn(H, V) / np.sqrt(H)
    for p, e in zip(model.params, expected):
        np.testing.assert_array_equal(p, e)
    assert Rnnlm(V, D, H).params[0].dtype == np.float32, "float32 by default, as in the book"


def test_better_rnnlm_ties_through_a_view_and_needs_d_equal_h():
    model = BetterRnnlm(V, H, H)
    assert model.params[7].base is model.params[0] or np.shares_memory(model.params[7], model.params[0])
    with pytest.raises(ValueError, match="wordvec_size must equal hidden_size"):
        BetterRnnlm(V, D, H)


def test_bad_constructor_arguments_name_the_argument():
    with pytest.raises(TypeError, match="Rnnlm: dtype must be float32 or float64; got int32"):
        Rnnlm(V, D, H, dtype="int32")
    with pytest.raises(ValueError, match="SimpleRnnlm: hidden_size must be a positive integer"):
        SimpleRnnlm(V, D, 0)


@pytest.mark.parametrize("cls", [SimpleRnnlm, Rnnlm])
def test_state_is_carried_until_reset(cls):
    np.random.seed(0)
    model = cls(V, D, H, dtype="float64")
    _randomise(model, 8)
    xs = np.random.default_rng(0).integers(0, V, (2, 3))
    first = model.predict(xs)
    carried = model.predict(xs)
    assert not np.allclose(first, carried), "a stateful model starts the second call from the first's state"
    model.reset_state()
    np.testing.assert_array_equal(model.predict(xs), first)


def test_better_rnnlm_drops_out_only_in_training():
    model = BetterRnnlm(V, H, H, dropout_ratio=0.3, dtype="float64")
    xs = np.random.default_rng(1).integers(0, V, (2, 3))
    np.random.seed(5)
    state = np.random.get_state()[1].copy()
    eval_scores = model.predict(xs)  # train_flg=False by default: no masks drawn
    np.testing.assert_array_equal(np.random.get_state()[1], state)
    model.reset_state()
    np.testing.assert_array_equal(model.predict(xs, train_flg=False), eval_scores)
    model.reset_state()
    assert not np.allclose(model.predict(xs, train_flg=True), eval_scores)


def test_regressor_is_not_stateful_and_counts_the_last_step_only():
    model = LstmRegressor(2, H, 1, dtype="float64")
    rng = np.random.default_rng(2)
    xs, ts = rng.standard_normal((3, 4, 2)), rng.standard_normal((3, 4, 1))
    np.testing.assert_array_equal(model.predict(xs), model.predict(xs))
    loss = model.forward(xs, ts)
    y = model.predict(xs)
    assert loss == pytest.approx(0.5 * np.sum((y[:, -1] - ts[:, -1]) ** 2) / 3, rel=1e-14)
    ts_other = ts.copy()
    ts_other[:, :-1] += 1.0
    assert model.forward(xs, ts_other) == loss

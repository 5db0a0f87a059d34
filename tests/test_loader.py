"""The loader: every IMPL form, common.x imports, partial modules, NumPy-1 aliases, notebooks."""
from __future__ import annotations

import numpy as np
import pytest

from reference.sandbox import loader, numpy_compat
from reference.sandbox.loader import LoadError, load, python_source
from tests.judging import FIXTURES, judge


def test_dotted_module_name_with_relative_imports():
    impl = load("tests.fixtures.dotted_pkg")
    assert impl.form == "module"
    assert impl.module_of("Sigmoid") == "layers"
    assert judge("tests.fixtures.dotted_pkg", only=["Sigmoid"]).component("Sigmoid").status == "pass"


def test_package_directory_like_common_with_book_imports():
    """common/ itself: ``from common.np import *``, ``from common.layers import *`` and config all resolve."""
    impl = load(FIXTURES / "book_like" / "common")
    assert impl.form == "package"
    assert {"functions", "layers", "time_layers"} <= set(impl.modules)
    assert impl.find("TimeLSTM").__module__ == "common.time_layers"
    assert not impl.load_errors


def test_directory_containing_common_mixing_relative_and_absolute_imports():
    impl = load(FIXTURES / "student_repo")
    assert impl.form == "directory"
    assert "ch06" not in impl.modules          # chapter scripts are never run
    assert impl.module_of("TimeRNN") == "time_layers" and impl.module_of("Affine") == "layers"


def test_single_file_and_numpy1_alias_advisory():
    report = judge(FIXTURES / "single_file.py", only=["relu", "MatMul"])
    assert report.component("relu").status == "pass"
    assert report.component("MatMul").status == "pass"
    assert any("np.float" in a and "NumPy 2" in a for a in report.advisories), report.advisories


def test_numpy1_aliases_resolve_to_their_old_meaning():
    numpy_compat.install()
    assert np.float_ is np.float64 and np.int is int and np.product is np.prod


def test_notebook_cells_run_in_order_magics_skipped():
    impl = load(FIXTURES / "homework.ipynb")
    assert impl.form == "notebook"
    # The cell that raises is reported; the classes defined before and after it are found.
    assert list(impl.load_errors) == ["cell 5"] and "FileNotFoundError" in impl.load_errors["cell 5"]
    report = judge(FIXTURES / "homework.ipynb", only=["Sigmoid", "MatMul"])
    assert report.component("Sigmoid").status == "pass"      # imports a %%writefile helper
    assert report.component("MatMul").status == "pass"


@pytest.mark.parametrize("cell, expected", [
    ("%matplotlib inline\nx = 1", "pass\nx = 1\n"),
    ("!pip install numpy", "pass\n"),
    ("files = !ls\nif True:\n    %time y = 2", "files = None\nif True:\n    pass\n"),
    ("%%time\nz = 3", "z = 3\n"),
    ("%%bash\necho hi", None),
    ("obj?", "pass\n"),
])
def test_ipython_syntax_is_removed(cell, expected):
    assert python_source(cell) == expected


def test_import_error_in_one_module_does_not_hide_the_others():
    """layers.py raises after MatMul; trainer.py calls sys.exit; util.py loops forever at import."""
    impl = load(FIXTURES / "import_errors", timeout=0.5)
    assert "NameError" in impl.load_errors["layers"]
    assert "sys.exit" in impl.load_errors["trainer"]
    assert "time limit" in impl.load_errors["util"]
    assert impl.intended["Affine"] == "layers"
    report = judge(FIXTURES / "import_errors", only=["MatMul", "Affine", "relu"], timeout=0.5)
    assert report.component("MatMul").status == "pass"        # defined before the error
    assert report.component("relu").status == "pass"          # another module
    affine = report.component("Affine")
    assert affine.status == "error" and "layers failed to load before defining Affine" in affine.checks[0].message


def test_missing_component_suggests_an_alias():
    namespace = {"get_co_matrix": lambda corpus, vocab_size, window_size=1: None,
                 "TimeLstm": type("TimeLstm", (), {})}
    impl = loader.from_namespace(namespace)
    assert impl.suggest("create_co_matrix", want_class=False) == ["get_co_matrix"]
    assert impl.suggest("TimeLSTM", want_class=True) == ["TimeLstm"]
    assert impl.suggest("SGD") == []


def test_alias_maps_a_contract_name():
    from tests.fixtures import bugs

    report = judge({"MyAffine": bugs.Affine}, only=["Affine"])
    assert report.component("Affine").status == "not_implemented"
    report = judge({"MyAffine": bugs.Affine}, only=["Affine"], aliases={"Affine": "MyAffine"})
    impl = loader.from_namespace({"MyAffine": bugs.Affine}, aliases={"Affine": "MyAffine"})
    assert impl.find("Affine") is bugs.Affine


@pytest.mark.parametrize("spec, words", [
    ("no_such_module_anywhere", "no module named"),
    ("tests/fixtures/nothing_here", "no such file"),
    ("tests/fixtures/bugs.txt", "no such file"),
])
def test_load_errors_say_what_to_fix(spec, words):
    with pytest.raises(LoadError, match=words):
        load(spec)

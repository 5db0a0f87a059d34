"""The loader: every IMPL form, common.x imports, partial modules, NumPy-1 aliases, notebooks."""
from __future__ import annotations

import inspect
import json
import shutil
import warnings
from pathlib import Path

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
    assert np.float_ is np.float64 and np.int is int
    with warnings.catch_warnings():      # NumPy 1.25+ still has its own, deprecated np.product
        warnings.simplefilter("ignore", DeprecationWarning)
        assert np.product([2, 3]) == 6


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


RENAMED = ("SigmoidLayer", "LSTMLayer", "Time_RNN", "MyAffine", "affine_layer", "TimeLstm")
UNRELATED = ("MyModel", "Net", "PlotLoss", "Layer", "DataLoader")


@pytest.fixture(scope="module")
def renamed_report():
    """A file defining book classes under other names, and unrelated ones, judged in-process."""
    classes = {name: type(name, (), {}) for name in RENAMED + UNRELATED}
    return judge({**classes, "train": lambda: None, "load_data": lambda: None})


@pytest.mark.parametrize("name, contract_name", [
    ("SigmoidLayer", "Sigmoid"), ("LSTMLayer", "LSTM"), ("Time_RNN", "TimeRNN"), ("MyAffine", "Affine"),
    ("affine_layer", "Affine"), ("TimeLstm", "TimeLSTM"),
])
def test_renamed_components_get_the_suggestion_and_alias_line(name, contract_name):
    """Affixes (Layer, My), separators and case are dropped before comparing; the alias line maps it."""
    report = judge({name: type(name, (), {})})
    assert report.component(contract_name).suggestion == f"did you mean {name}? --alias {contract_name}={name}"
    assert [c.name for c in report.components if c.suggestion] == [
        c.name for c in report.components if c.name.split("[")[0] == contract_name]


def test_unrelated_names_get_no_suggestion(renamed_report):
    """Only the six renamed classes are ever suggested: not MyModel, train (a function, Trainer is a class),
    nor a name that is already another contract name's look-alike (TimeLstm is not TimeBiLSTM)."""
    suggested = {c.name: c.suggestion.split("? ")[0].removeprefix("did you mean ")
                 for c in renamed_report.components if c.suggestion}
    assert set(suggested.values()) <= set(RENAMED), suggested
    assert "TimeBiLSTM" not in suggested and not any(n.startswith("Trainer") for n in suggested), suggested
    assert suggested["LSTM"] == "LSTMLayer" and "TimeLSTM" in suggested


# -- a directory that holds common/ beside scripts -------------------------------------------

SCRIPTS = {
    "train.py": "import sys\nsys.path.append('..')\nfrom common.time_layers import TimeLSTM\n"
                "raise SystemExit('training would start here')\n",
    "main.py": "from common.trainer import Trainer\nprint('main ran')\nraise RuntimeError('no dataset here')\n",
    "exit3.py": "import sys\nsys.exit(3)\n",
    "sitecustomize.py": "import pathlib\npathlib.Path(__file__).with_name('SITECUSTOMIZE_RAN').write_text('x')\n",
}


def book_like_with_scripts(root):
    """A faithful book-like ``common/`` with the usual top-level scripts beside it (none defines components)."""
    shutil.copytree(FIXTURES / "book_like" / "common", root / "common")
    for name, source in SCRIPTS.items():
        (root / name).write_text(source)
    return root


def test_directory_with_common_and_scripts_loads_common_only(tmp_path):
    root = book_like_with_scripts(tmp_path / "hw")
    impl = load(root)
    book = load(FIXTURES / "book_like")
    assert impl.form == "directory" and not impl.load_errors
    assert sorted(impl.modules) == sorted(book.modules)                 # common/'s modules, nothing else
    assert impl.loaded[:3] == ["common/functions.py", "common/util.py", "common/layers.py"]
    assert sorted(impl.ignored) == sorted(SCRIPTS)
    assert not (root / "SITECUSTOMIZE_RAN").exists()
    assert impl.find("TimeLSTM").__module__ == "common.time_layers"


def test_a_top_level_file_that_defines_components_runs_after_common(tmp_path):
    """Its ``common.x`` imports find the package; the scripts beside it still never run."""
    root = book_like_with_scripts(tmp_path / "hw")
    (root / "extra_layers.py").write_text(
        "from common.time_layers import TimeLSTM\nfrom common.functions import sigmoid\n\n"
        "class SigmoidLayer:\n    base = TimeLSTM\n")
    impl = load(root)
    assert not impl.load_errors
    assert impl.module_of("SigmoidLayer") == "extra_layers" and impl.find("SigmoidLayer").base is impl.find("TimeLSTM")
    assert "extra_layers.py" in impl.loaded and "train.py" in impl.ignored


@pytest.mark.parametrize("form", ["file", "notebook"])
def test_common_imports_work_from_a_file_or_notebook_beside_common(tmp_path, form):
    shutil.copytree(FIXTURES / "book_like" / "common", tmp_path / "common")
    code = "from common.time_layers import TimeLSTM as TimeLSTM\nfrom common.np import np\n"
    if form == "file":
        target = tmp_path / "homework.py"
        target.write_text(code)
    else:
        target = tmp_path / "homework.ipynb"
        target.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
            {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": code}]}))
    impl = load(target)
    assert not impl.load_errors, impl.load_errors
    TimeLSTM = impl.find("TimeLSTM")
    assert TimeLSTM.__module__ == "common.time_layers"
    assert Path(inspect.getsourcefile(TimeLSTM)).parent == tmp_path / "common"    # not a previous load's
    assert impl.loaded == [target.name]


# -- nothing judged is exit status 2 ------------------------------------------------------------

def test_a_file_that_only_exits_is_nothing_loaded(tmp_path):
    (tmp_path / "exit3.py").write_text("import sys\nsys.exit(3)\n")
    with pytest.raises(LoadError, match=r"nothing could be loaded \(exit3: called sys.exit\(3\).*Files run: exit3.py"):
        load(tmp_path / "exit3.py")


def test_nothing_recognised_is_exit_2_with_what_was_found_and_what_to_do(tmp_path):
    (tmp_path / "renamed.py").write_text("class SigmoidLayer:\n    pass\n\ndef load_data():\n    pass\n")
    report = judge(tmp_path / "renamed.py")
    assert report.exit_code() == 2
    reason = report.nothing_judged
    assert "defines none of the contract's names" in reason and "renamed.py" in reason
    assert "SigmoidLayer, load_data" in reason and "--alias Sigmoid=SigmoidLayer" in reason
    assert report.to_dict()["nothing_judged"] == reason


def test_only_names_nothing_it_defines_or_no_oracle_can_judge_is_nothing_judged():
    from tests.fixtures import bugs

    assert "defines none of Affine" in judge({"MatMul": bugs.MatMul}, only=["Affine"]).nothing_judged
    skipped = judge({"MatMul": bugs.MatMul}, only=["MatMul"], oracle="numeric", dtypes=("float32",))
    assert skipped.exit_code() == 2 and "no selected oracle could judge" in skipped.nothing_judged
    judged = judge({"MatMul": bugs.MatMul}, only=["MatMul", "Affine"])
    assert judged.nothing_judged is None and judged.exit_code() == 0


def test_report_header_says_which_files_were_loaded(tmp_path):
    from reference.report import render

    report = judge(book_like_with_scripts(tmp_path / "hw"), only=["MatMul"])
    assert report.implementation["files"][:2] == ["common/functions.py", "common/util.py"]
    line = "loaded: common/functions.py, common/util.py, common/layers.py (+4)"
    for fmt in ("terminal", "markdown", "html"):
        assert line in render(report, fmt), fmt


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


def test_a_module_that_hangs_past_the_alarm_is_skipped_and_the_others_judged(tmp_path):
    """The worker is killed and restarted with the module skipped: its components are errors, the rest judged."""
    from reference.frontends.cli import judge as cli_judge, build_parser

    common = tmp_path / "common"
    shutil.copytree(FIXTURES / "book_like" / "common", common)
    layers = common / "layers.py"      # the book's layers, then training at import that ignores the alarm
    layers.write_text(layers.read_text() + "\nimport signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
                                           "while True:\n    pass\n")
    args = build_parser().parse_args([str(common), "--oracle", "golden", "--only", "sigmoid", "Affine",
                                      "--dtype", "float64", "--timeout", "2", "--no-progress"])
    status, report = cli_judge(args)
    assert report is not None, "the load crashed"
    by = {c.name: c for c in report.components}
    assert by["sigmoid"].status == "pass"
    assert by["Affine"].status == "error"
    assert "time limit" in " ".join(k.message for k in by["Affine"].checks)

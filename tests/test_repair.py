"""The repair search: a verified edit of the student's own source, found for seeded bugs, none for correct code."""
from __future__ import annotations

import shutil
import textwrap

import pytest

from reference.diagnostics import edits
from reference.judging.judge import Judge, Settings
from reference.sandbox.runner import SubprocessRunner
from tests.judging import FIXTURES

BOOK = FIXTURES / "book_like" / "common"
TIME_RNN_TAIL = ("                grads[i] += grad\n        for i, grad in enumerate(grads):\n"
                 "            self.grads[i][...] = grad\n        self.dh = dh\n        return dxs\n\n"
                 "    def set_state(self, h):")


def seeded(tmp_path, file: str, old: str, new: str):
    """A copy of the book-like common/ with ``old`` replaced by ``new`` (exactly once) in ``file``."""
    common = tmp_path / "common"
    shutil.copytree(BOOK, common)
    path = common / file
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} must occur once in {file}"
    path.write_text(text.replace(old, new))
    return common


def judged(common, only):
    """Judge ``only`` of ``common`` in golden mode with the repair search, in a worker process."""
    with SubprocessRunner(str(common), timeout=10.0) as runner:
        return Judge(runner, Settings(oracle="golden", only=only, impl_label=str(common), fix=True)).run()


def line_of(common, file: str, number: int) -> str:
    return (common / file).read_text().splitlines()[number - 1].strip()


@pytest.mark.parametrize("file, old, new, component, fixed", [
    ("time_layers.py",                              # dx uses the weight gradient where the weight belongs
     "        self.grads[0][...] = np.dot(x.T, dt)\n        self.grads[1][...] = np.dot(h_prev.T, dt)\n"
     "        self.grads[2][...] = np.sum(dt, axis=0)\n        return np.dot(dt, Wx.T), np.dot(dt, Wh.T)",
     "        dWx = np.dot(x.T, dt)\n        self.grads[0][...] = dWx\n"
     "        self.grads[1][...] = np.dot(h_prev.T, dt)\n"
     "        self.grads[2][...] = np.sum(dt, axis=0)\n        return np.dot(dt, dWx.T), np.dot(dt, Wh.T)",
     "RNN", "return np.dot(dt, Wx.T), np.dot(dt, Wh.T)"),
    ("time_layers.py",                              # BPTT loop runs forward in time
     "        for t in reversed(range(T)):\n            layer = self.layers[t]\n            dx, dh = layer",
     "        for t in range(T):\n            layer = self.layers[t]\n            dx, dh = layer",
     "TimeRNN", "for t in reversed(range(T)):"),
    ("time_layers.py",                              # gradients assigned where they must accumulate
     TIME_RNN_TAIL, TIME_RNN_TAIL.replace("grads[i] += grad", "grads[i] = grad"), "TimeRNN", "grads[i] += grad"),
    ("layers.py",                                   # a missing .T
     "        dx = np.dot(dout, W.T)\n        self.grads[0][...] = np.dot(self.x.T, dout)",
     "        dx = np.dot(dout, W)\n        self.grads[0][...] = np.dot(self.x.T, dout)",
     "Affine", "dx = np.dot(dout, W.T)"),
])
def test_repair_finds_the_seeded_bug(tmp_path, file, old, new, component, fixed):
    common = seeded(tmp_path, file, old, new)
    report = judged(common, [component])
    target = report.component(component)
    assert target.status in ("fail", "error")      # a missing .T may raise: the search still has the oracle's values
    fix = target.fix
    assert fix is not None, "no verified fix found"
    assert fix["new"] == fixed
    assert fix["old"] == line_of(common, file, fix["line"])     # the line the student wrote, where it is
    assert fix["file"].endswith(file)
    assert len(fix["verified_on"]) == 4                         # float32 and float64, distinct and unit sizes
    assert report.to_dict()["components"][0]["fix"]["new"] == fixed


def test_correct_implementation_gets_no_fix(tmp_path):
    common = tmp_path / "common"
    shutil.copytree(BOOK, common)
    report = judged(common, ["Affine", "RNN", "TimeRNN"])
    assert report.components and all(c.status == "pass" and c.fix is None and c.cause is None
                                     for c in report.components)
    assert all({"cause", "fix"} <= set(c) for c in report.to_dict()["components"])


def test_a_candidate_that_hangs_or_raises_is_dropped(tmp_path):
    """Candidates run time-boxed in the worker: a hang is interrupted, an exception dropped, the worker serves on."""
    common = seeded(tmp_path, "layers.py", "        dx = np.dot(dout, W.T)\n        self.grads[0]",
                    "        dx = np.dot(dout, W)\n        self.grads[0]")
    with SubprocessRunner(str(common), timeout=10.0) as runner:
        functions = runner.call("repair_sources", component_id="Affine")["functions"]
        backward = next(f for f in functions if f["name"] == "Affine.backward")
        hang = backward["source"].replace("dx = np.dot(dout, W)", "while True:\n        pass\n"
                                                                   "    dx = np.dot(dout, W.T)")
        raises = backward["source"].replace("dx = np.dot(dout, W)", "dx = np.dot(dout, Q)")
        right = backward["source"].replace("dx = np.dot(dout, W)", "dx = np.dot(dout, W.T)")
        spec = {"source": None, "line": backward["line"]}
        candidates = [{"id": name, "functions": {backward["key"]: {**spec, "source": src}}}
                      for name, src in (("hang", hang), ("raises", raises), ("right", right))]
        from reference import registry
        from reference.registry.cases import Case

        component = registry.get("Affine")
        sample = component.sample(Case("float64", {"N": 3, "D": 4, "H": 6}, 1))
        W, b = sample.params["W"], sample.params["b"]
        x, dout = sample.inputs["x"], sample.dout
        expected = {"out": x @ W + b, "dx": dout @ W.T, "dW": x.T @ dout, "db": dout.sum(axis=0)}
        cases = [{"case": {"dtype": "float64", "sizes": {"N": 3, "D": 4, "H": 6}, "seed": 1},
                  "expected": expected, "allowed": {q: 1e-9 for q in expected}}]
        answer = runner.call("repair_try", component_id="Affine", candidates=candidates, cases=cases,
                             time_box=8.0, timeout=0.5)
        results = {r["id"]: r for r in answer["results"]}
        assert results["hang"]["dropped"] == "timeout"
        assert results["raises"]["dropped"] == "NameError"
        assert sorted(results["right"]["cases"][0]["ok"]) == sorted(expected)
        after = runner.call("run", component_id="Affine", case=cases[0]["case"])   # the original is back
        assert after["exception"]["type"] == "ValueError"


def test_edits_replace_only_the_stretch_they_name():
    source = textwrap.dedent("""\
        def backward(self, dhs):
            N, T, H = dhs.shape
            for t in range(T):
                grads[0] = np.dot(dhs[:, t], Wx)
            return np.sum(dhs, axis=0) / N
        """)
    found = edits.single_edits(source)
    texts = {edits.line_diff(source, edits.apply(source, [e]), 1)["new"] for e in found}
    for wanted in ("for t in reversed(range(T)):", "grads[0] += np.dot(dhs[:, t], Wx)",
                   "grads[0] = np.dot(dhs[:, t], Wx.T)", "grads[0] = np.dot(Wx, dhs[:, t])",
                   "return np.sum(dhs, axis=1) / N", "return np.sum(dhs, axis=0)", "return np.mean(dhs, axis=0) / N"):
        assert wanted in texts, wanted
    assert [e.rank for e in found] == sorted(e.rank for e in found)                          # best first
    two = edits.apply(source, [e for e in found if e.kind == "loop"][:1] + [e for e in found if e.kind == "assign"][:1])
    assert "reversed(range(T))" in two and "+=" in two and two.count("\n") == source.count("\n")

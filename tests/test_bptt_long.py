"""Long sequences: TimeRNN, TimeLSTM, TimeGRU through BPTT at T = 1, 35 and 100 against torch.

The registry keeps T <= 6 so the generated tests stay fast; rounding errors
of BPTT gradients add up step by step, so the budget grows with T:
``F32_BPTT`` / ``F64_BPTT`` allow ``rel_to_max * max(max|ref|, 1) * max(1, T/35)``
(reference/registry/tolerances.py, measured with ``python -m reference.frontends.measure --long``).
Each case runs the ``[set_state]`` variant (a telling h0, and c0 for LSTM)
so every quantity, dh0 included, is compared: hs, h, c, dxs, dWx, dWh, db.
Small N, D, H keep it fast; one float32 run at the book's Rnnlm sizes
(N=20, T=35, D=H=100) reports its measured error in the message.
"""
from __future__ import annotations

import pytest

from reference import registry
from reference.registry.cases import Case
from reference.judging.check import check
from tests.generated import find

pytestmark = pytest.mark.framework("torch")
STEPS = (1, 35, 100)
SMALL = {"N": 2, "D": 3, "H": 4}
SEED = 20261122


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("T", STEPS)
@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_bptt_matches_torch_within_the_budget_that_grows_with_T(kind, T, dtype, impl):
    component = registry.get(f"Time{kind}[set_state]")
    find(impl, component)
    result = check(component, "torch", impl, Case(dtype, {**SMALL, "T": T}, SEED))
    if not result.ok:
        pytest.fail(result.report(), pytrace=False)


def test_lstm_at_rnnlm_sizes_float32_stays_inside_the_budget(impl):
    component = registry.get("TimeLSTM[set_state]")
    find(impl, component)
    case = Case("float32", {"N": 20, "T": 35, "D": 100, "H": 100}, SEED)
    result = check(component, "torch", impl, case)
    measured = {c.quantity.split(" ", 1)[0]: f"{c.max_abs_error / c.allowed:.2f}" for c in result.comparisons}
    worst = max(c.max_abs_error / c.allowed for c in result.comparisons)
    assert result.ok, (f"worst error {worst:.2f}x the allowance; per quantity (error / allowed): {measured}\n"
                       + result.report())
    # The budget must not be loose by orders of magnitude either (measured worst ~0.1-0.3 of it).
    assert worst > 1e-3, f"errors {measured} are all far below the budget: re-measure and tighten it"

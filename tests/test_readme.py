"""The README's claims that the code can check: the first two commands, and which components are cross-checked."""
from __future__ import annotations

import re
from pathlib import Path

from reference import registry

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
ORACLE_NAMES = {"torch": "torch", "keras": "Keras", "fd64": "finite differences"}


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def single_oracle_sentence() -> str:
    """``except these, judged by one oracle: `Encoder`, ... (torch); `preprocess` (Keras).`` from the registry."""
    by_oracle: dict[tuple[str, ...], list[str]] = {}
    for name, oracles in registry.single_oracle().items():
        by_oracle.setdefault(oracles, []).append(name)
    groups = [", ".join(f"`{n}`" for n in names) + f" ({', '.join(ORACLE_NAMES[o] for o in oracles)})"
              for oracles, names in by_oracle.items()]
    return "except these, judged by one oracle: " + "; ".join(groups) + "."


def test_the_first_command_needs_no_framework_and_the_second_runs_the_tests():
    commands = re.findall(r"```bash\n(.*?)```", README, flags=re.S)
    first = [line for line in commands[0].splitlines() if not line.startswith("#")]
    second = [line for line in commands[1].splitlines() if not line.startswith("#")]
    assert first == ["python -m venv .venv && . .venv/bin/activate && pip install -e . && scratch-conformance"]
    assert second == ["python -m venv .venv && . .venv/bin/activate && pip install -e '.[all,test]' && "
                      "pip install --no-deps tf-keras && python -m pytest -n 2"]


def test_the_cross_check_claim_names_exactly_the_components_with_one_oracle():
    """Computed from the registry: every other component has two or more oracles cross-checked on one entry."""
    sentence = single_oracle_sentence()
    assert sentence in _flat(README), f"README, 'Oracles are cross-checked first': expected\n{sentence}"

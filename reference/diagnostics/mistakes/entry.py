"""What one catalogue entry is (``Mistake``), apart from the catalogue so chapter modules can import it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Mistake:
    id: str                                 # stable, shown in reports: "rnn-dx-uses-dWx"
    components: tuple[str, ...]             # component names (every variant of each, isolation entries aside)
    sentence: str                           # "you did X", in the student's words
    build: Callable[[str], object]          # component name -> the wrong class/function for its driver
    # Another entry's id when this one behaves exactly like it wherever it shows: it is kept so that a
    # tie stops the matcher from naming the other (a false cause); it is never named itself.
    twin_of: str = ""

    def __post_init__(self):
        if not self.sentence.startswith("your ") and not self.sentence.startswith("you "):
            raise ValueError(f"mistake {self.id}: the sentence must say what the student did "
                             f"('your ...'/'you ...'); got {self.sentence!r}")


def fixed(obj) -> Callable[[str], object]:
    """``build`` for an entry that applies to one component: always ``obj``."""
    return lambda name: obj

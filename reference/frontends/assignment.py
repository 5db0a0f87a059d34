"""An assignment: which components count, for how many points, what students see before the deadline.

A small TOML file (README, "Judging a class"):

    name = "Homework 6: recurrent layers"
    oracle = "golden"              # auto, live, golden, torch, keras or numeric (default golden)
    dtype = "both"                 # float32, float64 or both (default both)
    hidden_visibility = "after_due_date"   # when hidden components are shown (Gradescope's words)

    [components.Affine]
    points = 2                     # all or nothing (credit = "all", the default)

    [components.TimeLSTM]
    points = 6
    credit = "quantity"            # split equally over the quantities checked (hs, dxs, dWx, ...)
    visible = false                # shown only after the due date

``credit = "group"`` splits the points over the check groups instead
(forward, backward, contract). ``load`` validates every key and names the
one that is wrong; ``Assignment.plain()`` is what the report renderers get.
"""
from __future__ import annotations

import difflib
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser, packaged (a conditional dependency)
    import tomli as tomllib

ORACLES = ("auto", "live", "golden", "torch", "keras", "numeric")
DTYPES = ("float32", "float64", "both")
CREDITS = ("all", "quantity", "group")
VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")
TOP_KEYS = {"name", "oracle", "dtype", "hidden_visibility", "components"}
COMPONENT_KEYS = {"points", "credit", "visible"}


class AssignmentError(ValueError):
    """The assignment file is wrong; the message names the file and the key."""


@dataclass(frozen=True)
class Item:
    component: str          # a book component (all its variants) or one registry id
    points: float
    credit: str = "all"
    visible: bool = True


@dataclass(frozen=True)
class Assignment:
    name: str
    oracle: str = "golden"
    dtype: str = "both"
    hidden_visibility: str = "after_due_date"
    items: tuple[Item, ...] = field(default_factory=tuple)
    source: str = ""         # the TOML text, copied into the autograder bundle as is

    @property
    def max_score(self) -> float:
        return sum(i.points for i in self.items)

    def judging_argv(self) -> list[str]:
        """The command line's judging options this assignment implies."""
        return ["--oracle", self.oracle, "--dtype", self.dtype, "--only", *(i.component for i in self.items)]

    def apply_to(self, args, given: list[str]) -> None:
        """Judge as the assignment says: its oracle and dtype unless the command line ``given`` names them,
        its components unless ``args.only`` is set."""
        def explicit(flag: str) -> bool:
            return any(token == flag or token.startswith(flag + "=") for token in given)
        if not explicit("--oracle"):
            args.oracle = self.oracle
        if not explicit("--dtype"):
            args.dtype = self.dtype
        if hasattr(args, "only") and not args.only:
            args.only = [i.component for i in self.items]

    def plain(self) -> dict:
        """Plain data for the report room (which may not import this module)."""
        d = asdict(self)
        d.pop("source")
        d["items"] = [asdict(i) for i in self.items]
        return d


def _component_names() -> set[str]:
    from reference import registry

    return {c.name for c in registry.COMPONENTS} | {c.id for c in registry.COMPONENTS}


def parse(text: str, origin: str = "assignment") -> Assignment:
    """An Assignment from TOML ``text``; AssignmentError names ``origin`` and the offending key."""
    def fail(key: str, what: str):
        raise AssignmentError(f"{origin}: {key}: {what}")

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise AssignmentError(f"{origin}: not valid TOML: {exc}") from None
    for key in data:
        if key not in TOP_KEYS:
            fail(key, f"unknown key; expected one of {', '.join(sorted(TOP_KEYS))}")
    name = data.get("name", Path(origin).stem)
    if not isinstance(name, str) or not name.strip():
        fail("name", "expected a non-empty string")
    choices = {"oracle": (ORACLES, "golden"), "dtype": (DTYPES, "both"),
               "hidden_visibility": (VISIBILITIES, "after_due_date")}
    picked = {}
    for key, (allowed, default) in choices.items():
        picked[key] = data.get(key, default)
        if picked[key] not in allowed:
            fail(key, f"expected one of {', '.join(allowed)}; got {picked[key]!r}")
    components = data.get("components")
    if not isinstance(components, dict) or not components:
        fail("components", "expected at least one [components.NAME] table, e.g. [components.Affine] points = 2")
    known = _component_names()
    items = []
    for comp, spec in components.items():
        where = f"components.{comp}"
        if comp not in known:
            close = difflib.get_close_matches(comp, sorted(known), n=3, cutoff=0.7)
            fail(where, "no such component" + (f"; did you mean {', '.join(close)}?" if close else
                                               "; `scratch-conformance --only X` lists the known ones"))
        if not isinstance(spec, dict):
            fail(where, "expected a table with points (and optionally credit, visible)")
        for key in spec:
            if key not in COMPONENT_KEYS:
                fail(f"{where}.{key}", f"unknown key; expected one of {', '.join(sorted(COMPONENT_KEYS))}")
        points = spec.get("points")
        if isinstance(points, bool) or not isinstance(points, (int, float)) or not points > 0:
            fail(f"{where}.points", f"expected a number greater than 0; got {points!r}")
        credit = spec.get("credit", "all")
        if credit not in CREDITS:
            fail(f"{where}.credit", f"expected one of {', '.join(CREDITS)}; got {credit!r}")
        visible = spec.get("visible", True)
        if not isinstance(visible, bool):
            fail(f"{where}.visible", f"expected true or false; got {visible!r}")
        items.append(Item(comp, float(points), credit, visible))
    return Assignment(name.strip(), picked["oracle"], picked["dtype"], picked["hidden_visibility"],
                      tuple(items), text)


def load(path) -> Assignment:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise AssignmentError(f"--assignment {path}: cannot read it ({exc.strerror or exc})") from None
    return parse(text, str(path))

"""Cell or wrapper? The verdicts of the isolation entries, read together.

The time-layer registry judges, beside each Time wrapper ``TimeX``, two
isolation entries (``reference.registry.isolation_cells``):
``TimeX[student-wrapper,reference-cell]`` (the student's loop stepping a
reference cell) and ``X[reference-wrapper,student-cell]`` (a reference loop
stepping the student's cell). When ``TimeX`` fails, their two statuses say
which half is at fault; ``siblings`` finds them for any Time wrapper by
these variant names, so new recurrent kinds are covered automatically.
"""
from __future__ import annotations

from reference import registry

WRAPPER_MARK = "student-wrapper"
CELL_MARK = "student-cell"


def is_isolation_entry(component) -> bool:
    return WRAPPER_MARK in component.variant or CELL_MARK in component.variant


def siblings(component):
    """(wrapper entry, cell entry) isolating ``component`` (a Time wrapper), either possibly None."""
    if is_isolation_entry(component) or not component.name.startswith("Time"):
        return None, None
    wrapper = next((c for c in registry.COMPONENTS if c.name == component.name and WRAPPER_MARK in c.variant),
                   None)
    cell = next((c for c in registry.COMPONENTS
                 if CELL_MARK in c.variant and f"Time{c.name}" == component.name), None)
    return wrapper, cell


def sentence(component, wrapper_status: str | None, cell_status: str | None) -> str | None:
    """What the two verdicts mean; statuses are ComponentReport statuses (or None: not available)."""
    ok = ("pass", "variant")
    name, cell = component.name, component.name[len("Time"):]
    on_ref = f"your {name} stepping the reference {cell}"
    on_yours = f"the reference loop stepping your {cell}"
    if wrapper_status is None or cell_status is None:
        return None
    w, c = wrapper_status in ok, cell_status in ok
    if w and not c:
        return f"isolation: the cell is at fault: {on_ref} conforms, {on_yours} does not; fix {cell}"
    if c and not w:
        return (f"isolation: the wrapper is at fault: {on_yours} conforms, {on_ref} does not; fix the loop "
                f"over time in {name} (carrying dh/dc, summing the grads over steps, the state)")
    if not c and not w:
        return f"isolation: both halves are at fault: {on_ref} fails, and so does {on_yours}"
    return (f"isolation: {on_ref} conforms and so does {on_yours}: each half is right alone, so {name} "
            f"relies on something its {cell} does differently when they run together")

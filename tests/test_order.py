"""`order_operations`: a cycle is a typed error that names the steps, not a ValueError."""

from __future__ import annotations

import pytest

from zoomstate.errors import CycleError, InvalidPlan, ZoomstateError
from zoomstate.plan import Operation, order_operations


def _op(user: str, kind: str, suffix: str = "") -> Operation:
    op_id = f"{user}/{kind}" + (f"/{suffix}" if suffix else "")
    return Operation(id=op_id, kind=kind, user=user, params={})  # type: ignore[arg-type]


def test_a_cycle_names_every_step_left_unordered() -> None:
    a = _op("a@example.com", "switch_calling_plan", "100-200")
    b = _op("b@example.com", "switch_calling_plan", "200-100")
    c = _op("c@example.com", "assign_role")  # waits on the cycle, so never ordered
    d = _op("d@example.com", "enable_phone")  # free
    ops = {o.id: o for o in (a, b, c, d)}
    deps = {a.id: {b.id}, b.id: {a.id}, c.id: {a.id}}
    with pytest.raises(CycleError) as caught:
        order_operations(ops, deps)
    assert isinstance(caught.value, ZoomstateError)
    # The same family as a saved plan file with a cycle (zoomstate.planfile).
    assert isinstance(caught.value, InvalidPlan)
    assert caught.value.operations == (a.id, b.id, c.id)
    assert str(caught.value) == f"dependency cycle among {a.id}, {b.id}, {c.id}"


def test_without_a_cycle_the_order_follows_the_dependencies() -> None:
    a = _op("a@example.com", "unassign_number", "+14155550100")
    b = _op("b@example.com", "assign_number", "+14155550100")
    ordered = order_operations({a.id: a, b.id: b}, {b.id: {a.id}})
    assert [o.id for o in ordered] == [a.id, b.id]
    assert ordered[1].depends_on == (a.id,)

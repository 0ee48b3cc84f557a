"""An invited user's first plan shows only what is sent, and what must wait is listed as
waiting from that first plan (issue 14): the plan after the invitation has the same
waiting steps, not suddenly more."""

from __future__ import annotations

from tests.plan_builders import live_state, live_user, make_plan, state, want
from zoomstate.live import LiveUser


def _pending_as_zoom_has_it() -> LiveUser:
    # POST /users took names and type only: no department on the pending user.
    user = live_user("hire", status="pending", type="licensed")
    return LiveUser(
        spec=user.spec.model_copy(update={"department": None}),
        status="pending",
        zoom_id=user.zoom_id,
    )


def test_the_first_plan_lists_the_department_as_waiting_and_does_not_send_it() -> None:
    desired = state(want("hire", 101100, department="Sales"), create_action="create")
    first = make_plan(desired, live_state())
    (create,) = first.operations
    assert create.kind == "create_user"
    assert "department" not in create.params
    assert create.note == "invited by e-mail; pending until accepted"
    waiting = sorted((w.kind, repr(w.after)) for w in first.waiting)
    assert ("update_user", "{'department': 'Sales'}") in waiting

    second = make_plan(desired, live_state(_pending_as_zoom_has_it()))
    assert second.operations == ()
    assert sorted((w.kind, repr(w.after)) for w in second.waiting) == waiting


def test_other_create_actions_send_the_department_with_the_creation() -> None:
    desired = state(want("hire", 101100, department="Sales"), create_action="autoCreate")
    create = make_plan(desired, live_state()).operations[0]
    assert create.params["department"] == "Sales"
    assert create.note == "created active on the managed domain; no invitation"


def test_an_invited_users_job_title_is_not_promised() -> None:
    desired = state(want("hire", 101100, job_title="Engineer"), create_action="create")
    plan = make_plan(desired, live_state())
    assert "job_title" not in plan.operations[0].params
    assert any("job_title is not sent with an invitation" in w for w in plan.warnings)

"""What the plan says, in an admin's words (issue 14): waiting steps grouped per user, one
line for every user in Zoom but not in the state, what unassigning a number loses."""

from __future__ import annotations

from tests.plan_builders import (
    ALICE,
    live_state,
    live_user,
    make_plan,
    state,
    want,
)
from zoomstate.plan import Plan
from zoomstate.render import render_plan_markdown, render_plan_text


def _hires(n: int) -> Plan:
    desired = state(
        *(want(f"hire{i:02}", 101100 + i, department="Sales") for i in range(n)),
        create_action="create",
    )
    return make_plan(desired, live_state(available={200: 20}))


def test_waiting_steps_are_one_line_per_user() -> None:
    plan = _hires(15)
    assert len(plan.waiting) > 15
    text = render_plan_text(plan).splitlines()
    start = text.index("Waiting (not changes; they run once the user is active):")
    block = text[start + 1 :]
    users = [line for line in block if line.startswith("  . ")]
    assert len(users) == 15
    assert users[0] == "  . hire00@example.com  update_user, add_phone_user"
    assert block[1].strip().startswith("invited: the user is pending until they accept")
    md = render_plan_markdown(plan)
    assert md.count("- hire") == 15
    assert "- hire00@example.com: `update_user`, `add_phone_user`" in md


def test_users_in_zoom_but_not_in_the_state_are_one_warning() -> None:
    others = [live_user(f"old{i:02}") for i in range(30)]
    plan = make_plan(state(on_missing_user="report"), live_state(*others))
    (warning,) = plan.warnings
    assert warning == (
        "30 users are in Zoom but not in the state (account.on_missing_user: report): "
        "old00@example.com, old01@example.com, old02@example.com and 27 more (-v lists them)"
    )
    assert len(plan.unlisted) == 30


def test_one_user_in_zoom_but_not_in_the_state_is_named() -> None:
    plan = make_plan(state(on_missing_user="report"), live_state(live_user("old")))
    assert plan.warnings == (
        "old@example.com is in Zoom but not in the state (account.on_missing_user: report)",
    )


def test_unassigning_a_number_says_what_is_lost() -> None:
    plan = make_plan(state(want("alice", 101001)), live_state(ALICE))
    (op,) = plan.operations
    assert op.kind == "unassign_number" and op.destroys_data
    assert "calls to the number no longer reach the user" in render_plan_text(plan)

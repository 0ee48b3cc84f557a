"""The limits of a plan's removals (zoomstate/core/safety.py): a plan that removes every
managed user is refused even with --force, and `account.safety` counts users, not steps.
Pure: `make_plan` on tests/plan_builders.py fixtures."""

from __future__ import annotations

import pytest

from tests.plan_builders import N0, N1, N5, live_state, live_user, state, want
from zoomstate.errors import UnsafePlan
from zoomstate.plan import PlanOptions, make_plan

IVY = live_user("ivy", status="inactive", type="basic")
JO = live_user("jo", status="inactive", type="basic")


def test_deleting_every_managed_user_when_all_are_inactive_is_refused_even_with_force() -> None:
    # No active user to count alone: the users gone are exactly the users removed.
    desired = state(on_missing_user="delete")
    with pytest.raises(UnsafePlan, match=r"would remove every managed user \(2\)"):
        make_plan(desired, live_state(IVY, JO), PlanOptions(force=True))


def test_a_pending_invitation_kept_does_not_hide_the_removal_of_every_other_user() -> None:
    # A pending invitee is not a user who would be gone: keeping one in an otherwise
    # empty state still deletes everyone there is.
    pat = live_user("pat", status="pending")
    desired = state(want("pat", phone=False), on_missing_user="delete")
    with pytest.raises(UnsafePlan, match=r"would remove every managed user \(2\)"):
        make_plan(desired, live_state(IVY, JO, pat), PlanOptions(force=True))


def test_max_deletes_counts_users_and_lets_exactly_that_many_through() -> None:
    # Alice loses two numbers (two data-losing steps) and Zoe one: two users, at the limit.
    alice = live_user("alice", 101001, numbers=(N0, N1))
    zoe = live_user("zoe", 101002, numbers=(N5,))
    desired = state(
        want("alice", 101001),
        want("zoe", 101002),
        safety={"max_deletes": 2, "max_delete_percent": 100},
    )
    plan = make_plan(desired, live_state(alice, zoe))
    assert sorted(op.kind for op in plan.operations) == ["unassign_number"] * 3
    over = state(
        want("alice", 101001),
        want("zoe", 101002),
        safety={"max_deletes": 1, "max_delete_percent": 100},
    )
    with pytest.raises(UnsafePlan, match=r"away from 2 of 2 managed users"):
        make_plan(over, live_state(alice, zoe))

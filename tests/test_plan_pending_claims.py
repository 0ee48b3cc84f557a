"""Pending users' future claims are checked at plan time like everyone's (issue 14): a
plan whose waiting steps cannot finish (seats too few, a number not in the account, an
extension someone keeps) is refused at review time, not after the invitations are
accepted."""

from __future__ import annotations

from tests.plan_builders import (
    ALICE,
    KEEP_ALICE,
    N0,
    N5,
    live_state,
    live_user,
    make_plan,
    problems,
    state,
    want,
)
from zoomstate.model import ContactCenterSpec, UserSpec


def _hires(n: int) -> list[UserSpec]:
    return [want(f"hire{i:02}", 101100 + i) for i in range(n)]


def test_invited_hires_need_seats_of_their_calling_plan() -> None:
    # 15 hires invited (create_action: create) on US/CA Unlimited with 8 seats free.
    desired = state(*_hires(15), create_action="create")
    (problem,) = problems(desired, live_state(available={200: 8}))
    assert "not enough calling plan 'US/CA Unlimited' seats: this plan needs 15" in problem
    assert "15 of them for 15 pending users, once they accept" in problem
    assert "8 are free" in problem


def test_invited_hires_within_the_free_seats_plan_and_wait() -> None:
    plan = make_plan(state(*_hires(8), create_action="create"), live_state(available={200: 8}))
    assert {op.kind for op in plan.operations} == {"create_user"}
    # Their whole phone block waits as one batched step.
    assert {w.kind for w in plan.waiting} >= {"add_phone_user"}


def test_invited_hires_need_contact_center_seats_though_this_plan_takes_none() -> None:
    # Only the invitees want the package: their claims come in a later run, and are
    # checked now all the same.
    agent = ContactCenterSpec(package="premium", role="Agent")
    hires = [want(f"hire{i}", phone=False, contact_center=agent) for i in range(3)]
    desired = state(*hires, create_action="create", seats={"contact_center": {"premium": 2}})
    (problem,) = problems(desired, live_state())
    assert "not enough Contact Center premium seats: this plan needs 3" in problem
    assert "3 of them for 3 pending users, once they accept" in problem


def test_pending_users_count_with_active_users_claims() -> None:
    # One seat free: an active user's new plan takes it, so the pending user's cannot.
    active = live_user("bob", 101002, plans=())
    pending = live_user("carol", status="pending")
    desired = state(want("bob", 101002), want("carol", 101003))
    (problem,) = problems(desired, live_state(active, pending, available={200: 1}))
    assert "needs 2 (1 of them for 1 pending user, once they accept: carol@example.com)" in problem


def test_a_number_not_in_the_account_is_refused_for_a_pending_user() -> None:
    pending = live_user("carol", status="pending")
    desired = state(want("carol", 101003, numbers=("+14155550999",)))
    (problem,) = problems(desired, live_state(pending))
    assert problem == "number +14155550999 is not in this Zoom account"


def test_a_number_someone_keeps_is_refused_for_a_pending_user() -> None:
    pending = live_user("carol", status="pending")
    desired = state(KEEP_ALICE, want("carol", 101003, numbers=(N0,)))
    (problem,) = problems(desired, live_state(ALICE, pending))
    assert problem.startswith(f"number {N0} belongs to alice@example.com")


def test_a_number_its_holder_gives_up_in_this_plan_is_fine_for_a_pending_user() -> None:
    pending = live_user("carol", status="pending")
    desired = state(want("alice", 101001), want("carol", 101003, numbers=(N0,)))
    plan = make_plan(desired, live_state(ALICE, pending))
    assert [op.id for op in plan.operations] == [f"alice@example.com/unassign_number/{N0}"]
    assert any(w.user == "carol@example.com" and w.kind == "add_phone_user" for w in plan.waiting)
    # carol claims it in a later run, not in this plan: the number sits unassigned in
    # between, so giving it up is no hand-over (it loses data and counts for safety).
    (release,) = plan.operations
    assert release.destroys_data
    assert "moves to" not in release.note


def test_an_extension_someone_keeps_is_refused_for_a_pending_user() -> None:
    pending = live_user("carol", status="pending")
    desired = state(KEEP_ALICE, want("carol", 101001, numbers=(N5,)))
    (problem,) = problems(desired, live_state(ALICE, pending))
    assert problem.startswith("extension 101001 is used by alice@example.com")

"""The ordering rules of the planner (zoomstate/plan.py's docstring, docs/plan.md
"Ordering rules") that act within a user or on the whole order: a user before its steps
(rule 1), the licence before its details (rule 2), destructive steps last (rule 5),
pending users' steps waiting, the tie-break, and `order_operations` itself. The links
between users (rules 3 and 4: numbers, extensions, Zoom's picks, seats) are in
`test_plan_links.py`.

Pure: `make_plan` on states built by `tests/plan_builders.py`, no CLI, sandbox or HTTP.
Each test asserts the concrete order of operation ids and the dependency edges that make
it, and is built so that the tie-break alone (by user, then each user's natural sequence)
would give another order or other edges: break the rule and the test fails.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.plan_builders import (
    ALICE,
    KEEP_ALICE,
    N0,
    N1,
    N5,
    N6,
    SF,
    deps,
    email,
    ids,
    live_state,
    live_user,
    state,
    want,
)
from zoomstate.errors import InvalidPlan
from zoomstate.model import ContactCenterSpec, PhoneSpec, UserSpec
from zoomstate.plan import Operation, PlanOptions, make_plan, order_operations

# --------------------------------------------------------------------------------------
# Rule 1: a user exists (and is active) before any role, Phone or Contact Center step.

# The per-user way (--no-batch): what these tests are about.
PER_USER = PlanOptions(batch=False)


def test_a_new_user_is_created_before_its_role_phone_and_contact_center() -> None:
    dan = want(
        "dan",
        101010,
        numbers=(N5,),
        role="Auditor",
        contact_center=ContactCenterSpec(package="premium", role="Agent"),
    )
    plan = make_plan(state(KEEP_ALICE, dan), live_state(ALICE), PER_USER)
    d = "dan@example.com"
    assert ids(plan) == [
        f"{d}/create_user",
        f"{d}/assign_role",
        f"{d}/enable_phone",
        f"{d}/update_phone",
        f"{d}/assign_calling_plan/200",
        f"{d}/assign_number/{N5}",
        f"{d}/create_contact_center_user",
    ]
    for op_id, on in deps(plan).items():
        if op_id != f"{d}/create_user":
            assert f"{d}/create_user" in on, op_id


def test_an_inactive_user_is_activated_before_its_licences() -> None:
    eve = live_user("eve", status="inactive")
    plan = make_plan(state(want("eve", status="active")), live_state(eve))
    e = "eve@example.com"
    assert ids(plan) == [
        f"{e}/activate_user",
        f"{e}/enable_phone",
        f"{e}/update_phone",
        f"{e}/assign_calling_plan/200",
    ]
    assert deps(plan)[f"{e}/enable_phone"] == {f"{e}/activate_user"}
    assert deps(plan)[f"{e}/assign_calling_plan/200"] == {f"{e}/activate_user", f"{e}/enable_phone"}


def test_an_email_change_comes_before_the_users_other_steps() -> None:
    frank = live_user("frank.old", 101005)
    new = want("frank.new", 101006, id="id-frank.old", department="Ops")
    plan = make_plan(state(new), live_state(frank))
    f = "frank.new@example.com"
    assert ids(plan) == [f"{f}/change_email", f"{f}/update_user", f"{f}/update_phone"]
    assert deps(plan)[f"{f}/update_user"] == {f"{f}/change_email"}
    assert deps(plan)[f"{f}/update_phone"] == {f"{f}/change_email"}
    # The steps read the user under its old e-mail too, where Zoom still has it.
    assert all("user:frank.old@example.com" in op.reads for op in plan.operations)


# --------------------------------------------------------------------------------------
# Rule 2: the Phone licence before site, extension and template; a calling plan before a
# number; numbers leave before their plan.


def test_the_phone_licence_comes_before_site_extension_template_plan_and_number() -> None:
    gina = live_user("gina")
    spec = PhoneSpec(
        site=SF, extension=101020, calling_plans=(200,), numbers=(N6,), template="Sales default"
    )
    plan = make_plan(state(UserSpec(email=email("gina"), phone=spec)), live_state(gina), PER_USER)
    g = "gina@example.com"
    assert ids(plan) == [
        f"{g}/enable_phone",
        f"{g}/update_phone",
        f"{g}/assign_calling_plan/200",
        f"{g}/assign_number/{N6}",
    ]
    update = plan.operations[1]
    assert update.params == {
        "site_id": "site-sf",
        "site": SF,
        "extension": 101020,
        "template_id": "tpl-1",
        "template": "Sales default",
    }
    assert deps(plan) == {
        f"{g}/enable_phone": set(),
        f"{g}/update_phone": {f"{g}/enable_phone"},
        f"{g}/assign_calling_plan/200": {f"{g}/enable_phone"},
        f"{g}/assign_number/{N6}": {f"{g}/enable_phone", f"{g}/assign_calling_plan/200"},
    }


def test_numbers_leave_before_their_calling_plan() -> None:
    plan = make_plan(state(want("alice", 101001, plans=())), live_state(ALICE))
    a = "alice@example.com"
    assert ids(plan) == [f"{a}/unassign_number/{N0}", f"{a}/unassign_calling_plan/200"]
    assert deps(plan)[f"{a}/unassign_calling_plan/200"] == {f"{a}/unassign_number/{N0}"}


def test_a_kept_number_is_assigned_again_after_its_plan_is_removed() -> None:
    alice = live_user("alice", 101001, plans=(100, 200), numbers=(N0,))
    plan = make_plan(state(want("alice", 101001, plans=(100,), numbers=(N0,))), live_state(alice))
    a = "alice@example.com"
    # Destructive (the number goes with the plan), yet first: the re-assign needs it.
    assert ids(plan) == [f"{a}/unassign_calling_plan/200", f"{a}/assign_number/{N0}"]
    assert plan.operations[0].destroys_data
    assert deps(plan)[f"{a}/assign_number/{N0}"] == {f"{a}/unassign_calling_plan/200"}
    assert plan.operations[1].note == "again, after the calling plan removal"


def test_a_calling_plan_switch_waits_for_the_numbers_that_leave() -> None:
    alice = live_user("alice", 101001, plans=(100,), numbers=(N0, N1))
    plan = make_plan(state(want("alice", 101001, numbers=(N0,))), live_state(alice))
    a = "alice@example.com"
    assert ids(plan) == [f"{a}/unassign_number/{N1}", f"{a}/switch_calling_plan/100-200"]
    assert deps(plan)[f"{a}/switch_calling_plan/100-200"] == {f"{a}/unassign_number/{N1}"}


# --------------------------------------------------------------------------------------
# Rule 5: destructive steps last, unless a later step needs what they free (above).


def test_destructive_steps_go_last_whatever_the_users_name() -> None:
    aaron = live_user("aaron", 101004)
    bob = live_user("bob", 101002)
    desired = state(
        want("alice", 101001, numbers=(N0,), department="Ops"),
        want("bob", 101002, department="Ops"),
        on_missing_user="deactivate",
    )
    plan = make_plan(desired, live_state(aaron, ALICE, bob))
    assert ids(plan) == [
        "alice@example.com/update_user",
        "bob@example.com/update_user",
        "aaron@example.com/deactivate_user",
    ]


def test_a_data_losing_step_of_a_kept_user_goes_last() -> None:
    aaron = live_user("aaron", 101004, numbers=(N5,))
    desired = state(want("aaron", 101004), KEEP_ALICE, want("bob", phone=False, department="Ops"))
    plan = make_plan(desired, live_state(aaron, ALICE, live_user("bob")))
    assert ids(plan) == ["bob@example.com/update_user", f"aaron@example.com/unassign_number/{N5}"]
    assert plan.operations[-1].destroys_data


def test_a_destructive_step_a_needed_release_waits_for_is_needed_too() -> None:
    # zoe's number goes (data lost) before her calling plan, whose seat dan takes: the
    # plan's removal is needed, so the number's removal it waits for is too, and both
    # run early, before zulu's unrelated change, not after it.
    zoe = live_user("zoe", 101001, numbers=(N0,))
    desired = state(
        want("zoe", 101001, plans=()),
        want("dan", site=None),
        want("zulu", phone=False, department="Ops"),
    )
    plan = make_plan(desired, live_state(zoe, live_user("zulu"), available={200: 0}))
    d, z = "dan@example.com", "zoe@example.com"
    assert ids(plan) == [
        f"{d}/create_user",
        f"{d}/enable_phone",
        f"{z}/unassign_number/{N0}",
        f"{z}/unassign_calling_plan/200",
        f"{d}/assign_calling_plan/200",
        "zulu@example.com/update_user",
    ]
    assert plan.operations[2].destroys_data


# --------------------------------------------------------------------------------------
# Pending users (rule 6 of the docstring): steps that need an active user wait.


def test_a_pending_users_steps_are_listed_as_waiting_not_planned() -> None:
    erin = live_user("erin", status="pending")
    desired = state(
        want(
            "erin",
            role="Auditor",
            contact_center=ContactCenterSpec(package="premium", role="Agent"),
        )
    )
    plan = make_plan(desired, live_state(erin))
    assert ids(plan) == []
    reason = "pending: the user has not accepted Zoom's invitation yet"
    assert [(w.kind, w.reason) for w in plan.waiting] == [
        ("assign_role", reason),
        ("enable_phone", reason),
        ("update_phone", reason),
        ("assign_calling_plan", reason),
        ("create_contact_center_user", reason),
    ]
    assert {w.user for w in plan.waiting} == {"erin@example.com"}


def test_an_invited_new_users_steps_wait_for_the_invitation() -> None:
    plan = make_plan(state(want("dan", site=None), create_action="create"), live_state())
    assert ids(plan) == ["dan@example.com/create_user"]
    assert [w.kind for w in plan.waiting] == ["enable_phone", "assign_calling_plan"]
    assert all(w.reason.startswith("invited: the user is pending") for w in plan.waiting)


def test_a_pending_user_the_state_wants_inactive_waits() -> None:
    erin = live_user("erin", status="pending")
    plan = make_plan(state(UserSpec(email=email("erin"), status="inactive")), live_state(erin))
    assert ids(plan) == []
    assert [(w.user, w.kind, w.after) for w in plan.waiting] == [
        ("erin@example.com", "deactivate_user", "inactive")
    ]


# --------------------------------------------------------------------------------------
# Tie-break: by user, then each user's natural sequence, then by id.


def test_within_a_user_steps_follow_the_natural_sequence_and_users_their_order() -> None:
    alice = live_user(
        "alice", 101001, numbers=(N0,), cc=ContactCenterSpec(package="premium", role="Agent")
    )
    desired = state(
        want(
            "alice",
            101011,
            plans=(200, 100),
            numbers=(N0, N5),
            department="Ops",
            role="Auditor",
            contact_center=ContactCenterSpec(package="premium", role="Supervisor"),
        ),
        want("bob", phone=False, department="Ops"),
    )
    plan = make_plan(desired, live_state(alice, live_user("bob")))
    a = "alice@example.com"
    assert ids(plan) == [
        f"{a}/update_user",
        f"{a}/assign_role",
        f"{a}/update_phone",
        f"{a}/assign_calling_plan/100",
        f"{a}/assign_number/{N5}",
        f"{a}/update_contact_center_user",
        "bob@example.com/update_user",
    ]
    # Only the number waits on something: its calling plan.
    assert {k for k, v in deps(plan).items() if v} == {f"{a}/assign_number/{N5}"}


def test_steps_of_a_group_come_before_users_steps_whatever_the_names() -> None:
    # By owner kind first (group: before user:), then name: "eng" sorts after "alice",
    # yet the group's step comes first.
    desired = state(
        want("alice", phone=False, department="Ops"),
        want("bob", phone=False, groups=("eng",)),
        groups={"managed": ["eng"]},
    )
    live = live_state(live_user("alice"), live_user("bob", groups=()), groups=("eng",))
    plan = make_plan(desired, live)
    assert ids(plan) == ["eng/add_group_members/1", "alice@example.com/update_user"]


def test_an_admin_is_demoted_before_being_deactivated() -> None:
    gina = live_user("gina", 101006, role="Admin")
    desired = state(KEEP_ALICE, UserSpec(email=email("gina"), role="Member", status="inactive"))
    plan = make_plan(desired, live_state(ALICE, gina))
    g = "gina@example.com"
    assert ids(plan) == [f"{g}/assign_role", f"{g}/deactivate_user"]
    assert deps(plan)[f"{g}/deactivate_user"] == {f"{g}/assign_role"}


# --------------------------------------------------------------------------------------
# order_operations itself


def _op(op_id: str, **kw: Any) -> Operation:
    user, kind = op_id.split("/")[:2]
    return Operation(id=op_id, kind=kind, user=user, params={}, **kw)  # type: ignore[arg-type]


def test_order_operations_defers_only_the_destructive_steps_nothing_needs() -> None:
    ops = {
        o.id: o
        for o in (
            _op("a@x/deactivate_user", destroys_data=True, removal=True),
            _op("b@x/delete_user", destroys_data=True, removal=True),
            _op("c@x/create_user"),
            _op("d@x/update_user"),
        )
    }
    ordered = order_operations(ops, {"d@x/update_user": {"b@x/delete_user", "gone@x/create_user"}})
    assert [o.id for o in ordered] == [
        "b@x/delete_user",
        "c@x/create_user",
        "d@x/update_user",
        "a@x/deactivate_user",
    ]
    # depends_on keeps only planned steps, sorted.
    assert ordered[2].depends_on == ("b@x/delete_user",)


def test_order_operations_refuses_a_cycle_naming_its_steps() -> None:
    ops = {o.id: o for o in (_op("a@x/update_user"), _op("b@x/update_user"))}
    with pytest.raises(
        InvalidPlan, match=r"dependency cycle among a@x/update_user, b@x/update_user"
    ):
        order_operations(
            ops, {"a@x/update_user": {"b@x/update_user"}, "b@x/update_user": {"a@x/update_user"}}
        )


def test_skip_removals_leaves_out_what_waits_on_a_removal() -> None:
    # Not an ordering rule, but it follows the links: bob's claim waits on zoe's release.
    zoe = live_user("zoe", 101001, numbers=(N0,))
    bob = live_user("bob", 101002)
    desired = state(want("bob", 101002, numbers=(N0,)), on_missing_user="deactivate")
    plan = make_plan(desired, live_state(bob, zoe), PlanOptions(skip_removals=True))
    assert ids(plan) == []
    assert list(plan.warnings) == [
        f"--skip-removals: not planned: bob@example.com/assign_number/{N0}",
        "--skip-removals: not planned: zoe@example.com/deactivate_user",
    ]

"""The ordering rules of the planner (zoomstate/plan.py's docstring, docs/plan.md
"Ordering rules"), one test or more each, on `make_plan` alone: desired and live states
built here, no CLI, no sandbox, no HTTP.

Each test asserts the concrete order of operation ids and the dependency edges that make
it, and is built so that the order the tie-break alone would give (by user, then each
user's natural sequence) differs: drop the link a rule adds and the test fails.

The account is the plan scenarios' (tests/scenarios/cases.py): San Francisco (site code
10) and London (20), US/CA Unlimited (200) and Metered (100), the numbers SF_NUMBERS, the
Auditor role, the Agent Contact Center role, and BASE_ACCOUNT's policy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from tests.scenarios.cases import BASE_ACCOUNT, SF_NUMBERS
from zoomstate.errors import ValidationFailed
from zoomstate.live import (
    CallingPlan,
    LiveState,
    LiveStatus,
    LiveUser,
    Named,
    PhoneNumber,
    Site,
)
from zoomstate.model import (
    AccountPolicy,
    ContactCenterSpec,
    DesiredState,
    PhoneSpec,
    UserSpec,
    UserType,
)
from zoomstate.plan import Operation, Plan, PlanOptions, make_plan, order_operations

SF, LONDON = "San Francisco", "London"
PLAN_NAMES = {100: "US/CA Metered", 200: "US/CA Unlimited"}
N0, N1, N5, N6 = SF_NUMBERS[0], SF_NUMBERS[1], SF_NUMBERS[5], SF_NUMBERS[6]


def email(name: str) -> str:
    return f"{name}@example.com"


def live_user(
    name: str,
    ext: int | None = None,
    *,
    plans: Sequence[int] = (200,),
    numbers: Sequence[str] = (),
    site: str = SF,
    status: LiveStatus = "active",
    type: UserType = "licensed",
    role: str = "Member",
    cc: ContactCenterSpec | None = None,
) -> LiveUser:
    """A live user as `zoomstate.zoom.read` maps one (a phone when `ext` is given)."""
    phone = None
    if ext is not None:
        phone = PhoneSpec.model_construct(
            site=site,
            extension=ext,
            calling_plans=tuple(sorted(plans)),
            numbers=tuple(sorted(numbers)),
            template=None,
        )
    spec = UserSpec.model_construct(
        email=email(name),
        id=f"id-{name}",
        first_name=name.capitalize(),
        last_name="Test",
        department=None,
        job_title=None,
        type=type,
        role=role,
        status="inactive" if status == "inactive" else "active",
        phone=phone,
        contact_center=cc,
        profile=None,
    )
    return LiveUser(spec=spec, status=status, zoom_id=spec.id, role_id=None)


def live_state(*users: LiveUser, available: Mapping[int, int] | None = None) -> LiveState:
    """The account around `users`: every SF number, held as the users hold them; each
    calling plan with `available` free seats (10 unless told)."""
    free = {100: 10, 200: 10, **(available or {})}
    holders = {n: u.zoom_id for u in users if u.spec.phone for n in u.spec.phone.numbers}
    return LiveState(
        users=tuple(sorted(users, key=lambda u: u.key)),
        sites=(Site("site-ldn", LONDON, 20), Site("site-sf", SF, 10)),
        calling_plans=tuple(
            CallingPlan(code, name, 10, 10 - free[code], free[code])
            for code, name in sorted(PLAN_NAMES.items())
        ),
        numbers=tuple(
            PhoneNumber(
                f"num-{i}",
                n,
                "assigned" if n in holders else "available",
                holders.get(n),
                "user" if n in holders else None,
                "site-sf",
            )
            for i, n in enumerate(SF_NUMBERS)
        ),
        templates=(Named("tpl-1", "Sales default"),),
        roles=(
            Named("0", "Owner"),
            Named("1", "Admin"),
            Named("2", "Member"),
            Named("3", "Auditor"),
        ),
        contact_center_roles=(Named("cc-agent", "Agent"), Named("cc-lead", "Supervisor")),
    )


def want(
    name: str,
    ext: int | None = None,
    *,
    phone: bool = True,
    plans: Sequence[int | str] = (200,),
    numbers: Sequence[str] = (),
    site: str | None = SF,
    **fields: Any,
) -> UserSpec:
    """A state user (licensed); with Zoom Phone unless `phone=False`."""
    spec = PhoneSpec(site=site, extension=ext, calling_plans=tuple(plans), numbers=tuple(numbers))
    return UserSpec(email=email(name), type="licensed", phone=spec if phone else None, **fields)


def state(*users: UserSpec, **account: Any) -> DesiredState:
    return DesiredState(
        account=AccountPolicy.model_validate({**BASE_ACCOUNT, **account}), users=users
    )


def ids(plan: Plan) -> list[str]:
    return [op.id for op in plan.operations]


def deps(plan: Plan) -> dict[str, set[str]]:
    return {op.id: set(op.depends_on) for op in plan.operations}


def before(plan: Plan, first: str, then: str) -> bool:
    order = ids(plan)
    return order.index(first) < order.index(then)


def problems(desired: DesiredState, live: LiveState) -> list[str]:
    with pytest.raises(ValidationFailed) as caught:
        make_plan(desired, live)
    return [issue.message for issue in caught.value.issues]


ALICE = live_user("alice", 101001, numbers=(N0,))
KEEP_ALICE = want("alice", 101001, numbers=(N0,))

# --------------------------------------------------------------------------------------
# Rule 1: a user exists (and is active) before any role, Phone or Contact Center step.


def test_a_new_user_is_created_before_its_role_phone_and_contact_center() -> None:
    dan = want(
        "dan",
        101010,
        numbers=(N5,),
        role="Auditor",
        contact_center=ContactCenterSpec(package="premium", role="Agent"),
    )
    plan = make_plan(state(KEEP_ALICE, dan), live_state(ALICE))
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
    plan = make_plan(state(UserSpec(email=email("gina"), phone=spec)), live_state(gina))
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
# Rule 3: releases before claims. The holders are named to sort after the claimants, so
# the tie-break alone would put the claim first.


def test_a_number_moving_between_users_is_released_first() -> None:
    zoe = live_user("zoe", 101001, numbers=(N0,))
    bob = live_user("bob", 101002)
    desired = state(want("zoe", 101001), want("bob", 101002, numbers=(N0,)))
    plan = make_plan(desired, live_state(bob, zoe))
    release, claim = f"zoe@example.com/unassign_number/{N0}", f"bob@example.com/assign_number/{N0}"
    assert ids(plan) == [release, claim]
    assert deps(plan)[claim] == {release}
    # Given to someone else in the same plan, the number is not lost.
    assert (plan.operations[0].destroys_data, plan.operations[0].note) == (
        False,
        "moves to bob@example.com",
    )


@pytest.mark.parametrize(
    ("zoe_wants", "release"),
    [
        (None, "zoe@example.com/deactivate_user"),
        (want("zoe", phone=False), "zoe@example.com/disable_phone"),
    ],
    ids=["leaver_deactivated", "phone_turned_off"],
)
def test_a_number_of_a_user_losing_it_with_phone_or_account_waits_for_that(
    zoe_wants: UserSpec | None, release: str
) -> None:
    zoe = live_user("zoe", 101001, numbers=(N0,))
    bob = live_user("bob", 101002)
    users = [want("bob", 101002, numbers=(N0,)), *([zoe_wants] if zoe_wants else [])]
    plan = make_plan(state(*users, on_missing_user="deactivate"), live_state(bob, zoe))
    claim = f"bob@example.com/assign_number/{N0}"
    # The release is destructive but runs first: the claim needs it (rule 5).
    assert ids(plan) == [release, claim]
    assert deps(plan)[claim] == {release}


def test_an_extension_moving_between_users_is_released_first() -> None:
    zoe = live_user("zoe", 101001)
    bob = live_user("bob", 101002)
    plan = make_plan(state(want("zoe", 101005), want("bob", 101001)), live_state(bob, zoe))
    assert ids(plan) == ["zoe@example.com/update_phone", "bob@example.com/update_phone"]
    assert deps(plan)["bob@example.com/update_phone"] == {"zoe@example.com/update_phone"}


def test_an_extension_its_holder_keeps_is_a_problem_not_a_step() -> None:
    zoe = live_user("zoe", 101001)
    bob = live_user("bob", 101002)
    assert problems(state(want("zoe", 101001), want("bob", 101001)), live_state(bob, zoe)) == [
        "extension 101001 is used by zoe@example.com, who keeps it in this plan"
    ]


def test_an_extension_swap_goes_through_a_free_extension() -> None:
    # carol holds 101003, the next one up from alice's: the free one is 101004.
    users = live_user("alice", 101001), live_user("bob", 101002), live_user("carol", 101003)
    desired = state(want("alice", 101002), want("bob", 101001), want("carol", 101003))
    plan = make_plan(desired, live_state(*users))
    a, b = "alice@example.com", "bob@example.com"
    assert ids(plan) == [f"{a}/update_phone/temp", f"{b}/update_phone", f"{a}/update_phone"]
    assert plan.operations[0].params == {"extension": 101004}
    assert deps(plan) == {
        f"{a}/update_phone/temp": set(),
        f"{b}/update_phone": {f"{a}/update_phone/temp"},
        f"{a}/update_phone": {f"{a}/update_phone/temp", f"{b}/update_phone"},
    }


def test_a_three_cycle_of_extensions_goes_through_one_free_extension() -> None:
    users = live_user("ann", 101001), live_user("ben", 101002), live_user("cat", 101003)
    desired = state(want("ann", 101002), want("ben", 101003), want("cat", 101001))
    plan = make_plan(desired, live_state(*users))
    a, b, c = "ann@example.com", "ben@example.com", "cat@example.com"
    assert ids(plan) == [
        f"{a}/update_phone/temp",
        f"{c}/update_phone",
        f"{b}/update_phone",
        f"{a}/update_phone",
    ]
    assert plan.operations[0].params == {"extension": 101004}
    assert deps(plan) == {
        f"{a}/update_phone/temp": set(),
        f"{c}/update_phone": {f"{a}/update_phone/temp"},
        f"{b}/update_phone": {f"{c}/update_phone"},
        f"{a}/update_phone": {f"{a}/update_phone/temp", f"{b}/update_phone"},
    }


# -- Zoom-picked extensions (rule 3, _link_extension_picks)


def test_claims_by_phone_users_run_before_zoom_picks_an_extension() -> None:
    zed = live_user("zed", 101009)
    plan = make_plan(
        state(KEEP_ALICE, want("dan", site=None), want("zed", 101000)), live_state(ALICE, zed)
    )
    d, z = "dan@example.com", "zed@example.com"
    assert ids(plan) == [
        f"{d}/create_user",
        f"{z}/update_phone",
        f"{d}/enable_phone",
        f"{d}/assign_calling_plan/200",
    ]
    assert deps(plan)[f"{d}/enable_phone"] == {f"{d}/create_user", f"{z}/update_phone"}


def test_new_phone_users_naming_extensions_take_turns_and_picks_that_stay_go_last() -> None:
    zed = live_user("zed", 101009)
    desired = state(
        want("ann", 101020),
        want("ben", 101021),
        want("cal", site=None),  # Zoom picks and the pick stays
        want("zed", 101030),
    )
    plan = make_plan(desired, live_state(zed))
    a, b, c, z = (email(n) for n in ("ann", "ben", "cal", "zed"))
    d = deps(plan)
    # A user who already has Zoom Phone claims before every pick.
    assert d[f"{a}/enable_phone"] == {f"{a}/create_user", f"{z}/update_phone"}
    # Turns: Zoom picks for ann, ann moves to her own extension, then Zoom picks for ben.
    assert d[f"{b}/enable_phone"] == {f"{b}/create_user", f"{z}/update_phone", f"{a}/update_phone"}
    # A pick that stays waits for every claim.
    assert d[f"{c}/enable_phone"] == {
        f"{c}/create_user",
        f"{z}/update_phone",
        f"{a}/update_phone",
        f"{b}/update_phone",
    }
    assert ids(plan) == [
        f"{a}/create_user",
        f"{b}/create_user",
        f"{c}/create_user",
        f"{z}/update_phone",
        f"{a}/enable_phone",
        f"{a}/update_phone",
        f"{a}/assign_calling_plan/200",
        f"{b}/enable_phone",
        f"{b}/update_phone",
        f"{b}/assign_calling_plan/200",
        f"{c}/enable_phone",
        f"{c}/assign_calling_plan/200",
    ]


def test_a_site_move_without_an_extension_is_a_pick_after_the_claims() -> None:
    bob = live_user("bob", 101001)
    alf = live_user("alf", 101009)  # sorts before bob
    plan = make_plan(state(want("bob", 101000), want("alf", site=LONDON)), live_state(bob, alf))
    move, claim = "alf@example.com/update_phone", "bob@example.com/update_phone"
    assert "extension" not in plan.operations[1].params
    assert ids(plan) == [claim, move]
    assert deps(plan)[move] == {claim}


# --------------------------------------------------------------------------------------
# Rule 4: seats. Releases that free a seat run before the claims that need it; a plan
# that needs more seats than will be free fails, with the counts.


def test_a_leaver_frees_a_calling_plan_seat_before_the_new_hire_takes_it() -> None:
    carol = live_user("carol", 101003)
    desired = state(KEEP_ALICE, want("dan", site=None), on_missing_user="deactivate")
    plan = make_plan(desired, live_state(ALICE, carol, available={200: 0}))
    c, d = "carol@example.com", "dan@example.com"
    # Destructive, yet first: the new hire needs the seat it frees (rule 5).
    assert ids(plan) == [
        f"{c}/deactivate_user",
        f"{d}/create_user",
        f"{d}/enable_phone",
        f"{d}/assign_calling_plan/200",
    ]
    assert deps(plan)[f"{d}/assign_calling_plan/200"] == {
        f"{d}/create_user",
        f"{d}/enable_phone",
        f"{c}/deactivate_user",
    }


def test_only_the_claims_beyond_the_free_seats_wait_for_a_release() -> None:
    carol = live_user("carol", 101003)
    desired = state(
        KEEP_ALICE, want("dan", site=None), want("eve", site=None), on_missing_user="deactivate"
    )
    plan = make_plan(desired, live_state(ALICE, carol, available={200: 1}))
    d = deps(plan)
    assert d["dan@example.com/assign_calling_plan/200"] == {
        "dan@example.com/create_user",
        "dan@example.com/enable_phone",
    }
    assert d["eve@example.com/assign_calling_plan/200"] == {
        "eve@example.com/create_user",
        "eve@example.com/enable_phone",
        "carol@example.com/deactivate_user",
    }
    assert ids(plan)[0] == "carol@example.com/deactivate_user"


def test_a_switch_takes_the_seat_another_user_gives_up() -> None:
    alice = live_user("alice", 101001, plans=(100,))
    zoe = live_user("zoe", 101002)
    desired = state(want("alice", 101001), want("zoe", 101002, plans=()))
    plan = make_plan(desired, live_state(alice, zoe, available={200: 0}))
    drop, switch = (
        "zoe@example.com/unassign_calling_plan/200",
        "alice@example.com/switch_calling_plan/100-200",
    )
    assert ids(plan) == [drop, switch]
    assert deps(plan)[switch] == {drop}


def test_a_calling_plan_trade_goes_through_the_one_free_seat() -> None:
    # Each user takes the other's plan. 200 has no seat free, 100 has one: bob switches
    # to 100 first, which frees a 200 seat for alice.
    alice = live_user("alice", 101001, plans=(100,))
    bob = live_user("bob", 101002, plans=(200,))
    desired = state(want("alice", 101001, plans=(200,)), want("bob", 101002, plans=(100,)))
    plan = make_plan(desired, live_state(alice, bob, available={200: 0, 100: 1}))
    a, b = (
        "alice@example.com/switch_calling_plan/100-200",
        "bob@example.com/switch_calling_plan/200-100",
    )
    assert ids(plan) == [b, a]
    assert deps(plan) == {b: set(), a: {b}}


def test_not_enough_calling_plan_seats_fails_with_the_counts() -> None:
    carol = live_user("carol", 101003)
    desired = state(
        KEEP_ALICE, want("dan", site=None), want("eve", site=None), on_missing_user="deactivate"
    )
    assert problems(desired, live_state(ALICE, carol, available={200: 0})) == [
        "not enough calling plan 'US/CA Unlimited' seats: this plan needs 2, "
        "0 are free and the plan frees 1"
    ]


def test_a_leaver_frees_a_licensed_seat_before_a_new_licensed_user() -> None:
    zoe = live_user("zoe")
    desired = state(
        KEEP_ALICE,
        want("dan", phone=False),
        on_missing_user="delete",
        seats={"licensed": 2},  # alice and zoe hold both
    )
    plan = make_plan(desired, live_state(ALICE, zoe))
    assert ids(plan) == ["zoe@example.com/delete_user", "dan@example.com/create_user"]
    assert deps(plan)["dan@example.com/create_user"] == {"zoe@example.com/delete_user"}


def test_not_enough_licensed_seats_fails_with_the_counts() -> None:
    desired = state(
        KEEP_ALICE, want("dan", phone=False), want("eve", phone=False), seats={"licensed": 2}
    )
    assert problems(desired, live_state(ALICE)) == [
        "not enough licensed seats: this plan needs 2, 1 are free and the plan frees 0"
    ]


def test_a_contact_center_seat_is_released_before_another_user_takes_it() -> None:
    premium = ContactCenterSpec(package="premium", role="Agent")
    alice = live_user("alice", 101001, numbers=(N0,))
    zoe = live_user("zoe", 101002, cc=premium)
    desired = state(
        want("alice", 101001, numbers=(N0,), contact_center=premium),
        want("zoe", 101002),
        seats={"contact_center": {"premium": 1}},
    )
    plan = make_plan(desired, live_state(alice, zoe))
    release, claim = (
        "zoe@example.com/delete_contact_center_user",
        "alice@example.com/create_contact_center_user",
    )
    assert ids(plan) == [release, claim]
    assert deps(plan)[claim] == {release}


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
        ValueError, match=r"dependency cycle among a@x/update_user, b@x/update_user"
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

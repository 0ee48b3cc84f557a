"""The ordering rules that link users (zoomstate/plan.py's docstring, docs/plan.md
"Ordering rules"): releases before claims of numbers and extensions, swaps and cycles
through a free extension, Zoom's own extension picks after the claims they could collide
with (rule 3), and seats freed before they are taken, or the plan refused with the counts
(rule 4).

Pure: `make_plan` on states built by `tests/plan_builders.py`, no CLI, sandbox or HTTP.
The holders are named to sort after the claimants, so that the tie-break alone (by user)
would put the claim first: drop a link and the test fails.
"""

from __future__ import annotations

import dataclasses

import pytest

from tests.plan_builders import (
    ALICE,
    KEEP_ALICE,
    LONDON,
    N0,
    deps,
    email,
    ids,
    live_state,
    live_user,
    problems,
    state,
    waits_for,
    want,
)
from zoomstate.live import CallingPlan
from zoomstate.model import ContactCenterSpec, UserSpec
from zoomstate.plan import PlanOptions, make_plan

# --------------------------------------------------------------------------------------
# Rule 3: releases before claims. The holders are named to sort after the claimants, so
# the tie-break alone would put the claim first.

# The per-user way (--no-batch): what these tests are about.
PER_USER = PlanOptions(batch=False)


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


def test_a_number_is_released_by_its_holders_earliest_step_that_frees_it() -> None:
    # zoe gives up N0 and then her calling plan, which would drop N0 too: bob's claim
    # waits for the unassign itself, and that one (not the plan's removal) is the
    # hand-over that loses nothing.
    zoe = live_user("zoe", 101001, numbers=(N0,))
    bob = live_user("bob", 101002)
    desired = state(want("zoe", 101001, plans=()), want("bob", 101002, numbers=(N0,)))
    plan = make_plan(desired, live_state(bob, zoe))
    release, claim = f"zoe@example.com/unassign_number/{N0}", f"bob@example.com/assign_number/{N0}"
    drop = "zoe@example.com/unassign_calling_plan/200"
    assert ids(plan) == [release, claim, drop]
    assert deps(plan)[claim] == {release}
    assert (plan.operations[0].destroys_data, plan.operations[0].note) == (
        False,
        "moves to bob@example.com",
    )


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


def test_a_swaps_free_extension_is_none_a_live_user_outside_the_state_holds() -> None:
    # carol is not in the state (left alone) and keeps 101003: the free one is 101004.
    users = live_user("alice", 101001), live_user("bob", 101002), live_user("carol", 101003)
    plan = make_plan(state(want("alice", 101002), want("bob", 101001)), live_state(*users))
    assert plan.operations[0].id == "alice@example.com/update_phone/temp"
    assert plan.operations[0].params == {"extension": 101004}


def test_a_swaps_free_extension_is_none_the_state_gives_a_new_user() -> None:
    # dan, new, is to get 101003: the free one is 101004.
    users = live_user("alice", 101001), live_user("bob", 101002)
    desired = state(want("alice", 101002), want("bob", 101001), want("dan", 101003))
    plan = make_plan(desired, live_state(*users))
    assert plan.operations[0].id == "alice@example.com/update_phone/temp"
    assert plan.operations[0].params == {"extension": 101004}


def test_two_swaps_go_through_two_different_free_extensions() -> None:
    # alice and cat swap, bob and dan swap. alice moves to 101003 for a moment; bob's
    # next free one up would be 101003 too, but alice has it by then: 101006.
    held = {"alice": 101001, "bob": 101002, "cat": 101004, "dan": 101005}
    desired = state(
        want("alice", 101004), want("cat", 101001), want("bob", 101005), want("dan", 101002)
    )
    plan = make_plan(desired, live_state(*(live_user(n, e) for n, e in held.items())))
    temps = {op.id: op.params for op in plan.operations if op.id.endswith("/temp")}
    assert temps == {
        "alice@example.com/update_phone/temp": {"extension": 101003},
        "bob@example.com/update_phone/temp": {"extension": 101006},
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
    plan = make_plan(desired, live_state(zed), PER_USER)
    a, b, c, z = (email(n) for n in ("ann", "ben", "cal", "zed"))
    d, w = deps(plan), waits_for(plan)
    # A user who already has Zoom Phone claims before every pick.
    assert d[f"{a}/enable_phone"] == {f"{a}/create_user", f"{z}/update_phone"}
    # Turns: Zoom picks for ann, ann moves to her own extension, then Zoom picks for ben.
    # A chain: ben's pick waits for ann's claim alone, which waits for ann's pick...
    assert d[f"{b}/enable_phone"] == {f"{b}/create_user", f"{a}/update_phone"}
    # ...so through it for zed's claim too.
    assert {f"{z}/update_phone", f"{a}/enable_phone"} <= w[f"{b}/enable_phone"]
    # A pick that stays waits for every claim: directly for the last turn's.
    assert d[f"{c}/enable_phone"] == {f"{c}/create_user", f"{b}/update_phone"}
    claims = {f"{u}/update_phone" for u in (a, b, z)}
    assert claims <= w[f"{c}/enable_phone"]
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


def test_thousands_of_new_phone_users_naming_extensions_give_a_chain_not_all_pairs() -> None:
    """Issue 15: 4,000 new phone users who name their extension gave 8 million edges
    (each pick waited for every earlier user's claim). A chain gives a few per step, and
    still holds every pick back for every earlier claim."""
    n = 4_000
    movers = [live_user(f"old{i}", 101000 + i) for i in range(3)]  # claims that settle
    desired = state(
        *(want(f"old{i}", 102000 + i) for i in range(3)),
        *(want(f"new{i:05d}", 1_010_000 + i) for i in range(n)),
        want("stay", site=None),  # a pick that stays
    )
    plan = make_plan(desired, live_state(*movers, available={200: n + 10}), PER_USER)
    edges = sum(len(op.depends_on) for op in plan.operations)
    assert len(plan.operations) == 4 * n + 3 + 3
    assert edges <= 2 * len(plan.operations)
    assert max(len(op.depends_on) for op in plan.operations) <= 4
    picks = [op.id for op in plan.operations if op.kind == "enable_phone" and "new" in op.id]
    claims = [p.replace("/enable_phone", "/update_phone") for p in picks]
    settled = {f"{email(f'old{i}')}/update_phone" for i in range(3)}
    d = deps(plan)
    assert settled <= d[picks[0]]
    for i in range(1, n):
        assert claims[i - 1] in d[picks[i]]
    assert claims[-1] in d[f"{email('stay')}/enable_phone"]
    # In plan order, each pick comes after every earlier turn's claim.
    at = {op_id: i for i, op_id in enumerate(ids(plan))}
    assert all(at[claims[i - 1]] < at[picks[i]] for i in range(1, n))


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


def test_a_pool_over_its_seats_needs_releases_for_the_overage_first() -> None:
    # Three users hold a licence, the state declares two: one more is in use than there
    # are, so one leaver only brings the pool back to none free and Zoom would refuse
    # dan's licence. With two leavers, dan waits for both.
    zoe, amy = live_user("zoe"), live_user("amy")
    desired = state(
        KEEP_ALICE,
        want("amy", phone=False),
        want("dan", phone=False),
        on_missing_user="delete",
        seats={"licensed": 2},
    )
    assert problems(desired, live_state(ALICE, zoe, amy)) == [
        "not enough licensed seats: this plan needs 1, none are free (1 more in use than "
        "there are) and the plan frees 1"
    ]
    two_leave = state(
        KEEP_ALICE, want("dan", phone=False), on_missing_user="delete", seats={"licensed": 2}
    )
    plan = make_plan(two_leave, live_state(ALICE, zoe, amy))
    assert deps(plan)["dan@example.com/create_user"] == {
        "zoe@example.com/delete_user",
        "amy@example.com/delete_user",
    }
    assert (
        "account.seats.licensed is 2, but 3 users hold one: a step that takes one waits for "
        "1 more to be given up first; update it if the account has more"
    ) in plan.warnings
    # No warning where the plan takes none: nothing waits.
    leaves = state(KEEP_ALICE, on_missing_user="delete", seats={"licensed": 2})
    assert not [w for w in make_plan(leaves, live_state(ALICE, zoe, amy)).warnings if "seats" in w]


def test_a_calling_plan_zoom_counts_over_its_subscription_needs_the_overage_released() -> None:
    bob, wes = live_user("bob", 101002), live_user("wes", 101003)
    desired = state(KEEP_ALICE, want("ann", 101004), on_missing_user="delete")
    [message] = problems(desired, live_state(ALICE, bob, wes, available={200: -2}))
    assert "none are free (2 more in use than there are) and the plan frees 2" in message
    plan = make_plan(desired, live_state(ALICE, bob, wes, available={200: -1}))
    assert deps(plan)["ann@example.com/add_phone_user"] >= {
        "bob@example.com/delete_user",
        "wes@example.com/delete_user",
    }


def test_a_switch_that_frees_a_seat_another_switch_needs_goes_first() -> None:
    # 100 has one seat free, 200 and 300 none. Bob (200->100) and Wes (300->100) both
    # want the free 100 seat; Bob's switch frees the 200 seat Yan (100->200) needs, so
    # Bob goes first, then Yan (freeing a 100 seat), then Wes. Wes first would leave Bob
    # and Yan each waiting for the other.
    bob = live_user("bob", 101002, plans=(200,))
    wes = live_user("wes", 101003, plans=(300,))
    yan = live_user("yan", 101004, plans=(100,))
    live = live_state(bob, wes, yan, available={100: 1, 200: 0})
    intl = CallingPlan(300, "US/CA Unlimited Intl", 10, 10, 0)
    live = dataclasses.replace(live, calling_plans=(*live.calling_plans, intl))
    desired = state(
        want("bob", 101002, plans=(100,)),
        want("wes", 101003, plans=(100,)),
        want("yan", 101004, plans=(200,)),
    )
    b, w, y = (
        "bob@example.com/switch_calling_plan/200-100",
        "wes@example.com/switch_calling_plan/300-100",
        "yan@example.com/switch_calling_plan/100-200",
    )
    plan = make_plan(desired, live)
    assert ids(plan) == [b, y, w]
    assert deps(plan) == {b: set(), y: {b}, w: {y}}


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

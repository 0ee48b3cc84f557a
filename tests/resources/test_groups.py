"""User groups in `make_plan` alone (no CLI, no sandbox): one rule a test, on hand-built
states and live accounts (tests/plan_builders.py).

The account has Sales, Support and Okta (an identity provider's group, never managed);
the states manage Sales, Support and EMEA."""

from __future__ import annotations

from typing import Any

import pytest

from tests.plan_builders import deps, email, ids, live_state, live_user, problems, state, want
from zoomstate.core.aspect import PlanResolver
from zoomstate.core.plan_format import group_fingerprint
from zoomstate.errors import UnsafePlan
from zoomstate.live import LiveState, LiveUser, Named
from zoomstate.model import ContactCenterSpec, DesiredState, UserSpec
from zoomstate.plan import Plan, PlanOptions, make_plan
from zoomstate.resources.groups import (
    GROUPS,
    account_block,
    group_summary,
    primary_groups_to_read,
)

ACCOUNT_GROUPS = ("Okta", "Sales", "Support")
MANAGED = {"managed": ["Sales", "Support", "EMEA"]}


def member(name: str, *groups: str, primary: str | None = None, **kw: Any) -> LiveUser:
    return live_user(name, groups=groups, primary=primary or (groups[0] if groups else None), **kw)


def person(name: str, *groups: str, **fields: Any) -> UserSpec:
    """A state user without Zoom Phone, in `groups`."""
    return want(name, phone=False, groups=groups, **fields)


def account(*users: LiveUser, groups: tuple[str, ...] = ACCOUNT_GROUPS) -> LiveState:
    return live_state(*users, groups=groups)


def groups_state(*users: UserSpec, create_missing: bool = False, **policy: Any) -> DesiredState:
    return state(*users, groups={**MANAGED, "create_missing": create_missing}, **policy)


def plan(desired: DesiredState, live: LiveState, **options: Any) -> Plan:
    return make_plan(desired, live, PlanOptions(**options))


def op(result: Plan, op_id: str) -> dict[str, Any]:
    found = {o.id: o.to_dict() for o in result.operations}
    return found[op_id]


# -- the steps


def test_one_group_for_another_is_a_move_never_a_removal_and_an_add() -> None:
    result = plan(groups_state(person("ann", "Support")), account(member("ann", "Sales")))
    assert ids(result) == ["ann@example.com/move_group_member/Sales/Support"]
    assert op(result, "ann@example.com/move_group_member/Sales/Support")["params"] == {
        "group_id": "group-Sales",
        "group": "Sales",
        "target_group_id": "group-Support",
        "target": "Support",
    }


def test_an_identity_providers_group_is_never_touched() -> None:
    live = account(member("ann", "Okta", "Sales", primary="Okta"))
    assert ids(plan(groups_state(person("ann", "Sales")), live)) == []
    # [] is "in none of the managed groups": Okta stays.
    result = plan(groups_state(person("ann")), live)
    assert ids(result) == ["ann@example.com/remove_group_member/Sales"]


def test_groups_left_out_are_left_as_they_are() -> None:
    live = account(member("ann", "Sales", "Support"))
    assert ids(plan(groups_state(want("ann", phone=False)), live)) == []


def test_a_group_left_with_none_in_exchange_is_a_removal_counted_by_safety() -> None:
    live = account(member("ann", "Sales", "Support"), member("bob", "Sales"))
    desired = groups_state(person("ann", "Support"), person("bob", "Sales"))
    removal = op(plan(desired, live), "ann@example.com/remove_group_member/Sales")
    assert removal["removal"] is True and removal["destroys_data"] is False
    tight = groups_state(
        person("ann", "Support"),
        person("bob", "Sales"),
        safety={"max_deletes": 0, "max_delete_percent": 100},
    )
    with pytest.raises(UnsafePlan, match=r"from 1 of 2 managed users .*1 remove_group_member"):
        make_plan(tight, live)
    skipped = make_plan(tight, live, PlanOptions(skip_removals=True))
    assert ids(skipped) == []
    assert skipped.warnings == (
        "--skip-removals: not planned: ann@example.com/remove_group_member/Sales",
    )


def test_a_move_takes_nothing_away() -> None:
    tight = groups_state(person("ann", "Support"), safety={"max_deletes": 0})
    assert ids(plan(tight, account(member("ann", "Sales")))) == [
        "ann@example.com/move_group_member/Sales/Support"
    ]


def test_members_join_30_to_a_step_in_email_order_after_their_creation() -> None:
    names = [f"u{n:02d}" for n in range(65)]
    result = plan(groups_state(*(person(n, "Sales") for n in reversed(names))), account())
    joins = [o for o in result.operations if o.kind == "add_group_members"]
    assert [o.id for o in joins] == [f"Sales/add_group_members/{n}" for n in (1, 2, 3)]
    assert [len(o.params["members"]) for o in joins] == [30, 30, 5]  # type: ignore[arg-type]
    assert joins[0].params["members"] == [email(n) for n in names[:30]]
    assert set(joins[2].depends_on) == {f"{email(n)}/create_user" for n in names[60:]}
    assert joins[0].owner == ("group", "Sales")
    assert joins[0].reads[0] == "group:Sales" and f"user:{email('u00')}" in joins[0].reads
    assert result.summary()["users"] == 65


def test_a_members_new_licences_wait_for_its_group_steps() -> None:
    cc = ContactCenterSpec(package="premium", role="Agent", access="active")
    desired = groups_state(want("ann", groups=("Sales",), contact_center=cc))
    got = deps(plan(desired, account()))
    assert got["ann@example.com/enable_phone"] >= {"Sales/add_group_members/1"}
    assert got["ann@example.com/create_contact_center_user"] >= {"Sales/add_group_members/1"}
    assert got["Sales/add_group_members/1"] == {"ann@example.com/create_user"}
    # An existing user's move comes before its new licence too.
    moved = deps(
        plan(groups_state(want("bob", groups=("Support",))), account(member("bob", "Sales")))
    )
    assert moved["bob@example.com/enable_phone"] >= {
        "bob@example.com/move_group_member/Sales/Support"
    }


def test_the_primary_group_is_set_when_it_differs_after_the_user_joins_it() -> None:
    live = account(member("ann", "Sales"), member("bob", "Sales", "Support", primary="Support"))
    desired = groups_state(
        person("ann", "Sales", "Support", primary_group="Support"),
        person("bob", "Sales", "Support", primary_group="Support"),
    )
    result = plan(desired, live)
    assert ids(result) == ["Support/add_group_members/1", "ann@example.com/set_primary_group"]
    primary = op(result, "ann@example.com/set_primary_group")
    assert primary["depends_on"] == ["Support/add_group_members/1"]
    assert (primary["before"], primary["after"]) == ("Sales", "Support")


def test_a_group_the_account_lacks_is_an_error_listing_its_groups() -> None:
    desired = groups_state(person("ann", "Sales", "EMEA"))
    assert problems(desired, account(member("ann", "Sales"))) == [
        "unknown group 'EMEA' (the account has: Okta, Sales, Support): create it in Zoom, or "
        "set account.groups.create_missing"
    ]


def test_a_name_differing_only_in_case_is_an_error_even_with_create_missing() -> None:
    desired = state(person("ann", "sales"), groups={"managed": ["sales"], "create_missing": True})
    assert problems(desired, account()) == [
        "group 'sales' is not in the account, which has 'Sales': Zoom compares group names "
        "without case, so it would refuse to create it (4132); write the name as the account "
        "has it"
    ]


def test_create_missing_creates_the_group_before_its_members_join() -> None:
    desired = groups_state(person("ann", "EMEA"), person("bob", "EMEA"), create_missing=True)
    result = plan(desired, account(member("ann", "Sales")))
    assert ids(result) == [
        "EMEA/create_group",
        "ann@example.com/move_group_member/Sales/EMEA",
        "bob@example.com/create_user",
        "EMEA/add_group_members/1",
    ]
    assert op(result, "EMEA/add_group_members/1")["params"]["group_id"] is None
    assert set(op(result, "EMEA/add_group_members/1")["depends_on"]) == {
        "EMEA/create_group",
        "bob@example.com/create_user",
    }
    move = op(result, "ann@example.com/move_group_member/Sales/EMEA")
    assert move["depends_on"] == ["EMEA/create_group"]
    assert move["params"]["target_group_id"] is None
    assert result.fingerprints["group:EMEA"] == "absent"
    assert result.fingerprints["group:Sales"] == group_fingerprint(Named("group-Sales", "Sales"))


def test_creations_are_held_to_zooms_limits() -> None:
    names = [f"G{n:03d}" for n in range(101)]
    desired = state(person("ann", *names), groups={"managed": names, "create_missing": True})
    assert problems(desired, account()) == [
        "this plan would create 101 groups ('G100' is number 101); Zoom creates at most 100 "
        "groups a day: create fewer at once"
    ]
    full = account(groups=tuple(f"Old{n}" for n in range(5000)))
    desired = state(person("ann", "New"), groups={"managed": ["New"], "create_missing": True})
    assert problems(desired, full) == [
        "group 'New' would make 5001 groups; Zoom holds at most 5,000 in an account (it has 5000)"
    ]


def test_an_invitee_joins_one_group_and_the_rest_waits() -> None:
    desired = groups_state(
        person("ann", "Sales", "Support", primary_group="Support"),
        person("bob", "Sales"),
        person("cat", "Sales"),
        create_action="create",
    )
    live = account(member("bob", status="pending"), member("cat", "Support", status="pending"))
    result = plan(desired, live)
    assert ids(result) == [
        "Sales/add_group_members/1",
        "ann@example.com/create_user",
        "Support/add_group_members/1",
    ]
    assert op(result, "Sales/add_group_members/1")["params"] == {
        "group_id": "group-Sales",
        "group": "Sales",
        "members": [],
        "pending": ["bob@example.com"],
    }
    assert op(result, "Support/add_group_members/1")["params"]["pending"] == ["ann@example.com"]
    assert [(w.user, w.kind, w.after) for w in result.waiting] == [
        ("ann@example.com", "add_group_members", "Sales"),
        ("cat@example.com", "add_group_members", "Sales"),
        ("cat@example.com", "remove_group_member", None),
    ]


def test_a_user_that_does_not_exist_yet_waits_for_everything() -> None:
    desired = groups_state(person("ann", "Sales"), manage=["groups"])
    result = plan(desired, account())
    assert ids(result) == []
    assert [(w.user, w.kind) for w in result.waiting] == [("ann@example.com", "add_group_members")]


def test_leavers_and_inactive_users_get_no_group_steps() -> None:
    live = account(member("ann", "Sales"), member("bob", "Sales"), member("cat", "Sales"))
    desired = groups_state(
        person("bob", "Support", status="inactive"),
        person("cat", "Sales"),
        on_missing_user="delete",
    )
    result = plan(desired, live)
    assert ids(result) == ["ann@example.com/delete_user", "bob@example.com/deactivate_user"]


def test_members_out_of_scope_are_reported_never_removed() -> None:
    outsider = member("pat", "Sales")
    outsider = LiveUser(
        outsider.spec.model_copy(update={"email": "pat@partner.test"}), "active", "id-pat"
    )
    owner = member("own", "Support")
    live = account(outsider, owner, member("ann", "Sales"))
    # The protected owner's entry asks it out of Support: the plan leaves it there.
    desired = groups_state(person("ann", "Sales"), person("own"), protected=["own@example.com"])
    result = plan(desired, live)
    assert ids(result) == []
    assert result.warnings == (
        "group Sales: 1 member(s) outside account.domains or protected, left in it as "
        "zoomstate never touches them: pat@partner.test",
        "group Support: 1 member(s) outside account.domains or protected, left in it as "
        "zoomstate never touches them: own@example.com",
    )


def test_a_protected_member_the_state_asks_nothing_of_is_not_reported() -> None:
    # As export writes an account: the owner protected, its entry (or none) as it is.
    live = account(member("own", "Support"), member("ann", "Sales"))
    for entries in ((person("ann", "Sales"),), (person("ann", "Sales"), person("own", "Support"))):
        desired = groups_state(*entries, protected=["own@example.com"])
        assert plan(desired, live).warnings == ()


def test_target_plans_only_the_targets_memberships() -> None:
    desired = groups_state(person("ann", "Sales"), person("bob", "Sales"))
    result = plan(desired, account(), targets=frozenset({"ann@example.com"}))
    assert op(result, "Sales/add_group_members/1")["params"]["members"] == ["ann@example.com"]


def test_groups_not_in_manage_are_not_planned() -> None:
    desired = groups_state(person("ann", "Support"), manage=["users", "profile"])
    assert ids(plan(desired, account(member("ann", "Sales")))) == []


# -- the aspect, the read, the summary


def test_the_aspect_compares_only_the_managed_groups() -> None:
    resolver = PlanResolver((), managed_groups=("Sales", "Support"))
    live = member("ann", "Okta", "Sales", primary="Okta").spec
    assert GROUPS.same(person("ann", "Sales"), live, resolver)
    assert not GROUPS.same(person("ann", "Support"), live, resolver)
    assert not GROUPS.same(person("ann", "Sales", primary_group="Sales"), live, resolver)
    effective = GROUPS.effective(person("ann", "Support"), live, resolver)
    assert effective == {"groups": ("Okta", "Support"), "primary_group": "Okta"}
    assert GROUPS.effective(want("ann", phone=False), None, resolver) == {
        "groups": None,
        "primary_group": None,
    }
    assert GROUPS.comparable(live) == {"groups": ["Okta", "Sales"], "primary_group": "Okta"}
    # The primary group is read only for a state that names one: exported when known.
    unread = live_user("ann", groups=("Sales", "Okta"))
    assert GROUPS.export(unread, {}) == {"groups": ["Okta", "Sales"]}
    assert GROUPS.export(member("ann", "Sales"), {}) == {
        "groups": ["Sales"],
        "primary_group": "Sales",
    }


def test_export_writes_every_group_of_the_account_as_managed() -> None:
    assert account_block(account()) == {
        "groups": {"managed": ["Okta", "Sales", "Support"], "create_missing": False}
    }
    assert account_block(account(groups=())) == {}


def test_only_the_groups_named_as_primary_are_read() -> None:
    desired = groups_state(
        person("ann", "Sales", primary_group="Sales"),
        person("bob", "Support", "Sales", primary_group="Support"),
        person("cat", "Sales"),
    )
    assert primary_groups_to_read(desired) == ("Sales", "Support")
    assert primary_groups_to_read(groups_state(person("cat", "Sales"))) == ()
    unmanaged = groups_state(person("ann", "Sales", primary_group="Sales"), manage=["users"])
    assert primary_groups_to_read(unmanaged) == ()


def test_the_summary_gives_each_groups_changes() -> None:
    live = account(member("ann", "Sales"), member("bob", "Sales", "Support"))
    desired = groups_state(
        person("ann", "EMEA", primary_group="EMEA"),
        person("bob", "Support"),
        person("cat", "Sales", "EMEA"),
        create_missing=True,
    )
    assert group_summary(plan(desired, live).operations) == [
        "EMEA (new): + 2 members, primary group of 1 user",
        "Sales: + 1 member, - 2 members",
    ]


def test_a_licence_does_not_wait_for_a_removal_that_skip_removals_leaves_out() -> None:
    live = account(member("ann", "Sales", "Support"))
    desired = groups_state(want("ann", groups=("Support",)))
    got = deps(plan(desired, live))
    assert "ann@example.com/remove_group_member/Sales" not in got["ann@example.com/enable_phone"]
    skipped = plan(desired, live, skip_removals=True)
    assert "ann@example.com/enable_phone" in ids(skipped)
    assert "ann@example.com/remove_group_member/Sales" not in ids(skipped)

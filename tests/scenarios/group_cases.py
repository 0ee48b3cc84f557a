"""The user-group scenarios of issue 16, as data like the rest of `cases.py` (which appends
them to SCENARIOS): onboarding 40 users into two groups, a move, a primary group change,
a removal (and one over account.safety), invitees, an unknown group (and one created
when missing), and an identity provider's groups left alone.

The account has three groups: Sales and Support, which the states manage, and Okta-All,
which an identity provider pushes and no state lists.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.scenarios.cases import Scenario

GROUPS_SEED: Mapping[str, Any] = {
    "groups": [{"name": "Sales"}, {"name": "Support"}, {"name": "Okta-All"}],
}
MANAGED = {"groups": {"managed": ["Sales", "Support"], "create_missing": False}}
CREATE = {"groups": {"managed": ["Sales", "Support", "EMEA"], "create_missing": True}}


def member(email: str, *groups: str, primary: str | None = None, **extra: Any) -> dict[str, Any]:
    """A live (seed) user in `groups`; the first is its primary group unless `primary`."""
    name = email.split("@")[0].capitalize()
    user: dict[str, Any] = {
        "email": email,
        "first_name": name,
        "last_name": "Test",
        "type": "basic",
        "groups": list(groups),
        **extra,
    }
    if primary is not None:
        user["primary_group"] = primary
    return user


def entry(email: str, *groups: str, primary: str | None = None, **fields: str) -> str:
    """A user as the state writes it: `groups: [...]` and an optional primary group."""
    text = f"  - email: {email}\n    groups: [{', '.join(groups)}]\n"
    if primary is not None:
        text += f"    primary_group: {primary}\n"
    return text + "".join(f"    {k}: {v}\n" for k, v in fields.items())


NEW_HIRES = [f"hire{i:02d}@example.com" for i in range(40)]
# All 40 join Sales (two steps: 30, then 10); the first 15 join Support too (one step).
ONBOARDING_YAML = "".join(
    entry(email, *(["Sales", "Support"] if i < 15 else ["Sales"]))
    for i, email in enumerate(NEW_HIRES)
)

GROUP_SCENARIOS: tuple[Scenario, ...] = (
    # 40 new users into two groups: each group's members joined 30 at a time, once every
    # member is created.
    Scenario(
        name="groups_onboarding_40_users_into_two_groups",
        live_users=(),
        seed_changes=GROUPS_SEED,
        account=MANAGED,
        users_yaml=ONBOARDING_YAML,
        # Each joining step as soon as its members exist.
        operations=(
            *(f"{email}/create_user" for email in NEW_HIRES[:15]),
            "Support/add_group_members/1",
            *(f"{email}/create_user" for email in NEW_HIRES[15:30]),
            "Sales/add_group_members/1",
            *(f"{email}/create_user" for email in NEW_HIRES[30:]),
            "Sales/add_group_members/2",
        ),
    ),
    # One group for another: a move (PATCH action move), never a removal and an add.
    Scenario(
        name="groups_move_between_groups",
        live_users=(member("alice@example.com", "Sales"), member("bob@example.com", "Sales")),
        seed_changes=GROUPS_SEED,
        account=MANAGED,
        users_yaml=entry("alice@example.com", "Support") + entry("bob@example.com", "Sales"),
        operations=("alice@example.com/move_group_member/Sales/Support",),
    ),
    # The primary group: read from the member list of the group the state names, set when
    # it differs.
    Scenario(
        name="groups_primary_group_change",
        live_users=(
            member("carol@example.com", "Sales", "Support", primary="Sales"),
            member("dave@example.com", "Sales", "Support", primary="Support"),
        ),
        seed_changes=GROUPS_SEED,
        account=MANAGED,
        users_yaml=entry("carol@example.com", "Sales", "Support", primary="Support")
        + entry("dave@example.com", "Sales", "Support", primary="Support"),
        operations=("carol@example.com/set_primary_group",),
    ),
    # A group left: a removal, which counts toward account.safety ...
    Scenario(
        name="groups_removal",
        live_users=(member("erin@example.com", "Sales", "Support"),),
        seed_changes=GROUPS_SEED,
        account=MANAGED,
        users_yaml=entry("erin@example.com", "Support"),
        operations=("erin@example.com/remove_group_member/Sales",),
    ),
    # ... so a state that takes too many users out of groups is refused.
    Scenario(
        name="groups_removals_over_safety_refused",
        live_users=(
            member("erin@example.com", "Sales", "Support"),
            member("finn@example.com", "Sales", "Support"),
        ),
        seed_changes=GROUPS_SEED,
        account={**MANAGED, "safety": {"max_deletes": 1, "max_delete_percent": 100}},
        users_yaml=entry("erin@example.com", "Support") + entry("finn@example.com", "Support"),
        exit_code=1,
        stderr=(
            "takes users, licences or numbers away from 2 of 2 managed users (100.0%; steps: "
            "2 remove_group_member)",
        ),
    ),
    # Invitees: one group through PATCH group_id (the primary one first), the rest waits.
    Scenario(
        name="groups_pending_users",
        live_users=(
            member("gina@example.com", status="pending"),
            member("hugo@example.com", "Support", status="pending"),
        ),
        seed_changes=GROUPS_SEED,
        account={**MANAGED, "create_action": "create"},
        users_yaml=entry("gina@example.com", "Sales")
        + entry("hugo@example.com", "Sales")
        + entry("ivy@example.com", "Sales", "Support", primary="Support"),
        operations=(
            "Sales/add_group_members/1",
            "ivy@example.com/create_user",
            "Support/add_group_members/1",
        ),
        waiting=(
            ("hugo@example.com", "add_group_members"),
            ("hugo@example.com", "remove_group_member"),
            ("ivy@example.com", "add_group_members"),
        ),
    ),
    # A group the account does not have: an error at the line, with the account's groups.
    Scenario(
        name="groups_unknown_group_refused",
        live_users=(member("jack@example.com", "Sales"),),
        seed_changes=GROUPS_SEED,
        account={"groups": {"managed": ["Sales", "Support", "EMEA"]}},
        users_yaml=entry("jack@example.com", "Sales", "EMEA"),
        exit_code=1,
        stderr=(
            "users/people.yaml:3:21: users[0].groups[1]: unknown group 'EMEA' (the account "
            "has: Okta-All, Sales, Support): create it in Zoom, or set "
            "account.groups.create_missing",
        ),
    ),
    # ... created first with create_missing, then joined.
    Scenario(
        name="groups_created_when_missing",
        live_users=(member("jack@example.com", "Sales"),),
        seed_changes=GROUPS_SEED,
        account=CREATE,
        users_yaml=entry("jack@example.com", "Sales", "EMEA"),
        operations=("EMEA/create_group", "EMEA/add_group_members/1"),
    ),
    # An identity provider's group (Okta-All, not managed) is never touched, nor are the
    # out-of-scope members of a managed group (reported).
    Scenario(
        name="groups_idp_owned_groups_left_alone",
        live_users=(
            member("kim@example.com", "Okta-All", "Sales"),
            member("lee@example.com", "Okta-All"),
            member("pat@partner.test", "Sales"),
        ),
        seed_changes=GROUPS_SEED,
        account=MANAGED,
        users_yaml=entry("kim@example.com", "Support") + entry("lee@example.com"),
        operations=("kim@example.com/move_group_member/Sales/Support",),
        warnings=(
            "group Sales: 1 member(s) outside account.domains or protected, left in it as "
            "zoomstate never touches them: pat@partner.test",
        ),
    ),
)

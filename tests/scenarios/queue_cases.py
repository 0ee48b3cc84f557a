"""The call queue scenarios of issue 17, as data like the rest of `cases.py` (which appends
them to SCENARIOS): a member swap, a leaver who manages a queue, a replacement who joins
before the leaver leaves, and a queue its only member leaves.

The account has the call queue Support, managed by mona, with alice as member (both
phone users), and the shared line group Front Desk with bob.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.scenarios.cases import ALICE, BOB, Scenario, phone_user

MONA = phone_user("mona@example.com", 101009)
QUEUES_SEED: Mapping[str, Any] = {
    "call_queues": [
        {"name": "Support", "manager": "mona@example.com", "members": ["alice@example.com"]}
    ],
    "shared_line_groups": [{"name": "Front Desk", "members": ["bob@example.com"]}],
}


def phone_entry(email: str, extension: int, number: str, **phone: str) -> str:
    """A live phone user as the state writes it, with extra phone keys (`call_queues`)."""
    extra = "".join(f"      {k}: {v}\n" for k, v in phone.items())
    return (
        f"  - email: {email}\n    type: licensed\n    phone:\n      site: San Francisco\n"
        f"      extension: {extension}\n      calling_plans: [US/CA Unlimited]\n"
        f'      numbers: ["{number}"]\n{extra}'
    )


ALICE_IN = phone_entry("alice@example.com", 101001, "+14155550100", call_queues="[Support]")
ALICE_OUT = phone_entry("alice@example.com", 101001, "+14155550100", call_queues="[]")
BOB_JOINS = phone_entry("bob@example.com", 101002, "+14155550101", call_queues="[Support]")
NEW_HIRE = """\
  - email: nina@example.com
    type: licensed
    phone: {site: San Francisco, calling_plans: [US/CA Unlimited], call_queues: [Support]}
"""

QUEUE_SCENARIOS: tuple[Scenario, ...] = (
    # One member out of the queue (she keeps Zoom Phone), another in: the join is the
    # queue's own step, the removal the member's.
    Scenario(
        name="queue_members_swap",
        live_users=(ALICE, BOB, MONA),
        seed_changes=QUEUES_SEED,
        users_yaml=ALICE_OUT + BOB_JOINS,
        operations=(
            "Support/add_call_queue_members/1",
            "alice@example.com/remove_call_queue_member/Support",
        ),
    ),
    # A leaver who manages a queue: Zoom would refuse the delete (400 / 1000) and has no
    # API to change the manager, so the plan is refused with the queue named.
    Scenario(
        name="queue_manager_leaver_refused",
        live_users=(ALICE, BOB, MONA),
        seed_changes=QUEUES_SEED,
        users_yaml="  - email: mona@example.com\n    remove: delete\n",
        exit_code=1,
        stderr=("mona@example.com is the manager of call queue 'Support'",),
    ),
    # The queue's only member leaves while a new hire joins: the hire's membership step
    # runs before the leaver's deletion, so the queue always has someone to answer.
    Scenario(
        name="queue_replacement_before_leaver",
        live_users=(ALICE, BOB, MONA),
        seed_changes=QUEUES_SEED,
        users_yaml="  - email: alice@example.com\n    remove: delete\n" + NEW_HIRE,
        operations=(
            "nina@example.com/create_user",
            "nina@example.com/enable_phone",
            # As soon as she is a phone user (her site and plan are the phone's own steps).
            "Support/add_call_queue_members/1",
            "nina@example.com/update_phone",
            "nina@example.com/assign_calling_plan/200",
            "alice@example.com/delete_user",
        ),
    ),
    # Front Desk's only member leaves: a warning, the plan goes on.
    Scenario(
        name="queue_line_group_left_empty_warned",
        live_users=(ALICE, BOB, MONA),
        seed_changes=QUEUES_SEED,
        users_yaml="  - email: bob@example.com\n    remove: delete\n",
        operations=("bob@example.com/delete_user",),
        warnings=(
            "shared line group Front Desk: this plan leaves it with no member, so its calls "
            "ring nobody; add a replacement in the same plan (phone.shared_line_groups) or "
            "route it elsewhere in the portal",
        ),
    ),
)

__all__ = ["QUEUE_SCENARIOS"]

"""The planners of a user's parts, in the order their steps are added: a new part of a user
(user groups, call queues) is one more entry here, not another call in `user.py`. Then
the planners of steps owned by something else than a user (a group's members, added 30 at
a time), run once every user is planned, with what the users' planning gathered."""

from __future__ import annotations

from collections.abc import Callable

from zoomstate.core.builder import Builder
from zoomstate.model import UserSpec
from zoomstate.resources.contact_center import plan_contact_center
from zoomstate.resources.groups import plan_groups
from zoomstate.resources.groups_owner import plan_group_steps
from zoomstate.resources.handover import order_handover, plan_handover
from zoomstate.resources.memberships import plan_memberships
from zoomstate.resources.memberships_owner import plan_membership_steps
from zoomstate.resources.phone import plan_phone
from zoomstate.resources.role import plan_role
from zoomstate.resources.steps import UserSteps

# Each adds the steps one part of a user needs (live spec None for a user Zoom lacks).
UserPartPlanner = Callable[[UserSteps, UserSpec | None, UserSpec], None]

USER_PART_PLANNERS: tuple[UserPartPlanner, ...] = (
    plan_role,
    plan_groups,
    plan_phone,
    plan_memberships,
    plan_contact_center,
)

# Each adds the steps of owners other than users, after every user's steps.
OwnerPlanner = Callable[[Builder], None]

OWNER_PLANNERS: tuple[OwnerPlanner, ...] = (
    plan_group_steps,
    plan_membership_steps,
    # After the queues' steps: a queue its leavers leave empty is warned of unless the
    # plan adds someone to it.
    plan_handover,
)

# Each adds dependencies once the links between users (numbers, extensions, seats) are
# made, so that it can tell which steps already wait for which.
AFTER_LINKS: tuple[OwnerPlanner, ...] = (order_handover,)

__all__ = [
    "AFTER_LINKS",
    "OWNER_PLANNERS",
    "USER_PART_PLANNERS",
    "OwnerPlanner",
    "UserPartPlanner",
]

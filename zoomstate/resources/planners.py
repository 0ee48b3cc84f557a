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
from zoomstate.resources.phone import plan_phone
from zoomstate.resources.role import plan_role
from zoomstate.resources.steps import UserSteps

# Each adds the steps one part of a user needs (live spec None for a user Zoom lacks).
UserPartPlanner = Callable[[UserSteps, UserSpec | None, UserSpec], None]

USER_PART_PLANNERS: tuple[UserPartPlanner, ...] = (
    plan_role,
    plan_groups,
    plan_phone,
    plan_contact_center,
)

# Each adds the steps of owners other than users, after every user's steps.
OwnerPlanner = Callable[[Builder], None]

OWNER_PLANNERS: tuple[OwnerPlanner, ...] = (plan_group_steps,)

__all__ = ["OWNER_PLANNERS", "USER_PART_PLANNERS", "OwnerPlanner", "UserPartPlanner"]

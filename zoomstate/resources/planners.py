"""The planners of a user's parts, in the order their steps are added: a new part of a user
(user groups, call queues) is one more entry here, not another call in `user.py`."""

from __future__ import annotations

from collections.abc import Callable

from zoomstate.model import UserSpec
from zoomstate.resources.contact_center import plan_contact_center
from zoomstate.resources.phone import plan_phone
from zoomstate.resources.role import plan_role
from zoomstate.resources.steps import UserSteps

# Each adds the steps one part of a user needs (live spec None for a user Zoom lacks).
UserPartPlanner = Callable[[UserSteps, UserSpec | None, UserSpec], None]

USER_PART_PLANNERS: tuple[UserPartPlanner, ...] = (plan_role, plan_phone, plan_contact_center)

__all__ = ["USER_PART_PLANNERS", "UserPartPlanner"]

"""Every aspect of a user, in the order diff and export go through them (the order of
`model.ALL_ASPECTS`). A new aspect is one line here."""

from __future__ import annotations

from zoomstate.core.aspect import Aspect
from zoomstate.resources.contact_center import CONTACT_CENTER
from zoomstate.resources.groups import GROUPS
from zoomstate.resources.memberships import PHONE_QUEUES
from zoomstate.resources.phone import PHONE
from zoomstate.resources.role import ROLE
from zoomstate.resources.user import PROFILE, USERS

ASPECTS: tuple[Aspect, ...] = (USERS, PROFILE, ROLE, GROUPS, PHONE, PHONE_QUEUES, CONTACT_CENTER)

__all__ = ["ASPECTS"]

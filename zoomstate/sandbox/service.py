"""Zoom's behaviour over the account, as one object: `Service` combines every family's
behaviour (`families/*`), so handlers, the admin API and tests call one thing.

Each family's mixin keeps its own rules; see `families.base.ServiceBase` for what they
share (the lock discipline, the user lookup) and docs/sandbox.md for the families.
"""

from __future__ import annotations

from zoomstate.sandbox.families.base import ServiceBase, ServiceConfig
from zoomstate.sandbox.families.cc_batch import ContactCenterBatchBehaviour
from zoomstate.sandbox.families.cc_users import CC_STATUS_NAMES
from zoomstate.sandbox.families.groups import GroupsBehaviour
from zoomstate.sandbox.families.phone_numbers import PhoneNumbersBehaviour
from zoomstate.sandbox.families.phone_queues import PhoneQueuesBehaviour
from zoomstate.sandbox.families.phone_users import PhoneUsersBehaviour
from zoomstate.sandbox.families.roles import RolesBehaviour
from zoomstate.sandbox.families.users_service import UsersBehaviour

__all__ = ["CC_STATUS_NAMES", "Service", "ServiceBase", "ServiceConfig"]


class Service(
    UsersBehaviour,
    RolesBehaviour,
    PhoneUsersBehaviour,
    PhoneNumbersBehaviour,
    PhoneQueuesBehaviour,
    ContactCenterBatchBehaviour,
    GroupsBehaviour,
):
    """Every family's behaviour over one account, clock and configuration."""

"""The live account as zoomstate reads it: the same spec types the loader produces, plus
what only Zoom knows (ids, pending status, inventories of sites, plans and numbers).

Pure data: the Zoom client (`zoomstate.zoom.read`) builds it, the planner and exporter
read it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from zoomstate.core.address import (
    LICENSED_SEAT,
    PHONE_SEAT,
    Address,
    contact_center_seat,
    seat_name,
)
from zoomstate.model import UserSpec

LiveStatus = Literal["active", "inactive", "pending"]


@dataclass(frozen=True, slots=True)
class LiveUser:
    """One Zoom user. `spec` holds what the state can express, normalised (lower-cased
    e-mail, E.164 numbers, full extensions, calling plans as Zoom type codes)."""

    spec: UserSpec
    status: LiveStatus
    zoom_id: str | None
    role_id: str | None = None
    created_at: str | None = None

    @property
    def key(self) -> str:
        return self.spec.key

    def licences(self) -> tuple[Address, ...]:
        """The licences this user holds, as the seats of their pools: `seat:licensed`,
        `seat:phone` (Zoom Phone) and `seat:contact_center/<package>`: what the planner
        counts against `account.seats` and drift and export report. "Deactivating a
        user removes all licenses associated with a user" (users.json, PUT
        /users/{userId}/status): an inactive user holds none. A pending invitation holds
        its licence (Zoom's 3412 counts the Pending Users list)."""
        if self.status == "inactive":
            return ()
        held: list[Address] = []
        if self.spec.type == "licensed":
            held.append(LICENSED_SEAT)
        if self.spec.phone is not None:
            held.append(PHONE_SEAT)
        cc = self.spec.contact_center
        if cc is not None and cc.package is not None:
            held.append(contact_center_seat(cc.package))
        return tuple(held)


@dataclass(frozen=True, slots=True)
class Site:
    id: str
    name: str
    site_code: int | None = None


@dataclass(frozen=True, slots=True)
class CallingPlan:
    """An account calling plan with its seats (None where Zoom did not say)."""

    type: int
    name: str
    subscribed: int | None = None
    assigned: int | None = None
    available: int | None = None


@dataclass(frozen=True, slots=True)
class PhoneNumber:
    id: str
    number: str
    status: str | None = None
    assignee_id: str | None = None
    assignee_type: str | None = None
    site_id: str | None = None


@dataclass(frozen=True, slots=True)
class Named:
    """A template, role or user group: Zoom's id and the name a state uses."""

    id: str
    name: str


@dataclass(frozen=True, slots=True)
class PhoneMember:
    """A member of a call queue or shared line group: the Zoom user's id (the e-mail
    when the user list knows it) and, in a call queue, its level (`manager`, `user`)."""

    id: str
    email: str | None = None
    level: str = "user"


@dataclass(frozen=True, slots=True)
class PhoneGroup:
    """A call queue or shared line group with its members (users only; common areas
    are left out, the state cannot name them)."""

    id: str
    name: str
    members: tuple[PhoneMember, ...] = ()
    extension_number: int | None = None

    def manager(self) -> PhoneMember | None:
        return next((m for m in self.members if m.level == "manager"), None)


@dataclass(frozen=True, slots=True)
class Receptionist:
    """An auto receptionist and the user its calls go to as operator, if any."""

    id: str
    name: str
    operator_id: str | None = None
    operator_email: str | None = None


@dataclass(frozen=True, slots=True)
class DeskPhone:
    """A desk phone assigned to a user (unassigned with the user's Zoom Phone)."""

    id: str
    name: str
    assignee_id: str
    assignee_email: str | None = None


@dataclass(frozen=True, slots=True)
class LiveState:
    users: tuple[LiveUser, ...]
    sites: tuple[Site, ...] = ()
    calling_plans: tuple[CallingPlan, ...] = ()
    numbers: tuple[PhoneNumber, ...] = ()
    templates: tuple[Named, ...] = ()
    roles: tuple[Named, ...] = ()
    contact_center_roles: tuple[Named, ...] = ()
    # The account's user groups; a user's `spec.groups` is None when the account has none.
    groups: tuple[Named, ...] = ()
    # Read only when a plan needs them (memberships managed, or someone leaving): None
    # when not read, so "not read" is never taken for "none".
    call_queues: tuple[PhoneGroup, ...] | None = None
    shared_line_groups: tuple[PhoneGroup, ...] | None = None
    receptionists: tuple[Receptionist, ...] | None = None
    desk_phones: tuple[DeskPhone, ...] | None = None
    phone_enabled: bool = True
    contact_center_enabled: bool = True
    warnings: tuple[str, ...] = ()
    account_id: str | None = None  # the account the credentials reach
    _by_key: Mapping[str, LiveUser] = field(default_factory=dict, compare=False, repr=False)

    def owner(self) -> str | None:
        """The e-mail of the account's owner (role id 0 in Zoom's user list), if read."""
        return min((u.key for u in self.users if u.role_id == "0"), default=None)

    def seats_in_use(self) -> Counter[str]:
        """The licences the users hold (`LiveUser.licences`), counted as drift shows and
        export notes them: `licensed`, `phone` and each Contact Center package by name."""
        return Counter(seat_name(seat) for u in self.users for seat in u.licences())

    def by_key(self) -> Mapping[str, LiveUser]:
        if not self._by_key:
            object.__setattr__(self, "_by_key", {u.key: u for u in self.users})
        return self._by_key


__all__ = [
    "CallingPlan",
    "DeskPhone",
    "LiveState",
    "LiveStatus",
    "LiveUser",
    "Named",
    "PhoneGroup",
    "PhoneMember",
    "PhoneNumber",
    "Receptionist",
    "Site",
]

"""The live account as zoomstate reads it: the same spec types the loader produces, plus
what only Zoom knows (ids, pending status, inventories of sites, plans and numbers).

Pure data: the Zoom client (`zoomstate.zoom.read`) builds it, the planner and exporter
read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

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
    phone_enabled: bool = True
    contact_center_enabled: bool = True
    warnings: tuple[str, ...] = ()
    account_id: str | None = None  # the account the credentials reach
    _by_key: Mapping[str, LiveUser] = field(default_factory=dict, compare=False, repr=False)

    def owner(self) -> str | None:
        """The e-mail of the account's owner (role id 0 in Zoom's user list), if read."""
        return min((u.key for u in self.users if u.role_id == "0"), default=None)

    def by_key(self) -> Mapping[str, LiveUser]:
        if not self._by_key:
            object.__setattr__(self, "_by_key", {u.key: u for u in self.users})
        return self._by_key


__all__ = ["CallingPlan", "LiveState", "LiveStatus", "LiveUser", "Named", "PhoneNumber", "Site"]

"""The sandbox's records: plain dataclasses for the account, its sites, plans, numbers,
templates, roles, user groups and users, and the per-user slices other families hang off a
user (phone, Contact Center). Behaviour is in `families/`; the indices over these records
in `store.py`.

`plain`/`build` turn records into the JSON of the sandbox file and back (persistence.py).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, TypeVar

__all__ = [
    "ADMIN_ROLE_ID",
    "MEMBER_ROLE_ID",
    "OWNER_ROLE_ID",
    "USER_PARTS",
    "AccountInfo",
    "AutoReceptionist",
    "CCPackage",
    "CCProfile",
    "CCRole",
    "CallQueue",
    "CallingPlan",
    "DeskPhone",
    "Group",
    "PhoneNumber",
    "PhoneProfile",
    "Role",
    "Seats",
    "SettingTemplate",
    "SharedLineGroup",
    "Site",
    "User",
    "build",
    "default_plan_countries",
    "number_country",
    "plain",
    "region_of",
]

T = TypeVar("T")

OWNER_ROLE_ID = "0"
ADMIN_ROLE_ID = "1"
MEMBER_ROLE_ID = "2"

# Calling-plan type codes end in a region digit (D:phone-calling-plans: 100 US/CA metered,
# 102 GB/IE metered, 200 US/CA unlimited, ...); a direct number needs a plan of its region.
REGION_COUNTRIES: dict[int, list[str]] = {
    0: ["US", "CA"],
    1: ["AU", "NZ"],
    2: ["GB", "IE"],
    3: ["EURA"],
    4: ["EURB"],
    7: ["JP"],
}


def default_plan_countries(plan_type: int) -> list[str]:
    if 100 <= plan_type <= 207 or 300 <= plan_type <= 307:
        return list(REGION_COUNTRIES.get(plan_type % 100, []))
    if 30000 <= plan_type <= 31007:
        return list(REGION_COUNTRIES.get(plan_type % 1000, []))
    return []


# E.164 calling-code prefixes of the countries the region table names; longest prefix wins.
_COUNTRY_BY_PREFIX: dict[str, str] = {
    "1": "US",
    "44": "GB",
    "353": "IE",
    "61": "AU",
    "64": "NZ",
    "81": "JP",
}


def number_country(e164: str) -> str:
    digits = e164.lstrip("+")
    for n in (3, 2, 1):
        country = _COUNTRY_BY_PREFIX.get(digits[:n])
        if country is not None:
            return country
    return ""


def region_of(country: str) -> str:
    """US and CA share a plan region, as do GB and IE: compare regions, not countries."""
    for countries in REGION_COUNTRIES.values():
        if country in countries:
            return countries[0]
    return country


@dataclass(slots=True)
class AccountInfo:
    account_id: str = "sandbox-account"
    account_number: int = 10000001
    tier: str = "business"
    managed_domains: list[str] = field(default_factory=list)
    # E-mails that already own a personal Zoom account: `ssoCreate` leaves them pending
    # (REFERENCE §7.3).
    personal_account_emails: list[str] = field(default_factory=list)
    default_site_id: str | None = None
    # Contact Center's region: one per account here (Zoom calls the default one "Main").
    cc_region_id: str = ""
    cc_region_name: str = "Main"


@dataclass(slots=True)
class Seats:
    """Licence pools; `None` means unlimited."""

    licensed: int | None = None
    basic: int | None = None
    zoom_phone: int | None = None


@dataclass(slots=True)
class Site:
    id: str
    name: str
    site_code: int
    country_code: str = "US"
    country_name: str = "United States"
    extension_start: int = 1000
    # Where the next automatic extension search starts, so auto-assignment stays O(1)
    # amortised on large accounts. Not persisted: recomputed lazily.
    next_short: int = 0


@dataclass(slots=True)
class CallingPlan:
    type: int
    name: str
    subscribed: int
    countries: list[str] = field(default_factory=list)
    assigned: int = 0  # counter, recomputed on load

    @property
    def available(self) -> int:
        return max(self.subscribed - self.assigned, 0)


# Who else than a user holds a number, as GET /phone/numbers names them (`assignee.type`,
# the `extension_type` filter) [P GET /phone/numbers params and resp200].
NON_USER_HOLDERS = (
    "callQueue",
    "autoReceptionist",
    "commonArea",
    "emergencyNumberPool",
    "companyLocation",
    "meetingService",
)
EXTENSION_TYPES = ("user", *NON_USER_HOLDERS)


@dataclass(slots=True)
class PhoneNumber:
    id: str
    number: str  # E.164 with "+"
    site_id: str | None
    assignee: str | None = None  # user id
    number_type: str = "toll"
    location: str = ""
    display_name: str = ""
    # Held by something else than a user (a call queue, an auto receptionist...): set by
    # the seed, never by the API the sandbox emulates; `holder_type` is Zoom's
    # `extension_type` for it.
    holder_type: str | None = None
    holder_id: str = ""
    holder_name: str = ""

    @property
    def held(self) -> bool:
        """Assigned to a user or held by something else: not free to assign."""
        return self.assignee is not None or self.holder_type is not None


@dataclass(slots=True)
class SettingTemplate:
    id: str
    name: str
    type: str = "user"
    description: str = ""
    site_id: str | None = None


@dataclass(slots=True)
class Role:
    id: str
    name: str
    description: str = ""
    type: str = "common"


@dataclass(slots=True)
class Group:
    """A user group. Its members are the users whose `group_ids` name it."""

    id: str
    name: str
    created_at: float
    seq: int  # the listing order: creation order


@dataclass(slots=True)
class CallQueue:
    """A Zoom Phone call queue. Its members are phone users, by Zoom user id, in the order
    they joined; the manager is one of them ("There can only be one manager for each call
    queue" [P GET /phone/call_queues/{callQueueId} members.users.level])."""

    id: str
    name: str
    extension_id: str
    extension_number: int
    site_id: str
    seq: int  # the listing order: creation order
    member_ids: list[str] = field(default_factory=list)
    manager_id: str = ""


@dataclass(slots=True)
class SharedLineGroup:
    """A Zoom Phone shared line group; members by Zoom user id, in the order they joined."""

    id: str
    display_name: str
    extension_id: str
    extension_number: int
    site_id: str
    seq: int
    member_ids: list[str] = field(default_factory=list)


@dataclass(slots=True)
class AutoReceptionist:
    """A Zoom Phone auto receptionist; its operator is a phone user (Zoom user id, "" for
    none) that business hours route to [P GET /phone/extension/{extensionId}/
    call_handling/settings business_hours.settings.routing.operator]."""

    id: str
    name: str
    extension_id: str
    extension_number: int
    site_id: str
    seq: int
    operator_id: str = ""


@dataclass(slots=True)
class DeskPhone:
    """A desk phone (`GET /phone/devices`); its assignee a phone user's Zoom user id, ""
    when unassigned."""

    id: str
    display_name: str
    mac_address: str
    device_type: str
    seq: int
    assignee_id: str = ""


@dataclass(slots=True)
class CCRole:
    id: str
    name: str
    description: str = ""


@dataclass(slots=True)
class CCPackage:
    name: str
    seats: int
    assigned: int = 0  # counter, recomputed on load


@dataclass(slots=True)
class PhoneProfile:
    phone_user_id: str
    extension_id: str
    extension_number: int
    site_id: str
    calling_plans: list[int] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)  # phone number ids
    template_id: str | None = None
    appears_at: float = 0.0


@dataclass(slots=True)
class CCProfile:
    role_id: str
    package_name: str | None
    user_access: str = "active"
    add_ons_plan: list[str] = field(default_factory=list)
    region_id: str = ""
    country_iso_code: str = ""
    client_integration: str = "Default"
    status_id: str = "0"
    modified_at: float = 0.0


@dataclass(slots=True)
class User:
    id: str
    email: str
    first_name: str
    last_name: str
    type: int
    status: str  # active | inactive | pending
    created_at: float
    seq: int
    display_name: str = ""
    role_id: str = MEMBER_ROLE_ID
    dept: str = ""
    job_title: str = ""
    cost_center: str = ""
    location: str = ""
    manager: str = ""
    company: str = ""
    timezone: str = ""
    language: str = "en-US"
    pmi: int = 0
    create_action: str = "create"
    invited_at: float | None = None
    zoom_phone: bool = False
    # `feature.zoom_phone` asked for while pending: applied at activation.
    phone_on_activation: bool = False
    phone: PhoneProfile | None = None
    cc: CCProfile | None = None
    email_changes: list[float] = field(default_factory=list)
    # What deletions handed to this user (`transfer_email` and `transfer_*` of DELETE
    # /users/{userId}): one {"from", "from_id", "action", "items", "at"} per deletion. The
    # sandbox keeps no meetings or recordings; this is what tests and admins can check.
    received: list[dict[str, Any]] = field(default_factory=list)
    # The user's groups in the order it joined them, and its primary group (Zoom: "By
    # default, the primary group is the first group that user is added to"); "" when in none.
    group_ids: list[str] = field(default_factory=list)
    primary_group_id: str = ""

    def full_name(self) -> str:
        return self.display_name or f"{self.first_name} {self.last_name}".strip()


# The per-user slices other families keep on the user record, by field name: saved nested
# in the user's JSON object and rebuilt as these records on load. A family that keeps
# something per user adds its field to `User` and its record here.
USER_PARTS: dict[str, type] = {"phone": PhoneProfile, "cc": CCProfile}

_COUNTERS = {"assigned", "next_short"}  # derived, rebuilt on load
_FIELD_CACHE: dict[type, tuple[str, ...]] = {}


def _names(cls: type) -> tuple[str, ...]:
    names = _FIELD_CACHE.get(cls)
    if names is None:
        names = tuple(f.name for f in dataclasses.fields(cls) if f.name not in _COUNTERS)
        _FIELD_CACHE[cls] = names
    return names


def plain(obj: Any) -> dict[str, Any]:
    """A record as the sandbox file stores it: its fields in declaration order, counters
    left out (they are recounted on load)."""
    out: dict[str, Any] = {}
    for name in _names(type(obj)):
        value = getattr(obj, name)
        if isinstance(value, list):
            value = list(value)
        elif isinstance(value, PhoneProfile | CCProfile):
            value = plain(value)
        out[name] = value
    return out


def build(cls: type[T], data: dict[str, Any]) -> T:
    """The record of `cls` from its stored fields; unknown keys are ignored."""
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    return cls(**{k: v for k, v in data.items() if k in names})

"""The state model: what a Zoom account should look like (desired) or does look like (live).

Every spec is a frozen pydantic model that forbids unknown keys, so a typo in YAML is an
error with a location rather than a silently ignored field. The identity of a user is the
lower-cased e-mail (Zoom's cross-product identifier); `id` only helps recognise an e-mail
change.

Absence means "not managed": a scalar field left out of a user is left as Zoom has it.
The blocks `phone` and `contact_center` are the exception: when the aspect is managed,
an absent block means "no such licence" (see docs/state-format.md). `groups` is a set:
absent leaves the user's groups as they are, `[]` takes the user out of every managed one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Literal

from pydantic import Field, StrictBool, StrictInt

from zoomstate.fields import (
    E164_RE,
    TEXT_MAX,
    CallingPlanRef,
    Domain,
    Email,
    JobTitle,
    Name,
    PhoneNumber,
    SiteName,
    Text,
)
from zoomstate.fields import Spec as _Spec
from zoomstate.resources.contact_center_spec import (
    ContactCenterAccess,
    ContactCenterEntry,
    ContactCenterPackage,
    ContactCenterSpec,
)
from zoomstate.resources.groups_spec import GroupName, GroupsPolicy
from zoomstate.resources.leaver_spec import DEFAULT_TRANSFER, RemoveAction, Transfer
from zoomstate.resources.phone_spec import PhoneSpec

Aspect = Literal["users", "profile", "role", "groups", "phone", "phone_queues", "contact_center"]
ALL_ASPECTS: tuple[Aspect, ...] = (
    "users",
    "profile",
    "role",
    "groups",
    "phone",
    "phone_queues",
    "contact_center",
)
UserType = Literal["basic", "licensed", "none"]
# Zoom's `type` codes: 1 Basic, 2 Licensed, 4 "Unassigned without Meetings Basic".
USER_TYPE_CODES: Mapping[UserType, int] = {"basic": 1, "licensed": 2, "none": 4}
UserStatus = Literal["active", "inactive"]
CreateAction = Literal["create", "autoCreate", "custCreate", "ssoCreate"]
MissingUserPolicy = Literal["ignore", "report", "deactivate", "disassociate", "delete"]
RateLimitTier = Literal["pro", "business"]


# A leaver's entry (users only, never a profile): how the user leaves, and who gets
# what a deletion hands over.
Remove = Annotated[
    RemoveAction | None,
    Field(
        description="How this user leaves, whatever account.on_missing_user says: "
        "deactivate, disassociate or delete. The entry stays as the record."
    ),
]
TransferTo = Annotated[
    Email | None,
    Field(description="With remove: delete, who receives what account.transfer lists."),
]


class _PersonFields(_Spec):
    first_name: Name | None = None
    last_name: Name | None = None
    department: Text | None = None
    job_title: JobTitle | None = None
    type: UserType | None = Field(
        None, description="basic (1), licensed (2) or none (4); new users default to basic."
    )
    role: Text | None = Field(None, description="An account role name (Owner, Admin, Member...).")
    status: UserStatus | None = Field(None, description="active or inactive; default active.")
    groups: tuple[GroupName, ...] | None = Field(
        None,
        description="The exact set of the user's groups among account.groups.managed; "
        "absent = leave as is, [] = in none of them.",
    )
    primary_group: GroupName | None = Field(
        None, description="The user's primary group: one of its groups; absent = leave as is."
    )
    phone: PhoneSpec | None = None


class _UserFields(_PersonFields):
    contact_center: ContactCenterSpec | None = None


class ProfileSpec(_UserFields):
    """A named bundle of user fields (a new-hire template)."""


class UserSpec(_UserFields):
    """One user as the state wants it, after its profile has been merged in."""

    email: Email
    id: Text | None = Field(None, description="Zoom's user id; lets an e-mail change be seen.")
    profile: Text | None = Field(None, description="The profile merged into this user.")
    remove: Remove = None
    transfer_to: TransferTo = None

    @property
    def key(self) -> str:
        return self.email.lower()


class SeatCounts(_Spec):
    """Licences the account owns that Zoom does not count through the API.

    A count left out is not checked, and plan warns about it; a count written as `null`
    (what `export` writes, since Zoom does not say) is not checked either, on purpose,
    so it does not warn."""

    licensed: StrictInt | None = Field(None, ge=0)
    phone: StrictInt | None = Field(
        None, ge=0, description="Zoom Phone licences the account owns (users with Zoom Phone)."
    )
    contact_center: dict[ContactCenterPackage, Annotated[int, Field(ge=0)] | None] = Field(
        default_factory=dict
    )

    def unstated(self, name: str) -> bool:
        """A count left out (not written as null): plan says it is not checked."""
        return name not in self.model_fields_set


class SafetyLimits(_Spec):
    """How much one plan may remove before it needs --force."""

    max_deletes: StrictInt = Field(10, ge=0)
    max_delete_percent: float = Field(10.0, ge=0, le=100)


class AccountPolicy(_Spec):
    """What zoomstate may touch in the account, and how carefully."""

    domains: tuple[Domain, ...] = Field(min_length=1)
    manage: tuple[Aspect, ...] = ALL_ASPECTS
    create_action: CreateAction = "create"
    on_missing_user: MissingUserPolicy = "report"
    transfer_to: Email | None = None
    transfer: Transfer = DEFAULT_TRANSFER
    protected: tuple[Email, ...] = ()
    allow_data_loss: StrictBool = False
    seats: SeatCounts = Field(default_factory=SeatCounts)
    safety: SafetyLimits = Field(default_factory=SafetyLimits)
    groups: GroupsPolicy = Field(default_factory=GroupsPolicy)
    rate_limits: RateLimitTier = "pro"
    allow_mixed_script_emails: StrictBool = Field(
        False,
        description="Accept e-mails whose local part or domain mixes scripts (Latin with "
        "Cyrillic...); off, such a look-alike address is an error.",
    )

    def in_scope(self, email: str) -> bool:
        domain = email.rsplit("@", 1)[-1].lower()
        return domain in self.domains

    def is_protected(self, email: str) -> bool:
        return email.lower() in {p.lower() for p in self.protected}


class UserEntry(_PersonFields):
    """One user as written in a file, before its profile is merged in (for the JSON Schema:
    a block there may leave out what the profile gives, such as a Contact Center role)."""

    contact_center: ContactCenterEntry | None = None
    email: Email
    id: Text | None = Field(None, description="Zoom's user id; lets an e-mail change be seen.")
    profile: Text | None = Field(None, description="The profile merged into this user.")
    remove: Remove = None
    transfer_to: TransferTo = None


class StateFile(_Spec):
    """One YAML file of a state directory; every key is optional, `account` once per state.

    This is the shape of a file (users before the profile merge); the loader validates the
    merged users against `UserSpec`."""

    account: AccountPolicy | None = None
    profiles: dict[str, ProfileSpec] | None = None
    users: list[UserEntry] | None = None


@dataclass(frozen=True, slots=True)
class Origin:
    """Where something was written: used to point plan-time problems back at the YAML."""

    file: str
    line: int
    col: int
    path: str


@dataclass(frozen=True, slots=True)
class DesiredState:
    """The whole state directory, loaded, merged and validated."""

    account: AccountPolicy
    users: tuple[UserSpec, ...]
    profiles: Mapping[str, ProfileSpec] = field(default_factory=dict)
    origins: Mapping[str, Origin] = field(default_factory=dict)
    # The file each profile is written in: a plan-time problem with a value the profile
    # gives is reported once, there (zoomstate.io.locate.pinpoint).
    profile_files: Mapping[str, str] = field(default_factory=dict)
    # Where the account block is: plan-time problems with account fields (transfer_to).
    account_origin: Origin | None = None

    def by_key(self) -> dict[str, UserSpec]:
        return {u.key: u for u in self.users}


__all__ = [
    "ALL_ASPECTS",
    "E164_RE",
    "TEXT_MAX",
    "USER_TYPE_CODES",
    "AccountPolicy",
    "Aspect",
    "CallingPlanRef",
    "ContactCenterAccess",
    "ContactCenterEntry",
    "ContactCenterPackage",
    "ContactCenterSpec",
    "DesiredState",
    "Domain",
    "Email",
    "GroupName",
    "GroupsPolicy",
    "JobTitle",
    "Name",
    "Origin",
    "PhoneNumber",
    "PhoneSpec",
    "ProfileSpec",
    "SafetyLimits",
    "SeatCounts",
    "SiteName",
    "StateFile",
    "Text",
    "UserEntry",
    "UserSpec",
]

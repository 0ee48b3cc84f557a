"""The state model: what a Zoom account should look like (desired) or does look like (live).

Every spec is a frozen pydantic model that forbids unknown keys, so a typo in YAML is an
error with a location rather than a silently ignored field. The identity of a user is the
lower-cased e-mail (Zoom's cross-product identifier); `id` only helps recognise an e-mail
change.

Absence means "not managed": a scalar field left out of a user is left as Zoom has it.
The blocks `phone` and `contact_center` are the exception: when the aspect is managed,
an absent block means "no such licence" (see docs/state-format.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StrictInt

from zoomstate.emails import email_problem

Aspect = Literal["users", "profile", "role", "phone", "contact_center"]
ALL_ASPECTS: tuple[Aspect, ...] = ("users", "profile", "role", "phone", "contact_center")
UserType = Literal["basic", "licensed", "none"]
# Zoom's `type` codes: 1 Basic, 2 Licensed, 4 "Unassigned without Meetings Basic".
USER_TYPE_CODES: Mapping[UserType, int] = {"basic": 1, "licensed": 2, "none": 4}
UserStatus = Literal["active", "inactive"]
CreateAction = Literal["create", "autoCreate", "custCreate", "ssoCreate"]
MissingUserPolicy = Literal["ignore", "report", "deactivate", "disassociate", "delete"]
ContactCenterPackage = Literal["essentials", "premium", "elite"]
ContactCenterAccess = Literal["active", "inactive"]
RateLimitTier = Literal["pro", "business"]

_DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
# E.164: a plus sign, a country code that does not start with 0, at most 15 digits in all.
E164_RE = re.compile(r"^\+[1-9][0-9]{1,14}$")


def _check_email(value: str) -> str:
    problem = email_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


def _check_domain(value: str) -> str:
    lowered = value.lower()
    if not _DOMAIN_RE.match(lowered):
        raise ValueError(f"not a domain name: {value!r}")
    return lowered


_SCIENTIFIC_RE = re.compile(r"^[0-9](\.[0-9]+)?[eE]\+?[0-9]+$")


def _check_e164(value: str) -> str:
    if E164_RE.match(value):
        return value
    problem = f"phone number {value!r} is not in E.164 form (+, country code, digits only)"
    digits = re.sub(r"[\s().-]", "", value)
    if _SCIENTIFIC_RE.match(value.strip()):
        raise ValueError(
            f"phone number {value!r} is in scientific notation, so its last digits are lost "
            "(a spreadsheet did this): write the whole number, like '+14155550100'"
        )
    if E164_RE.match(digits):
        raise ValueError(f"{problem}: write it as {digits!r}")
    if digits.startswith("00") and E164_RE.match("+" + digits[2:]):
        raise ValueError(f"{problem}: write it as {'+' + digits[2:]!r} ('+' replaces 00)")
    if digits.isdigit():
        raise ValueError(f"{problem}: it lacks the '+' and country code")
    raise ValueError(problem)


Email = Annotated[str, Field(min_length=3), AfterValidator(_check_email)]
Domain = Annotated[str, AfterValidator(_check_domain)]
PhoneNumber = Annotated[str, AfterValidator(_check_e164)]
# Zoom's text limits (docs/state-format.md#lengths): maxLength in the users API's
# POST /users and PATCH /users/{userId} bodies, and in POST /phone/sites for a site name;
# where the specs give none, TEXT_MAX (a bound so no megabyte value reaches Zoom).
TEXT_MAX = 256
Name = Annotated[str, Field(max_length=64)]
JobTitle = Annotated[str, Field(max_length=128)]
SiteName = Annotated[str, Field(max_length=255)]
Text = Annotated[str, Field(max_length=TEXT_MAX)]
# A calling plan is named as in Zoom ("US/CA Unlimited") or by its type code (200).
CallingPlanRef = StrictInt | Annotated[str, Field(min_length=1, max_length=TEXT_MAX)]


class _Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=False)


class PhoneSpec(_Spec):
    """A user's Zoom Phone: present means the user holds a Zoom Phone licence."""

    site: SiteName | None = Field(None, description="Site name; absent = leave as Zoom has it.")
    extension: StrictInt | None = Field(
        None,
        ge=1,
        description="The full extension (site code + short extension); absent = Zoom picks.",
    )
    calling_plans: tuple[CallingPlanRef, ...] = Field(
        (), description="The exact set of calling plans, by name or Zoom type code."
    )
    numbers: tuple[PhoneNumber, ...] = Field(
        (), description='The exact set of direct numbers, in E.164 ("+14155550100").'
    )
    template: Text | None = Field(
        None, description="Phone setting template; applied, never read back."
    )


class ContactCenterSpec(_Spec):
    """A user's Contact Center profile: present means the user holds a Contact Center seat."""

    package: ContactCenterPackage | None = Field(None, description="The Contact Center licence.")
    role: str = Field(
        min_length=1, max_length=TEXT_MAX, description="A Contact Center role name, e.g. Agent."
    )
    access: ContactCenterAccess = Field("active", description="Zoom's user_access.")


class ContactCenterEntry(_Spec):
    """A Contact Center block as written on a user: any key may come from the profile."""

    package: ContactCenterPackage | None = Field(None, description="The Contact Center licence.")
    role: str | None = Field(
        None,
        min_length=1,
        max_length=TEXT_MAX,
        description="A Contact Center role name, e.g. Agent; required unless the profile has one.",
    )
    access: ContactCenterAccess | None = Field(None, description="Zoom's user_access.")


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

    @property
    def key(self) -> str:
        return self.email.lower()


class SeatCounts(_Spec):
    """Licences the account owns that Zoom does not count through the API."""

    licensed: StrictInt | None = Field(None, ge=0)
    contact_center: dict[ContactCenterPackage, Annotated[int, Field(ge=0)]] = Field(
        default_factory=dict
    )


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
    protected: tuple[Email, ...] = ()
    allow_data_loss: StrictBool = False
    seats: SeatCounts = Field(default_factory=SeatCounts)
    safety: SafetyLimits = Field(default_factory=SafetyLimits)
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

    def by_key(self) -> dict[str, UserSpec]:
        return {u.key: u for u in self.users}


__all__ = [
    "ALL_ASPECTS",
    "E164_RE",
    "USER_TYPE_CODES",
    "AccountPolicy",
    "Aspect",
    "ContactCenterEntry",
    "ContactCenterSpec",
    "DesiredState",
    "Origin",
    "PhoneSpec",
    "ProfileSpec",
    "SafetyLimits",
    "SeatCounts",
    "StateFile",
    "UserEntry",
    "UserSpec",
]

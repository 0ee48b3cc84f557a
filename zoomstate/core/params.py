"""The typed params of each operation kind: what apply sends, as a frozen record.

A record serialises (`dump`) to exactly the `params` object of the plan file: a field is
in it when it was given, whatever its value (`delete_user` of an invitation carries
`"action": null`), and absent when it was not (`update_phone` names only what changes).
Fields are declared in the order the planner gives them, so a plan read back from its
file carries the same params, in the same order, as the plan that was made.

Validation is strict (no coercion): a plan file is a contract, and "1" is not 1. A field
that may be left out takes None when it is (apply reads None and absent alike).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from zoomstate.core.aspect import JsonValue
from zoomstate.model import ContactCenterAccess, ContactCenterPackage, CreateAction
from zoomstate.resources.leaver_spec import TransferItem


class Params(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    def dump(self) -> dict[str, JsonValue]:
        """The params as the plan file holds them: the fields that were given."""
        return self.model_dump(exclude_unset=True)


class NoParams(Params):
    """A step that needs nothing but its user."""


# -- users


class CreateUser(Params):
    action: CreateAction
    email: str
    type: int
    first_name: str | None = None
    last_name: str | None = None
    department: str | None = None
    job_title: str | None = None


class UserFields(Params):
    first_name: str | None = None
    last_name: str | None = None
    department: str | None = None
    type: int | None = None


class UpdateUser(Params):
    fields: UserFields


class ChangeEmail(Params):
    email: str


class DeleteUser(Params):
    # None: a pending invitation, revoked with a bare DELETE.
    action: Literal["disassociate", "delete"] | None
    transfer_email: str | None = None
    # What the transfer hands over (account.transfer); absent: meetings, webinars and
    # recordings, as every plan before account.transfer meant.
    transfer: list[TransferItem] | None = None


class AssignRole(Params):
    role_id: str
    role: str


# -- Zoom Phone


class UpdatePhone(Params):
    site_id: str | None = None
    site: str | None = None
    extension: int | None = None
    template_id: str | None = None
    template: str | None = None


class AddPhoneUser(Params):
    """A new phone user with everything `POST /phone/users/batch` sets in one call: the
    site (by name), the extension (the full one, as the state has it, and the short one the
    batch takes), calling plans (codes, and the names the batch takes), numbers and the
    setting template (by name)."""

    site_id: str | None = None
    site: str | None = None
    extension: int
    short_extension: str
    calling_plans: list[int]
    plan_names: list[str]
    numbers: list[str]
    template: str | None = None


class CallingPlanType(Params):
    type: int


class SwitchCallingPlan(Params):
    source_type: int
    target_type: int


class PhoneNumber(Params):
    number: str


# -- Contact Center


class CreateContactCenterUser(Params):
    package: ContactCenterPackage | None
    role_id: str
    access: ContactCenterAccess


class UpdateContactCenterUser(Params):
    package: ContactCenterPackage | None = None
    role_id: str | None = None
    access: ContactCenterAccess | None = None


# -- user groups (a group's id is None when this plan creates the group: apply takes the
# id `create_group` got)


class CreateGroup(Params):
    name: str


class GroupMembers(Params):
    group_id: str | None
    group: str
    # Active users, added in one POST /groups/{groupId}/members (at most 30).
    members: list[str]
    # Pending users, each put in the group with PATCH /users/{userId} group_id.
    pending: list[str] | None = None


class PhoneGroupMembers(Params):
    """Users joining a call queue or shared line group in one `POST .../members`."""

    group_id: str
    name: str
    members: list[str]


class PhoneGroupMember(Params):
    """A user leaving a call queue or shared line group (`DELETE .../members/{id}`)."""

    group_id: str
    name: str


class MoveGroupMember(Params):
    group_id: str
    group: str
    target_group_id: str | None
    target: str


class GroupMember(Params):
    group_id: str | None
    group: str

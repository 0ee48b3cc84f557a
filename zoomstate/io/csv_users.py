"""The users file of User Management > Users (import and export): its columns, and one row
as the fields of a user. Which columns Zoom writes, and where that is documented, is in
`zoomstate.io.importcsv`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from zoomstate.fields import TEXT_MAX
from zoomstate.io.csv_reader import EMAIL_ALIASES, aliases, norm
from zoomstate.resources.groups_rules import membership_problems

USERS_COLUMNS: Mapping[str, str] = {
    **EMAIL_ALIASES,
    **aliases("first_name", "First Name", "FirstName", "Given Name"),
    **aliases("last_name", "Last Name", "LastName", "Surname", "Family Name"),
    **aliases("department", "Department", "Dept"),
    **aliases("job_title", "Job Title", "Title"),
    **aliases("type", "User Type", "License Type", "Type"),
    **aliases("role", "Role", "User Role", "Role Name"),
    # One group a cell: the portal's sample has one User Group column, and a group's name
    # may hold any separator.
    **aliases("groups", "User Group", "User Groups", "Group Name"),
}

# A users file has an e-mail and at least one of these.
USERS_MARKERS = frozenset({"first_name", "last_name", "department", "job_title", "type"})

# Zoom's labels for a user's licence type, in the portal, its exports and its API
# (1 Basic, 2 Licensed, 4 "Unassigned without Meetings Basic"). Pro is the pre-2020
# name of Licensed.
USER_TYPES: Mapping[str, str] = {
    **{norm(k): "basic" for k in ("Basic", "1", "Zoom Meetings Basic", "Meetings Basic")},
    **{norm(k): "licensed" for k in ("Licensed", "2", "Pro")},
    **{
        norm(k): "none"
        for k in (
            "None",
            "4",
            "Unassigned",
            "Unassigned without Meetings Basic",
            "No Meetings License",
            "No Meetings Licence",
            "No Meeting License",
            "Without Meetings License",
        )
    },
}
# On-prem (type 3, "Corp") is a type Zoom retired; the state format has no value for it.
_RETIRED_TYPES = frozenset(norm(k) for k in ("On-Prem", "On Prem", "Corp", "3"))


def users_fields(get: Callable[[str], str]) -> tuple[dict[str, Any], list[str]]:
    """The user fields of one row (`get` reads a field's cell, "" when absent), and what
    is wrong with them."""
    fields: dict[str, Any] = {}
    errors: list[str] = []
    for f in ("first_name", "last_name", "department", "job_title", "role"):
        value = get(f)
        if not value:
            continue
        if f in ("first_name", "last_name") and len(value) > 64:
            label = f.replace("_", " ")
            errors.append(f"{label} has {len(value)} characters; Zoom allows 64")
        fields[f] = value
    group = get("groups")
    if group and len(group) > TEXT_MAX:
        errors.append(f"user group has {len(group):,} characters; at most {TEXT_MAX}")
    elif group:
        fields["groups"] = [group]
        errors += [message for _, message in membership_problems(fields["groups"], None, None)]
    label = get("type")
    if label:
        kind = USER_TYPES.get(norm(label))
        if kind is not None:
            fields["type"] = kind
        elif norm(label) in _RETIRED_TYPES:
            errors.append(
                f"user type {label!r} is Zoom's retired on-prem type, which zoomstate does "
                "not support"
            )
        else:
            errors.append(
                f"unknown user type {label!r} (expected Basic, Licensed, or "
                "Unassigned / No Meetings License)"
            )
    return fields, errors


__all__ = ["USERS_COLUMNS", "USERS_MARKERS", "USER_TYPES", "users_fields"]

"""The Contact Center block of a user: the spec after the profile merge, and the entry as
written in a file (where the profile may give any key)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from zoomstate.fields import TEXT_MAX, Spec

ContactCenterPackage = Literal["essentials", "premium", "elite"]
ContactCenterAccess = Literal["active", "inactive"]


class ContactCenterSpec(Spec):
    """A user's Contact Center profile: present means the user holds a Contact Center seat."""

    package: ContactCenterPackage | None = Field(None, description="The Contact Center licence.")
    role: str = Field(
        min_length=1, max_length=TEXT_MAX, description="A Contact Center role name, e.g. Agent."
    )
    access: ContactCenterAccess = Field("active", description="Zoom's user_access.")


class ContactCenterEntry(Spec):
    """A Contact Center block as written on a user: any key may come from the profile."""

    package: ContactCenterPackage | None = Field(None, description="The Contact Center licence.")
    role: str | None = Field(
        None,
        min_length=1,
        max_length=TEXT_MAX,
        description="A Contact Center role name, e.g. Agent; required unless the profile has one.",
    )
    access: ContactCenterAccess | None = Field(None, description="Zoom's user_access.")


__all__ = [
    "ContactCenterAccess",
    "ContactCenterEntry",
    "ContactCenterPackage",
    "ContactCenterSpec",
]

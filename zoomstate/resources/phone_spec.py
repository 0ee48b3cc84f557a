"""The Zoom Phone block of a user, as the state writes it (and as the live account is read)."""

from __future__ import annotations

from pydantic import Field, StrictInt

from zoomstate.fields import CallingPlanRef, PhoneNumber, SiteName, Spec, Text


class PhoneSpec(Spec):
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


__all__ = ["PhoneSpec"]

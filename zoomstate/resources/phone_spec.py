"""The Zoom Phone block of a user, as the state writes it (and as the live account is read)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictInt

from zoomstate.fields import CallingPlanRef, PhoneNumber, SiteName, Spec, Text

# A call queue's or shared line group's name as Zoom shows it (phone.json: `name`, at most
# 32 characters for a queue; the state may name any, the plan checks it exists).
MembershipName = Annotated[str, Field(min_length=1, max_length=255)]


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
    # Aspect `phone_queues`: None (absent) leaves the user's memberships as Zoom has them.
    call_queues: tuple[MembershipName, ...] | None = Field(
        None,
        description="The exact set of call queues the user is a member of, by name "
        "(aspect phone_queues); absent = leave as Zoom has it.",
    )
    shared_line_groups: tuple[MembershipName, ...] | None = Field(
        None,
        description="The exact set of shared line groups the user is a member of, by name "
        "(aspect phone_queues); absent = leave as Zoom has it.",
    )


__all__ = ["MembershipName", "PhoneSpec"]

"""User groups in the state: the account block (`account.groups`) and the name of a group
as a user or a profile writes it (`groups:`, `primary_group:`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictBool

from zoomstate.fields import TEXT_MAX, Spec

# A group as Zoom names it (`POST /groups` `name`; the spec gives no length, so the bound
# every free text of the state has).
GroupName = Annotated[str, Field(min_length=1, max_length=TEXT_MAX)]


class GroupsPolicy(Spec):
    """Which user groups the state owns the memberships of."""

    managed: tuple[GroupName, ...] = Field(
        (),
        description="The groups whose memberships the state owns; every other group (one an "
        "identity provider pushes, say) is left as Zoom has it.",
    )
    create_missing: StrictBool = Field(
        False,
        description="Create a managed group a user is to be in when the account lacks it "
        "(POST /groups); off, such a group is a plan-time error.",
    )


__all__ = ["GroupName", "GroupsPolicy"]

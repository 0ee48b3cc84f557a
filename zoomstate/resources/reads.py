"""What the read of the account must fetch beyond its lists, for a state: the member
lists of the groups it names as primary, and the call queues, shared line groups, auto
receptionists and desk phones (when memberships are managed, or the state may take
someone's Zoom Phone away). Plan, apply and drift read the same for the same state, so a
saved plan's fingerprints match; export (no state) reads everything it can write."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypedDict

from zoomstate.live import LiveState
from zoomstate.model import DesiredState
from zoomstate.resources.groups import primary_groups_to_read
from zoomstate.resources.handover import needs_phone_groups


class ReadNeeds(TypedDict):
    """The keywords of `zoomstate.zoom.read.read_account`."""

    primary_groups: tuple[str, ...]
    phone_groups: bool | Callable[[LiveState], bool]


def read_needs(desired: DesiredState | None) -> ReadNeeds:
    if desired is None:
        return {"primary_groups": (), "phone_groups": True}
    return {
        "primary_groups": primary_groups_to_read(desired),
        "phone_groups": needs_phone_groups(desired),
    }


__all__ = ["ReadNeeds", "read_needs"]

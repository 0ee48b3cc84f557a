"""What a state says about leavers: how one user leaves (`remove:` on the user entry, with
an optional `transfer_to`) and what a deleted user's data handed over is
(`account.transfer`, the `transfer_*` flags of Zoom's `DELETE /users/{userId}`)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field

RemoveAction = Literal["deactivate", "disassociate", "delete"]
# What Zoom can hand over when it deletes a user, in the order of the query parameters of
# DELETE /users/{userId} (users.json): transfer_meeting, transfer_webinar,
# transfer_recording, transfer_whiteboard, transfer_clipfiles, transfer_notes,
# transfer_visitors, transfer_docs.
TransferItem = Literal[
    "meetings", "webinars", "recordings", "whiteboard", "clips", "notes", "visitors", "docs"
]
TRANSFER_ITEMS: tuple[TransferItem, ...] = (
    "meetings",
    "webinars",
    "recordings",
    "whiteboard",
    "clips",
    "notes",
    "visitors",
    "docs",
)
# What zoomstate always transferred, and still does unless account.transfer says otherwise.
DEFAULT_TRANSFER: tuple[TransferItem, ...] = ("meetings", "webinars", "recordings")


def _in_zoom_order(items: tuple[TransferItem, ...]) -> tuple[TransferItem, ...]:
    twice = sorted({i for i in items if items.count(i) > 1})
    if twice:
        raise ValueError(f"listed twice: {', '.join(twice)}")
    # One order whatever the state's, so the plan's params do not depend on how it is written.
    return tuple(i for i in TRANSFER_ITEMS if i in items)


Transfer = Annotated[
    tuple[TransferItem, ...],
    Field(
        min_length=1,
        description="What a deleted user's data handed to transfer_to is: meetings, "
        "webinars, recordings, whiteboard, clips, notes, visitors, docs.",
    ),
    AfterValidator(_in_zoom_order),
]

__all__ = ["DEFAULT_TRANSFER", "TRANSFER_ITEMS", "RemoveAction", "Transfer", "TransferItem"]

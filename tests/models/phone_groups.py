"""Call queues and shared line groups, as Zoom documents them (phone.json, tags Call
Queues and Shared Line Groups): members are phone users ("User not found", 404 / 1001
otherwise), at most 10 join in one call (400 / 300 "Exceeded the maximum number to add
members per time"); a removal needs a member; a user losing Zoom Phone leaves every queue
and group with its extension (the model's phone goes, memberships with it)."""

from __future__ import annotations

from collections.abc import Mapping

from tests.models.account import Account, Handler
from zoomstate.plan import Operation

MEMBERS_PER_CALL = 10


def _field(op: Operation) -> str:
    return "call_queues" if "call_queue" in op.kind else "shared_line_groups"


def add_members(model: Account, op: Operation) -> None:
    field, name = _field(op), str(op.params["name"])
    members = [str(m) for m in op.params["members"]]  # type: ignore[union-attr]
    if name not in getattr(model, field):
        model.bad(op, f"no {field} {name!r}")
        return
    if len(members) > MEMBERS_PER_CALL:
        model.bad(op, f"{len(members)} members in one call (at most {MEMBERS_PER_CALL})")
    for key in members:
        user = model.users.get(key)
        if user is None or user.phone is None:
            model.bad(op, f"{key} is not a phone user (1001)")
            continue
        getattr(user.phone, field).add(name)


def remove_member(model: Account, op: Operation) -> None:
    field, name = _field(op), str(op.params["name"])
    found = model.phone_of(op)
    if found is None:
        return
    _, phone = found
    held: set[str] = getattr(phone, field)
    if name not in held:
        model.bad(op, f"{op.user} is not a member of {name!r} (404)")
    held.discard(name)


HANDLERS: Mapping[str, Handler] = {
    "add_call_queue_members": add_members,
    "remove_call_queue_member": remove_member,
    "add_shared_line_group_members": add_members,
    "remove_shared_line_group_member": remove_member,
}

"""User groups, as Zoom documents them (users.json, tag Groups): a group is created once
(a name in use is 409 / 4132); active users join a group (`POST .../members`, at most 30 a
call); an invitee joins one group through `PATCH /users/{userId}` `group_id`; a move
(`action: move`) takes a member out of one group and into another, its primary group
following it; `set_primary` needs a group the user is in; a removal needs a member. A
user's first group is its primary one ("By default, the primary group is the first group
that user is added to"), and when its primary group is left, another of its groups is.
"""

from __future__ import annotations

from collections.abc import Mapping

from tests.models.account import Account, Handler, MUser
from zoomstate.plan import Operation

MEMBERS_PER_CALL = 30


def _join(user: MUser, group: str) -> None:
    user.groups.add(group)
    if user.primary_group is None:
        user.primary_group = group


def _leave(user: MUser, group: str) -> None:
    user.groups.discard(group)
    if user.primary_group == group:
        user.primary_group = min(user.groups) if user.groups else None


def _group(model: Account, op: Operation, name: str) -> bool:
    if name not in model.groups:
        model.bad(op, f"no group {name!r} (4130)")
        return False
    return True


def create_group(model: Account, op: Operation) -> None:
    name = str(op.params["name"])
    if any(g.lower() == name.lower() for g in model.groups):
        model.bad(op, f"the group name {name!r} is in use (4132)")
    model.groups.add(name)


def add_group_members(model: Account, op: Operation) -> None:
    name = str(op.params["group"])
    members = [str(m) for m in op.params["members"]]  # type: ignore[union-attr]
    pending = [str(m) for m in op.params.get("pending") or []]  # type: ignore[union-attr]
    if not _group(model, op, name):
        return
    if len(members) > MEMBERS_PER_CALL:
        model.bad(op, f"{len(members)} members in one call (at most {MEMBERS_PER_CALL})")
    for key in members:
        user = model.users.get(key)
        if user is None or user.status == "pending":
            model.bad(op, f"{key} does not belong to the account (1010)")
            continue
        _join(user, name)
    for key in pending:
        user = model.users.get(key)
        if user is None or user.status != "pending":
            model.bad(op, f"{key}: group_id is for a pending user")
            continue
        for old in list(user.groups):
            _leave(user, old)
        _join(user, name)


def _member(model: Account, op: Operation, group: str) -> MUser | None:
    user = model.active(op)
    if user is None or not _group(model, op, group):
        return None
    if group not in user.groups:
        model.bad(op, f"{op.user} is not in {group!r} (4131)")
        return None
    return user


def move_group_member(model: Account, op: Operation) -> None:
    source, target = str(op.params["group"]), str(op.params["target"])
    user = _member(model, op, source)
    if user is None or not _group(model, op, target):
        return
    was_primary = user.primary_group == source
    _join(user, target)
    _leave(user, source)
    if was_primary:
        user.primary_group = target


def set_primary_group(model: Account, op: Operation) -> None:
    group = str(op.params["group"])
    user = _member(model, op, group)
    if user is not None:
        user.primary_group = group


def remove_group_member(model: Account, op: Operation) -> None:
    group = str(op.params["group"])
    user = _member(model, op, group)
    if user is not None:
        _leave(user, group)


HANDLERS: Mapping[str, Handler] = {
    "create_group": create_group,
    "add_group_members": add_group_members,
    "move_group_member": move_group_member,
    "set_primary_group": set_primary_group,
    "remove_group_member": remove_group_member,
}

"""Users: creation, profile fields, e-mail changes, activation, deactivation and deletion.

Deactivation drops every licence (Zoom Phone with its plans and numbers, the Contact Center
seat, a licensed type turns basic); Zoom refuses to deactivate or disassociate an admin, and
a pending invitation can only be withdrawn by a bare DELETE. A deletion hands its data only
to another active, licensed user (users.json DELETE /users/{userId}, 400/300).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.models.account import Account, Handler, MUser
from zoomstate.model import USER_TYPE_CODES
from zoomstate.plan import Operation

_TYPE_NAMES = {code: name for name, code in USER_TYPE_CODES.items()}


def create_user(model: Account, op: Operation) -> None:
    if op.user in model.users:
        model.bad(op, "the e-mail is in use")
        return
    p: Mapping[str, Any] = op.params
    model.users[op.user] = MUser(
        key=op.user,
        status="pending" if p["action"] == "create" else "active",
        type=_TYPE_NAMES[int(p["type"])],
        role="Member",
        first_name=p.get("first_name"),
        last_name=p.get("last_name"),
        department=p.get("department"),
    )


def update_user(model: Account, op: Operation) -> None:
    user = model.active(op)
    if user is None:
        return
    fields = op.params["fields"]
    assert isinstance(fields, dict)
    for name in ("first_name", "last_name", "department"):
        if name in fields:
            setattr(user, name, fields[name])
    if "type" in fields:
        user.type = _TYPE_NAMES[int(fields["type"])]  # type: ignore[arg-type]


def change_email(model: Account, op: Operation) -> None:
    old = str(op.before)
    user = model.users.pop(old, None)
    if user is None:
        model.bad(op, f"no user {old}")
        return
    if op.user in model.users:
        model.bad(op, "the new e-mail is in use")
    user.key = op.user
    model.users[op.user] = user


def activate_user(model: Account, op: Operation) -> None:
    user = model.users.get(op.user)
    if user is None or user.status != "inactive":
        model.bad(op, "only an inactive user can be activated")
        return
    user.status = "active"


def deactivate_user(model: Account, op: Operation) -> None:
    user = model.active(op)
    if user is None:
        return
    if (user.role or "").lower() in ("owner", "admin"):
        model.bad(op, "Zoom refuses to deactivate an admin")
    model.release_phone(user)
    user.cc = None
    if user.type == "licensed":
        user.type = "basic"
    user.status = "inactive"


def delete_user(model: Account, op: Operation) -> None:
    user = model.users.get(op.user)
    if user is None:
        model.bad(op, "no such user")
        return
    action = op.params.get("action")
    if user.status == "pending" and action is not None:
        model.bad(op, "a pending user takes a bare DELETE")
    if action == "disassociate" and (user.role or "").lower() in ("owner", "admin"):
        model.bad(op, "Zoom refuses to disassociate an admin")
    target = op.params.get("transfer_email")
    if isinstance(target, str):
        # "The destination user does not have a $license or higher license and cannot
        # receive this data" (400/300): the receiver is another user, active, licensed.
        receiver = model.users.get(target.lower())
        if (
            receiver is None
            or receiver is user
            or receiver.status != "active"
            or receiver.type != "licensed"
        ):
            model.bad(op, f"Zoom refuses to hand the data to {target}: {receiver}")
    model.release_phone(user)
    del model.users[op.user]


HANDLERS: Mapping[str, Handler] = {
    "create_user": create_user,
    "update_user": update_user,
    "change_email": change_email,
    "activate_user": activate_user,
    "deactivate_user": deactivate_user,
    "delete_user": delete_user,
}

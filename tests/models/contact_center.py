"""Contact Center: a user's Contact Center profile (package, role, access).

The package is the seat: creating a profile or moving it to another package takes a seat of
that package (checked by `AccountModel.apply` on the counts); deleting it gives it back.
"""

from __future__ import annotations

from collections.abc import Mapping

from tests.models.account import Account, Handler, MContactCenter
from zoomstate.plan import Operation


def create_contact_center_user(model: Account, op: Operation) -> None:
    user = model.active(op)
    if user is None:
        return
    if user.cc is not None:
        model.bad(op, "already a Contact Center user")
    p = op.params
    role = str(op.after["role"]) if isinstance(op.after, dict) else ""
    user.cc = MContactCenter(
        str(p["package"]) if p.get("package") else None, role, str(p.get("access"))
    )


def update_contact_center_user(model: Account, op: Operation) -> None:
    user = model.active(op)
    if user is None or user.cc is None:
        model.bad(op, "not a Contact Center user")
        return
    after = op.after if isinstance(op.after, dict) else {}
    if "package" in op.params:
        user.cc.package = str(op.params["package"])
    if "role_id" in op.params:
        user.cc.role = str(after["role"])
    if "access" in op.params:
        user.cc.access = str(op.params["access"])


def delete_contact_center_user(model: Account, op: Operation) -> None:
    user = model.active(op)
    if user is None or user.cc is None:
        model.bad(op, "not a Contact Center user")
        return
    user.cc = None


HANDLERS: Mapping[str, Handler] = {
    "create_contact_center_user": create_contact_center_user,
    "update_contact_center_user": update_contact_center_user,
    "delete_contact_center_user": delete_contact_center_user,
}

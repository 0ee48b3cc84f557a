"""Roles: a user's account role (Member, Admin, a custom role), set on an active user."""

from __future__ import annotations

from collections.abc import Mapping

from tests.models.account import Account, Handler
from zoomstate.plan import Operation


def assign_role(model: Account, op: Operation) -> None:
    user = model.active(op)
    if user is not None:
        user.role = str(op.params["role"])


HANDLERS: Mapping[str, Handler] = {
    "assign_role": assign_role,
}

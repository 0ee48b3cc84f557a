"""The steps of one user as they are planned: every resource planner adds its steps here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from zoomstate.core.address import Address
from zoomstate.core.aspect import JsonValue
from zoomstate.core.builder import Builder
from zoomstate.core.ops import OpKind

if TYPE_CHECKING:
    # Only a type here: diff.py imports the resources' aspects, so a runtime import
    # would be circular.
    from zoomstate.diff import UserDiff


class UserSteps:
    """One user's steps: each waits for the user's first step (its creation, e-mail
    change or activation), and a pending user's steps wait instead of being planned."""

    def __init__(self, b: Builder, diff: UserDiff) -> None:
        self.b = b
        self.diff = diff
        self.key = diff.key
        self.first: str | None = None  # the step every later one of this user waits for
        self.pending_reason: str | None = None
        manage = b.desired.account.manage
        self.manage = set(manage)

    def step(self, kind: OpKind, params: Mapping[str, JsonValue], **kw: Any) -> str | None:
        if self.pending_reason is not None and kind not in ("create_user", "delete_user"):
            self.b.wait(self.key, kind, self.pending_reason, kw.get("after"))
            self.b.add(kind, self.key, params, future=True, **kw)
            return None
        live = self.diff.live
        if live is not None and live.key != self.key:
            # Renamed (matched by id): the live object the plan read is under its old
            # e-mail, and `user:<new e-mail>` alone would fingerprint nothing.
            kw["reads"] = (str(Address.user(live.key)), *kw.get("reads", ()))
        op_id = self.b.add(kind, self.key, params, **kw)
        self.b.depend(op_id, self.first)
        return op_id

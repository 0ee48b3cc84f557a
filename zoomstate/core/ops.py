"""The operation vocabulary: the kinds of Zoom API step a plan is made of, and `Operation`.

An operation's `+ ~ -` symbol and its place in its user's natural sequence (ordering
rules 1 and 2, zoomstate/core/order.py) are defined here, next to the kinds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args

from zoomstate.diff import JsonValue

OpKind = Literal[
    "create_user",
    "update_user",
    "change_email",
    "activate_user",
    "deactivate_user",
    "delete_user",
    "assign_role",
    "enable_phone",
    "update_phone",
    "assign_calling_plan",
    "switch_calling_plan",
    "unassign_calling_plan",
    "assign_number",
    "unassign_number",
    "disable_phone",
    "create_contact_center_user",
    "update_contact_center_user",
    "delete_contact_center_user",
]
OP_KINDS: tuple[OpKind, ...] = get_args(OpKind)
SYMBOLS: Mapping[OpKind, str] = {
    k: (
        "+"
        if k.startswith(("create", "assign", "enable", "activate"))
        else "-"
        if k.startswith(("delete", "unassign", "disable", "deactivate"))
        else "~"
    )
    for k in OP_KINDS
}
# Within one user, the order steps take when nothing else decides (rules 1 and 2).
USER_SEQUENCE: Mapping[OpKind, int] = {k: i for i, k in enumerate(OP_KINDS)} | {
    "unassign_number": 7,
    "switch_calling_plan": 8,
    "unassign_calling_plan": 9,
    "enable_phone": 10,
    "update_phone": 11,
    "assign_calling_plan": 12,
    "assign_number": 13,
    "disable_phone": 14,
    "delete_contact_center_user": 15,
    "create_contact_center_user": 16,
    "update_contact_center_user": 17,
    "deactivate_user": 18,
    "delete_user": 19,
}


@dataclass(frozen=True, slots=True)
class Operation:
    """One Zoom API step (sometimes two calls, e.g. a type change sent alone)."""

    id: str
    kind: OpKind
    user: str
    params: Mapping[str, JsonValue]
    before: JsonValue = None
    after: JsonValue = None
    depends_on: tuple[str, ...] = ()
    destroys_data: bool = False
    removal: bool = False
    reads: tuple[str, ...] = ()
    note: str = ""

    def to_dict(self) -> dict[str, JsonValue]:
        return {
            "id": self.id,
            "kind": self.kind,
            "user": self.user,
            "params": dict(self.params),
            "before": self.before,
            "after": self.after,
            "depends_on": list(self.depends_on),
            "destroys_data": self.destroys_data,
            "removal": self.removal,
            "reads": list(self.reads),
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Operation:
        return cls(
            id=str(data["id"]),
            kind=data["kind"],
            user=str(data["user"]),
            params=dict(data.get("params") or {}),
            before=data.get("before"),
            after=data.get("after"),
            depends_on=tuple(data.get("depends_on") or ()),
            destroys_data=bool(data.get("destroys_data")),
            removal=bool(data.get("removal")),
            reads=tuple(data.get("reads") or ()),
            note=str(data.get("note") or ""),
        )


@dataclass(frozen=True, slots=True)
class Waiting:
    """A step that cannot run yet, and why."""

    user: str
    kind: OpKind
    reason: str
    after: JsonValue = None

    def to_dict(self) -> dict[str, JsonValue]:
        return {"user": self.user, "kind": self.kind, "reason": self.reason, "after": self.after}

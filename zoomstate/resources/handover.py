"""The hand-over guard: what a leaver holds in Zoom Phone, checked before the plan removes
it (a deletion, a deactivation, or its Zoom Phone taken away).

- A call queue's manager, or an auto receptionist's operator: Zoom refuses to delete the
  user (400 / 1000, users.json `DELETE /users/{userId}`), and phone.json has no API to
  change a queue's manager. A plan error naming the queue or receptionist and the fix in
  the portal, so the plan never fails half-way at apply.
- A call queue or shared line group the plan leaves with no member: a warning (calls to
  it would ring nobody).
- Desk phones assigned to the leaver: a warning (Zoom unassigns them with the licence).
- Replacements the same plan adds to the leaver's queues and groups run before the
  leaver's removal (`order_handover`, once the links between users are made, so that a
  replacement waiting for the leaver's seat is not made to wait the other way round).
- The leaver's removal reads each queue, group and receptionist it is in, so a queue
  changed after review makes `apply --plan` refuse the plan.

Read only when the plan may remove someone who has Zoom Phone (`needs_phone_groups`); when
the objects were not read, nothing here runs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from zoomstate.core.address import Address
from zoomstate.core.builder import Builder
from zoomstate.core.reach import Reach
from zoomstate.live import LiveState, LiveUser, PhoneGroup
from zoomstate.model import DesiredState, UserSpec
from zoomstate.resources.memberships import KINDS, PhoneGroupKind, wanted_of
from zoomstate.resources.memberships_owner import ADDS

LEAVING = ("delete_user", "deactivate_user", "disable_phone")
_REMOVING_POLICIES = ("deactivate", "disassociate", "delete")


def needs_phone_groups(desired: DesiredState) -> Callable[[LiveState], bool]:
    """Whether the read must fetch the queues, groups, receptionists and desk phones, once
    the users are read: always when memberships are managed, else when the state may
    take someone's Zoom Phone away (a plan without such a step costs nothing more). It
    may say yes for a plan that removes nobody; it never says no for one that does."""
    account = desired.account
    if "phone_queues" in account.manage:
        return lambda live: True
    wanted = desired.by_key()
    reachable = Reach(account)
    removes_missing = account.on_missing_user in _REMOVING_POLICIES
    phone_managed = "phone" in account.manage

    def may_remove(live: LiveState) -> bool:
        for user in live.users:
            if user.spec.phone is None or not reachable(user.key):
                continue
            mine = wanted.get(user.key)
            if _leaves_phone(mine, removes_missing, phone_managed):
                return True
        return False

    return may_remove


def _leaves_phone(mine: UserSpec | None, removes_missing: bool, phone_managed: bool) -> bool:
    if mine is None:
        return removes_missing
    if mine.remove is not None or mine.status == "inactive":
        return True
    return phone_managed and mine.phone is None


def plan_handover(b: Builder) -> None:
    live = b.live
    if (live.call_queues, live.shared_line_groups, live.receptionists, live.desk_phones) == (
        (None,) * 4
    ):
        return
    users = b.live.by_key()
    for op_id, op in sorted(b.ops.items()):
        if op.kind not in LEAVING:
            continue
        leaver = users.get(op.user)
        if leaver is None or leaver.zoom_id is None or leaver.spec.phone is None:
            continue
        _check_leaver(b, op_id, leaver)
    _warn_emptied(b)


def _path(b: Builder, key: str) -> str:
    spec = b.wanted.get(key)
    if spec is None:
        return ""
    if spec.remove is not None:
        return "remove"
    return "status" if spec.status == "inactive" else ""


def _check_leaver(b: Builder, op_id: str, leaver: LiveUser) -> None:
    key, zoom_id = leaver.key, leaver.zoom_id
    reads: list[str] = []
    for kind in KINDS:
        for group in kind.groups(b.live):
            member = next((m for m in group.members if m.id == zoom_id), None)
            if member is None:
                continue
            reads.append(kind.address(group.name))
            if member.level == "manager":
                b.problem(
                    key,
                    _path(b, key),
                    f"{key} is the manager of {kind.noun} {group.name!r}, and Zoom refuses "
                    "to remove a queue's manager (400 / 1000) and has no API to change it: "
                    "make another member the manager in the portal (Phone System "
                    "Management > Call Queues > the queue > Members), then plan again",
                )
    for receptionist in b.live.receptionists or ():
        if receptionist.operator_id == zoom_id:
            reads.append(str(Address("receptionist", receptionist.name)))
            b.problem(
                key,
                _path(b, key),
                f"{key} is the operator of auto receptionist {receptionist.name!r}, and Zoom "
                "refuses to remove an operator (400 / 1000): choose another operator in the "
                "portal (Phone System Management > Auto Receptionists > "
                f"{receptionist.name} > Call Handling), then plan again",
            )
    phones = [d.name for d in b.live.desk_phones or () if d.assignee_id == zoom_id]
    if phones:
        b.warnings.append(
            f"{key}: desk phone(s) {', '.join(sorted(phones))} are unassigned with its Zoom "
            "Phone; assign them to someone else in the portal if they stay in use"
        )
    if reads:
        op = b.ops[op_id]
        b.ops[op_id] = dataclasses.replace(op, reads=tuple(dict.fromkeys((*op.reads, *reads))))


def _gone(b: Builder) -> set[str]:
    """Zoom ids of the users this plan takes out of Zoom Phone."""
    users = b.live.by_key()
    return {
        u.zoom_id
        for op in b.ops.values()
        if op.kind in LEAVING and (u := users.get(op.user)) is not None and u.zoom_id
    }


def _warn_emptied(b: Builder) -> None:
    gone = _gone(b)
    removed: set[tuple[str, str, str]] = {
        (op.kind, op.user, str(op.params.get("name"))) for op in b.ops.values()
    }
    for kind in KINDS:
        for group in kind.groups(b.live):
            if not group.members or _joins(b, kind, group):
                continue
            stay = [
                m
                for m in group.members
                if m.id not in gone and not _leaves(b, kind, group, m.id, m.email, removed)
            ]
            if not stay:
                b.warnings.append(
                    f"{kind.noun} {group.name}: this plan leaves it with no member, so its "
                    "calls ring nobody; add a replacement in the same plan "
                    f"(phone.{kind.field}) or route it elsewhere in the portal"
                )


def _joins(b: Builder, kind: PhoneGroupKind, group: PhoneGroup) -> bool:
    adds = b.gathered.get(ADDS) or {}
    return bool(adds.get((kind.field, group.name)))


def _leaves(
    b: Builder,
    kind: PhoneGroupKind,
    group: PhoneGroup,
    zoom_id: str,
    email: str | None,
    removed: set[tuple[str, str, str]],
) -> bool:
    key = b.member_key(zoom_id, email)
    return key is not None and (kind.remove, key, group.name) in removed


def order_handover(b: Builder) -> None:
    """A leaver's removal waits for the steps adding members to its queues and groups,
    unless one of them already waits for the leaver (a replacement taking its seat)."""
    adds = b.gathered.get(ADDS) or {}
    if not adds or b.live.call_queues is None:
        return
    users = b.live.by_key()
    for op_id, op in sorted(b.ops.items()):
        leaver = users.get(op.user)
        if op.kind not in LEAVING or leaver is None or leaver.spec.phone is None:
            continue
        for kind in KINDS:
            for name in _member_of(b, kind, leaver):
                for add in adds.get((kind.field, name), ()):
                    if not _waits_for(b, add, op_id):
                        b.depend(op_id, add)


def _member_of(b: Builder, kind: PhoneGroupKind, leaver: LiveUser) -> list[str]:
    found = [g.name for g in kind.groups(b.live) if any(m.id == leaver.zoom_id for m in g.members)]
    return found or list(wanted_of(leaver.spec, kind) or ())


def _waits_for(b: Builder, start: str, goal: str) -> bool:
    seen: set[str] = set()
    todo = [start]
    while todo:
        step = todo.pop()
        if step == goal:
            return True
        if step in seen:
            continue
        seen.add(step)
        todo.extend(b.deps.get(step, ()))
    return False


__all__ = ["LEAVING", "needs_phone_groups", "order_handover", "plan_handover"]

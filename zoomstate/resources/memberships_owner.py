"""The call queues' and shared line groups' own steps, added once every user is planned
(`OWNER_PLANNERS` in `resources/planners.py`): the users joining each, 10 to a step (one
`POST .../members`), split in e-mail order so the same state gives the same steps. Each
step waits for its members' creation and Zoom Phone (the queue APIs take phone users
only: 404 / 1001 otherwise). The steps made are kept in `gathered` for the hand-over
guard, whose leavers wait for their replacements.
"""

from __future__ import annotations

from collections import defaultdict

from zoomstate.core.aspect import JsonValue
from zoomstate.core.builder import Builder
from zoomstate.resources.memberships import KINDS, MEMBERS_PER_CALL, Gathered, Join

# Gathered key: (field, queue or group name) -> the steps adding members to it.
ADDS = "phone_group_adds"


def plan_membership_steps(b: Builder) -> None:
    work = b.gathered.get("phone_groups")
    adds: dict[tuple[str, str], list[str]] = defaultdict(list)
    b.gathered[ADDS] = adds
    if not isinstance(work, Gathered):
        return
    for kind in KINDS:
        groups = {g.name: g for g in kind.groups(b.live)}
        for (field, name), joins in sorted(work.joins.items()):
            group = groups.get(name)
            if field != kind.field or group is None:
                continue
            ordered = sorted(joins, key=lambda j: j.key)
            for start in range(0, len(ordered), MEMBERS_PER_CALL):
                chunk: list[Join] = ordered[start : start + MEMBERS_PER_CALL]
                members: list[JsonValue] = [j.key for j in chunk]
                op = b.add(
                    kind.add,
                    name,
                    {"group_id": group.id, "name": name, "members": members},
                    suffix=str(start // MEMBERS_PER_CALL + 1),
                    after=members,
                    reads=sorted({r for j in chunk for r in j.reads}),
                )
                b.depend(op, *(step for j in chunk for step in j.after))
                adds[(field, name)].append(op)


__all__ = ["ADDS", "plan_membership_steps"]

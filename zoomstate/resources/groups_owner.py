"""The groups' own steps, added once every user is planned (`OWNER_PLANNERS` in
`resources/planners.py`): each group the plan creates, and the users joining each group,
30 to a step (one `POST /groups/{groupId}/members`), split in e-mail order so the same
state gives the same steps. Each such step waits for its members' creation or activation;
a member's new Zoom Phone licence or Contact Center seat waits for the member's group
steps, so that it starts under the group's policy.

Also the plan-time checks only the whole plan can make: Zoom's limits on creating groups,
and the members of managed groups the state cannot touch (reported, never removed).
"""

from __future__ import annotations

from zoomstate.core.aspect import JsonValue
from zoomstate.core.builder import Builder
from zoomstate.resources.groups import (
    CREATES_PER_DAY,
    GROUPS_PER_ACCOUNT,
    MEMBERS_PER_CALL,
    Gathered,
    Join,
    create_step,
)

# A user's steps that give it a new licence: they run under its group's policy.
UNDER_GROUP_POLICY = (
    "enable_phone",
    "add_phone_user",
    "create_contact_center_user",
    "update_contact_center_user",
)


def plan_group_steps(b: Builder) -> None:
    if "groups" not in b.desired.account.manage:
        return
    _report_out_of_reach(b)
    work = b.gathered.get("groups")
    if not isinstance(work, Gathered):
        return
    if not _within_limits(b, work):
        return
    for name in sorted(work.creates):
        b.add(
            "create_group",
            name,
            {"name": name},
            after=name,
            note="account.groups.create_missing",
        )
    for name in sorted(work.joins):
        _joins(b, work, name, sorted(work.joins[name], key=lambda j: j.key))
    for key, steps in sorted(work.steps_of.items()):
        for kind in UNDER_GROUP_POLICY:
            op_id = f"{key}/{kind}"
            if op_id in b.ops:
                b.depend(op_id, *steps)


def _joins(b: Builder, work: Gathered, name: str, joins: list[Join]) -> None:
    created = create_step(name) if name in work.creates else None
    for start in range(0, len(joins), MEMBERS_PER_CALL):
        chunk = joins[start : start + MEMBERS_PER_CALL]
        members: list[JsonValue] = [j.key for j in chunk if not j.pending]
        params: dict[str, JsonValue] = {
            "group_id": work.group_id(name),
            "group": name,
            "members": members,
        }
        pending: list[JsonValue] = [j.key for j in chunk if j.pending]
        if pending:
            params["pending"] = pending
        op = b.add(
            "add_group_members",
            name,
            params,
            suffix=str(start // MEMBERS_PER_CALL + 1),
            after=[*members, *pending],
            reads=sorted({r for j in chunk for r in j.reads}),
            note="invitees through PATCH /users/{userId} group_id" if pending else "",
        )
        b.depend(op, created, *(j.first for j in chunk))
        for j in chunk:
            work.steps_of[j.key].append(op)
            for waiting in work.after_join.get((name, j.key), ()):
                b.depend(waiting, op)


def _within_limits(b: Builder, work: Gathered) -> bool:
    """Zoom creates at most 100 groups a day and holds at most 5,000: a plan over either
    fails at the user who needs the first group beyond it."""
    names = sorted(work.creates)
    have = len(b.live.groups)
    for count, name in enumerate(names, 1):
        key, index = work.creates[name]
        if count > CREATES_PER_DAY:
            message = (
                f"this plan would create {len(names)} groups ({name!r} is number {count}); "
                f"Zoom creates at most {CREATES_PER_DAY} groups a day: create fewer at once"
            )
        elif have + count > GROUPS_PER_ACCOUNT:
            message = (
                f"group {name!r} would make {have + count} groups; Zoom holds at most "
                f"{GROUPS_PER_ACCOUNT:,} in an account (it has {have})"
            )
        else:
            continue
        b.problem(key, f"groups[{index}]", message)
        return False
    return True


def _protected_change(b: Builder, key: str, managed: set[str], live: set[str]) -> bool:
    """Whether the state's entry for a protected user asks for other managed groups than
    it has (what the plan then leaves undone)."""
    wanted = b.wanted.get(key)
    if wanted is None or wanted.groups is None:
        return False
    return managed.intersection(wanted.groups) != live


def _report_out_of_reach(b: Builder) -> None:
    """Members of managed groups outside account.domains, or protected: the plan never
    touches them, so they stay members whatever the state says; say so."""
    account = b.desired.account
    managed = set(account.groups.managed)
    if not managed:
        return
    domains = {d.lower() for d in account.domains}
    protected = {p.lower() for p in account.protected}
    outside: dict[str, list[str]] = {}
    for user in b.live.users:
        groups = managed.intersection(user.spec.groups or ())
        if not groups:
            continue
        key = user.key
        if key.rsplit("@", 1)[-1] in domains and key not in protected:
            continue
        if key in protected and not _protected_change(b, key, managed, groups):
            continue  # protected on purpose, and the state asks nothing of its groups
        for name in groups:
            outside.setdefault(name, []).append(key)
    for name, keys in sorted(outside.items()):
        shown = ", ".join(sorted(keys)[:10]) + (" ..." if len(keys) > 10 else "")
        b.warnings.append(
            f"group {name}: {len(keys)} member(s) outside account.domains or protected, "
            f"left in it as zoomstate never touches them: {shown}"
        )


__all__ = ["UNDER_GROUP_POLICY", "plan_group_steps"]

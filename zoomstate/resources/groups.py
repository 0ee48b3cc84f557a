"""A user's groups (`groups:`, `primary_group:`): the steps each user needs, and the aspect
diff, drift and export compare and write.

Only the memberships of `account.groups.managed` are the state's: a user's other groups
(one an identity provider pushes, say) are kept as Zoom has them, and a user the state
leaves without `groups:` keeps all of its own. Per user (`plan_groups`, one of the user's
part planners): a one-for-one change of group is a move (`PATCH .../members/{id}` `move`,
so the user is never without a group), a group left is a removal (counted by
`account.safety`), the primary group is set when it differs. Joining a group is the
group's step (`groups_owner.plan_group_steps`, run once every user is planned): up to 30
users in one `POST /groups/{groupId}/members`.

A pending user (invited, not accepted) can be put in one group through `PATCH
/users/{userId}` `group_id`; its other group steps wait until it is active. Leavers get
no group steps: deleting a user takes it out of its groups.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from zoomstate.core.address import Address
from zoomstate.core.aspect import AspectName, JsonValue, PlanResolver
from zoomstate.core.builder import Builder, choices
from zoomstate.core.ops import Operation
from zoomstate.live import LiveState, LiveUser, Named
from zoomstate.model import DesiredState, UserSpec
from zoomstate.resources.steps import UserSteps

# Zoom's limits on creating groups (users.json `POST /groups`: "a maximum of 100 groups
# in one account per day, and a maximum of 5000 groups in one account").
CREATES_PER_DAY = 100
GROUPS_PER_ACCOUNT = 5000
# Users in one `POST /groups/{groupId}/members` (users.json: `members` "maximum": 30).
MEMBERS_PER_CALL = 30


@dataclass(frozen=True, slots=True)
class Join:
    """A user joining a group through the group's own step."""

    key: str
    first: str | None  # the user's creation, activation or e-mail change, if planned
    pending: bool  # an invitee: PATCH /users/{userId} group_id
    reads: tuple[str, ...]


@dataclass
class Gathered:
    """What the users' planning leaves for the groups' own steps."""

    groups: Mapping[str, Named]
    joins: dict[str, list[Join]] = field(default_factory=lambda: defaultdict(list))
    # A group to create -> the first user who needs it and where its list names it.
    creates: dict[str, tuple[str, int]] = field(default_factory=dict)
    # (group, user) -> the user's steps that wait for it to join the group.
    after_join: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))
    # User -> the group steps that give it a group (joins, moves, its primary group), which
    # its new licences wait for.
    steps_of: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def group_id(self, name: str) -> str | None:
        found = self.groups.get(name)
        return found.id if found is not None else None


def gathered(b: Builder) -> Gathered:
    work = b.gathered.get("groups")
    if not isinstance(work, Gathered):
        work = Gathered({g.name: g for g in b.live.groups})
        b.gathered["groups"] = work
    return work


def create_step(name: str) -> str:
    """The id of the step that creates a group (`Builder.add` names it so)."""
    return f"{name}/create_group"


def _address(name: str) -> str:
    return str(Address("group", name))


# -- one user's steps


def plan_groups(p: UserSteps, live_user: UserSpec | None, target: UserSpec) -> None:
    if "groups" not in p.manage:
        return
    original = p.b.wanted.get(p.key)
    if original is None or (original.groups is None and original.primary_group is None):
        return
    work = gathered(p.b)
    if not _known(p, work, original.groups or ()):
        return
    managed = set(p.b.desired.account.groups.managed)
    have = {g for g in (live_user.groups or ()) if g in managed} if live_user else set()
    wanted = original.groups
    adds = [g for g in wanted if g not in have] if wanted is not None else []
    removes = sorted(have - set(wanted)) if wanted is not None else []
    primary = original.primary_group
    live_primary = live_user.primary_group if live_user else None
    if primary == live_primary:
        primary = None
    if p.pending_reason is not None:
        _plan_pending(p, work, bool(live_user and live_user.groups), adds, removes, primary)
        return
    moved_to = _moves_and_removals(p, work, adds, removes)
    for name in sorted(adds)[len(removes) :]:
        work.joins[name].append(Join(p.key, p.first, False, _user_reads(p)))
    if primary is not None:
        op = p.step(
            "set_primary_group",
            {"group_id": work.group_id(primary), "group": primary},
            before=live_primary,
            after=primary,
            reads=[_address(primary)],
        )
        if op is not None:
            p.b.depend(op, create_step(primary), moved_to.get(primary))
            if primary not in moved_to and primary in adds:
                work.after_join[(primary, p.key)].append(op)
            work.steps_of[p.key].append(op)


def _known(p: UserSteps, work: Gathered, names: Sequence[str]) -> bool:
    """Each group the user is to be in exists, or will (create_missing): else a
    problem at the list, naming the account's groups."""
    b = p.b
    policy = b.desired.account.groups
    ok = True
    for index, name in enumerate(names):
        if name in work.groups:
            continue
        alike = [g for g in work.groups if g.lower() == name.lower()]
        if alike:
            b.problem(
                p.key,
                f"groups[{index}]",
                f"group {name!r} is not in the account, which has {alike[0]!r}: Zoom "
                "compares group names without case, so it would refuse to create it "
                "(4132); write the name as the account has it",
            )
            ok = False
        elif not policy.create_missing:
            b.problem(
                p.key,
                f"groups[{index}]",
                f"unknown group {name!r}"
                + choices(work.groups)
                + ": create it in Zoom, or set account.groups.create_missing",
            )
            ok = False
        else:
            work.creates.setdefault(name, (p.key, index))
    return ok


def _user_reads(p: UserSteps) -> tuple[str, ...]:
    live = p.diff.live
    reads = [str(Address.user(p.key))]
    if live is not None and live.key != p.key:
        reads.append(str(Address.user(live.key)))
    return tuple(reads)


def _moves_and_removals(
    p: UserSteps, work: Gathered, adds: Sequence[str], removes: Sequence[str]
) -> dict[str, str]:
    """One group for another is a move (never without a group); a group left with none
    in exchange is a removal. Returns the steps moving the user into each group."""
    moved_to: dict[str, str] = {}
    for source, target in zip(removes, sorted(adds), strict=False):
        op = p.step(
            "move_group_member",
            {
                "group_id": work.group_id(source) or "",
                "group": source,
                "target_group_id": work.group_id(target),
                "target": target,
            },
            suffix=f"{source}/{target}",
            before=source,
            after=target,
            reads=[_address(source), _address(target)],
        )
        if op is not None:
            p.b.depend(op, create_step(target))
            moved_to[target] = op
            work.steps_of[p.key].append(op)
    for source in removes[len(adds) :]:
        # Not in steps_of: a licence does not wait for a removal, which --skip-removals
        # may leave out (and what waits on a step left out is left out too).
        p.step(
            "remove_group_member",
            {"group_id": work.group_id(source), "group": source},
            suffix=source,
            before=source,
            after=None,
            removal=True,
            reads=[_address(source)],
        )
    return moved_to


def _plan_pending(
    p: UserSteps,
    work: Gathered,
    in_a_group: bool,
    adds: Sequence[str],
    removes: Sequence[str],
    primary: str | None,
) -> None:
    """An invitee joins one group (its primary one, else the first listed) through
    `PATCH /users/{userId}` `group_id`, when it is in none yet and Zoom has it (it is
    live, or this plan creates it); the rest waits until it accepts."""
    reason = p.pending_reason or ""
    exists = p.diff.live is not None or p.first is not None
    joining = None
    if exists and not in_a_group and adds:
        joining = primary if primary is not None and primary in adds else adds[0]
        work.joins[joining].append(Join(p.key, p.first, True, _user_reads(p)))
    further = f"{reason} (an invitee joins one group; the others wait)"
    for name in adds:
        if name != joining:
            p.b.wait(p.key, "add_group_members", further if joining else reason, name)
    for name in removes:
        p.b.wait(p.key, "remove_group_member", f"{reason} (to leave {name})", None)
    if primary is not None and primary != joining:
        p.b.wait(p.key, "set_primary_group", reason, primary)


# -- what the plan reads and shows


def primary_groups_to_read(desired: DesiredState) -> tuple[str, ...]:
    """The groups whose member lists the read must fetch (`GET /groups/{groupId}/members`
    tells the primary group): those the state names as some user's primary group, only
    when groups are managed. Most states name none, and the read costs nothing more."""
    if "groups" not in desired.account.manage:
        return ()
    return tuple(sorted({u.primary_group for u in desired.users if u.primary_group}))


def group_summary(operations: Iterable[Operation]) -> list[str]:
    """The membership changes of each group, one line each: `Sales: + 12 members`."""
    joined: dict[str, int] = defaultdict(int)
    left: dict[str, int] = defaultdict(int)
    primary: dict[str, int] = defaultdict(int)
    created: set[str] = set()
    for op in operations:
        params: Mapping[str, Any] = op.params
        if op.kind == "create_group":
            created.add(op.user)
        elif op.kind == "add_group_members":
            joined[op.user] += len(op.users())
        elif op.kind == "move_group_member":
            left[str(params["group"])] += 1
            joined[str(params["target"])] += 1
        elif op.kind == "remove_group_member":
            left[str(params["group"])] += 1
        elif op.kind == "set_primary_group":
            primary[str(params["group"])] += 1
    lines = []
    for name in sorted(created | set(joined) | set(left) | set(primary)):
        parts = []
        if joined[name]:
            parts.append(f"+ {_members(joined[name])}")
        if left[name]:
            parts.append(f"- {_members(left[name])}")
        if primary[name]:
            parts.append(f"primary group of {_members(primary[name], 'user')}")
        label = f"{name} (new)" if name in created else name
        lines.append(f"{label}: {', '.join(parts) or 'no members yet'}")
    return lines


def _members(n: int, noun: str = "member") -> str:
    return f"{n} {noun}{'s' if n != 1 else ''}"


def account_block(live: LiveState) -> dict[str, Any]:
    """`account.groups` as export writes it: every group of the account managed (each
    user's list is exported in full, so the two agree), none created."""
    if not live.groups:
        return {}
    return {"groups": {"managed": sorted(g.name for g in live.groups), "create_missing": False}}


# -- the aspect


class GroupsAspect:
    """`groups:` and `primary_group:` as diff and export see them. The state's list is
    the exact set of the user's managed groups; the user's other groups are kept, so the
    effective list is the state's plus those."""

    name: Final[AspectName] = "groups"
    fields: Final[tuple[str, ...]] = ("groups", "primary_group")
    block: Final[None] = None

    def effective(
        self, desired: UserSpec, live: UserSpec | None, plans: PlanResolver
    ) -> dict[str, Any]:
        theirs = live.groups if live is not None else None
        groups = theirs
        if desired.groups is not None:
            kept = [g for g in theirs or () if g not in plans.managed_groups]
            groups = tuple(sorted({*desired.groups, *kept}))
        primary = desired.primary_group
        if primary is None and live is not None:
            primary = live.primary_group
        return {"groups": groups, "primary_group": primary}

    def same(self, desired: UserSpec, live: UserSpec, plans: PlanResolver) -> bool:
        if desired.primary_group is not None and desired.primary_group != live.primary_group:
            return False
        if desired.groups is None:
            return True
        managed = plans.managed_groups
        return set(desired.groups) == {g for g in live.groups or () if g in managed}

    def comparable(self, spec: UserSpec) -> dict[str, JsonValue]:
        groups: list[JsonValue] | None = None
        if spec.groups is not None:
            groups = list(sorted(spec.groups))
        return {"groups": groups, "primary_group": spec.primary_group}

    def export(self, user: LiveUser, plan_names: Mapping[int, str]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if user.spec.groups is not None:
            out["groups"] = sorted(user.spec.groups)
        if user.spec.primary_group is not None:
            out["primary_group"] = user.spec.primary_group
        return out


GROUPS = GroupsAspect()

__all__ = [
    "CREATES_PER_DAY",
    "GROUPS",
    "GROUPS_PER_ACCOUNT",
    "MEMBERS_PER_CALL",
    "Gathered",
    "GroupsAspect",
    "Join",
    "account_block",
    "create_step",
    "gathered",
    "group_summary",
    "plan_groups",
    "primary_groups_to_read",
]

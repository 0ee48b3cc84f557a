"""Call queues and shared line groups a user answers for (`phone.call_queues`,
`phone.shared_line_groups`, aspect `phone_queues`): the steps each user needs, and the
aspect diff, drift and export compare and write.

A list is the exact set of the user's memberships, by name; absent leaves them as Zoom has
them. The queue's manager level is never managed: the manager is a member like any other
(listing the queue keeps it), and a state that drops the manager's queue is a plan error,
as Zoom has no API to change a queue's manager. Per user (`plan_memberships`, one of the
user's part planners): a membership left while the user keeps Zoom Phone is a removal
(`DELETE .../members/{memberId}`); a membership gained is the queue's own step
(`memberships_owner.plan_membership_steps`, run once every user is planned): up to 10
users in one `POST .../members`, after each member's Zoom Phone. A user losing Zoom Phone
leaves its queues and groups with it (Zoom drops them with the extension), so it gets no
membership step: the hand-over guard (`resources/handover.py`) checks what it leaves.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from zoomstate.core.address import Address, AddressKind
from zoomstate.core.aspect import AspectName, JsonValue, PlanResolver
from zoomstate.core.builder import Builder, choices
from zoomstate.core.ops import Operation, OpKind
from zoomstate.live import LiveState, LiveUser, PhoneGroup
from zoomstate.model import UserSpec
from zoomstate.resources.steps import UserSteps

# Users in one `POST /phone/call_queues/{callQueueId}/members` or
# `POST /phone/shared_line_groups/{slgId}/members` (phone.json: "users" "maxItems": 10).
MEMBERS_PER_CALL = 10

Field = Literal["call_queues", "shared_line_groups"]


@dataclass(frozen=True, slots=True)
class PhoneGroupKind:
    """What differs between call queues and shared line groups: names and addresses."""

    field: Field
    owner: AddressKind
    add: OpKind
    remove: OpKind
    noun: str

    def groups(self, live: LiveState) -> tuple[PhoneGroup, ...]:
        found: tuple[PhoneGroup, ...] | None = getattr(live, self.field)
        return found or ()

    def address(self, name: str) -> str:
        return str(Address(self.owner, name))


CALL_QUEUES = PhoneGroupKind(
    "call_queues", "queue", "add_call_queue_members", "remove_call_queue_member", "call queue"
)
SHARED_LINE_GROUPS = PhoneGroupKind(
    "shared_line_groups",
    "line_group",
    "add_shared_line_group_members",
    "remove_shared_line_group_member",
    "shared line group",
)
KINDS: tuple[PhoneGroupKind, ...] = (CALL_QUEUES, SHARED_LINE_GROUPS)


@dataclass(frozen=True, slots=True)
class Join:
    """A user joining a queue or group through its own step."""

    key: str
    after: tuple[str, ...]  # the user's steps it waits for (creation, Zoom Phone)
    reads: tuple[str, ...]


@dataclass
class Gathered:
    """What the users' planning leaves for the queues' and groups' own steps."""

    joins: dict[tuple[Field, str], list[Join]] = field(default_factory=lambda: defaultdict(list))


def gathered(b: Builder) -> Gathered:
    work = b.gathered.get("phone_groups")
    if not isinstance(work, Gathered):
        work = Gathered()
        b.gathered["phone_groups"] = work
    return work


def wanted_of(spec: UserSpec | None, kind: PhoneGroupKind) -> tuple[str, ...] | None:
    phone = spec.phone if spec is not None else None
    if phone is None:
        return None
    found: tuple[str, ...] | None = getattr(phone, kind.field)
    return found


# -- one user's steps


def plan_memberships(p: UserSteps, live_user: UserSpec | None, target: UserSpec) -> None:
    if "phone_queues" not in p.manage:
        return
    original = p.b.wanted.get(p.key)
    for kind in KINDS:
        wanted = wanted_of(original, kind)
        if wanted is None:
            continue
        if target.phone is None:
            if wanted:
                p.b.problem(
                    p.key,
                    f"phone.{kind.field}",
                    f"{p.key} has no Zoom Phone, so it cannot be in a {kind.noun}: "
                    "give it Zoom Phone (phone is not managed here) or drop the list",
                )
            continue
        _plan_kind(p, kind, wanted, wanted_of(live_user, kind) or ())


def _plan_kind(
    p: UserSteps, kind: PhoneGroupKind, wanted: tuple[str, ...], have: tuple[str, ...]
) -> None:
    b = p.b
    by_name = {g.name: g for g in kind.groups(b.live)}
    known = True
    for index, name in enumerate(wanted):
        if name not in by_name:
            b.problem(
                p.key,
                f"phone.{kind.field}[{index}]",
                f"unknown {kind.noun} {name!r}"
                + choices(by_name)
                + ": zoomstate does not create them; create it in the portal first",
            )
            known = False
    if not known:
        return
    for name in sorted(set(have) - set(wanted)):
        group = by_name.get(name)
        if group is None:
            continue
        manager = group.manager()
        if manager is not None and b.member_key(manager.id, manager.email) == p.key:
            b.problem(
                p.key,
                f"phone.{kind.field}",
                f"{p.key} is the manager of {kind.noun} {name!r}, which the list leaves out: "
                "Zoom has no API to change a queue's manager; make another member the "
                "manager in the portal (Phone System Management > Call Queues), or keep "
                "the queue in the list",
            )
            continue
        p.step(
            kind.remove,
            {"group_id": group.id, "name": name},
            suffix=name,
            before=name,
            after=None,
            removal=True,
            reads=[kind.address(name)],
        )
    # The member's Zoom Phone comes first: per user (enable_phone) or in a batch.
    phone_steps = (f"{p.key}/enable_phone", f"{p.key}/add_phone_user")
    after = tuple(op for op in (p.first, *phone_steps) if op is not None and op in b.ops)
    reads = (str(Address.user(p.key)),)
    for name in sorted(set(wanted) - set(have)):
        if p.pending_reason is not None:
            b.wait(p.key, kind.add, p.pending_reason, name)
            continue
        gathered(b).joins[(kind.field, name)].append(Join(p.key, after, reads))


# -- what the plan shows


def membership_summary(operations: Iterable[Operation]) -> list[str]:
    """The membership changes of each queue and group, one line each:
    `call queue Support: + 12 members, - 1 member`."""
    joined: dict[tuple[str, str], int] = defaultdict(int)
    left: dict[tuple[str, str], int] = defaultdict(int)
    for op in operations:
        params: Mapping[str, Any] = op.params
        for kind in KINDS:
            if op.kind == kind.add:
                joined[(kind.noun, op.user)] += len(op.users())
            elif op.kind == kind.remove:
                left[(kind.noun, str(params["name"]))] += 1
    lines = []
    for noun, name in sorted(set(joined) | set(left)):
        parts = []
        if joined[(noun, name)]:
            parts.append(f"+ {_members(joined[(noun, name)])}")
        if left[(noun, name)]:
            parts.append(f"- {_members(left[(noun, name)])}")
        lines.append(f"{noun} {name}: {', '.join(parts)}")
    return lines


def _members(n: int) -> str:
    return f"{n} member{'s' if n != 1 else ''}"


# -- the aspect


class PhoneQueuesAspect:
    """`phone.call_queues` and `phone.shared_line_groups` as diff and export see them:
    exact sets inside the phone block (owned by the `phone` aspect before this one).
    Absent keeps the live value; None on a live user means it is in none (or the account
    was not read for them)."""

    name: Final[AspectName] = "phone_queues"
    fields: Final[tuple[str, ...]] = ("call_queues", "shared_line_groups")
    block: Final[str] = "phone"

    def effective(
        self, desired: UserSpec, live: UserSpec | None, plans: PlanResolver
    ) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for kind in KINDS:
            mine, theirs = wanted_of(desired, kind), wanted_of(live, kind)
            # The same set keeps the live value (None for a user in none, as read).
            same = mine is None or set(mine) == set(theirs or ())
            values[kind.field] = theirs if same else tuple(sorted(set(mine or ())))
        return values

    def same(self, desired: UserSpec, live: UserSpec, plans: PlanResolver) -> bool:
        for kind in KINDS:
            mine = wanted_of(desired, kind)
            if mine is not None and set(mine) != set(wanted_of(live, kind) or ()):
                return False
        return True

    def comparable(self, spec: UserSpec) -> dict[str, JsonValue]:
        out: dict[str, JsonValue] = {}
        for kind in KINDS:
            value = wanted_of(spec, kind)
            out[kind.field] = list(sorted(set(value))) if value is not None else None
        return out

    def export(self, user: LiveUser, plan_names: Mapping[int, str]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for kind in KINDS:
            # Only a user in some: an empty list on every phone user would be noise, and
            # absent (leave as is) keeps the same account.
            value = wanted_of(user.spec, kind)
            if value:
                out[kind.field] = sorted(value)
        return out


PHONE_QUEUES = PhoneQueuesAspect()

__all__ = [
    "CALL_QUEUES",
    "KINDS",
    "MEMBERS_PER_CALL",
    "PHONE_QUEUES",
    "SHARED_LINE_GROUPS",
    "Gathered",
    "Join",
    "PhoneGroupKind",
    "PhoneQueuesAspect",
    "gathered",
    "membership_summary",
    "plan_memberships",
    "wanted_of",
]

"""The operation vocabulary: the kinds of Zoom API step a plan is made of, and `Operation`.

One registry entry (`OpSpec`) per kind holds everything the core knows about it: its
`+ ~ -` symbol, its place in its owner's natural sequence (ordering rules 1 and 2,
zoomstate/core/order.py) and its typed params (zoomstate/core/params.py). Apply's handlers
(each Zoom adapter's `HANDLERS`, zoomstate/zoom/adapters/) are keyed by the same kinds;
tests/test_op_registry.py fails when a kind lacks one, a model in the property tests, a
sandbox route or a row in docs/plan.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ValidationError

from zoomstate.core import claims as C
from zoomstate.core import params as P
from zoomstate.core.address import Address, AddressKind
from zoomstate.core.aspect import JsonValue
from zoomstate.core.params import Params
from zoomstate.errors import InvalidPlan

OpKind = Literal[
    "create_user",
    "update_user",
    "change_email",
    "activate_user",
    "deactivate_user",
    "delete_user",
    "assign_role",
    "enable_phone",
    "add_phone_user",
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
    "create_group",
    "add_group_members",
    "move_group_member",
    "set_primary_group",
    "remove_group_member",
    "add_call_queue_members",
    "remove_call_queue_member",
    "add_shared_line_group_members",
    "remove_shared_line_group_member",
]
# What a step does to its resource, as the plan shows it.
Action = Literal["+", "~", "-"]


@dataclass(frozen=True, slots=True)
class BatchSpec:
    """Steps of one kind that Zoom takes several at a time in one call: the name their
    batch ids carry (`batch/<name>/<n>`) and how many one call takes (Zoom's limit)."""

    name: str
    limit: int


# POST /phone/users/batch: "You can add up to 10 users at a time" [P desc; users maxItems
# 10]. The Contact Center batch routes take 20 [C users maxItems 20].
BATCH_PHONE = BatchSpec("phone_users", 10)
BATCH_CC_CREATE = BatchSpec("contact_center_users", 20)
BATCH_CC_UPDATE = BatchSpec("contact_center_updates", 20)
BATCH_CC_DELETE = BatchSpec("contact_center_removals", 20)


@dataclass(frozen=True, slots=True)
class OpSpec:
    """One kind of operation: its symbol, its place among its owner's steps when nothing
    else decides (ordering rules 1 and 2), the record its params must fit, the kind of
    address that owns it, and what it claims and frees (zoomstate/core/claims.py).
    `hand_over`: what it frees is given up whole, so when another step of the plan
    claims it nothing is lost (a number moving between users)."""

    kind: OpKind
    action: Action
    sequence: int
    params: type[Params]
    claims: C.Claims = C.nothing
    frees: C.Frees = C.frees_nothing
    owner: AddressKind = "user"
    hand_over: bool = False
    # The users a step changes, for the plan's count of them: its owner, when that is a
    # user; a group's step names its members.
    users: Callable[[Operation], tuple[str, ...]] | None = None
    # Whether steps of this kind may go several to a call (zoomstate/core/batches.py).
    batch: BatchSpec | None = None


def _members(op: Operation) -> tuple[str, ...]:
    args = op.args
    assert isinstance(args, P.GroupMembers)
    return (*args.members, *(args.pending or ()))


def _phone_members(op: Operation) -> tuple[str, ...]:
    args = op.args
    assert isinstance(args, P.PhoneGroupMembers)
    return tuple(args.members)


# The registry, in the order of OpKind. Sequence numbers are spaced as they always were
# (saved plans were ordered by them); only their order matters.
OPS: tuple[OpSpec, ...] = (
    OpSpec("create_user", "+", 0, P.CreateUser, C.licence_of_new_user),
    OpSpec("update_user", "~", 1, P.UpdateUser, C.licence_taken, C.licence_given_up),
    OpSpec("change_email", "~", 2, P.ChangeEmail),
    OpSpec("activate_user", "+", 3, P.NoParams),
    OpSpec("deactivate_user", "-", 18, P.NoParams, frees=C.frees_everything),
    OpSpec("delete_user", "-", 19, P.DeleteUser, frees=C.frees_everything),
    OpSpec("assign_role", "+", 6, P.AssignRole),
    OpSpec("enable_phone", "+", 10, P.NoParams, C.phone_turned_on),
    # A new phone user whose whole phone block goes in one batch call (at most 10 users a
    # call, zoomstate/core/batches.py): it takes the place of enable_phone, update_phone,
    # assign_calling_plan and assign_number.
    OpSpec("add_phone_user", "+", 10, P.AddPhoneUser, C.phone_user_added, batch=BATCH_PHONE),
    OpSpec("update_phone", "~", 11, P.UpdatePhone, C.extension_claimed, C.extension_left),
    OpSpec("assign_calling_plan", "+", 12, P.CallingPlanType, C.plan_claimed),
    OpSpec(
        "switch_calling_plan",
        "~",
        8,
        P.SwitchCallingPlan,
        C.plan_switched_to,
        C.plan_switched_from,
    ),
    OpSpec("unassign_calling_plan", "-", 9, P.CallingPlanType, frees=C.plan_dropped),
    OpSpec("assign_number", "+", 13, P.PhoneNumber, C.number_claimed),
    OpSpec("unassign_number", "-", 7, P.PhoneNumber, frees=C.number_freed, hand_over=True),
    OpSpec("disable_phone", "-", 14, P.NoParams, frees=C.phone_given_up),
    OpSpec(
        "create_contact_center_user",
        "+",
        16,
        P.CreateContactCenterUser,
        C.package_claimed,
        batch=BATCH_CC_CREATE,
    ),
    OpSpec(
        "update_contact_center_user",
        "~",
        17,
        P.UpdateContactCenterUser,
        C.package_changed_to,
        C.package_changed_from,
        batch=BATCH_CC_UPDATE,
    ),
    OpSpec(
        "delete_contact_center_user",
        "-",
        15,
        P.NoParams,
        frees=C.package_released,
        batch=BATCH_CC_DELETE,
    ),
    # User groups. A group's own steps are owned by it (`group:<name>`): its creation, then
    # its members added 30 at a time. A user's moves (4) and other changes (5) come
    # before its Zoom Phone (10) and Contact Center (15-17) steps, so that a new licence
    # starts under its group's policy (the planner makes those wait for them too).
    OpSpec("create_group", "+", 0, P.CreateGroup, owner="group"),
    OpSpec("add_group_members", "+", 1, P.GroupMembers, owner="group", users=_members),
    OpSpec("move_group_member", "~", 4, P.MoveGroupMember),
    OpSpec("set_primary_group", "~", 5, P.GroupMember),
    OpSpec("remove_group_member", "-", 5, P.GroupMember),
    # Call queues and shared line groups: members join through the queue's or group's
    # own step (`queue:<name>`, `line_group:<name>`), up to 10 a call, after their Zoom
    # Phone; a member leaving one while keeping Zoom Phone is its own step (a leaver's
    # memberships go with its Zoom Phone).
    OpSpec(
        "add_call_queue_members", "+", 1, P.PhoneGroupMembers, owner="queue", users=_phone_members
    ),
    OpSpec("remove_call_queue_member", "-", 9, P.PhoneGroupMember),
    OpSpec(
        "add_shared_line_group_members",
        "+",
        1,
        P.PhoneGroupMembers,
        owner="line_group",
        users=_phone_members,
    ),
    OpSpec("remove_shared_line_group_member", "-", 9, P.PhoneGroupMember),
)
SPECS: Mapping[str, OpSpec] = {s.kind: s for s in OPS}
OP_KINDS: tuple[OpKind, ...] = tuple(s.kind for s in OPS)
SYMBOLS: Mapping[OpKind, Action] = {s.kind: s.action for s in OPS}
# Within one user, the order steps take when nothing else decides (rules 1 and 2).
USER_SEQUENCE: Mapping[OpKind, int] = {s.kind: s.sequence for s in OPS}


def check_params(kind: OpKind, params: Mapping[str, JsonValue]) -> dict[str, JsonValue]:
    """`params` as the kind's record serialises them; raises pydantic's ValidationError
    when they do not fit it (the planner's own steps: a bug, not bad input)."""
    return SPECS[kind].params.model_validate(params).dump()


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
    # The batch the step goes in (`batch/<name>/<n>`): one call for all its members.
    batch: str = ""

    def to_dict(self) -> dict[str, JsonValue]:
        out: dict[str, JsonValue] = {
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
        # Only when batched: the files of plans without batches stay as they were.
        if self.batch:
            out["batch"] = self.batch
        return out

    @property
    def args(self) -> Params:
        """The params as their kind's typed record."""
        return SPECS[self.kind].params.model_validate(self.params)

    @property
    def spec(self) -> OpSpec:
        return SPECS[self.kind]

    @property
    def owner(self) -> Address:
        """What the step belongs to: its lane in apply, its place in the order. The plan
        file names it in `user` (a user's e-mail, or a group's name: the kind says)."""
        return Address(SPECS[self.kind].owner, self.user)

    def users(self) -> tuple[str, ...]:
        """The users the step changes (the plan's summary counts them)."""
        spec = SPECS[self.kind]
        if spec.users is not None:
            return spec.users(self)
        return (self.user,) if spec.owner == "user" else ()

    def claims(self) -> tuple[Address, ...]:
        return SPECS[self.kind].claims(self)

    def frees(self, held: frozenset[Address]) -> tuple[Address, ...]:
        """What the step frees, given what its owner holds in the live account."""
        return SPECS[self.kind].frees(self, held)

    @classmethod
    def from_dict(cls, data: object, index: int | None = None) -> Operation:
        """An operation read from a plan file, checked against the registry: InvalidPlan
        (a ConfigError), naming the operation, for an unknown kind or a field that does
        not fit. zoomstate.planfile checks the file's shape first; this is what only the
        registry knows, the params each kind takes."""
        # Named as zoomstate.planfile names a step (`operations[3] (ID)`), so a refusal
        # reads the same whichever pass finds the problem.
        label = "plan operation" if index is None else f"operations[{index}]"
        if not isinstance(data, Mapping):
            raise InvalidPlan(f"{label}: not an object")
        op_id = data.get("id")
        if not isinstance(op_id, str) or not op_id:
            raise InvalidPlan(f"{label}: id must be a non-empty string, not {op_id!r}")
        where = f"plan operation {op_id!r}" if index is None else f"{label} ({op_id})"
        field = _Fields(data, where)
        kind = data.get("kind")
        spec = SPECS.get(kind) if isinstance(kind, str) else None
        if spec is None:
            raise field.error(
                f"unknown kind {kind!r} (not one this zoomstate knows: was the plan made "
                "by a newer version?)"
            )
        params = data.get("params") or {}
        try:
            checked = spec.params.model_validate(params).dump()
        except ValidationError as exc:
            raise field.error(_params_problem(exc)) from None
        return cls(
            id=op_id,
            kind=spec.kind,
            user=field.text("user"),
            params=checked,
            before=data.get("before"),
            after=data.get("after"),
            depends_on=field.texts("depends_on"),
            destroys_data=field.flag("destroys_data"),
            removal=field.flag("removal"),
            reads=field.texts("reads"),
            note=field.text("note", required=False),
            batch=field.text("batch", required=False),
        )


class _Fields:
    """The fields of one object of a plan file, each checked as it is read."""

    def __init__(self, data: Mapping[str, Any], where: str) -> None:
        self.data = data
        self.where = where

    def error(self, message: str) -> InvalidPlan:
        return InvalidPlan(f"{self.where}: {message}")

    def text(self, name: str, *, required: bool = True) -> str:
        value = self.data.get(name)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or (required and not value):
            raise self.error(f"{name} must be a non-empty string, not {value!r}")
        return value

    def texts(self, name: str) -> tuple[str, ...]:
        value = self.data.get(name) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(f"{name} must be a list of strings, not {value!r}")
        return tuple(value)

    def flag(self, name: str) -> bool:
        value = self.data.get(name, False)
        if not isinstance(value, bool):
            raise self.error(f"{name} must be true or false, not {value!r}")
        return value


def _params_problem(exc: ValidationError) -> str:
    return "; ".join(
        ".".join(["params", *(str(part) for part in e["loc"])]) + ": " + e["msg"]
        for e in exc.errors()
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

    @classmethod
    def from_dict(cls, data: object, index: int = 0) -> Waiting:
        """A waiting step read from a plan file; InvalidPlan when it does not fit."""
        if not isinstance(data, Mapping):
            raise InvalidPlan(f"plan waiting step #{index + 1}: not an object")
        field = _Fields(data, f"plan waiting step #{index + 1}")
        kind = data.get("kind")
        spec = SPECS.get(kind) if isinstance(kind, str) else None
        if spec is None:
            raise field.error(f"unknown kind {kind!r}")
        return cls(field.text("user"), spec.kind, field.text("reason"), data.get("after"))

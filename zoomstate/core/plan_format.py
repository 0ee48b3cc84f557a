"""The plan and its file format: `Plan`, `Waiting` steps, the state hash and the live
fingerprints a saved plan is checked against before it is applied."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from zoomstate import __version__
from zoomstate.core.ops import Operation, Waiting
from zoomstate.diff import JsonValue, UserDiff
from zoomstate.errors import InvalidPlan
from zoomstate.live import LiveState, LiveUser, Named, PhoneGroup, PhoneNumber, Receptionist
from zoomstate.model import DesiredState

FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class AccountRef:
    """The account a plan was made for: its id, and its owner's e-mail when the user
    list showed one. Plans, the pull-request comment and the apply prompt name it."""

    id: str | None
    owner: str | None = None

    @classmethod
    def of(cls, live: LiveState) -> AccountRef:
        return cls(live.account_id, live.owner())

    def describe(self) -> str:
        name = f"account {self.id}" if self.id else "the account"
        return f"{name} (owner: {self.owner})" if self.owner else name

    def to_dict(self) -> dict[str, JsonValue]:
        return {"id": self.id, "owner": self.owner}


@dataclass(frozen=True, slots=True)
class Plan:
    operations: tuple[Operation, ...]
    waiting: tuple[Waiting, ...]
    warnings: tuple[str, ...]
    state_hash: str
    fingerprints: Mapping[str, str]
    diffs: tuple[UserDiff, ...] = field(default=(), compare=False)
    account: AccountRef | None = None
    # Users in Zoom but not in the state (on_missing_user: report): one warning names a
    # few, the CLI lists them all with -v. Not part of the plan file.
    unlisted: tuple[str, ...] = field(default=(), compare=False)

    @property
    def has_changes(self) -> bool:
        return bool(self.operations)

    def summary(self) -> dict[str, JsonValue]:
        kinds: dict[str, JsonValue] = dict(
            sorted(Counter(op.kind for op in self.operations).items())
        )
        out: dict[str, JsonValue] = {
            "operations": len(self.operations),
            "users": len({user for op in self.operations for user in op.users()}),
            "by_kind": kinds,
            "destroys_data": sum(op.destroys_data for op in self.operations),
            "removals": sum(op.removal for op in self.operations),
            "waiting": len(self.waiting),
        }
        batches = len(self.batches())
        if batches:
            # Only when there are some: summaries of plans without stay as they were.
            out["batches"] = batches
        return out

    def batches(self) -> dict[str, tuple[Operation, ...]]:
        """Each batch's id -> its members, in plan order (zoomstate/core/batches.py)."""
        return batches_of(self.operations)

    def to_dict(self) -> dict[str, JsonValue]:
        """The one serialisation: JSON output, the plan file and the fingerprint."""
        out: dict[str, JsonValue] = {
            "format_version": FORMAT_VERSION,
            "zoomstate_version": __version__,
            "state_hash": self.state_hash,
            "summary": self.summary(),
            "operations": [op.to_dict() for op in self.operations],
            "waiting": [w.to_dict() for w in self.waiting],
            "warnings": list(self.warnings),
            "fingerprints": dict(sorted(self.fingerprints.items())),
            "account": self.account.to_dict() if self.account else None,
        }
        batches = self.batches()
        if batches:
            # Only in a plan that has some: the files of others stay as they were.
            out["batches"] = batch_listing(batches)
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Plan:
        if data.get("format_version") != FORMAT_VERSION:
            raise ValueError(
                f"plan format_version {data.get('format_version')!r} is not {FORMAT_VERSION}"
            )
        operations = tuple(
            Operation.from_dict(o, i) for i, o in enumerate(data.get("operations") or ())
        )
        check_batches(operations, data.get("batches"))
        return cls(
            operations=operations,
            waiting=tuple(Waiting.from_dict(w, i) for i, w in enumerate(data.get("waiting") or ())),
            warnings=tuple(data.get("warnings") or ()),
            state_hash=str(data["state_hash"]),
            fingerprints=dict(data.get("fingerprints") or {}),
            account=_account(data.get("account")),
        )


def batches_of(operations: Iterable[Operation]) -> dict[str, tuple[Operation, ...]]:
    """Each batch's id -> its members, in the order of `operations`."""
    out: dict[str, list[Operation]] = {}
    for op in operations:
        if op.batch:
            out.setdefault(op.batch, []).append(op)
    return {batch: tuple(members) for batch, members in out.items()}


def batch_listing(batches: Mapping[str, tuple[Operation, ...]]) -> list[JsonValue]:
    """The plan file's `batches`: each batch's id, kind and members' ids."""
    return [
        {"id": batch, "kind": members[0].kind, "members": [op.id for op in members]}
        for batch, members in batches.items()
    ]


def check_batches(operations: tuple[Operation, ...], listed: object) -> None:
    """InvalidPlan when a plan file's batches do not hold: a batch of a kind that does not
    go in batches, one over Zoom's limit, or a `batches` list that is not the one its
    steps make (a hand-edited file)."""
    found = batches_of(operations)
    for batch, members in found.items():
        spec = members[0].spec.batch
        if spec is None or any(m.kind != members[0].kind for m in members):
            raise InvalidPlan(f"{batch}: its steps are not all of one kind that goes in batches")
        if len(members) > spec.limit:
            raise InvalidPlan(
                f"{batch}: {len(members)} steps, over Zoom's {spec.limit} a call for "
                f"{members[0].kind}"
            )
    if (listed or []) != batch_listing(found):
        raise InvalidPlan("batches: not the batches its steps name (was the file edited?)")


def _account(data: object) -> AccountRef | None:
    if not isinstance(data, Mapping):
        return None
    ident, owner = data.get("id"), data.get("owner")
    return AccountRef(
        ident if isinstance(ident, str) else None, owner if isinstance(owner, str) else None
    )


def _canonical(data: object) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def state_hash(desired: DesiredState) -> str:
    """A hash of what the state asks for (not of its formatting or comments).

    Values left at their defaults are not hashed, so a release that adds an optional
    setting does not turn every saved plan into "the state changed".
    """
    account = desired.account.model_dump(mode="json", exclude_defaults=True)
    digest = hashlib.sha256(_canonical(account).encode())
    # Users through pydantic's own JSON (fields in declaration order, so as stable as
    # sorted keys): several times faster than model_dump + json.dumps on 100,000 users.
    for user in desired.users:
        digest.update(b"\n")
        digest.update(user.model_dump_json(exclude={"profile"}, exclude_defaults=True).encode())
    return "sha256:" + digest.hexdigest()


# Left out of a user's fingerprint when unset, as state_hash leaves out defaults: a user
# of an account without groups keeps the fingerprint it had before groups were read.
_UNSET_LEFT_OUT = ("groups", "primary_group")
_PHONE_UNSET_LEFT_OUT = ("call_queues", "shared_line_groups")


def user_fingerprint(user: LiveUser | None) -> str:
    if user is None:
        return "absent"
    unset: dict[str, Any] = {
        name: True for name in _UNSET_LEFT_OUT if getattr(user.spec, name) is None
    }
    phone = user.spec.phone
    if phone is not None:
        # Memberships only when in some: a user in none (or not read) keeps the
        # fingerprint it had before they were read.
        left = {name: True for name in _PHONE_UNSET_LEFT_OUT if not getattr(phone, name)}
        if left:
            unset["phone"] = left
    leaver = dict.fromkeys(("profile", "job_title", "remove", "transfer_to"), True)
    body = {
        # A live spec never has a leaver's fields, and groups only when read: left out,
        # so that adding them kept every saved plan's fingerprints.
        "spec": user.spec.model_dump(mode="json", exclude={**leaver, **unset}),
        "status": user.status,
        "id": user.zoom_id,
    }
    return hashlib.sha256(_canonical(body).encode()).hexdigest()[:16]


def number_fingerprint(number: PhoneNumber | None) -> str:
    body = None
    if number is not None:
        body = [number.id, number.assignee_id, number.assignee_type, number.status]
    return hashlib.sha256(_canonical(body).encode()).hexdigest()[:16]


def group_fingerprint(group: Named | None) -> str:
    """A group as a step relies on it: which group the name is (deleted and made again,
    it is another). Its members are in their own users' fingerprints."""
    if group is None:
        return "absent"
    body = [group.id, group.name]
    return hashlib.sha256(_canonical(body).encode()).hexdigest()[:16]


def phone_group_fingerprint(group: PhoneGroup | None) -> str:
    """A call queue or shared line group as a step relies on it: which one the name is,
    and its members with their levels (a manager changed after review matters)."""
    if group is None:
        return "absent"
    body = [group.id, group.name, sorted([m.id, m.level] for m in group.members)]
    return hashlib.sha256(_canonical(body).encode()).hexdigest()[:16]


def receptionist_fingerprint(receptionist: Receptionist | None) -> str:
    if receptionist is None:
        return "absent"
    body = [receptionist.id, receptionist.name, receptionist.operator_id]
    return hashlib.sha256(_canonical(body).encode()).hexdigest()[:16]


def live_fingerprints(live: LiveState, keys: Iterable[str]) -> dict[str, str]:
    """Fingerprints of the live objects at the addresses `keys` (`user:<email>`,
    `number:<E.164>`, `group:<name>`). An address of a kind without a fingerprint is left
    out, so a saved plan that names one reads as changed."""
    users = live.by_key()
    numbers = {n.number: n for n in live.numbers}
    groups = {g.name: g for g in live.groups}
    queues = {g.name: g for g in live.call_queues or ()}
    line_groups = {g.name: g for g in live.shared_line_groups or ()}
    receptionists = {r.name: r for r in live.receptionists or ()}
    by_kind: Mapping[str, Callable[[str], str]] = {
        "user": lambda email: user_fingerprint(users.get(email)),
        "number": lambda e164: number_fingerprint(numbers.get(e164)),
        "group": lambda name: group_fingerprint(groups.get(name)),
        "queue": lambda name: phone_group_fingerprint(queues.get(name)),
        "line_group": lambda name: phone_group_fingerprint(line_groups.get(name)),
        "receptionist": lambda name: receptionist_fingerprint(receptionists.get(name)),
    }
    out: dict[str, str] = {}
    for key in keys:
        kind, _, name = key.partition(":")
        fingerprint = by_kind.get(kind)
        if fingerprint is not None:
            out[key] = fingerprint(name)
    return out

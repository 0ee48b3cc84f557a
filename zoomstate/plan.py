"""From user differences to an ordered, checked, fingerprinted plan of Zoom API steps.

Pure: the same desired and live states give a byte-identical plan (`Plan.to_dict`).

Steps are `Operation`s with explicit dependencies. `order_operations` is the only place
that decides order; every rule is written where it is applied, with why:

1. A user exists (and is active) before any role, Phone or Contact Center step for it.
2. The Phone licence before site, extension and template; a calling plan before a number.
3. Releases before claims: a number or extension moving between users is released by the
   old owner first; a swap (or longer cycle) of extensions goes through a free one.
4. Seats: removals that free a seat run before the additions that need it; a plan that
   needs more seats than will be free fails here, with the counts.
5. Destructive steps last, except one whose freed seat, number or extension a later step
   needs.
6. Pending users: steps that need an active user are listed under `waiting`, not planned.
"""

from __future__ import annotations

import hashlib
import heapq
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, get_args

from zoomstate import __version__
from zoomstate.diff import JsonValue, PlanResolver, Reach, UserDiff, diff_users
from zoomstate.errors import InvalidPlan, Issue, UnsafePlan, ValidationFailed
from zoomstate.live import LiveState, LiveUser
from zoomstate.model import USER_TYPE_CODES, DesiredState, UserSpec

FORMAT_VERSION = 1

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
_USER_SEQUENCE: Mapping[OpKind, int] = {k: i for i, k in enumerate(OP_KINDS)} | {
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
ADMIN_ROLES = frozenset({"owner", "admin"})
ADMIN_ROLE_IDS = frozenset({"0", "1"})


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


@dataclass(frozen=True, slots=True)
class PlanOptions:
    targets: frozenset[str] | None = None
    skip_removals: bool = False
    force: bool = False


@dataclass(frozen=True, slots=True)
class Plan:
    operations: tuple[Operation, ...]
    waiting: tuple[Waiting, ...]
    warnings: tuple[str, ...]
    state_hash: str
    fingerprints: Mapping[str, str]
    diffs: tuple[UserDiff, ...] = field(default=(), compare=False)

    @property
    def has_changes(self) -> bool:
        return bool(self.operations)

    def summary(self) -> dict[str, JsonValue]:
        kinds: dict[str, JsonValue] = dict(
            sorted(Counter(op.kind for op in self.operations).items())
        )
        return {
            "operations": len(self.operations),
            "users": len({op.user for op in self.operations}),
            "by_kind": kinds,
            "destroys_data": sum(op.destroys_data for op in self.operations),
            "removals": sum(op.removal for op in self.operations),
            "waiting": len(self.waiting),
        }

    def to_dict(self) -> dict[str, JsonValue]:
        """The one serialisation: JSON output, the plan file and the fingerprint."""
        return {
            "format_version": FORMAT_VERSION,
            "zoomstate_version": __version__,
            "state_hash": self.state_hash,
            "summary": self.summary(),
            "operations": [op.to_dict() for op in self.operations],
            "waiting": [w.to_dict() for w in self.waiting],
            "warnings": list(self.warnings),
            "fingerprints": dict(sorted(self.fingerprints.items())),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Plan:
        if data.get("format_version") != FORMAT_VERSION:
            raise ValueError(
                f"plan format_version {data.get('format_version')!r} is not {FORMAT_VERSION}"
            )
        return cls(
            operations=tuple(Operation.from_dict(o) for o in data.get("operations") or ()),
            waiting=tuple(
                Waiting(w["user"], w["kind"], w["reason"], w.get("after"))
                for w in data.get("waiting") or ()
            ),
            warnings=tuple(data.get("warnings") or ()),
            state_hash=str(data["state_hash"]),
            fingerprints=dict(data.get("fingerprints") or {}),
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


def user_fingerprint(user: LiveUser | None) -> str:
    if user is None:
        return "absent"
    body = {
        "spec": user.spec.model_dump(mode="json", exclude={"profile", "job_title"}),
        "status": user.status,
        "id": user.zoom_id,
    }
    return hashlib.sha256(_canonical(body).encode()).hexdigest()[:16]


def live_fingerprints(live: LiveState, keys: Iterable[str]) -> dict[str, str]:
    """Fingerprints of the live objects named `user:<email>` or `number:<E.164>`."""
    users = live.by_key()
    numbers = {n.number: n for n in live.numbers}
    out: dict[str, str] = {}
    for key in keys:
        kind, _, name = key.partition(":")
        if kind == "user":
            out[key] = user_fingerprint(users.get(name))
        elif kind == "number":
            n = numbers.get(name)
            body = None if n is None else [n.id, n.assignee_id, n.assignee_type, n.status]
            out[key] = hashlib.sha256(_canonical(body).encode()).hexdigest()[:16]
    return out


# --------------------------------------------------------------------------------------
# Building operations


@dataclass
class _Builder:
    desired: DesiredState
    live: LiveState
    options: PlanOptions
    ops: dict[str, Operation] = field(default_factory=dict)
    deps: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    waiting: list[Waiting] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    # Live key -> the key its steps are planned under. They differ for a user whose
    # e-mail changes (matched by Zoom id): its steps carry the new e-mail, so looking up
    # a holder's releases by the live e-mail would miss them (make_plan fills this).
    renamed: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # DesiredState.by_key() builds a new dict per call: once here, not once per user.
        self.wanted = self.desired.by_key()
        self.plans = PlanResolver(self.live.calling_plans)
        self.plan_names = {p.type: p.name for p in self.live.calling_plans}
        self.sites = {s.name.lower(): s for s in self.live.sites}
        self.templates = {t.name.lower(): t for t in self.live.templates}
        self.roles = {r.name.lower(): r for r in self.live.roles}
        self.cc_roles = {r.name.lower(): r for r in self.live.contact_center_roles}
        self.numbers = {n.number: n for n in self.live.numbers}
        self.live_by_id = {u.zoom_id: u for u in self.live.users if u.zoom_id}

    # -- problems, located in the state

    def key_of(self, live_key: str) -> str:
        return self.renamed.get(live_key, live_key)

    def problem(self, user: str, path: str, message: str) -> None:
        origin = self.desired.origins.get(user)
        if origin is None:
            self.issues.append(Issue("(live account)", 0, 0, user, message))
            return
        where = f"{origin.path}.{path}" if path else origin.path
        self.issues.append(Issue(origin.file, origin.line, origin.col, where, message))

    # -- operations

    def add(
        self,
        kind: OpKind,
        user: str,
        params: Mapping[str, JsonValue],
        *,
        suffix: str = "",
        before: JsonValue = None,
        after: JsonValue = None,
        destroys_data: bool = False,
        removal: bool = False,
        reads: Sequence[str] = (),
        note: str = "",
    ) -> str:
        op_id = f"{user}/{kind}" + (f"/{suffix}" if suffix else "")
        self.ops[op_id] = Operation(
            id=op_id,
            kind=kind,
            user=user,
            params=dict(params),
            before=before,
            after=after,
            destroys_data=destroys_data,
            removal=removal,
            reads=(f"user:{user}", *reads),
            note=note,
        )
        return op_id

    def depend(self, op_id: str, *on: str | None) -> None:
        for other in on:
            if other and other != op_id:
                self.deps[op_id].add(other)

    def wait(self, user: str, kind: OpKind, reason: str, after: JsonValue = None) -> None:
        self.waiting.append(Waiting(user, kind, reason, after))


def _choices(names: Iterable[str]) -> str:
    listed = sorted(names)
    return f" (the account has: {', '.join(listed)})" if listed else ""


def _plan_label(builder: _Builder, code: int | str) -> str:
    return builder.plan_names.get(code, str(code)) if isinstance(code, int) else code


def _is_admin(user: LiveUser) -> bool:
    role = (user.spec.role or "").lower()
    return role in ADMIN_ROLES or (user.role_id or "") in ADMIN_ROLE_IDS


def _user_fields(spec: UserSpec, original: UserSpec | None) -> dict[str, JsonValue]:
    fields: dict[str, JsonValue] = {}
    for name in ("first_name", "last_name", "department"):
        value = getattr(spec, name)
        if value is not None:
            fields[name] = value
    if original is not None and original.job_title is not None:
        fields["job_title"] = original.job_title
    return fields


class _UserPlanner:
    """The steps of one user; cross-user links are added afterwards."""

    def __init__(self, b: _Builder, diff: UserDiff) -> None:
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
            return None
        live = self.diff.live
        if live is not None and live.key != self.key:
            # Renamed (matched by id): the live object the plan read is under its old
            # e-mail, and `user:<new e-mail>` alone would fingerprint nothing.
            kw["reads"] = (f"user:{live.key}", *kw.get("reads", ()))
        op_id = self.b.add(kind, self.key, params, **kw)
        self.b.depend(op_id, self.first)
        return op_id

    # -- the three kinds of difference

    def plan(self) -> None:
        if self.diff.kind == "missing":
            self.plan_missing()
        elif self.diff.kind == "create":
            self.plan_create()
        else:
            self.plan_update()

    def plan_missing(self) -> None:
        b, live = self.b, self.diff.live
        assert live is not None
        account = b.desired.account
        policy = account.on_missing_user
        if "users" not in self.manage or policy == "ignore":
            return
        if policy == "report":
            b.warnings.append(
                f"{self.key} is in Zoom but not in the state (account.on_missing_user: report)"
            )
            return
        if live.status == "pending":
            # A pending invitation holds no licence and no data: revoking it is safe. Zoom
            # wants a bare DELETE here; an `action` query gets a 404 for pending users.
            self.step(
                "delete_user",
                {"action": None},
                before=live.status,
                after=None,
                removal=True,
                note="revoke the pending invitation",
            )
            return
        if live.status == "inactive" and policy == "deactivate":
            return
        if policy in ("deactivate", "disassociate") and _is_admin(live):
            b.issues.append(
                Issue(
                    "(live account)",
                    0,
                    0,
                    self.key,
                    f"{self.key} is an admin ({live.spec.role}) and Zoom refuses to "
                    f"{policy} admins (codes 200/1117): demote them in Zoom first, list them "
                    "in the state, or add them to account.protected",
                )
            )
            return
        if policy == "deactivate":
            self.step(
                "deactivate_user",
                {},
                before="active",
                after="inactive",
                destroys_data=True,
                removal=True,
                note="drops every licence: Zoom Phone, calling plans, numbers",
            )
            return
        params: dict[str, JsonValue] = {"action": policy}
        if policy == "delete" and account.transfer_to:
            params["transfer_email"] = account.transfer_to
        self.step(
            "delete_user", params, before=live.status, after=None, destroys_data=True, removal=True
        )

    def plan_create(self) -> None:
        b, target = self.b, self.diff.desired
        assert target is not None
        original = b.wanted.get(self.key)
        account = b.desired.account
        if "users" not in self.manage:
            self.pending_reason = "not in Zoom yet (users are created outside zoomstate)"
            b.warnings.append(
                f"{self.key} is in the state but not in Zoom, and users are "
                "not managed here: its steps wait until it appears"
            )
            self.plan_aspects(None, target, original)
            return
        if target.status == "inactive":
            b.warnings.append(
                f"{self.key} is inactive in the state and absent from Zoom: not created"
            )
            return
        params: dict[str, JsonValue] = {
            "action": account.create_action,
            "email": self.key,
            "type": USER_TYPE_CODES[target.type or "basic"],
            **_user_fields(target, original),
        }
        self.first = self.step(
            "create_user",
            params,
            after=target.type,
            note=f"create with action {account.create_action}",
        )
        if account.create_action == "create":
            self.pending_reason = (
                "invited: the user is pending until they accept Zoom's "
                "e-mail; run apply again after that"
            )
        self.plan_aspects(None, target, original)

    def plan_update(self) -> None:
        b, target, live = self.b, self.diff.desired, self.diff.live
        assert target is not None and live is not None
        original = b.wanted.get(self.key)
        if live.status == "pending":
            self.pending_reason = "pending: the user has not accepted Zoom's invitation yet"
            if "users" in self.manage and target.status == "inactive":
                # Zoom cannot deactivate an invitation (400/300): the step waits, and the
                # rest of the state (licences) does not apply to an inactive user.
                self.step("deactivate_user", {}, before="pending", after="inactive")
                return
        if live.key != self.key:
            self.first = self.step(
                "change_email", {"email": self.key}, before=live.key, after=self.key
            )
        if (
            "users" in self.manage
            and target.status != live.spec.status
            and live.status != "pending"
        ):
            if target.status == "inactive":
                demoted = None
                if _is_admin(live):
                    # Zoom refuses to deactivate an admin (400/200): the state must demote
                    # them too, and the demotion runs first.
                    wanted = (target.role or "").lower() if "role" in self.manage else ""
                    if not wanted or wanted in ADMIN_ROLES:
                        b.problem(
                            self.key,
                            "status",
                            f"{self.key} is an admin ({live.spec.role}) and Zoom refuses to "
                            "deactivate admins (code 200): give them a non-admin role in the "
                            "state too, or demote them in Zoom first",
                        )
                        return
                    self.plan_role(live.spec, target)
                    demoted = f"{self.key}/assign_role"
                deactivate = self.step(
                    "deactivate_user",
                    {},
                    before="active",
                    after="inactive",
                    destroys_data=True,
                    removal=True,
                    note="drops every licence: Zoom Phone, calling plans, numbers",
                )
                b.depend(deactivate or "", demoted if demoted in b.ops else None)
                return
            self.first = (
                self.step("activate_user", {}, before="inactive", after="active") or self.first
            )
        elif live.spec.status == "inactive" and target.status == "inactive":
            # An inactive user holds no licence and Zoom refuses them new ones: nothing
            # to do. Say so when the state asks for more, rather than stay silent.
            rest = [c.path for c in self.diff.changes if c.path not in ("status", "email")]
            if rest:
                b.warnings.append(
                    f"{self.key} is inactive in Zoom, so {', '.join(rest)} "
                    "cannot change (set status: active in the state to reactivate them)"
                )
            return
        self.plan_aspects(live.spec, target, original)

    # -- aspects

    def plan_aspects(
        self, live: UserSpec | None, target: UserSpec, original: UserSpec | None
    ) -> None:
        self.plan_user_fields(live, target, original)
        self.plan_role(live, target)
        self.plan_phone(live, target)
        self.plan_contact_center(live, target)

    def plan_user_fields(
        self, live: UserSpec | None, target: UserSpec, original: UserSpec | None
    ) -> None:
        if live is None:
            return
        changes: dict[str, JsonValue] = {}
        before: dict[str, JsonValue] = {}
        if "profile" in self.manage:
            for name in ("first_name", "last_name", "department"):
                if getattr(target, name) != getattr(live, name):
                    changes[name] = getattr(target, name)
                    before[name] = getattr(live, name)
        removal = False
        if "users" in self.manage and target.type != live.type and target.type is not None:
            changes["type"] = USER_TYPE_CODES[target.type]
            before["type"] = live.type
            ranks = {"licensed": 2, "basic": 1, "none": 0}
            removal = ranks[target.type] < ranks.get(live.type or "basic", 1)
        if changes:
            after = {k: (target.type if k == "type" else v) for k, v in changes.items()}
            self.step(
                "update_user", {"fields": changes}, before=before, after=after, removal=removal
            )

    def plan_role(self, live: UserSpec | None, target: UserSpec) -> None:
        if "role" not in self.manage or target.role is None:
            return
        current = live.role if live else "Member"
        if (current or "").lower() == target.role.lower():
            return
        role = self.b.roles.get(target.role.lower())
        if role is None:
            if self.b.live.roles:
                self.b.problem(
                    self.key,
                    "role",
                    f"unknown role {target.role!r} "
                    f"(the account has: {', '.join(sorted(r.name for r in self.b.live.roles))})",
                )
            else:
                self.b.warnings.append(f"{self.key}: roles could not be read; role not checked")
            return
        if target.role.lower() == "owner":
            self.b.problem(self.key, "role", "the Owner role cannot be assigned through the API")
            return
        self.step(
            "assign_role", {"role_id": role.id, "role": role.name}, before=current, after=role.name
        )

    def plan_phone(self, live_user: UserSpec | None, target: UserSpec) -> None:
        if "phone" not in self.manage:
            return
        b = self.b
        live = live_user.phone if live_user else None
        want = target.phone
        if want is None and live is None:
            return
        if want is None:
            assert live is not None
            self.step(
                "disable_phone",
                {},
                before=_phone_json(b, live),
                after=None,
                destroys_data=True,
                removal=True,
                reads=[f"number:{n}" for n in live.numbers],
                note="Zoom deletes voicemail, recordings and call history",
            )
            return
        if not b.live.phone_enabled:
            b.problem(self.key, "phone", "Zoom Phone is not enabled on this account")
            return
        enable = None
        if live is None:
            enable = self.step("enable_phone", {}, before=None, after="Zoom Phone licence")
        site_id = None
        if want.site is not None:
            site = b.sites.get(want.site.lower())
            if site is None:
                b.problem(
                    self.key,
                    "phone.site",
                    f"unknown site {want.site!r}"
                    + (
                        f" (the account has: {', '.join(sorted(s.name for s in b.live.sites))})"
                        if b.live.sites
                        else ""
                    ),
                )
                return
            site_id = site.id
        original = b.wanted.get(self.key)
        template = original.phone.template if original and original.phone else None
        template_id = None
        if template is not None and live is None:
            found = b.templates.get(template.lower())
            if found is None:
                b.problem(self.key, "phone.template", f"unknown setting template {template!r}")
                return
            template_id = found.id
        update: dict[str, JsonValue] = {}
        before: dict[str, JsonValue] = {}
        if want.site is not None and (live is None or live.site != want.site):
            update["site_id"] = site_id
            update["site"] = want.site
            before["site"] = live.site if live else None
        if want.extension is not None and (live is None or live.extension != want.extension):
            update["extension"] = want.extension
            before["extension"] = live.extension if live else None
        if template_id is not None:
            update["template_id"] = template_id
            update["template"] = template
        if update:
            op = self.step(
                "update_phone",
                update,
                before=before,
                after={k: v for k, v in update.items() if not k.endswith("_id")},
            )
            self.b.depend(op or "", enable)
        # Calling plans: exact set. Unknown references are problems, not steps.
        codes: list[int] = []
        for index, ref in enumerate(want.calling_plans):
            if isinstance(ref, str):
                b.problem(
                    self.key,
                    f"phone.calling_plans[{index}]",
                    f"unknown calling plan {ref!r}"
                    + (
                        f" (the account has: {', '.join(sorted(b.plan_names.values()))})"
                        if b.plan_names
                        else ""
                    ),
                )
                continue
            if b.plan_names and ref not in b.plan_names:
                b.problem(
                    self.key,
                    f"phone.calling_plans[{index}]",
                    f"calling plan type {ref} is not subscribed in this account",
                )
                continue
            codes.append(ref)
        have = set(live.calling_plans) if live else set()
        removed = sorted(int(c) for c in have - set(codes))
        added = sorted(set(codes) - have)
        have_numbers = set(live.numbers) if live else set()
        want_numbers = set(want.numbers)
        # Numbers leave before their plan (a number needs a plan).
        unassigns = []
        for number in sorted(have_numbers - want_numbers):
            unassigns.append(
                self.step(
                    "unassign_number",
                    {"number": number},
                    suffix=number,
                    before=number,
                    after=None,
                    reads=[f"number:{number}"],
                    destroys_data=True,
                )
            )
        # A one-for-one change of plan is a switch (PUT), which keeps the number; apply
        # checks and re-assigns it if Zoom dropped it.
        switches = []
        for source, dest in zip(removed, added, strict=False):
            op = self.step(
                "switch_calling_plan",
                {"source_type": source, "target_type": dest},
                suffix=f"{source}-{dest}",
                before=_plan_label(b, source),
                after=_plan_label(b, dest),
            )
            b.depend(op or "", enable, *unassigns)
            switches.append(op)
        drops = []
        for code in removed[len(added) :]:
            op = self.step(
                "unassign_calling_plan",
                {"type": code},
                suffix=str(code),
                before=_plan_label(b, code),
                after=None,
                removal=True,
                destroys_data=bool(have_numbers & want_numbers),
                note="Zoom unassigns the user's direct numbers with the plan",
            )
            b.depend(op or "", *unassigns)
            drops.append(op)
        assigns = []
        for code in added[len(removed) :]:
            op = self.step(
                "assign_calling_plan",
                {"type": code},
                suffix=str(code),
                before=None,
                after=_plan_label(b, code),
            )
            b.depend(op or "", enable, *drops)
            assigns.append(op)
        # Removing a plan drops the numbers: the ones the state keeps are assigned again.
        restore = have_numbers & want_numbers if drops else set()
        for number in sorted((want_numbers - have_numbers) | restore):
            op = self.step(
                "assign_number",
                {"number": number},
                suffix=number,
                before=None,
                after=number,
                reads=[f"number:{number}"],
                note="again, after the calling plan removal" if number in restore else "",
            )
            b.depend(op or "", enable, *switches, *drops, *assigns)

    def plan_contact_center(self, live_user: UserSpec | None, target: UserSpec) -> None:
        if "contact_center" not in self.manage:
            return
        b = self.b
        live = live_user.contact_center if live_user else None
        want = target.contact_center
        if want is None and live is None:
            return
        if want is None:
            assert live is not None
            self.step(
                "delete_contact_center_user",
                {},
                before=live.package,
                after=None,
                removal=True,
                note="releases the Contact Center seat",
            )
            return
        if not b.live.contact_center_enabled:
            b.problem(self.key, "contact_center", "Contact Center is not enabled on this account")
            return
        role = b.cc_roles.get(want.role.lower())
        if role is None:
            b.problem(
                self.key,
                "contact_center.role",
                f"unknown Contact Center role {want.role!r}"
                + _choices(r.name for r in b.live.contact_center_roles),
            )
            return
        after: dict[str, JsonValue] = {
            "package": want.package,
            "role": want.role,
            "access": want.access,
        }
        if live is None:
            self.step(
                "create_contact_center_user",
                {"package": want.package, "role_id": role.id, "access": want.access},
                before=None,
                after=after,
            )
            return
        changes: dict[str, JsonValue] = {}
        if live.package != want.package and want.package is not None:
            changes["package"] = want.package
        if live.role.lower() != want.role.lower():
            changes["role_id"] = role.id
        if live.access != want.access:
            changes["access"] = want.access
        if changes:
            self.step(
                "update_contact_center_user",
                changes,
                before={"package": live.package, "role": live.role, "access": live.access},
                after=after,
            )


def _phone_json(b: _Builder, phone: Any) -> dict[str, JsonValue]:
    return {
        "site": phone.site,
        "extension": phone.extension,
        "calling_plans": [_plan_label(b, c) for c in phone.calling_plans],
        "numbers": list(phone.numbers),
    }


# --------------------------------------------------------------------------------------
# Links between users: numbers, extensions and seats (rules 3 and 4)

_RELEASES_ALL: tuple[OpKind, ...] = ("disable_phone", "deactivate_user", "delete_user")


def _first_op(b: _Builder, user: str, candidates: Iterable[str]) -> str | None:
    for op_id in candidates:
        if op_id in b.ops:
            return op_id
    return None


def _number_release(b: _Builder, holder: str, number: str) -> str | None:
    plan_drops = sorted(o for o in b.ops if o.startswith(f"{holder}/unassign_calling_plan/"))
    return _first_op(
        b,
        holder,
        [f"{holder}/unassign_number/{number}", *plan_drops]
        + [f"{holder}/{k}" for k in _RELEASES_ALL],
    )


def _link_numbers(b: _Builder) -> None:
    holders: dict[str, str] = {}
    for user in b.live.users:
        if user.spec.phone is not None:
            for number in user.spec.phone.numbers:
                holders[number] = b.key_of(user.key)
    for op in sorted(b.ops.values(), key=lambda o: o.id):
        if op.kind != "assign_number":
            continue
        number = str(op.params["number"])
        holder = holders.get(number)
        if holder == op.user:
            continue
        if holder is not None:
            release = _number_release(b, holder, number)
            if release is None:
                reach = _reach(b, holder)
                b.problem(op.user, "phone.numbers", f"number {number} belongs to {holder}, {reach}")
                continue
            b.depend(op.id, release)
            released = b.ops[release]
            if released.kind == "unassign_number":
                # The number goes to someone else in this plan: giving it up loses
                # nothing (docs/state-format.md, "Steps that lose data").
                b.ops[release] = replace(released, destroys_data=False, note=f"moves to {op.user}")
            continue
        if not b.live.phone_enabled:
            # No Zoom Phone to read: the site and plan checks already say so.
            continue
        info = b.numbers.get(number)
        if info is None:
            b.problem(op.user, "phone.numbers", f"number {number} is not in this Zoom account")
        elif info.assignee_type not in (None, "user"):
            b.problem(
                op.user,
                "phone.numbers",
                f"number {number} is assigned to a {info.assignee_type} in Zoom, "
                "outside the state's reach",
            )


def _reach(b: _Builder, holder: str) -> str:
    account = b.desired.account
    if not account.in_scope(holder):
        return "outside account.domains, which zoomstate never changes"
    if account.is_protected(holder):
        return "a protected user"
    if b.options.targets is not None and holder not in b.options.targets:
        return "whom --target leaves out (add --target " + holder + ")"
    return "who keeps it in this plan"


def _free_extension(start: int, used: set[int]) -> int:
    candidate = start + 1
    while candidate in used:
        candidate += 1
    used.add(candidate)
    return candidate


def _link_extensions(b: _Builder) -> None:
    holders: dict[int, str] = {}
    used: set[int] = set()
    for user in b.live.users:
        if user.spec.phone is not None and user.spec.phone.extension is not None:
            holders[user.spec.phone.extension] = b.key_of(user.key)
            used.add(user.spec.phone.extension)
    for spec in b.desired.users:
        if spec.phone is not None and spec.phone.extension is not None:
            used.add(spec.phone.extension)
    claims: dict[str, str] = {}  # update_phone op -> the update_phone op it waits for
    for op in sorted(b.ops.values(), key=lambda o: o.id):
        if op.kind != "update_phone" or "extension" not in op.params:
            continue
        extension = int(op.params["extension"])  # type: ignore[arg-type]
        holder = holders.get(extension)
        if holder is None or holder == op.user:
            continue
        release = _first_op(
            b,
            holder,
            [f"{holder}/update_phone"] + [f"{holder}/{k}" for k in _RELEASES_ALL],
        )
        released = release is not None and (
            b.ops[release].kind != "update_phone" or "extension" in b.ops[release].params
        )
        if not released or release is None:
            b.problem(
                op.user,
                "phone.extension",
                f"extension {extension} is used by {holder}, {_reach(b, holder)}",
            )
            continue
        b.depend(op.id, release)
        if b.ops[release].kind == "update_phone":
            claims[op.id] = release
    # A swap (or a longer cycle) of extensions: one member moves to a free extension
    # first, so every claim finds its extension free.
    done: set[str] = set()
    for start in sorted(claims):
        path: list[str] = []
        node: str | None = start
        while node is not None and node not in done and node not in path:
            path.append(node)
            node = claims.get(node)
        done.update(path)
        if node is None or node not in path:
            continue
        cycle = path[path.index(node) :]
        mover = min(cycle)
        mover_user = b.ops[mover].user
        live_ext = next(u for u in b.live.users if b.key_of(u.key) == mover_user).spec.phone
        assert live_ext is not None and live_ext.extension is not None
        temp = _free_extension(live_ext.extension, used)
        temp_id = b.add(
            "update_phone",
            mover_user,
            {"extension": temp},
            suffix="temp",
            before={"extension": live_ext.extension},
            after={"extension": temp},
            note="a free extension for a moment: the extensions swap",
        )
        b.depend(mover, temp_id)
        for dependent, released_by in claims.items():
            if released_by == mover:
                b.deps[dependent].discard(mover)
                b.depend(dependent, temp_id)
    _link_extension_picks(b)


def _link_extension_picks(b: _Builder) -> None:
    """Zoom picks an extension itself when it turns Zoom Phone on for a user (and when a
    site move cannot keep the short extension), and it may pick any free one: possibly
    the one another step of this plan is about to claim. So Zoom picks only after the
    claims it could collide with:

    - claims by users who already have Zoom Phone run before every pick;
    - new phone users who name their extension take turns: Zoom picks for one, that user
      moves to its own extension, then Zoom picks for the next (whatever Zoom picked for
      an earlier user has been given back by then);
    - picks that stay (no extension in the state) come last, after every claim.
    """
    ops = sorted(b.ops.values(), key=lambda o: o.id)
    claims = [o for o in ops if o.kind == "update_phone" and "extension" in o.params]
    pickers = [
        o
        for o in ops
        if o.kind == "enable_phone"
        or (o.kind == "update_phone" and "site" in o.params and "extension" not in o.params)
    ]
    if not pickers or not claims:
        return
    own = {
        p.id: f"{p.user}/update_phone"
        for p in pickers
        if p.kind == "enable_phone"
        and f"{p.user}/update_phone" in b.ops
        and "extension" in b.ops[f"{p.user}/update_phone"].params
    }
    turns = [p for p in pickers if p.id in own]
    turn_users = {p.user for p in turns}
    settled = [c.id for c in claims if c.user not in turn_users]
    for i, picker in enumerate(turns):
        b.depend(picker.id, *(c for c in settled if b.ops[c].user != picker.user))
        b.depend(picker.id, *(own[p.id] for p in turns[:i]))
    for picker in pickers:
        if picker.id not in own:
            b.depend(picker.id, *(c.id for c in claims if c.user != picker.user))


def _pool(
    b: _Builder,
    what: str,
    available: int | None,
    claims: list[str],
    releases: list[str],
    rank: Mapping[str, int],
) -> None:
    """Make enough claims wait for releases when the free seats do not cover them all:
    the claims last in `rank` each wait for a release earlier in it."""
    if available is None or not claims:
        return
    need = len(claims) - max(available, 0)
    if need <= 0:
        return
    if len(releases) < need:
        first = b.ops[claims[0]]
        b.problem(
            first.user,
            "",
            f"not enough {what} seats: this plan needs {len(claims)}, "
            f"{max(available, 0)} are free and the plan frees {len(releases)}",
        )
        return
    waiting = sorted(claims, key=lambda o: (rank[o], o))[-need:]
    given = sorted(releases, key=lambda o: (rank[o], o))
    for claim, release in zip(waiting, given, strict=False):
        b.depend(claim, release)


Pool = tuple[str, int | None, list[str], list[str]]  # what, free seats, claims, releases


def _seat_order(pools: Sequence[Pool]) -> dict[str, int]:
    """A rank for every seat step, in an order where each claim finds a free seat.

    Pairing each pool's claims with its releases by id alone closed cycles when steps
    take a seat in one pool as they free one in another (a calling-plan switch, a
    Contact Center package change): A 100->300 waiting for B 300->100 while B waited for
    A, though a free seat of plan 100 let B go first. So: steps that only free seats
    come first; then those that do both, each taking a free seat, preferring the one that
    frees a seat another such step needs; last the steps that only take one. Steps that
    find no free seat (users trading seats with none free) keep their id order at the
    end: their links then close a cycle and the plan is refused."""
    checked = [
        (max(free, 0), claims, releases) for _, free, claims, releases in pools if free is not None
    ]
    free = [n for n, _, _ in checked]
    takes: dict[str, tuple[int, ...]] = defaultdict(tuple)
    frees: dict[str, tuple[int, ...]] = defaultdict(tuple)
    for i, (_, claims, releases) in enumerate(checked):
        for o in claims:
            takes[o] += (i,)
        for o in releases:
            frees[o] += (i,)
    steps = sorted(set(takes) | set(frees))
    order = [o for o in steps if not takes[o]]
    for o in order:
        for i in frees[o]:
            free[i] += 1
    # Steps that take and free, grouped by what they take and free (few groups).
    groups: dict[tuple[tuple[int, ...], tuple[int, ...]], list[str]] = defaultdict(list)
    for o in reversed(steps):
        if takes[o] and frees[o]:
            groups[(takes[o], frees[o])].append(o)
    demand: Counter[int] = Counter()  # pool -> how many of those steps still take one
    for (took, _), group in groups.items():
        for i in took:
            demand[i] += len(group)
    while True:
        ready = [g for g, group in groups.items() if group and all(free[i] for i in g[0])]
        if not ready:
            break
        took, freed = min(ready, key=lambda g: (not any(demand[i] for i in g[1]), g))
        order.append(groups[(took, freed)].pop())
        for i in took:
            free[i] -= 1
            demand[i] -= 1
        for i in freed:
            free[i] += 1
    stuck = sorted(o for group in groups.values() for o in group)
    order += [o for o in steps if takes[o] and not frees[o]] + stuck
    return {o: n for n, o in enumerate(order)}


def _get(value: JsonValue, key: str) -> JsonValue:
    return value.get(key) if isinstance(value, dict) else None


def _link_seats(b: _Builder) -> None:
    live = b.live.by_key()

    def holders_release(user: str, kinds: Iterable[OpKind] = _RELEASES_ALL) -> list[str]:
        return [f"{user}/{k}" for k in kinds if f"{user}/{k}" in b.ops]

    # Turning Zoom Phone off frees calling plan seats, not the user's licence nor their
    # Contact Center seat: only deactivating or removing the user frees those.
    user_releases: tuple[OpKind, ...] = ("deactivate_user", "delete_user")

    ops = sorted(b.ops.values(), key=lambda o: o.id)
    pools: list[Pool] = []
    for plan in b.live.calling_plans:
        claims = [
            o.id
            for o in ops
            if (o.kind == "assign_calling_plan" and o.params["type"] == plan.type)
            or (o.kind == "switch_calling_plan" and o.params["target_type"] == plan.type)
        ]
        releases = [
            o.id
            for o in ops
            if (o.kind == "unassign_calling_plan" and o.params["type"] == plan.type)
            or (o.kind == "switch_calling_plan" and o.params["source_type"] == plan.type)
        ]
        for user in live.values():
            if user.spec.phone is not None and plan.type in user.spec.phone.calling_plans:
                releases += holders_release(b.key_of(user.key))
        pools.append((f"calling plan {plan.name!r}", plan.available, claims, releases))

    seats = b.desired.account.seats
    licensed = [u for u in live.values() if u.spec.type == "licensed" and u.status != "inactive"]
    claims = [
        o.id
        for o in ops
        if (o.kind == "create_user" and o.params.get("type") == 2)
        or (o.kind == "update_user" and _get(o.after, "type") == "licensed")
    ]
    if claims and seats.licensed is None:
        b.warnings.append("account.seats.licensed is not set: free licences are not checked")
    elif seats.licensed is not None:
        releases = [
            o.id
            for o in ops
            if o.kind == "update_user" and o.removal and _get(o.before, "type") == "licensed"
        ]
        for user in licensed:
            releases += holders_release(b.key_of(user.key), user_releases)
        pools.append(("licensed", seats.licensed - len(licensed), claims, releases))

    for package in ("essentials", "premium", "elite"):
        holders = [
            u
            for u in live.values()
            if u.spec.contact_center is not None and u.spec.contact_center.package == package
        ]
        claims = [
            o.id
            for o in ops
            if o.kind in ("create_contact_center_user", "update_contact_center_user")
            and o.params.get("package") == package
        ]
        if not claims:
            continue
        declared = seats.contact_center.get(package)
        if declared is None:
            b.warnings.append(
                f"account.seats.contact_center.{package} is not set: free "
                "Contact Center seats are not checked"
            )
            continue
        releases = [
            o.id for o in ops if o.kind == "delete_contact_center_user" and o.before == package
        ]
        releases += [
            o.id
            for o in ops
            if o.kind == "update_contact_center_user"
            and (o.before or {}).get("package") == package  # type: ignore[union-attr]
            and "package" in o.params
        ]
        for user in holders:
            releases += holders_release(b.key_of(user.key), user_releases)
        pools.append((f"Contact Center {package}", declared - len(holders), claims, releases))
    rank = _seat_order(pools)
    for what, available, claims, releases in pools:
        _pool(b, what, available, claims, releases, rank)


# --------------------------------------------------------------------------------------
# Safety, order, and the plan


def _drop_removals(b: _Builder) -> None:
    """--skip-removals: no step that removes or loses anything, nor what waits on one."""
    dropped = {o for o, op in b.ops.items() if takes_away(op)}
    changed = True
    while changed:
        changed = False
        for op_id in list(b.ops):
            if op_id not in dropped and b.deps.get(op_id, set()) & dropped:
                dropped.add(op_id)
                changed = True
    for op_id in sorted(dropped):
        b.warnings.append(f"--skip-removals: not planned: {op_id}")
        del b.ops[op_id]
        b.deps.pop(op_id, None)
    for deps in b.deps.values():
        deps -= dropped


def takes_away(op: Operation) -> bool:
    """Whether a step counts toward account.safety: it removes a user, a licence or a seat
    (`removal`), or it loses data (`destroys_data`: an unassigned number that no one else
    in the plan gets, which an unattended apply with --allow-data-loss would otherwise
    run without limit). A number that moves to another user loses nothing and does not
    count."""
    return op.removal or op.destroys_data


def _check_safety(b: _Builder) -> None:
    account = b.desired.account
    reachable = Reach(account)
    managed = [u for u in b.live.users if reachable(u.key)]
    removed_users = {
        op.user for op in b.ops.values() if op.kind in ("deactivate_user", "delete_user")
    }
    gone = {u.key for u in managed if u.status != "pending"}
    # Active users counted alone too: with on_missing_user deactivate, an inactive user
    # is never "removed" again, so one inactive user would hide an empty state that
    # deactivates everyone else.
    active = {u.key for u in managed if u.status == "active"}
    if (gone and gone <= removed_users) or (active and active <= removed_users):
        raise UnsafePlan(
            f"this plan would remove every managed user ({len(gone)}): is the state "
            "directory empty or truncated? Refused, even with --force"
        )
    counted = [op for op in b.ops.values() if takes_away(op)]
    touched = {op.user for op in counted}
    if b.options.force or not touched:
        return
    limits = account.safety
    share = 100.0 * len(touched) / max(1, len(managed))
    if len(touched) > limits.max_deletes or share > limits.max_delete_percent:
        steps = ", ".join(
            f"{n} {kind}" for kind, n in sorted(Counter(o.kind for o in counted).items())
        )
        raise UnsafePlan(
            f"this plan takes users, licences or numbers away from {len(touched)} of "
            f"{len(managed)} managed users ({share:.1f}%; steps: {steps}), over "
            f"account.safety (max_deletes {limits.max_deletes}, max_delete_percent "
            f"{limits.max_delete_percent:g}): review it, then use --force to go ahead, or "
            "raise account.safety in the state: "
            + ", ".join(sorted(touched)[:10])
            + ("..." if len(touched) > 10 else "")
        )


def order_operations(ops: Mapping[str, Operation], deps: Mapping[str, set[str]]) -> list[Operation]:
    """Topological order with one tie-break: destructive steps that nothing waits for go
    last (rule 5); otherwise by user and each user's natural sequence (rules 1 and 2)."""
    needed = {d for ds in deps.values() for d in ds}

    def rank(op: Operation) -> tuple[int, str, int, str]:
        late = (op.removal or op.destroys_data) and op.id not in needed
        return (1 if late else 0, op.user, _USER_SEQUENCE[op.kind], op.id)

    waits = {o: {d for d in deps.get(o, set()) if d in ops} for o in ops}
    left = {o: len(ds) for o, ds in waits.items()}
    dependents: dict[str, list[str]] = defaultdict(list)
    for o, ds in waits.items():
        for d in ds:
            dependents[d].append(o)
    ready = [(rank(ops[o]), o) for o, n in left.items() if n == 0]
    heapq.heapify(ready)
    out: list[Operation] = []
    while ready:
        _, o = heapq.heappop(ready)
        out.append(replace(ops[o], depends_on=tuple(sorted(waits[o]))))
        for nxt in dependents[o]:
            left[nxt] -= 1
            if left[nxt] == 0:
                heapq.heappush(ready, (rank(ops[nxt]), nxt))
    if len(out) != len(ops):
        stuck = sorted(set(ops) - {op.id for op in out})
        raise InvalidPlan(f"dependency cycle among {', '.join(stuck[:5])}")
    return out


def make_plan(desired: DesiredState, live: LiveState, options: PlanOptions | None = None) -> Plan:
    """The plan that turns `live` into `desired`, checked against the live account and
    the state's safety limits. Raises ValidationFailed (plan-time problems, located in
    the state) or UnsafePlan."""
    options = options or PlanOptions()
    diffs, _ = diff_users(desired, live, only=options.targets)
    b = _Builder(desired, live, options)
    b.renamed = {d.live.key: d.key for d in diffs if d.live is not None and d.live.key != d.key}
    for d in diffs:
        _UserPlanner(b, d).plan()
    _link_numbers(b)
    _link_extensions(b)
    _link_seats(b)
    if b.issues:
        raise ValidationFailed(b.issues)
    if options.skip_removals:
        _drop_removals(b)
    _check_safety(b)
    try:
        ordered = order_operations(b.ops, b.deps)
    except InvalidPlan as exc:
        # Only seat links can close a cycle (two users trading calling plans with no
        # seat free): a plan-time problem with the steps named, not a traceback.
        raise ValidationFailed(
            [
                Issue(
                    "(live account)",
                    0,
                    0,
                    "",
                    f"{exc}: these steps wait for each other's seats; free one seat of "
                    "the plans involved, or make the change in two runs",
                )
            ]
        ) from None
    reads = sorted({r for op in ordered for r in op.reads})
    return Plan(
        operations=tuple(ordered),
        waiting=tuple(sorted(b.waiting, key=lambda w: (w.user, _USER_SEQUENCE[w.kind]))),
        warnings=tuple(sorted(set(b.warnings))),
        state_hash=state_hash(desired),
        fingerprints=live_fingerprints(live, reads),
        diffs=tuple(diffs),
    )


__all__ = [
    "FORMAT_VERSION",
    "OP_KINDS",
    "SYMBOLS",
    "OpKind",
    "Operation",
    "Plan",
    "PlanOptions",
    "Waiting",
    "live_fingerprints",
    "make_plan",
    "order_operations",
    "state_hash",
    "takes_away",
    "user_fingerprint",
]
